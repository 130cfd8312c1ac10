import assert from "node:assert/strict";
import { poissonArrivals, takeArrivals } from "../../lib/arrivals/streams.ts";
import { predictExperiment, runExperiment } from "../../lib/buffer/experiment.ts";
import { fetchLogs } from "../../lib/logs/fetch_logs.ts";
import { parseLambdaLog } from "../../lib/logs/lambda_log_lines.ts";
import { parseBatchesCsv, parseRequestsCsv } from "../../lib/logs/run_csv.ts";
import { poissonProcess } from "../../lib/map/map_process.ts";
import { gridFromRanges } from "../../lib/optimize/grid.ts";
import { pricing } from "../../lib/profile/pricing.ts";
import { predictConfiguration } from "../../lib/model/predict.ts";
import {
  profileFromJson,
  publishedProfile,
  type ServiceProfile,
  serviceTimeSec,
} from "../../lib/profile/service_profile.ts";
import { seededPrng } from "../../lib/random/prng.ts";
import { ColumnSink } from "../../lib/sim/column_sink.ts";
import type { RequestRecord } from "../../lib/sim/simulator.ts";
import { setUpLocalLambda } from "../lambda/_local_lambda.ts";

const PROFILE = publishedProfile("TF-inceptionV4");
const PRICING = pricing("aws-x86");

/** The exact sample quantile LatencyHistogram approximates: the ceil(q n)-th smallest. */
function sampleQuantile(sorted: number[], q: number): number {
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1];
}

async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "batch_experiment_test_" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("runExperiment() against the in-process Lambda accounts for every request, and its CloudWatch REPORT lines match the batches", async () => {
  // 300 Poisson arrivals at 200/s (seed 5), B = 6, T = 20 ms; the in-process Lambda runs
  // TF-inceptionV4 100 times faster than real and is kept alive for the logs.
  const arrivals = takeArrivals(poissonArrivals(200, { prng: seededPrng(5) }), { count: 300 });
  const columns = new ColumnSink();
  const result = await runExperiment({
    arrivals,
    map: poissonProcess(200),
    maxBatch: 6,
    timeoutSec: 0.02,
    profile: PROFILE,
    pricing: PRICING,
    timeScale: 100,
    collectRecords: true,
    sink: columns,
    keepLambda: true,
  });
  try {
    const { summary, records } = result;
    assert.equal(result.status, "done");
    assert.equal(summary.interrupted, false);
    assert.ok(records !== undefined);
    const { requests, batches } = records;

    // Every request exactly once, completed, and none left over.
    assert.deepEqual(
      requests.map((r) => r.requestId).sort((a, b) => a - b),
      Array.from({ length: 300 }, (_, i) => i),
    );
    assert.ok(requests.every((r) => r.status === "ok"));
    assert.equal(summary.requests, 300);
    assert.equal(summary.completed, 300);
    assert.equal(summary.failed, 0);
    assert.equal(summary.unfinished, 0);
    // A request arrives no earlier than its time (the loop waits to within 1 ms).
    const byId = [...requests].sort((a, b) => a.requestId - b.requestId);
    for (let i = 0; i < 300; i++) assert.ok(byId[i].arrivalSec >= arrivals[i] - 1e-3);

    // Batches: sizes add up, at most B, and agree with the summary.
    assert.equal(batches.length, summary.batches);
    assert.equal(batches.reduce((n, b) => n + b.size, 0), 300);
    assert.ok(batches.every((b) => b.size >= 1 && b.size <= 6 && b.status === "ok"));
    assert.equal(summary.meanBatchSize, 300 / batches.length);
    for (const reason of ["size", "timeout", "shutdown"] as const) {
      assert.equal(
        summary.dispatchReasons[reason],
        batches.filter((b) => b.dispatchReason === reason).length,
        reason,
      );
    }
    const perBatch = new Map(batches.map((b) => [b.batchId, b.size]));
    assert.ok(requests.every((r) => perBatch.get(r.batchId) === r.batchSize));

    // Cost: the batches' costs over the requests (sums of 50-odd terms: 1e-12 relative).
    const totalUsd = batches.reduce((s, b) => s + b.costUsd, 0);
    assert.ok(Math.abs(summary.costPerRequestUsd - totalUsd / 300) <= 1e-12 * totalUsd);

    // Latencies: the histogram's quantiles are within 0.01 % of the sample quantiles
    // (its bins are 1e-4 wide, see LatencyHistogram), its mean exact up to rounding.
    const latencies = requests.map((r: RequestRecord) => r.latencySec).sort((a, b) => a - b);
    for (
      const [q, got] of [[0.5, summary.latencySec.p50], [0.95, summary.latencySec.p95], [
        0.99,
        summary.latencySec.p99,
      ]] as const
    ) {
      const want = sampleQuantile(latencies, q);
      assert.ok(Math.abs(got - want) <= 1e-4 * want, `p${q * 100}: ${got} vs ${want}`);
    }
    const mean = latencies.reduce((s, x) => s + x, 0) / 300;
    assert.ok(Math.abs(summary.latencySec.mean - mean) <= 1e-12 * mean);
    assert.ok(summary.memory.length >= 1);
    assert.equal(summary.rssMb, summary.memory.at(-1)!.rssMb);

    // The injected sink saw the same records.
    assert.equal(columns.requests().request_id.length, 300);
    assert.equal(columns.batches().batch_id.length, batches.length);

    // What run.json would say, and no prediction at a time scale other than 1.
    assert.equal(result.config.target, "local Lambda (in-process)");
    assert.equal(result.config.timeScale, 100);
    assert.equal(result.config.durationSec, undefined);
    assert.equal(result.prediction, undefined);
    assert.equal(result.out, undefined);
    assert.equal(result.functionName, "inception-v4");
    assert.match(result.endpoint!, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(result.lambda !== undefined);
    assert.ok(result.startedAtMs <= result.endedAtMs);

    // The kept Lambda's CloudWatch face: one REPORT line per batch, with the same
    // durations and billed durations as the batches' records.
    const logs = await fetchLogs(result.functionName, {
      endpoint: result.endpoint,
      region: result.region,
      startTimeMs: result.startedAtMs,
      endTimeMs: result.endedAtMs + 1,
      filterPattern: "REPORT",
    });
    assert.deepEqual(logs.skipped, []);
    assert.equal(logs.reports.length, batches.length);
    const key = (durationMs: number, billedMs: number) => `${durationMs.toFixed(2)}/${billedMs}`;
    assert.deepEqual(
      logs.reports.map((r) => key(r.durationMs, r.billedDurationMs)).sort(),
      batches.map((b) => key(b.durationMs, b.billedDurationMs)).sort(),
    );
    assert.deepEqual(
      logs.reports.map((r) => r.billedDurationMs).sort((a, b) => a - b),
      batches.map((b) => b.billedDurationMs).sort((a, b) => a - b),
    );
    assert.equal(
      logs.reports.filter((r) => r.initDurationMs !== undefined).length,
      batches.filter((b) => b.initDurationMs > 0).length,
    );
  } finally {
    await result.close();
  }
});

Deno.test("runExperiment() with out writes requests.csv, batches.csv, lambda.log and run.json", async () => {
  await withTempDir(async (dir) => {
    const result = await runExperiment({
      arrivals: Array.from({ length: 50 }, (_, i) => i * 0.004),
      arrivalsDescription: "every 4 ms",
      maxBatch: 4,
      timeoutSec: 0.01,
      profile: PROFILE,
      pricing: PRICING,
      timeScale: 1000,
      seed: 9,
      out: dir,
    });
    assert.equal(result.status, "done");
    assert.equal(result.records, undefined);
    assert.equal(result.lambda, undefined);
    await result.close();
    const requests = parseRequestsCsv(await Deno.readTextFile(`${dir}/requests.csv`));
    const batches = parseBatchesCsv(await Deno.readTextFile(`${dir}/batches.csv`));
    assert.deepEqual(requests.skipped, []);
    assert.deepEqual(batches.skipped, []);
    assert.equal(requests.records.length, 50);
    assert.equal(batches.records.length, result.summary.batches);
    const reports = parseLambdaLog(await Deno.readTextFile(`${dir}/lambda.log`)).records
      .filter((r) => r.kind === "report");
    assert.equal(reports.length, batches.records.length);
    const run = JSON.parse(await Deno.readTextFile(`${dir}/run.json`));
    assert.equal(run.status, "done");
    assert.deepEqual(run.summary, JSON.parse(JSON.stringify(result.summary)));
    assert.deepEqual(run.config, JSON.parse(JSON.stringify(result.config)));
    assert.equal(run.config.arrivals, "every 4 ms");
    assert.equal(run.config.seed, 9);
  });
});

Deno.test("runExperiment() stops on its signal, flushes the run directory from then on, and accounts for every request", async () => {
  await withTempDir(async (dir) => {
    // An endless Poisson stream at 200/s (seed 6); the stop comes after 300 ms, while
    // batches (30 ms each at time scale 100) are in flight.
    const stop = new AbortController();
    const progress: number[] = [];
    let seen = 0, checkedAfterStop = 0;
    const sink = {
      request() {
        seen++;
      },
      batch() {
        if (!stop.signal.aborted) return;
        // The run directory already holds every request recorded so far.
        const lines = Deno.readTextFileSync(`${dir}/requests.csv`).trim().split("\n");
        assert.equal(lines.length - 1, seen);
        checkedAfterStop++;
      },
    };
    setTimeout(() => stop.abort(), 300);
    const result = await runExperiment({
      arrivals: poissonArrivals(200, { prng: seededPrng(6) }),
      maxBatch: 5,
      timeoutSec: 0.01,
      profile: PROFILE,
      pricing: PRICING,
      timeScale: 100,
      out: dir,
      sink,
      collectRecords: true,
      signal: stop.signal,
      onProgress: (p) => progress.push(p.requests),
      progressIntervalSec: 0.05,
    });
    assert.equal(result.status, "interrupted");
    assert.equal(result.summary.interrupted, true);
    assert.ok(result.summary.requests > 0);
    assert.equal(result.summary.unfinished, 0);
    assert.equal(result.records!.requests.length, result.summary.requests);
    assert.ok(checkedAfterStop > 0, "no batch completed after the stop");
    assert.ok(progress.length > 0);
    for (let i = 1; i < progress.length; i++) assert.ok(progress[i] >= progress[i - 1]);
    const run = JSON.parse(await Deno.readTextFile(`${dir}/run.json`));
    assert.equal(run.status, "interrupted");
  });
});

Deno.test("runExperiment() with a signal aborted before the start sends nothing", async () => {
  const result = await runExperiment({
    arrivals: [0, 0.001],
    maxBatch: 2,
    timeoutSec: 0.01,
    profile: PROFILE,
    pricing: PRICING,
    timeScale: 1000,
    signal: AbortSignal.abort(),
  });
  assert.equal(result.status, "interrupted");
  assert.equal(result.summary.requests, 0);
  assert.equal(result.summary.batches, 0);
  assert.ok(Number.isNaN(result.summary.meanBatchSize));
});

Deno.test("runExperiment() against an endpoint creates the function there and predicts with a MAP", async () => {
  const { server, client, lambda } = setUpLocalLambda({ prng: seededPrng(2), timeScale: 1000 });
  try {
    const result = await runExperiment({
      arrivals: poissonArrivals(100, { prng: seededPrng(7) }),
      requests: 40,
      map: poissonProcess(100),
      maxBatch: 4,
      timeoutSec: 0.02,
      functionName: "g",
      memoryMb: 2048,
      profile: PROFILE,
      pricing: PRICING,
      endpoint: server.url,
      keepLambda: true,
    });
    assert.equal(result.summary.completed, 40);
    assert.equal(result.config.target, server.url);
    assert.equal(result.config.timeScale, undefined);
    assert.equal(result.endpoint, server.url);
    assert.equal(result.lambda, undefined);
    assert.equal(lambda.getFunctionConfiguration("g").MemorySize, 2048);
    assert.ok(result.prediction !== undefined && result.prediction.p95Sec > 0);
    assert.ok(result.prediction.costPerRequestUsd > 0);
    await result.close();
  } finally {
    client.destroy();
    await server.close();
  }
});

Deno.test("runExperiment() rejects bad options before it starts anything", async () => {
  const base = {
    arrivals: [0],
    maxBatch: 4,
    timeoutSec: 0.1,
    profile: PROFILE,
    pricing: PRICING,
  };
  for (
    const [options, error] of [
      [
        { maxBatch: 0 },
        new RangeError(
          "Cannot run the experiment as 'maxBatch' must be a positive integer: current value is 0",
        ),
      ],
      [
        { maxBatch: 2.5 },
        new RangeError(
          "Cannot run the experiment as 'maxBatch' must be a positive integer: current value is 2.5",
        ),
      ],
      [
        { timeoutSec: NaN },
        new RangeError(
          "Cannot run the experiment as 'timeoutSec' must be a positive number: current value is NaN",
        ),
      ],
      [
        { requests: Infinity },
        new RangeError(
          "Cannot run the experiment as 'requests' must be a positive integer: current value is Infinity",
        ),
      ],
      [
        { jitterCv: -1 },
        new RangeError(
          "Cannot run the experiment as 'jitterCv' must be a number >= 0: current value is -1",
        ),
      ],
      [
        { aws: true, endpoint: "http://127.0.0.1:1" },
        new TypeError("Cannot run the experiment with both 'aws' and 'endpoint'"),
      ],
      [
        { arrivals: 5 },
        new TypeError(
          "Cannot run the experiment as 'arrivals' must be an iterable of times or an arrival stream: current value is 5",
        ),
      ],
    ] as [Record<string, unknown>, Error][]
  ) {
    await assert.rejects(
      runExperiment({ ...base, ...options } as Parameters<typeof runExperiment>[0]),
      { name: error.name, message: error.message },
    );
  }
});

/**
 * Poisson arrivals whose rate changes every `windowSec`: `ratesPerSec[i]` in
 * window i, up to `endSec` (seeded, so the controller decides alike every run).
 */
function switchingArrivals(
  ratesPerSec: number[],
  windowSec: number,
  endSec: number,
  seed: number,
): number[] {
  const prng = seededPrng(seed), out: number[] = [];
  for (let t = 0;;) {
    const rate = ratesPerSec[Math.min(ratesPerSec.length - 1, Math.floor(t / windowSec))];
    t += -Math.log(1 - prng.nextFloat()) / rate;
    if (t > endSec) return out;
    out.push(t);
  }
}

Deno.test("runExperiment() adaptive against the in-process Lambda: decisions logged, B at once, memory after the update, every request accounted for", async () => {
  await withTempDir(async (dir) => {
    // 2 s windows: 50 requests/s, then 200/s, then a few arrivals past 4 s to close the second
    // window (seed 3). TF-inceptionV4, 100 times faster than real; updates stay InProgress
    // 0.5 s (50 s / 100). From B = 4, T = 0.05 s at 3008 MB, with a p95 SLO of 3 s over
    // this grid, the controller moves to 2048 MB, B = 3, T = 0.49 s after the first window
    // (5.2 % cheaper, as AdaptiveController computes it for these arrivals).
    const arrivals = switchingArrivals([50, 200, 50], 2, 4.2, 3);
    const result = await runExperiment({
      arrivals,
      maxBatch: 4,
      timeoutSec: 0.05,
      memoryMb: 3008,
      profile: PROFILE,
      pricing: PRICING,
      timeScale: 100,
      updateSec: 50,
      collectRecords: true,
      keepLambda: true,
      out: dir,
      adaptive: {
        windowSec: 2,
        grid: gridFromRanges("1536,2048,3008", "0.05,0.25,0.49", "1:8"),
        slo: 3,
        pollMs: 100,
      },
    });
    try {
      const { summary, adaptive } = result;
      assert.equal(result.status, "done");
      assert.ok(adaptive !== undefined);
      const { decisions, reconfigurations, memoryUpdates } = adaptive;

      // Every request exactly once, completed.
      assert.equal(summary.requests, arrivals.length);
      assert.equal(summary.completed, arrivals.length);
      assert.equal(summary.unfinished, 0);
      const requests = parseRequestsCsv(await Deno.readTextFile(`${dir}/requests.csv`));
      assert.deepEqual(requests.skipped, []);
      assert.deepEqual(
        requests.records.map((r) => r.requestId).sort((a, b) => a - b),
        Array.from({ length: arrivals.length }, (_, i) => i),
      );

      // Two windows ended (at 2 s and 4 s), each decided once and logged as it was taken.
      assert.deepEqual(decisions.map((d) => [d.window, d.startSec, d.endSec]), [[0, 0, 2], [
        1,
        2,
        4,
      ]]);
      const lines = (await Deno.readTextFile(`${dir}/decisions.jsonl`)).trim().split("\n");
      assert.equal(lines.length, decisions.length);
      assert.deepEqual(lines.map((l) => JSON.parse(l)), JSON.parse(JSON.stringify(decisions)));
      for (const key of ["fitted", "config", "predictedLatencySec", "changed", "reason"]) {
        assert.ok(key in JSON.parse(lines[0]), key);
      }
      const changes = decisions.filter((d) => d.changed).length;
      assert.deepEqual(summary.adaptive, { windows: 2, changes });
      assert.equal(reconfigurations.length, changes);
      const run = JSON.parse(await Deno.readTextFile(`${dir}/run.json`));
      assert.deepEqual(run.summary.adaptive, summary.adaptive);
      assert.equal(run.config.adaptive.windowSec, 2);
      assert.equal(run.adaptive.memoryUpdates.length, memoryUpdates.length);
      assert.equal(result.prediction, undefined);

      // The controller picked another memory (the grid and the SLO are chosen so).
      assert.ok(reconfigurations.length >= 1);
      assert.ok(reconfigurations.some((r) => r.memoryMb !== 3008), JSON.stringify(decisions));

      // B and T at once: a batch opened after a change has at most the new B, exactly B
      // when it left full.
      const batches = parseBatchesCsv(await Deno.readTextFile(`${dir}/batches.csv`));
      assert.deepEqual(batches.skipped, []);
      assert.equal(batches.records.reduce((n, b) => n + b.size, 0), arrivals.length);
      for (const [i, r] of reconfigurations.entries()) {
        const until = reconfigurations[i + 1]?.appliedSec ?? Infinity;
        assert.ok(r.arrivalSec >= 2 && r.appliedSec >= r.arrivalSec - 1e-3);
        const opened = batches.records.filter((b) =>
          b.firstArrivalSec >= r.appliedSec && b.firstArrivalSec < until
        );
        assert.ok(opened.length > 0);
        for (const b of opened) {
          assert.ok(b.size <= r.maxBatch, `batch ${b.batchId} of ${b.size} > ${r.maxBatch}`);
          if (b.dispatchReason === "size") assert.equal(b.size, r.maxBatch);
          if (b.dispatchReason === "timeout") {
            assert.ok(Math.abs(b.deadlineSec - b.firstArrivalSec - r.timeoutSec) < 1e-9);
          }
        }
      }

      // Memory: every update done; the batches before the first ran at the old
      // memory, those after it at the new one (the REPORT lines say so), the first of them
      // cold (the update retired the warm environments), and arrivals and batches went on
      // while Lambda had it in progress.
      assert.ok(memoryUpdates.length >= 1);
      assert.equal(memoryUpdates.at(-1)!.toMb, decisions.at(-1)!.config.memoryMb);
      for (const u of memoryUpdates) {
        assert.equal(u.status, "done", u.error);
        assert.ok(u.doneSec - u.requestedSec >= 0.4, `update took ${u.doneSec - u.requestedSec} s`);
      }
      const first = memoryUpdates[0], last = memoryUpdates.at(-1)!;
      const before = batches.records.filter((b) => b.dispatchSec < first.requestedSec);
      const after = batches.records.filter((b) => b.dispatchSec > last.doneSec);
      assert.ok(before.length > 0 && after.length > 0);
      assert.ok(before.every((b) => b.memorySizeMb === 3008));
      assert.ok(after.every((b) => b.memorySizeMb === last.toMb));
      const firstAtNew = batches.records.filter((b) => b.memorySizeMb === first.toMb)
        .sort((a, b) => a.dispatchSec - b.dispatchSec)[0];
      assert.ok(firstAtNew.initDurationMs > 0);
      const during = (x: number) => x > first.requestedSec && x < first.doneSec;
      assert.ok(requests.records.some((r) => during(r.arrivalSec)));
      assert.ok(batches.records.some((b) => during(b.dispatchSec)));
      // Each batch billed at the memory it ran with (a sum of two terms: 1e-12 relative).
      for (const b of batches.records) {
        const want = (b.billedDurationMs / 1000) * (b.memorySizeMb / 1024) *
            PRICING.usdPerGbSecond + PRICING.usdPerRequest;
        assert.ok(Math.abs(b.costUsd - want) <= 1e-12 * want, `batch ${b.batchId}`);
      }

      // The function ends at the last memory decided.
      assert.equal(
        result.lambda!.getFunctionConfiguration(result.functionName).MemorySize,
        decisions.at(-1)!.config.memoryMb,
      );
    } finally {
      await result.close();
    }
  });
});

Deno.test("runExperiment() rejects bad adaptive options before it starts anything", async () => {
  const grid = gridFromRanges("1536,2048", "0.1", "1:4");
  const base = {
    arrivals: [0],
    maxBatch: 4,
    timeoutSec: 0.1,
    profile: PROFILE,
    pricing: PRICING,
  };
  for (
    const [adaptive, error] of [
      [
        { grid: { ...grid, memoriesMb: [1536.5] }, slo: 3 },
        new RangeError(
          "Cannot run the experiment as 'adaptive.grid.memoriesMb' must be a positive integer: current value is 1536.5",
        ),
      ],
      [
        { grid: { ...grid, timeoutsSec: [] }, slo: 3 },
        new RangeError(
          "Cannot run the experiment as 'adaptive.grid.timeoutsSec' must be a non-empty array: current value is []",
        ),
      ],
      [
        { grid, slo: 3, percentile: 1 },
        new RangeError(
          "Cannot run the experiment as 'adaptive.percentile' must be within (0, 1): current value is 1",
        ),
      ],
      [
        { grid, slo: 3, windowSec: 0 },
        new RangeError("Cannot adapt with window 0 s: it must be > 0"),
      ],
      [
        { grid, slo: 3, rateMargin: 1 },
        new RangeError("Cannot adapt with rateMargin 1: it must be within [0, 1)"),
      ],
      [{ grid, slo: -1 }, new RangeError("Cannot adapt to SLO -1: it must be > 0")],
      [
        { grid, slo: 3, method: "fast" },
        new RangeError(
          "Cannot run the experiment as 'adaptive.method' must be exact or paper: current value is fast",
        ),
      ],
      [
        { slo: 3 },
        new TypeError(
          `Cannot run the experiment as 'adaptive' must be an object with a grid: current value is {"slo":3}`,
        ),
      ],
    ] as [Record<string, unknown>, Error][]
  ) {
    await assert.rejects(
      runExperiment({ ...base, adaptive } as unknown as Parameters<typeof runExperiment>[0]),
      { name: error.name, message: error.message },
    );
  }
  // A grid beyond the profile's fitted memories (1280..3008 MB) fails up front, not at a
  // window's end.
  await assert.rejects(
    runExperiment({ ...base, adaptive: { grid: { ...grid, memoriesMb: [4096] }, slo: 3 } }),
    { name: "ProfileRangeError" },
  );
});

Deno.test("runExperiment() sizes the client's connection pool for 100 batches in flight: none waits in the client", async () => {
  // 100 single-request batches within 0.1 s, each invocation 0.6 s (real time):
  // all 100 are in flight at once, twice the SDK's default pool of 50 sockets.
  const serviceSec = serviceTimeSec(PROFILE, 1, 3008);
  const result = await runExperiment({
    arrivals: Array.from({ length: 100 }, (_, i) => i * 0.001),
    maxBatch: 1,
    timeoutSec: 1,
    profile: PROFILE,
    pricing: PRICING,
    collectRecords: true,
  });
  const s = result.summary;
  assert.equal(s.completed, 100);
  assert.equal(s.client.connections, 1000);
  assert.equal(s.client.queuedBatches, 0);
  assert.deepEqual(s.warnings, []);
  // Each request: its service, a cold start (0.25 s) and loopback overhead; a
  // batch queued behind 50 others would take a whole service time more.
  const worst = Math.max(...result.records!.requests.map((r) => r.latencySec));
  assert.ok(worst < serviceSec + 0.25 + 0.3, `worst latency ${worst} s, service ${serviceSec} s`);
  assert.ok(result.records!.batches.every((b) => b.clientWaitMs >= 0 && b.clientWaitMs < 100));
});

Deno.test("runExperiment() with a pool smaller than the batches in flight warns, counts the batches that waited and logs each wait", async () => {
  await withTempDir(async (dir) => {
    const heard: string[] = [];
    const result = await runExperiment({
      arrivals: Array.from({ length: 30 }, (_, i) => i * 0.001),
      maxBatch: 1,
      timeoutSec: 1,
      profile: PROFILE,
      pricing: PRICING,
      maxConnections: 10,
      timeScale: 10,
      out: dir,
      onWarning: (m) => heard.push(m),
    });
    const s = result.summary;
    assert.equal(s.completed, 30);
    assert.equal(s.client.connections, 10);
    // 30 at once on 10 connections: 20 wait for one.
    assert.equal(s.client.queuedBatches, 20);
    assert.equal(heard.length, 1);
    assert.match(heard[0], /waited .* ms in the client for a connection \(all 10 busy\)/);
    assert.equal(s.warnings.length, 1);
    assert.match(s.warnings[0], /^20 batch\(es\) waited in the client for a connection/);
    const run = JSON.parse(await Deno.readTextFile(`${dir}/run.json`));
    assert.deepEqual(run.summary.warnings, s.warnings);
    const batches = parseBatchesCsv(await Deno.readTextFile(`${dir}/batches.csv`)).records;
    const waited = batches.filter((b) => b.clientWaitMs > 20);
    assert.equal(waited.length, 20);
    assert.ok(Math.max(...batches.map((b) => b.clientWaitMs)) <= s.client.maxWaitMs + 1e-9);
  });
});

Deno.test("runExperiment() refuses a memory outside the profile's range on the in-process Lambda unless it extrapolates", async () => {
  const run = (extrapolate: boolean) =>
    runExperiment({
      arrivals: [0, 0.001],
      maxBatch: 2,
      timeoutSec: 0.01,
      // TF-inceptionV4 was fitted on 1280..3008 MB.
      memoryMb: 1024,
      profile: PROFILE,
      pricing: PRICING,
      timeScale: 1000,
      extrapolate,
    });
  await assert.rejects(run(false), {
    name: "InvalidParameterValueException",
    message: /1280\.\.3008 MB/,
  });
  const result = await run(true);
  assert.equal(result.summary.completed, 2);
  assert.equal(result.config.memoryMb, 1024);
});

Deno.test("runExperiment() gives the in-process Lambda its cold start and keep-alive", async () => {
  // Two batches of one, 5 ms apart; ten times faster than real, the first takes about
  // (0.5 + S_1) / 10 s, S_1 about 0.7 s for TF-inceptionV4 at 3008 MB, so it is still
  // busy when the second comes: each starts its own environment, cold.
  const run = (coldStartSec: number, keepAliveSec?: number) =>
    runExperiment({
      arrivals: [0, 0.005],
      maxBatch: 1,
      timeoutSec: 0.01,
      profile: PROFILE,
      pricing: PRICING,
      timeScale: 10,
      coldStartSec,
      keepAliveSec,
      collectRecords: true,
    });
  const cold = await run(0.5, 30);
  assert.deepEqual(cold.records!.batches.map((b) => b.initDurationMs), [500, 500]);
  assert.equal(cold.summary.coldStartBatches, 2);
  assert.deepEqual(cold.config.localLambda, {
    concurrency: 1000,
    serviceCv: 0,
    coldStartSec: 0.5,
    keepAliveSec: 30,
    extrapolate: false,
  });
  // No initialisation: no batch counts as cold, and the warm-only p95 is the p95.
  const warm = await run(0);
  assert.equal(warm.summary.coldStartBatches, 0);
  assert.equal(warm.summary.warmLatencySec.p95, warm.summary.latencySec.p95);
  assert.equal(warm.config.localLambda!.keepAliveSec, 600);
  await assert.rejects(run(-1), {
    name: "RangeError",
    message:
      "Cannot run the experiment as 'coldStartSec' must be a number >= 0: current value is -1",
  });
});

/** A fast linear profile (S_k = 0.01 + 0.001 k s), so that a run in real time takes 15 ms. */
const FAST_LINEAR = {
  name: "fast-linear",
  terms: ["1", "k"],
  coefficients: [0.01, 0.001],
  memoryRangeMb: [128, 10240],
  batchRange: [1, 100],
};

Deno.test("runExperiment() predicts with the in-process Lambda's service times: the profile's, or lognormal of CV jitterCv", async () => {
  const fixed = profileFromJson(FAST_LINEAR);
  const gamma = profileFromJson({
    ...FAST_LINEAR,
    variability: { distribution: "gamma", cv: 0.3 },
  });
  const lognormal = profileFromJson({
    ...FAST_LINEAR,
    variability: { distribution: "lognormal", cv: 0.3 },
  });
  const config = {
    map: poissonProcess(10),
    maxBatch: 3,
    timeoutSec: 0.01,
    memoryMb: 3008,
    pricing: PRICING,
  };
  const run = (profile: ServiceProfile, jitterCv: number) =>
    runExperiment({ ...config, arrivals: [0], profile, coldStartSec: 0, jitterCv });
  // What the run predicts is the exact model on the service time the function ran with.
  const expect = (profile: ServiceProfile, service: string) => {
    const p = predictConfiguration({ ...config, profile, extrapolate: true });
    return {
      p50Sec: p.percentile(0.5),
      p95Sec: p.percentile(0.95),
      p99Sec: p.percentile(0.99),
      costPerRequestUsd: p.costPerRequestUsd,
      service,
      coldStartProbability: 0,
    };
  };
  const deterministic = (await run(fixed, 0)).prediction;
  assert.deepEqual(deterministic, expect(fixed, "deterministic"));
  // --service-cv 0.3: lognormal of CV 0.3, the same for a profile with a variability of its own.
  const jittered = (await run(fixed, 0.3)).prediction;
  assert.deepEqual(jittered, expect(lognormal, "lognormal, CV 0.3"));
  assert.deepEqual((await run(gamma, 0.3)).prediction, jittered);
  // Without jitter, the profile's own variability.
  assert.deepEqual((await run(gamma, 0)).prediction, expect(gamma, "gamma, CV 0.3"));
  // The same mean service, a wider latency: a longer p99.
  assert.ok(jittered!.p99Sec > deterministic!.p99Sec);
  assert.ok(jittered!.p50Sec < jittered!.p95Sec && jittered!.p95Sec < jittered!.p99Sec);
});

Deno.test("runExperiment() serves its profile on the in-process Lambda even under a published profile's name", async () => {
  // A profile file may keep a published name: the function runs the file's S_1 = 11 ms,
  // not TF-inceptionV4's S(1, 3008 MB).
  const profile = profileFromJson({ ...FAST_LINEAR, name: "TF-inceptionV4" });
  const result = await runExperiment({
    arrivals: [0],
    maxBatch: 1,
    timeoutSec: 0.01,
    profile,
    pricing: PRICING,
    coldStartSec: 0,
    collectRecords: true,
  });
  const [batch] = result.records!.batches;
  assert.ok(Math.abs(batch.durationMs - 11) < 1e-9, `${batch.durationMs} ms`);
  assert.ok(serviceTimeSec(PROFILE, 1, 3008) > 0.1);
});

Deno.test("predictExperiment() with a profile's coldStart: the model's cold-start share at the run's keep-alive", () => {
  const profile = profileFromJson({
    name: "cold",
    terms: ["1", "k"],
    coefficients: [0.01, 0.034],
    memoryRangeMb: [1024, 3008],
    batchRange: [1, 20],
    coldStart: { initSec: 0.3 },
  });
  const config = { maxBatch: 4, timeoutSec: 0.1, memoryMb: 2048, pricing: pricing("aws-x86") };
  const map = poissonProcess(2);
  for (const keepAliveSec of [5, 60]) {
    const got = predictExperiment(map, profile, { ...config, keepAliveSec });
    const want = predictConfiguration({ map, ...config, profile, extrapolate: true, keepAliveSec });
    assert.equal(got.coldStartProbability, want.coldStartProbability);
    assert.equal(got.p99Sec, want.percentile(0.99));
    assert.ok(got.coldStartProbability > 0);
  }
  // A longer keep-alive, fewer cold starts.
  const short = predictExperiment(map, profile, { ...config, keepAliveSec: 5 });
  const long = predictExperiment(map, profile, { ...config, keepAliveSec: 60 });
  assert.ok(long.coldStartProbability < short.coldStartProbability);
});

import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { mapArrivals, poissonArrivals } from "../../lib/arrivals/streams.ts";
import {
  batchesFrame,
  batchesFrameFromColumns,
  requestsFrameFromColumns,
} from "../../lib/frames/run_frames.ts";
import {
  batchSizeHistogramFrame,
  coldStartShare,
  costPerRequestUsd,
  DEFAULT_PERCENTILES,
  dispatchReasonCounts,
  failedShare,
  latencyCdfFrame,
  latencyPercentileExpr,
  latencyPercentiles,
  meanBatchSize,
  MEASURED_SOURCE,
  summarizeRun,
} from "../../lib/frames/run_summaries.ts";
import { BATCH_COLUMNS } from "../../lib/io/run_logs.ts";
import { mmpp2 } from "../../lib/map/map_process.ts";
import { type Pricing, pricing } from "../../lib/profile/pricing.ts";
import { profileFromJson } from "../../lib/profile/service_profile.ts";
import { type Prng, seededPrng } from "../../lib/random/prng.ts";
import { ColumnSink } from "../../lib/sim/column_sink.ts";
import { simulateBuffer, type SimulationOptions } from "../../lib/sim/simulator.ts";

/**
 * The k-th of `levels` type-1 percentiles of `values` by a plain sort: the smallest
 * sample x_(i) with i / n >= k / levels, found in integer arithmetic (i * levels >= k * n).
 */
function percentileBySort(values: number[], k: number, levels: number): number {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  let i = 1;
  while (i * levels < k * n) i++;
  return sorted[i - 1];
}

/** Seeded requests: exponential latencies, 1 in 20 failed, 1 in 50 without a latency. */
function seededRequests(prng: Prng, n: number) {
  const latency: (number | null)[] = [], status: string[] = [];
  for (let i = 0; i < n; i++) {
    const x = -Math.log1p(-prng.nextFloat()) * 0.2;
    const failed = prng.nextFloat() < 0.05;
    latency.push(prng.nextFloat() < 0.02 ? null : x);
    status.push(failed ? "failed" : "ok");
  }
  return { latency, status };
}

// S_k = 0.05 + 0.01 k seconds at any memory.
const profile = profileFromJson({
  name: "linear",
  terms: ["1", "k"],
  coefficients: [0.05, 0.01],
  memoryRangeMb: [128, 10240],
  batchRange: [1, 64],
});

/** A seeded simulation of an MMPP(2) kept in a ColumnSink, with its summary and frames. */
function simulated(options: Partial<SimulationOptions> & { seed: number; requests: number }) {
  const map = mmpp2({ rate1PerSec: 20, rate2PerSec: 120, switch12PerSec: 2, switch21PerSec: 2 });
  const sink = new ColumnSink();
  const summary = simulateBuffer(mapArrivals(map, { prng: seededPrng(options.seed) }), {
    maxBatch: 5,
    timeoutSec: 0.05,
    memoryMb: 1536,
    profile,
    pricing: pricing("aws-x86"),
    keepLatencies: true,
    sink,
    ...options,
  });
  return {
    summary,
    requests: requestsFrameFromColumns(sink.requests()),
    batches: batchesFrameFromColumns(sink.batches()),
  };
}

Deno.test("latencyPercentiles() equals a plain sort of the ok latencies, seeded data", () => {
  const { latency, status } = seededRequests(seededPrng(5), 10_001);
  const requests = pl.DataFrame({ latency_sec: latency, status });
  const ok = latency.filter((x, i) => x !== null && status[i] === "ok") as number[];
  const all = latency.filter((x) => x !== null) as number[];
  // Levels k / 1000; 0.07 checks the rounding of p n (0.07 * 10001 is not an integer, but
  // 0.07 * 100 below is 7.000000000000001 in floating point).
  const ks = [1, 70, 500, 950, 990, 999, 1000];
  const got = latencyPercentiles(requests, { percentiles: ks.map((k) => k / 1000) });
  assert.deepEqual(
    got,
    ks.map((k) => ({ percentile: k / 1000, latencySec: percentileBySort(ok, k, 1000) })),
  );
  const withFailed = latencyPercentiles(requests, { percentiles: [0.95], okOnly: false });
  assert.equal(withFailed[0].latencySec, percentileBySort(all, 950, 1000));
  const hundred = pl.DataFrame({ latency_sec: Array.from({ length: 100 }, (_, i) => 100 - i) });
  assert.deepEqual(latencyPercentiles(hundred, { percentiles: [0.07] }), [
    { percentile: 0.07, latencySec: 7 },
  ]);
  // Default levels, and no latency at all.
  assert.deepEqual(
    latencyPercentiles(requests).map((p) => p.percentile),
    [...DEFAULT_PERCENTILES],
  );
  const empty = pl.DataFrame({ latency_sec: [null, null], status: ["ok", "ok"] });
  assert.ok(latencyPercentiles(empty).every((p) => Number.isNaN(p.latencySec)));
});

Deno.test("latencyPercentileExpr() works per group, as a plain sort of each group", () => {
  const prng = seededPrng(6);
  const { latency, status } = seededRequests(prng, 3000);
  const group = latency.map(() => Math.floor(prng.nextFloat() * 4));
  const requests = pl.DataFrame({ latency_sec: latency, status, group });
  const frame = requests.groupBy("group").agg(latencyPercentileExpr(0.95)).sort("group");
  assert.deepEqual(frame.columns, ["group", "latency_p95_sec"]);
  const got = frame.getColumn("latency_p95_sec").toArray();
  [0, 1, 2, 3].forEach((g) => {
    const ok = latency.filter((x, i) => x !== null && status[i] === "ok" && group[i] === g);
    assert.equal(got[g], percentileBySort(ok as number[], 95, 100), `group ${g}`);
  });
  assert.equal(
    requests.select(latencyPercentileExpr(0.999, { okOnly: false })).columns[0],
    "latency_p99_9_sec",
  );
});

Deno.test("latencyCdfFrame() is F_n at distinct latencies, ties counted, and its points lie on it", () => {
  // Latencies rounded to 10 ms, so that many tie (seed 7).
  const prng = seededPrng(7);
  const latency = Array.from({ length: 5000 }, () => Math.round(prng.nextFloat() * 100) / 100);
  const requests = pl.DataFrame({ latency_sec: latency });
  const n = latency.length;
  const atMost = (x: number) => latency.filter((y) => y <= x).length / n;

  const full = latencyCdfFrame(requests);
  const xs = full.getColumn("latency_sec").toArray() as number[];
  const cdf = full.getColumn("cdf").toArray() as number[];
  assert.deepEqual(xs, [...new Set(latency)].sort((a, b) => a - b));
  xs.forEach((x, i) => assert.equal(cdf[i], atMost(x), `at ${x}`));

  const sampled = latencyCdfFrame(requests, { points: 20, source: MEASURED_SOURCE });
  assert.deepEqual(sampled.columns, ["latency_sec", "cdf", "source"]);
  assert.ok(sampled.height <= 20);
  const sx = sampled.getColumn("latency_sec").toArray() as number[];
  const sc = sampled.getColumn("cdf").toArray() as number[];
  sx.forEach((x, i) => {
    assert.equal(sc[i], atMost(x));
    if (i > 0) assert.ok(x > sx[i - 1] && sc[i] > sc[i - 1], "increasing");
  });
  assert.equal(sc[sc.length - 1], 1);
  // Every level j / 20 is reached at the first point at or above it (type-1 percentiles).
  for (let j = 1; j <= 20; j++) {
    const first = sc.findIndex((c) => c >= j / 20);
    assert.equal(sx[first], percentileBySort(latency, j, 20), `level ${j}/20`);
  }
  assert.deepEqual(new Set(sampled.getColumn("source").toArray()), new Set([MEASURED_SOURCE]));
  assert.equal(latencyCdfFrame(pl.DataFrame({ latency_sec: [] as number[] })).height, 0);
});

Deno.test("batchSizeHistogramFrame(), meanBatchSize() and dispatchReasonCounts() match the simulator's own counts", () => {
  // MMPP(2), B = 5, T = 0.05 s, seed 2, 20,000 requests: the simulator counts sizes and
  // reasons as it dispatches, independently of the frames.
  const { summary, batches } = simulated({ seed: 2, requests: 20_000 });
  const histogram = batchSizeHistogramFrame(batches, { maxBatch: 5 });
  assert.deepEqual(histogram.columns, ["batch_size", "batches", "share"]);
  assert.deepEqual(String(histogram.schema.batches), "DataType(Int64)");
  assert.deepEqual(histogram.getColumn("batch_size").toArray(), [1, 2, 3, 4, 5]);
  assert.deepEqual(histogram.getColumn("batches").toArray(), [...summary.batchSizeCounts]);
  const share = histogram.getColumn("share").toArray() as number[];
  share.forEach((s, k) => assert.equal(s, summary.batchSizeCounts[k] / summary.batches));
  assert.ok(Math.abs(meanBatchSize(batches) - summary.meanBatchSize) < 1e-12);
  assert.deepEqual(dispatchReasonCounts(batches), summary.dispatchReasons);

  // maxBatch lists sizes never seen; without it they are left out.
  const small = pl.DataFrame({ size: [2, 2, 4] });
  assert.deepEqual(batchSizeHistogramFrame(small).getColumn("batch_size").toArray(), [2, 4]);
  const listed = batchSizeHistogramFrame(small, { maxBatch: 5, source: "measured" });
  assert.deepEqual(listed.getColumn("batches").toArray(), [0, 2, 0, 1, 0]);
  assert.deepEqual(listed.getColumn("source").toArray(), new Array(5).fill("measured"));
});

Deno.test("costPerRequestUsd() equals the simulator's cost per request, and reprices billed ms", () => {
  // The simulator prices each batch itself (billed duration x GB x price + fee). Under
  // aws-x86 it bills to 1 ms; repriced under aws-2020 (100 ms) the same billed durations
  // must cost what a simulation under aws-2020 charges (same seed, deterministic service
  // times, so the same batches): ceil to 100 ms of a ceil to 1 ms is a ceil to 100 ms.
  const cases: [Pricing, Pricing][] = [
    [pricing("aws-x86"), pricing("aws-x86")],
    [pricing("paper"), pricing("paper")],
    [pricing("aws-x86"), pricing("aws-2020")],
    [pricing("aws-x86"), pricing("aws-arm64")],
  ];
  for (const [runPricing, reprice] of cases) {
    const run = simulated({ seed: 3, requests: 5000, pricing: runPricing });
    const reference = simulated({ seed: 3, requests: 5000, pricing: reprice }).summary;
    const cost = costPerRequestUsd(run.batches, { pricing: reprice });
    assert.ok(
      Math.abs(cost - reference.costPerRequestUsd) <= 1e-12 * reference.costPerRequestUsd,
      `${runPricing.name} repriced as ${reprice.name}: ${cost} vs ${reference.costPerRequestUsd}`,
    );
  }
});

Deno.test("costPerRequestUsd() bills the duration without a billed one, the fee alone without either", () => {
  const header = BATCH_COLUMNS.join(",");
  const csv = [
    header,
    // 2 requests, billed 100 ms at 1024 MB.
    "0,2,0,0.05,0.05,timeout,0.2,0.2,99.2,100,0,1024,,,0,ok,",
    // 3 requests, no billed duration: 150.2 ms billed as 151 ms at 2048 MB.
    "1,3,1,1.05,1.05,timeout,1.2,0.2,150.2,,0,2048,,,0,ok,",
    // 1 request, failed before running: nothing.
    "2,1,2,2.05,2.05,timeout,2.2,0.2,,,0,1024,,,0,failed,throttled",
    // 4 requests, ok without a REPORT: the fee (the buffer's rule).
    "3,4,3,3.05,3.05,size,3.2,0.2,,,0,1024,,,0,ok,",
    // 1 request, memory unknown (null): billed at the memoryMb option.
    "4,1,4,4.05,4.05,timeout,4.2,0.2,10,10,250,,,,0,ok,",
  ].join("\n");
  const { frame, skipped } = batchesFrame(csv);
  assert.deepEqual(skipped, []);
  const p = pricing("aws-x86");
  // By hand: GB-s x 0.0000166667 + 0.0000002 per invocation.
  const expected = (0.1 * 1 * 0.0000166667 + 0.0000002) + (0.151 * 2 * 0.0000166667 + 0.0000002) +
    0 + 0.0000002 + (0.01 * 0.5 * 0.0000166667 + 0.0000002);
  const cost = costPerRequestUsd(frame, { pricing: p, memoryMb: 512 });
  assert.ok(Math.abs(cost - expected / 11) < 1e-18, `${cost} vs ${expected / 11}`);
  assert.throws(() => costPerRequestUsd(frame, { pricing: p }), {
    name: "RangeError",
    message: "Cannot price a batch with a null memory_size_mb: pass 'memoryMb' for such batches",
  });
  assert.equal(failedShare(frame), 1 / 5);
  assert.equal(coldStartShare(frame), 1 / 5);
});

Deno.test("summarizeRun() agrees with the simulator's summary and a plain sort, cold starts included", () => {
  // MMPP(2), B = 5, T = 0.05 s, 1536 MB, gamma service times (CV 0.3), cold starts with a
  // 0.3 s keep-alive, seed 4, 30,000 requests.
  const { summary, requests, batches } = simulated({
    seed: 4,
    requests: 30_000,
    serviceCv: 0.3,
    prng: seededPrng(40),
    coldStart: { initSec: 0.2, keepAliveSec: 0.3 },
  });
  const s = summarizeRun(requests, batches, { pricing: pricing("aws-x86") });
  const latencies = [...summary.latencies!];
  assert.equal(s.requests, summary.requests);
  assert.equal(s.okRequests, summary.requests);
  assert.equal(s.batches, summary.batches);
  assert.equal(s.latencyP50Sec, percentileBySort(latencies, 50, 100));
  assert.equal(s.latencyP95Sec, percentileBySort(latencies, 95, 100));
  assert.equal(s.latencyP99Sec, percentileBySort(latencies, 99, 100));
  assert.equal(s.latencyMaxSec, Math.max(...latencies));
  assert.ok(Math.abs(s.latencyMeanSec - summary.latencySec.mean) < 1e-12);
  assert.ok(Math.abs(s.meanBatchSize - summary.meanBatchSize) < 1e-12);
  assert.deepEqual(s.dispatchReasons, summary.dispatchReasons);
  assert.ok(Math.abs(s.totalCostUsd - summary.totalCostUsd) < 1e-12 * summary.totalCostUsd);
  assert.ok(
    Math.abs(s.costPerRequestUsd - summary.costPerRequestUsd) < 1e-12 * summary.costPerRequestUsd,
  );
  assert.equal(s.pricing, "aws-x86");
  assert.ok(summary.coldStarts > 0);
  assert.equal(s.coldStartShare, summary.coldStarts / summary.batches);
  assert.equal(s.failedRequestShare, 0);
  assert.equal(s.failedBatchShare, 0);
  assert.ok(Math.abs(s.spanSec - summary.spanSec) < 1e-9);
});

Deno.test("summarizeRun() of a million seeded requests matches a plain sort", () => {
  // 1,000,000 Poisson arrivals at 500/s, B = 20, T = 0.1 s, seed 8. No timing is asserted:
  // timing belongs in benchmarks.
  const sink = new ColumnSink();
  const summary = simulateBuffer(poissonArrivals(500, { prng: seededPrng(8) }), {
    maxBatch: 20,
    timeoutSec: 0.1,
    memoryMb: 1536,
    profile,
    pricing: pricing("aws-x86"),
    requests: 1_000_000,
    keepLatencies: true,
    sink,
  });
  const requests = requestsFrameFromColumns(sink.requests());
  const batches = batchesFrameFromColumns(sink.batches());
  assert.equal(requests.height, 1_000_000);
  const s = summarizeRun(requests, batches, { pricing: pricing("aws-x86") });
  const sorted = summary.latencies!.sort();
  // Type-1 p95 of 1,000,000 values: the 950,000th smallest.
  assert.equal(s.latencyP95Sec, sorted[950_000 - 1]);
  assert.equal(s.latencyP99Sec, sorted[990_000 - 1]);
  assert.equal(s.batches, summary.batches);
  const cdf = latencyCdfFrame(requests, { points: 1000 });
  assert.ok(cdf.height <= 1000);
  assert.equal(cdf.getColumn("cdf").get(cdf.height - 1), 1);
});

Deno.test("the summaries say which column is missing, and reject bad levels and counts", () => {
  const frame = pl.DataFrame({ latency: [0.1] });
  assert.throws(() => latencyPercentiles(frame), {
    name: "TypeError",
    message: "Cannot compute the latency percentiles as the frame has no 'latency_sec' column: " +
      "found columns latency",
  });
  const noStatus = pl.DataFrame({ latency_sec: [0.1] });
  assert.throws(() => latencyCdfFrame(noStatus, { okOnly: true }), {
    name: "TypeError",
    message: "Cannot compute the latency CDF as the frame has no 'status' column: " +
      "found columns latency_sec",
  });
  for (const p of [0, 1.5, NaN]) {
    assert.throws(() => latencyPercentiles(noStatus, { percentiles: [p] }), {
      name: "RangeError",
      message: "Cannot compute the latency percentile as 'percentile' must be within (0, 1]: " +
        `current value is ${p}`,
    });
  }
  assert.throws(() => latencyCdfFrame(noStatus, { points: 0 }), {
    name: "RangeError",
    message: "Cannot sample the latency CDF as 'points' must be an integer >= 1: " +
      "current value is 0",
  });
  assert.throws(() => batchSizeHistogramFrame(pl.DataFrame({ size: [1] }), { maxBatch: 2.5 }), {
    name: "RangeError",
    message: "Cannot list the batch sizes as 'maxBatch' must be an integer >= 1: " +
      "current value is 2.5",
  });
  assert.throws(() => meanBatchSize(noStatus), {
    name: "TypeError",
    message: "Cannot compute the mean batch size as the frame has no 'size' column: " +
      "found columns latency_sec",
  });
  assert.throws(
    () => costPerRequestUsd(pl.DataFrame({ size: [1] }), { pricing: pricing("paper") }),
    {
      name: "TypeError",
      message: "Cannot compute the cost as the frame has no 'billed_duration_ms' column: " +
        "found columns size",
    },
  );
  assert.throws(() => failedShare(noStatus), { name: "TypeError" });
  assert.throws(() => coldStartShare(noStatus), { name: "TypeError" });
  assert.throws(() => dispatchReasonCounts(noStatus), { name: "TypeError" });
});

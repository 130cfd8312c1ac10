import assert from "node:assert/strict";
import type { InvokeInput, InvokeOutput } from "../../lib/buffer/dispatcher.ts";
import { LocalLambda } from "../../lib/lambda/local_lambda.ts";
import { formatReportLine } from "../../lib/logs/lambda_log_lines.ts";
import {
  crossCheckReports,
  runSweep,
  type SweepRecord,
  sweepSamples,
} from "../../lib/profile/profile_sweep.ts";
import { parseSweepCsv, sweepCsvHeader, sweepCsvLine } from "../../lib/profile/sweep_csv.ts";
import { publishedProfile, serviceTimeSec } from "../../lib/profile/service_profile.ts";
import { seededPrng } from "../../lib/random/prng.ts";

/**
 * A fake function on a fake clock: a batch of k takes 100 + 10 k ms, a new
 * environment (after a memory change) 300 ms of init, reported as Lambda does.
 */
function fakeFunction(options: {
  fail?: (k: number, call: number) => boolean;
  coldAt?: (call: number) => boolean;
  reportMemory?: (memoryMb: number) => number;
  noTail?: boolean;
} = {}) {
  let clock = 1_700_000_000_000;
  let memoryMb = 0, cold = true, calls = 0;
  const log: { memoryMb: number; batch: number }[] = [];
  const updates: number[] = [];
  const invoke = (input: InvokeInput): Promise<InvokeOutput> => {
    calls++;
    const batch = JSON.parse(new TextDecoder().decode(input.Payload)).batch_size as number;
    log.push({ memoryMb, batch });
    const isCold = cold || (options.coldAt?.(calls) ?? false);
    cold = false;
    const durationMs = 100 + 10 * batch;
    clock += durationMs + (isCold ? 300 : 0);
    const line = formatReportLine({
      kind: "report",
      requestId: `req-${calls}`,
      durationMs,
      billedDurationMs: durationMs,
      memorySizeMb: options.reportMemory?.(memoryMb) ?? memoryMb,
      maxMemoryUsedMb: 90,
      initDurationMs: isCold ? 300 : undefined,
    });
    if (options.fail?.(batch, calls)) {
      return Promise.resolve({
        StatusCode: 200,
        FunctionError: "Unhandled",
        Payload: new TextEncoder().encode('{"errorType":"Error","errorMessage":"boom"}'),
        LogResult: btoa(line),
      });
    }
    return Promise.resolve({ StatusCode: 200, LogResult: options.noTail ? undefined : btoa(line) });
  };
  const updateMemory = (m: number) => {
    updates.push(m);
    if (m !== memoryMb) cold = true;
    memoryMb = m;
    return Promise.resolve();
  };
  return { invoke, updateMemory, now: () => clock, log, updates };
}

const GRID = { functionName: "f", memoriesMb: [1024, 2048], batches: [1, 4, 16], repeat: 3 };

Deno.test("runSweep() per memory: a cold start, warm-ups, then the batch sizes in turn, repeat times", async () => {
  const f = fakeFunction();
  const seen: SweepRecord[] = [];
  const progress: number[] = [];
  const result = await runSweep({
    ...GRID,
    invoke: f.invoke,
    updateMemory: f.updateMemory,
    now: f.now,
    onRecord: (r) => seen.push(r),
    onProgress: (p) => progress.push(p.done / p.total),
  });
  assert.equal(result.interrupted, false);
  assert.equal(result.planned, 2 * (1 + 3 + 9));
  assert.equal(result.made, result.planned);
  assert.deepEqual(seen, result.records);
  assert.deepEqual(f.updates, [1024, 2048]);
  const at1024 = result.records.filter((r) => r.memoryMb === 1024);
  assert.deepEqual(
    at1024.map((r) => `${r.phase}:${r.batch}:${r.repeat}`),
    [
      "cold:1:0",
      "warmup:1:0",
      "warmup:4:0",
      "warmup:16:0",
      "measure:1:1",
      "measure:4:1",
      "measure:16:1",
      "measure:1:2",
      "measure:4:2",
      "measure:16:2",
      "measure:1:3",
      "measure:4:3",
      "measure:16:3",
    ],
  );
  assert.equal(at1024[0].initDurationMs, 300);
  assert.ok(at1024.slice(1).every((r) => Number.isNaN(r.initDurationMs)));
  // The fake clock: each record starts where the previous ended.
  assert.equal(at1024[1].startedMs - at1024[0].startedMs, 110 + 300);
  assert.equal(at1024[0].roundTripMs, 410);
  assert.equal(progress.at(-1), 1);
  const { warm, coldStarts, failed } = sweepSamples(result.records);
  assert.equal(warm.length, 18);
  assert.equal(failed, 0);
  assert.deepEqual(coldStarts, [{ memoryMb: 1024, initSec: 0.3 }, {
    memoryMb: 2048,
    initSec: 0.3,
  }]);
  assert.ok(warm.every((s) => s.durationSec === (100 + 10 * s.batch) / 1000));
});

Deno.test("runSweep() stopped part-way resumes from its records: every cell ends with repeat measurements", async () => {
  const f = fakeFunction();
  const stop = new AbortController();
  const csv = [sweepCsvHeader()];
  const first = await runSweep({
    ...GRID,
    invoke: f.invoke,
    updateMemory: f.updateMemory,
    now: f.now,
    signal: stop.signal,
    onRecord: (r) => {
      csv.push(sweepCsvLine(r));
      if (csv.length === 1 + 17) stop.abort(); // in the second memory's warm-ups
    },
  });
  assert.equal(first.interrupted, true);
  assert.equal(first.made, 17);
  // What was written is read back whole.
  const { records, skipped } = parseSweepCsv(csv.join("\n") + "\n");
  assert.deepEqual(skipped, []);
  assert.equal(records.length, 17);
  const second = await runSweep({
    ...GRID,
    invoke: f.invoke,
    updateMemory: f.updateMemory,
    now: f.now,
    done: records,
  });
  assert.equal(second.completeCells, 3);
  assert.ok(second.records.every((r) => r.memoryMb === 2048));
  assert.equal(second.planned, 1 + 3 + 9);
  const all = [...records, ...second.records];
  for (const m of GRID.memoriesMb) {
    for (const k of GRID.batches) {
      const n = all.filter((r) =>
        r.memoryMb === m && r.batch === k && r.phase === "measure" && r.status === "ok"
      ).length;
      assert.equal(n, 3, `${m} MB, batch ${k}`);
    }
  }
  // A third run has nothing to do: no memory update, no invocation.
  const updates = f.updates.length;
  const third = await runSweep({
    ...GRID,
    invoke: f.invoke,
    updateMemory: f.updateMemory,
    done: all,
  });
  assert.deepEqual([third.planned, third.made, third.completeCells], [0, 0, 6]);
  assert.equal(f.updates.length, updates);
  // Another function's records do not count.
  const other = await runSweep({
    ...GRID,
    functionName: "g",
    repeat: 1,
    warmup: 0,
    invoke: f.invoke,
    updateMemory: f.updateMemory,
    done: all,
  });
  assert.equal(other.completeCells, 0);
});

Deno.test("runSweep() records function errors, a missing REPORT and a wrong memory as failed, and goes on", async () => {
  const failing = fakeFunction({ fail: (k) => k === 16 });
  const r1 = await runSweep({
    ...GRID,
    invoke: failing.invoke,
    updateMemory: failing.updateMemory,
  });
  const failed = r1.records.filter((r) => r.status === "failed");
  assert.ok(failed.length > 0 && failed.every((r) => r.batch === 16));
  assert.match(failed[0].error, /^FunctionError Unhandled: \{"errorType":"Error"/);
  assert.equal(sweepSamples(r1.records).warm.filter((s) => s.batch === 16).length, 0);

  const silent = fakeFunction({ noTail: true });
  const r2 = await runSweep({ ...GRID, invoke: silent.invoke, updateMemory: silent.updateMemory });
  assert.ok(r2.records.every((r) => r.status === "failed"));
  assert.equal(r2.records[0].error, "no REPORT line in the log tail (LogType Tail)");

  const stale = fakeFunction({ reportMemory: () => 512 });
  const r3 = await runSweep({ ...GRID, invoke: stale.invoke, updateMemory: stale.updateMemory });
  assert.equal(
    r3.records[0].error,
    "the REPORT line says Memory Size 512 MB, not the 1024 MB configured",
  );
});

Deno.test("runSweep() makes a measurement again, once, when it came on a new environment", async () => {
  const f = fakeFunction({ coldAt: (call) => call === 6 }); // the 2nd measurement at 1024 MB
  const result = await runSweep({
    ...GRID,
    memoriesMb: [1024],
    invoke: f.invoke,
    updateMemory: f.updateMemory,
  });
  assert.equal(result.made, 1 + 3 + 9 + 1);
  const { warm, coldStarts, coldMeasurements } = sweepSamples(result.records);
  assert.equal(warm.length, 9);
  assert.equal(coldMeasurements, 1);
  assert.equal(coldStarts.length, 2);
});

Deno.test("runSweep() throws on what invoke throws, after handing over every record before it", async () => {
  const f = fakeFunction();
  let calls = 0;
  const seen: SweepRecord[] = [];
  await assert.rejects(
    runSweep({
      ...GRID,
      updateMemory: f.updateMemory,
      onRecord: (r) => seen.push(r),
      invoke: (input) => {
        if (++calls === 5) {
          return Promise.reject(
            Object.assign(new Error("throttled"), { name: "TooManyRequestsException" }),
          );
        }
        return f.invoke(input);
      },
    }),
    { name: "TooManyRequestsException" },
  );
  assert.equal(seen.length, 4);
});

Deno.test("runSweep() refuses a bad grid, repeat, warm-up count and function name", async () => {
  const f = fakeFunction();
  const base = { ...GRID, invoke: f.invoke, updateMemory: f.updateMemory };
  const cases: [Partial<typeof base> & { warmup?: number }, string][] = [
    [
      { memoriesMb: [64] },
      "Cannot run the sweep as 'memoriesMb' must be distinct integers within 128..10240 MB: current value is [64]",
    ],
    [
      { memoriesMb: [] },
      "Cannot run the sweep as 'memoriesMb' must be distinct integers within 128..10240 MB: current value is []",
    ],
    [
      { batches: [0, 1] },
      "Cannot run the sweep as 'batches' must be distinct positive integers: current value is [0, 1]",
    ],
    [
      { batches: [2, 2] },
      "Cannot run the sweep as 'batches' must be distinct positive integers: current value is [2, 2]",
    ],
    [{ repeat: 0 }, "Cannot run the sweep as 'repeat' must be an integer >= 1: current value is 0"],
    [
      { warmup: -1 },
      "Cannot run the sweep as 'warmup' must be an integer >= 0: current value is -1",
    ],
  ];
  for (const [patch, message] of cases) {
    await assert.rejects(runSweep({ ...base, ...patch }), { name: "RangeError", message });
  }
  await assert.rejects(runSweep({ ...base, functionName: "" }), {
    name: "TypeError",
    message:
      "Cannot run the sweep as 'functionName' must be a non-empty string: current value is \"\"",
  });
});

Deno.test("runSweep() against the local Lambda on a fake clock: the profile's S(k, m) and the cold start per memory", async () => {
  let clock = 1_700_000_000_000;
  const lambda = new LocalLambda({
    profileFor: publishedProfile,
    prng: seededPrng(1),
    now: () => clock,
    sleep: (ms) => {
      clock += ms;
      return Promise.resolve();
    },
    initSec: 0.4,
  });
  lambda.createFunction({
    FunctionName: "inception",
    MemorySize: 1280,
    Timeout: 900,
    Environment: { Variables: { MODEL: "TF-inceptionV4" } },
  });
  const result = await runSweep({
    functionName: "inception",
    memoriesMb: [1280, 2048, 3008],
    batches: [1, 5, 20],
    repeat: 2,
    now: () => clock,
    updateMemory: (m) => {
      lambda.updateFunctionConfiguration("inception", { MemorySize: m });
      return Promise.resolve();
    },
    invoke: async (input) => {
      const r = await lambda.invoke(input.FunctionName, input.Payload, { logType: "Tail" });
      return {
        StatusCode: r.statusCode,
        FunctionError: r.functionError,
        LogResult: r.logResult,
        Payload: r.payload,
      };
    },
  });
  const { warm, coldStarts, failed } = sweepSamples(result.records);
  assert.equal(failed, 0);
  // Updating the memory retires the environments: one cold start per memory, 400 ms.
  assert.deepEqual(coldStarts, [1280, 2048, 3008].map((memoryMb) => ({ memoryMb, initSec: 0.4 })));
  assert.equal(warm.length, 3 * 3 * 2);
  const profile = publishedProfile("TF-inceptionV4");
  for (const s of warm) {
    // The REPORT line prints Duration to 0.01 ms.
    assert.ok(Math.abs(s.durationSec - serviceTimeSec(profile, s.batch, s.memoryMb)) <= 5e-6);
  }
  // CloudWatch Logs hold the same REPORT lines.
  const reports = [...lambda.logGroups.get("/aws/lambda/inception")!.streams]
    .flatMap((s) => s.events.map((e) => e.message))
    .filter((m) => m.startsWith("REPORT"))
    .map((m) => {
      const get = (key: string) => Number(new RegExp(`${key}: ([0-9.]+)`).exec(m)?.[1] ?? NaN);
      return {
        kind: "report" as const,
        requestId: /RequestId: (\S+)/.exec(m)![1],
        durationMs: get("\\tDuration"),
        billedDurationMs: get("Billed Duration"),
        memorySizeMb: get("Memory Size"),
        maxMemoryUsedMb: get("Max Memory Used"),
        initDurationMs: /Init Duration/.test(m) ? get("Init Duration") : undefined,
      };
    });
  const check = crossCheckReports(result.records, reports);
  assert.equal(check.checked, result.records.length);
  assert.equal(check.found, check.checked);
  assert.deepEqual(check.disagreements, []);
  const off = crossCheckReports(result.records, [{ ...reports[0], durationMs: 1 }]);
  assert.equal(off.disagreements[0].field, "durationMs");
});

/**
 * A sweep of a Lambda function over memory x batch size, as
 * `deno task profile` runs it: for each memory, the memory is set (an
 * injected `updateMemory`), the first invocation after it is a cold start
 * (its Init Duration recorded), each batch size is warmed up, then every
 * (memory, batch) cell is invoked `repeat` times, the batch sizes taken in
 * turn so that a drift in the platform spreads over all of them. One
 * invocation at a time: the measured durations are a single environment's,
 * without contention.
 *
 * Each invocation is `RequestResponse` with `LogType: Tail`; Duration,
 * Billed Duration, Init Duration, Memory Size and Max Memory Used come from
 * the REPORT line of the log tail. Every invocation is handed to `onRecord`
 * as it completes (the CLI appends it to a CSV file), and earlier records
 * (`done`) make a sweep resume: cells that have their `repeat` warm
 * measurements are skipped, memories whose cells all have them are not
 * visited.
 *
 * The invocation and the memory update are injected (the AWS SDK's
 * `InvokeCommand` and `UpdateFunctionConfiguration`, against AWS or a local
 * Lambda), as is the clock.
 *
 * @module
 */

import type { InvokeInput, InvokeOutput } from "../buffer/dispatcher.ts";
import { type LambdaReportRecord, parseLambdaLog } from "../logs/lambda_log_lines.ts";
import type { ColdStartSample, DurationSample } from "./profile_fit.ts";

/** What an invocation was for: the cold start after a memory change, a warm-up, or a measurement. */
export type SweepPhase = "cold" | "warmup" | "measure";

/** Phases of a sweep, in the order they come at each memory. */
export const SWEEP_PHASES: readonly SweepPhase[] = ["cold", "warmup", "measure"];

/** One invocation of a sweep. */
export interface SweepRecord {
  /** When it was sent, ms since the epoch. */
  startedMs: number;
  /** The function invoked. */
  functionName: string;
  /** The memory configured, MB. */
  memoryMb: number;
  /** The batch size of its payload. */
  batch: number;
  phase: SweepPhase;
  /** Which measurement of the cell it is, from 1 (0 for cold starts and warm-ups). */
  repeat: number;
  /** `failed` on a function error, a REPORT line missing or at another memory. */
  status: "ok" | "failed";
  /** The REPORT line's figures (NaN when it has none); `initDurationMs` is NaN on a warm start. */
  durationMs: number;
  billedDurationMs: number;
  initDurationMs: number;
  memorySizeMb: number;
  maxMemoryUsedMb: number;
  /** Time from sending the invocation to its answer, as the client saw it, ms. */
  roundTripMs: number;
  /** The REPORT line's request id (empty without one). */
  requestId: string;
  /** Why it failed (empty when ok). */
  error: string;
}

/** Progress of a sweep, after each invocation. */
export interface SweepProgress {
  /** Invocations made so far in this run. */
  done: number;
  /** Invocations this run plans (cold starts, warm-ups and the measurements missing). */
  total: number;
  /** The cell just invoked. */
  memoryMb: number;
  batch: number;
  phase: SweepPhase;
}

/** Options of {@linkcode runSweep}. */
export interface SweepOptions {
  /** The function to invoke. */
  functionName: string;
  /** Memories to measure, MB, integers within 128..10240, in the order to visit them. */
  memoriesMb: readonly number[];
  /** Batch sizes to measure, positive integers. */
  batches: readonly number[];
  /** Warm measurements per cell, an integer >= 1. */
  repeat: number;
  /** Warm-up invocations per cell before its measurements, an integer >= 0. @default {1} */
  warmup?: number;
  /** Sends one Invoke, e.g. `(i) => client.send(new InvokeCommand(i))`. */
  invoke: (input: InvokeInput) => Promise<InvokeOutput>;
  /**
   * Sets the function's memory and resolves once the new configuration
   * serves invocations (a changed configuration retires warm environments,
   * so the next invocation is a cold start).
   */
  updateMemory: (memoryMb: number) => Promise<void>;
  /**
   * The payload of a batch of `batch` requests, JSON-encoded by the sweep.
   * @default {`{"batch_size": batch}`}
   */
  payload?: (batch: number) => unknown;
  /**
   * Records of earlier runs of the sweep: cells of this function that have
   * their measurements are skipped. @default {[]}
   */
  done?: readonly SweepRecord[];
  /** Receives each record as soon as its invocation completes. */
  onRecord?: (record: SweepRecord) => void;
  /** Receives the progress after each invocation. */
  onProgress?: (progress: SweepProgress) => void;
  /** Wall clock, ms since the epoch. @default {Date.now} */
  now?: () => number;
  /** No invocation starts after it aborts; the sweep then returns what it has. */
  signal?: AbortSignal;
}

/** What {@linkcode runSweep} did. */
export interface SweepResult {
  /** This run's records, in order. */
  records: SweepRecord[];
  /** Whether `signal` stopped it before the end. */
  interrupted: boolean;
  /** Invocations planned and made. */
  planned: number;
  made: number;
  /** Cells that were complete already (from `done`). */
  completeCells: number;
}

/** The warm durations and cold starts of a sweep's records, for the fit. */
export interface SweepSamples {
  /** Measurements that succeeded on a warm environment, in the sweep's cells. */
  warm: DurationSample[];
  /** Init Durations seen (cold phases and any measurement that came cold). */
  coldStarts: ColdStartSample[];
  /** Records that failed. */
  failed: number;
  /** Measurements that came on a cold environment and were left out of `warm`. */
  coldMeasurements: number;
}

function _invalid(name: string, expected: string, value: unknown): RangeError {
  return new RangeError(
    `Cannot run the sweep as '${name}' must be ${expected}: current value is ${
      Array.isArray(value) ? `[${value.join(", ")}]` : value
    }`,
  );
}

function _checkOptions(o: SweepOptions): { warmup: number } {
  if (typeof o.functionName !== "string" || o.functionName === "") {
    throw new TypeError(
      `Cannot run the sweep as 'functionName' must be a non-empty string: current value is ${
        JSON.stringify(o.functionName)
      }`,
    );
  }
  const memories = o.memoriesMb, batches = o.batches;
  if (
    memories.length === 0 ||
    !memories.every((m) => Number.isInteger(m) && m >= 128 && m <= 10240) ||
    new Set(memories).size !== memories.length
  ) {
    throw _invalid("memoriesMb", "distinct integers within 128..10240 MB", memories);
  }
  if (
    batches.length === 0 || !batches.every((k) => Number.isInteger(k) && k >= 1) ||
    new Set(batches).size !== batches.length
  ) {
    throw _invalid("batches", "distinct positive integers", batches);
  }
  if (!(Number.isInteger(o.repeat) && o.repeat >= 1)) {
    throw _invalid("repeat", "an integer >= 1", o.repeat);
  }
  const warmup = o.warmup ?? 1;
  if (!(Number.isInteger(warmup) && warmup >= 0)) {
    throw _invalid("warmup", "an integer >= 0", warmup);
  }
  return { warmup };
}

/** Warm measurements that succeeded, per cell (`memory,batch`). */
function _completed(records: readonly SweepRecord[], functionName: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of records) {
    if (r.functionName !== functionName) continue;
    if (r.phase !== "measure" || r.status !== "ok" || !Number.isNaN(r.initDurationMs)) continue;
    const key = `${r.memoryMb},${r.batch}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

function _decodeBase64(text: string | undefined): string {
  if (!text) return "";
  const bin = atob(text);
  return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}

/**
 * Runs the sweep: see the module documentation for its order.
 *
 * An error thrown by `invoke` or `updateMemory` (the service refused, the
 * network failed) ends the sweep and is thrown on; every invocation completed
 * before it has been handed to `onRecord`. A function error is recorded as
 * `failed` and the sweep goes on. A measurement that comes back cold (an
 * environment reclaimed under it) is recorded and made again, once.
 *
 * @param options The function, the grid, the repeats, the edges.
 * @returns This run's records and whether it was interrupted.
 * @throws {TypeError} On an empty function name.
 * @throws {RangeError} On a memory, batch size, repeat or warm-up count out of range.
 *
 * @example A fake function whose duration is 100 + 10 k ms
 * ```ts
 * import assert from "node:assert/strict";
 *
 * let memoryMb = 0, cold = true;
 * const result = await runSweep({
 *   functionName: "f",
 *   memoriesMb: [1024, 2048],
 *   batches: [1, 4],
 *   repeat: 3,
 *   updateMemory: async (m) => { memoryMb = m; cold = true; },
 *   invoke: async (input) => {
 *     const k = JSON.parse(new TextDecoder().decode(input.Payload)).batch_size;
 *     const ms = 100 + 10 * k;
 *     const init = cold ? "\tInit Duration: 250.00 ms" : "";
 *     cold = false;
 *     const line = `REPORT RequestId: r\tDuration: ${ms}.00 ms\tBilled Duration: ${ms} ms\t` +
 *       `Memory Size: ${memoryMb} MB\tMax Memory Used: 80 MB${init}`;
 *     return { StatusCode: 200, LogResult: btoa(line) };
 *   },
 * });
 * // Per memory: 1 cold start, 1 warm-up per batch size, 3 measurements per batch size.
 * assert.equal(result.records.length, 2 * (1 + 2 + 6));
 * const { warm, coldStarts } = sweepSamples(result.records);
 * assert.equal(warm.length, 12);
 * assert.deepEqual(coldStarts, [{ memoryMb: 1024, initSec: 0.25 }, { memoryMb: 2048, initSec: 0.25 }]);
 * ```
 */
export async function runSweep(options: SweepOptions): Promise<SweepResult> {
  const { warmup } = _checkOptions(options);
  const {
    functionName,
    memoriesMb,
    batches,
    repeat,
    invoke,
    updateMemory,
    payload = (batch: number) => ({ batch_size: batch }),
    done = [],
    onRecord,
    onProgress,
    now = () => Date.now(),
    signal,
  } = options;
  const have = _completed(done, functionName);
  const missing = (m: number, k: number) => Math.max(0, repeat - (have.get(`${m},${k}`) ?? 0));
  // The plan: per memory, the batch sizes still missing measurements.
  const plan = memoriesMb.map((m) => ({ m, ks: batches.filter((k) => missing(m, k) > 0) }));
  let planned = 0, completeCells = 0;
  for (const { m, ks } of plan) {
    completeCells += batches.length - ks.length;
    if (ks.length === 0) continue;
    planned += 1 + warmup * ks.length;
    for (const k of ks) planned += missing(m, k);
  }
  const records: SweepRecord[] = [];
  let made = 0;
  const encoder = new TextEncoder();

  const call = async (m: number, k: number, phase: SweepPhase, rep: number) => {
    const startedMs = now();
    const out = await invoke({
      FunctionName: functionName,
      Payload: encoder.encode(JSON.stringify(payload(k))),
      InvocationType: "RequestResponse",
      LogType: "Tail",
    });
    const record = _record(out, {
      functionName,
      startedMs,
      endedMs: now(),
      memoryMb: m,
      batch: k,
      phase,
      rep,
    });
    records.push(record);
    made++;
    onRecord?.(record);
    onProgress?.({ done: made, total: planned, memoryMb: m, batch: k, phase });
    return record;
  };

  for (const { m, ks } of plan) {
    if (ks.length === 0) continue;
    if (signal?.aborted) break;
    await updateMemory(m);
    if (signal?.aborted) break;
    await call(m, ks[0], "cold", 0);
    for (const k of ks) {
      for (let w = 0; w < warmup && !signal?.aborted; w++) await call(m, k, "warmup", 0);
    }
    for (let rep = 1; rep <= repeat; rep++) {
      for (const k of ks) {
        if (signal?.aborted) break;
        const before = have.get(`${m},${k}`) ?? 0;
        if (rep <= before) continue;
        let r = await call(m, k, "measure", rep);
        if (r.status === "ok" && !Number.isNaN(r.initDurationMs) && !signal?.aborted) {
          planned++;
          r = await call(m, k, "measure", rep);
        }
        if (r.status === "ok" && Number.isNaN(r.initDurationMs)) have.set(`${m},${k}`, before + 1);
      }
    }
  }
  return { records, interrupted: signal?.aborted === true, planned, made, completeCells };
}

/** A record from an Invoke's answer. */
function _record(
  out: InvokeOutput,
  at: {
    functionName: string;
    startedMs: number;
    endedMs: number;
    memoryMb: number;
    batch: number;
    phase: SweepPhase;
    rep: number;
  },
): SweepRecord {
  const tail = _decodeBase64(out.LogResult);
  const report = parseLambdaLog(tail).records.find((r) => r.kind === "report");
  const base = {
    startedMs: at.startedMs,
    functionName: at.functionName,
    memoryMb: at.memoryMb,
    batch: at.batch,
    phase: at.phase,
    repeat: at.rep,
    roundTripMs: at.endedMs - at.startedMs,
  };
  const figures = report?.kind === "report"
    ? {
      durationMs: report.durationMs,
      billedDurationMs: report.billedDurationMs,
      initDurationMs: report.initDurationMs ?? NaN,
      memorySizeMb: report.memorySizeMb,
      maxMemoryUsedMb: report.maxMemoryUsedMb,
      requestId: report.requestId,
    }
    : {
      durationMs: NaN,
      billedDurationMs: NaN,
      initDurationMs: NaN,
      memorySizeMb: NaN,
      maxMemoryUsedMb: NaN,
      requestId: "",
    };
  let error = "";
  if (out.FunctionError) {
    const body = out.Payload ? new TextDecoder().decode(out.Payload) : "";
    error = `FunctionError ${out.FunctionError}: ${body}`.slice(0, 500);
  } else if (report === undefined) {
    error = "no REPORT line in the log tail (LogType Tail)";
  } else if (figures.memorySizeMb !== at.memoryMb) {
    error = `the REPORT line says Memory Size ${figures.memorySizeMb} MB, not the ` +
      `${at.memoryMb} MB configured`;
  }
  return { ...base, status: error === "" ? "ok" : "failed", ...figures, error };
}

/**
 * The warm durations (for the fit and the cost table) and the cold starts of
 * a sweep's records: successful measurements on a warm environment, within
 * the given memories and batch sizes when they are given; Init Durations of
 * every successful record that has one.
 *
 * @param records The records (of this run and earlier ones).
 * @param cells Keep only these memories and batch sizes. @default {every record's}
 * @returns The samples and how many records were left out and why.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const base = {
 *   startedMs: 0, functionName: "f", memoryMb: 1024, batch: 2, repeat: 1, billedDurationMs: 101,
 *   memorySizeMb: 1024, maxMemoryUsedMb: 90, roundTripMs: 110, requestId: "r", error: "",
 * } as const;
 * const { warm, coldStarts } = sweepSamples([
 *   { ...base, phase: "cold", status: "ok", durationMs: 120, initDurationMs: 300 },
 *   { ...base, phase: "measure", status: "ok", durationMs: 100, initDurationMs: NaN },
 * ]);
 * assert.deepEqual(warm, [{ batch: 2, memoryMb: 1024, durationSec: 0.1, billedDurationSec: 0.101, maxMemoryUsedMb: 90 }]);
 * assert.deepEqual(coldStarts, [{ memoryMb: 1024, initSec: 0.3 }]);
 * ```
 */
export function sweepSamples(
  records: readonly SweepRecord[],
  cells: { memoriesMb?: readonly number[]; batches?: readonly number[] } = {},
): SweepSamples {
  const memories = cells.memoriesMb ? new Set(cells.memoriesMb) : undefined;
  const batches = cells.batches ? new Set(cells.batches) : undefined;
  const warm: DurationSample[] = [];
  const coldStarts: ColdStartSample[] = [];
  let failed = 0, coldMeasurements = 0;
  for (const r of records) {
    if (memories && !memories.has(r.memoryMb)) continue;
    if (batches && !batches.has(r.batch)) continue;
    if (r.status !== "ok") {
      failed++;
      continue;
    }
    const cold = !Number.isNaN(r.initDurationMs);
    if (cold) coldStarts.push({ memoryMb: r.memoryMb, initSec: r.initDurationMs / 1000 });
    if (r.phase !== "measure") continue;
    if (cold) {
      coldMeasurements++;
      continue;
    }
    if (!(r.durationMs > 0)) {
      failed++;
      continue;
    }
    warm.push({
      batch: r.batch,
      memoryMb: r.memoryMb,
      durationSec: r.durationMs / 1000,
      billedDurationSec: r.billedDurationMs / 1000,
      maxMemoryUsedMb: r.maxMemoryUsedMb,
    });
  }
  return { warm, coldStarts, failed, coldMeasurements };
}

/** A REPORT figure on which the log tail and CloudWatch Logs disagree. */
export interface ReportDisagreement {
  requestId: string;
  /** The record's field, e.g. `durationMs`. */
  field: string;
  /** From the log tail the invocation returned (NaN when absent). */
  tail: number;
  /** From CloudWatch Logs (NaN when absent). */
  logs: number;
}

/** What {@linkcode crossCheckReports} found. */
export interface ReportCheck {
  /** Records with a request id, checked. */
  checked: number;
  /** Of them, found in the logs. */
  found: number;
  /** Request ids not found in the logs. */
  missing: string[];
  /** Every figure that differs. */
  disagreements: ReportDisagreement[];
}

/**
 * Cross-checks the REPORT figures read from each invocation's log tail
 * against the REPORT lines of the function's CloudWatch Logs (as
 * `fetchLogs` returns them), by request id: Duration, Billed Duration, Init
 * Duration, Memory Size and Max Memory Used must be equal.
 *
 * @param records The sweep's records.
 * @param reports The REPORT records fetched from CloudWatch Logs.
 * @returns How many were checked and found, the missing ones and the disagreements.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const record = {
 *   startedMs: 0, functionName: "f", memoryMb: 1024, batch: 1, phase: "measure" as const,
 *   repeat: 1, status: "ok" as const, durationMs: 100, billedDurationMs: 100,
 *   initDurationMs: NaN, memorySizeMb: 1024, maxMemoryUsedMb: 80, roundTripMs: 105,
 *   requestId: "r1", error: "",
 * };
 * const report = {
 *   kind: "report" as const, requestId: "r1", durationMs: 100, billedDurationMs: 100,
 *   memorySizeMb: 1024, maxMemoryUsedMb: 80, initDurationMs: undefined,
 * };
 * const check = crossCheckReports([record, { ...record, requestId: "r2" }], [report]);
 * assert.deepEqual(check, { checked: 2, found: 1, missing: ["r2"], disagreements: [] });
 * ```
 */
export function crossCheckReports(
  records: readonly SweepRecord[],
  reports: readonly LambdaReportRecord[],
): ReportCheck {
  const byId = new Map(reports.map((r) => [r.requestId, r]));
  const missing: string[] = [];
  const disagreements: ReportDisagreement[] = [];
  let checked = 0, found = 0;
  for (const r of records) {
    if (r.requestId === "") continue;
    checked++;
    const report = byId.get(r.requestId);
    if (report === undefined) {
      missing.push(r.requestId);
      continue;
    }
    found++;
    const pairs: [string, number, number][] = [
      ["durationMs", r.durationMs, report.durationMs],
      ["billedDurationMs", r.billedDurationMs, report.billedDurationMs],
      ["initDurationMs", r.initDurationMs, report.initDurationMs ?? NaN],
      ["memorySizeMb", r.memorySizeMb, report.memorySizeMb],
      ["maxMemoryUsedMb", r.maxMemoryUsedMb, report.maxMemoryUsedMb],
    ];
    for (const [field, tail, logs] of pairs) {
      if (!(tail === logs || (Number.isNaN(tail) && Number.isNaN(logs)))) {
        disagreements.push({ requestId: r.requestId, field, tail, logs });
      }
    }
  }
  return { checked, found, missing, disagreements };
}

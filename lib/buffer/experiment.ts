/**
 * A buffer experiment in real time, as `deno task buffer` runs it, callable
 * from a notebook: requests arrive at the given times, the
 * {@linkcode RealtimeBuffer} groups them and invokes a Lambda function once
 * per batch through `@aws-sdk/client-lambda` (against AWS, a Lambda API
 * endpoint, or a {@linkcode LocalLambda} started in-process), the records go
 * to a run directory, an injected sink and/or arrays, and the run ends with a
 * summary and the exact model's prediction.
 *
 * Stopping is cooperative: an `AbortSignal` stops the arrivals; the CLI wires
 * SIGINT and SIGTERM to it. The function's CloudWatch logs can be fetched
 * afterwards with `fetchLogs` (in `lib/logs/fetch_logs.ts`) from the result's
 * endpoint, function name and start time; `keepLambda` keeps the in-process
 * Lambda serving for that.
 *
 * @module
 */

import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import type { ArrivalStream } from "../arrivals/streams.ts";
import { CsvRunLog, writeRunJson } from "../io/run_logs.ts";
import { startLocalLambdaServer } from "../lambda/http_server.ts";
import { LocalLambda } from "../lambda/local_lambda.ts";
import type { MapProcess } from "../map/map_process.ts";
import { evaluateGrid } from "../model/evaluate.ts";
import type { Pricing } from "../profile/pricing.ts";
import {
  PUBLISHED_PROFILE_NAMES,
  publishedProfile,
  type ServiceProfile,
} from "../profile/service_profile.ts";
import { seededPrng } from "../random/prng.ts";
import type { DispatchReason } from "../sim/batching_policy.ts";
import { LatencyHistogram } from "../sim/latency_histogram.ts";
import type { BatchRecord, RecordSink, RequestRecord } from "../sim/simulator.ts";
import { type Dispatcher, lambdaDispatcher } from "./dispatcher.ts";
import { prepareFunction } from "./function_setup.ts";
import { type BufferClock, RealtimeBuffer, systemClock } from "./realtime_buffer.ts";

/** Options of {@linkcode runExperiment}. */
export interface ExperimentOptions {
  /**
   * Arrival times, seconds from the run's start, non-decreasing: an iterable
   * (an array, `takeArrivals(...)`, `iterateArrivals(...)`) or an
   * {@linkcode ArrivalStream}. The arrivals end with it, after `requests`
   * arrivals, or at the first time after `durationSec`.
   */
  arrivals: Iterable<number> | ArrivalStream;
  /** Max batch size B, an integer >= 1. */
  maxBatch: number;
  /** Timeout T from the first request of a batch, seconds (> 0). */
  timeoutSec: number;
  /**
   * Service-time profile: its name is the function's model (its MODEL
   * variable when the function is created), and the in-process Lambda serves
   * it (and the published profiles by their names).
   */
  profile: ServiceProfile;
  /** Prices, for the cost of each batch and the prediction. */
  pricing: Pricing;
  /** The Lambda function. @default {"inception-v4"} */
  functionName?: string;
  /** Memory to configure before the run, MB (an integer > 0). @default {3008} */
  memoryMb?: number;
  /**
   * Seed of the in-process Lambda's random numbers (`seed + 7`) and of the
   * retry jitter (`seed + 3`); the arrivals bring their own. @default {1}
   */
  seed?: number;
  /** Stop after this many arrivals (an integer > 0). @default {undefined: no limit} */
  requests?: number;
  /** No arrivals after this time, seconds (> 0). @default {Infinity} */
  durationSec?: number;
  /** A Lambda API endpoint (e.g. a local Lambda on loopback). Excludes `aws`. */
  endpoint?: string;
  /** Real AWS with the standard credential chain. Excludes `endpoint`. @default {false} */
  aws?: boolean;
  /** AWS region. @default {"us-east-1"} */
  region?: string;
  /**
   * Keys for `endpoint` or the in-process Lambda (not used with `aws`).
   * @default {{ accessKeyId: "local", secretAccessKey: "local" }}
   */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** In-process Lambda only: runs functions this many times faster (> 0). @default {1} */
  timeScale?: number;
  /** In-process Lambda only: concurrency limit (an integer > 0). @default {1000} */
  concurrency?: number;
  /** In-process Lambda only: lognormal service-time CV (>= 0). @default {0} */
  jitterCv?: number;
  /**
   * Keep the in-process Lambda (and its CloudWatch Logs face) serving after
   * the run, so its logs can be fetched; the result's `close()` stops it.
   * @default {false}
   */
  keepLambda?: boolean;
  /**
   * Run directory for `requests.csv`, `batches.csv`, `lambda.log` (every
   * invocation's log tail) and `run.json`; created when missing.
   * @default {undefined: no files}
   */
  out?: string;
  /** Also receives every record (e.g. a `ColumnSink`). */
  sink?: RecordSink;
  /** Keep copies of every record in the result's `records`. @default {false} */
  collectRecords?: boolean;
  /** A short description of the arrivals, for `run.json`. @default {"given arrival times"} */
  arrivalsDescription?: string;
  /**
   * The arrival process when it is one MAP: the result then carries the exact
   * model's prediction (not with an in-process Lambda at `timeScale` != 1).
   */
  map?: MapProcess;
  /** Batches invoked at once, at most (an integer > 0). @default {Infinity} */
  maxInFlight?: number;
  /** At the end, how long to wait for batches in flight, seconds (> 0). @default {30} */
  graceSec?: number;
  /**
   * Stops the run: the arrivals stop, the open batch is dispatched, batches in
   * flight get `graceSec`, and the summary says `interrupted`. From the abort
   * on, the run directory is flushed at once and after every batch, so a
   * process may exit at any moment with every completed record on disk.
   */
  signal?: AbortSignal;
  /** Called every `progressIntervalSec` with the counters so far. */
  onProgress?: (progress: ExperimentProgress) => void;
  /** Time between progress calls, seconds. @default {0.25} */
  progressIntervalSec?: number;
  /** Time between memory samples, seconds. @default {10} */
  memoryIntervalSec?: number;
  /** The buffer's clock, seconds from the run's start. @default {systemClock()} */
  clock?: BufferClock;
  /** Waits between arrivals, ms. @default {setTimeout, cut short by `signal`} */
  sleep?: (ms: number) => Promise<void>;
  /** Wall clock, ms since the epoch. @default {Date.now} */
  now?: () => number;
}

/** The counters of a run in progress, as {@linkcode ExperimentOptions.onProgress} gets them. */
export interface ExperimentProgress {
  /** Seconds since the run's start. */
  elapsedSec: number;
  /** Arrivals so far. */
  requests: number;
  completed: number;
  failed: number;
  batches: number;
  inFlight: number;
  queued: number;
  /** 95th percentile of the completed requests' latencies so far, s (NaN before the first). */
  latencyP95Sec: number;
}

/** One memory sample of the process. */
export interface MemorySample {
  /** Seconds since the run's start. */
  atSec: number;
  /** Resident set size, MB. */
  rssMb: number;
  /** V8 heap in use, MB (after a full collection when `--expose-gc` allows it). */
  heapUsedMb: number;
}

/** What a run measured: the fields of `deno task buffer --format json`, in its order. */
export interface ExperimentSummary {
  requests: number;
  completed: number;
  failed: number;
  /** Requests still in flight when the grace period expired. */
  unfinished: number;
  batches: number;
  /** Requests per batch (NaN without batches). */
  meanBatchSize: number;
  dispatchReasons: Record<DispatchReason, number>;
  /** Latencies of the completed requests, s (quantiles to 0.01 %, see LatencyHistogram). */
  latencySec: { p50: number; p95: number; p99: number; mean: number };
  costPerRequestUsd: number;
  /** Dispatch time minus deadline of timeout batches, 99th percentile, s (NaN without any). */
  timeoutLatenessP99Sec: number;
  /** Whether `signal` stopped the run. */
  interrupted: boolean;
  /** Seconds from the run's start to the summary. */
  elapsedSec: number;
  /** The last memory sample's resident set size, MB. */
  rssMb: number;
  /** The last memory sample's heap in use, MB. */
  heapUsedMb: number;
  /** Memory every `memoryIntervalSec`, and once at the end. */
  memory: MemorySample[];
}

/** The exact model's prediction for the run's configuration. */
export interface ExperimentPrediction {
  /** 95th latency percentile, s. */
  p95Sec: number;
  costPerRequestUsd: number;
}

/** The configuration of a run, as `run.json` records it. */
export interface ExperimentConfig {
  arrivals: string;
  maxBatch: number;
  timeoutSec: number;
  functionName: string;
  memoryMb: number;
  model: string;
  pricing: string;
  seed: number;
  requests: number | undefined;
  durationSec: number | undefined;
  /** `"aws"`, `"local Lambda (in-process)"` or the endpoint. */
  target: string | undefined;
  /** In-process Lambda only. */
  timeScale: number | undefined;
}

/** How a run ended, as `run.json`'s `status` says. */
export type ExperimentStatus = "done" | "interrupted" | "grace period expired";

/** What {@linkcode runExperiment} returns. */
export interface ExperimentResult {
  status: ExperimentStatus;
  summary: ExperimentSummary;
  /** With a MAP, unless the in-process Lambda ran at a `timeScale` other than 1. */
  prediction: ExperimentPrediction | undefined;
  config: ExperimentConfig;
  /** Copies of every record, in completion order, with `collectRecords`. */
  records: { requests: RequestRecord[]; batches: BatchRecord[] } | undefined;
  /** The run directory, when `out` was given. */
  out: string | undefined;
  /** The Lambda API endpoint used (the in-process Lambda's URL); undefined on AWS. */
  endpoint: string | undefined;
  region: string;
  functionName: string;
  /** Wall-clock time of the run's time zero, ms since the epoch (a start for log queries). */
  startedAtMs: number;
  /** Wall-clock time at the end of the run, ms since the epoch. */
  endedAtMs: number;
  /** The in-process Lambda, with `keepLambda`. */
  lambda: LocalLambda | undefined;
  /** Stops the in-process Lambda kept with `keepLambda` (otherwise, and when called again, does nothing). */
  close(): Promise<void>;
}

function _invalid(name: string, expected: string, value: unknown): RangeError {
  return new RangeError(
    `Cannot run the experiment as '${name}' must be ${expected}: current value is ${value}`,
  );
}

/** `value` if it is > 0 (an integer with `integer`; `Infinity` only with `infinite`). */
function _positive(
  name: string,
  value: number,
  { integer = false, infinite = false }: { integer?: boolean; infinite?: boolean } = {},
): number {
  const ok = value > 0 &&
    (value === Infinity ? infinite : !integer || Number.isInteger(value));
  if (!ok) throw _invalid(name, integer ? "a positive integer" : "a positive number", value);
  return value;
}

/** `setTimeout` that an abort cuts short. */
function _abortableSleep(signal: AbortSignal | undefined): (ms: number) => Promise<void> {
  return (ms) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(id);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const id = setTimeout(done, ms);
      signal?.addEventListener("abort", done, { once: true });
    });
}

/** The next arrival time of either kind of arrivals (`Infinity` at the end). */
function _nextArrival(arrivals: Iterable<number> | ArrivalStream): () => number {
  if (arrivals !== null && typeof arrivals === "object") {
    if (Symbol.iterator in arrivals) {
      const it = arrivals[Symbol.iterator]();
      return () => {
        const r = it.next();
        return r.done ? Infinity : r.value;
      };
    }
    if (typeof arrivals.next === "function") return () => arrivals.next();
  }
  throw new TypeError(
    `Cannot run the experiment as 'arrivals' must be an iterable of times or an arrival stream: current value is ${arrivals}`,
  );
}

/** The run directory's open files. */
interface _RunFiles {
  log: CsvRunLog;
  lambdaLog: Deno.FsFile;
}

/**
 * Runs a batching experiment in real time: gets the function ready
 * (`prepareFunction`: memory set, created on a local Lambda), feeds the
 * arrivals to a {@linkcode RealtimeBuffer} that invokes it once per batch,
 * samples the process's memory, waits for the batches in flight at the end (up
 * to `graceSec`), writes `run.json` with the summary and returns it, the
 * prediction and, with `collectRecords`, every record.
 *
 * With neither `endpoint` nor `aws`, a {@linkcode LocalLambda} is started
 * in-process on loopback (`maxLogEvents` 10,000), and stopped at the end
 * unless `keepLambda`.
 *
 * @param options The arrivals, the batching, the function and where it runs.
 * @returns The summary, the prediction, the records, and where to find the logs.
 * @throws {RangeError} On an option out of range (before anything starts).
 * @throws {TypeError} On `arrivals` of the wrong kind, or both `aws` and `endpoint`.
 *
 * @example 40 requests against the in-process Lambda, 1000 times faster than real
 * ```ts
 * import assert from "node:assert/strict";
 * import { pricing } from "../profile/pricing.ts";
 * import { publishedProfile } from "../profile/service_profile.ts";
 *
 * const result = await runExperiment({
 *   arrivals: Array.from({ length: 40 }, (_, i) => i * 0.002),
 *   maxBatch: 8,
 *   timeoutSec: 0.01,
 *   profile: publishedProfile("TF-inceptionV4"),
 *   pricing: pricing("aws-x86"),
 *   timeScale: 1000,
 *   collectRecords: true,
 * });
 * assert.equal(result.status, "done");
 * assert.equal(result.summary.completed, 40);
 * assert.equal(result.records!.requests.length, 40);
 * ```
 */
export async function runExperiment(options: ExperimentOptions): Promise<ExperimentResult> {
  const {
    arrivals,
    profile,
    pricing,
    functionName = "inception-v4",
    seed = 1,
    requests,
    region = "us-east-1",
    aws = false,
    keepLambda = false,
    out,
    collectRecords = false,
    arrivalsDescription = "given arrival times",
    map,
    signal,
    onProgress,
    now = () => Date.now(),
  } = options;
  // Validate everything before anything starts.
  const maxBatch = _positive("maxBatch", options.maxBatch, { integer: true });
  const timeoutSec = _positive("timeoutSec", options.timeoutSec);
  const memoryMb = _positive("memoryMb", options.memoryMb ?? 3008, { integer: true });
  if (!Number.isInteger(seed)) throw _invalid("seed", "an integer", seed);
  if (requests !== undefined) _positive("requests", requests, { integer: true });
  const durationSec = _positive("durationSec", options.durationSec ?? Infinity, {
    infinite: true,
  });
  const timeScale = _positive("timeScale", options.timeScale ?? 1);
  const graceSec = _positive("graceSec", options.graceSec ?? 30, { infinite: true });
  const maxInFlight = _positive("maxInFlight", options.maxInFlight ?? Infinity, {
    integer: true,
    infinite: true,
  });
  const progressIntervalSec = _positive(
    "progressIntervalSec",
    options.progressIntervalSec ?? 0.25,
  );
  const memoryIntervalSec = _positive("memoryIntervalSec", options.memoryIntervalSec ?? 10);
  if (typeof functionName !== "string" || functionName === "") {
    throw new TypeError(
      `Cannot run the experiment as 'functionName' must be a non-empty string: current value is ${
        JSON.stringify(functionName)
      }`,
    );
  }
  if (aws && options.endpoint !== undefined) {
    throw new TypeError("Cannot run the experiment with both 'aws' and 'endpoint'");
  }
  const nextArrival = _nextArrival(arrivals);
  const local = !aws && options.endpoint === undefined;
  let concurrency = 1000, jitterCv = 0;
  if (local) {
    concurrency = _positive("concurrency", options.concurrency ?? 1000, { integer: true });
    jitterCv = options.jitterCv ?? 0;
    if (!(jitterCv >= 0)) throw _invalid("jitterCv", "a number >= 0", jitterCv);
  }
  const sleep = options.sleep ?? _abortableSleep(signal);

  let server: { url: string; close(): Promise<void> } | undefined;
  let lambda: LocalLambda | undefined;
  let client: LambdaClient | undefined;
  let files: _RunFiles | undefined;
  const closeFiles = () => {
    files?.log.close();
    files?.lambdaLog.close();
    files = undefined;
  };
  // From a stop on, records reach the disk as they come.
  let flushEachBatch = false;
  const onAbort = () => {
    flushEachBatch = true;
    files?.log.flush();
  };
  const timers: ReturnType<typeof setInterval>[] = [];
  let keep = false;
  try {
    // Where the function runs.
    let endpoint = options.endpoint;
    if (local) {
      lambda = new LocalLambda({
        profileFor: (m) =>
          (PUBLISHED_PROFILE_NAMES as readonly string[]).includes(m)
            ? publishedProfile(m)
            : profile,
        defaultModel: profile.name,
        prng: seededPrng(seed + 7),
        timeScale,
        concurrencyLimit: concurrency,
        // The in-process Lambda usually ends with the run, and lambda.log holds
        // every invocation's log tail: its CloudWatch face keeps only recent events.
        maxLogEvents: 10_000,
        jitterCv,
      });
      server = startLocalLambdaServer(lambda);
      endpoint = server.url;
    }
    client = new LambdaClient({
      region,
      ...(endpoint === undefined ? {} : { endpoint }),
      ...(aws ? {} : {
        credentials: options.credentials ?? { accessKeyId: "local", secretAccessKey: "local" },
      }),
      maxAttempts: 1,
    });
    // A function missing on a local Lambda (in-process or on loopback) is created.
    const loopback = endpoint !== undefined &&
      /^https?:\/\/(127\.0\.0\.1|localhost)[:/]/.test(endpoint);
    await prepareFunction(client, {
      functionName,
      memoryMb,
      model: profile.name,
      create: local || loopback,
    });

    const config: ExperimentConfig = {
      arrivals: arrivalsDescription,
      maxBatch,
      timeoutSec,
      functionName,
      memoryMb,
      model: profile.name,
      pricing: pricing.name,
      seed,
      requests,
      durationSec: Number.isFinite(durationSec) ? durationSec : undefined,
      target: aws ? "aws" : local ? "local Lambda (in-process)" : endpoint,
      timeScale: local ? timeScale : undefined,
    };
    if (out !== undefined) {
      const log = new CsvRunLog(out);
      files = {
        log,
        lambdaLog: Deno.openSync(`${out}/lambda.log`, {
          write: true,
          create: true,
          truncate: true,
        }),
      };
      writeRunJson(out, { status: "running", config, versions: { deno: Deno.version.deno } });
    }
    signal?.addEventListener("abort", onAbort);
    if (signal?.aborted) onAbort();

    const histogram = new LatencyHistogram();
    const records = collectRecords
      ? { requests: [] as RequestRecord[], batches: [] as BatchRecord[] }
      : undefined;
    const userSink = options.sink;
    // Records of batches that complete after the end (the grace period expired)
    // are dropped, so that the records agree with the summary.
    let ended = false;
    const sink: RecordSink = {
      request(r) {
        if (ended) return;
        if (r.status === "ok") histogram.add(r.latencySec);
        files?.log.request(r);
        records?.requests.push({ ...r });
        userSink?.request?.(r);
      },
      batch(b) {
        if (ended) return;
        files?.log.batch(b);
        if (flushEachBatch) files?.log.flush();
        records?.batches.push({ ...b });
        userSink?.batch?.(b);
      },
    };
    const inner = lambdaDispatcher({
      functionName,
      prng: seededPrng(seed + 3),
      invoke: (i) => client!.send(new InvokeCommand(i)),
    });
    const encoder = new TextEncoder();
    const dispatcher: Dispatcher = files === undefined ? inner : {
      async dispatch(batch) {
        const o = await inner.dispatch(batch);
        if (o.logTail) {
          files?.lambdaLog.writeSync(
            encoder.encode(o.logTail.endsWith("\n") ? o.logTail : o.logTail + "\n"),
          );
        }
        return o;
      },
    };
    const clock = options.clock ?? systemClock();
    const buffer = new RealtimeBuffer({
      maxBatch,
      timeoutSec,
      dispatcher,
      clock,
      pricing,
      memoryMb,
      sink,
      maxInFlight,
    });
    if (onProgress) {
      timers.push(setInterval(() => {
        const s = buffer.stats;
        onProgress({
          elapsedSec: clock.nowSec(),
          requests: s.requests,
          completed: s.completed,
          failed: s.failed,
          batches: s.batches,
          inFlight: s.inFlight,
          queued: s.queued,
          latencyP95Sec: histogram.quantile(0.95),
        });
      }, progressIntervalSec * 1000));
    }

    // Memory every 10 s; the heap after a full collection when the runtime
    // allows it (--v8-flags=--expose-gc), so a leak shows as a rising line.
    const memory: MemorySample[] = [];
    const sampleMemory = () => {
      (globalThis as { gc?: () => void }).gc?.();
      const m = Deno.memoryUsage();
      memory.push({
        atSec: clock.nowSec(),
        rssMb: m.rss / 2 ** 20,
        heapUsedMb: m.heapUsed / 2 ** 20,
      });
    };
    timers.push(setInterval(sampleMemory, memoryIntervalSec * 1000));

    // Arrivals in real time: the times are seconds from the run's start.
    const startedAtMs = now() - clock.nowSec() * 1000;
    let n = 0;
    for (;;) {
      if (signal?.aborted || (requests !== undefined && n >= requests)) break;
      const t = nextArrival();
      if (!(t < Infinity) || t > durationSec) break;
      const wait = t - clock.nowSec();
      if (wait > 0.001) await sleep(wait * 1000);
      if (signal?.aborted) break;
      buffer.arrive();
      n++;
    }
    const finished = await buffer.shutdown(graceSec);
    ended = true;
    timers.forEach(clearInterval);
    sampleMemory();
    signal?.removeEventListener("abort", onAbort);
    closeFiles();
    const endedAtMs = now();
    const interrupted = signal?.aborted === true;
    const s = buffer.stats;
    const summary: ExperimentSummary = {
      requests: s.requests,
      completed: s.completed,
      failed: s.failed,
      unfinished: s.requests - s.completed - s.failed,
      batches: s.batches,
      meanBatchSize: s.requests / s.batches,
      dispatchReasons: { ...s.dispatchReasons },
      latencySec: {
        p50: histogram.quantile(0.5),
        p95: histogram.quantile(0.95),
        p99: histogram.quantile(0.99),
        mean: histogram.meanSec,
      },
      costPerRequestUsd: s.totalCostUsd / s.requests,
      timeoutLatenessP99Sec: s.timeoutLateness.count ? s.timeoutLateness.quantile(0.99) : NaN,
      interrupted,
      elapsedSec: clock.nowSec(),
      rssMb: memory.at(-1)!.rssMb,
      heapUsedMb: memory.at(-1)!.heapUsedMb,
      memory,
    };
    let prediction: ExperimentPrediction | undefined;
    if (map && (!local || timeScale === 1)) {
      const e = evaluateGrid(
        map,
        { memoriesMb: [memoryMb], timeoutsSec: [timeoutSec], maxBatches: [maxBatch] },
        { profile, pricing, percentile: 0.95, extrapolate: true },
      );
      prediction = { p95Sec: e.latencySec[0], costPerRequestUsd: e.meanCostUsd[0] };
    }
    const status: ExperimentStatus = finished
      ? (interrupted ? "interrupted" : "done")
      : "grace period expired";
    if (out !== undefined) {
      writeRunJson(out, {
        status,
        config,
        versions: { deno: Deno.version.deno },
        summary,
        prediction,
      });
    }
    keep = keepLambda;
    const kept = keep ? server : undefined;
    let closing: Promise<void> | undefined;
    return {
      status,
      summary,
      prediction,
      config,
      records,
      out,
      endpoint: aws ? undefined : endpoint,
      region,
      functionName,
      startedAtMs,
      endedAtMs,
      lambda: keep ? lambda : undefined,
      close: () => (closing ??= kept?.close() ?? Promise.resolve()),
    };
  } catch (e) {
    closeFiles();
    throw e;
  } finally {
    timers.forEach(clearInterval);
    signal?.removeEventListener("abort", onAbort);
    client?.destroy();
    if (!keep) await server?.close();
  }
}

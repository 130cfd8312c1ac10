/**
 * A buffer experiment in real time, as `deno task buffer` runs it, callable
 * from a notebook: requests arrive at the given times, the
 * {@linkcode RealtimeBuffer} groups them and invokes a Lambda function once
 * per batch through `@aws-sdk/client-lambda` (against AWS, a Lambda API
 * endpoint, or a {@linkcode LocalLambda} started in-process), the records go
 * to a run directory, an injected sink and/or arrays, and the run ends with a
 * summary and the exact model's prediction.
 *
 * Adaptive BATCH (`adaptive`): an {@linkcode AdaptiveController} sees every
 * arrival; when a window's decision changes the configuration, B and T apply
 * to the buffer at once (the open batch included) and a memory change goes to
 * the function through UpdateFunctionConfiguration in the background, the
 * arrivals and batches flowing meanwhile at the old memory. Every decision is
 * appended to `decisions.jsonl` in the run directory as it is taken.
 *
 * A function with code (`functionCode`, a handler module) runs on the
 * in-process Lambda's Workers in real time; a profile is then only what the
 * prediction is made with. What each invocation carries is a
 * {@linkcode BatchPayload} (request ids, or real images with
 * `imagesBatchPayload`), checked against Lambda's 6 MB limit before the run.
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
import {
  AdaptiveController,
  type AdaptiveDecision,
  type BufferConfiguration,
} from "../adapt/adaptive_controller.ts";
import type { ArrivalStream } from "../arrivals/streams.ts";
import { CsvRunLog, writeRunJson } from "../io/run_logs.ts";
import { CPU_MODELS, type CpuModel } from "../lambda/cpu_model.ts";
import { startLocalLambdaServer } from "../lambda/http_server.ts";
import { LocalLambda } from "../lambda/local_lambda.ts";
import type { MapProcess } from "../map/map_process.ts";
import { predictConfiguration } from "../model/predict.ts";
import { type ConfigurationGrid, MODEL_METHODS, type ModelMethod } from "../model/types.ts";
import type { ConstraintKind } from "../optimize/optimize.ts";
import type { Pricing } from "../profile/pricing.ts";
import { describeVariability, withServiceCv } from "../profile/service_distribution.ts";
import {
  PUBLISHED_PROFILE_NAMES,
  publishedProfile,
  type ServiceProfile,
  serviceTimesSec,
} from "../profile/service_profile.ts";
import { seededPrng } from "../random/prng.ts";
import type { DispatchReason } from "../sim/batching_policy.ts";
import { LatencyHistogram } from "../sim/latency_histogram.ts";
import type { BatchRecord, RecordSink, RequestRecord } from "../sim/simulator.ts";
import { type BatchPayload, checkPayloadFits, idsBatchPayload } from "./batch_payload.ts";
import { ConnectionPool, connectionsNeeded } from "./connection_pool.ts";
import { type Dispatcher, lambdaDispatcher } from "./dispatcher.ts";
import { isLoopbackEndpoint, prepareFunction } from "./function_setup.ts";
import { type BufferClock, RealtimeBuffer, systemClock } from "./realtime_buffer.ts";

/**
 * Adaptive BATCH in a run (see {@linkcode AdaptiveController}, whose options
 * these are, less what the run gives it: the profile, the pricing and the
 * initial configuration, the run's B, T and memory).
 */
export interface AdaptiveExperimentOptions {
  /**
   * Length of the observation window, seconds; the windows start at the run's
   * time zero (the origin of the arrival times). @default {3600}
   */
  windowSec?: number;
  /** Configurations to choose from; memories in integer MB, as Lambda takes them. */
  grid: ConfigurationGrid;
  /** Percentile of the latency the SLO bounds, in (0, 1). @default {0.95} */
  percentile?: number;
  /** What the SLO bounds: the latency percentile (s) or the cost (USD/request). @default {"latency"} */
  constraint?: ConstraintKind;
  /** The SLO, seconds or USD per request (> 0). */
  slo: number;
  /** @default {"exact"} */
  method?: ModelMethod;
  /** Allow the profile outside its fitted range. @default {false} */
  extrapolate?: boolean;
  /** Relative rate change a choice must withstand, in [0, 1). @default {0.25} */
  rateMargin?: number;
  /** Relative saving needed to leave a still-compliant configuration, in [0, 1). @default {0.02} */
  minGain?: number;
  /** Fewest arrivals in a window to fit it (an integer > 0). @default {50} */
  minArrivals?: number;
  /** Time between polls of the function's update status, ms (> 0). @default {500} */
  pollMs?: number;
}

/** A configuration change the controller made, as the run applied it. */
export interface ExperimentReconfiguration {
  /** The window whose decision made it. */
  window: number;
  /** The arrival that closed the window (its scheduled time), seconds from the run's start. */
  arrivalSec: number;
  /** When B and T applied to the buffer, seconds from the run's start. */
  appliedSec: number;
  /** The new configuration. */
  maxBatch: number;
  timeoutSec: number;
  memoryMb: number;
}

/** One update of the function's memory (UpdateFunctionConfiguration and the wait for it). */
export interface FunctionMemoryUpdate {
  fromMb: number;
  toMb: number;
  /** When it was requested, seconds from the run's start. */
  requestedSec: number;
  /** When Lambda reported it done (`Successful`) or it failed; NaN while in progress. */
  doneSec: number;
  status: "in progress" | "done" | "failed";
  /** Why it failed (empty otherwise). */
  error: string;
}

/** What an adaptive run decided and did. */
export interface AdaptiveRun {
  /** Every decision, one per window ended (as in `decisions.jsonl`). */
  decisions: AdaptiveDecision[];
  /** The decisions that changed the configuration, as applied. */
  reconfigurations: ExperimentReconfiguration[];
  /**
   * The memory updates made, in order. Changes that come while an update is
   * in progress wait for it; only the latest of them is then made.
   */
  memoryUpdates: FunctionMemoryUpdate[];
}

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
   * it (and the published profiles by their names). With `functionCode` it is
   * optional and only the model's: the profile of that code (e.g. what
   * `deno task profile` fitted) for the prediction and the adaptive
   * controller; without it there is no prediction.
   * @default {undefined: needs `functionCode`}
   */
  profile?: ServiceProfile;
  /**
   * In-process Lambda only: the function runs this handler module (`.mjs`,
   * `.js`, `.ts` exporting `handler`) in the local Lambda's Workers, created
   * with the run's memory and a Timeout of 900 s, instead of following a
   * profile. Its code runs in real time: `timeScale` other than 1, a
   * `jitterCv` above 0 and `coldStartSec` are refused with it (Init Duration
   * is the module's measured load time).
   * @default {undefined: the function follows `profile`}
   */
  functionCode?: string;
  /**
   * With `functionCode`: how its Duration follows its memory, `"host"` (as
   * measured here) or `"memory-share"` (see `cpu_model.ts`). @default {"host"}
   */
  cpuModel?: CpuModel;
  /**
   * What each invocation carries (see `batch_payload.ts`): request ids, or
   * images with `imagesBatchPayload`. A batch as large as the run can send
   * (B, or the adaptive grid's largest) must fit in Lambda's 6 MB.
   * @default {idsBatchPayload(): `{"batch_id", "requests": [ids]}`}
   */
  payload?: BatchPayload;
  /** Prices, for the cost of each batch and the prediction. */
  pricing: Pricing;
  /**
   * The Lambda function.
   * @default {defaultFunctionName(functionCode): "inception-v4", or named after the code's file}
   */
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
  /**
   * In-process Lambda only: lognormal service times of this coefficient of
   * variation around the profile's mean, in place of the profile's own
   * `variability` (>= 0; the CLIs' `--service-cv`; 0 keeps the profile's).
   * The exact model's prediction assumes the same. @default {0}
   */
  jitterCv?: number;
  /** In-process Lambda only: initialisation of a new environment (a cold start), s (>= 0). @default {0.25} */
  coldStartSec?: number;
  /** In-process Lambda only: an environment idle longer than this is reclaimed, s (>= 0). @default {600} */
  keepAliveSec?: number;
  /**
   * In-process Lambda only: serve memories and batch sizes outside the range
   * the profile was fitted on (a service time that is not positive is still
   * refused); without it such a configuration is refused when the function is
   * created or invoked. Also the adaptive controller's default. @default {false}
   */
  extrapolate?: boolean;
  /**
   * In-process Lambda only: how long a configuration update stays
   * `InProgress`, seconds, divided by `timeScale` as its every wait (>= 0).
   * @default {0}
   */
  updateSec?: number;
  /**
   * Adaptive BATCH: re-optimize B, T and memory window by window from the
   * arrivals. The exact model's prediction is then left out (the
   * configuration changes). @default {undefined: B, T and memory stay}
   */
  adaptive?: AdaptiveExperimentOptions;
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
   * model's prediction, with the service times the function runs with (the
   * profile's, or lognormal of CV `jitterCv` on the in-process Lambda); not
   * with an in-process Lambda at `timeScale` != 1, nor in an adaptive run.
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
  /**
   * Forces the end, as a second Ctrl-C does: the arrivals stop if they have
   * not, nothing more is waited for, every request whose outcome is not known
   * (queued or in flight) is recorded `abandoned` with its batch
   * ({@linkcode RealtimeBuffer.abandon}), the run directory is written whole
   * and the run ends with status `killed`, at once.
   */
  killSignal?: AbortSignal;
  /**
   * Connections of the Lambda client's pool (an integer > 0). The SDK's
   * default, 50, queues invocations in the client once more than 50 batches
   * are in flight.
   * @default {connectionsNeeded(...): maxInFlight, else the in-process Lambda's concurrency, else 1000}
   */
  maxConnections?: number;
  /**
   * Hears of what makes a measurement doubtful while the run goes on, once
   * per kind (today: batches that waited in the client for a connection).
   * The same messages are in the summary's `warnings` and in `run.json`.
   */
  onWarning?: (message: string) => void;
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
  /** Requests queued or in flight at a forced end (`killSignal`), recorded `abandoned`. */
  abandoned: number;
  /** Requests still in flight when the grace period expired. */
  unfinished: number;
  batches: number;
  /** Requests per batch (NaN without batches). */
  meanBatchSize: number;
  dispatchReasons: Record<DispatchReason, number>;
  /** Latencies of the completed requests, s (quantiles to 0.01 %, see LatencyHistogram). */
  latencySec: { p50: number; p95: number; p99: number; mean: number };
  /** Batches whose invocation started cold (an `Init Duration` in its REPORT). */
  coldStartBatches: number;
  /**
   * Latencies of the completed requests of batches that started warm, s: what
   * the model, which has no cold starts, predicts (NaN without any).
   */
  warmLatencySec: { p50: number; p95: number; p99: number; mean: number };
  costPerRequestUsd: number;
  /**
   * Dispatch time minus deadline of timeout batches, 99th percentile, s (NaN,
   * `null` in JSON, without any).
   */
  timeoutLatenessP99Sec: number;
  /**
   * The Lambda client's connection pool and the batches that waited in it
   * because every connection was busy (`batches.csv` has each batch's wait in
   * `client_wait_ms`).
   */
  client: { connections: number; queuedBatches: number; maxWaitMs: number };
  /** What makes the measurement doubtful, one line each (empty when nothing). */
  warnings: string[];
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
  /** Adaptive runs only: windows decided and the decisions that changed the configuration. */
  adaptive?: { windows: number; changes: number };
}

/**
 * The exact model's prediction for the run's configuration
 * (`predictConfiguration`), with no cold starts.
 */
export interface ExperimentPrediction {
  /** Median latency, s. */
  p50Sec: number;
  /** 95th latency percentile, s. */
  p95Sec: number;
  /** 99th latency percentile, s. */
  p99Sec: number;
  /** Long-run mean cost per request, USD (each batch's billed duration its expectation). */
  costPerRequestUsd: number;
  /** The service time the model assumed, e.g. `deterministic` or `lognormal, CV 0.2`. */
  service: string;
  /**
   * P(a batch starts cold) the model assumed: 0 unless the profile has a
   * `coldStart` (its Init Duration; the run's keep-alive).
   */
  coldStartProbability: number;
}

/** The configuration of a run, as `run.json` records it. */
export interface ExperimentConfig {
  arrivals: string;
  maxBatch: number;
  timeoutSec: number;
  functionName: string;
  memoryMb: number;
  /** The profile's name (undefined: a function with code and no profile given). */
  model: string | undefined;
  /** What each invocation carried: `ids`, or `images: DIR (...)`. */
  payload: string;
  pricing: string;
  seed: number;
  requests: number | undefined;
  durationSec: number | undefined;
  /** `"aws"`, `"local Lambda (in-process)"` or the endpoint. */
  target: string | undefined;
  /** In-process Lambda only. */
  timeScale: number | undefined;
  /**
   * In-process Lambda only: its settings, defaults filled in. A function with
   * code has `functionCode` and `cpuModel`; a profile-driven one `serviceCv`
   * and `coldStartSec`.
   */
  localLambda?: {
    concurrency: number;
    keepAliveSec: number;
    extrapolate: boolean;
    /** The lognormal jitter's CV (`jitterCv`). */
    serviceCv?: number;
    coldStartSec?: number;
    /** The handler module the function ran. */
    functionCode?: string;
    /** How its Duration followed its memory. */
    cpuModel?: CpuModel;
  };
  /** Adaptive runs only: the controller's settings, defaults filled in. */
  adaptive?: Required<Omit<AdaptiveExperimentOptions, "pollMs">>;
}

/**
 * How a run ended, as `run.json`'s `status` says: `killed` when `killSignal`
 * forced the end.
 */
export type ExperimentStatus = "done" | "interrupted" | "grace period expired" | "killed";

/** What {@linkcode runExperiment} returns. */
export interface ExperimentResult {
  status: ExperimentStatus;
  summary: ExperimentSummary;
  /** */
  prediction: ExperimentPrediction | undefined;
  config: ExperimentConfig;
  /** With `adaptive`: the decisions, the reconfigurations and the memory updates. */
  adaptive: AdaptiveRun | undefined;
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
  /**
   * Stops the in-process Lambda kept with `keepLambda` (otherwise, and when
   * called again, does nothing); after a `killed` run it does not wait for the
   * invocations still running.
   */
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
  /** Adaptive runs only. */
  decisions: Deno.FsFile | undefined;
}

/** The controller's settings with the defaults, checked against the run. */
function _adaptiveSettings(
  a: AdaptiveExperimentOptions,
  run: { profile: ServiceProfile; maxBatch: number; memoryMb: number; extrapolate: boolean },
): Required<Omit<AdaptiveExperimentOptions, "pollMs">> & { pollMs: number } {
  if (a === null || typeof a !== "object" || a.grid === null || typeof a.grid !== "object") {
    throw new TypeError(
      `Cannot run the experiment as 'adaptive' must be an object with a grid: current value is ${
        JSON.stringify(a)
      }`,
    );
  }
  const s = {
    windowSec: a.windowSec ?? 3600,
    grid: a.grid,
    percentile: a.percentile ?? 0.95,
    constraint: a.constraint ?? "latency",
    slo: a.slo,
    method: a.method ?? "exact",
    extrapolate: a.extrapolate ?? run.extrapolate,
    rateMargin: a.rateMargin ?? 0.25,
    minGain: a.minGain ?? 0.02,
    minArrivals: a.minArrivals ?? 50,
    pollMs: _positive("adaptive.pollMs", a.pollMs ?? 500),
  };
  if (!(s.percentile > 0 && s.percentile < 1)) {
    throw _invalid("adaptive.percentile", "within (0, 1)", s.percentile);
  }
  if (s.constraint !== "latency" && s.constraint !== "cost") {
    throw _invalid("adaptive.constraint", "latency or cost", s.constraint);
  }
  if (!MODEL_METHODS.includes(s.method)) {
    throw _invalid("adaptive.method", MODEL_METHODS.join(" or "), s.method);
  }
  _positive("adaptive.minArrivals", s.minArrivals, { integer: true });
  const { memoriesMb, timeoutsSec, maxBatches } = s.grid;
  for (
    const [name, values] of [
      ["memoriesMb", memoriesMb],
      ["timeoutsSec", timeoutsSec],
      ["maxBatches", maxBatches],
    ] as const
  ) {
    if (!Array.isArray(values) || values.length === 0) {
      throw _invalid(`adaptive.grid.${name}`, "a non-empty array", JSON.stringify(values));
    }
  }
  // Lambda takes memory in whole MB; the others as the buffer takes them.
  for (const m of memoriesMb) _positive("adaptive.grid.memoriesMb", m, { integer: true });
  for (const t of timeoutsSec) _positive("adaptive.grid.timeoutsSec", t);
  for (const b of maxBatches) _positive("adaptive.grid.maxBatches", b, { integer: true });
  // The model must cover every configuration it may be asked about, before the
  // run starts rather than at a window's end (a ProfileRangeError otherwise).
  const largest = Math.max(run.maxBatch, ...maxBatches);
  for (const m of new Set([run.memoryMb, ...memoriesMb])) {
    serviceTimesSec(run.profile, largest, m, { extrapolate: s.extrapolate });
  }
  return s;
}

/**
 * The name a run gives its function: `inception-v4` (the original's) for a
 * profile-driven one; for handler code, the module's file name without its
 * extension, or its directory's when the file is `handler.*` or `index.*`,
 * made a Lambda function name (letters, digits, `-` and `_`, at most 64).
 *
 * @param functionCode The handler module's path, if the function runs code.
 * @returns The function name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(defaultFunctionName(), "inception-v4");
 * assert.equal(defaultFunctionName("lib/functions/image_classifier/handler.ts"), "image_classifier");
 * assert.equal(defaultFunctionName("tests/testdata/handlers/linear_time.mjs"), "linear_time");
 * ```
 */
export function defaultFunctionName(functionCode?: string): string {
  if (functionCode === undefined) return "inception-v4";
  const parts = functionCode.split(/[\\/]/).filter((p) => p !== "" && p !== ".");
  let stem = (parts.at(-1) ?? "").replace(/\.[^.]*$/, "");
  if ((stem === "handler" || stem === "index") && parts.length > 1) stem = parts.at(-2)!;
  const name = stem.replace(/[^a-zA-Z0-9_-]/g, "-").slice(0, 64);
  return name === "" ? "function" : name;
}

/**
 * `functionCode` and `cpuModel` checked against the other options.
 *
 * @returns The CPU model (`"host"` by default).
 */
function _checkFunctionCode(options: ExperimentOptions, local: boolean): CpuModel {
  const { functionCode, profile } = options;
  if (functionCode === undefined) {
    if (options.cpuModel !== undefined) {
      throw new TypeError(
        "Cannot run the experiment as 'cpuModel' needs 'functionCode': a profile already " +
          "depends on memory",
      );
    }
    if (profile === undefined) {
      throw new TypeError(
        "Cannot run the experiment without a 'profile' to serve or a 'functionCode' to run",
      );
    }
    return "host";
  }
  if (typeof functionCode !== "string" || functionCode === "") {
    throw new TypeError(
      `Cannot run the experiment as 'functionCode' must be the path of a handler module: ` +
        `current value is ${JSON.stringify(functionCode)}`,
    );
  }
  if (!local) {
    throw new TypeError(
      "Cannot run the experiment as 'functionCode' is for the in-process local Lambda, " +
        "not with 'endpoint' or 'aws'",
    );
  }
  const refused = [
    ["timeScale", options.timeScale !== undefined && options.timeScale !== 1],
    ["jitterCv", options.jitterCv !== undefined && options.jitterCv !== 0],
    ["coldStartSec", options.coldStartSec !== undefined],
  ].find(([, given]) => given);
  if (refused !== undefined) {
    throw new TypeError(
      `Cannot run the experiment as '${refused[0]}' does nothing with 'functionCode': ` +
        "handler code runs in real time and its cold start is the module's own load",
    );
  }
  const cpuModel = options.cpuModel ?? "host";
  if (!(CPU_MODELS as readonly string[]).includes(cpuModel)) {
    throw _invalid("cpuModel", CPU_MODELS.join(" or "), cpuModel);
  }
  return cpuModel;
}

/**
 * The exact model's prediction for one configuration of a buffer run: the
 * latency's p50, p95 and p99 and the mean cost per request, with the service
 * times the function runs with: the profile's (deterministic, or as its
 * `variability` says), or lognormal of CV `jitterCv` when the in-process
 * Lambda draws them so. The profile is used outside its fitted range too (the
 * run has already served the configuration).
 *
 * @param map The arrival process.
 * @param profile The function's profile.
 * @param options The configuration, the prices, the in-process Lambda's
 *   `jitterCv` (@default {0}) and the keep-alive, for a profile with a
 *   `coldStart` (@default {600} s).
 * @returns The prediction.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { poissonProcess } from "../map/map_process.ts";
 * import { pricing } from "../profile/pricing.ts";
 * import { publishedProfile } from "../profile/service_profile.ts";
 *
 * const config = { maxBatch: 5, timeoutSec: 0.1, memoryMb: 2048, pricing: pricing("aws-x86") };
 * const fixed = predictExperiment(poissonProcess(10), publishedProfile("TF-resnetV2"), config);
 * const varied = predictExperiment(poissonProcess(10), publishedProfile("TF-resnetV2"), {
 *   ...config,
 *   jitterCv: 0.2,
 * });
 * assert.equal(varied.service, "lognormal, CV 0.2");
 * assert.ok(fixed.p50Sec < fixed.p95Sec && fixed.p95Sec < fixed.p99Sec);
 * assert.ok(varied.p99Sec > fixed.p99Sec);
 * ```
 */
export function predictExperiment(
  map: MapProcess,
  profile: ServiceProfile,
  options: {
    maxBatch: number;
    timeoutSec: number;
    memoryMb: number;
    pricing: Pricing;
    jitterCv?: number;
    keepAliveSec?: number;
  },
): ExperimentPrediction {
  const served = withServiceCv(profile, options.jitterCv ?? 0, "lognormal");
  const p = predictConfiguration({
    map,
    maxBatch: options.maxBatch,
    timeoutSec: options.timeoutSec,
    memoryMb: options.memoryMb,
    profile: served,
    pricing: options.pricing,
    extrapolate: true,
    ...(options.keepAliveSec === undefined ? {} : { keepAliveSec: options.keepAliveSec }),
  });
  return {
    p50Sec: p.percentile(0.5),
    p95Sec: p.percentile(0.95),
    p99Sec: p.percentile(0.99),
    costPerRequestUsd: p.costPerRequestUsd,
    service: describeVariability(served),
    coldStartProbability: p.coldStartProbability,
  };
}

/**
 * Runs a batching experiment in real time: gets the function ready
 * (`prepareFunction`: memory set, created on a local Lambda), feeds the
 * arrivals to a {@linkcode RealtimeBuffer} that invokes it once per batch,
 * samples the process's memory, waits for the batches in flight at the end (up
 * to `graceSec`), writes `run.json` with the summary and returns it, the
 * prediction and, with `collectRecords`, every record.
 *
 * With `adaptive`, an {@linkcode AdaptiveController} is told of every arrival
 * (its scheduled time) before the buffer takes it; its decisions go to
 * `decisions.jsonl` as they are taken; a change applies B and T to the buffer
 * at once ({@linkcode RealtimeBuffer.reconfigure}) and a new memory to the
 * function through `prepareFunction` without holding up the arrivals. The run
 * ends when the last update is done, so the function is left at the last
 * memory decided (unless its update failed: see the result's `adaptive`).
 *
 * With neither `endpoint` nor `aws`, a {@linkcode LocalLambda} is started
 * in-process on loopback (`maxLogEvents` 10,000), and stopped at the end
 * unless `keepLambda`. With `functionCode` it runs that handler module in its
 * Workers; the prediction then needs a `profile` of that code.
 *
 * @param options The arrivals, the batching, the function and where it runs.
 * @returns The summary, the prediction, the records, and where to find the logs.
 * @throws {RangeError} On an option out of range (before anything starts), a
 *   profile that does not cover the adaptive grid, or a batch whose payload
 *   could exceed Lambda's 6 MB, among them.
 * @throws {TypeError} On `arrivals` of the wrong kind, both `aws` and
 *   `endpoint`, `adaptive` without a grid or a profile, neither `profile` nor
 *   `functionCode`, or `functionCode` with `aws`, `endpoint`, `timeScale`,
 *   `jitterCv` or `coldStartSec` (`cpuModel` without it).
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
    functionCode,
    functionName = defaultFunctionName(functionCode),
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
    killSignal,
    onProgress,
    onWarning,
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
  const cpuModel = _checkFunctionCode(options, local);
  const payload = options.payload ?? idsBatchPayload();
  let concurrency = 1000, jitterCv = 0, updateSec = 0, coldStartSec = 0.25, keepAliveSec = 600;
  if (local) {
    concurrency = _positive("concurrency", options.concurrency ?? 1000, { integer: true });
    jitterCv = options.jitterCv ?? 0;
    if (!(jitterCv >= 0)) throw _invalid("jitterCv", "a number >= 0", jitterCv);
    coldStartSec = options.coldStartSec ?? (functionCode === undefined ? 0.25 : 0);
    if (!(coldStartSec >= 0 && coldStartSec < Infinity)) {
      throw _invalid("coldStartSec", "a number >= 0", coldStartSec);
    }
    keepAliveSec = options.keepAliveSec ?? 600;
    if (!(keepAliveSec >= 0)) throw _invalid("keepAliveSec", "a number >= 0", keepAliveSec);
    updateSec = options.updateSec ?? 0;
    if (!(updateSec >= 0)) throw _invalid("updateSec", "a number >= 0", updateSec);
  }
  let adaptiveConfig: ExperimentConfig["adaptive"], pollMs = 500;
  let controller: AdaptiveController | undefined;
  if (options.adaptive !== undefined) {
    if (profile === undefined) {
      throw new TypeError(
        "Cannot run the experiment as 'adaptive' needs a 'profile': the controller solves with it",
      );
    }
    const { pollMs: poll, ...settings } = _adaptiveSettings(options.adaptive, {
      profile,
      maxBatch,
      memoryMb,
      extrapolate: options.extrapolate ?? false,
    });
    adaptiveConfig = settings;
    pollMs = poll;
    // The controller checks the window, the margins and the SLO.
    controller = new AdaptiveController({
      ...settings,
      profile,
      pricing,
      // A profile's cold starts at the run's keep-alive (the in-process Lambda's, else 600 s).
      keepAliveSec,
      initial: { memoryMb, maxBatch, timeoutSec },
      startSec: 0,
    });
  }
  // Every batch the run can send must fit in Lambda's payload limit.
  checkPayloadFits(payload, Math.max(maxBatch, ...(adaptiveConfig?.grid.maxBatches ?? [])));
  const maxConnections = options.maxConnections === undefined
    ? connectionsNeeded({ maxInFlight, concurrency: local ? concurrency : undefined })
    : _positive("maxConnections", options.maxConnections, { integer: true });
  // A forced end stops the arrivals too.
  const stopSignal = signal && killSignal
    ? AbortSignal.any([signal, killSignal])
    : signal ?? killSignal;
  const sleep = options.sleep ?? _abortableSleep(stopSignal);

  let server: { url: string; close(): Promise<void> } | undefined;
  let lambda: LocalLambda | undefined;
  let client: LambdaClient | undefined;
  let pool: ConnectionPool | undefined;
  let files: _RunFiles | undefined;
  const closeFiles = () => {
    files?.log.close();
    files?.lambdaLog.close();
    files?.decisions?.close();
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
    // A function with code and no profile: the local Lambda still wants a default model.
    const served = profile ?? publishedProfile(PUBLISHED_PROFILE_NAMES[0]);
    if (local) {
      lambda = new LocalLambda({
        // The run's profile under its name (a file may reuse a published name),
        // the published ones under theirs, and the run's for any other MODEL.
        profileFor: (m) =>
          m !== served.name && (PUBLISHED_PROFILE_NAMES as readonly string[]).includes(m)
            ? publishedProfile(m)
            : served,
        defaultModel: served.name,
        prng: seededPrng(seed + 7),
        timeScale,
        concurrencyLimit: concurrency,
        // The in-process Lambda usually ends with the run, and lambda.log holds
        // every invocation's log tail: its CloudWatch face keeps only recent events.
        maxLogEvents: 10_000,
        jitterCv,
        initSec: coldStartSec,
        idleTimeoutSec: keepAliveSec,
        updateSec,
        extrapolate: options.extrapolate ?? false,
        cpuModel,
      });
      if (functionCode !== undefined) {
        // CodePath is this emulator's own field: the SDK would not carry it.
        lambda.createFunction({
          FunctionName: functionName,
          CodePath: functionCode,
          MemorySize: memoryMb,
          Timeout: 900,
        });
      }
      server = startLocalLambdaServer(lambda);
      endpoint = server.url;
    }
    pool = new ConnectionPool({ maxSockets: maxConnections });
    client = new LambdaClient({
      region,
      requestHandler: { httpAgent: pool.httpAgent, httpsAgent: pool.httpsAgent },
      ...(endpoint === undefined ? {} : { endpoint }),
      ...(aws ? {} : {
        credentials: options.credentials ?? { accessKeyId: "local", secretAccessKey: "local" },
      }),
      maxAttempts: 1,
    });
    // A function missing on a local Lambda (in-process or on loopback) is created.
    const loopback = isLoopbackEndpoint(endpoint);
    await prepareFunction(client, {
      functionName,
      memoryMb,
      model: served.name,
      create: local || loopback,
    });

    const config: ExperimentConfig = {
      arrivals: arrivalsDescription,
      maxBatch,
      timeoutSec,
      functionName,
      memoryMb,
      model: profile?.name,
      payload: payload.description,
      pricing: pricing.name,
      seed,
      requests,
      durationSec: Number.isFinite(durationSec) ? durationSec : undefined,
      target: aws ? "aws" : local ? "local Lambda (in-process)" : endpoint,
      timeScale: local ? timeScale : undefined,
      localLambda: local
        ? {
          concurrency,
          keepAliveSec,
          extrapolate: options.extrapolate ?? false,
          ...(functionCode === undefined
            ? { serviceCv: jitterCv, coldStartSec }
            : { functionCode, cpuModel }),
        }
        : undefined,
      ...(adaptiveConfig ? { adaptive: adaptiveConfig } : {}),
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
        decisions: controller === undefined ? undefined : Deno.openSync(`${out}/decisions.jsonl`, {
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
    // Requests of warm batches apart: the model has no cold starts. A batch's
    // requests come just before it, so they wait here for its init duration.
    const warmHistogram = new LatencyHistogram();
    let batchLatencies: number[] = [];
    let coldBatches = 0;
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
        if (r.status === "ok") {
          histogram.add(r.latencySec);
          batchLatencies.push(r.latencySec);
        }
        files?.log.request(r);
        records?.requests.push({ ...r });
        userSink?.request?.(r);
      },
      batch(b) {
        if (ended) return;
        if (b.initDurationMs > 0) coldBatches++;
        else if (b.status === "ok") { for (const x of batchLatencies) warmHistogram.add(x); }
        batchLatencies = [];
        files?.log.batch(b);
        if (flushEachBatch) files?.log.flush();
        records?.batches.push({ ...b });
        userSink?.batch?.(b);
      },
    };
    const inner = lambdaDispatcher({
      functionName,
      payloadFor: payload.payloadFor,
      prng: seededPrng(seed + 3),
      invoke: (i) => client!.send(new InvokeCommand(i)),
      clientWait: pool,
      signal: killSignal,
    });
    const warnings: string[] = [];
    const clientQueueWarning = () =>
      `${buffer.stats.clientQueuedBatches} batch(es) waited in the client for a connection ` +
      `(all ${maxConnections} busy; longest wait ${buffer.stats.clientWaitMaxMs.toFixed(1)} ms): ` +
      `their latencies include that wait; allow more connections (maxConnections, --max_connections)`;
    let warnedClientQueue = false;
    const encoder = new TextEncoder();
    const dispatcher: Dispatcher = {
      async dispatch(batch) {
        const o = await inner.dispatch(batch);
        if (o.clientQueued && !warnedClientQueue) {
          // As it happens, once; the summary counts them all.
          warnedClientQueue = true;
          onWarning?.(
            `batch ${batch.batchId} waited ${o.clientWaitMs.toFixed(1)} ms in the client for a ` +
              `connection (all ${maxConnections} busy): allow more with maxConnections (--max_connections)`,
          );
        }
        if (files !== undefined && o.logTail) {
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

    // Adaptive: B and T change at once; memory through the function's
    // configuration, one update at a time, in the background (the arrivals and
    // the batches go on at the old memory until Lambda reports it done).
    const reconfigurations: ExperimentReconfiguration[] = [];
    const memoryUpdates: FunctionMemoryUpdate[] = [];
    let functionMemoryMb = memoryMb, wantedMemoryMb = memoryMb;
    let updating: Promise<void> | undefined;
    const updateMemory = async () => {
      try {
        while (wantedMemoryMb !== functionMemoryMb) {
          const u: FunctionMemoryUpdate = {
            fromMb: functionMemoryMb,
            toMb: wantedMemoryMb,
            requestedSec: clock.nowSec(),
            doneSec: NaN,
            status: "in progress",
            error: "",
          };
          memoryUpdates.push(u);
          try {
            await prepareFunction(client!, {
              functionName,
              memoryMb: u.toMb,
              model: served.name,
              create: false,
              pollMs,
            });
            u.status = "done";
            functionMemoryMb = u.toMb;
            buffer.memoryMb = u.toMb;
          } catch (e) {
            // The run goes on at the memory the function has; the failure is on record.
            u.status = "failed";
            u.error = `${(e as Error)?.name ?? "Error"}: ${(e as Error)?.message ?? e}`;
            if (wantedMemoryMb === u.toMb) break;
          } finally {
            u.doneSec = clock.nowSec();
          }
        }
      } finally {
        updating = undefined;
      }
    };
    const writeLine = (file: Deno.FsFile, x: unknown) => {
      const bytes = encoder.encode(JSON.stringify(x) + "\n");
      for (let off = 0; off < bytes.length;) off += file.writeSync(bytes.subarray(off));
    };
    let logged = 0;
    const adapt = (t: number) => {
      const change = controller!.onArrival(t);
      const decisions = controller!.decisions;
      for (; logged < decisions.length; logged++) {
        // One whole line per decision, on disk at once (a stopped run keeps them all).
        if (files?.decisions) writeLine(files.decisions, decisions[logged]);
      }
      if (change === undefined) return;
      const c: BufferConfiguration = { ...controller!.config };
      reconfigurations.push({
        window: decisions[decisions.length - 1].window,
        arrivalSec: t,
        appliedSec: clock.nowSec(),
        ...c,
      });
      buffer.reconfigure({ maxBatch: c.maxBatch, timeoutSec: c.timeoutSec });
      wantedMemoryMb = c.memoryMb;
      // An update in progress takes up the new memory when it is done.
      if (updating === undefined && wantedMemoryMb !== functionMemoryMb) updating = updateMemory();
    };

    // Arrivals in real time: the times are seconds from the run's start.
    const startedAtMs = now() - clock.nowSec() * 1000;
    let n = 0;
    for (;;) {
      if (stopSignal?.aborted || (requests !== undefined && n >= requests)) break;
      const t = nextArrival();
      if (!(t < Infinity) || t > durationSec) break;
      const wait = t - clock.nowSec();
      if (wait > 0.001) await sleep(wait * 1000);
      if (stopSignal?.aborted) break;
      // The controller sees the scheduled times, so its decisions do not
      // depend on the timers' jitter.
      if (controller) adapt(t);
      buffer.arrive();
      n++;
    }
    const drainUpdates = async () => {
      while (updating) await updating;
    };
    // A forced end gives up what is queued or in flight, now or when it comes.
    let killed = false;
    const kill = new Promise<boolean>((resolve) => {
      if (killSignal?.aborted) resolve(false);
      killSignal?.addEventListener("abort", () => resolve(false), { once: true });
    });
    const finished = await Promise.race([
      Promise.all([buffer.shutdown(graceSec), drainUpdates()]).then(([f]) => f),
      kill,
    ]);
    if (killSignal?.aborted) {
      killed = true;
      buffer.abandon();
    }
    ended = true;
    timers.forEach(clearInterval);
    sampleMemory();
    signal?.removeEventListener("abort", onAbort);
    closeFiles();
    const endedAtMs = now();
    const interrupted = signal?.aborted === true || killed;
    const s = buffer.stats;
    if (s.clientQueuedBatches > 0) warnings.push(clientQueueWarning());
    const summary: ExperimentSummary = {
      requests: s.requests,
      completed: s.completed,
      failed: s.failed,
      abandoned: s.abandoned,
      unfinished: s.requests - s.completed - s.failed - s.abandoned,
      batches: s.batches,
      meanBatchSize: s.requests / s.batches,
      dispatchReasons: { ...s.dispatchReasons },
      latencySec: {
        p50: histogram.quantile(0.5),
        p95: histogram.quantile(0.95),
        p99: histogram.quantile(0.99),
        mean: histogram.meanSec,
      },
      coldStartBatches: coldBatches,
      warmLatencySec: {
        p50: warmHistogram.quantile(0.5),
        p95: warmHistogram.quantile(0.95),
        p99: warmHistogram.quantile(0.99),
        mean: warmHistogram.meanSec,
      },
      costPerRequestUsd: s.totalCostUsd / s.requests,
      timeoutLatenessP99Sec: s.timeoutLateness.count ? s.timeoutLateness.quantile(0.99) : NaN,
      client: {
        connections: maxConnections,
        queuedBatches: s.clientQueuedBatches,
        maxWaitMs: s.clientWaitMaxMs,
      },
      warnings,
      interrupted,
      elapsedSec: clock.nowSec(),
      rssMb: memory.at(-1)!.rssMb,
      heapUsedMb: memory.at(-1)!.heapUsedMb,
      memory,
    };
    let adaptiveRun: AdaptiveRun | undefined;
    if (controller) {
      const decisions = [...controller.decisions];
      summary.adaptive = {
        windows: decisions.length,
        changes: decisions.filter((d) => d.changed).length,
      };
      adaptiveRun = { decisions, reconfigurations, memoryUpdates };
    }
    const prediction = map && profile !== undefined && (!local || timeScale === 1) && !controller
      ? predictExperiment(map, profile, {
        maxBatch,
        timeoutSec,
        memoryMb,
        pricing,
        jitterCv,
        keepAliveSec,
      })
      : undefined;
    const status: ExperimentStatus = killed
      ? "killed"
      : finished
      ? (interrupted ? "interrupted" : "done")
      : "grace period expired";
    if (out !== undefined) {
      writeRunJson(out, {
        status,
        config,
        versions: { deno: Deno.version.deno },
        summary,
        prediction,
        ...(adaptiveRun
          ? {
            adaptive: {
              reconfigurations: adaptiveRun.reconfigurations,
              memoryUpdates: adaptiveRun.memoryUpdates,
            },
          }
          : {}),
      });
    }
    keep = keepLambda;
    const kept = keep ? server : undefined;
    let closing: Promise<void> | undefined;
    // A killed run does not wait for the invocations it gave up.
    const close = () => killed ? (kept?.close(), Promise.resolve()) : kept?.close();
    return {
      status,
      summary,
      prediction,
      config,
      adaptive: adaptiveRun,
      records,
      out,
      endpoint: aws ? undefined : endpoint,
      region,
      functionName,
      startedAtMs,
      endedAtMs,
      lambda: keep ? lambda : undefined,
      close: () => (closing ??= close() ?? Promise.resolve()),
    };
  } catch (e) {
    closeFiles();
    throw e;
  } finally {
    timers.forEach(clearInterval);
    signal?.removeEventListener("abort", onAbort);
    client?.destroy();
    pool?.destroy();
    if (!keep) {
      // After a forced end, the server is not waited for (its invocations were given up).
      if (killSignal?.aborted) server?.close();
      else await server?.close();
    }
  }
}

/**
 * Discrete-event simulation of the BATCH buffer in virtual time: arrivals from
 * a stream, the {@linkcode BatchingPolicy} of the real buffer, infinite
 * concurrency as Lambda scales out, service times drawn from the profile's
 * distributions (`serviceDistributions` of `lib/profile/service_distribution.ts`,
 * the definition the exact model convolves with: deterministic, or the
 * profile's `variability`, or a coefficient of variation given here), cold
 * starts when asked, costs from a pricing. Records go to injected sinks with
 * the schema of the buffer's logs; a summary is returned.
 *
 * @module
 */

import type { ArrivalStream } from "../arrivals/streams.ts";
import { billedDurationSec, type Pricing } from "../profile/pricing.ts";
import {
  describeVariability,
  type ServiceDistribution,
  serviceDistributions,
  withServiceCv,
} from "../profile/service_distribution.ts";
import type { ServiceProfile } from "../profile/service_profile.ts";
import type { Prng } from "../random/prng.ts";
import { BatchingPolicy, type DispatchedBatch, type DispatchReason } from "./batching_policy.ts";
import { LatencyHistogram } from "./latency_histogram.ts";

/**
 * How a request or a batch ended: `ok`, `failed` (with the reason in `error`),
 * or `abandoned`: still waiting or in flight when the buffer was forced to
 * exit (a second signal), so its outcome is unknown.
 */
export type RecordStatus = "ok" | "failed" | "abandoned";

/** The values of {@linkcode RecordStatus}. */
export const RECORD_STATUSES: readonly RecordStatus[] = ["ok", "failed", "abandoned"];

/** One request's record (the columns of `requests.csv`). */
export interface RequestRecord {
  requestId: number;
  arrivalSec: number;
  dispatchSec: number;
  completionSec: number;
  latencySec: number;
  batchId: number;
  batchSize: number;
  status: RecordStatus;
  error: string;
}

/** One batch's record (the columns of `batches.csv`). */
export interface BatchRecord {
  batchId: number;
  size: number;
  firstArrivalSec: number;
  deadlineSec: number;
  dispatchSec: number;
  dispatchReason: DispatchReason;
  completionSec: number;
  /** Completion minus the first arrival: the latency of the batch's first request. */
  latencySec: number;
  durationMs: number;
  billedDurationMs: number;
  /** Cold-start initialisation, ms (0 when warm). */
  initDurationMs: number;
  memorySizeMb: number;
  /** Not known to the simulator: NaN. */
  maxMemoryUsedMb: number;
  /**
   * How long the invocation waited in the client for a connection before it
   * was sent, ms, over all its attempts (see `lib/buffer/connection_pool.ts`);
   * NaN where nothing measured it (the simulator, an in-process dispatcher).
   */
  clientWaitMs: number;
  costUsd: number;
  status: RecordStatus;
  error: string;
}

/** Where records go; both optional. Records are reused objects: copy what you keep. */
export interface RecordSink {
  request?(record: Readonly<RequestRecord>): void;
  batch?(record: Readonly<BatchRecord>): void;
}

/** Cold starts: an instance idle longer than `keepAliveSec` is gone. */
export interface ColdStartModel {
  /** Initialisation time of a new instance, seconds. */
  initSec: number;
  /** How long an idle instance stays warm, seconds. */
  keepAliveSec: number;
  /** Whether the initialisation is billed. @default {false} */
  billed?: boolean;
}

/** A change of configuration while the buffer runs; fields left out stay. */
export interface Reconfiguration {
  maxBatch?: number;
  timeoutSec?: number;
  memoryMb?: number;
}

/**
 * Reconfigures the buffer as it runs (an adaptive controller): told of every
 * arrival before the buffer takes it, it may answer with a new configuration,
 * which applies from that moment (the open batch included; a memory change
 * retires the warm instances, as a Lambda configuration update does).
 */
export interface AdaptHook {
  onArrival(arrivalSec: number): Reconfiguration | undefined;
}

/** Options of {@linkcode simulateBuffer}. */
export interface SimulationOptions {
  /** Max batch size B. */
  maxBatch: number;
  /** Timeout T from the first request of a batch, seconds. */
  timeoutSec: number;
  /** Lambda memory, MB. */
  memoryMb: number;
  /**
   * Service-time profile S(batch, memory). Its `variability`, if any, is the
   * distribution of each batch's duration (then `prng` is needed); without one
   * every batch of k takes S(k, m) exactly.
   */
  profile: ServiceProfile;
  /** Pricing for the cost. */
  pricing: Pricing;
  /** Allow the profile outside its fitted range. @default {false} */
  extrapolate?: boolean;
  /** Stop after this many requests. */
  requests?: number;
  /** Stop arrivals at this time, seconds (the partial batch is dispatched then). */
  durationSec?: number;
  /**
   * Above 0, overrides the profile's variability: the service time of a batch
   * of k is `serviceDistribution` with mean S(k, m) and this coefficient of
   * variation (`withServiceCv`). Needs `prng`. 0 leaves the profile as it is
   * (its own `variability`, or deterministic). @default {0}
   */
  serviceCv?: number;
  /**
   * Shape of the service time `serviceCv` sets: gamma, or lognormal (as the
   * local Lambda's jitter); unused when `serviceCv` is 0. @default {"gamma"}
   */
  serviceDistribution?: "gamma" | "lognormal";
  /** Cold starts (needs nothing random). @default {undefined: always warm} */
  coldStart?: ColdStartModel;
  /** Random numbers for the service times (needed when they vary). */
  prng?: Prng;
  /** Record sinks. */
  sink?: RecordSink;
  /** Reconfigures the buffer as it runs (see {@linkcode AdaptHook}). */
  adapt?: AdaptHook;
  /** Keep every latency (for exact empirical CDFs). @default {false} */
  keepLatencies?: boolean;
  /**
   * Called every `progressEvery` requests with the count so far and the
   * simulated time of the latest arrival, seconds (for progress toward a
   * duration or the end of a finite stream).
   */
  onProgress?: (requests: number, arrivalSec: number) => void;
  /** @default {1_000_000} */
  progressEvery?: number;
}

/** What a simulation measured. */
export interface SimulationSummary {
  requests: number;
  batches: number;
  meanBatchSize: number;
  /** Batches of each size, index `k - 1`. */
  batchSizeCounts: Float64Array;
  dispatchReasons: Record<DispatchReason, number>;
  /** Latency statistics, seconds (quantiles to 0.01 %, see LatencyHistogram). */
  latencySec: { p50: number; p95: number; p99: number; mean: number; max: number };
  /**
   * Latencies of the requests of batches that started warm, seconds: what the
   * model, which has no cold starts, predicts (all requests without
   * `coldStart`; NaN when every batch started cold).
   */
  warmLatencySec: { p50: number; p95: number; p99: number; mean: number };
  /** Total cost over requests, USD. */
  costPerRequestUsd: number;
  totalCostUsd: number;
  /** Batches whose invocation started cold (0 without `coldStart`). */
  coldStarts: number;
  /** Simulated time from the first arrival to the last completion, seconds. */
  spanSec: number;
  /** Every latency in arrival order, when `keepLatencies`. */
  latencies?: Float64Array;
}

/** Idle instances for the cold-start model (most recently freed reused first). */
class InstancePool {
  #busyUntil: number[] = []; // min-heap of completion times of busy instances
  #idleSince: number[] = []; // stack: idle instances, latest freed on top
  constructor(readonly keepAliveSec: number) {}

  /**
   * Takes an instance at time `t` and holds it until `busyUntil(warm)`;
   * returns whether it was warm (a cold one is held for its Init too).
   */
  acquire(t: number, busyUntil: (warm: boolean) => number): boolean {
    // Instances that finished by t become idle (in completion order).
    const heap = this.#busyUntil;
    while (heap.length > 0 && heap[0] <= t) this.#idleSince.push(heapPop(heap));
    let warm = false;
    const idle = this.#idleSince;
    while (idle.length > 0) {
      const since = idle.pop()!;
      if (t - since <= this.keepAliveSec) {
        warm = true;
        break;
      }
      // The most recent idle one is too old: all below it are older.
      idle.length = 0;
    }
    heapPush(heap, busyUntil(warm));
    return warm;
  }
}

function heapPush(h: number[], x: number): void {
  h.push(x);
  let i = h.length - 1;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (h[p] <= x) break;
    h[i] = h[p];
    i = p;
  }
  h[i] = x;
}

function heapPop(h: number[]): number {
  const top = h[0], last = h.pop()!;
  if (h.length > 0) {
    let i = 0;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let s = i, sv = last;
      if (l < h.length && h[l] < sv) {
        s = l;
        sv = h[l];
      }
      if (r < h.length && h[r] < sv) s = r;
      if (s === i) break;
      h[i] = h[s];
      i = s;
    }
    h[i] = last;
  }
  return top;
}

/**
 * Simulates the buffer on an arrival stream until the stream ends, `requests`
 * requests have arrived, or `durationSec` has passed.
 *
 * @param arrivals The arrival stream (absolute times, seconds).
 * @param options Batching, function, pricing, limits and sinks.
 * @returns The summary.
 * @throws {RangeError} On bad options, and on random service times (a
 *   `serviceCv` above 0 or a profile with `variability`) without a `prng`. An
 *   endless stream needs `requests` or `durationSec`.
 * @throws {ProfileRangeError} Outside the profile's fitted range without `extrapolate`.
 */
export function simulateBuffer(
  arrivals: ArrivalStream,
  options: SimulationOptions,
): SimulationSummary {
  const {
    maxBatch,
    timeoutSec,
    profile,
    pricing,
    extrapolate = false,
    requests: maxRequests = Infinity,
    durationSec = Infinity,
    serviceCv = 0,
    serviceDistribution = "gamma",
    coldStart,
    prng,
    sink,
    keepLatencies = false,
    onProgress,
    progressEvery = 1_000_000,
    adapt,
  } = options;
  let memoryMb = options.memoryMb;
  if (!(maxRequests > 0)) {
    throw new RangeError(`Cannot simulate ${maxRequests} requests: expected a count > 0`);
  }
  if (!(durationSec > 0)) {
    throw new RangeError(`Cannot simulate for ${durationSec} s: expected a duration > 0`);
  }
  if (!(serviceCv >= 0)) throw new RangeError(`Cannot use service CV ${serviceCv}: expected >= 0`);
  if (serviceCv > 0 && !prng) {
    throw new RangeError("Cannot draw random service times without a prng");
  }
  // The override, or the profile's own variability (or none: deterministic).
  const effective = serviceCv > 0
    ? withServiceCv(profile, serviceCv, serviceDistribution)
    : profile;
  if (effective.variability !== undefined && !prng) {
    throw new RangeError(
      `Cannot draw random service times without a prng: profile '${profile.name}' varies ` +
        `(${describeVariability(profile)})`,
    );
  }
  const policy = new BatchingPolicy({ maxBatch, timeoutSec });
  // Service-time distributions of batch sizes 1..service.length at the current memory (index k - 1).
  const distributions = (sizes: number) =>
    serviceDistributions(effective, sizes, memoryMb, { extrapolate });
  let service: ServiceDistribution[] = distributions(maxBatch);
  let memGb = memoryMb / 1024;
  let pool = coldStart ? new InstancePool(coldStart.keepAliveSec) : undefined;
  const histogram = new LatencyHistogram();
  // Requests of warm batches apart, when there are cold starts at all.
  const warmHistogram = coldStart ? new LatencyHistogram() : histogram;
  let sizeCounts = new Float64Array(maxBatch);
  const reasons: Record<DispatchReason, number> = { size: 0, timeout: 0, shutdown: 0 };
  let latencies = keepLatencies ? new Float64Array(1 << 16) : undefined;
  let n = 0, totalCost = 0, coldStarts = 0, firstArrival = NaN, lastCompletion = -Infinity;
  const req: RequestRecord = {
    requestId: 0,
    arrivalSec: 0,
    dispatchSec: 0,
    completionSec: 0,
    latencySec: 0,
    batchId: 0,
    batchSize: 0,
    status: "ok",
    error: "",
  };
  const bat: BatchRecord = {
    batchId: 0,
    size: 0,
    firstArrivalSec: 0,
    deadlineSec: 0,
    dispatchSec: 0,
    dispatchReason: "size",
    completionSec: 0,
    latencySec: 0,
    durationMs: 0,
    billedDurationMs: 0,
    initDurationMs: 0,
    memorySizeMb: memoryMb,
    maxMemoryUsedMb: NaN,
    clientWaitMs: NaN,
    costUsd: 0,
    status: "ok",
    error: "",
  };

  const complete = (b: DispatchedBatch) => {
    const k = b.size;
    if (k > sizeCounts.length) {
      const bigger = new Float64Array(k);
      bigger.set(sizeCounts);
      sizeCounts = bigger;
    }
    // A reconfiguration recomputes the distributions for every size it allows; should a
    // batch still be larger (as sizeCounts allows), it gets its size's distribution too.
    if (k > service.length) service = distributions(k);
    const d = service[k - 1];
    const durationSec = d.kind === "deterministic" ? d.meanSec : d.sample(prng!);
    let initSec = 0;
    if (pool) {
      // A warm instance is busy for the service only, a cold one for Init and the service.
      const init = coldStart!.initSec;
      const warm = pool.acquire(b.dispatchSec, (w) => b.dispatchSec + (w ? 0 : init) + durationSec);
      if (!warm) {
        initSec = coldStart!.initSec;
        coldStarts++;
      }
    }
    const completion = b.dispatchSec + initSec + durationSec;
    const billedSec = billedDurationSec(
      pricing,
      durationSec + (coldStart?.billed ? initSec : 0),
    );
    const cost = billedSec * memGb * pricing.usdPerGbSecond + pricing.usdPerRequest;
    totalCost += cost;
    sizeCounts[k - 1]++;
    reasons[b.reason]++;
    if (completion > lastCompletion) lastCompletion = completion;
    for (let i = 0; i < k; i++) {
      const latency = completion - b.arrivalsSec[i];
      histogram.add(latency);
      if (initSec === 0 && warmHistogram !== histogram) warmHistogram.add(latency);
      if (latencies) {
        const id = b.requestIds[i];
        if (id >= latencies.length) {
          const bigger = new Float64Array(latencies.length * 2);
          bigger.set(latencies);
          latencies = bigger;
        }
        latencies[id] = latency;
      }
      if (sink?.request) {
        req.requestId = b.requestIds[i];
        req.arrivalSec = b.arrivalsSec[i];
        req.dispatchSec = b.dispatchSec;
        req.completionSec = completion;
        req.latencySec = latency;
        req.batchId = b.batchId;
        req.batchSize = k;
        sink.request(req);
      }
    }
    if (sink?.batch) {
      bat.batchId = b.batchId;
      bat.size = k;
      bat.firstArrivalSec = b.firstArrivalSec;
      bat.deadlineSec = b.deadlineSec;
      bat.dispatchSec = b.dispatchSec;
      bat.dispatchReason = b.reason;
      bat.completionSec = completion;
      bat.latencySec = completion - b.firstArrivalSec;
      bat.durationMs = durationSec * 1000;
      bat.billedDurationMs = billedSec * 1000;
      bat.initDurationMs = initSec * 1000;
      bat.costUsd = cost;
      sink.batch(bat);
    }
  };

  let endSec = Infinity;
  for (;;) {
    if (n >= maxRequests) break;
    const t = arrivals.next();
    if (!(t < Infinity)) break;
    if (Number.isNaN(firstArrival)) {
      firstArrival = t;
      if (Number.isFinite(durationSec)) endSec = t + durationSec;
    }
    if (t > endSec) break;
    while (policy.pending > 0 && t >= policy.deadlineSec) {
      complete(policy.dispatch("timeout", policy.deadlineSec));
    }
    const change = adapt?.onArrival(t);
    if (change !== undefined) {
      const b = change.maxBatch ?? policy.maxBatch, tt = change.timeoutSec ?? policy.timeoutSec;
      policy.reconfigure({ maxBatch: b, timeoutSec: tt });
      const memoryChanged = change.memoryMb !== undefined && change.memoryMb !== memoryMb;
      if (memoryChanged) {
        memoryMb = change.memoryMb!;
        memGb = memoryMb / 1024;
        bat.memorySizeMb = memoryMb;
        // A configuration update retires the warm instances.
        if (coldStart) pool = new InstancePool(coldStart.keepAliveSec);
      }
      // Service times for every size a batch may now have (the open one may exceed a smaller B).
      if (memoryChanged || b !== service.length) {
        service = distributions(Math.max(b, policy.pending));
      }
      if (policy.pending >= b) complete(policy.dispatch("size", t));
      else if (policy.pending > 0 && t >= policy.deadlineSec) {
        complete(policy.dispatch("timeout", t));
      }
    }
    if (policy.arrive(n, t)) complete(policy.dispatch("size", t));
    n++;
    if (onProgress && n % progressEvery === 0) onProgress(n, t);
  }
  if (policy.pending > 0) {
    // The run ends: a batch whose deadline falls within the run times out as usual;
    // one still open when arrivals stop is flushed at the end of the run.
    const deadline = policy.deadlineSec;
    if (deadline <= endSec || !Number.isFinite(endSec)) {
      complete(policy.dispatch("timeout", deadline));
    } else complete(policy.dispatch("shutdown", endSec));
  }
  const batches = policy.dispatched;
  return {
    requests: n,
    batches,
    meanBatchSize: n / batches,
    batchSizeCounts: sizeCounts,
    dispatchReasons: reasons,
    latencySec: {
      p50: histogram.quantile(0.5),
      p95: histogram.quantile(0.95),
      p99: histogram.quantile(0.99),
      mean: histogram.meanSec,
      max: histogram.quantile(1),
    },
    warmLatencySec: {
      p50: warmHistogram.quantile(0.5),
      p95: warmHistogram.quantile(0.95),
      p99: warmHistogram.quantile(0.99),
      mean: warmHistogram.meanSec,
    },
    costPerRequestUsd: totalCost / n,
    totalCostUsd: totalCost,
    coldStarts,
    spanSec: n > 0 ? lastCompletion - firstArrival : 0,
    latencies: latencies?.slice(0, n),
  };
}

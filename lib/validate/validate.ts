/**
 * The model's accuracy, measured: the analytic latency CDF of both methods
 * against a simulation of the buffer on the same MAP, with the paper's error
 * measure (mean absolute percentage error of the percentiles 1..99, as
 * solver.py's printError), the errors at p50, p95 and p99, the Kolmogorov
 * distance of the CDFs and the total-variation distance of the batch-size
 * distributions.
 *
 * @module
 */

import { mapArrivals } from "../arrivals/streams.ts";
import type { MapProcess } from "../map/map_process.ts";
import { exactBatchStateFor, exactLatencyCdf, exactLatencyPercentile } from "../model/exact.ts";
import { float32Map, paperLatencyCdf, paperSizeDistributions, paperTau } from "../model/paper.ts";
import { type Pricing, pricing as pricingByName } from "../profile/pricing.ts";
import { type ServiceProfile, serviceTimesSec } from "../profile/service_profile.ts";
import { seededPrng } from "../random/prng.ts";
import { simulateBuffer } from "../sim/simulator.ts";

/** One configuration to validate. */
export interface ValidationCase {
  /** A name for tables, e.g. "nys hour 8". */
  label: string;
  map: MapProcess;
  maxBatch: number;
  timeoutSec: number;
  memoryMb: number;
  profile: ServiceProfile;
}

/** Options of {@linkcode validateCase}. */
export interface ValidationOptions {
  /** Simulated requests (at least; see `minBatches`). @default {2_000_000} */
  requests?: number;
  /**
   * Simulate at least this many batches (the runs are sized with the exact
   * model's mean batch size), since batches, not requests, are the nearly
   * independent units: the noise of the batch-size distribution's total
   * variation falls as one over the square root of this. @default {0}
   */
  minBatches?: number;
  /** Seed of the simulation. @default {1} */
  seed?: number;
  /** @default {pricing("paper")} */
  pricing?: Pricing;
  /** @default {false} */
  extrapolate?: boolean;
}

/** Why a percentile's error is not meaningful at the simulation's resolution. */
export type PercentileFlag = "atom" | "flat";

/** One method's errors against the simulation. */
export interface MethodErrors {
  /** Mean of |model - simulated| / simulated over the percentiles 1..99, in %. */
  mapePct: number;
  /** Relative errors at p50, p95, p99, in %. */
  p50ErrPct: number;
  p95ErrPct: number;
  p99ErrPct: number;
  /** The model's p50, p95, p99, seconds. */
  p50Sec: number;
  p95Sec: number;
  p99Sec: number;
  /** sup |F_model - F_simulated|. */
  kolmogorov: number;
  /** Total variation distance of the batch-size distributions. */
  batchSizeTv: number;
}

/** The validation of one case. */
export interface ValidationResult {
  label: string;
  maxBatch: number;
  timeoutSec: number;
  memoryMb: number;
  model: string;
  simulated: {
    requests: number;
    batches: number;
    p50Sec: number;
    p95Sec: number;
    p99Sec: number;
    meanBatchSize: number;
  };
  exact: MethodErrors;
  paper: MethodErrors;
  /**
   * Percentiles where the exact CDF has an atom or a flat stretch at that level
   * (within three standard errors of the simulation), so that a 1 % error in
   * latency is not resolvable there.
   */
  flags: { p50?: PercentileFlag; p95?: PercentileFlag; p99?: PercentileFlag };
}

/** Smallest `w` with `cdf(w) >= p` for a nondecreasing `cdf`, by bisection to 1e-12 s. */
function invert(cdf: (w: number) => number, p: number, hi: number): number {
  let lo = 0;
  while (cdf(hi) < p) hi *= 2;
  while (hi - lo > 1e-12 * Math.max(1, hi)) {
    const mid = 0.5 * (lo + hi);
    if (cdf(mid) >= p) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** Empirical (type 1) quantile of sorted values. */
function quantileSorted(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

/**
 * Kolmogorov distance between a model CDF and the empirical CDF of sorted
 * values. Values within `eps` of each other count as equal, so a sample that
 * rounding put a hair below one of the model's atoms is not a discrepancy.
 */
function kolmogorov(
  sorted: Float64Array,
  right: (w: number) => number,
  left: (w: number) => number,
  eps: number,
): number {
  const n = sorted.length;
  let d = 0, i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && sorted[j + 1] - sorted[i] <= eps) j++;
    const x = sorted[i];
    d = Math.max(
      d,
      Math.abs(right(sorted[j] + eps) - (j + 1) / n),
      Math.abs(left(x - eps) - i / n),
    );
    i = j + 1;
  }
  return d;
}

function errors(
  sorted: Float64Array,
  simSizes: Float64Array,
  modelSizes: ArrayLike<number>,
  percentile: (p: number) => number,
  right: (w: number) => number,
  left: (w: number) => number,
): MethodErrors {
  let ape = 0;
  for (let i = 1; i <= 99; i++) {
    const q = quantileSorted(sorted, i / 100);
    ape += Math.abs(percentile(i / 100) - q) / q;
  }
  const at = (p: number) => {
    const model = percentile(p), sim = quantileSorted(sorted, p);
    return { model, err: 100 * Math.abs(model - sim) / sim };
  };
  const p50 = at(0.5), p95 = at(0.95), p99 = at(0.99);
  let tv = 0;
  for (let k = 0; k < simSizes.length; k++) tv += Math.abs((modelSizes[k] ?? 0) - simSizes[k]);
  return {
    mapePct: ape,
    p50ErrPct: p50.err,
    p95ErrPct: p95.err,
    p99ErrPct: p99.err,
    p50Sec: p50.model,
    p95Sec: p95.model,
    p99Sec: p99.model,
    kolmogorov: kolmogorov(sorted, right, left, 1e-9),
    batchSizeTv: tv / 2,
  };
}

/**
 * The service times S(1), ..., S(`maxBatch`) a validation uses, checked for
 * both methods: each finite and > 0, and none below the one before (the
 * paper method's latency CDF needs them sorted by batch size).
 *
 * @param profile The service-time profile.
 * @param maxBatch Largest batch size B.
 * @param memoryMb Lambda memory, MB.
 * @param options Whether to evaluate the profile outside its fitted range.
 * @returns S(k) at index k - 1, seconds.
 * @throws {ProfileRangeError} If `memoryMb` or `maxBatch` lies outside the
 *   profile's fitted range and `options.extrapolate` is not set.
 * @throws {RangeError} Naming the profile, the memory and the batch size where a
 *   time is not positive or falls below the one before.
 *
 * @example A profile whose time turns negative
 * ```ts
 * import assert from "node:assert/strict";
 * import { profileFromJson } from "../profile/service_profile.ts";
 *
 * const profile = profileFromJson({
 *   name: "falling",
 *   terms: ["1", "k"],
 *   coefficients: [0.5, -0.2],
 *   memoryRangeMb: [128, 10240],
 *   batchRange: [1, 20],
 * });
 * assert.deepEqual([...validationServiceTimesSec(profile, 1, 3008)], [0.3]);
 * assert.throws(() => validationServiceTimesSec(profile, 5, 3008), {
 *   name: "RangeError",
 *   message: "Cannot validate profile 'falling' at 3008 MB: it gives batch 3 a service time " +
 *     "of -0.1 s, and times must be > 0",
 * });
 * assert.throws(() => validationServiceTimesSec(profile, 2, 3008), {
 *   name: "RangeError",
 *   message: "Cannot validate profile 'falling' at 3008 MB: it gives batch 2 a service time " +
 *     "of 0.1 s, below the 0.3 s of batch 1, and the paper method needs times that do not " +
 *     "fall with the batch size",
 * });
 * ```
 */
export function validationServiceTimesSec(
  profile: ServiceProfile,
  maxBatch: number,
  memoryMb: number,
  options: { extrapolate?: boolean } = {},
): Float64Array {
  const times = serviceTimesSec(profile, maxBatch, memoryMb, options);
  const what = `Cannot validate profile '${profile.name}' at ${memoryMb} MB`;
  const at = (k: number) =>
    `it gives batch ${k + 1} a service time of ${+times[k].toPrecision(4)} s`;
  const bad = times.findIndex((s) => !(s > 0 && Number.isFinite(s)));
  if (bad >= 0) throw new RangeError(`${what}: ${at(bad)}, and times must be > 0`);
  for (let k = 1; k < times.length; k++) {
    if (times[k] < times[k - 1]) {
      throw new RangeError(
        `${what}: ${at(k)}, below the ${+times[k - 1].toPrecision(4)} s of batch ${k}, and ` +
          "the paper method needs times that do not fall with the batch size",
      );
    }
  }
  return times;
}

/**
 * Validates both methods on one case against a simulation of
 * `options.requests` requests.
 *
 * @param c The MAP and configuration.
 * @param options Sample size, seed, pricing.
 * @returns Errors of both methods, the simulated percentiles and flags.
 * @throws {ProfileRangeError} If the memory or the max batch lies outside the
 *   profile's fitted range and `options.extrapolate` is not set.
 * @throws {RangeError} Before simulating, if the profile's times do not suit a
 *   validation (see {@linkcode validationServiceTimesSec}).
 */
export function validateCase(c: ValidationCase, options: ValidationOptions = {}): ValidationResult {
  const { seed = 1, extrapolate = false, minBatches = 0 } = options;
  const price = options.pricing ?? pricingByName("paper");
  const { maxBatch: b, timeoutSec: t, memoryMb, profile } = c;
  const service = validationServiceTimesSec(profile, b, memoryMb, { extrapolate });
  const state = exactBatchStateFor(c.map, b, t);
  const requests = Math.max(
    options.requests ?? 2_000_000,
    Math.ceil(minBatches * state.meanBatchSize),
  );
  const sim = simulateBuffer(mapArrivals(c.map, { prng: seededPrng(seed) }), {
    maxBatch: b,
    timeoutSec: t,
    memoryMb,
    profile,
    pricing: price,
    extrapolate,
    requests,
    keepLatencies: true,
  });
  const sorted = sim.latencies!.sort();
  const simSizes = sim.batchSizeCounts.map((x) => x / sim.batches);

  const exactRight = (w: number) => exactLatencyCdf(state, service, w);
  const exactLeft = (w: number) => exactLatencyCdf(state, service, w, { left: true });
  const exact = errors(
    sorted,
    simSizes,
    state.batchSize,
    (p) => exactLatencyPercentile(state, service, p),
    exactRight,
    exactLeft,
  );

  const f32 = float32Map(c.map);
  const dist = paperSizeDistributions(c.map, b, t);
  const tau = paperTau(f32.d0, f32.d1, b, t);
  const paperCdf = (w: number) =>
    Math.min(1, Math.max(0, paperLatencyCdf(w, service, dist.request, t, tau)));
  let sMax = 0;
  for (let k = 0; k < b; k++) sMax = Math.max(sMax, service[k]);
  const paper = errors(
    sorted,
    simSizes,
    dist.batch,
    (p) => invert(paperCdf, p, sMax + t + 1),
    paperCdf,
    (w) => paperCdf(w - 1e-12),
  );

  // Flags: the simulation's level noise, with batches as the independent units.
  const flags: ValidationResult["flags"] = {};
  for (const [name, p] of [["p50", 0.5], ["p95", 0.95], ["p99", 0.99]] as const) {
    const noise = 3 * Math.sqrt(p * (1 - p) / sim.batches);
    const w = exactLatencyPercentile(state, service, p);
    const jump = exactRight(w) - exactLeft(w);
    if (jump > noise && (exactRight(w) - p < noise || p - exactLeft(w) < noise)) {
      flags[name] = "atom";
    } else if (exactRight(w * 1.01) - exactRight(w) < noise) flags[name] = "flat";
  }
  return {
    label: c.label,
    maxBatch: b,
    timeoutSec: t,
    memoryMb,
    model: profile.name,
    simulated: {
      requests: sim.requests,
      batches: sim.batches,
      p50Sec: quantileSorted(sorted, 0.5),
      p95Sec: quantileSorted(sorted, 0.95),
      p99Sec: quantileSorted(sorted, 0.99),
      meanBatchSize: sim.meanBatchSize,
    },
    exact,
    paper,
    flags,
  };
}

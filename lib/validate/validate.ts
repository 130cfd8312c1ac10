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
import { describeVariability, serviceDistributions } from "../profile/service_distribution.ts";
import { type ServiceProfile, serviceTimesSec } from "../profile/service_profile.ts";
import {
  variableLatencyCdf,
  variableLatencyPercentile,
  variableServiceModel,
} from "../model/service_convolution.ts";
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
  /** How the service time varies: `deterministic`, `gamma, CV 0.3`, ... */
  service: string;
  simulated: {
    requests: number;
    batches: number;
    p50Sec: number;
    p95Sec: number;
    p99Sec: number;
    meanBatchSize: number;
  };
  exact: MethodErrors;
  /** The paper method's errors; undefined when the service time varies (it has no such case). */
  paper: MethodErrors | undefined;
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

/**
 * A piecewise-linear interpolant of an increasing, continuous CDF on [lo, hi]
 * (0 below, 1 above are not assumed: it is clamped to the end values), with
 * nodes refined by bisection until consecutive values differ by at most `step`.
 */
function tabulatedCdf(
  cdf: (w: number) => number,
  lo: number,
  hi: number,
  step: number,
): (w: number) => number {
  const xs: number[] = [], fs: number[] = [];
  const refine = (a: number, fa: number, b: number, fb: number, depth: number) => {
    if (fb - fa <= step || depth > 40) {
      xs.push(b);
      fs.push(fb);
      return;
    }
    const m = 0.5 * (a + b), fm = cdf(m);
    refine(a, fa, m, fm, depth + 1);
    refine(m, fm, b, fb, depth + 1);
  };
  const n = 256;
  let a = lo, fa = cdf(lo);
  xs.push(a);
  fs.push(fa);
  for (let i = 1; i <= n; i++) {
    const b = lo + ((hi - lo) * i) / n, fb = cdf(b);
    refine(a, fa, b, fb, 0);
    a = b;
    fa = fb;
  }
  return (w: number) => {
    if (w <= xs[0]) return w < xs[0] ? cdf(w) : fs[0];
    if (w >= xs[xs.length - 1]) return w > xs[xs.length - 1] ? cdf(w) : fs[fs.length - 1];
    let i = 0, j = xs.length - 1;
    while (j - i > 1) {
      const mid = (i + j) >> 1;
      if (xs[mid] <= w) i = mid;
      else j = mid;
    }
    return fs[i] + ((fs[j] - fs[i]) * (w - xs[i])) / (xs[j] - xs[i]);
  };
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
 * `options.requests` requests. When the profile's service time varies, the
 * simulation draws it from the profile's distributions (seed `seed + 1,000,003`
 * for the service, `seed` for the arrivals) and only the exact method is
 * validated.
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
  const variable = profile.variability !== undefined;
  const sim = simulateBuffer(mapArrivals(c.map, { prng: seededPrng(seed) }), {
    maxBatch: b,
    timeoutSec: t,
    memoryMb,
    profile,
    pricing: price,
    extrapolate,
    requests,
    keepLatencies: true,
    ...(variable ? { prng: seededPrng(seed + 1_000_003) } : {}),
  });
  const sorted = sim.latencies!.sort();
  const simSizes = sim.batchSizeCounts.map((x) => x / sim.batches);

  const model = variable
    ? variableServiceModel(state, serviceDistributions(profile, b, memoryMb, { extrapolate }))
    : undefined;
  const exactRight = model
    ? (w: number) => variableLatencyCdf(model, w)
    : (w: number) => exactLatencyCdf(state, service, w);
  const exactLeft = model
    ? (w: number) => variableLatencyCdf(model, w, { left: true })
    : (w: number) => exactLatencyCdf(state, service, w, { left: true });
  const exactPercentile = model
    ? (p: number) => variableLatencyPercentile(model, p)
    : (p: number) => exactLatencyPercentile(state, service, p);
  // A continuous F (random service) for the Kolmogorov distance: tabulated where the sample
  // lies, with increments of at most 1e-4 between nodes. F is increasing, so the linear
  // interpolant is within 1e-4 of it, and F is smooth, so within about 1e-4 squared times
  // its curvature: far below the simulation's noise, with 10^4 evaluations instead of n.
  const ksCdf = model
    ? tabulatedCdf(exactRight, sorted[0], sorted[sorted.length - 1], 1e-4)
    : undefined;
  const exact = errors(
    sorted,
    simSizes,
    state.batchSize,
    exactPercentile,
    ksCdf ?? exactRight,
    ksCdf ?? exactLeft,
  );
  const paper = variable ? undefined : paperErrors(c, service, sorted, simSizes);

  // Flags: the simulation's level noise, with batches as the independent units.
  const flags: ValidationResult["flags"] = {};
  for (const [name, p] of [["p50", 0.5], ["p95", 0.95], ["p99", 0.99]] as const) {
    const noise = 3 * Math.sqrt(p * (1 - p) / sim.batches);
    const w = exactPercentile(p);
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
    service: describeVariability(profile),
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

/** The paper method's errors on a case with deterministic service. */
function paperErrors(
  c: ValidationCase,
  service: Float64Array,
  sorted: Float64Array,
  simSizes: Float64Array,
): MethodErrors {
  const { maxBatch: b, timeoutSec: t } = c;
  const f32 = float32Map(c.map);
  const dist = paperSizeDistributions(c.map, b, t);
  const tau = paperTau(f32.d0, f32.d1, b, t);
  const paperCdf = (w: number) =>
    Math.min(1, Math.max(0, paperLatencyCdf(w, service, dist.request, t, tau)));
  let sMax = 0;
  for (let k = 0; k < b; k++) sMax = Math.max(sMax, service[k]);
  return errors(
    sorted,
    simSizes,
    dist.batch,
    (p) => invert(paperCdf, p, sMax + t + 1),
    paperCdf,
    (w) => paperCdf(w - 1e-12),
  );
}

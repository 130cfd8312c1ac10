/**
 * How the service time of a batch varies around its mean S(k, m): one
 * definition shared by the exact model, the simulator and the local Lambda, so
 * that the three agree by construction on what a profile means.
 *
 * A profile's `variability` (absent: deterministic, the paper's world) is
 * - `gamma` or `lognormal` with a coefficient of variation given as one
 *   number, per batch size (`{"batches": [...], "cvs": [...]}`, linear between
 *   the batch sizes given and constant beyond), or a polynomial in k and m like
 *   the mean (`{"terms": [...], "coefficients": [...]}`);
 * - `empirical`: measured durations per batch size, kept as ratios to their
 *   mean (`{"batches": [...], "ratios": [[...], ...]}`); a batch of k at memory m
 *   takes S(k, m) times a ratio drawn uniformly from the batch size measured
 *   nearest to k (the smaller one on a tie).
 *
 * Every distribution has the profile's mean S(k, m) exactly: the model's mean
 * cost and the deterministic world are the same limit.
 *
 * Parametrisation: gamma with shape 1/cv^2 and scale mean cv^2; lognormal with
 * sigma^2 = ln(1 + cv^2) and mu = ln(mean) - sigma^2 / 2.
 *
 * @module
 */

import type { Prng } from "../random/prng.ts";
import { gammaP, gammaQ, logGamma, normalCdf, normalQuantile } from "../numeric/special.ts";
import { billedDurationSec, invocationCostUsd, type Pricing } from "./pricing.ts";
import {
  type PolynomialProfile,
  type ServiceProfile,
  type ServiceTimeOptions,
  serviceTimesSec,
} from "./service_profile.ts";

/** A coefficient of variation: one value, per batch size, or a polynomial in k and m. */
export type CvSpec =
  | number
  | { readonly batches: readonly number[]; readonly cvs: readonly number[] }
  | { readonly terms: readonly string[]; readonly coefficients: readonly number[] };

/** The shape of the service time around its mean; absent means deterministic. */
export type ServiceVariability =
  | { readonly distribution: "gamma" | "lognormal"; readonly cv: CvSpec }
  | {
    readonly distribution: "empirical";
    /** Measured batch sizes, ascending. */
    readonly batches: readonly number[];
    /** Per batch size, the measured durations divided by their mean. */
    readonly ratios: readonly (readonly number[])[];
  };

/** Names of the distributions a profile's `variability` may have. */
export const SERVICE_DISTRIBUTIONS = ["gamma", "lognormal", "empirical"] as const;

/** Tail probability beyond which a distribution is treated as having no mass. */
export const TAIL_PROBABILITY = 1e-16;

/** The service time of one batch size at one memory. */
export interface ServiceDistribution {
  readonly kind: "deterministic" | "gamma" | "lognormal" | "empirical" | "mixture";
  /** Mean, seconds: S(k, m). */
  readonly meanSec: number;
  /** Coefficient of variation (0 when deterministic). */
  readonly cv: number;
  /** P(S <= s). */
  cdf(s: number): number;
  /** The density at s, 1/s (0 for the discrete kinds). */
  density(s: number): number;
  /**
   * The CDF and the density at s together, into `out.v` and `out.d`, for hot
   * loops: continuous kinds interpolate a table (within 1e-12 of `cdf`, the
   * density within a relative 1e-8),
   * discrete kinds give the CDF and a density of 0.
   */
  cdfDensity(s: number, out: { v: number; d: number }): void;
  /** E[(S - x)^+], seconds: the mean excess over x. */
  excessSec(x: number): number;
  /** The smallest s with P(S <= s) >= p. */
  quantile(p: number): number;
  /** One draw. */
  sample(prng: Prng): number;
  /** Atoms of a discrete kind (deterministic: one at the mean), ascending; undefined when continuous. */
  readonly atomsSec: Float64Array | undefined;
  /** Weight of each atom. */
  readonly atomWeights: Float64Array | undefined;
  /** Below it the mass is at most {@linkcode TAIL_PROBABILITY}, seconds. */
  readonly lowSec: number;
  /** Above it the mass is at most {@linkcode TAIL_PROBABILITY}, seconds. */
  readonly highSec: number;
  /** The components of a continuous mixture (each as smooth as the mixture's pieces). */
  readonly parts?: readonly ServiceDistribution[];
}

function _standardNormal(prng: Prng): number {
  // Box-Muller, the cosine half (the draws of the simulator since it has had random service).
  const u1 = prng.nextFloat() || Number.MIN_VALUE, u2 = prng.nextFloat();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** A service time that is always its mean. */
export function deterministicService(meanSec: number): ServiceDistribution {
  _checkMean(meanSec);
  return {
    kind: "deterministic",
    meanSec,
    cv: 0,
    cdf: (s) => (s >= meanSec ? 1 : 0),
    density: () => 0,
    cdfDensity: (s, out) => {
      out.v = s >= meanSec ? 1 : 0;
      out.d = 0;
    },
    excessSec: (x) => Math.max(0, meanSec - x),
    quantile: () => meanSec,
    sample: () => meanSec,
    atomsSec: Float64Array.of(meanSec),
    atomWeights: Float64Array.of(1),
    lowSec: meanSec,
    highSec: meanSec,
  };
}

/**
 * A gamma service time with the given mean and coefficient of variation.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * // CV 1 is the exponential distribution.
 * const d = gammaService(0.5, 1);
 * assert.ok(Math.abs(d.cdf(0.5) - (1 - Math.exp(-1))) < 1e-15);
 * ```
 */
export function gammaService(meanSec: number, cv: number): ServiceDistribution {
  _checkMean(meanSec);
  _checkCv(cv);
  // Below a CV of 1e-6 (shape 1e12) the service is deterministic to the precision of a double.
  if (cv < 1e-6) return deterministicService(meanSec);
  const shape = 1 / (cv * cv), scale = meanSec * cv * cv;
  const logNorm = logGamma(shape) + shape * Math.log(scale);
  const cdf = (s: number) => (s > 0 ? gammaP(shape, s / scale) : 0);
  const density = (s: number) =>
    s > 0 ? Math.exp((shape - 1) * Math.log(s) - s / scale - logNorm) : 0;
  const quantile = (p: number) => _gammaQuantileCached(shape, p) * scale;
  const table = _gammaTable(shape), logScale = Math.log(scale);
  return {
    kind: "gamma",
    meanSec,
    cv,
    cdf,
    density,
    cdfDensity: (s, out) => {
      if (!(s > 0)) {
        out.v = 0;
        out.d = 0;
        return;
      }
      table.at(Math.log(s) - logScale, out);
      out.d /= s;
    },
    // E[S; S > x] = mean Q(shape + 1, x / scale)
    excessSec: (x) =>
      x <= 0 ? meanSec - x : meanSec * gammaQ(shape + 1, x / scale) - x * gammaQ(shape, x / scale),
    quantile,
    sample: (prng) => _gammaDraw(prng, shape) * scale,
    atomsSec: undefined,
    atomWeights: undefined,
    lowSec: quantile(TAIL_PROBABILITY),
    highSec: _gammaQuantileCached(shape, -TAIL_PROBABILITY) * scale,
  };
}

/**
 * A lognormal service time with the given mean and coefficient of variation.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const d = lognormalService(2, 0.3);
 * // The median is mean / sqrt(1 + cv^2).
 * assert.ok(Math.abs(d.cdf(2 / Math.sqrt(1.09)) - 0.5) < 1e-15);
 * ```
 */
export function lognormalService(meanSec: number, cv: number): ServiceDistribution {
  _checkMean(meanSec);
  _checkCv(cv);
  if (cv === 0) return deterministicService(meanSec);
  const s2 = Math.log(1 + cv * cv), sigma = Math.sqrt(s2), mu = Math.log(meanSec) - s2 / 2;
  const zTail = -normalQuantile(TAIL_PROBABILITY);
  return {
    kind: "lognormal",
    meanSec,
    cv,
    cdf: (s) => (s > 0 ? normalCdf((Math.log(s) - mu) / sigma) : 0),
    density: (s) => {
      if (!(s > 0)) return 0;
      const z = (Math.log(s) - mu) / sigma;
      return Math.exp(-0.5 * z * z) / (s * sigma * Math.sqrt(2 * Math.PI));
    },
    cdfDensity: (s, out) => {
      if (!(s > 0)) {
        out.v = 0;
        out.d = 0;
        return;
      }
      _normalTable().at((Math.log(s) - mu) / sigma, out);
      out.d /= s * sigma;
    },
    excessSec: (x) => {
      if (x <= 0) return meanSec - x;
      const d2 = (mu - Math.log(x)) / sigma;
      return meanSec * normalCdf(d2 + sigma) - x * normalCdf(d2);
    },
    quantile: (p) => Math.exp(mu + sigma * normalQuantile(p)),
    // The same draw as the local Lambda's jitter: mean exp(sigma z - sigma^2 / 2).
    sample: (prng) => meanSec * Math.exp(sigma * _standardNormal(prng) - s2 / 2),
    atomsSec: undefined,
    atomWeights: undefined,
    lowSec: Math.exp(mu - sigma * zTail),
    highSec: Math.exp(mu + sigma * zTail),
  };
}

/**
 * An empirical service time: the mean times one of `ratios` (each equally
 * likely), rescaled so that its mean is exactly `meanSec`.
 */
export function empiricalService(
  meanSec: number,
  ratios: readonly number[],
): ServiceDistribution {
  _checkMean(meanSec);
  if (ratios.length === 0 || !ratios.every((r) => r > 0 && Number.isFinite(r))) {
    throw new RangeError("Cannot build an empirical service time: ratios must be positive numbers");
  }
  const sorted = Float64Array.from(ratios).sort();
  const mean = sorted.reduce((s, r) => s + r, 0) / sorted.length;
  const atoms = sorted.map((r) => (meanSec * r) / mean);
  const n = atoms.length;
  return {
    ..._discrete(atoms, new Float64Array(n).fill(1 / n), meanSec, "empirical"),
    // Index arithmetic rather than the running weights: the same draws as ever, exactly.
    quantile: (p) => atoms[Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1))],
    sample: (prng) => atoms[Math.min(n - 1, Math.floor(prng.nextFloat() * n))],
  };
}

/**
 * `d` shifted by `shiftSec` seconds: S + c (a cold start's Init Duration
 * before the invocation).
 */
export function shiftedService(d: ServiceDistribution, shiftSec: number): ServiceDistribution {
  if (!(shiftSec >= 0 && Number.isFinite(shiftSec))) {
    throw new RangeError(`Cannot shift a service time by ${shiftSec} s: it must be >= 0`);
  }
  if (shiftSec === 0) return d;
  const c = shiftSec, mean = d.meanSec + c;
  if (d.atomsSec !== undefined) {
    return _discrete(Float64Array.from(d.atomsSec, (a) => a + c), d.atomWeights!, mean);
  }
  return {
    kind: d.kind,
    meanSec: mean,
    cv: (d.cv * d.meanSec) / mean,
    cdf: (s) => d.cdf(s - c),
    density: (s) => d.density(s - c),
    cdfDensity: (s, out) => d.cdfDensity(s - c, out),
    excessSec: (x) => d.excessSec(x - c),
    quantile: (p) => d.quantile(p) + c,
    sample: (prng) => d.sample(prng) + c,
    atomsSec: undefined,
    atomWeights: undefined,
    lowSec: d.lowSec + c,
    highSec: d.highSec + c,
  };
}

/**
 * A mixture: `parts[i][0]` with probability `parts[i][1]` (the weights sum to
 * 1). Discrete parts give a discrete mixture; continuous ones a continuous
 * mixture whose quantile is found by bisection on its CDF.
 */
export function mixtureService(
  parts: readonly (readonly [ServiceDistribution, number])[],
): ServiceDistribution {
  const kept = parts.filter(([, w]) => w > 0);
  const total = kept.reduce((a, [, w]) => a + w, 0);
  if (kept.length === 0 || Math.abs(total - 1) > 1e-12) {
    throw new RangeError(`Cannot mix service times with weights summing to ${total}: expected 1`);
  }
  if (kept.length === 1) return kept[0][0];
  const mean = kept.reduce((a, [d, w]) => a + w * d.meanSec, 0);
  let second = 0;
  for (const [d, w] of kept) second += w * (d.meanSec ** 2 * (1 + d.cv ** 2));
  const cv = Math.sqrt(Math.max(0, second - mean * mean)) / mean;
  if (kept.every(([d]) => d.atomsSec !== undefined)) {
    const atoms: [number, number][] = [];
    for (const [d, w] of kept) {
      d.atomsSec!.forEach((a, i) => atoms.push([a, w * d.atomWeights![i]]));
    }
    atoms.sort((x, y) => x[0] - y[0]);
    return _discrete(
      Float64Array.from(atoms, (a) => a[0]),
      Float64Array.from(atoms, (a) => a[1]),
      mean,
    );
  }
  if (kept.some(([d]) => d.atomsSec !== undefined)) {
    throw new RangeError("Cannot mix discrete and continuous service times");
  }
  const cdf = (s: number) => kept.reduce((a, [d, w]) => a + w * d.cdf(s), 0);
  const lowSec = Math.min(...kept.map(([d]) => d.lowSec));
  const highSec = Math.max(...kept.map(([d]) => d.highSec));
  const part = { v: 0, d: 0 };
  return {
    kind: "mixture",
    meanSec: mean,
    cv,
    cdf,
    density: (s) => kept.reduce((a, [d, w]) => a + w * d.density(s), 0),
    cdfDensity: (s, out) => {
      let v = 0, dd = 0;
      for (const [d, w] of kept) {
        d.cdfDensity(s, part);
        v += w * part.v;
        dd += w * part.d;
      }
      out.v = v;
      out.d = dd;
    },
    excessSec: (x) => kept.reduce((a, [d, w]) => a + w * d.excessSec(x), 0),
    quantile: (p) => {
      let lo = lowSec, hi = highSec;
      for (let i = 0; i < 200 && hi - lo > 1e-15 * hi; i++) {
        const mid = 0.5 * (lo + hi);
        if (cdf(mid) >= p) hi = mid;
        else lo = mid;
      }
      return hi;
    },
    sample: (prng) => {
      let u = prng.nextFloat();
      for (const [d, w] of kept) {
        if (u < w) return d.sample(prng);
        u -= w;
      }
      return kept[kept.length - 1][0].sample(prng);
    },
    atomsSec: undefined,
    atomWeights: undefined,
    lowSec,
    highSec,
    parts: kept.map(([d]) => d),
  };
}

/** A discrete service time on ascending atoms with weights (summing to 1), of the given mean. */
function _discrete(
  atoms: Float64Array,
  weights: Float64Array,
  mean: number,
  kind: "empirical" | "mixture" = "mixture",
): ServiceDistribution {
  const n = atoms.length;
  const cum = new Float64Array(n);
  let acc = 0, ss = 0;
  for (let i = 0; i < n; i++) {
    acc += weights[i];
    cum[i] = acc;
    ss += weights[i] * (atoms[i] - mean) ** 2;
  }
  cum[n - 1] = 1; // all the mass, whatever the rounding of the running sum
  const cdf = (s: number) => {
    let lo = 0, hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (atoms[mid] <= s) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? 0 : Math.min(1, cum[lo - 1]);
  };
  return {
    kind,
    meanSec: mean,
    cv: Math.sqrt(ss) / mean,
    cdf,
    density: () => 0,
    cdfDensity: (s, out) => {
      out.v = cdf(s);
      out.d = 0;
    },
    excessSec: (x) => {
      let sum = 0;
      for (let i = 0; i < n; i++) if (atoms[i] > x) sum += weights[i] * (atoms[i] - x);
      return sum;
    },
    quantile: (p) => {
      for (let i = 0; i < n; i++) if (cum[i] >= p) return atoms[i];
      return atoms[n - 1];
    },
    sample: (prng) => {
      const u = prng.nextFloat();
      for (let i = 0; i < n; i++) if (u < cum[i]) return atoms[i];
      return atoms[n - 1];
    },
    atomsSec: atoms,
    atomWeights: weights,
    lowSec: atoms[0],
    highSec: atoms[n - 1],
  };
}

/**
 * The expected billed duration of one invocation, seconds: E[ceil(S / g) g]
 * for a granularity g, not the rounding of the mean. Discrete kinds round each
 * atom as {@linkcode billedDurationSec} does. A continuous kind is
 * `g sum_j P(S > j g)`, summed term by term over the first 1,024 granules where
 * the distribution has mass, and beyond them by the Euler-Maclaurin formula
 * `int_a^inf P(S > s) ds + g P(S > a) / 2 + g^2 h(a) / 12` (the mean excess is
 * closed-form; the next term, `g^4 h''(a) / 720`, is far below a billing
 * granule once a is 1,024 granules into the distribution).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pricing } from "./pricing.ts";
 *
 * // Exponential service of mean 50 ms, 100 ms granules: E = g / (1 - e^(-g / mean)).
 * const billed = expectedBilledSec(gammaService(0.05, 1), pricing("aws-2020"));
 * assert.ok(Math.abs(billed - 0.1 / (1 - Math.exp(-2))) < 1e-14);
 * ```
 */
export function expectedBilledSec(d: ServiceDistribution, p: Pricing): number {
  const g = p.billingGranularityMs / 1000;
  if (g === 0) return d.meanSec;
  if (d.atomsSec !== undefined) {
    let sum = 0;
    for (let i = 0; i < d.atomsSec.length; i++) {
      sum += d.atomWeights![i] * billedDurationSec(p, d.atomsSec[i]);
    }
    return sum;
  }
  const jLo = Math.floor(d.lowSec / g), jHi = Math.ceil(d.highSec / g);
  const jEnd = Math.min(jHi, jLo + 1024);
  // P(S > j g) is 1 for j <= jLo (to the tail probability) and 0 beyond jHi.
  let sum = jLo + 1;
  for (let j = jLo + 1; j <= jEnd; j++) sum += 1 - d.cdf(j * g);
  if (jEnd === jHi) return sum * g;
  const a = (jEnd + 1) * g;
  return sum * g + d.excessSec(a) + (g / 2) * (1 - d.cdf(a)) + (g * g / 12) * d.density(a);
}

/**
 * The service-time distributions of batch sizes 1..`maxBatch` at `memoryMb`
 * (index k - 1), with the profile's means S(k, m) and its `variability`.
 *
 * @throws {ProfileRangeError} As {@linkcode serviceTimesSec}.
 * @throws {RangeError} When a CV polynomial is negative at some k.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { profileFromJson } from "./service_profile.ts";
 *
 * const profile = profileFromJson({
 *   name: "linear",
 *   terms: ["1", "k"],
 *   coefficients: [0.01, 0.034],
 *   memoryRangeMb: [3008, 3008],
 *   batchRange: [1, 20],
 *   variability: { distribution: "gamma", cv: 0.3 },
 * });
 * const [s1, s2] = serviceDistributions(profile, 2, 3008);
 * assert.equal(s1.kind, "gamma");
 * assert.ok(Math.abs(s2.meanSec - 0.078) < 1e-15 && s2.cv === 0.3);
 * ```
 */
export function serviceDistributions(
  profile: ServiceProfile,
  maxBatch: number,
  memoryMb: number,
  options: ServiceTimeOptions = {},
): ServiceDistribution[] {
  const means = serviceTimesSec(profile, maxBatch, memoryMb, options);
  const v = profile.variability;
  if (v === undefined) return Array.from(means, (m) => deterministicService(m));
  if (v.distribution === "empirical") {
    return Array.from(means, (m, i) => empiricalService(m, v.ratios[_nearest(v.batches, i + 1)]));
  }
  const cvs = cvsAt(profile, v.cv, maxBatch, memoryMb);
  const build = v.distribution === "gamma" ? gammaService : lognormalService;
  return Array.from(means, (m, i) => build(m, cvs[i]));
}

/**
 * `profile` with its service time made gamma or lognormal of coefficient of
 * variation `cv` (what the CLIs' `--service-cv` means); `cv` 0 returns the
 * profile as it is.
 */
export function withServiceCv(
  profile: ServiceProfile,
  cv: number,
  distribution: "gamma" | "lognormal" = "lognormal",
): ServiceProfile {
  if (cv === 0) return profile;
  if (!(cv > 0 && Number.isFinite(cv))) {
    throw new RangeError(`Cannot use service CV ${cv}: it must be a finite number >= 0`);
  }
  return Object.freeze({ ...profile, variability: Object.freeze({ distribution, cv }) });
}

/** Whether a profile's service time varies (it has a `variability`). */
export function isVariable(profile: ServiceProfile): boolean {
  return profile.variability !== undefined;
}

/**
 * The CV of batch sizes 1..`maxBatch` at `memoryMb` (index k - 1) for a CV
 * specification of `profile`.
 */
export function cvsAt(
  profile: ServiceProfile,
  spec: CvSpec,
  maxBatch: number,
  memoryMb: number,
): Float64Array {
  const out = new Float64Array(maxBatch);
  if (typeof spec === "number") return out.fill(spec);
  if ("cvs" in spec) {
    const { batches, cvs } = spec;
    for (let k = 1; k <= maxBatch; k++) {
      let i = 0;
      while (i < batches.length - 1 && batches[i + 1] <= k) i++;
      if (k <= batches[0]) out[k - 1] = cvs[0];
      else if (i === batches.length - 1) out[k - 1] = cvs[i];
      else {
        const u = (k - batches[i]) / (batches[i + 1] - batches[i]);
        out[k - 1] = cvs[i] + u * (cvs[i + 1] - cvs[i]);
      }
    }
    return out;
  }
  const poly: PolynomialProfile = {
    name: `${profile.name} CV`,
    kind: "polynomial",
    terms: spec.terms,
    coefficients: spec.coefficients,
    memoryRangeMb: profile.memoryRangeMb,
    batchRange: profile.batchRange,
  };
  const values = serviceTimesSec(poly, maxBatch, memoryMb, { extrapolate: true });
  values.forEach((c, i) => {
    if (!(c >= 0)) {
      throw new RangeError(
        `Cannot use the CV polynomial of profile '${profile.name}': it is ${c} at ` +
          `k = ${i + 1}, ${memoryMb} MB (a CV must be >= 0)`,
      );
    }
  });
  return values;
}

/** One line describing a profile's variability, e.g. `gamma, CV 0.3` (CVs to 3 significant digits). */
export function describeVariability(profile: ServiceProfile): string {
  const v = profile.variability;
  if (v === undefined) return "deterministic";
  if (v.distribution === "empirical") {
    const n = v.ratios.reduce((s, r) => s + r.length, 0);
    return `empirical (${n} measured durations over ${v.batches.length} batch sizes)`;
  }
  const cv = v.cv;
  const r = (x: number) => Number(x.toPrecision(3));
  if (typeof cv === "number") return `${v.distribution}, CV ${r(cv)}`;
  if ("cvs" in cv) {
    const lo = Math.min(...cv.cvs), hi = Math.max(...cv.cvs);
    return lo === hi
      ? `${v.distribution}, CV ${r(lo)} at every batch size`
      : `${v.distribution}, CV per batch size ${r(lo)}..${r(hi)}`;
  }
  return `${v.distribution}, CV a polynomial in ${cv.terms.join(", ")}`;
}

/** Index of the batch size nearest k (the smaller one on a tie). */
function _nearest(batches: readonly number[], k: number): number {
  let best = 0;
  for (let i = 1; i < batches.length; i++) {
    if (Math.abs(batches[i] - k) < Math.abs(batches[best] - k)) best = i;
  }
  return best;
}

/**
 * The expected cost in USD of one invocation whose duration follows `d`:
 * E[billed duration] x memory in GB x price per GB-second + price per request
 * (equal to `invocationCostUsd` of the mean for a deterministic service).
 */
export function expectedInvocationCostUsd(
  p: Pricing,
  d: ServiceDistribution,
  memoryMb: number,
): number {
  if (d.kind === "deterministic") return invocationCostUsd(p, d.meanSec, memoryMb);
  return expectedBilledSec(d, p) * (memoryMb / 1024) * p.usdPerGbSecond + p.usdPerRequest;
}

// ---------------------------------------------------------------------------
// Gamma helpers

/** Marsaglia-Tsang with a unit scale (the simulator's draw since it has had random service). */
function _gammaDraw(prng: Prng, shape: number): number {
  let k = shape, boost = 1;
  if (k < 1) {
    boost = Math.pow(prng.nextFloat() || Number.MIN_VALUE, 1 / k);
    k += 1;
  }
  const d = k - 1 / 3, c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number, v: number;
    do {
      x = _standardNormal(prng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = prng.nextFloat();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) {
      return d * v * boost;
    }
  }
}

/** Unit-scale gamma quantiles already found, by shape and probability (a grid asks the same ones). */
const _gammaQuantiles = new Map<number, Map<number, number>>();

/**
 * {@linkcode _gammaQuantile} (or, for p < 0, the point whose upper tail is
 * -p), remembered per shape and probability.
 */
function _gammaQuantileCached(shape: number, p: number): number {
  let byP = _gammaQuantiles.get(shape);
  if (byP === undefined) {
    if (_gammaQuantiles.size > 4096) _gammaQuantiles.clear();
    byP = new Map();
    _gammaQuantiles.set(shape, byP);
  }
  let x = byP.get(p);
  if (x === undefined) {
    // A negative p asks for the point with the upper tail -p (no 1 - p rounding).
    x = p < 0 ? _gammaUpper(shape, -p) : _gammaQuantile(shape, p);
    if (byP.size < 256) byP.set(p, x);
  }
  return x;
}

/** The p-quantile of a unit-scale gamma. */
function _gammaQuantile(shape: number, p: number): number {
  if (!(p > 0)) return 0;
  if (!(p < 1)) return Infinity;
  return p <= 0.5 ? _gammaTailPoint(shape, p, true) : _gammaTailPoint(shape, 1 - p, false);
}

/** The x with Q(shape, x) = q, for a tail probability q given as such (no 1 - q rounding). */
function _gammaUpper(shape: number, q: number): number {
  return _gammaTailPoint(shape, q, false);
}

/**
 * The x of a unit-scale gamma with P(shape, x) = tail (`lower`) or
 * Q(shape, x) = tail: Newton's method in u = ln x on the log of the tail (nearly
 * linear in u far out), from the Wilson-Hilferty start, kept in a bracket.
 */
function _gammaTailPoint(shape: number, tail: number, lower: boolean): number {
  const target = Math.log(tail);
  const z = lower ? normalQuantile(tail) : -normalQuantile(tail);
  const wh = shape * (1 - 1 / (9 * shape) + z / (3 * Math.sqrt(shape))) ** 3;
  // Far below the median, P ~ x^shape / Γ(shape + 1), where Wilson-Hilferty may fail.
  let u = wh > 0 ? Math.log(wh) : (target + logGamma(shape + 1)) / shape;
  let lo = -Infinity, hi = Infinity;
  for (let i = 0; i < 300; i++) {
    const x = Math.exp(u);
    const t = lower ? gammaP(shape, x) : gammaQ(shape, x);
    const f = Math.log(t) - target; // increasing in u for P, decreasing for Q
    if (f === 0) return x;
    if ((f > 0) === lower) hi = u;
    else lo = u;
    // d ln P / du = x h(x) / P and d ln Q / du = -x h(x) / Q, h the unit gamma density.
    const xh = Math.exp(shape * u - x - logGamma(shape));
    let next = u - f / ((lower ? xh : -xh) / t);
    if (!(next > lo && next < hi)) {
      next = Number.isFinite(lo) && Number.isFinite(hi)
        ? 0.5 * (lo + hi)
        : Number.isFinite(lo)
        ? lo + 1
        : hi - 1;
    }
    if (Math.abs(next - u) <= 1e-15 * Math.max(1, Math.abs(u))) return Math.exp(next);
    u = next;
  }
  return Math.exp(u);
}

// ---------------------------------------------------------------------------
// Tables for the hot loops: a CDF as a function of a log-scale variable u,
// tabulated with its first two derivatives and joined by quintic Hermite
// interpolation (error at most max|G^(6)| step^6 / 46080).

class _CdfTable {
  readonly #u0: number;
  readonly #step: number;
  readonly #g: Float64Array;
  readonly #g1: Float64Array;
  readonly #g2: Float64Array;

  /** `node(u)` gives G(u), G'(u), G''(u). */
  constructor(u0: number, u1: number, step: number, node: (u: number) => [number, number, number]) {
    const n = Math.ceil((u1 - u0) / step) + 1;
    this.#u0 = u0;
    this.#step = step;
    this.#g = new Float64Array(n);
    this.#g1 = new Float64Array(n);
    this.#g2 = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const [g, g1, g2] = node(u0 + i * step);
      this.#g[i] = g;
      this.#g1[i] = g1;
      this.#g2[i] = g2;
    }
  }

  /** G(u) into `out.v` and G'(u) into `out.d` (0 and 1 beyond the table, G' 0). */
  at(u: number, out: { v: number; d: number }): void {
    const x = (u - this.#u0) / this.#step;
    const last = this.#g.length - 1;
    if (!(x > 0)) {
      out.v = x === 0 ? this.#g[0] : 0;
      out.d = 0;
      return;
    }
    if (x >= last) {
      out.v = 1;
      out.d = 0;
      return;
    }
    const i = Math.floor(x), t = x - i, w = this.#step;
    const t2 = t * t, t3 = t2 * t, t4 = t3 * t, t5 = t4 * t;
    const b0 = 1 - 10 * t3 + 15 * t4 - 6 * t5, b5 = 1 - b0;
    const b1 = (t - 6 * t3 + 8 * t4 - 3 * t5) * w, b4 = (-4 * t3 + 7 * t4 - 3 * t5) * w;
    const b2 = 0.5 * (t2 - 3 * t3 + 3 * t4 - t5) * w * w, b3 = 0.5 * (t3 - 2 * t4 + t5) * w * w;
    const c0 = (-30 * t2 + 60 * t3 - 30 * t4) / w, c5 = -c0;
    const c1 = 1 - 18 * t2 + 32 * t3 - 15 * t4, c4 = -12 * t2 + 28 * t3 - 15 * t4;
    const c2 = 0.5 * (2 * t - 9 * t2 + 12 * t3 - 5 * t4) * w,
      c3 = 0.5 * (3 * t2 - 8 * t3 + 5 * t4) * w;
    const g = this.#g, g1 = this.#g1, g2 = this.#g2;
    out.v = b0 * g[i] + b1 * g1[i] + b2 * g2[i] + b3 * g2[i + 1] + b4 * g1[i + 1] + b5 * g[i + 1];
    out.d = c0 * g[i] + c1 * g1[i] + c2 * g2[i] + c3 * g2[i + 1] + c4 * g1[i + 1] + c5 * g[i + 1];
  }
}

let _normal: _CdfTable | undefined;

/** Φ(z) on [-8.5, 8.5] in steps of 1/32 (error below 1e-13, measured 4.7e-14). */
function _normalTable(): _CdfTable {
  _normal ??= new _CdfTable(-8.5, 8.5, 1 / 32, (z) => {
    const phi = Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
    return [normalCdf(z), phi, -z * phi];
  });
  return _normal;
}

const _gammaTables = new Map<number, _CdfTable>();

/**
 * P(shape, e^u) of a unit-scale gamma in u = ln x, in steps of min(cv, 1) / 32
 * (ln X has a standard deviation of about cv), from the 1e-17 quantile to the
 * upper 1e-17 tail; one table per shape, shared by every scale.
 */
function _gammaTable(shape: number): _CdfTable {
  let table = _gammaTables.get(shape);
  if (table === undefined) {
    const cv = 1 / Math.sqrt(shape), lg = logGamma(shape);
    const u0 = Math.log(_gammaTailPoint(shape, 1e-17, true));
    const u1 = Math.log(_gammaTailPoint(shape, 1e-17, false));
    table = new _CdfTable(u0, u1, Math.min(cv, 1) / 32, (u) => {
      const x = Math.exp(u), d1 = Math.exp(shape * u - x - lg);
      return [gammaP(shape, x), d1, d1 * (shape - x)];
    });
    _gammaTables.set(shape, table);
  }
  return table;
}

function _checkMean(meanSec: number): void {
  if (!(meanSec > 0 && Number.isFinite(meanSec))) {
    throw new RangeError(
      `Cannot build a service time with mean ${meanSec} s: it must be a positive finite number`,
    );
  }
}

function _checkCv(cv: number): void {
  if (!(cv >= 0 && Number.isFinite(cv))) {
    throw new RangeError(`Cannot use CV ${cv}: it must be a finite number >= 0`);
  }
}

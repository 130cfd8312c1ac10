/**
 * Fitting a MAP(2), a Markovian arrival process with two phases, to the first
 * three moments of the inter-arrival time and its lag-1 autocorrelation, with
 * the feasibility bounds of order 2 exposed as their own functions.
 *
 * References:
 * - M. Telek and A. Heindl, "Matching moments for acyclic discrete and
 *   continuous phase-type distributions of second order", International
 *   Journal of Simulation 3(3-4), 2003: the moment bounds of order-2 acyclic
 *   phase-type (APH(2)) distributions, which are also those of every
 *   order-2 matrix-exponential distribution.
 * - L. Bodrog, A. Heindl, G. Horváth and M. Telek, "A Markovian canonical form
 *   of second-order matrix-exponential processes", European Journal of
 *   Operational Research 190(2), 2008: every order-2 matrix-exponential process
 *   is a MAP(2), its lag-k autocorrelations are `rho_k = c gamma^k`, and two
 *   canonical forms (for `gamma >= 0` and `gamma < 0`) cover the class.
 *
 * The method, in units of the mean (`m1 = 1`), with the reduced moments
 * `r_i = m_i / (i! m1^i)`, `h2 = r2 - 1 = (SCV - 1) / 2` and `h3 = r3 - r2^2`:
 *
 * 1. Marginal. The inter-arrival time is `Exp(mean b) + B * Exp(mean a)` with
 *    `B` a Bernoulli(`p`) variable (Cumani's canonical form of APH(2)). Its
 *    reduced moments satisfy `r_(k+1) = (a + b) r_k - a b r_(k-1)` for `k >= 1`,
 *    which gives `a b = h3 / h2`, `a + b = 1 + h2 + a b` and `p = (1 - b) / a`;
 *    also `(a - 1)(1 - b) = h2`. It exists iff `SCV >= 0.5` and
 *    - for `SCV < 1`: `h2 - h2^2 + 2 (-h2)^1.5 <= h3 <= -h2^2` (the lower bound
 *      has `a = b`, the upper one `p = 1`, a hypoexponential), i.e.
 *      `1 + 3 h2 + 2 (-h2)^1.5 <= r3 <= SCV`, Telek and Heindl's bounds;
 *    - for `SCV = 1`: `h3 = 0` only (the exponential);
 *    - for `SCV > 1`: `h3 > 0`, i.e. `m3 > 1.5 m2^2 / m1`, an infimum that is
 *      approached as `b -> 0` and never attained, with no upper bound.
 * 2. Correlation. With `P = (-D0)^-1 D1` and `gamma` its eigenvalue other than
 *    1, `rho_1 = c gamma` with `c = (m2 / 2 - m1^2) / (m2 - m1^2) = h2 / (1 + 2 h2)`.
 *    For `gamma >= 0` the form `D0 = [[-l1, (1 - x) l1], [0, -l2]]`,
 *    `D1 = [[x l1, 0], [(1 - y) l2, y l2]]` (`l1 = 1/a`, `l2 = 1/b`) has
 *    `gamma = x y` and the marginal above iff `x` is the smaller root of
 *    `rho x^2 - (1 - p + (rho + p) gamma) x + gamma = 0` (`rho = b / a`); for
 *    `gamma < 0` the form with `D1 = [[0, x l1], [y l2, (1 - y) l2]]` has
 *    `gamma = -x y` and needs `y = p (1 - gamma) - rho gamma`. Requiring
 *    `0 <= x, y <= 1` gives the range of `gamma` (derived here from these forms
 *    and checked in the tests against random MAP(2)s):
 *    - `SCV < 1`: `-(h2 + a b) <= gamma <= (sqrt(a b) - sqrt(-h2))^2` (0 at the
 *      upper bound of the third moment, a hypoexponential: renewal only);
 *    - `SCV > 1`: `-min(h2 + a b, (1 - b) / (a - 1)) <= gamma < 1`.
 *    For an exponential marginal (`SCV = 1`) `c = 0`: no MAP(2) with it is
 *    correlated.
 *
 * @module
 */

import { traceStatistics } from "../arrivals/trace_stats.ts";
import type { Matrix } from "../numeric/dense.ts";
import { type MapProcess, mapProcess } from "./map_process.ts";
import { arrivalRatePerSec, lagCorrelationsFromMap, scvFromMap } from "./moments.ts";

/**
 * Smallest mean of the fast phase, as a fraction of the mean, that
 * {@linkcode map2FromMoments} uses above SCV 1: third moments closer to the
 * order-2 infimum `1.5 m2^2 / m1` (which needs an infinitely fast phase) are
 * raised to where the fast phase's mean is this fraction of the mean.
 *
 * @example Usage
 * ```ts
 * import assert from "node:assert/strict";
 *
 * // SCV 3 with m3 = 24 = 1.5 m2^2 / m1, the infimum: raised to just above it.
 * const { map, exact } = map2FromMoments([1, 4, 24], 0);
 * assert.equal(exact, false);
 * const fastMean = -1 / map.d0[1][1]; // the fast phase, in units of the mean (m1 = 1)
 * assert.ok(Math.abs(fastMean / MAP2_FAST_PHASE_FLOOR - 1) < 1e-9);
 * ```
 */
export const MAP2_FAST_PHASE_FLOOR = 1e-6;

/**
 * Largest decay `gamma` of the autocorrelations (`rho_k = rho_1 gamma^(k-1)`)
 * that {@linkcode map2FromMoments} uses above SCV 1, where the supremum 1 (a
 * phase process that never changes) is not attained.
 *
 * @example Usage
 * ```ts
 * import assert from "node:assert/strict";
 * import { lagCorrelationsFromMap } from "./moments.ts";
 *
 * // SCV 3: lag-1 correlations approach (SCV - 1) / (2 SCV) = 1/3 but cannot reach it.
 * const { map } = map2FromMoments([1, 4, 30], 0.5);
 * const [rho1, rho2] = lagCorrelationsFromMap(map, 2);
 * assert.ok(Math.abs(rho1 - MAP2_GAMMA_CEILING / 3) < 1e-9);
 * assert.ok(Math.abs(rho2 / rho1 - MAP2_GAMMA_CEILING) < 1e-9); // rho_k = rho_1 gamma^(k-1)
 * ```
 */
export const MAP2_GAMMA_CEILING = 1 - 1e-6;

/** Relative slack within which a target on the wrong side of a bound is moved silently. */
const SLACK = 1e-12;

/** The range returned by {@linkcode map2MomentBounds}. */
export interface Map2MomentBounds {
  /** The mean the bounds are for, seconds. */
  meanSec: number;
  /** The SCV the bounds are for: the given one, or 0.5 if it was below. */
  scv: number;
  /** Whether the given SCV is feasible for order 2 (>= 0.5). */
  scvFeasible: boolean;
  /** Lower bound of the third moment `E[X^3]`, seconds cubed. */
  lowerM3Sec3: number;
  /** Upper bound of the third moment, seconds cubed (`Infinity` above SCV 1). */
  upperM3Sec3: number;
  /** Lower bound of the normalized third moment `n3 = m3 / (m1 m2)`. */
  lowerN3: number;
  /** Upper bound of `n3` (`Infinity` above SCV 1). */
  upperN3: number;
  /**
   * Whether the lower bound is attained: false above SCV 1, where every third
   * moment must exceed it.
   */
  lowerAttained: boolean;
}

/**
 * The third moments that an order-2 phase-type (or matrix-exponential)
 * distribution, hence the inter-arrival time of a MAP(2), can have for a
 * given mean and SCV (Telek and Heindl, 2003):
 * - SCV < 0.5 is infeasible; the closest feasible SCV is 0.5 (the Erlang-2,
 *   whose third moment is `3 m1^3`), and the bounds returned are for it;
 * - 0.5 <= SCV <= 1: `m3` within `[6 m1^3 (1 + 3 h2 + 2 (-h2)^1.5), 6 m1^3 SCV]`
 *   with `h2 = (SCV - 1) / 2`, both attained (`6 m1^3` only at SCV 1);
 * - SCV > 1: `m3 > 1.5 m2^2 / m1`, not attained, with no upper bound.
 *
 * @param meanSec Mean inter-arrival time `m1`, seconds, finite and > 0.
 * @param scv Squared coefficient of variation, finite and >= 0.
 * @returns The bounds, in seconds cubed and normalized.
 * @throws {RangeError} If `meanSec` is not a finite number > 0 or `scv` not a
 *   finite number >= 0 (NaN included).
 *
 * @example Usage
 * ```ts
 * import assert from "node:assert/strict";
 *
 * // Exponential of mean 2 s: only E[X^3] = 6 * 2^3.
 * const exp = map2MomentBounds(2, 1);
 * assert.ok(Math.abs(exp.lowerM3Sec3 - 48) < 1e-12 && Math.abs(exp.upperM3Sec3 - 48) < 1e-12);
 * // Below SCV 0.5 the closest feasible is the Erlang-2.
 * const low = map2MomentBounds(1, 0.3);
 * assert.equal(low.scvFeasible, false);
 * assert.equal(low.scv, 0.5);
 * assert.equal(low.upperM3Sec3, 3);
 * // Hyperexponential: an open lower bound 1.5 m2^2 / m1 and no upper one.
 * const hyper = map2MomentBounds(1, 3);
 * assert.equal(hyper.lowerM3Sec3, 24);
 * assert.equal(hyper.upperM3Sec3, Infinity);
 * assert.equal(hyper.lowerAttained, false);
 * ```
 */
export function map2MomentBounds(meanSec: number, scv: number): Map2MomentBounds {
  if (!(meanSec > 0 && meanSec < Infinity)) {
    throw new RangeError(
      `Cannot bound the third moment of a MAP(2): expected a mean that is a finite number ` +
        `> 0 s, found ${describe(meanSec)}`,
    );
  }
  if (!(scv >= 0 && scv < Infinity)) {
    throw new RangeError(
      `Cannot bound the third moment of a MAP(2): expected an SCV that is a finite number ` +
        `>= 0, found ${describe(scv)}`,
    );
  }
  const scvFeasible = scv >= 0.5;
  const s = scvFeasible ? scv : 0.5;
  const h2 = (s - 1) / 2;
  const { lower, upper } = h3Range(h2);
  const r2 = 1 + h2, m1Cubed = meanSec ** 3;
  const lowerR3 = lower + r2 * r2, upperR3 = upper + r2 * r2;
  // n3 = m3 / (m1 m2) = 6 r3 / (2 r2) = 3 r3 / r2.
  return {
    meanSec,
    scv: s,
    scvFeasible,
    lowerM3Sec3: 6 * lowerR3 * m1Cubed,
    upperM3Sec3: 6 * upperR3 * m1Cubed,
    lowerN3: 3 * lowerR3 / r2,
    upperN3: 3 * upperR3 / r2,
    lowerAttained: h2 <= 0,
  };
}

/** The interval returned by {@linkcode map2CorrelationBounds}. */
export interface Map2CorrelationBounds {
  /** Smallest lag-1 autocorrelation (always attained). */
  lower: number;
  /** Largest lag-1 autocorrelation, or its supremum when `upperAttained` is false. */
  upper: number;
  /** False above SCV 1, where `upper = (SCV - 1) / (2 SCV)` is approached but not attained. */
  upperAttained: boolean;
}

/**
 * The lag-1 autocorrelations that a MAP(2) with the given marginal moments
 * can have (derived from the canonical forms of Bodrog, Heindl, Horváth and
 * Telek, 2008; see the module documentation). With `c = (SCV - 1) / (2 SCV)`:
 * `[0, 0]` for an exponential marginal (SCV 1); below SCV 1 a closed interval
 * within `[c, -c]`; above SCV 1 `[c gamma_min, c)`, the supremum `c` being
 * approached by ever slower phase changes.
 *
 * @param moments `[E[X], E[X^2], E[X^3]]` of the inter-arrival time (seconds
 *   to the powers 1, 2, 3), feasible for order 2 (see {@linkcode map2MomentBounds}).
 * @returns The interval of lag-1 autocorrelations.
 * @throws {TypeError} If `moments` is not an array of 3 numbers.
 * @throws {RangeError} If a moment is not a finite number > 0, or the moments
 *   are infeasible for order 2 (SCV below 0.5, or a third moment outside the
 *   bounds of {@linkcode map2MomentBounds}).
 *
 * @example Usage
 * ```ts
 * import assert from "node:assert/strict";
 *
 * // A balanced hyperexponential (1/2 Exp(1) + 1/2 Exp(10)) can alternate its
 * // phases at every arrival, reaching -c; slow switching approaches +c.
 * // E[X^k] = k! (0.5 + 0.5 / 10^k).
 * const { lower, upper, upperAttained } = map2CorrelationBounds([0.55, 1.01, 3.003]);
 * const scv = 1.01 / 0.55 ** 2 - 1, c = (scv - 1) / (2 * scv);
 * assert.ok(Math.abs(lower + c) < 1e-12 && Math.abs(upper - c) < 1e-12);
 * assert.equal(upperAttained, false);
 * ```
 */
export function map2CorrelationBounds(
  moments: readonly [number, number, number],
): Map2CorrelationBounds {
  const what = "Cannot bound the lag-1 correlation of a MAP(2)";
  const { m1, h2: given, h3 } = reducedMoments(moments, what);
  if (given < -0.25 - SLACK) {
    throw new RangeError(
      `${what}: expected moments of order 2 (see map2MomentBounds()), found SCV ` +
        `${formatNumber(1 + 2 * given)} below 0.5`,
    );
  }
  const h2 = Math.max(given, -0.25);
  const range = h3Range(h2);
  const slack = SLACK * (h3 + (1 + h2) ** 2);
  const feasible = h2 > 0 ? h3 > 0 : h3 >= range.lower - slack && h3 <= range.upper + slack;
  if (!feasible) {
    const bounds = map2MomentBounds(m1, 1 + 2 * h2);
    throw new RangeError(
      `${what}: expected a third moment within ${formatInterval(bounds)} for SCV ` +
        `${formatNumber(1 + 2 * h2)} (see map2MomentBounds()), found ${formatNumber(moments[2])}`,
    );
  }
  return lagBounds(h2, clamp(h3, range.lower, range.upper));
}

/** The result of {@linkcode map2FromMoments}. */
export interface Map2Fit {
  /** The fitted MAP(2), validated by `mapProcess()`. */
  map: MapProcess;
  /** Whether the targets were matched as given (else see `adjusted`). */
  exact: boolean;
  /** One sentence per target that was moved to the closest feasible value. */
  adjusted: string[];
}

/**
 * Returns a MAP(2) whose inter-arrival time has the given first three moments
 * and lag-1 autocorrelation, by the method in the module documentation.
 *
 * Targets that no MAP(2) can have are moved, in this order, to the closest
 * feasible ones, and each move is reported in `adjusted`:
 * - an SCV below 0.5 is raised to 0.5 (the mean is always kept);
 * - a third moment outside {@linkcode map2MomentBounds} is moved to the nearest
 *   bound; above SCV 1 the infimum is not attained, and third moments so close
 *   to it that the fast phase's mean would fall below
 *   {@linkcode MAP2_FAST_PHASE_FLOOR} of the mean are raised to that point;
 * - a lag-1 correlation outside {@linkcode map2CorrelationBounds} is moved to
 *   the nearest bound; above SCV 1 the supremum is not attained, and `gamma`
 *   is capped at {@linkcode MAP2_GAMMA_CEILING}.
 * A target within a relative 1e-12 of a bound is moved silently.
 *
 * At SCV 1 (after adjustment) the result is the Poisson process of rate
 * `1 / m1` written with two identical phases: `D0 = -lambda I`,
 * `D1 = lambda / 2` everywhere.
 *
 * @param moments `[E[X], E[X^2], E[X^3]]` of the inter-arrival time, seconds
 *   to the powers 1, 2, 3, each finite and > 0.
 * @param lag1 Lag-1 autocorrelation of successive inter-arrival times, finite.
 * @returns The MAP, whether it is exact, and what was adjusted.
 * @throws {TypeError} If `moments` is not an array of 3 numbers.
 * @throws {RangeError} If a moment is not a finite number > 0 or `lag1` is not
 *   finite (NaN included).
 *
 * @example Usage
 * ```ts
 * import assert from "node:assert/strict";
 * import { lagCorrelationsFromMap, marginalMomentsFromMap } from "./moments.ts";
 *
 * const { map, exact } = map2FromMoments([0.1, 0.03, 0.015], 0.1);
 * assert.ok(exact);
 * const [m1, m2, m3] = marginalMomentsFromMap(map);
 * assert.ok(Math.abs(m1 - 0.1) < 1e-12 && Math.abs(m2 / 0.03 - 1) < 1e-9);
 * assert.ok(Math.abs(m3 / 0.015 - 1) < 1e-9);
 * assert.ok(Math.abs(lagCorrelationsFromMap(map)[0] - 0.1) < 1e-9);
 *
 * // SCV 0.3 is below what two phases can do.
 * const low = map2FromMoments([1, 1.3, 2], 0);
 * assert.equal(low.exact, false);
 * assert.equal(low.adjusted[0], "SCV 0.3 raised to the order-2 minimum 0.5");
 * ```
 */
export function map2FromMoments(moments: readonly [number, number, number], lag1: number): Map2Fit {
  const what = "Cannot fit a MAP(2)";
  const reduced = reducedMoments(moments, what);
  const m1 = reduced.m1;
  let { h2, h3 } = reduced;
  if (!(Math.abs(lag1) < Infinity)) {
    throw new RangeError(
      `${what}: expected a finite lag-1 correlation, found ${describe(lag1)}`,
    );
  }
  const adjusted: string[] = [];
  if (h2 < -0.25) {
    if (h2 < -0.25 - SLACK) {
      adjusted.push(`SCV ${formatNumber(1 + 2 * h2)} raised to the order-2 minimum 0.5`);
    }
    h2 = -0.25;
  }
  const scv = 1 + 2 * h2, r2 = 1 + h2;
  const m3Of = (h: number) => 6 * (h + r2 * r2) * m1 ** 3;
  const range = h3Range(h2);
  const r3 = h3 + r2 * r2;
  if (h2 > 0) {
    // Open lower bound: keep the fast phase's mean at least the floor.
    const floor = fastPhaseFloorH3(h2);
    if (h3 < floor) {
      const [from, to, inf] = formatDistinct(moments[2], m3Of(floor), m3Of(0));
      adjusted.push(
        `third moment ${from} raised to ${to}, just above the order-2 infimum ${inf} for SCV ` +
          `${formatNumber(scv)} (1.5 m2^2/m1, not attained)`,
      );
      h3 = floor;
    }
  } else if (h3 < range.lower || h3 > range.upper) {
    const bound = h3 < range.lower ? range.lower : range.upper;
    if (Math.abs(h3 - bound) > SLACK * r3) {
      const change = h3 < range.lower ? "raised to the order-2 minimum" : "lowered to the " +
        "order-2 maximum";
      const [from, to] = formatDistinct(moments[2], m3Of(bound));
      adjusted.push(`third moment ${from} ${change} ${to} for SCV ${formatNumber(scv)}`);
    }
    h3 = bound;
  }
  if (h2 === 0) {
    if (Math.abs(lag1) > SLACK) {
      adjusted.push(
        `lag-1 correlation ${formatNumber(lag1)} set to 0, the only value for SCV 1 ` +
          `(an exponential marginal)`,
      );
    }
    const rate = 1 / m1;
    const map = mapProcess([[-rate, 0], [0, -rate]], [[rate / 2, rate / 2], [rate / 2, rate / 2]]);
    return { map, exact: adjusted.length === 0, adjusted };
  }
  const phases = marginalPhases(h2, h3);
  const bounds = lagBounds(h2, h3, phases);
  const c = h2 / (1 + 2 * h2);
  let gamma = lag1 / c;
  const [gammaLow, gammaHigh] = h2 > 0
    ? [gammaRange(h2, phases).min, MAP2_GAMMA_CEILING]
    : [gammaRange(h2, phases).min, gammaRange(h2, phases).max];
  if (gamma < gammaLow || gamma > gammaHigh) {
    const toHigh = gamma > gammaHigh;
    const target = toHigh ? gammaHigh : gammaLow;
    const moved = c * target;
    if (Math.abs(moved - lag1) > SLACK) {
      const verb = moved > lag1 ? "raised" : "lowered";
      const [from, to, sup] = formatDistinct(lag1, moved, bounds.upper);
      adjusted.push(
        toHigh && h2 > 0
          ? `lag-1 correlation ${from} ${verb} to ${to}, just below the supremum ${sup} for ` +
            `these moments (not attained)`
          : `lag-1 correlation ${from} ${verb} to the bound ${to} for these moments`,
      );
    }
    gamma = target;
  }
  const map = canonicalMap2(phases, h2, gamma, m1);
  return { map, exact: adjusted.length === 0, adjusted };
}

/** The result of {@linkcode fitMap2}. */
export interface Map2SampleFit extends Map2Fit {
  /** The sample's statistics that were the targets. */
  sample: {
    /** `1 / E[X]`, per second. */
    ratePerSec: number;
    /** Squared coefficient of variation. */
    scv: number;
    /** Lag-1 autocorrelation (0 if all gaps are equal, see `adjusted`). */
    lag1: number;
    /** `[E[X], E[X^2], E[X^3]]`, seconds to the powers 1, 2, 3. */
    moments: [number, number, number];
  };
}

/**
 * Fits a MAP(2) to a trace of inter-arrival times: its sample moments and
 * lag-1 autocorrelation (as {@linkcode traceStatistics} computes them) are
 * the targets of {@linkcode map2FromMoments}.
 *
 * @param interArrivalsSec At least 2 inter-arrival times, seconds, each finite
 *   and >= 0, not all 0.
 * @returns The fitted MAP, whether it matches the sample exactly, what was
 *   adjusted, and the sample's statistics.
 * @throws {RangeError} As {@linkcode traceStatistics} (fewer than 2 gaps, a gap
 *   not a finite number >= 0, all gaps 0).
 *
 * @example Usage
 * ```ts
 * import assert from "node:assert/strict";
 * import { interArrivals, mapArrivals, takeArrivals } from "../arrivals/streams.ts";
 * import { seededPrng } from "../random/prng.ts";
 * import { mmpp2 } from "./map_process.ts";
 * import { arrivalRatePerSec } from "./moments.ts";
 *
 * const truth = mmpp2({ rate1PerSec: 5, rate2PerSec: 50, switch12PerSec: 1, switch21PerSec: 1 });
 * const gaps = interArrivals(takeArrivals(mapArrivals(truth, { prng: seededPrng(1) }), {
 *   count: 100_000,
 * }));
 * const fit = fitMap2(gaps);
 * // Rate 27.5/s; 10^5 gaps of this MMPP estimate it to about 1 %.
 * assert.ok(Math.abs(arrivalRatePerSec(fit.map) / 27.5 - 1) < 0.05);
 * assert.ok(Math.abs(arrivalRatePerSec(fit.map) / fit.sample.ratePerSec - 1) < 1e-12);
 * ```
 */
export function fitMap2(interArrivalsSec: ArrayLike<number>): Map2SampleFit {
  // Windows as long as possible: only the moments and lag 1 are needed.
  const stats = traceStatistics(interArrivalsSec, {
    lags: 1,
    countWindowSec: Number.MAX_VALUE,
    rateWindowSec: Number.MAX_VALUE,
  });
  const adjusted: string[] = [];
  let lag1 = stats.lagCorrelations[0];
  if (Number.isNaN(lag1)) {
    adjusted.push("lag-1 correlation undefined (all gaps are equal) taken as 0");
    lag1 = 0;
  }
  const fit = map2FromMoments(stats.moments, lag1);
  adjusted.push(...fit.adjusted);
  return {
    map: fit.map,
    exact: adjusted.length === 0,
    adjusted,
    sample: { ratePerSec: stats.ratePerSec, scv: stats.scv, lag1, moments: stats.moments },
  };
}

/** Options of {@linkcode fitMapWindows}. */
export interface FitMapWindowsOptions {
  /** Length of each window, seconds, finite and > 0. @default {3600} */
  windowSec?: number;
  /**
   * Start of the first window, seconds, at most the first arrival.
   * @default {the first arrival rounded down to a multiple of `windowSec`}
   */
  startSec?: number;
  /** Fewest arrivals in a window to fit it, an integer >= 4. @default {10} */
  minArrivals?: number;
  /** Called after each window with the number done and the total. */
  onProgress?: (done: number, total: number) => void;
}

/** The fitted MAP of a window, with its descriptors. */
export interface FittedMap2 {
  /** `D0` of the fitted MAP(2), per second. */
  d0: Matrix;
  /** `D1` of the fitted MAP(2), per second. */
  d1: Matrix;
  /** Arrival rate of the fitted MAP, per second. */
  ratePerSec: number;
  /** SCV of the fitted MAP's inter-arrival time. */
  scv: number;
  /** Lag-1 autocorrelation of the fitted MAP. */
  lag1: number;
}

/** One window of {@linkcode fitMapWindows}. */
export interface MapWindowFit {
  /** Start of the window, seconds. */
  startSec: number;
  /** End of the window (excluded), seconds: `startSec + windowSec`. */
  endSec: number;
  /** Arrivals in `[startSec, endSec)`. */
  count: number;
  /** `1 / mean` of the gaps within the window, per second (`NaN` below 2 gaps). */
  ratePerSec: number;
  /** SCV of the gaps within the window (`NaN` below 2 gaps). */
  scv: number;
  /** Lag-1 autocorrelation of the gaps within the window (`NaN` below 2 gaps). */
  lag1: number;
  /** The fitted MAP, absent when the window was not fitted (see `reason`). */
  fitted?: FittedMap2;
  /** Whether the fit matches the window's statistics exactly. */
  exact: boolean;
  /** What the fit had to adjust (see {@linkcode map2FromMoments}). */
  adjusted: string[];
  /** Why the window was not fitted, when it was not. */
  reason?: string;
}

/**
 * Splits sorted arrival times into consecutive windows and fits a MAP(2) to
 * each with {@linkcode fitMap2}. A window's sample is the gaps between its
 * own successive arrivals (the gap across a window boundary belongs to
 * neither), so windows are fitted independently, as the paper's hourly MAPs.
 * Windows run from `startSec` until the one holding the last arrival; one
 * with fewer than `minArrivals` arrivals, whose gaps are all 0, or whose gaps
 * are all equal up to the rounding of the times (a deterministic series, which
 * no MAP(2) matches: its SCV is at least 0.5; its SCV is then reported as 0
 * and its lag-1 correlation as `NaN`, undefined) is reported with a `reason`
 * instead of a fit.
 *
 * @param arrivalsSec Absolute arrival times, seconds, finite and non-decreasing.
 * @param options Window length, start, the fewest arrivals to fit, progress.
 * @returns One entry per window.
 * @throws {RangeError} If there is no arrival, a time is not finite or
 *   decreases (the message names the index), `windowSec` is not a finite
 *   number > 0, `startSec` is not finite or is after the first arrival,
 *   `minArrivals` is not an integer >= 4, or there would be more than 10^6
 *   windows.
 *
 * @example Usage
 * ```ts
 * import assert from "node:assert/strict";
 * import { poissonArrivals, takeArrivals } from "../arrivals/streams.ts";
 * import { seededPrng } from "../random/prng.ts";
 *
 * const arrivals = takeArrivals(poissonArrivals(20, { prng: seededPrng(3) }), { untilSec: 200 });
 * const windows = fitMapWindows(arrivals, { windowSec: 100 });
 * assert.deepEqual(windows.map((w) => [w.startSec, w.endSec]), [[0, 100], [100, 200]]);
 * assert.ok(windows.every((w) => w.fitted && Math.abs(w.fitted.ratePerSec / 20 - 1) < 0.1));
 * ```
 */
export function fitMapWindows(
  arrivalsSec: ArrayLike<number>,
  options: FitMapWindowsOptions = {},
): MapWindowFit[] {
  const what = "Cannot fit MAP(2)s to windows";
  const { windowSec = 3600, minArrivals = 10, onProgress } = options;
  if (!(windowSec > 0 && windowSec < Infinity)) {
    throw new RangeError(
      `${what}: expected 'windowSec' to be a finite number > 0, found ${describe(windowSec)}`,
    );
  }
  if (!(Number.isInteger(minArrivals) && minArrivals >= 4)) {
    throw new RangeError(
      `${what}: expected 'minArrivals' to be an integer >= 4, found ${describe(minArrivals)}`,
    );
  }
  const n = arrivalsSec.length;
  if (!(n >= 1)) throw new RangeError(`${what}: expected at least one arrival, found none`);
  for (let i = 0; i < n; i++) {
    const t = arrivalsSec[i];
    if (!(Math.abs(t) < Infinity) || (i > 0 && t < arrivalsSec[i - 1])) {
      throw new RangeError(
        `${what}: expected finite, non-decreasing arrival times, found ${describe(t)} at ` +
          `index ${i}` + (i > 0 ? ` after ${arrivalsSec[i - 1]}` : ""),
      );
    }
  }
  const first = arrivalsSec[0], last = arrivalsSec[n - 1];
  const startSec = options.startSec ?? Math.floor(first / windowSec) * windowSec;
  if (!(Math.abs(startSec) < Infinity && startSec <= first)) {
    throw new RangeError(
      `${what}: expected 'startSec' to be a finite number <= the first arrival ${first} s, ` +
        `found ${describe(startSec)}`,
    );
  }
  const total = Math.floor((last - startSec) / windowSec) + 1;
  if (total > 1e6) {
    throw new RangeError(
      `${what}: expected at most 10^6 windows, found ${total} (${last - startSec} s in ` +
        `windows of ${windowSec} s)`,
    );
  }
  const out: MapWindowFit[] = [];
  let i = 0;
  for (let k = 0; k < total; k++) {
    const start = startSec + k * windowSec, end = startSec + (k + 1) * windowSec;
    const from = i;
    while (i < n && (arrivalsSec[i] < end || k === total - 1)) i++;
    out.push(fitWindow(arrivalsSec, from, i, start, end, minArrivals));
    onProgress?.(k + 1, total);
  }
  return out;
}

function fitWindow(
  arrivalsSec: ArrayLike<number>,
  from: number,
  to: number,
  startSec: number,
  endSec: number,
  minArrivals: number,
): MapWindowFit {
  const count = to - from;
  const gaps = new Float64Array(Math.max(0, count - 1));
  for (let j = from + 1; j < to; j++) gaps[j - from - 1] = arrivalsSec[j] - arrivalsSec[j - 1];
  const base = { startSec, endSec, count, ratePerSec: NaN, scv: NaN, lag1: NaN };
  let sum = 0;
  for (const g of gaps) sum += g;
  if (gaps.length >= 2 && sum > 0) {
    const s = traceStatistics(gaps, {
      lags: 1,
      countWindowSec: Number.MAX_VALUE,
      rateWindowSec: Number.MAX_VALUE,
    });
    Object.assign(base, { ratePerSec: s.ratePerSec, scv: s.scv, lag1: s.lagCorrelations[0] });
  }
  if (count < minArrivals) {
    return {
      ...base,
      exact: false,
      adjusted: [],
      reason: `${count} arrival${count === 1 ? "" : "s"} (at least ${minArrivals} needed)`,
    };
  }
  if (!(sum > 0)) {
    return { ...base, exact: false, adjusted: [], reason: "all arrivals at the same time" };
  }
  const spread = _equalGapsSpread(gaps, arrivalsSec[from], arrivalsSec[to - 1]);
  if (spread !== undefined) {
    // The sample's SCV and lag-1 are rounding noise here (an SCV of 4e-30 with a lag-1
    // of 0.96): report the series as what it is.
    return {
      ...base,
      scv: 0,
      lag1: NaN,
      exact: false,
      adjusted: [],
      reason: `degenerate (every gap is ${formatNumber(sum / gaps.length)} s` +
        `${spread > 0 ? " up to rounding" : ""}): no MAP(2) matches a deterministic series, ` +
        "its SCV is at least 0.5",
    };
  }
  const fit = fitMap2(gaps);
  return {
    ...base,
    fitted: {
      d0: fit.map.d0.map((row) => row.slice()),
      d1: fit.map.d1.map((row) => row.slice()),
      ratePerSec: arrivalRatePerSec(fit.map),
      scv: scvFromMap(fit.map),
      lag1: lagCorrelationsFromMap(fit.map)[0],
    },
    exact: fit.exact,
    adjusted: fit.adjusted,
  };
}

/**
 * The spread (largest minus smallest) of gaps that are all equal up to the
 * rounding of the times they were taken from, else `undefined`. A time `t` is
 * held to within half an ulp, `eps |t| / 2`, so a gap between two times is
 * within `eps |t|` of its true value and two equal gaps differ by at most
 * `2 eps |t|`; the bound allows eight times that.
 */
function _equalGapsSpread(
  gaps: Float64Array,
  firstSec: number,
  lastSec: number,
): number | undefined {
  let lo = Infinity, hi = -Infinity;
  for (const g of gaps) {
    if (g < lo) lo = g;
    if (g > hi) hi = g;
  }
  const resolution = 16 * Number.EPSILON * Math.max(Math.abs(firstSec), Math.abs(lastSec));
  return hi - lo <= resolution ? hi - lo : undefined;
}

// ---------------------------------------------------------------------------
// Order-2 algebra, in units of the mean.

/**
 * Mean-normalized marginal `Exp(mean b) + Bernoulli(p) * Exp(mean a)` (`a >= b`,
 * `p = (1 - b) / a`), with the differences the canonical forms need, each
 * computed without cancellation where the moments allow it.
 */
interface Phases {
  a: number;
  b: number;
  /** `a b = h3 / h2`. */
  ab: number;
  /** `a - 1` (> 0 above SCV 1, < 0 below). */
  aMinus1: number;
  /** `1 - b` (> 0). */
  oneMinusB: number;
  /** `a - b` (>= 0). */
  aMinusB: number;
  /** `a + b - 1 = h2 + a b` (>= 0). */
  sumMinus1: number;
}

function reducedMoments(
  moments: readonly [number, number, number],
  what: string,
): { m1: number; h2: number; h3: number } {
  if (!Array.isArray(moments) || moments.length !== 3) {
    throw new TypeError(
      `${what}: expected an array of 3 moments, found ` +
        (Array.isArray(moments) ? `${moments.length}` : describe(moments)),
    );
  }
  for (let i = 0; i < 3; i++) {
    const m = moments[i];
    if (typeof m !== "number") {
      throw new TypeError(`${what}: expected 3 numbers, found ${describe(m)} at index ${i}`);
    }
    if (!(m > 0 && m < Infinity)) {
      throw new RangeError(
        `${what}: expected moments that are finite numbers > 0, found ${m} at index ${i}`,
      );
    }
  }
  const [m1, m2, m3] = moments;
  const r2 = m2 / (2 * m1 * m1), r3 = m3 / (6 * m1 * m1 * m1);
  return { m1, h2: r2 - 1, h3: r3 - r2 * r2 };
}

/** Bounds of `h3` for a given `h2 >= -1/4` (for `h2 > 0` the lower bound 0 is open). */
function h3Range(h2: number): { lower: number; upper: number } {
  if (h2 > 0) return { lower: 0, upper: Infinity };
  if (h2 === 0) return { lower: 0, upper: 0 };
  const root = Math.sqrt(-h2);
  return { lower: h2 - h2 * h2 + 2 * (-h2) * root, upper: -h2 * h2 };
}

/** The `h3` at which the fast phase's mean is {@linkcode MAP2_FAST_PHASE_FLOOR} (`h2 > 0`). */
function fastPhaseFloorH3(h2: number): number {
  const b = MAP2_FAST_PHASE_FLOOR, a = 1 + h2 / (1 - b); // (a - 1)(1 - b) = h2
  return a * b * h2;
}

/**
 * The marginal from `h2 != 0` and a feasible `h3`: `a - 1` and `b - 1` are the
 * roots of `z^2 - e z - h2 = 0` with `e = a + b - 2 = h2 + a b - 1`, taken
 * each by the formula that adds terms of the same sign.
 */
function marginalPhases(h2: number, h3: number): Phases {
  const ab = h3 / h2, e = h2 + ab - 1;
  let aMinus1: number, oneMinusB: number, aMinusB: number;
  if (h2 > 0) {
    // Roots of opposite signs: a - 1 > 0 > b - 1.
    const root = Math.sqrt(e * e + 4 * h2);
    if (e >= 0) {
      aMinus1 = (e + root) / 2;
      oneMinusB = h2 / aMinus1;
    } else {
      oneMinusB = (root - e) / 2;
      aMinus1 = h2 / oneMinusB;
    }
    aMinusB = aMinus1 + oneMinusB;
  } else {
    // Both negative: 1 - a <= 1 - b are the roots of z^2 + e z - h2 = 0 (e < 0).
    aMinusB = Math.sqrt(Math.max(0, e * e + 4 * h2));
    oneMinusB = (aMinusB - e) / 2;
    aMinus1 = h2 / oneMinusB;
  }
  const a = 1 + aMinus1;
  const b = oneMinusB > 0.5 ? ab / a : 1 - oneMinusB;
  const sumMinus1 = h2 > 0 ? aMinus1 + b : Math.max(0, h2 + ab);
  return { a, b, ab, aMinus1, oneMinusB, aMinusB, sumMinus1 };
}

/** Range of `gamma` (the non-unit eigenvalue of `P`) for the marginal; `max` is 1 above SCV 1. */
function gammaRange(h2: number, ph: Phases): { min: number; max: number } {
  if (h2 > 0) return { min: -Math.min(ph.sumMinus1, ph.oneMinusB / ph.aMinus1, 1), max: 1 };
  // (sqrt(a b) - sqrt(-h2))^2 with a b = -h2 + S, S = a + b - 1, written without cancellation.
  const s = ph.sumMinus1;
  return {
    min: -Math.min(s, 1),
    max: Math.min(1, (s / (Math.sqrt(s - h2) + Math.sqrt(-h2))) ** 2),
  };
}

function lagBounds(h2: number, h3: number, phases?: Phases): Map2CorrelationBounds {
  if (h2 === 0) return { lower: 0, upper: 0, upperAttained: true };
  const g = gammaRange(h2, phases ?? marginalPhases(h2, h3));
  const c = h2 / (1 + 2 * h2);
  return h2 > 0
    ? { lower: c * g.min, upper: c, upperAttained: false }
    : { lower: c * g.max, upper: c * g.min, upperAttained: true };
}

/**
 * The canonical MAP(2) of Bodrog et al. for the marginal and `gamma`, rates per
 * second. Each of `x`, `1 - x`, `y`, `1 - y` has its own formula, free of
 * cancellation where the target allows (see the module documentation for the
 * forms; `delta = 1 - gamma`):
 * - `gamma > 0`: `1 - y` is the smaller root of `a w^2 - (a - b + delta) w +
 *   (1 - b) delta`, `y` the larger root of `a y^2 - (a + b - 1 + gamma) y + b gamma`,
 *   `x = gamma / y`, and `1 - x` a root of `b u^2 + (a - b - delta) u - delta (a - 1)`;
 *   the three share the discriminant `(a - b - delta)^2 + 4 delta b (a - 1)
 *   = (a + b - 1 - gamma)^2 + 4 gamma h2`.
 * - `gamma <= 0` (`g = -gamma`): `y = (1 - b + g) / a`, `1 - y = (a + b - 1 - g) / a`,
 *   `x = g / y`, `1 - x = (1 - b - g (a - 1)) / (a y)`.
 */
function canonicalMap2(ph: Phases, h2: number, gamma: number, m1: number): MapProcess {
  const { a, b, aMinus1, oneMinusB, aMinusB, sumMinus1 } = ph;
  const l1 = 1 / (a * m1), l2 = 1 / (b * m1);
  let x: number, oneMinusX: number, y: number, oneMinusY: number;
  if (gamma > 0) {
    const delta = 1 - gamma;
    const e = gamma + aMinus1 - b, f = sumMinus1 - gamma; // e = a - b - delta
    // Two expressions of the discriminant: the first cancels least for small gamma.
    const discriminant = gamma < 0.5 ? f * f + 4 * gamma * h2 : e * e + 4 * delta * b * aMinus1;
    const root = Math.sqrt(Math.max(0, discriminant));
    oneMinusY = (2 * oneMinusB * delta) / (aMinusB + delta + root);
    y = (sumMinus1 + gamma + root) / (2 * a);
    x = gamma / y;
    if (aMinus1 > 0) {
      oneMinusX = e >= 0 ? (2 * delta * aMinus1) / (e + root) : (root - e) / (2 * b);
    } else {
      oneMinusX = (root - e) / (2 * b);
    }
  } else {
    const g = -gamma;
    y = (oneMinusB + g) / a;
    oneMinusY = (sumMinus1 - g) / a;
    x = y > 0 ? g / y : 0;
    oneMinusX = y > 0 ? (oneMinusB - g * aMinus1) / (a * y) : 1;
  }
  // Of each pair, the smaller has the better relative accuracy: the other is its complement,
  // so that the rows of D0 + D1 sum to 0 to rounding.
  [x, oneMinusX] = complements(x, oneMinusX);
  [y, oneMinusY] = complements(y, oneMinusY);
  return gamma > 0
    ? mapProcess(
      [[-l1, oneMinusX * l1], [0, -l2]],
      [[x * l1, 0], [oneMinusY * l2, y * l2]],
    )
    : mapProcess(
      [[-l1, oneMinusX * l1], [0, -l2]],
      [[0, x * l1], [y * l2, oneMinusY * l2]],
    );
}

/** `[v, 1 - v]` from two estimates of a probability and its complement, each clamped to [0, 1]. */
function complements(v: number, w: number): [number, number] {
  const small = clamp(Math.min(v, w), 0, 0.5);
  return v <= w ? [small, 1 - small] : [1 - small, small];
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

function formatInterval(b: Map2MomentBounds): string {
  const lo = formatNumber(b.lowerM3Sec3), hi = formatNumber(b.upperM3Sec3);
  return `${b.lowerAttained ? "[" : "("}${lo}, ${hi}${b.upperM3Sec3 < Infinity ? "]" : ")"}`;
}

/**
 * The numbers with the fewest significant digits, from 6 to 15, at which those
 * that differ print differently.
 */
function formatDistinct(...xs: number[]): string[] {
  for (let digits = 6;; digits++) {
    const out = xs.map((x) => formatNumber(x, digits));
    const clash = xs.some((x, i) => xs.some((y, j) => x !== y && out[i] === out[j]));
    if (!clash || digits === 15) return out;
  }
}

/** `digits` significant digits, in exponent form below 1e-3 or from 1e6 on. */
function formatNumber(x: number, digits = 6): string {
  if (!Number.isFinite(x)) return String(x);
  const rounded = Number(x.toPrecision(digits));
  const abs = Math.abs(rounded);
  return abs === 0 || (abs >= 1e-3 && abs < 1e6) ? String(rounded) : rounded.toExponential();
}

function describe(v: unknown): string {
  if (typeof v === "number") return String(v);
  if (typeof v === "string") return JSON.stringify(v);
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object" : typeof v;
}

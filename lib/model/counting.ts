/**
 * Counting matrices of a MAP by uniformization.
 *
 * `P(n, t)[i][j]` is the probability of exactly `n` arrivals in `(0, t]` and
 * phase `j` at `t`, given phase `i` at 0; `I(n, t) = integral_0^t P(n, s) ds`.
 * With `q >= max_i -D0[i][i]`, `K0 = I + D0 / q` and `K1 = D1 / q`,
 *
 *   P(n, t) = sum_k pois(k; q t) V_k(n),     I(n, t) = (1/q) sum_k P[Pois(q t) > k] V_k(n),
 *
 * where `V_0(0) = I` and `V_{k+1}(n) = V_k(n) K0 + V_k(n-1) K1` (Grassmann,
 * "Transient solutions in Markovian queueing systems", 1977). All terms are
 * non-negative, so the sums are free of cancellation; the Poisson weights are
 * computed in log space, so large `q t` does not underflow.
 *
 * Layout: flat `Float64Array`s indexed `[(t * maxCount + n) * m * m + i * m + j]`.
 *
 * @module
 */

import type { Matrix } from "../numeric/dense.ts";

/** Counting matrices at a list of times. */
export interface CountingTables {
  /** Number of phases `m`. */
  readonly phases: number;
  /** Counts `0 .. maxCount - 1` are tabulated. */
  readonly maxCount: number;
  /** The times, in seconds. */
  readonly timesSec: Float64Array;
  /** `P(n, t)`, layout `[t][n][i][j]`. */
  readonly p: Float64Array;
  /** `I(n, t)`, same layout (only when asked for). */
  readonly integral?: Float64Array;
}

/** Options of {@linkcode countingMatrices}. */
export interface CountingOptions {
  /** Also compute the integrals `I(n, t)`. @default {false} */
  integrals?: boolean;
  /** Truncation error allowed in the Poisson sums. @default {1e-16} */
  epsilon?: number;
}

/** Uniformization rate of a MAP: the largest total outflow rate of a phase. */
export function uniformizationRate(d0: Matrix): number {
  let q = 0;
  for (let i = 0; i < d0.length; i++) q = Math.max(q, -d0[i][i]);
  return q;
}

/**
 * Fills `weights[k]` with the Poisson(`mean`) probabilities for `k <= right`
 * (Fox & Glynn, "Computing Poisson probabilities", CACM 1988): start at the
 * mode with 1, recur outwards with ratios, normalise by the sum. Returns the
 * first index that matters (0 when `all`, as the integrals need every term).
 */
function poissonWeights(
  mean: number,
  right: number,
  epsilon: number,
  weights: Float64Array,
  all: boolean,
): number {
  const mode = Math.min(right, Math.floor(mean));
  weights.fill(0, 0, right + 1);
  weights[mode] = 1;
  let left = 0;
  for (let k = mode; k > 0; k--) {
    weights[k - 1] = weights[k] * (k / mean);
    if (weights[k - 1] < 1e-300) {
      left = k;
      break;
    }
  }
  for (let k = mode; k < right; k++) weights[k + 1] = weights[k] * (mean / (k + 1));
  let total = 0;
  for (let k = right; k >= left; k--) total += weights[k];
  for (let k = left; k <= right; k++) weights[k] /= total;
  if (all) return 0;
  while (left < mode && weights[left] < epsilon * 1e-3) left++;
  return left;
}

/** Smallest `k` beyond which the Poisson(`mean`) tail is below `epsilon`. */
export function poissonRightEdge(mean: number, epsilon: number): number {
  // Generous bound (Fox & Glynn style): mean + c sqrt(mean) + c, refined below.
  const c = Math.sqrt(-2 * Math.log(epsilon)) + 3;
  return Math.ceil(mean + c * Math.sqrt(mean + 1) + c * c / 3 + 10);
}

/**
 * The matrices `V_k(n)` of the uniformized chain for `k = 0 .. kMax`,
 * `n = 0 .. maxCount - 1`; layout `[k][n][i][j]`.
 */
function uniformizedPowers(
  d0: Matrix,
  d1: Matrix,
  q: number,
  maxCount: number,
  kMax: number,
): Float64Array {
  const m = d0.length, mm = m * m, stride = maxCount * mm;
  const k0 = new Float64Array(mm), k1 = new Float64Array(mm);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      k0[i * m + j] = (i === j ? 1 : 0) + d0[i][j] / q;
      k1[i * m + j] = d1[i][j] / q;
    }
  }
  const v = new Float64Array((kMax + 1) * stride);
  for (let i = 0; i < m; i++) v[i * m + i] = 1;
  for (let k = 0; k < kMax; k++) {
    const src = k * stride, dst = (k + 1) * stride;
    const nTop = Math.min(k, maxCount - 1);
    for (let n = 0; n <= Math.min(k + 1, maxCount - 1); n++) {
      const out = dst + n * mm;
      if (n <= nTop) mulAdd(v, src + n * mm, k0, v, out, m);
      if (n >= 1) mulAdd(v, src + (n - 1) * mm, k1, v, out, m);
    }
  }
  return v;
}

/** `out[o..] += a[ao..] * b` for `m` x `m` blocks. */
function mulAdd(
  a: Float64Array,
  ao: number,
  b: Float64Array,
  out: Float64Array,
  o: number,
  m: number,
): void {
  for (let i = 0; i < m; i++) {
    for (let l = 0; l < m; l++) {
      const x = a[ao + i * m + l];
      if (x === 0) continue;
      for (let j = 0; j < m; j++) out[o + i * m + j] += x * b[l * m + j];
    }
  }
}

/**
 * Counting matrices `P(n, t)` and integrals `I(n, t)` on the lattice
 * `t = i h`, `i = 0 .. points - 1`, by stepping: `P(., t + h) = P(., t) * P(., h)`
 * and `I(., t + h) = I(., t) + P(., t) * I(., h)`, where `*` convolves the
 * counts (Chapman-Kolmogorov). Every term is non-negative, so the rounding
 * error grows at most linearly with the number of steps; the cost per point
 * does not grow with `q t`, unlike a fresh uniformization at each point.
 *
 * @param d0 Hidden-transition rates of the MAP, per second.
 * @param d1 Arrival-transition rates of the MAP, per second.
 * @param stepSec The lattice step `h`.
 * @param points Number of lattice points.
 * @param maxCount Number of counts to tabulate.
 * @returns The tables (with integrals), times `i h`.
 */
export function countingLattice(
  d0: Matrix,
  d1: Matrix,
  stepSec: number,
  points: number,
  maxCount: number,
): CountingTables {
  const m = d0.length, mm = m * m, stride = maxCount * mm;
  const step = countingMatrices(d0, d1, [0, stepSec], maxCount, { integrals: true });
  const p = new Float64Array(points * stride), integral = new Float64Array(points * stride);
  p.set(step.p.subarray(0, Math.min(points, 2) * stride));
  integral.set(step.integral!.subarray(0, Math.min(points, 2) * stride));
  const ph = step.p.subarray(stride), ih = step.integral!.subarray(stride);
  for (let t = 2; t < points; t++) {
    const prev = (t - 1) * stride, out = t * stride;
    integral.copyWithin(out, prev, prev + stride);
    for (let a = 0; a < maxCount; a++) {
      for (let c = 0; a + c < maxCount; c++) {
        // P(a, t - h) P(c, h) -> P(a + c, t);  P(a, t - h) I(c, h) -> I(a + c, t)
        const src = prev + a * mm, o = out + (a + c) * mm, hc = c * mm;
        for (let i = 0; i < m; i++) {
          for (let l = 0; l < m; l++) {
            const x = p[src + i * m + l];
            if (x === 0) continue;
            for (let j = 0; j < m; j++) {
              p[o + i * m + j] += x * ph[hc + l * m + j];
              integral[o + i * m + j] += x * ih[hc + l * m + j];
            }
          }
        }
      }
    }
  }
  const timesSec = Float64Array.from({ length: points }, (_, i) => i * stepSec);
  return { phases: m, maxCount, timesSec, p, integral };
}

/**
 * Counting matrices `P(n, t)` (and optionally `I(n, t)`) of the MAP `(d0, d1)`
 * for `n < maxCount` at each of `timesSec`.
 *
 * @param d0 Hidden-transition rates of the MAP, per second.
 * @param d1 Arrival-transition rates of the MAP, per second.
 * @param timesSec Non-negative times.
 * @param maxCount Number of counts to tabulate (`n = 0 .. maxCount - 1`).
 * @param options See {@linkcode CountingOptions}.
 * @returns The tables.
 */
export function countingMatrices(
  d0: Matrix,
  d1: Matrix,
  timesSec: ArrayLike<number>,
  maxCount: number,
  options: CountingOptions = {},
): CountingTables {
  const { integrals = false, epsilon = 1e-16 } = options;
  const m = d0.length, mm = m * m, stride = maxCount * mm;
  const times = Float64Array.from(timesSec);
  let tMax = 0;
  for (const t of times) tMax = Math.max(tMax, t);
  const q = uniformizationRate(d0);
  const kMax = poissonRightEdge(q * tMax, epsilon);
  const v = uniformizedPowers(d0, d1, q, maxCount, kMax);
  const p = new Float64Array(times.length * stride);
  const integral = integrals ? new Float64Array(times.length * stride) : undefined;
  const weights = new Float64Array(kMax + 2);
  for (let ti = 0; ti < times.length; ti++) {
    const mean = q * times[ti];
    const out = ti * stride;
    if (mean === 0) {
      for (let i = 0; i < m; i++) p[out + i * m + i] = 1;
      continue;
    }
    const right = Math.min(kMax, poissonRightEdge(mean, epsilon));
    const left = poissonWeights(mean, right, epsilon, weights, integral !== undefined);
    for (let k = left; k <= right; k++) {
      const w = weights[k];
      if (w === 0) continue;
      const src = k * stride;
      const nTop = Math.min(k, maxCount - 1);
      for (let x = 0; x < (nTop + 1) * mm; x++) p[out + x] += w * v[src + x];
    }
    if (integral) {
      // Tail probabilities P[Pois > k], summed from the right for accuracy.
      let tail = 0;
      for (let k = right; k >= 0; k--) {
        const coef = tail / q; // P[Pois > k] / q
        tail += weights[k];
        if (coef === 0) continue;
        const src = k * stride;
        const nTop = Math.min(k, maxCount - 1);
        for (let x = 0; x < (nTop + 1) * mm; x++) integral[out + x] += coef * v[src + x];
      }
    }
  }
  return { phases: m, maxCount, timesSec: times, p, integral };
}

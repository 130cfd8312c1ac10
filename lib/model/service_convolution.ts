/**
 * The exact method when a batch's service time is random: the latency of a
 * request is its wait W plus an independent service time S_K of its batch
 * (Lambda scales out), so the latency CDF is the mixture over the batch size k
 * of the wait's sub-distribution convolved with the service distribution of k:
 *
 *   E[K] F(w) = sum_k E[C_k(w - S_k)],
 *
 * with `C_k` the exact method's count of requests per batch in batches of k
 * that wait at most x (see `exact.ts`). `C_k` has an atom (the opener of a
 * timeout batch at x = T, or the request that fills a batch at x = 0) and a
 * smooth part with density `c_k` on [0, T]:
 *
 *   E[C_k(w - S)] = mass H(w - x_atom) + int_0^T c_k(x) H(w - x) dx.
 *
 * The integral is taken where both factors vary: below `w - high` the service
 * CDF H is 1 (to 1e-16) and the integral is `C_k` itself; above `w - low` it is
 * 0; between, on pieces bounded by the images `w - Q(v)` of the service
 * quantiles at normal scores -8.5, -8, ..., 8.5 (where H changes by at most
 * the normal CDF over half a standard score) and cut to at most `2 / q` (q the
 * uniformization rate, the scale of `c_k`), each with 8-point Gauss-Legendre.
 * Discrete service (empirical, deterministic) is an exact finite sum.
 *
 * The percentile is the smallest w with F(w) >= p: for continuous service F
 * is continuous and increasing, found by a safeguarded Newton iteration (the
 * density comes with the CDF) to machine precision of the computed F; for
 * discrete service F jumps, and the search first brackets between its
 * breakpoints.
 *
 * @module
 */

import type { ServiceDistribution } from "../profile/service_distribution.ts";
import { gaussLegendre, normalCdf } from "../numeric/special.ts";
import { type ExactBatchState, waitCount } from "./exact.ts";

const RULE = gaussLegendre(8);
/** Service quantile levels: the normal CDF at scores -8.5, -8, ..., 8.5. */
const LEVELS = Array.from({ length: 35 }, (_, i) => normalCdf(-8.5 + 0.5 * i));

/** Per batch size: its atom, the support of its smooth part, and its distribution's quantiles. */
interface SizeTerm {
  readonly k: number;
  readonly dist: ServiceDistribution;
  /** Position (s) and mass of the atom of `C_k` (0 mass when none). */
  readonly atomSec: number;
  readonly atomMass: number;
  /** Mass of the smooth part `Cc_k(T)`. */
  readonly smoothMass: number;
  /** `Cc_k` is 0 below and its full mass above, to 1e-16 of E[K]. */
  readonly smoothLoSec: number;
  readonly smoothHiSec: number;
  /** Service quantiles at {@linkcode LEVELS} (continuous kinds), ascending. */
  readonly quantilesSec: Float64Array | undefined;
}

/** A batch state with the service distributions of one memory, ready for CDF and percentiles. */
export interface VariableServiceModel {
  readonly state: ExactBatchState;
  readonly terms: readonly SizeTerm[];
  /** Largest piece of the smooth part's quadrature, seconds. */
  readonly pieceSec: number;
  /** Whether every distribution is continuous. */
  readonly continuous: boolean;
}

const tmp = { v: 0, d: 0 };

/** The smooth part `Cc_k(x)` and its density, into `tmp`. */
function smooth(s: ExactBatchState, k: number, x: number): void {
  const t = s.timeoutSec;
  if (x <= 0) {
    tmp.v = 0;
    tmp.d = 0;
    return;
  }
  const b = s.maxBatch;
  if (x >= t) {
    tmp.v = k < b ? (k - 1) * s.batchSize[k - 1] : b * s.batchSize[b - 1] - s.batchSize[b - 1];
    tmp.d = 0;
    return;
  }
  waitCount(s, k, x, false, tmp);
  if (k === b) tmp.v -= s.batchSize[b - 1];
}

/**
 * Prepares the variable-service model of one `(B, T)` state at one memory.
 *
 * @param state The exact method's batch state.
 * @param dists Service distributions of batch sizes 1..B (index k - 1).
 */
export function variableServiceModel(
  state: ExactBatchState,
  dists: readonly ServiceDistribution[],
): VariableServiceModel {
  const b = state.maxBatch, t = state.timeoutSec;
  const tol = 1e-16 * state.meanBatchSize;
  const nodes = state.tables.nodesSec;
  const terms: SizeTerm[] = [];
  for (let k = 1; k <= b; k++) {
    const p = state.batchSize[k - 1];
    const dist = dists[k - 1];
    const atomMass = p;
    const atomSec = k === b ? 0 : t;
    const full = k < b ? (k - 1) * p : (b - 1) * p;
    // The smooth part's support, from its values at the nodes (it is increasing).
    let lo = t, hi = 0;
    if (full > tol) {
      lo = 0;
      for (let i = 0; i < nodes.length; i++) {
        smooth(state, k, nodes[i]);
        if (tmp.v <= tol) lo = nodes[i];
        if (full - tmp.v > tol) hi = i + 1 < nodes.length ? nodes[i + 1] : t;
      }
      hi = Math.min(t, hi);
    }
    const continuous = dist.atomsSec === undefined;
    terms.push({
      k,
      dist,
      atomSec,
      atomMass,
      smoothMass: full,
      smoothLoSec: lo,
      smoothHiSec: hi,
      quantilesSec: continuous ? Float64Array.from(LEVELS, (v) => dist.quantile(v)) : undefined,
    });
  }
  return {
    state,
    terms,
    pieceSec: Math.max(8 * state.tables.strideSec, 1e-12),
    continuous: terms.every((x) => x.quantilesSec !== undefined),
  };
}

const acc = { v: 0, d: 0 };

/** `E[C_k(w - S)]` and its derivative in w (continuous service), added into `acc`. */
function addContinuous(s: ExactBatchState, term: SizeTerm, w: number, pieceSec: number): void {
  const { dist, k } = term;
  if (term.atomMass > 0) {
    acc.v += term.atomMass * dist.cdf(w - term.atomSec);
    acc.d += term.atomMass * dist.density(w - term.atomSec);
  }
  if (term.smoothMass <= 0) return;
  const x0 = term.smoothLoSec, x1 = term.smoothHiSec;
  // x below w - high: H = 1, the smooth part counts as it is.
  const a = Math.max(x0, w - dist.highSec), c = Math.min(x1, w - dist.lowSec);
  if (a >= x1) {
    acc.v += term.smoothMass;
    return;
  }
  if (c <= x0) return;
  if (a > x0) {
    smooth(s, k, a);
    acc.v += tmp.v;
  }
  // Pieces between a and c: images w - Q(v) of the quantile levels, cut to pieceSec.
  const q = term.quantilesSec!;
  const { nodes, weights } = RULE;
  let right = c;
  for (let j = 0; j <= q.length; j++) {
    // Walk the levels upward in service, i.e. downward in x from c.
    const edge = j < q.length ? w - q[j] : -Infinity;
    if (edge >= right) continue;
    const left = Math.max(a, edge);
    const n = Math.max(1, Math.ceil((right - left) / pieceSec));
    const h = (right - left) / n;
    for (let piece = 0; piece < n; piece++) {
      const lo = left + piece * h, mid = lo + 0.5 * h, half = 0.5 * h;
      for (let g = 0; g < nodes.length; g++) {
        const x = mid + half * nodes[g];
        smooth(s, k, x);
        const wt = half * weights[g] * tmp.d;
        acc.v += wt * dist.cdf(w - x);
        acc.d += wt * dist.density(w - x);
      }
    }
    right = left;
    if (left <= a) break;
  }
}

/** `E[C_k(w - S)]` (right-continuous, or the left limit) for discrete service, into `acc`. */
function addDiscrete(s: ExactBatchState, term: SizeTerm, w: number, left: boolean): void {
  const atoms = term.dist.atomsSec!, weights = term.dist.atomWeights!;
  for (let i = 0; i < atoms.length; i++) {
    waitCount(s, term.k, w - atoms[i], left, tmp);
    acc.v += weights[i] * tmp.v;
    acc.d += weights[i] * tmp.d;
  }
}

function scaled(model: VariableServiceModel, w: number, left: boolean): { v: number; d: number } {
  acc.v = 0;
  acc.d = 0;
  for (const term of model.terms) {
    if (term.dist.atomsSec === undefined) addContinuous(model.state, term, w, model.pieceSec);
    else addDiscrete(model.state, term, w, left);
  }
  return acc;
}

/**
 * The latency CDF `P(latency <= w)` (or with `left` the left limit) of the
 * exact method with random service.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { poissonProcess } from "../map/map_process.ts";
 * import { exactBatchStateFor } from "./exact.ts";
 * import { gammaService } from "../profile/service_distribution.ts";
 *
 * // B = 1: every request waits 0, its latency is S_1.
 * const state = exactBatchStateFor(poissonProcess(5), 1, 0.1);
 * const s1 = gammaService(0.2, 0.3);
 * const model = variableServiceModel(state, [s1]);
 * assert.ok(Math.abs(variableLatencyCdf(model, 0.25) - s1.cdf(0.25)) < 1e-15);
 * ```
 */
export function variableLatencyCdf(
  model: VariableServiceModel,
  w: number,
  options: { left?: boolean } = {},
): number {
  const v = scaled(model, w, options.left ?? false).v / model.state.meanBatchSize;
  return Math.max(0, Math.min(1, v));
}

/** The latency density at w (continuous service). */
export function variableLatencyDensity(model: VariableServiceModel, w: number): number {
  return scaled(model, w, false).d / model.state.meanBatchSize;
}

/**
 * The smallest w with `F(w) >= percentile` for the exact method with random
 * service, to machine precision of the computed F.
 */
export function variableLatencyPercentile(
  model: VariableServiceModel,
  percentile: number,
): number {
  const target = percentile * model.state.meanBatchSize;
  const t = model.state.timeoutSec;
  let lo = Infinity, hi = 0;
  for (const term of model.terms) {
    lo = Math.min(lo, term.dist.lowSec);
    hi = Math.max(hi, term.dist.highSec + t);
  }
  if (!model.continuous) return _discretePercentile(model, target);
  // F is continuous and increasing on [lo, hi]: safeguarded Newton from the secant point.
  let a = lo, c = hi;
  const fa = scaled(model, a, false).v - target;
  if (fa >= 0) return a;
  const fc = scaled(model, c, false).v - target;
  if (fc < 0) return c;
  let w = a + (c - a) * (-fa) / (fc - fa);
  if (!(w > a && w < c)) w = 0.5 * (a + c);
  for (let iter = 0; iter < 200; iter++) {
    const { v, d } = scaled(model, w, false);
    const f = v - target;
    if (f >= 0) c = w;
    else a = w;
    if (f === 0 || c - a <= 4e-16 * c) return c;
    const step = d > 0 ? f / d : NaN;
    let next = w - step;
    if (!(next > a && next < c) || iter % 8 === 7) next = 0.5 * (a + c);
    else if (Math.abs(step) <= 1e-15 * c) return Math.max(next, a);
    w = next;
  }
  return c;
}

/** The percentile when some service is discrete: F jumps at atoms + 0 and atoms + T. */
function _discretePercentile(model: VariableServiceModel, target: number): number {
  const t = model.state.timeoutSec;
  const breaks: number[] = [];
  for (const term of model.terms) {
    const atoms = term.dist.atomsSec;
    if (atoms === undefined) {
      // A continuous term adds no jump; its quantile range bounds the search.
      breaks.push(term.dist.lowSec, term.dist.highSec + t);
      continue;
    }
    for (const x of atoms) breaks.push(x, x + t);
  }
  breaks.sort((x, y) => x - y);
  const f = (w: number, left: boolean) => scaled(model, w, left);
  let lo = 0, hi = breaks.length - 1;
  if (f(breaks[hi], false).v < target) return breaks[hi];
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (f(breaks[mid], false).v >= target) hi = mid;
    else lo = mid + 1;
  }
  const right = breaks[hi];
  if (hi === 0 || f(right, true).v < target) return right;
  // F is continuous on (breaks[hi - 1], right) and crosses the target there.
  let a = breaks[hi - 1], c = right;
  for (let iter = 0; iter < 200; iter++) {
    const fa = f(a, false).v, fc = f(c, true).v;
    let w = fc > fa ? a + (c - a) * (target - fa) / (fc - fa) : 0.5 * (a + c);
    if (!(w > a && w < c) || iter % 4 === 3) w = 0.5 * (a + c);
    const { v } = f(w, false);
    if (v >= target) c = w;
    else a = w;
    if (c - a <= 4e-16 * c) return c;
  }
  return c;
}

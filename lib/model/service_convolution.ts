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
 * Service times enter through a tabulated CDF and density (within 1e-12, see
 * `service_distribution.ts`). The integral of the smooth part is a quadrature
 * chosen by how fast H varies against the MAP's time scale (`pieceSec`, 8 node
 * spacings of the exact method's lattice, about 2 / q with q the uniformization
 * rate), measured by the smallest gap g between consecutive service quantiles
 * at normal scores -6, -5.5, ..., 6 (H changes by at most Φ(-6) = 1e-9 beyond):
 * - g >= pieceSec / 64: a quadrature fixed per (B, T, k), reused at every w
 *   and memory: 8-point Gauss-Legendre on pieces of at most min(pieceSec, g),
 *   and where g is wider than two pieces, those nodes compressed, chunk by
 *   chunk of width at most g, to the 8-point Gauss rule of their measure
 *   `c_k(x) dx` (Golub-Welsch), exact for polynomials of degree 15 in x, on
 *   which H varies by at most a score's worth;
 * - narrower service (nearly deterministic): the integral is taken where both
 *   factors vary, on pieces bounded by the images `w - Q(v)` of the quantiles
 *   at scores -8.5, -8, ..., 8.5, cut to at most `pieceSec`, 8-point
 *   Gauss-Legendre on each.
 * Below `w - high` (high the 1 - 1e-16 quantile) H is 1 and the smooth part
 * counts in full; above `w - low` it counts nothing. Discrete service
 * (empirical, deterministic) is an exact finite sum.
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
import { gaussLegendre, gaussRuleOfMeasure, normalCdf } from "../numeric/special.ts";
import { type ExactBatchState, exactLatencyPercentile, waitCount } from "./exact.ts";

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
  /** Service quantiles at {@linkcode LEVELS} (continuous kinds), ascending; computed on first use. */
  quantiles(): Float64Array;
  /** The state's term (its fixed quadrature is cached there). */
  readonly stateTerm: StateTerm;
  /**
   * The level of the state's fixed quadrature that resolves this service:
   * pieces (level <= 0) or chunks (level > 0) of `pieceSec 2^level` no wider
   * than the gaps between the service's quantile images; undefined when the
   * service is too narrow for level -6 (the quadrature then follows w).
   */
  readonly level: number | undefined;
}

/** A batch state with the service distributions of one memory, ready for CDF and percentiles. */
export interface VariableServiceModel {
  readonly state: ExactBatchState;
  readonly terms: readonly SizeTerm[];
  /** Largest piece of the smooth part's quadrature at level 0, seconds (the MAP's scale). */
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

/** Per batch size of a state: its atom and the support of its smooth part. */
interface StateTerm {
  readonly k: number;
  readonly atomSec: number;
  readonly atomMass: number;
  readonly smoothMass: number;
  readonly smoothLoSec: number;
  readonly smoothHiSec: number;
  /**
   * The smooth part as fixed quadratures, by level j (computed on first use):
   * for j <= 0, 8-point Gauss-Legendre nodes on pieces of at most
   * `pieceSec 2^j` over its support, their weights times `c_k`; for j > 0, the
   * rule of level 0 compressed chunk by chunk (chunks of `pieceSec 2^j`) to the
   * 8-point Gauss rule of its measure.
   */
  rules?: Map<number, Quadrature>;
}

/** A quadrature of a smooth part: ascending nodes, weights and their running sum. */
interface Quadrature {
  x: Float64Array;
  w: Float64Array;
  sum: Float64Array;
}

/** The state's terms, computed once per state (they do not depend on the memory). */
const stateTerms = new WeakMap<ExactBatchState, StateTerm[]>();

function termsOf(state: ExactBatchState): StateTerm[] {
  const cached = stateTerms.get(state);
  if (cached) return cached;
  const b = state.maxBatch, t = state.timeoutSec;
  const tol = 1e-16 * state.meanBatchSize;
  const nodes = state.tables.nodesSec;
  const terms: StateTerm[] = [];
  for (let k = 1; k <= b; k++) {
    const p = state.batchSize[k - 1];
    const full = (k < b ? k - 1 : b - 1) * p;
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
    terms.push({
      k,
      atomSec: k === b ? 0 : t,
      atomMass: p,
      smoothMass: full,
      smoothLoSec: lo,
      smoothHiSec: hi,
    });
  }
  stateTerms.set(state, terms);
  return terms;
}

/**
 * The smallest gap between consecutive quantiles at scores -6..6 (indices 5..29
 * of {@linkcode LEVELS}): beyond them H changes by at most Φ(-6) = 1e-9, so a
 * coarser rule there moves F by less than that times the part's mass.
 */
function _minGap(q: Float64Array): number {
  let gap = Infinity;
  for (let i = 6; i <= 29; i++) gap = Math.min(gap, q[i] - q[i - 1]);
  return gap;
}

/** The fixed quadrature of level `level` of a state's smooth part (see {@linkcode StateTerm.rules}). */
function ruleOf(
  s: ExactBatchState,
  k: number,
  st: StateTerm,
  pieceSec: number,
  level: number,
): Quadrature {
  st.rules ??= new Map();
  const cached = st.rules.get(level);
  if (cached) return cached;
  const xs: number[] = [], ws: number[] = [];
  const lo = st.smoothLoSec, hi = st.smoothHiSec;
  if (level <= 0) {
    const { nodes, weights } = RULE;
    const n = Math.max(1, Math.ceil((hi - lo) / (pieceSec * 2 ** level))), h = (hi - lo) / n;
    for (let piece = 0; piece < n; piece++) {
      const mid = lo + (piece + 0.5) * h;
      for (let g = 0; g < nodes.length; g++) {
        const x = mid + 0.5 * h * nodes[g];
        smooth(s, k, x);
        xs.push(x);
        ws.push(0.5 * h * weights[g] * tmp.d);
      }
    }
  } else {
    const fine = ruleOf(s, k, st, pieceSec, 0);
    const chunk = pieceSec * 2 ** level;
    for (let from = 0; from < fine.x.length;) {
      const end = lo + chunk * (Math.floor((fine.x[from] - lo) / chunk) + 1);
      let to = from;
      while (to < fine.x.length && fine.x[to] < end) to++;
      const rule = gaussRuleOfMeasure(fine.x.subarray(from, to), fine.w.subarray(from, to), 8);
      for (let i = 0; i < rule.nodes.length; i++) {
        xs.push(rule.nodes[i]);
        ws.push(rule.weights[i]);
      }
      from = to;
    }
  }
  const sum = new Float64Array(xs.length + 1);
  for (let i = 0; i < xs.length; i++) sum[i + 1] = sum[i] + ws[i];
  const rule = { x: Float64Array.from(xs), w: Float64Array.from(ws), sum };
  st.rules.set(level, rule);
  return rule;
}

/**
 * The smallest gap between a service's quantiles at normal scores -6, -5.5,
 * ..., 6, seconds: the scale its CDF varies on (a mixture's is its parts'
 * smallest, since its CDF is as smooth as theirs); Infinity when discrete.
 */
export function serviceGapSec(dist: ServiceDistribution): number {
  return dist.atomsSec === undefined ? gapOf(dist) : Infinity;
}

function gapOf(dist: ServiceDistribution): number {
  if (dist.parts) return Math.min(...dist.parts.map(gapOf));
  return _minGap(levelsOf(dist));
}

/** Service quantiles at {@linkcode LEVELS}, computed once per distribution. */
const quantileCache = new WeakMap<ServiceDistribution, Float64Array>();

function levelsOf(dist: ServiceDistribution): Float64Array {
  let q = quantileCache.get(dist);
  if (q === undefined) {
    q = Float64Array.from(LEVELS, (v) => dist.quantile(v));
    quantileCache.set(dist, q);
  }
  return q;
}

/**
 * Prepares the variable-service model of one `(B, T)` state at one memory
 * (what depends on the state alone is computed once per state, what depends
 * on a distribution once per distribution).
 *
 * Batch sizes whose whole mass (atom and smooth part) is below 1e-16 of
 * E[K] are left out of the sums: together they move F by less than B 1e-16.
 *
 * @param state The exact method's batch state.
 * @param dists Service distributions of batch sizes 1..B (index k - 1).
 * @param options `gapsSec`: per batch size, a smaller quantile gap to resolve
 *   than the distribution's own (a grid passes the smallest over its memories,
 *   so that one quadrature per (B, T, k) serves them all).
 */
export function variableServiceModel(
  state: ExactBatchState,
  dists: readonly ServiceDistribution[],
  options: { gapsSec?: ArrayLike<number> } = {},
): VariableServiceModel {
  const pieceSec = Math.max(8 * state.tables.strideSec, 1e-12);
  const negligible = 1e-16 * state.meanBatchSize;
  const terms = termsOf(state).filter((st) =>
    st.atomMass + st.smoothMass > negligible || st.k === state.maxBatch
  ).map((st): SizeTerm => {
    const i = st.k - 1;
    const dist = dists[i];
    const continuous = dist.atomsSec === undefined;
    const gap = continuous ? Math.min(gapOf(dist), options.gapsSec?.[i] ?? Infinity) : 0;
    return {
      k: st.k,
      dist,
      atomSec: st.atomSec,
      atomMass: st.atomMass,
      smoothMass: st.smoothMass,
      smoothLoSec: st.smoothLoSec,
      smoothHiSec: st.smoothHiSec,
      quantiles: () => levelsOf(dist),
      stateTerm: st,
      level: continuous && gap >= pieceSec / 64
        ? Math.max(-6, Math.min(30, Math.floor(Math.log2(gap / pieceSec))))
        : undefined,
    };
  });
  return {
    state,
    terms,
    pieceSec,
    continuous: terms.every((x) => x.dist.atomsSec === undefined),
  };
}

const acc = { v: 0, d: 0 };
const hd = { v: 0, d: 0 };

/** `E[C_k(w - S)]` and its derivative in w (continuous service), added into `acc`. */
function addContinuous(s: ExactBatchState, term: SizeTerm, w: number, pieceSec: number): void {
  const { dist, k } = term;
  if (term.atomMass > 0) {
    dist.cdfDensity(w - term.atomSec, hd);
    acc.v += term.atomMass * hd.v;
    acc.d += term.atomMass * hd.d;
  }
  if (term.smoothMass <= 0) return;
  if (term.level !== undefined) {
    // Nodes with w - x above the service's mass count in full (H = 1), those below it not at all.
    const { x, w: wt, sum } = ruleOf(s, k, term.stateTerm, pieceSec, term.level);
    const full = w - dist.highSec, none = w - dist.lowSec;
    let lo = 0, hi = x.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (x[mid] <= full) lo = mid + 1;
      else hi = mid;
    }
    acc.v += sum[lo];
    for (let i = lo; i < x.length && x[i] < none; i++) {
      dist.cdfDensity(w - x[i], hd);
      acc.v += wt[i] * hd.v;
      acc.d += wt[i] * hd.d;
    }
    return;
  }
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
  const q = term.quantiles();
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
        dist.cdfDensity(w - x, hd);
        acc.v += wt * hd.v;
        acc.d += wt * hd.d;
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
 * assert.ok(Math.abs(variableLatencyCdf(model, 0.25) - s1.cdf(0.25)) < 1e-12);
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
 *
 * @param model The state and the service distributions.
 * @param percentile In (0, 1).
 * @param guess Where Newton's method starts, seconds: a nearby answer (the
 *   grid passes the previous memory's); by default the deterministic model's
 *   percentile with the mean service times.
 */
export function variableLatencyPercentile(
  model: VariableServiceModel,
  percentile: number,
  guess?: number,
): number {
  const target = percentile * model.state.meanBatchSize;
  if (!model.continuous) return _discretePercentile(model, target);
  const t = model.state.timeoutSec;
  // F is continuous and increasing; below every lowSec it is 0 (to 1e-16), above every
  // highSec + T it is 1: the bracket [a, c] with F(a) < target <= F(c).
  let a = Infinity, c = 0;
  for (const term of model.terms) {
    a = Math.min(a, term.dist.lowSec);
    c = Math.max(c, term.dist.highSec + t);
  }
  let w = guess ?? exactLatencyPercentile(
    model.state,
    model.terms.map((x) => x.dist.meanSec),
    percentile,
  );
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

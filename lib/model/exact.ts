/**
 * The `exact` method: the BATCH buffer computed without the paper's
 * approximations (see shared design note "exact-model.md").
 *
 * Notation: MAP `(D0, D1)` with `m` phases, max batch `B`, timeout `T` from the
 * first request of a batch, deterministic service `S_k` for a batch of `k`,
 * Lambda scaling out (no queueing), so a request's latency is its wait in the
 * buffer plus `S_K` of its batch. `N(t)` counts arrivals after the opener of a
 * batch, `P(n, t)` and `I(n, t)` are the counting matrices and their integrals
 * (see `counting.ts`).
 *
 * 1. Phase at the start of a batch: the stationary vector `alpha` of
 *    `E (-D0)^-1 D1`, with `E = sum_{n<B-1} P(n, T) + I(B-2, T) D1` the phase at
 *    dispatch (timeout with fewer than `B` requests, or the `B`-th arrival),
 *    followed by the next arrival, which opens the next batch.
 * 2. Batch size: `P(K = n + 1) = alpha P(n, T) 1` for `n < B - 1`.
 * 3. Latency: with `C_k(x)` the expected number of requests per batch that end
 *    in a batch of size `k` and wait at most `x`,
 *    `F(w) = sum_k C_k(w - S_k) / E[K]`. For a batch that times out with `J`
 *    arrivals after the opener (`k = J + 1 < B`), the requests that wait at most
 *    `x < T` are the arrivals in `(T - x, T]`:
 *      `C_k(x) = alpha sum_{n2} n2 P(J - n2, T - x) P(n2, x) 1`,
 *    and the opener adds an atom `P(K = k)` at `x = T`. For a batch that fills at
 *    `tau < T`, the filler waits 0, the other requests wait at most `x` when they
 *    arrived after `tau - x`:
 *      `C_B(x) = P(K = B) + (B-1) alpha P[N(x) >= B-1]
 *               + alpha sum_{n2} n2 I(B-2-n2, T-x) P(n2, x) D1 1`.
 *    Their densities are `alpha sum_n P(n, T-x) D1 P(J-1-n, x) 1` and
 *    `alpha P(B-2, x) D1 1 + sum_j alpha I(j-1, T-x) D1 P(B-2-j, x) D1 1`.
 *    Both are evaluated exactly on a lattice of nodes in `[0, T]` and joined by
 *    cubic Hermite interpolation (values and derivatives exact at the nodes,
 *    node spacing `h` with `q h <= nodeSpacing`, `q` the uniformization rate).
 * 4. The percentile is the smallest `w` with `F(w) >= p`: a search over the
 *    breakpoints `S_k` and `S_k + T` (where `F` jumps) and a safeguarded Newton
 *    iteration inside the piece, to machine precision.
 * 5. Cost: the long-run mean per request `E[cost(K)] / E[K]` and the cost per
 *    request of a batch of the percentile batch size.
 *
 * @module
 */

import type { MapProcess } from "../map/map_process.ts";
import { inverse, matMul, type Matrix, stationaryOfStochastic } from "../numeric/dense.ts";
import { invocationCostUsd } from "../profile/pricing.ts";
import { serviceTimesSec } from "../profile/service_profile.ts";
import { countingMatrices, type CountingTables, uniformizationRate } from "./counting.ts";
import {
  allocateEvaluation,
  type ConfigurationGrid,
  type GridEvaluation,
  type ModelInputs,
} from "./types.ts";

/** Options of the exact method's numerics. */
export interface ExactOptions {
  /**
   * Largest `q h` between interpolation nodes (`q` the uniformization rate,
   * `h` the node spacing). Smaller is more accurate and slower.
   * @default {0.1}
   */
  nodeSpacing?: number;
}

/** Default of {@linkcode ExactOptions.nodeSpacing}. */
export const DEFAULT_NODE_SPACING = 0.1;

/** Largest number of lattice nodes shared by the timeouts of a grid. */
const MAX_LATTICE_NODES = 200_000;

/** Approximate greatest common divisor of positive reals (undefined if none). */
export function commonStep(values: readonly number[]): number | undefined {
  const max = Math.max(...values);
  const tol = 1e-9 * max;
  let g = values[0];
  for (const v of values) {
    let a = Math.max(g, v), b = Math.min(g, v);
    while (b > tol) {
      const r = Math.abs(a - b * Math.round(a / b));
      a = b;
      b = r;
    }
    g = a;
    if (!(g > tol)) return undefined;
  }
  for (const v of values) {
    if (Math.abs(v / g - Math.round(v / g)) > 1e-6) return undefined;
  }
  return g;
}

/** A lattice of times `i h`, `i = 0 .. nodes - 1`, and the timeouts on it. */
interface Lattice {
  stepSec: number;
  nodes: number;
  /** Timeouts (indices into the grid) placed on this lattice, and their node index. */
  timeouts: { index: number; node: number }[];
}

function planLattices(timeoutsSec: readonly number[], q: number, spacing: number): Lattice[] {
  const g = commonStep(timeoutsSec);
  const perStep = (step: number) => Math.max(1, Math.ceil((q * step) / spacing));
  if (g !== undefined) {
    const h = g / perStep(g);
    const nodes = Math.round(Math.max(...timeoutsSec) / h) + 1;
    if (nodes <= MAX_LATTICE_NODES) {
      return [{
        stepSec: h,
        nodes,
        timeouts: timeoutsSec.map((t, index) => ({ index, node: Math.round(t / h) })),
      }];
    }
  }
  return timeoutsSec.map((t, index) => {
    const n = Math.max(2, perStep(t));
    return { stepSec: t / n, nodes: n + 1, timeouts: [{ index, node: n }] };
  });
}

/** Column vectors derived from the counting matrices at every lattice node. */
interface LatticeVectors {
  /** `P(n, t) 1` */
  b: Float64Array;
  /** `sum_{j <= n} P(j, t) 1` */
  cum: Float64Array;
  /** `D1 P(n, t) 1` */
  d: Float64Array;
  /** `P(n, t) D1 1` */
  e: Float64Array;
  /** `D1 P(n, t) D1 1` */
  f: Float64Array;
}

function latticeVectors(tables: CountingTables, d1: Matrix): LatticeVectors {
  const m = tables.phases, mm = m * m, nMax = tables.maxCount;
  const size = tables.timesSec.length * nMax * m;
  const b = new Float64Array(size), cum = new Float64Array(size), d = new Float64Array(size);
  const e = new Float64Array(size), f = new Float64Array(size);
  const lam = d1.map((row) => row.reduce((s, x) => s + x, 0));
  for (let t = 0; t < tables.timesSec.length; t++) {
    for (let n = 0; n < nMax; n++) {
      const src = (t * nMax + n) * mm, dst = (t * nMax + n) * m;
      for (let i = 0; i < m; i++) {
        let sb = 0, se = 0;
        for (let j = 0; j < m; j++) {
          sb += tables.p[src + i * m + j];
          se += tables.p[src + i * m + j] * lam[j];
        }
        b[dst + i] = sb;
        e[dst + i] = se;
        cum[dst + i] = sb + (n > 0 ? cum[dst - m + i] : 0);
      }
      for (let i = 0; i < m; i++) {
        let sd = 0, sf = 0;
        for (let j = 0; j < m; j++) {
          sd += d1[i][j] * b[dst + j];
          sf += d1[i][j] * e[dst + j];
        }
        d[dst + i] = sd;
        f[dst + i] = sf;
      }
    }
  }
  return { b, cum, d, e, f };
}

/**
 * Per `(B, T)`: the batch-size distribution and the functions `C_k` tabulated
 * on the nodes, ready for percentile searches at any memory.
 */
export interface ExactBatchState {
  readonly maxBatch: number;
  readonly timeoutSec: number;
  /** Phase distribution at the start of a batch. */
  readonly alpha: number[];
  /** `P(K = k)`, index `k - 1`. */
  readonly batchSize: Float64Array;
  /** `E[K]`. */
  readonly meanBatchSize: number;
  /** Node spacing, seconds; nodes at `i h`, `i = 0 .. nodes - 1`, last one at `T`. */
  readonly stepSec: number;
  readonly nodes: number;
  /** `C_k` at the nodes, `[(k - 1) * nodes + i]`; the value at `T` is the left limit. */
  readonly value: Float64Array;
  /** Derivative of `C_k` at the nodes, same layout. */
  readonly density: Float64Array;
}

/** Precomputed matrices of a MAP shared by all `(B, T)`. */
interface MapParts {
  d0: Matrix;
  d1: Matrix;
  m: number;
  /** `(-D0)^-1 D1`: phase after the next arrival, from the phase now. */
  nextArrival: Matrix;
}

function mapParts(map: MapProcess): MapParts {
  const m = map.d0.length;
  const negD0 = map.d0.map((row) => row.map((x) => -x));
  return { d0: map.d0, d1: map.d1, m, nextArrival: matMul(inverse(negD0), map.d1) };
}

function block(p: Float64Array, t: number, n: number, nMax: number, m: number): Matrix {
  const base = (t * nMax + n) * m * m;
  return Array.from(
    { length: m },
    (_, i) => Array.from({ length: m }, (_, j) => p[base + i * m + j]),
  );
}

/** Stationary phase at the start of a batch (design note, section 2). */
function batchStartPhases(
  parts: MapParts,
  tables: CountingTables,
  node: number,
  maxBatch: number,
): number[] {
  const { m, d1 } = parts;
  if (maxBatch === 1) return stationaryOfStochastic(parts.nextArrival);
  const nMax = tables.maxCount;
  const e: Matrix = Array.from({ length: m }, () => new Array<number>(m).fill(0));
  for (let n = 0; n < maxBatch - 1; n++) {
    const pn = block(tables.p, node, n, nMax, m);
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) e[i][j] += pn[i][j];
  }
  const fill = matMul(block(tables.integral!, node, maxBatch - 2, nMax, m), d1);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) e[i][j] += fill[i][j];
  return stationaryOfStochastic(matMul(e, parts.nextArrival));
}

function exactBatchState(
  parts: MapParts,
  tables: CountingTables,
  vectors: LatticeVectors,
  lattice: Lattice,
  node: number,
  maxBatch: number,
): ExactBatchState {
  const { m } = parts;
  const nMax = tables.maxCount, mm = m * m;
  const b = maxBatch;
  const alpha = batchStartPhases(parts, tables, node, b);
  const batchSize = new Float64Array(b);
  let acc = 0;
  for (let n = 0; n < b - 1; n++) {
    const base = (node * nMax + n) * m;
    let s = 0;
    for (let i = 0; i < m; i++) s += alpha[i] * vectors.b[base + i];
    batchSize[n] = s;
    acc += s;
  }
  const pFill = Math.max(0, 1 - acc);
  batchSize[b - 1] = pFill;
  let meanBatchSize = 0;
  for (let k = 1; k <= b; k++) meanBatchSize += k * batchSize[k - 1];

  const nodes = node + 1;
  const value = new Float64Array(b * nodes), density = new Float64Array(b * nodes);
  // alpha P(n, y) and alpha I(n, y) for the node's y = T - x.
  const aP = new Float64Array(Math.max(1, b - 1) * m),
    aI = new Float64Array(Math.max(1, b - 1) * m);
  for (let i = 0; i < nodes; i++) {
    const y = node - i; // lattice index of T - x_i
    for (let n = 0; n < b - 1; n++) {
      const base = (y * nMax + n) * mm;
      for (let j = 0; j < m; j++) {
        let sp = 0, si = 0;
        for (let l = 0; l < m; l++) {
          sp += alpha[l] * tables.p[base + l * m + j];
          si += alpha[l] * tables.integral![base + l * m + j];
        }
        aP[n * m + j] = sp;
        aI[n * m + j] = si;
      }
    }
    const xb = i * nMax * m; // vectors at x_i
    // Timeout batches: k = J + 1 for J = 0 .. B-2.
    for (let jj = 0; jj < b - 1; jj++) {
      let v = 0, dv = 0;
      for (let n2 = 1; n2 <= jj; n2++) {
        const a = (jj - n2) * m, x = xb + n2 * m;
        let s = 0;
        for (let l = 0; l < m; l++) s += aP[a + l] * vectors.b[x + l];
        v += n2 * s;
      }
      for (let n = 0; n < jj; n++) {
        const a = n * m, x = xb + (jj - 1 - n) * m;
        for (let l = 0; l < m; l++) dv += aP[a + l] * vectors.d[x + l];
      }
      value[jj * nodes + i] = v;
      density[jj * nodes + i] = dv;
    }
    // Full batches: k = B.
    let hv = pFill, hd = 0;
    if (b >= 2) {
      const top = xb + (b - 2) * m;
      for (let l = 0; l < m; l++) {
        hv += (b - 1) * alpha[l] * (1 - vectors.cum[top + l]);
        hd += alpha[l] * vectors.e[top + l];
      }
      for (let n2 = 1; n2 <= b - 2; n2++) {
        const a = (b - 2 - n2) * m, x = xb + n2 * m;
        let s = 0;
        for (let l = 0; l < m; l++) s += aI[a + l] * vectors.e[x + l];
        hv += n2 * s;
      }
      for (let j = 1; j <= b - 2; j++) {
        const a = (j - 1) * m, x = xb + (b - 2 - j) * m;
        for (let l = 0; l < m; l++) hd += aI[a + l] * vectors.f[x + l];
      }
    }
    value[(b - 1) * nodes + i] = hv;
    density[(b - 1) * nodes + i] = hd;
  }
  return {
    maxBatch: b,
    timeoutSec: node * lattice.stepSec,
    alpha,
    batchSize,
    meanBatchSize,
    stepSec: lattice.stepSec,
    nodes,
    value,
    density,
  };
}

/**
 * `C_k(x)` and its derivative from the node tables. `left` asks for the left
 * limit at jumps (x = 0 for the full batch, x = T for timeout batches).
 */
function evalC(
  s: ExactBatchState,
  k: number,
  x: number,
  left: boolean,
  out: { v: number; d: number },
): void {
  const t = s.timeoutSec;
  if (x < 0 || (left && x === 0)) {
    out.v = 0;
    out.d = 0;
    return;
  }
  if (x > t || (!left && x === t)) {
    out.v = k * s.batchSize[k - 1];
    out.d = 0;
    return;
  }
  const h = s.stepSec, last = s.nodes - 1;
  let cell = Math.floor(x / h);
  if (cell >= last) cell = last - 1;
  const u = (x - cell * h) / h;
  const base = (k - 1) * s.nodes + cell;
  const v0 = s.value[base], v1 = s.value[base + 1];
  const d0 = s.density[base] * h, d1 = s.density[base + 1] * h;
  const u2 = u * u, u3 = u2 * u;
  out.v = (2 * u3 - 3 * u2 + 1) * v0 + (u3 - 2 * u2 + u) * d0 + (-2 * u3 + 3 * u2) * v1 +
    (u3 - u2) * d1;
  out.d = ((6 * u2 - 6 * u) * v0 + (3 * u2 - 4 * u + 1) * d0 + (-6 * u2 + 6 * u) * v1 +
    (3 * u2 - 2 * u) * d1) / h;
}

const scratch = { v: 0, d: 0 };

/** `E[K] F(w)` (right-continuous, or the left limit) and its derivative. */
function scaledCdf(
  s: ExactBatchState,
  service: ArrayLike<number>,
  w: number,
  left: boolean,
): { v: number; d: number } {
  let v = 0, d = 0;
  for (let k = 1; k <= s.maxBatch; k++) {
    evalC(s, k, w - service[k - 1], left, scratch);
    v += scratch.v;
    d += scratch.d;
  }
  return { v, d };
}

/**
 * The latency CDF of the exact model at `w` seconds, for a batch state and the
 * service times `S_1 .. S_B`.
 */
export function exactLatencyCdf(
  state: ExactBatchState,
  service: ArrayLike<number>,
  w: number,
): number {
  return Math.min(1, scaledCdf(state, service, w, false).v / state.meanBatchSize);
}

/**
 * The smallest `w` with `F(w) >= percentile` for a batch state and the service
 * times `S_1 .. S_B`.
 */
export function exactLatencyPercentile(
  state: ExactBatchState,
  service: ArrayLike<number>,
  percentile: number,
): number {
  const b = state.maxBatch, t = state.timeoutSec;
  const target = percentile * state.meanBatchSize;
  const breaks: number[] = [];
  for (let k = 1; k <= b; k++) {
    breaks.push(service[k - 1]);
    if (t > 0) breaks.push(service[k - 1] + t);
  }
  breaks.sort((x, y) => x - y);
  // Smallest breakpoint where F reaches the target.
  let lo = 0, hi = breaks.length - 1;
  if (scaledCdf(state, service, breaks[hi], false).v < target) return breaks[hi];
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (scaledCdf(state, service, breaks[mid], false).v >= target) hi = mid;
    else lo = mid + 1;
  }
  const right = breaks[hi];
  if (hi === 0) return right;
  if (scaledCdf(state, service, right, true).v < target) return right;
  // F is continuous on (breaks[hi - 1], right) and crosses the target there.
  let a = breaks[hi - 1], c = right;
  let w = 0.5 * (a + c);
  for (let iter = 0; iter < 200; iter++) {
    const { v, d } = scaledCdf(state, service, w, false);
    const f = v - target;
    if (f >= 0) c = w;
    else a = w;
    if (c - a <= 2e-16 * Math.max(1, Math.abs(c))) break;
    let next = d > 0 ? w - f / d : NaN;
    if (!(next > a && next < c)) next = 0.5 * (a + c);
    // Guard against slow progress: fall back to bisection every few steps.
    if (iter % 4 === 3) next = 0.5 * (a + c);
    if (next === w) break;
    w = next;
  }
  return c;
}

/**
 * Batch states of the exact method for every `(B, T)` of a grid, passed to
 * `visit` one at a time (each state is only needed while its memories are
 * evaluated).
 */
export function forEachExactBatchState(
  map: MapProcess,
  timeoutsSec: readonly number[],
  maxBatches: readonly number[],
  visit: (state: ExactBatchState, timeoutIndex: number, batchIndex: number) => void,
  options: ExactOptions & { onProgress?: (done: number, total: number) => void } = {},
): void {
  const { nodeSpacing = DEFAULT_NODE_SPACING, onProgress } = options;
  if (!(nodeSpacing > 0)) {
    throw new RangeError(`Cannot use node spacing ${nodeSpacing}: it must be positive`);
  }
  const parts = mapParts(map);
  const maxB = Math.max(...maxBatches);
  const nMax = Math.max(1, maxB - 1);
  const q = uniformizationRate(map.d0);
  let done = 0;
  for (const lattice of planLattices(timeoutsSec, q, nodeSpacing)) {
    const times = Array.from({ length: lattice.nodes }, (_, i) => i * lattice.stepSec);
    const tables = countingMatrices(parts.d0, parts.d1, times, nMax, { integrals: true });
    const vectors = latticeVectors(tables, parts.d1);
    for (const { index, node } of lattice.timeouts) {
      for (let ib = 0; ib < maxBatches.length; ib++) {
        visit(exactBatchState(parts, tables, vectors, lattice, node, maxBatches[ib]), index, ib);
      }
      onProgress?.(++done, timeoutsSec.length);
    }
  }
}

/**
 * The exact method's state for a single `(B, T)`: batch-size distribution and
 * latency tables.
 */
export function exactBatchStateFor(
  map: MapProcess,
  maxBatch: number,
  timeoutSec: number,
  options: ExactOptions = {},
): ExactBatchState {
  let result: ExactBatchState | undefined;
  forEachExactBatchState(map, [timeoutSec], [maxBatch], (s) => (result = s), options);
  return result!;
}

/**
 * Evaluates the exact method on every configuration of a grid.
 *
 * @param map The arrival process.
 * @param grid Memories, timeouts and max batch sizes.
 * @param inputs Profile, pricing, percentile.
 * @param options Numerical options.
 * @returns Latency percentiles and costs for every configuration.
 */
export function evaluateExactGrid(
  map: MapProcess,
  grid: ConfigurationGrid,
  inputs: ModelInputs,
  options: ExactOptions = {},
): GridEvaluation {
  const { profile, pricing, percentile, extrapolate = false, onProgress } = inputs;
  const out = allocateEvaluation("exact", grid);
  const maxB = Math.max(...grid.maxBatches);
  const nM = grid.memoriesMb.length, nT = grid.timeoutsSec.length, nB = grid.maxBatches.length;
  const services = grid.memoriesMb.map((mem) =>
    serviceTimesSec(profile, maxB, mem, { extrapolate })
  );
  const costs = grid.memoriesMb.map((mem, im) =>
    Float64Array.from(services[im], (s) => invocationCostUsd(pricing, s, mem))
  );
  forEachExactBatchState(map, grid.timeoutsSec, grid.maxBatches, (state, it, ib) => {
    const b = state.maxBatch;
    let sizeP = b, cdf = 0;
    for (let k = 1; k <= b; k++) {
      cdf += state.batchSize[k - 1];
      if (cdf >= percentile) {
        sizeP = k;
        break;
      }
    }
    for (let im = 0; im < nM; im++) {
      const idx = (im * nT + it) * nB + ib;
      const service = services[im];
      let meanCost = 0;
      for (let k = 1; k <= b; k++) meanCost += state.batchSize[k - 1] * costs[im][k - 1];
      meanCost /= state.meanBatchSize;
      out.latencySec[idx] = exactLatencyPercentile(state, service, percentile);
      out.costUsd[idx] = meanCost;
      out.meanCostUsd[idx] = meanCost;
      out.percentileCostUsd[idx] = costs[im][sizeP - 1] / sizeP;
      out.percentileBatchSize[idx] = sizeP;
    }
  }, { ...options, onProgress });
  return out;
}

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
 *    Both are evaluated exactly on a lattice of nodes in `[0, T]`, with their
 *    first and second derivatives, and joined by quintic Hermite interpolation
 *    (node spacing `h` with `q h <= nodeSpacing`, `q` the uniformization rate;
 *    the interpolation error is of order `(q h)^6 / 46080`).
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
import {
  expectedInvocationCostUsd,
  serviceDistributions,
} from "../profile/service_distribution.ts";
import { initSecAt, serviceTimesSec } from "../profile/service_profile.ts";
import { arrivalRatePerSec } from "../map/moments.ts";
import { coldStartParts, DEFAULT_KEEP_ALIVE_SEC, withColdStartsOf } from "./cold_start.ts";
import {
  serviceGapSec,
  variableLatencyPercentile,
  variableServiceModel,
} from "./service_convolution.ts";
import { countingLattice, type CountingTables, uniformizationRate } from "./counting.ts";
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
   * @default {0.25}
   */
  nodeSpacing?: number;
  /**
   * The timeouts of the whole grid when these are a part of it (a Worker's
   * share): the lattice is planned for the whole grid, so that the part is
   * evaluated exactly as within it. @default {the timeouts evaluated}
   */
  planTimeoutsSec?: readonly number[];
}

/** Default of {@linkcode ExactOptions.nodeSpacing}. */
export const DEFAULT_NODE_SPACING = 0.25;

/**
 * Largest number of matrix entries (points x counts x phases^2) of a lattice
 * shared by all the timeouts of a grid (32 MB per table); beyond it each
 * timeout gets a lattice of its own.
 */
const MAX_LATTICE_ENTRIES = 4_000_000;

/** Approximate greatest common divisor of positive reals (undefined if none). */
function commonStep(values: readonly number[]): number | undefined {
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
    if (Math.abs(v / g - Math.round(v / g)) > 1e-9) return undefined;
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

function planLattices(
  timeoutsSec: readonly number[],
  q: number,
  spacing: number,
  entriesPerPoint: number,
  planSec: readonly number[] = timeoutsSec,
): Lattice[] {
  const g = commonStep(planSec);
  const perStep = (step: number) => Math.max(1, Math.ceil((q * step) / spacing));
  if (g !== undefined) {
    const h = g / perStep(g);
    // Whether one lattice fits is decided for the whole plan, its length for these timeouts.
    if ((Math.round(Math.max(...planSec) / h) + 1) * entriesPerPoint <= MAX_LATTICE_ENTRIES) {
      return [{
        stepSec: h,
        nodes: Math.round(Math.max(...timeoutsSec) / h) + 1,
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
  /** `(D1 D0 - D0 D1) P(n, t) 1` */
  mb: Float64Array;
  /** `d/dt P(n, t) D1 1 = D0 e(n) + D1 e(n - 1)` */
  ep: Float64Array;
  /** `D1 ep(n)` */
  fp: Float64Array;
}

function latticeVectors(tables: CountingTables, d0: Matrix, d1: Matrix): LatticeVectors {
  const m = tables.phases, mm = m * m, nMax = tables.maxCount;
  const size = tables.timesSec.length * nMax * m;
  const b = new Float64Array(size), cum = new Float64Array(size), d = new Float64Array(size);
  const e = new Float64Array(size), f = new Float64Array(size), mb = new Float64Array(size);
  const ep = new Float64Array(size), fp = new Float64Array(size);
  const lam = d1.map((row) => row.reduce((s, x) => s + x, 0));
  const comm = matMul(d1, d0).map((row, i) => row.map((x, j) => x - matMul(d0, d1)[i][j]));
  const mulInto = (a: Matrix, src: Float64Array, out: Float64Array, at: number, add = 0) => {
    for (let i = 0; i < m; i++) {
      let sum = 0;
      for (let j = 0; j < m; j++) sum += a[i][j] * src[at + j];
      out[at + i] = add ? out[at + i] + sum : sum;
    }
  };
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
      mulInto(d1, b, d, dst);
      mulInto(d1, e, f, dst);
      mulInto(comm, b, mb, dst);
      mulInto(d0, e, ep, dst);
      if (n > 0) {
        // ep(n) += D1 e(n - 1) = f(n - 1)
        for (let i = 0; i < m; i++) ep[dst + i] += f[dst - m + i];
      }
      mulInto(d1, ep, fp, dst);
    }
  }
  return { b, cum, d, e, f, mb, ep, fp };
}

/**
 * Per timeout `T`: the latency functions without the start phase, as column
 * vectors over the phase at batch start, tabulated at nodes `0 = x_0 < ... <
 * x_N = T` with their derivatives. For a timeout batch of `J + 1` requests,
 * `g_J(x) = sum_{n2} n2 P(J - n2, T - x) P(n2, x) 1`; for a full batch of `B`,
 * `h_B(x) = (B - 1) (1 - sum_{n <= B-2} P(n, x) 1)
 *          + sum_{n2} n2 I(B - 2 - n2, T - x) P(n2, x) D1 1`,
 * so that `C_{J+1}(x) = alpha g_J(x)` and `C_B(x) = P(K = B) + alpha h_B(x)`.
 * Values at `x_N = T` are left limits.
 */
interface TimeoutTables {
  readonly timeoutSec: number;
  readonly phases: number;
  /** Node positions, seconds. */
  readonly nodesSec: Float64Array;
  /** Spacing of all nodes but the last cell's, seconds. */
  readonly strideSec: number;
  /** `g_J` values, `[(J * nodes + i) * m + l]`, first and second derivatives. */
  readonly g: Float64Array;
  readonly gd: Float64Array;
  readonly g2: Float64Array;
  /** `h_B` for each max batch of the grid, `[(b * nodes + i) * m + l]`, and derivatives. */
  readonly h: Float64Array;
  readonly hd: Float64Array;
  readonly h2: Float64Array;
  /** Index into `h` of each max batch. */
  readonly hIndex: Map<number, number>;
}

/** `out[o + r] += scale * sum_c a[ao + r m + c] v[vo + c]` for an `m` x `m` block. */
function accMatVec(
  a: Float64Array,
  ao: number,
  v: Float64Array,
  vo: number,
  out: Float64Array,
  o: number,
  m: number,
  scale: number,
): void {
  for (let r = 0; r < m; r++) {
    let sum = 0;
    for (let c = 0; c < m; c++) sum += a[ao + r * m + c] * v[vo + c];
    out[o + r] += scale * sum;
  }
}

function timeoutTables(
  tables: CountingTables,
  vectors: LatticeVectors,
  lattice: Lattice,
  node: number,
  stride: number,
  maxBatches: readonly number[],
): TimeoutTables {
  const m = tables.phases, mm = m * m, nMax = tables.maxCount;
  const p = tables.p, integral = tables.integral!;
  const jMax = Math.max(0, Math.max(...maxBatches) - 1); // J = 0 .. jMax - 1
  // Node lattice indices: every stride-th lattice point, and T itself.
  const idx: number[] = [];
  for (let i = 0; i < node; i += stride) idx.push(i);
  idx.push(node);
  const nodes = idx.length;
  const nodesSec = Float64Array.from(idx, (i) => i * lattice.stepSec);
  const gSize = jMax * nodes * m;
  const g = new Float64Array(gSize), gd = new Float64Array(gSize), g2 = new Float64Array(gSize);
  const hIndex = new Map<number, number>();
  maxBatches.forEach((b) => hIndex.has(b) || hIndex.set(b, hIndex.size));
  const hSize = hIndex.size * nodes * m;
  const h = new Float64Array(hSize), hd = new Float64Array(hSize), h2 = new Float64Array(hSize);
  const { b: vb, d: vd, e: ve, f: vf, mb: vm, ep: vep, fp: vfp, cum } = vectors;
  for (let ni = 0; ni < nodes; ni++) {
    const x = idx[ni], y = node - x;
    const xb = x * nMax * m, yb = y * nMax * mm;
    // Timeout batches of J + 1 requests:
    //   g_J = sum_{n2} n2 P(J-n2, y) b(n2),  g_J' = sum_n P(n, y) d(J-1-n),
    //   g_J'' = sum_n P(n, y) mb(J-1-n).
    for (let jj = 0; jj < jMax; jj++) {
      const out = (jj * nodes + ni) * m;
      if (m === 2) {
        // The common two-phase case, unrolled (the same sums as the general loop).
        let s0 = 0, s1 = 0, t0 = 0, t1 = 0, u0 = 0, u1 = 0;
        for (let n2 = 1; n2 <= jj; n2++) {
          const pm = yb + (jj - n2) * 4, v = xb + n2 * 2;
          const b0 = n2 * vb[v], b1 = n2 * vb[v + 1];
          s0 += p[pm] * b0 + p[pm + 1] * b1;
          s1 += p[pm + 2] * b0 + p[pm + 3] * b1;
          const pn = yb + (n2 - 1) * 4, vv = xb + (jj - n2) * 2;
          const p0 = p[pn], p1 = p[pn + 1], p2 = p[pn + 2], p3 = p[pn + 3];
          const d0 = vd[vv], d1 = vd[vv + 1], m0 = vm[vv], m1 = vm[vv + 1];
          t0 += p0 * d0 + p1 * d1;
          t1 += p2 * d0 + p3 * d1;
          u0 += p0 * m0 + p1 * m1;
          u1 += p2 * m0 + p3 * m1;
        }
        g[out] = s0;
        g[out + 1] = s1;
        gd[out] = t0;
        gd[out + 1] = t1;
        g2[out] = u0;
        g2[out + 1] = u1;
        continue;
      }
      for (let n2 = 1; n2 <= jj; n2++) {
        accMatVec(p, yb + (jj - n2) * mm, vb, xb + n2 * m, g, out, m, n2);
        accMatVec(p, yb + (n2 - 1) * mm, vd, xb + (jj - n2) * m, gd, out, m, 1);
        accMatVec(p, yb + (n2 - 1) * mm, vm, xb + (jj - n2) * m, g2, out, m, 1);
      }
    }
    // Full batches of B: h_B = (B-1)(1 - cum(B-2)) + sum_{n2} n2 I(B-2-n2, y) e(n2),
    //   h_B' = e(B-2) + sum_j I(j-1, y) f(B-2-j),
    //   h_B'' = ep(B-2) + sum_j [I(j-1, y) fp(B-2-j) - P(j-1, y) f(B-2-j)].
    for (const [b, hi] of hIndex) {
      if (b < 2) continue;
      const out = (hi * nodes + ni) * m;
      const top = xb + (b - 2) * m;
      if (m === 2) {
        let s0 = (b - 1) * (1 - cum[top]), s1 = (b - 1) * (1 - cum[top + 1]);
        let t0 = ve[top], t1 = ve[top + 1], u0 = vep[top], u1 = vep[top + 1];
        for (let n2 = 1; n2 <= b - 2; n2++) {
          const im = yb + (b - 2 - n2) * 4, v = xb + n2 * 2;
          const e0 = n2 * ve[v], e1 = n2 * ve[v + 1];
          s0 += integral[im] * e0 + integral[im + 1] * e1;
          s1 += integral[im + 2] * e0 + integral[im + 3] * e1;
          const jm = yb + (n2 - 1) * 4, vv = xb + (b - 2 - n2) * 2;
          const i0 = integral[jm], i1 = integral[jm + 1], i2 = integral[jm + 2];
          const i3 = integral[jm + 3];
          const f0 = vf[vv], f1 = vf[vv + 1], fp0 = vfp[vv], fp1 = vfp[vv + 1];
          t0 += i0 * f0 + i1 * f1;
          t1 += i2 * f0 + i3 * f1;
          u0 += i0 * fp0 + i1 * fp1 - (p[jm] * f0 + p[jm + 1] * f1);
          u1 += i2 * fp0 + i3 * fp1 - (p[jm + 2] * f0 + p[jm + 3] * f1);
        }
        h[out] = s0;
        h[out + 1] = s1;
        hd[out] = t0;
        hd[out + 1] = t1;
        h2[out] = u0;
        h2[out + 1] = u1;
        continue;
      }
      for (let r = 0; r < m; r++) {
        h[out + r] = (b - 1) * (1 - cum[top + r]);
        hd[out + r] = ve[top + r];
        h2[out + r] = vep[top + r];
      }
      for (let n2 = 1; n2 <= b - 2; n2++) {
        accMatVec(integral, yb + (b - 2 - n2) * mm, ve, xb + n2 * m, h, out, m, n2);
        const jm = yb + (n2 - 1) * mm, vv = xb + (b - 2 - n2) * m;
        accMatVec(integral, jm, vf, vv, hd, out, m, 1);
        accMatVec(integral, jm, vfp, vv, h2, out, m, 1);
        accMatVec(p, jm, vf, vv, h2, out, m, -1);
      }
    }
  }
  return {
    timeoutSec: node * lattice.stepSec,
    phases: m,
    nodesSec,
    strideSec: stride * lattice.stepSec,
    g,
    gd,
    g2,
    h,
    hd,
    h2,
    hIndex,
  };
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

/**
 * Per `(B, T)`: the batch-size distribution and the latency functions, ready
 * for percentile searches at any memory.
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
  /** `sum_{j <= k} j P(K = j)`, index `k - 1`. */
  readonly cumulativeRequests: Float64Array;
  /** The latency tables of the timeout. */
  readonly tables: TimeoutTables;
  /** Offset of this max batch's `h_B` in `tables.h`. */
  readonly hOffset: number;
  /**
   * Memo of percentile offsets: when the percentile falls where only batches of
   * size `k` are between `S_k` and `S_k + T`, it is `S_k + x` with `x` the same
   * at every memory; `x` is kept at index `k - 1` (NaN until computed), for
   * the percentile in `offsetMemoPercentile`.
   */
  readonly offsetMemo: Float64Array;
  offsetMemoPercentile: number;
}

function exactBatchState(
  parts: MapParts,
  counting: CountingTables,
  vectors: LatticeVectors,
  tables: TimeoutTables,
  node: number,
  maxBatch: number,
): ExactBatchState {
  const { m } = parts;
  const nMax = counting.maxCount;
  const b = maxBatch;
  const alpha = batchStartPhases(parts, counting, node, b);
  const batchSize = new Float64Array(b);
  let acc = 0;
  for (let n = 0; n < b - 1; n++) {
    const base = (node * nMax + n) * m;
    let s = 0;
    for (let i = 0; i < m; i++) s += alpha[i] * vectors.b[base + i];
    batchSize[n] = s;
    acc += s;
  }
  batchSize[b - 1] = Math.max(0, 1 - acc);
  const cumulativeRequests = new Float64Array(b);
  let meanBatchSize = 0;
  for (let k = 1; k <= b; k++) {
    meanBatchSize += k * batchSize[k - 1];
    cumulativeRequests[k - 1] = meanBatchSize;
  }
  return {
    maxBatch: b,
    timeoutSec: tables.timeoutSec,
    alpha,
    batchSize,
    meanBatchSize,
    cumulativeRequests,
    tables,
    hOffset: tables.hIndex.get(b)! * tables.nodesSec.length * m,
    offsetMemo: new Float64Array(b).fill(NaN),
    offsetMemoPercentile: NaN,
  };
}

/**
 * `C_k(x)` and its derivative: the expected number of requests per batch that
 * end in a batch of size `k` and wait at most `x` seconds. `left` asks for the
 * left limit at the jumps (x = 0 for the full batch's filler, x = T for the
 * opener of a timeout batch). Writes into `out`.
 */
export function waitCount(
  s: ExactBatchState,
  k: number,
  x: number,
  left: boolean,
  out: { v: number; d: number },
): void {
  const tb = s.tables, t = tb.timeoutSec;
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
  const nodes = tb.nodesSec, last = nodes.length - 1;
  let cell = Math.min(last - 1, Math.floor(x / tb.strideSec));
  if (x < nodes[cell]) cell--;
  else if (cell + 1 < last && x >= nodes[cell + 1]) cell++;
  const x0 = nodes[cell], w = nodes[cell + 1] - x0;
  // Quintic Hermite: values, first and second derivatives exact at both nodes.
  const u = (x - x0) / w, u2 = u * u, u3 = u2 * u, u4 = u3 * u, u5 = u4 * u;
  const w2 = w * w;
  const b0 = 1 - 10 * u3 + 15 * u4 - 6 * u5, b5 = 1 - b0;
  const b1 = (u - 6 * u3 + 8 * u4 - 3 * u5) * w, b4 = (-4 * u3 + 7 * u4 - 3 * u5) * w;
  const b2 = 0.5 * (u2 - 3 * u3 + 3 * u4 - u5) * w2, b3 = 0.5 * (u3 - 2 * u4 + u5) * w2;
  const c0 = (-30 * u2 + 60 * u3 - 30 * u4) / w, c5 = -c0;
  const c1 = 1 - 18 * u2 + 32 * u3 - 15 * u4, c4 = -12 * u2 + 28 * u3 - 15 * u4;
  const c2 = 0.5 * (2 * u - 9 * u2 + 12 * u3 - 5 * u4) * w,
    c3 = 0.5 * (3 * u2 - 8 * u3 + 5 * u4) * w;
  const m = tb.phases, alpha = s.alpha, n = last + 1;
  let vals: Float64Array, ders: Float64Array, secs: Float64Array, base: number, v = 0, d = 0;
  if (k < s.maxBatch) {
    vals = tb.g;
    ders = tb.gd;
    secs = tb.g2;
    base = ((k - 1) * n + cell) * m;
  } else {
    vals = tb.h;
    ders = tb.hd;
    secs = tb.h2;
    base = s.hOffset + cell * m;
    v = s.batchSize[k - 1];
  }
  for (let l = 0; l < m; l++) {
    const a = alpha[l], i0 = base + l, i1 = base + m + l;
    const v0 = vals[i0], v1 = vals[i1], d0 = ders[i0], d1 = ders[i1], s0 = secs[i0], s1 = secs[i1];
    v += a * (b0 * v0 + b1 * d0 + b2 * s0 + b3 * s1 + b4 * d1 + b5 * v1);
    d += a * (c0 * v0 + c1 * d0 + c2 * s0 + c3 * s1 + c4 * d1 + c5 * v1);
  }
  out.v = v;
  out.d = d;
}

const scratch = { v: 0, d: 0 };
const total = { v: 0, d: 0 };

/** `E[K] F(w)` (right-continuous, or the left limit) and its derivative, into `total`. */
function scaledCdf(
  s: ExactBatchState,
  service: ArrayLike<number>,
  w: number,
  left: boolean,
): { v: number; d: number } {
  let v = 0, d = 0;
  for (let k = 1; k <= s.maxBatch; k++) {
    waitCount(s, k, w - service[k - 1], left, scratch);
    v += scratch.v;
    d += scratch.d;
  }
  total.v = v;
  total.d = d;
  return total;
}

/**
 * `E[K] F(w)` when `S_1 < ... < S_B`: the batches with `S_k + T <= w` count in
 * full (a prefix), those with `S_k <= w < S_k + T` are interpolated.
 */
function scaledCdfSorted(
  s: ExactBatchState,
  service: ArrayLike<number>,
  w: number,
  left: boolean,
): { v: number; d: number } {
  const b = s.maxBatch, t = s.timeoutSec;
  // Largest k with S_k + T < w (or <= w for the right-continuous value): counted in full.
  let lo = 0, hi = b; // answer in [0, b]
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    const x = w - service[mid - 1];
    if (left ? x > t : x >= t) lo = mid;
    else hi = mid - 1;
  }
  let v = lo > 0 ? s.cumulativeRequests[lo - 1] : 0, d = 0;
  for (let k = lo + 1; k <= b; k++) {
    const x = w - service[k - 1];
    if (x < 0) break;
    waitCount(s, k, x, left, scratch);
    v += scratch.v;
    d += scratch.d;
  }
  total.v = v;
  total.d = d;
  return total;
}

/**
 * The latency CDF of the exact model at `w` seconds, for a batch state and the
 * service times `S_1 .. S_B`: `P(latency <= w)`, or with `left` the left limit
 * `P(latency < w)` (they differ where F jumps: at `S_B` for the requests that
 * fill a batch, at `S_k + T` for the first request of a batch that times out).
 */
export function exactLatencyCdf(
  state: ExactBatchState,
  service: ArrayLike<number>,
  w: number,
  options: { left?: boolean } = {},
): number {
  const v = scaledCdf(state, service, w, options.left ?? false).v;
  return Math.max(0, Math.min(1, v / state.meanBatchSize));
}

/** Whether `S_1 < S_2 < ... < S_B`. */
function increasing(service: ArrayLike<number>, b: number): boolean {
  for (let k = 1; k < b; k++) if (!(service[k] > service[k - 1])) return false;
  return true;
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
  if (!increasing(service, b)) {
    const breaks: number[] = [];
    for (let k = 1; k <= b; k++) breaks.push(service[k - 1], service[k - 1] + t);
    return searchPercentile(state, service, target, breaks, scaledCdf);
  }
  // F lies between the step functions that count batch size k in full from S_k + T on
  // (below) and from S_k on (above): with k* the size where the cumulative requests
  // reach the target, the answer lies in [S_k*, S_k* + T]; only the breakpoints of
  // other sizes inside that interval matter.
  let kStar = 1;
  while (kStar < b && state.cumulativeRequests[kStar - 1] < target) kStar++;
  const a = service[kStar - 1], c = a + t;
  const breaks = [a];
  for (let k = 1; k <= b; k++) {
    if (k === kStar) continue;
    const s0 = service[k - 1], s1 = s0 + t;
    if (s0 > a && s0 < c) breaks.push(s0);
    if (s1 > a && s1 < c) breaks.push(s1);
  }
  breaks.push(c);
  if (breaks.length > 2) return searchPercentile(state, service, target, breaks, scaledCdfSorted);
  // Only size k* is partly counted on (S_k*, S_k* + T): F there is
  // cumulativeRequests[k* - 2] + C_k*(w - S_k*), the same function of the offset
  // w - S_k* at every memory, so the offset is computed once per (B, T).
  if (state.offsetMemoPercentile !== percentile) {
    state.offsetMemo.fill(NaN);
    state.offsetMemoPercentile = percentile;
  }
  const memo = state.offsetMemo[kStar - 1];
  if (memo === memo) return a + memo; // not NaN
  const w = searchPercentile(state, service, target, breaks, scaledCdfSorted);
  state.offsetMemo[kStar - 1] = w - a;
  return w;
}

/** The smallest `w` with `E[K] F(w) >= target`, given F's breakpoints around it. */
function searchPercentile(
  state: ExactBatchState,
  service: ArrayLike<number>,
  target: number,
  breaks: number[],
  cdf: typeof scaledCdf,
): number {
  breaks.sort((x, y) => x - y);
  // Smallest breakpoint where F reaches the target.
  let lo = 0, hi = breaks.length - 1;
  if (cdf(state, service, breaks[hi], false).v < target) return breaks[hi];
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cdf(state, service, breaks[mid], false).v >= target) hi = mid;
    else lo = mid + 1;
  }
  const right = breaks[hi];
  if (hi === 0) return right;
  const fRight = cdf(state, service, right, true).v;
  if (fRight < target) return right;
  // F is continuous on (breaks[hi - 1], right) and crosses the target there:
  // Newton from the secant point, kept inside the bracket.
  let a = breaks[hi - 1], c = right;
  const fA = cdf(state, service, a, false).v;
  let w = fRight > fA ? a + (c - a) * (target - fA) / (fRight - fA) : 0.5 * (a + c);
  if (!(w > a && w < c)) w = 0.5 * (a + c);
  for (let iter = 0; iter < 100; iter++) {
    const { v, d } = cdf(state, service, w, false);
    const f = v - target;
    if (f >= 0) c = w;
    else a = w;
    if (f === 0 || c - a <= 4e-16 * c) return c;
    const step = d > 0 ? f / d : NaN;
    let next = w - step;
    if (!(next > a && next < c) || iter % 8 === 7) next = 0.5 * (a + c);
    else if (Math.abs(step) <= 1e-13 * c) return next;
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
  const m = parts.m;
  const plan = options.planTimeoutsSec ?? timeoutsSec;
  for (const lattice of planLattices(timeoutsSec, q, nodeSpacing, nMax * m * m, plan)) {
    const tables = countingLattice(parts.d0, parts.d1, lattice.stepSec, lattice.nodes, nMax);
    const vectors = latticeVectors(tables, parts.d0, parts.d1);
    const stride = Math.max(1, Math.floor(nodeSpacing / (q * lattice.stepSec)));
    for (const { index, node } of lattice.timeouts) {
      const tt = timeoutTables(tables, vectors, lattice, node, stride, maxBatches);
      for (let ib = 0; ib < maxBatches.length; ib++) {
        visit(exactBatchState(parts, tables, vectors, tt, node, maxBatches[ib]), index, ib);
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
  // With random service or cold starts, the distributions of each memory, and the expected
  // cost under rounding; with cold starts, what each memory shares across (B, T).
  const coldInits = grid.memoriesMb.map((mem) => initSecAt(profile, mem));
  const cold = coldInits.some((x) => x !== undefined);
  const dists = profile.variability === undefined && !cold
    ? undefined
    : grid.memoriesMb.map((mem) => serviceDistributions(profile, maxB, mem, { extrapolate }));
  const costs = grid.memoriesMb.map((mem, im) =>
    dists === undefined
      ? Float64Array.from(services[im], (s) => invocationCostUsd(pricing, s, mem))
      : Float64Array.from(dists[im], (d) => expectedInvocationCostUsd(pricing, d, mem))
  );
  const parts = cold
    ? grid.memoriesMb.map((mem, im) => coldStartParts(dists![im], coldInits[im]!, pricing, mem))
    : undefined;
  const rate = cold ? arrivalRatePerSec(map) : NaN;
  // One quadrature per (B, T, k) for every memory: the smallest quantile gap over the memories.
  const gapsSec = dists === undefined ? undefined : Float64Array.from(
    { length: maxB },
    (_, k) => Math.min(...dists.map((d) => serviceGapSec(d[k]))),
  );
  const keepAliveSec = inputs.keepAliveSec ?? DEFAULT_KEEP_ALIVE_SEC;
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
    // Newton starts from the deterministic percentile plus the last memory's shift by the variation.
    let shift = 0;
    for (let im = 0; im < nM; im++) {
      const idx = (im * nT + it) * nB + ib;
      const service = services[im];
      let latency = dists?.[im], cost: ArrayLike<number> = costs[im];
      if (parts) {
        const terms = withColdStartsOf({
          batchSize: state.batchSize,
          meanBatchSize: state.meanBatchSize,
          arrivalRatePerSec: rate,
          keepAliveSec,
        }, parts[im]);
        latency = terms.latency;
        cost = terms.costUsd;
      }
      let meanCost = 0;
      for (let k = 1; k <= b; k++) meanCost += state.batchSize[k - 1] * cost[k - 1];
      meanCost /= state.meanBatchSize;
      const deterministic = exactLatencyPercentile(state, service, percentile);
      if (latency === undefined) out.latencySec[idx] = deterministic;
      else {
        const model = variableServiceModel(state, latency, { gapsSec });
        const w = variableLatencyPercentile(model, percentile, deterministic + shift);
        out.latencySec[idx] = w;
        shift = w - deterministic;
      }
      out.costUsd[idx] = meanCost;
      out.meanCostUsd[idx] = meanCost;
      out.percentileCostUsd[idx] = cost[sizeP - 1] / sizeP;
      out.percentileBatchSize[idx] = sizeP;
    }
  }, { ...options, onProgress });
  return out;
}

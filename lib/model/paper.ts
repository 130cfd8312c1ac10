/**
 * The `paper` method: the BATCH model exactly as the released solver.py
 * computes it (Ali et al., SC'20; code release Zenodo 10.5281/zenodo.3872213),
 * so that its numbers can be reproduced to the digit.
 *
 * What solver.py does, and this module mirrors:
 * - MAP entries are read as float32 (`np.loadtxt(dtype='f')`); the initial phase
 *   rule and `tau` are computed in float32 arithmetic from them.
 * - The phase at the start of a batch is Eq. 13-14 of the paper: phase `i` gets
 *   weight `(l_i / w_i) / min(B, floor(l_i T + 1))` with `l_i = D1[i][i]` and
 *   `w_i = -(D0[i][i] + D1[i][i])`, normalised.
 * - The batch-size distribution is the transient solution at `T` of the counting
 *   generator with an absorbing last level (`P(K = B)` is one minus the rest).
 *   solver.py uses `expm`; here the same quantity comes from uniformization
 *   (`P(K = n + 1) = alpha P(n, T) 1`), equal to rounding.
 * - Requests see the size-biased distribution `q_k = k p_k / sum(j p_j)`.
 * - The latency CDF assumes a request of a batch of size `k` waits uniformly on
 *   `[0, T]` (on `[0, min(tau, T)]` for `k = B`), plus the deterministic service
 *   time; the percentile is found by bisection on `[0, 30]` s until the bracket
 *   is at most 0.01 s wide, returning the midpoint.
 * - The cost is the per-request cost of a batch whose size is the percentile of
 *   the batch-size distribution (solver.py's strict-inequality rule), billed
 *   continuously.
 *
 * @module
 */

import type { MapProcess } from "../map/map_process.ts";
import type { Matrix } from "../numeric/dense.ts";
import { billedDurationSec } from "../profile/pricing.ts";
import { serviceTimesSec } from "../profile/service_profile.ts";
import { countingMatrices } from "./counting.ts";
import {
  allocateEvaluation,
  type ConfigurationGrid,
  type GridEvaluation,
  type ModelInputs,
} from "./types.ts";

const f32 = Math.fround;

/** Upper end of solver.py's bisection, seconds. */
export const PAPER_MAX_LATENCY_SEC = 30;
/** Width at which solver.py's bisection stops, seconds. */
export const PAPER_BISECTION_TOLERANCE_SEC = 0.01;

/** The MAP with every entry rounded to float32, as solver.py reads its files. */
export function float32Map(map: MapProcess): { d0: Matrix; d1: Matrix } {
  return {
    d0: map.d0.map((r) => r.map((x) => f32(x))),
    d1: map.d1.map((r) => r.map((x) => f32(x))),
  };
}

/**
 * NumPy's `np.sum` of a float64 vector: the first element plus the pairwise
 * (8-way unrolled) sum of the rest, so that sums match solver.py's bits.
 */
export function numpySum(a: ArrayLike<number>, start = 0, end = a.length): number {
  if (end - start === 0) return 0;
  return a[start] + pairwiseSum(a, start + 1, end - start - 1);
}

function pairwiseSum(a: ArrayLike<number>, start: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i];
    return res;
  }
  if (n <= 128) {
    const r = [0, 0, 0, 0, 0, 0, 0, 0];
    for (let j = 0; j < 8; j++) r[j] = a[start + j];
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (let j = 0; j < 8; j++) r[j] += a[start + i + j];
    }
    let res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; i++) res += a[start + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, start, n2) + pairwiseSum(a, start + n2, n - n2);
}

/**
 * solver.py's initial phase distribution (paper Eq. 13-14) for max batch `B`
 * and timeout `T`, from the float32 MAP.
 */
export function paperInitialPhases(
  d0: Matrix,
  d1: Matrix,
  maxBatch: number,
  timeoutSec: number,
): number[] {
  const m = d0.length;
  if (m === 1) return [1];
  const g = new Array<number>(m);
  for (let i = 0; i < m; i++) {
    const l = d1[i][i];
    const w = f32(-f32(d0[i][i] + d1[i][i]));
    const events = l / w;
    g[i] = events / Math.min(maxBatch, Math.floor(l * timeoutSec + 1));
  }
  const total = numpySum(g);
  return g.map((x) => x / total);
}

/**
 * solver.py's `tau`, the assumed longest wait in a full batch: from the
 * float32 MAP for two phases, `(B - 1) / lambda` for one, and `T` otherwise.
 */
export function paperTau(d0: Matrix, d1: Matrix, maxBatch: number, timeoutSec: number): number {
  const m = d0.length;
  if (m === 1) return f32((maxBatch - 1) / d1[0][0]);
  if (m !== 2) return timeoutSec;
  const l0 = d1[0][0], l1 = d1[1][1];
  const w0 = f32(-f32(d0[0][0] + d1[0][0]));
  const w1 = f32(-f32(d0[1][1] + d1[1][1]));
  const num = f32((maxBatch - 1) * f32(w0 + w1));
  const den = f32(f32(l0 * w1) + f32(l1 * w0));
  return f32(num / den);
}

/** solver.py's percentile of a discrete size distribution (strict `>` rule). */
export function paperPercentileSize(probabilities: ArrayLike<number>, percentile: number): number {
  let acc = 0;
  for (let i = 0; i < probabilities.length; i++) {
    if (acc < percentile && acc + probabilities[i] > percentile) return i + 1;
    acc += probabilities[i];
  }
  // solver.py returns None here and then fails; the largest size is the
  // natural reading (the cumulative sum only reached the percentile by rounding).
  return probabilities.length;
}

/** solver.py's request latency CDF at `x` seconds for one configuration. */
export function paperLatencyCdf(
  x: number,
  service: ArrayLike<number>,
  requestSize: ArrayLike<number>,
  timeoutSec: number,
  tau: number,
): number {
  const b = requestSize.length;
  let min = Infinity, max = -Infinity;
  for (let i = 0; i < b; i++) {
    min = Math.min(min, service[i]);
    max = Math.max(max, service[i]);
  }
  // findPositionX
  let idx: number;
  if (x < min) idx = 0;
  else if (x >= max) idx = b - 1;
  else {
    idx = -1;
    for (let i = 0; i < b - 1; i++) {
      if (x >= service[i] && x < service[i + 1]) {
        idx = i;
        break;
      }
    }
    if (idx < 0) {
      throw new RangeError(
        "Cannot use the paper method: it needs service times that increase with the batch size",
      );
    }
  }
  const tauOrT = timeoutSec < tau ? timeoutSec : tau; // Python's min(tau, T)
  if ((b === 1 && x < max) || (b > 1 && x < min)) return 0;
  if (x > max + tauOrT) return 1;
  let below = 0;
  for (let i = 0; i < idx; i++) below += requestSize[i];
  if (x <= service[idx] + timeoutSec && idx < b - 1) {
    return ((x - service[idx]) / timeoutSec) * requestSize[idx] + below;
  }
  if (x <= service[idx] + timeoutSec && idx === b - 1) {
    return ((x - service[idx]) / tauOrT) * requestSize[idx] + below;
  }
  return below + requestSize[idx];
}

/** solver.py's bisection for the latency percentile. */
export function paperLatencyPercentile(
  service: ArrayLike<number>,
  requestSize: ArrayLike<number>,
  timeoutSec: number,
  tau: number,
  percentile: number,
): number {
  let lo = 0, hi = PAPER_MAX_LATENCY_SEC;
  let mid = (hi + lo) / 2;
  let value = paperLatencyCdf(mid, service, requestSize, timeoutSec, tau);
  while (hi - lo > PAPER_BISECTION_TOLERANCE_SEC) {
    if (value < percentile) lo = mid;
    else hi = mid;
    mid = (hi + lo) / 2;
    value = paperLatencyCdf(mid, service, requestSize, timeoutSec, tau);
  }
  return mid;
}

/** Batch-size and request-size distributions of the paper method. */
export interface PaperSizeDistributions {
  /** `P(K = k)`, index `k - 1`. */
  readonly batch: Float64Array;
  /** Size-biased `q_k = k p_k / sum_j j p_j`, index `k - 1`. */
  readonly request: Float64Array;
}

function sizeDistributions(
  pAt: (n: number) => number,
  maxBatch: number,
): PaperSizeDistributions {
  const batch = new Float64Array(maxBatch);
  let acc = 0;
  for (let n = 0; n < maxBatch - 1; n++) {
    batch[n] = pAt(n);
    acc += batch[n];
  }
  batch[maxBatch - 1] = 1 - acc;
  const weighted = new Float64Array(maxBatch);
  for (let i = 0; i < maxBatch; i++) weighted[i] = (i + 1) * batch[i];
  const total = numpySum(weighted);
  const request = weighted.map((x) => x / total);
  return { batch, request };
}

/**
 * The paper method's batch-size and request-size distributions for one
 * `(B, T)`.
 */
export function paperSizeDistributions(
  map: MapProcess,
  maxBatch: number,
  timeoutSec: number,
): PaperSizeDistributions {
  const { d0, d1 } = float32Map(map);
  const tables = countingMatrices(d0, d1, [timeoutSec], Math.max(1, maxBatch - 1));
  const alpha = paperInitialPhases(d0, d1, maxBatch, timeoutSec);
  const level = (n: number) => levelProbability(tables.p, 0, n, alpha, d0.length, tables.maxCount);
  return sizeDistributions(level, maxBatch);
}

/** `sum_j (alpha P(n, t))_j`, summed phase by phase as solver.py does. */
function levelProbability(
  p: Float64Array,
  timeIndex: number,
  n: number,
  alpha: ArrayLike<number>,
  m: number,
  maxCount: number,
): number {
  const base = (timeIndex * maxCount + n) * m * m;
  let sum = 0;
  for (let j = 0; j < m; j++) {
    let x = 0;
    for (let i = 0; i < m; i++) x += alpha[i] * p[base + i * m + j];
    sum += x;
  }
  return sum;
}

/**
 * Evaluates the paper method on every configuration of a grid.
 *
 * @param map The arrival process (rounded to float32 here, as solver.py reads it).
 * @param grid Memories, timeouts and max batch sizes.
 * @param inputs Profile, pricing, percentile.
 * @returns Latency percentiles and costs for every configuration.
 */
export function evaluatePaperGrid(
  map: MapProcess,
  grid: ConfigurationGrid,
  inputs: ModelInputs,
): GridEvaluation {
  const { profile, pricing, percentile, extrapolate = false, onProgress } = inputs;
  const out = allocateEvaluation("paper", grid);
  const { d0, d1 } = float32Map(map);
  const m = d0.length;
  const maxB = Math.max(...grid.maxBatches);
  const nM = grid.memoriesMb.length, nT = grid.timeoutsSec.length, nB = grid.maxBatches.length;
  const tables = countingMatrices(d0, d1, grid.timeoutsSec, Math.max(1, maxB - 1));
  const services = grid.memoriesMb.map((mem) =>
    serviceTimesSec(profile, maxB, mem, { extrapolate })
  );
  const gbPerMb = 1 / 1024;
  for (let it = 0; it < nT; it++) {
    const t = grid.timeoutsSec[it];
    for (let ib = 0; ib < nB; ib++) {
      const b = grid.maxBatches[ib];
      const alpha = paperInitialPhases(d0, d1, b, t);
      const dist = sizeDistributions(
        (n) => levelProbability(tables.p, it, n, alpha, m, tables.maxCount),
        b,
      );
      const tau = paperTau(d0, d1, b, t);
      const sizeP = paperPercentileSize(dist.batch, percentile);
      let meanSize = 0;
      for (let k = 1; k <= b; k++) meanSize += k * dist.batch[k - 1];
      for (let im = 0; im < nM; im++) {
        const mem = grid.memoriesMb[im];
        const service = services[im].subarray(0, b);
        const idx = (im * nT + it) * nB + ib;
        out.latencySec[idx] = paperLatencyPercentile(service, dist.request, t, tau, percentile);
        // getCostRequest: (1 * S * memGB - 0) * price / n + (1 - 0) * fee / n
        const memGb = mem * gbPerMb;
        const pCost = (billedDurationSec(pricing, service[sizeP - 1]) * memGb) *
            pricing.usdPerGbSecond / sizeP + pricing.usdPerRequest / sizeP;
        out.costUsd[idx] = pCost;
        out.percentileCostUsd[idx] = pCost;
        out.percentileBatchSize[idx] = sizeP;
        let meanBatchCost = 0;
        for (let k = 1; k <= b; k++) {
          const c = billedDurationSec(pricing, service[k - 1]) * memGb * pricing.usdPerGbSecond +
            pricing.usdPerRequest;
          meanBatchCost += dist.batch[k - 1] * c;
        }
        out.meanCostUsd[idx] = meanBatchCost / meanSize;
      }
    }
    onProgress?.(it + 1, nT);
  }
  return out;
}

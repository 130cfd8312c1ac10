/**
 * Descriptive statistics of a trace of inter-arrival times: the rate, the
 * first three moments, the squared coefficient of variation (SCV), the
 * skewness, the lag autocorrelations, the index of dispersion for counts
 * (IDC) and the arrival rate per window. Pure: reading trace files is the job
 * of `lib/io/trace_files.ts`.
 *
 * Numerics: the moments are central sums around the mean computed by a first
 * pass, corrected for the part of the mean that rounding leaves out (the
 * corrected two-pass algorithm recommended by T. F. Chan, G. H. Golub and R. J.
 * LeVeque, "Algorithms for computing the sample variance: analysis and
 * recommendations", The American Statistician 37(3), 1983), and every sum is
 * compensated (A. Neumaier, "Rundungsfehleranalyse einiger
 * Verfahren zur Summation endlicher Summen", ZAMM 54, 1974), so an hour of a
 * million gaps loses no digits to rounding.
 *
 * Conventions (those of moment fitting, as in BuTools' `MarginalMomentsFromTrace`
 * and `LagCorrelationsFromTrace`): moments are divided by `n`, not `n - 1`;
 * the lag-`k` autocorrelation is the mean of the `n - k` products of centred
 * gaps `k` apart divided by the variance.
 *
 * @module
 */

/** Options of {@linkcode traceStatistics}. */
export interface TraceStatisticsOptions {
  /**
   * Number of lag autocorrelations to compute, a positive integer below the
   * number of gaps.
   *
   * @default {5, or the number of gaps - 1 if that is less}
   */
  lags?: number;
  /**
   * Window of the index of dispersion for counts, seconds, finite and > 0.
   *
   * @default {1}
   */
  countWindowSec?: number;
  /**
   * Window of {@linkcode TraceStatistics.windowRatesPerSec}, seconds, finite and > 0.
   *
   * @default {60}
   */
  rateWindowSec?: number;
}

/** The statistics returned by {@linkcode traceStatistics}. */
export interface TraceStatistics {
  /** Number of inter-arrival times `n` (= number of arrivals). */
  count: number;
  /** Sum of the inter-arrival times: the time of the last arrival from the origin, seconds. */
  durationSec: number;
  /** Arrival rate, `count / durationSec` (= `1 / meanSec`), per second. */
  ratePerSec: number;
  /** Mean inter-arrival time `E[X]`, seconds. */
  meanSec: number;
  /**
   * Raw moments `[E[X], E[X^2], E[X^3]]` (seconds to the power 1, 2, 3),
   * computed from the central ones.
   */
  moments: [number, number, number];
  /** Squared coefficient of variation, `Var[X] / E[X]^2` (0 when all gaps are equal). */
  scv: number;
  /** Skewness `E[(X - E[X])^3] / Var[X]^1.5`; `NaN` when all gaps are equal. */
  skewness: number;
  /** Lag-1 .. lag-`lags` autocorrelations; `NaN` when all gaps are equal. */
  lagCorrelations: number[];
  /**
   * Index of dispersion for counts: variance over mean of the number of
   * arrivals in consecutive windows of `countWindowSec` from the origin (the
   * unbiased variance, divisor `K - 1` over `K` full windows; 1 for a Poisson
   * process). `NaN` when the trace spans fewer than two full windows or no
   * arrival falls in them.
   */
  idc: number;
  /**
   * Arrivals per second in each full window of `rateWindowSec` from the
   * origin; the last, partial window is left out, as the trace's end is only
   * known to be after its last arrival. Empty when the trace is shorter than
   * one window.
   */
  windowRatesPerSec: Float64Array;
}

/** Most windows {@linkcode traceStatistics} will count (guards against a tiny window). */
const MAX_WINDOWS = 10_000_000;

/**
 * Computes the descriptive statistics of a trace of inter-arrival times (see
 * {@linkcode TraceStatistics}). Arrival `i` is at the sum of the first `i + 1`
 * gaps from the origin 0.
 *
 * @param interArrivalsSec Inter-arrival times in seconds: at least 2, each
 *   finite and >= 0, not all 0.
 * @param options Number of lags and the two window lengths.
 * @returns The statistics.
 * @throws {RangeError} If an option is out of range (`lags` not a positive
 *   integer below the number of gaps, a window not finite and > 0, or more than
 *   10^7 windows), there are fewer than 2 gaps, a gap is not a finite number
 *   >= 0 (the message names the first bad index and value, NaN included), or
 *   all gaps are 0.
 *
 * @example Usage
 * ```ts
 * import assert from "node:assert/strict";
 *
 * // Arrivals at 0.5, 1, 2, 2.5, 4 s.
 * const s = traceStatistics([0.5, 0.5, 1, 0.5, 1.5], { lags: 1, countWindowSec: 1 });
 * assert.equal(s.count, 5);
 * assert.equal(s.durationSec, 4);
 * assert.equal(s.ratePerSec, 1.25);
 * assert.ok(Math.abs(s.scv - 0.25) < 1e-12); // variance 0.16 s^2 over mean^2 0.64 s^2
 * // Counts 1, 1, 2, 0 in [0,1), [1,2), [2,3), [3,4): variance 2/3, mean 1.
 * assert.ok(Math.abs(s.idc - 2 / 3) < 1e-12);
 * ```
 */
export function traceStatistics(
  interArrivalsSec: ArrayLike<number>,
  options: TraceStatisticsOptions = {},
): TraceStatistics {
  const { countWindowSec = 1, rateWindowSec = 60 } = options;
  const n = interArrivalsSec?.length;
  if (typeof n !== "number") {
    throw new TypeError(
      `Cannot compute the trace statistics: expected an array of inter-arrival times, ` +
        `found ${describe(interArrivalsSec)}`,
    );
  }
  checkWindow("countWindowSec", countWindowSec);
  checkWindow("rateWindowSec", rateWindowSec);
  if (!(n >= 2)) {
    throw new RangeError(
      `Cannot compute the trace statistics: expected at least 2 inter-arrival times, found ${n}`,
    );
  }
  const lags = options.lags ?? Math.min(5, n - 1);
  if (!(Number.isInteger(lags) && lags >= 1 && lags < n)) {
    throw new RangeError(
      `Cannot compute the trace statistics: expected 'lags' to be an integer from 1 to ` +
        `${n - 1} (below the number of gaps), found ${lags}`,
    );
  }
  // Pass 1: validation and a first mean.
  let sum = 0, comp = 0;
  for (let i = 0; i < n; i++) {
    const x = interArrivalsSec[i];
    if (!(x >= 0 && x < Infinity)) {
      throw new RangeError(
        `Cannot compute the trace statistics: expected inter-arrival times that are finite ` +
          `numbers >= 0 s, found ${describe(x)} at index ${i}`,
      );
    }
    const t = sum + x;
    comp += Math.abs(sum) >= x ? (sum - t) + x : (x - t) + sum;
    sum = t;
  }
  const durationSec = sum + comp;
  if (!(durationSec > 0)) {
    throw new RangeError(
      "Cannot compute the trace statistics: expected inter-arrival times with a positive sum, " +
        "found all 0",
    );
  }
  // Pass 2: sums of the gaps centred on the rounded mean. The mean that a double cannot hold,
  // r = sum(d) / n, is then corrected for exactly (Chan, Golub and LeVeque's correction,
  // carried to the third power and the lag products).
  const roughMean = durationSec / n;
  const acc = new CompensatedSums(3 + lags);
  for (let i = 0; i < n; i++) {
    const d = interArrivalsSec[i] - roughMean;
    acc.add(0, d);
    acc.add(1, d * d);
    acc.add(2, d * d * d);
    for (let k = 1; k <= lags && i + k < n; k++) {
      acc.add(2 + k, d * (interArrivalsSec[i + k] - roughMean));
    }
  }
  const s1 = acc.total(0), r = s1 / n;
  const meanSec = roughMean + r;
  const mu2 = Math.max(0, (acc.total(1) - s1 * r) / n);
  const mu3 = (acc.total(2) - 3 * r * acc.total(1) + 3 * r * r * s1 - n * r * r * r) / n;
  const lagCorrelations: number[] = [];
  let head = 0, tail = 0; // sums of the first and of the last k centred gaps
  for (let k = 1; k <= lags; k++) {
    head += interArrivalsSec[k - 1] - roughMean;
    tail += interArrivalsSec[n - k] - roughMean;
    const products = acc.total(2 + k) - r * ((s1 - tail) + (s1 - head)) + (n - k) * r * r;
    lagCorrelations.push(mu2 > 0 ? products / (n - k) / mu2 : NaN);
  }
  const m1 = meanSec;
  const moments: [number, number, number] = [
    m1,
    mu2 + m1 * m1,
    mu3 + 3 * m1 * mu2 + m1 * m1 * m1,
  ];
  const countWindows = windowCounts(interArrivalsSec, durationSec, countWindowSec);
  const rateWindows = windowCounts(interArrivalsSec, durationSec, rateWindowSec);
  return {
    count: n,
    durationSec,
    ratePerSec: n / durationSec,
    meanSec,
    moments,
    scv: mu2 / (m1 * m1),
    skewness: mu2 > 0 ? mu3 / Math.pow(mu2, 1.5) : NaN,
    lagCorrelations,
    idc: indexOfDispersion(countWindows),
    windowRatesPerSec: Float64Array.from(rateWindows, (c) => c / rateWindowSec),
  };
}

/** Neumaier sums of several series at once. */
class CompensatedSums {
  readonly #sums: Float64Array;
  readonly #comps: Float64Array;

  constructor(size: number) {
    this.#sums = new Float64Array(size);
    this.#comps = new Float64Array(size);
  }

  add(k: number, x: number): void {
    const s = this.#sums[k], t = s + x;
    this.#comps[k] += Math.abs(s) >= Math.abs(x) ? (s - t) + x : (x - t) + s;
    this.#sums[k] = t;
  }

  total(k: number): number {
    return this.#sums[k] + this.#comps[k];
  }
}

/**
 * Arrivals in each full window `[k w, (k + 1) w)` before `durationSec`, the
 * arrival times being the compensated running sums of the gaps.
 */
function windowCounts(
  gaps: ArrayLike<number>,
  durationSec: number,
  windowSec: number,
): Uint32Array {
  const windows = Math.floor(durationSec / windowSec);
  if (windows > MAX_WINDOWS) {
    throw new RangeError(
      `Cannot compute the trace statistics: expected at most ${MAX_WINDOWS} windows, found ` +
        `${windows} (${durationSec} s in windows of ${windowSec} s)`,
    );
  }
  const counts = new Uint32Array(windows);
  let s = 0, c = 0;
  for (let i = 0; i < gaps.length; i++) {
    const x = gaps[i], t = s + x;
    c += Math.abs(s) >= x ? (s - t) + x : (x - t) + s;
    s = t;
    const w = Math.floor((s + c) / windowSec);
    if (w >= windows) break;
    counts[w]++;
  }
  return counts;
}

/** Unbiased variance over mean of window counts (exact integer sums below 2^53). */
function indexOfDispersion(counts: Uint32Array): number {
  const k = counts.length;
  if (k < 2) return NaN;
  let total = 0;
  for (const c of counts) total += c;
  if (total === 0) return NaN;
  const mean = total / k;
  let squares = 0;
  for (const c of counts) squares += (c - mean) * (c - mean);
  return squares / (k - 1) / mean;
}

function checkWindow(name: string, value: number): void {
  if (!(value > 0 && value < Infinity)) {
    throw new RangeError(
      `Cannot compute the trace statistics: expected '${name}' to be a finite number > 0 s, ` +
        `found ${describe(value)}`,
    );
  }
}

function describe(v: unknown): string {
  if (typeof v === "number") return String(v);
  if (typeof v === "string") return JSON.stringify(v);
  if (v === null) return "null";
  return typeof v;
}

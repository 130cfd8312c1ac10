/**
 * Fitting a service-time profile S(k, m) to measured durations: the paper's
 * polynomial form in batch size k and memory m (MB), by least squares, with
 * its terms chosen by leave-one-cell-out cross-validation; the measured table
 * as a `points` profile; per (k, m) cell the mean, coefficient of
 * variation and p95 of the duration; and the spread of the durations around
 * their mean as the profile's `variability` (see `variability_fit.ts`).
 *
 * The result is a JSON document that {@linkcode profileFromJson} reads as a
 * polynomial profile (it reads the fields it knows and ignores `fit` and
 * `measurements`), so a measured function is usable as `--model FILE.json`
 * wherever a published profile is.
 *
 * Pure: no I/O, no clock, no randomness.
 *
 * @module
 */

import { leastSquares } from "../numeric/dense.ts";
import type { ServiceVariability } from "./service_distribution.ts";
import { type ColdStartProfile, profileFromJson, serviceTimeSec } from "./service_profile.ts";
import {
  type BatchSpread,
  batchSpreads,
  hasNoSpread,
  VARIABILITY_KINDS,
  VARIABILITY_METHODS,
  variabilityFromDurations,
  type VariabilityKind,
} from "./variability_fit.ts";

/** One measured invocation: its batch size, memory and duration. */
export interface DurationSample {
  /** Batch size k, a positive integer. */
  readonly batch: number;
  /** Lambda memory m, MB (> 0). */
  readonly memoryMb: number;
  /** The REPORT line's Duration, seconds (> 0). */
  readonly durationSec: number;
  /** The REPORT line's Billed Duration, seconds. @default {NaN: not known} */
  readonly billedDurationSec?: number;
  /** The REPORT line's Max Memory Used, MB. @default {NaN: not known} */
  readonly maxMemoryUsedMb?: number;
}

/** What the samples of one (memory, batch) cell say. */
export interface CellStatistics {
  memoryMb: number;
  batch: number;
  /** Samples in the cell. */
  count: number;
  /** Mean duration, s. */
  meanSec: number;
  /** Coefficient of variation of the duration (sample standard deviation over the mean); NaN for one sample. */
  cv: number;
  /** 95th percentile of the duration, s (linear interpolation between order statistics). */
  p95Sec: number;
  minSec: number;
  maxSec: number;
  /** Mean billed duration, s (NaN when no sample gave one). */
  meanBilledSec: number;
  /** Largest Max Memory Used, MB (NaN when no sample gave one). */
  maxMemoryUsedMb: number;
}

/** One cold start: the Init Duration of the first invocation of a new environment. */
export interface ColdStartSample {
  /** Lambda memory, MB (> 0). */
  readonly memoryMb: number;
  /** The REPORT line's Init Duration, seconds (>= 0). */
  readonly initSec: number;
}

/** The cold starts seen at one memory. */
export interface ColdStartStatistics {
  memoryMb: number;
  count: number;
  /** Mean Init Duration, s. */
  meanInitSec: number;
  /** Largest Init Duration, s. */
  maxInitSec: number;
}

/** How well one candidate term set fits. */
export interface TermSetScore {
  /** The terms, in the profile format's spelling and order. */
  terms: string[];
  /** Root mean square of the residuals of the fit on every sample, s. */
  rmseSec: number;
  /**
   * Leave-one-cell-out error: each cell's samples predicted by the fit on the
   * other cells; the root mean square over every sample, s (Infinity when a
   * fit without some cell is not determined).
   */
  heldOutRmseSec: number;
  /**
   * Standard error of the held-out mean square error, s^2 (the spread of the
   * cells' mean square errors over the square root of the number of cells).
   */
  heldOutMseSe: number;
}

/** A polynomial S(k, m) fitted by least squares, and how its terms were chosen. */
export interface PolynomialFit {
  /** The chosen terms, as the profile format spells them (`"1"`, `"k"`, `"m*k^2"`, ...). */
  terms: string[];
  /** One coefficient per term, in seconds per unit of the term (raw k and m in MB). */
  coefficients: number[];
  /** Root mean square residual over every sample, s. */
  rmseSec: number;
  /** Root mean square of (measured - fitted) / measured over every sample. */
  relativeRmse: number;
  /** Leave-one-cell-out root mean square error over every sample, s. */
  heldOutRmseSec: number;
  /** Leave-one-cell-out root mean square of (measured - predicted) / measured. */
  heldOutRelativeRmse: number;
  /** Every candidate term set with its scores, fewest terms first. */
  candidates: TermSetScore[];
  /** Index in `candidates` of the chosen set. */
  chosen: number;
  /** Samples and cells the fit used. */
  samples: number;
  cells: number;
}

/** Options of {@linkcode fitPolynomial}. */
export interface FitPolynomialOptions {
  /**
   * Highest total degree of a term (the paper's fits are cubic and quartic),
   * an integer within 0..8. @default {4}
   */
  maxDegree?: number;
}

/** Options of {@linkcode fitProfile}. */
export interface FitProfileOptions extends FitPolynomialOptions {
  /** Name of the profile (the model's name in solve, simulate and buffer). */
  name: string;
  /** Cold starts seen during the measurement. @default {[]} */
  coldStarts?: readonly ColdStartSample[];
  /**
   * The profile's `variability`, estimated from the samples by
   * `variabilityFromDurations`: `gamma` or `lognormal` (a CV per batch size),
   * `empirical` (the durations as ratios to their cell's mean), or `none`
   * (deterministic, no `variability`). Every kind but `none` needs a
   * (memory, batch) cell of two samples or more. @default {"gamma"}
   */
  variability?: VariabilityKind;
}

/** How a fitted profile's `variability` was estimated (the document's `fit.variability`). */
export interface VariabilityEstimate {
  distribution: ServiceVariability["distribution"];
  /** How, in one line. */
  method: string;
  /** Durations the estimate rests on (in cells of two or more). */
  samples: number;
  /** Cells they came from. */
  cells: number;
  /** Durations left out, alone in their cell. */
  leftOut: number;
  /** Per batch size, the pooled CV and what it rests on. */
  batches: BatchSpread[];
  /**
   * True when no duration differs from its cell's mean: the profile is then
   * deterministic and is written without `variability`.
   */
  deterministic: boolean;
}

/** A point of the measured table, as a `points` profile holds it. */
export interface TablePoint {
  memoryMb: number;
  batch: number;
  /** Mean duration of the cell, s. */
  sec: number;
}

/** A `points` profile as JSON: the measured cell means. */
export interface TableProfileJson {
  name: string;
  kind: "table";
  points: TablePoint[];
}

/**
 * A fitted profile as JSON: a polynomial profile that `profileFromJson` reads,
 * plus the fit's scores and what was measured.
 */
export interface FittedProfileJson {
  name: string;
  kind: "polynomial";
  terms: string[];
  coefficients: number[];
  /** The measured memories' range, MB. */
  memoryRangeMb: [number, number];
  /** The measured batch sizes' range. */
  batchRange: [number, number];
  /** How the service time spreads around S(k, m); absent: deterministic. */
  variability?: ServiceVariability;
  /**
   * The mean Init Duration of the cold starts measured, per memory: the
   * exact model's cold starts (absent when none was measured).
   */
  coldStart?: ColdStartProfile;
  /** How the polynomial was fitted and how well it fits. */
  fit: {
    method: string;
    samples: number;
    cells: number;
    rmseSec: number;
    relativeRmse: number;
    heldOutRmseSec: number;
    heldOutRelativeRmse: number;
    candidates: TermSetScore[];
    /** How `variability` was estimated (absent with `variability: "none"`). */
    variability?: VariabilityEstimate;
  };
  /** What was measured. */
  measurements: {
    cells: CellStatistics[];
    coldStarts: ColdStartStatistics[];
    /** The cell means as a `points` profile (usable on its own with `profileFromJson`). */
    table: TableProfileJson;
  };
}

/** How the fit and the choice of terms are done, in one line (the document's `fit.method`). */
export const FIT_METHOD = "least squares on every warm duration, in k and m centred and scaled " +
  "to [-1, 1], coefficients given in raw k and m (MB); terms chosen among {k^i m^j: i <= p, " +
  "j <= q, i + j <= max(p, q)} by leave-one-cell-out cross-validation with the " +
  "one-standard-error rule (Hastie, Tibshirani and Friedman, The Elements of Statistical " +
  "Learning, 2nd ed., section 7.10): the fewest terms whose held-out mean square error is " +
  "within one standard error of the smallest";

const _PAPER_SPELLING: Readonly<Record<string, string>> = {
  "0,0": "1",
  "1,0": "k",
  "0,1": "m",
  "2,0": "k^2",
  "1,1": "k*m",
  "0,2": "m^2",
  "3,0": "k^3",
  "2,1": "m*k^2",
  "1,2": "k*m^2",
  "0,3": "m^3",
  "4,0": "k^4",
  "3,1": "m*k^3",
  "2,2": "k^2*m^2",
  "1,3": "k*m^3",
  "0,4": "m^4",
};

/**
 * The profile format's spelling of the term k^i m^j: the paper's (`solver.py`'s)
 * for total degree up to 4 (`"m*k^2"`, `"k*m^2"`), else `k^i*m^j`.
 *
 * @param kPower i, an integer >= 0.
 * @param mPower j, an integer >= 0.
 * @returns The term.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(termName(0, 0), "1");
 * assert.equal(termName(2, 1), "m*k^2");
 * assert.equal(termName(5, 1), "k^5*m");
 * ```
 */
export function termName(kPower: number, mPower: number): string {
  const paper = _PAPER_SPELLING[`${kPower},${mPower}`];
  if (paper !== undefined) return paper;
  const factor = (x: string, e: number) => (e === 0 ? [] : [e === 1 ? x : `${x}^${e}`]);
  return [...factor("k", kPower), ...factor("m", mPower)].join("*");
}

/**
 * Per (memory, batch) cell: the count, mean, coefficient of variation, p95,
 * minimum and maximum of the durations (mean and variance by Welford's
 * algorithm), the mean billed duration and the largest memory used.
 *
 * @param samples The measured invocations.
 * @returns One entry per cell, by memory then batch size.
 * @throws {RangeError} On a sample whose batch is not a positive integer or
 *   whose memory or duration is not a finite number > 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const cells = cellStatistics([
 *   { batch: 1, memoryMb: 1024, durationSec: 1 },
 *   { batch: 1, memoryMb: 1024, durationSec: 3 },
 * ]);
 * assert.equal(cells[0].meanSec, 2);
 * assert.equal(cells[0].cv, Math.SQRT2 / 2);
 * ```
 */
export function cellStatistics(samples: readonly DurationSample[]): CellStatistics[] {
  const groups = new Map<string, DurationSample[]>();
  for (const [i, s] of samples.entries()) {
    _checkSample(s, i);
    const key = `${s.memoryMb},${s.batch}`;
    let group = groups.get(key);
    if (group === undefined) groups.set(key, group = []);
    group.push(s);
  }
  const cells: CellStatistics[] = [];
  for (const group of groups.values()) {
    let mean = 0, m2 = 0, n = 0;
    let billed = 0, billedCount = 0, used = NaN;
    for (const s of group) {
      n++;
      const delta = s.durationSec - mean;
      mean += delta / n;
      m2 += delta * (s.durationSec - mean);
      if (s.billedDurationSec !== undefined && Number.isFinite(s.billedDurationSec)) {
        billed += s.billedDurationSec;
        billedCount++;
      }
      if (s.maxMemoryUsedMb !== undefined && Number.isFinite(s.maxMemoryUsedMb)) {
        used = Number.isNaN(used) ? s.maxMemoryUsedMb : Math.max(used, s.maxMemoryUsedMb);
      }
    }
    const sorted = Float64Array.from(group, (s) => s.durationSec).sort();
    cells.push({
      memoryMb: group[0].memoryMb,
      batch: group[0].batch,
      count: n,
      meanSec: mean,
      cv: n > 1 ? Math.sqrt(m2 / (n - 1)) / mean : NaN,
      p95Sec: _quantileSorted(sorted, 0.95),
      minSec: sorted[0],
      maxSec: sorted[n - 1],
      meanBilledSec: billedCount > 0 ? billed / billedCount : NaN,
      maxMemoryUsedMb: used,
    });
  }
  return cells.sort((a, b) => a.memoryMb - b.memoryMb || a.batch - b.batch);
}

/**
 * Per memory: how many cold starts were seen, their mean and largest Init Duration.
 *
 * @param samples The cold starts.
 * @returns One entry per memory, ascending.
 * @throws {RangeError} On a memory that is not a finite number > 0 or an Init
 *   Duration that is not a finite number >= 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const stats = coldStartStatistics([{ memoryMb: 2048, initSec: 0.25 }, { memoryMb: 2048, initSec: 0.75 }]);
 * assert.deepEqual(stats, [{ memoryMb: 2048, count: 2, meanInitSec: 0.5, maxInitSec: 0.75 }]);
 * ```
 */
export function coldStartStatistics(samples: readonly ColdStartSample[]): ColdStartStatistics[] {
  const byMemory = new Map<number, number[]>();
  for (const [i, s] of samples.entries()) {
    if (!(s.memoryMb > 0 && Number.isFinite(s.memoryMb))) {
      throw _invalid(`coldStarts[${i}].memoryMb`, "a finite number > 0", s.memoryMb);
    }
    if (!(s.initSec >= 0 && Number.isFinite(s.initSec))) {
      throw _invalid(`coldStarts[${i}].initSec`, "a finite number >= 0", s.initSec);
    }
    let list = byMemory.get(s.memoryMb);
    if (list === undefined) byMemory.set(s.memoryMb, list = []);
    list.push(s.initSec);
  }
  return [...byMemory.entries()].sort((a, b) => a[0] - b[0]).map(([memoryMb, list]) => ({
    memoryMb,
    count: list.length,
    meanInitSec: list.reduce((a, b) => a + b, 0) / list.length,
    maxInitSec: Math.max(...list),
  }));
}

/**
 * Fits S(k, m) as a polynomial by least squares on every sample, choosing
 * the terms by leave-one-cell-out cross-validation (see {@linkcode FIT_METHOD}).
 *
 * The candidates are the term sets {k^i m^j : i <= p, j <= q, i + j <=
 * max(p, q)} for p, q up to `maxDegree` and below the number of distinct
 * batch sizes and memories measured: {1, k}, {1, k, m}, the full quadratic,
 * the paper's cubic and quartic, and the shapes between. Each is fitted on
 * the cell means weighted by their counts (the same coefficients as on the
 * samples, since a cell's samples share their row of the design matrix), in k
 * and m centred and scaled to [-1, 1], by Householder QR; the coefficients
 * are then expanded to raw k and m. Holding out a whole cell measures how
 * well the profile predicts a configuration it was not measured at, which is
 * what solve does with it between the measured ones.
 *
 * @param samples The warm invocations' durations.
 * @param options The highest degree.
 * @returns The chosen polynomial, its errors and every candidate's scores.
 * @throws {RangeError} On a bad sample or option, or with no sample.
 *
 * @example A linear S(k) recovered from noise-free samples
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const samples = [];
 * for (const memoryMb of [1024, 2048, 3008]) {
 *   for (const batch of [1, 2, 4, 8]) samples.push({ batch, memoryMb, durationSec: 0.1 + 0.05 * batch });
 * }
 * const fit = fitPolynomial(samples);
 * assert.deepEqual(fit.terms, ["1", "k"]);
 * assert.ok(Math.abs(fit.coefficients[0] - 0.1) < 1e-12 && Math.abs(fit.coefficients[1] - 0.05) < 1e-12);
 * ```
 */
export function fitPolynomial(
  samples: readonly DurationSample[],
  options: FitPolynomialOptions = {},
): PolynomialFit {
  const maxDegree = options.maxDegree ?? 4;
  if (!(Number.isInteger(maxDegree) && maxDegree >= 0 && maxDegree <= 8)) {
    throw _invalid("maxDegree", "an integer within 0..8", maxDegree);
  }
  if (samples.length === 0) {
    throw new RangeError("Cannot fit a profile as 'samples' must not be empty: found none");
  }
  const cells = cellStatistics(samples);
  const data = _cellData(cells, samples);
  const candidates = _candidateSets(data, maxDegree);
  const scored = candidates.map((exponents) => _score(data, exponents));
  // The one-standard-error rule; a floor keeps exact fits (errors at rounding
  // level) from being told apart by rounding noise.
  let best = 0;
  for (let c = 1; c < scored.length; c++) if (scored[c].cvMse < scored[best].cvMse) best = c;
  const floor = (1e-9 * data.rmsY) ** 2;
  const threshold = scored[best].cvMse + Math.max(scored[best].cvMseSe, floor);
  let chosen = best;
  for (let c = 0; c < scored.length; c++) {
    const s = scored[c];
    if (!(s.cvMse <= threshold)) continue;
    const fewer = candidates[c].length < candidates[chosen].length;
    const tie = candidates[c].length === candidates[chosen].length &&
      s.cvMse < scored[chosen].cvMse;
    if (fewer || tie) chosen = c;
  }
  const exponents = candidates[chosen];
  const scaled = _fitScaled(data, exponents, undefined)!;
  const coefficients = _rawCoefficients(exponents, scaled, data);
  const terms = exponents.map(([i, j]) => termName(i, j));
  const profile = profileFromJson({
    name: "fit",
    terms,
    coefficients,
    memoryRangeMb: [data.mLo, data.mHi],
    batchRange: [data.kLo, data.kHi],
  });
  let ss = 0, rel = 0;
  for (const s of samples) {
    const fitted = serviceTimeSec(profile, s.batch, s.memoryMb);
    ss += (s.durationSec - fitted) ** 2;
    rel += ((s.durationSec - fitted) / s.durationSec) ** 2;
  }
  const n = samples.length;
  return {
    terms,
    coefficients,
    rmseSec: Math.sqrt(ss / n),
    relativeRmse: Math.sqrt(rel / n),
    heldOutRmseSec: Math.sqrt(scored[chosen].cvMse),
    heldOutRelativeRmse: Math.sqrt(scored[chosen].cvRelMse),
    candidates: candidates.map((e, c) => ({
      terms: e.map(([i, j]) => termName(i, j)),
      rmseSec: Math.sqrt(scored[c].mse),
      heldOutRmseSec: Math.sqrt(scored[c].cvMse),
      heldOutMseSe: scored[c].cvMseSe,
    })),
    chosen,
    samples: n,
    cells: cells.length,
  };
}

/**
 * The measured cell means as a `points` profile (a full grid is needed for
 * `profileFromJson` to read it; a grid with a missing cell is not one).
 *
 * @param name The profile's name.
 * @param cells The cells, as {@linkcode cellStatistics} gives them.
 * @returns The profile's JSON.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const cells = cellStatistics([{ batch: 1, memoryMb: 1024, durationSec: 0.5 }]);
 * assert.deepEqual(tableProfileJson("f", cells), {
 *   name: "f",
 *   kind: "table",
 *   points: [{ memoryMb: 1024, batch: 1, sec: 0.5 }],
 * });
 * ```
 */
export function tableProfileJson(
  name: string,
  cells: readonly CellStatistics[],
): TableProfileJson {
  return {
    name,
    kind: "table",
    points: cells.map((c) => ({ memoryMb: c.memoryMb, batch: c.batch, sec: c.meanSec })),
  };
}

/**
 * Fits a profile to measured durations: the polynomial of
 * {@linkcode fitPolynomial} as a JSON profile whose ranges are the measured
 * ones, with its `variability` estimated from the same durations (see
 * {@linkcode variabilityFromDurations}), the fit's scores and how the
 * variability was estimated (`fit`), the per-cell statistics, the cold
 * starts and the measured table (`measurements`).
 *
 * When no duration differs from its cell's mean (a deterministic function),
 * the profile is written without `variability`, as the distribution of CV 0
 * is its mean, and `fit.variability.deterministic` says so.
 *
 * @param samples The warm invocations' durations.
 * @param options The profile's name, the cold starts, the highest degree and
 *   the kind of variability.
 * @returns The JSON document, readable by `profileFromJson`.
 * @throws {RangeError} On a bad sample, cold start or option, with no sample,
 *   or when a variability other than `none` is asked for and no (memory,
 *   batch) cell has two samples.
 * @throws {TypeError} On an empty name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type ColdStartProfile, profileFromJson, serviceTimeSec } from "./service_profile.ts";
 *
 * const samples = [];
 * for (const memoryMb of [1024, 2048]) {
 *   for (const batch of [1, 4, 16]) {
 *     const mean = 0.2 + 0.1 * batch;
 *     samples.push({ batch, memoryMb, durationSec: 0.9 * mean }, { batch, memoryMb, durationSec: 1.1 * mean });
 *   }
 * }
 * const doc = fitProfile(samples, { name: "mine", coldStarts: [{ memoryMb: 1024, initSec: 0.5 }] });
 * assert.deepEqual(doc.memoryRangeMb, [1024, 2048]);
 * assert.deepEqual(doc.batchRange, [1, 16]);
 * assert.deepEqual(doc.variability?.distribution, "gamma");
 * const profile = profileFromJson(JSON.parse(JSON.stringify(doc)));
 * assert.ok(Math.abs(serviceTimeSec(profile, 8, 1536) - 1) < 1e-9);
 * ```
 */
export function fitProfile(
  samples: readonly DurationSample[],
  options: FitProfileOptions,
): FittedProfileJson {
  const { name, coldStarts = [], variability: kind = "gamma" } = options;
  if (typeof name !== "string" || name === "") {
    throw new TypeError(
      `Cannot fit a profile as 'name' must be a non-empty string: current value is ${
        JSON.stringify(name)
      }`,
    );
  }
  if (!VARIABILITY_KINDS.includes(kind)) {
    throw _invalid("variability", `one of ${VARIABILITY_KINDS.join(", ")}`, kind);
  }
  const fit = fitPolynomial(samples, options);
  const cells = cellStatistics(samples);
  const memories = cells.map((c) => c.memoryMb), batches = cells.map((c) => c.batch);
  const estimate = kind === "none" ? undefined : _estimateVariability(samples, kind);
  return {
    name,
    kind: "polynomial",
    terms: fit.terms,
    coefficients: fit.coefficients,
    memoryRangeMb: [Math.min(...memories), Math.max(...memories)],
    batchRange: [Math.min(...batches), Math.max(...batches)],
    ...(estimate?.variability ? { variability: estimate.variability } : {}),
    ...(coldStarts.length > 0 ? { coldStart: _coldStartOf(coldStartStatistics(coldStarts)) } : {}),
    fit: {
      method: FIT_METHOD,
      samples: fit.samples,
      cells: fit.cells,
      rmseSec: fit.rmseSec,
      relativeRmse: fit.relativeRmse,
      heldOutRmseSec: fit.heldOutRmseSec,
      heldOutRelativeRmse: fit.heldOutRelativeRmse,
      candidates: fit.candidates,
      ...(estimate ? { variability: estimate.estimate } : {}),
    },
    measurements: {
      cells,
      coldStarts: coldStartStatistics(coldStarts),
      table: tableProfileJson(`${name} (measured)`, cells),
    },
  };
}

// ---------------------------------------------------------------------------
// Internals

/** The profile's `coldStart`: the mean Init Duration per memory measured (one value for one memory). */
function _coldStartOf(stats: readonly ColdStartStatistics[]): ColdStartProfile {
  const sorted = [...stats].sort((a, b) => a.memoryMb - b.memoryMb);
  return sorted.length === 1
    ? { initSec: sorted[0].meanInitSec }
    : { memoriesMb: sorted.map((c) => c.memoryMb), initSec: sorted.map((c) => c.meanInitSec) };
}

/** The variability of `kind` (undefined when it has no spread) and how it was estimated. */
function _estimateVariability(
  samples: readonly DurationSample[],
  kind: ServiceVariability["distribution"],
): { variability: ServiceVariability | undefined; estimate: VariabilityEstimate } {
  const variability = variabilityFromDurations(samples, kind);
  const all = batchSpreads(samples), spreads = all.filter((s) => s.cells > 0);
  const deterministic = hasNoSpread(variability);
  return {
    variability: deterministic ? undefined : variability,
    estimate: {
      distribution: kind,
      method: VARIABILITY_METHODS[kind],
      samples: spreads.reduce((n, s) => n + s.samples, 0),
      cells: spreads.reduce((n, s) => n + s.cells, 0),
      leftOut: all.reduce((n, s) => n + s.leftOut, 0),
      batches: spreads,
      deterministic,
    },
  };
}

function _invalid(name: string, expected: string, value: unknown): RangeError {
  return new RangeError(
    `Cannot fit a profile as '${name}' must be ${expected}: current value is ${value}`,
  );
}

function _checkSample(s: DurationSample, i: number): void {
  if (!(Number.isInteger(s.batch) && s.batch >= 1)) {
    throw _invalid(`samples[${i}].batch`, "a positive integer", s.batch);
  }
  if (!(s.memoryMb > 0 && Number.isFinite(s.memoryMb))) {
    throw _invalid(`samples[${i}].memoryMb`, "a finite number > 0", s.memoryMb);
  }
  if (!(s.durationSec > 0 && Number.isFinite(s.durationSec))) {
    throw _invalid(`samples[${i}].durationSec`, "a finite number > 0", s.durationSec);
  }
}

/** Quantile q of sorted values, linear interpolation between order statistics (R's type 7). */
function _quantileSorted(sorted: Float64Array, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** The cells as the fit uses them, with the scaling of k and m. */
interface _CellData {
  /** Per cell: scaled k and m, count, mean, within-cell sum of squares, sum of squared relative deviations parts. */
  u: number[];
  v: number[];
  n: number[];
  mean: number[];
  /** Sum over the cell's samples of (y - mean)^2. */
  ssWithin: number[];
  /** Per cell, the samples' durations (for relative errors). */
  ys: number[][];
  total: number;
  kLo: number;
  kHi: number;
  mLo: number;
  mHi: number;
  kCentre: number;
  kHalf: number;
  mCentre: number;
  mHalf: number;
  distinctK: number;
  distinctM: number;
  /** Root mean square of the durations, s. */
  rmsY: number;
}

function _cellData(cells: CellStatistics[], samples: readonly DurationSample[]): _CellData {
  const ks = cells.map((c) => c.batch), ms = cells.map((c) => c.memoryMb);
  const kLo = Math.min(...ks), kHi = Math.max(...ks);
  const mLo = Math.min(...ms), mHi = Math.max(...ms);
  const kCentre = (kLo + kHi) / 2, kHalf = kHi > kLo ? (kHi - kLo) / 2 : 1;
  const mCentre = (mLo + mHi) / 2, mHalf = mHi > mLo ? (mHi - mLo) / 2 : 1;
  const index = new Map(cells.map((c, i) => [`${c.memoryMb},${c.batch}`, i]));
  const ys = cells.map(() => [] as number[]);
  let sumY2 = 0;
  for (const s of samples) {
    ys[index.get(`${s.memoryMb},${s.batch}`)!].push(s.durationSec);
    sumY2 += s.durationSec ** 2;
  }
  const ssWithin = cells.map((c, i) => ys[i].reduce((a, y) => a + (y - c.meanSec) ** 2, 0));
  return {
    u: ks.map((k) => (k - kCentre) / kHalf),
    v: ms.map((m) => (m - mCentre) / mHalf),
    n: cells.map((c) => c.count),
    mean: cells.map((c) => c.meanSec),
    ssWithin,
    ys,
    total: samples.length,
    kLo,
    kHi,
    mLo,
    mHi,
    kCentre,
    kHalf,
    mCentre,
    mHalf,
    distinctK: new Set(ks).size,
    distinctM: new Set(ms).size,
    rmsY: Math.sqrt(sumY2 / samples.length),
  };
}

type _Exponents = [number, number][];

/**
 * The candidate term sets {k^i m^j : i <= p, j <= q, i + j <= max(p, q)},
 * without repeats, fewest terms first, each in the format's order (by total
 * degree, then by decreasing power of k).
 */
function _candidateSets(data: _CellData, maxDegree: number): _Exponents[] {
  const pMax = Math.min(maxDegree, data.distinctK - 1);
  const qMax = Math.min(maxDegree, data.distinctM - 1);
  const cells = data.n.length;
  const seen = new Set<string>();
  const sets: _Exponents[] = [];
  for (let p = 0; p <= pMax; p++) {
    for (let q = 0; q <= qMax; q++) {
      const d = Math.max(p, q);
      const set: _Exponents = [];
      for (let degree = 0; degree <= d; degree++) {
        for (let i = degree; i >= 0; i--) {
          const j = degree - i;
          if (i <= p && j <= q) set.push([i, j]);
        }
      }
      // A fit needs as many cells as terms (one more to hold one out), except
      // the constant, which stands with one cell.
      if (set.length > Math.max(1, cells - 1)) continue;
      const key = set.map(([i, j]) => `${i},${j}`).join(" ");
      if (seen.has(key)) continue;
      seen.add(key);
      sets.push(set);
    }
  }
  return sets.sort((a, b) => a.length - b.length);
}

/**
 * Weighted least squares on the cell means (weights: the counts), in scaled
 * k and m, leaving out cell `skip`; `undefined` when the system is not
 * determined.
 */
function _fitScaled(
  data: _CellData,
  exponents: _Exponents,
  skip: number | undefined,
): number[] | undefined {
  const rows: number[][] = [], rhs: number[] = [];
  for (let c = 0; c < data.n.length; c++) {
    if (c === skip) continue;
    const w = Math.sqrt(data.n[c]);
    rows.push(exponents.map(([i, j]) => w * data.u[c] ** i * data.v[c] ** j));
    rhs.push(w * data.mean[c]);
  }
  if (rows.length < exponents.length) return undefined;
  try {
    return leastSquares(rows, rhs);
  } catch (e) {
    if (e instanceof RangeError) return undefined;
    throw e;
  }
}

function _evalScaled(exponents: _Exponents, x: number[], u: number, v: number): number {
  let s = 0;
  for (let t = 0; t < exponents.length; t++) {
    s += x[t] * u ** exponents[t][0] * v ** exponents[t][1];
  }
  return s;
}

/** In-sample and leave-one-cell-out mean square errors of one term set. */
function _score(data: _CellData, exponents: _Exponents) {
  const cells = data.n.length;
  const full = _fitScaled(data, exponents, undefined);
  let ss = 0;
  for (let c = 0; c < cells; c++) {
    const d = data.mean[c] - (full ? _evalScaled(exponents, full, data.u[c], data.v[c]) : NaN);
    ss += data.ssWithin[c] + data.n[c] * d * d;
  }
  const mse = full ? ss / data.total : Infinity;
  if (cells < 2 || !full) {
    return { mse, cvMse: Infinity, cvMseSe: Infinity, cvRelMse: Infinity };
  }
  let cvSs = 0, cvRel = 0;
  const cellMse: number[] = [];
  for (let c = 0; c < cells; c++) {
    const x = _fitScaled(data, exponents, c);
    if (x === undefined) return { mse, cvMse: Infinity, cvMseSe: Infinity, cvRelMse: Infinity };
    const predicted = _evalScaled(exponents, x, data.u[c], data.v[c]);
    const d = data.mean[c] - predicted;
    const cellSs = data.ssWithin[c] + data.n[c] * d * d;
    cvSs += cellSs;
    cellMse.push(cellSs / data.n[c]);
    for (const y of data.ys[c]) cvRel += ((y - predicted) / y) ** 2;
  }
  const meanCellMse = cellMse.reduce((a, b) => a + b, 0) / cells;
  const variance = cellMse.reduce((a, e) => a + (e - meanCellMse) ** 2, 0) / (cells - 1);
  return {
    mse,
    cvMse: cvSs / data.total,
    cvMseSe: Math.sqrt(variance / cells),
    cvRelMse: cvRel / data.total,
  };
}

function _binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

/**
 * Coefficients in raw k and m of the polynomial fitted in u = (k - ck) / hk
 * and v = (m - cm) / hm: the coefficient of k^a m^b is the sum over the
 * fitted terms u^i v^j with i >= a and j >= b of
 * x_ij C(i, a) C(j, b) (-ck)^(i-a) (-cm)^(j-b) / (hk^i hm^j). The term sets
 * are closed downwards (k^a m^b is in whenever k^i m^j is, for a <= i and
 * b <= j), so the raw polynomial has the same terms.
 */
function _rawCoefficients(exponents: _Exponents, x: number[], data: _CellData): number[] {
  return exponents.map(([a, b]) => {
    let sum = 0;
    for (let t = 0; t < exponents.length; t++) {
      const [i, j] = exponents[t];
      if (i < a || j < b) continue;
      sum += x[t] * _binomial(i, a) * _binomial(j, b) * (-data.kCentre) ** (i - a) *
        (-data.mCentre) ** (j - b) / (data.kHalf ** i * data.mHalf ** j);
    }
    return sum;
  });
}

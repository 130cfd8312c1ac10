/**
 * Estimating a profile's `variability` (how the duration of a batch spreads
 * around its mean S(k, m), see `service_distribution.ts`) from measured warm
 * durations: a sweep's (`deno task profile`) or a buffer run's `batches.csv`.
 *
 * Each duration is taken as a ratio to the mean of its (memory, batch) cell,
 * d / mean(cell), so that the memories' different means do not count as
 * spread; the ratios are pooled over memories per batch size. The gamma and
 * lognormal kinds get one coefficient of variation per batch size, the pooled
 * within-cell estimate sqrt(sum (d / mean(cell) - 1)^2 / sum (n_cell - 1)) (the
 * degrees of freedom of each cell's own mean taken out, as in the pooled
 * standard deviation of an analysis of variance); the empirical kind keeps the
 * ratios themselves. A cell of one duration shows no spread and is left out.
 *
 * Pure: no I/O, no clock, no randomness.
 *
 * @module
 */

import type { DurationSample } from "./profile_fit.ts";
import type { ServiceVariability } from "./service_distribution.ts";

/** What `--variability` may ask for: a distribution, or `none` (deterministic). */
export type VariabilityKind = ServiceVariability["distribution"] | "none";

/** The values of {@linkcode VariabilityKind}, the default first. */
export const VARIABILITY_KINDS: readonly VariabilityKind[] = [
  "gamma",
  "lognormal",
  "empirical",
  "none",
];

/** How {@linkcode variabilityFromDurations} estimates each kind, in one line. */
export const VARIABILITY_METHODS: Readonly<Record<ServiceVariability["distribution"], string>> = {
  gamma: "gamma of the profile's mean S(k, m) with a CV per measured batch size (linear " +
    "between them, constant beyond): the pooled within-cell CV of the warm durations, " +
    "sqrt(sum (d / mean(cell) - 1)^2 / sum (n_cell - 1)) over the memories' cells of at " +
    "least two durations (method of moments)",
  lognormal: "lognormal of the profile's mean S(k, m) with a CV per measured batch size " +
    "(linear between them, constant beyond): the pooled within-cell CV of the warm " +
    "durations, sqrt(sum (d / mean(cell) - 1)^2 / sum (n_cell - 1)) over the memories' " +
    "cells of at least two durations (method of moments)",
  empirical: "empirical: per measured batch size, the warm durations divided by their " +
    "cell's mean, d / mean(cell), pooled over the memories' cells of at least two " +
    "durations; a batch of k draws from the measured batch size nearest k",
};

/** The spread measured at one batch size, pooled over memories. */
export interface BatchSpread {
  /** Batch size k. */
  batch: number;
  /** Durations used: those in cells of at least two. */
  samples: number;
  /** Cells (memories) they came from. */
  cells: number;
  /** Durations left out, alone in their cell. */
  leftOut: number;
  /**
   * Pooled within-cell coefficient of variation,
   * sqrt(sum (d / mean(cell) - 1)^2 / sum (n_cell - 1)); NaN when no cell has
   * two durations.
   */
  cv: number;
}

/**
 * Per batch size: the pooled within-cell coefficient of variation of the
 * durations, and how many durations and cells it rests on.
 *
 * Each duration is divided by the mean of its (memory, batch) cell, so a
 * memory whose mean is twice another's spreads its durations no more; the
 * sum of squared deviations of the ratios from 1 is divided by the cells'
 * degrees of freedom, sum (n_cell - 1): the squared CV is the average of the
 * cells' squared sample CVs weighted by n_cell - 1.
 *
 * @param samples Warm durations.
 * @returns One entry per batch size, ascending.
 * @throws {RangeError} On a sample whose batch is not a positive integer or
 *   whose memory or duration is not a finite number > 0.
 *
 * @example Two memories, one twice as slow: the spread is the same
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const [spread] = batchSpreads([
 *   { batch: 4, memoryMb: 1024, durationSec: 1.8 },
 *   { batch: 4, memoryMb: 1024, durationSec: 2.2 },
 *   { batch: 4, memoryMb: 2048, durationSec: 0.9 },
 *   { batch: 4, memoryMb: 2048, durationSec: 1.1 },
 *   { batch: 4, memoryMb: 3008, durationSec: 0.7 },
 * ]);
 * assert.deepEqual({ ...spread, cv: spread.cv.toFixed(12) }, {
 *   batch: 4,
 *   samples: 4,
 *   cells: 2,
 *   leftOut: 1,
 *   cv: (0.1 * Math.SQRT2).toFixed(12),
 * });
 * ```
 */
export function batchSpreads(samples: readonly DurationSample[]): BatchSpread[] {
  return _groups(samples).map(({ batch, cells }) => {
    let ss = 0, df = 0, used = 0, usedCells = 0, leftOut = 0;
    for (const durations of cells) {
      if (durations.length < 2) {
        leftOut += durations.length;
        continue;
      }
      const mean = _mean(durations);
      for (const d of durations) ss += (d / mean - 1) ** 2;
      df += durations.length - 1;
      used += durations.length;
      usedCells++;
    }
    return {
      batch,
      samples: used,
      cells: usedCells,
      leftOut,
      cv: df > 0 ? Math.sqrt(ss / df) : NaN,
    };
  });
}

/**
 * A profile's `variability` estimated from measured warm durations: for
 * `gamma` and `lognormal`, a coefficient of variation per batch size (the
 * pooled within-cell CV of {@linkcode batchSpreads}); for `empirical`, per
 * batch size, the durations divided by their cell's mean, pooled over
 * memories (their mean is 1 at every batch size). Batch sizes measured only
 * once per memory are left out (the profile's CV is interpolated over them,
 * and an empirical batch of k draws from the nearest measured batch size).
 *
 * Leave out cold starts and failures: a buffer run's batches go through
 * {@linkcode warmSamplesFromBatches}.
 *
 * @param samples Warm durations, at one or several memories.
 * @param kind The distribution.
 * @returns The `variability` of a profile, for `profileFromJson`.
 * @throws {RangeError} On a bad sample, an unknown kind, or when no
 *   (memory, batch) cell has two durations.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const samples = [
 *   { batch: 1, memoryMb: 1024, durationSec: 0.9 },
 *   { batch: 1, memoryMb: 1024, durationSec: 1.1 },
 *   { batch: 1, memoryMb: 2048, durationSec: 0.45 },
 *   { batch: 1, memoryMb: 2048, durationSec: 0.55 },
 * ];
 * const gamma = variabilityFromDurations(samples, "gamma");
 * assert.equal(gamma.distribution, "gamma");
 * const empirical = variabilityFromDurations(samples, "empirical");
 * assert.deepEqual(empirical, { distribution: "empirical", batches: [1], ratios: [[0.9, 0.9, 1.1, 1.1]] });
 * ```
 */
export function variabilityFromDurations(
  samples: readonly DurationSample[],
  kind: ServiceVariability["distribution"],
): ServiceVariability {
  if (!(kind === "gamma" || kind === "lognormal" || kind === "empirical")) {
    throw new RangeError(
      `Cannot estimate the variability as 'kind' must be one of gamma, lognormal, empirical: ` +
        `current value is ${kind}`,
    );
  }
  if (kind !== "empirical") {
    const spreads = batchSpreads(samples).filter((s) => s.cells > 0);
    _checkSpread(spreads.length, kind);
    return {
      distribution: kind,
      cv: { batches: spreads.map((s) => s.batch), cvs: spreads.map((s) => s.cv) },
    };
  }
  const batches: number[] = [], ratios: number[][] = [];
  for (const { batch, cells } of _groups(samples)) {
    const row: number[] = [];
    for (const durations of cells) {
      if (durations.length < 2) continue;
      const mean = _mean(durations);
      for (const d of durations) row.push(d / mean);
    }
    if (row.length === 0) continue;
    batches.push(batch);
    ratios.push(row.sort((a, b) => a - b));
  }
  _checkSpread(batches.length, kind);
  return { distribution: "empirical", batches, ratios };
}

/**
 * Whether a variability has no spread at all: every CV 0, or every
 * empirical ratio 1 (the distributions are then the deterministic one).
 *
 * @param v A profile's variability.
 * @returns True when every batch size's service time is its mean.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.ok(hasNoSpread({ distribution: "gamma", cv: { batches: [1, 4], cvs: [0, 0] } }));
 * assert.ok(!hasNoSpread({ distribution: "lognormal", cv: 0.1 }));
 * ```
 */
export function hasNoSpread(v: ServiceVariability): boolean {
  if (v.distribution === "empirical") return v.ratios.every((row) => row.every((r) => r === 1));
  const cv = v.cv;
  if (typeof cv === "number") return cv === 0;
  if ("cvs" in cv) return cv.cvs.every((c) => c === 0);
  return cv.coefficients.every((c) => c === 0);
}

/** The columns of a buffer run's `batches.csv` that say how a batch was measured. */
export interface MeasuredBatch {
  /** Batch size. */
  readonly size: number;
  /** The function's memory, MB. */
  readonly memorySizeMb: number;
  /** The REPORT line's Duration, ms (NaN when not known). */
  readonly durationMs: number;
  /** `ok` when the batch completed. */
  readonly status: string;
  /** The REPORT line's Init Duration, ms: > 0 on a cold start (0 or NaN when warm). */
  readonly initDurationMs: number;
}

/** The warm durations of a run's batches, and what was left out. */
export interface WarmBatchSamples {
  samples: DurationSample[];
  /** Batches left out as cold starts (an Init Duration > 0). */
  cold: number;
  /** Batches left out as not completed (a status other than `ok`). */
  failed: number;
  /** Completed warm batches left out for want of a Duration, memory or size. */
  unmeasured: number;
}

/**
 * The warm, completed batches of a run (`parseBatchesCsv` of its
 * `batches.csv`) as duration samples for {@linkcode variabilityFromDurations}:
 * failed and abandoned batches and cold starts (whose Duration may include
 * the handler's first-call work) are left out and counted.
 *
 * @param records The batches.
 * @returns The samples and the counts of batches left out.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const base = { size: 4, memorySizeMb: 2048, durationMs: 500, status: "ok", initDurationMs: 0 };
 * const out = warmSamplesFromBatches([
 *   base,
 *   { ...base, initDurationMs: 250 },
 *   { ...base, status: "failed", durationMs: NaN },
 * ]);
 * assert.deepEqual(out, {
 *   samples: [{ batch: 4, memoryMb: 2048, durationSec: 0.5 }],
 *   cold: 1,
 *   failed: 1,
 *   unmeasured: 0,
 * });
 * ```
 */
export function warmSamplesFromBatches(records: readonly MeasuredBatch[]): WarmBatchSamples {
  const samples: DurationSample[] = [];
  let cold = 0, failed = 0, unmeasured = 0;
  for (const r of records) {
    if (r.status !== "ok") failed++;
    else if (r.initDurationMs > 0) cold++;
    else if (
      !(r.durationMs > 0 && Number.isFinite(r.durationMs)) ||
      !(r.memorySizeMb > 0 && Number.isFinite(r.memorySizeMb)) ||
      !(Number.isInteger(r.size) && r.size >= 1)
    ) unmeasured++;
    else {
      samples.push({ batch: r.size, memoryMb: r.memorySizeMb, durationSec: r.durationMs / 1000 });
    }
  }
  return { samples, cold, failed, unmeasured };
}

// ---------------------------------------------------------------------------
// Internals

function _invalid(name: string, expected: string, value: unknown): RangeError {
  return new RangeError(
    `Cannot estimate the variability as '${name}' must be ${expected}: current value is ${value}`,
  );
}

function _checkSpread(measured: number, kind: string): void {
  if (measured === 0) {
    throw new RangeError(
      `Cannot estimate a ${kind} variability as no (memory, batch) cell has two durations: ` +
        "one duration per cell shows no spread",
    );
  }
}

/** The mean as a running mean (Welford), exact when every value is the same. */
function _mean(values: readonly number[]): number {
  let mean = 0, n = 0;
  for (const v of values) mean += (v - mean) / ++n;
  return mean;
}

/** Per batch size (ascending), the durations of each memory's cell (memories ascending). */
function _groups(
  samples: readonly DurationSample[],
): { batch: number; cells: number[][] }[] {
  const byBatch = new Map<number, Map<number, number[]>>();
  for (const [i, s] of samples.entries()) {
    if (!(Number.isInteger(s.batch) && s.batch >= 1)) {
      throw _invalid(`samples[${i}].batch`, "a positive integer", s.batch);
    }
    if (!(s.memoryMb > 0 && Number.isFinite(s.memoryMb))) {
      throw _invalid(`samples[${i}].memoryMb`, "a finite number > 0", s.memoryMb);
    }
    if (!(s.durationSec > 0 && Number.isFinite(s.durationSec))) {
      throw _invalid(`samples[${i}].durationSec`, "a finite number > 0", s.durationSec);
    }
    let byMemory = byBatch.get(s.batch);
    if (byMemory === undefined) byBatch.set(s.batch, byMemory = new Map());
    let cell = byMemory.get(s.memoryMb);
    if (cell === undefined) byMemory.set(s.memoryMb, cell = []);
    cell.push(s.durationSec);
  }
  return [...byBatch.entries()].sort((a, b) => a[0] - b[0]).map(([batch, byMemory]) => ({
    batch,
    cells: [...byMemory.entries()].sort((a, b) => a[0] - b[0]).map(([, d]) => d),
  }));
}

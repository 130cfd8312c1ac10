/**
 * Markovian arrival processes (MAPs): the validated `MapProcess` value and the
 * builders for the common special cases (Poisson, MMPP(2)).
 *
 * A MAP with `m` phases is a pair of `m` x `m` rate matrices (per second): `d0`
 * holds the hidden phase changes (off the diagonal, >= 0) and the total outflow
 * rates (on the diagonal, < 0), `d1` the phase changes that come with an arrival
 * (>= 0). `d0 + d1` is the generator of the phase process, so its rows sum to 0.
 *
 * Reference: M. F. Neuts, "A versatile Markovian point process", J. Appl. Prob.
 * 16 (1979); D. M. Lucantoni, "New results on the single server queue with a
 * batch Markovian arrival process", Stochastic Models 7 (1991).
 *
 * @module
 */

import type { Matrix } from "../numeric/dense.ts";

/**
 * A Markovian arrival process, as returned (frozen, validated) by
 * {@linkcode mapProcess}.
 */
export interface MapProcess {
  /** Rates per second of the phase changes without an arrival (diagonal < 0). */
  readonly d0: Matrix;
  /** Rates per second of the phase changes with an arrival (all >= 0). */
  readonly d1: Matrix;
}

/** Options of {@linkcode mapProcess}. */
export interface MapProcessOptions {
  /**
   * Relative tolerance on the row sums of `d0 + d1`: row `i` is accepted when
   * `|sum_j (d0[i][j] + d1[i][j])| <= rowSumTolerance * sum_j (|d0[i][j]| + |d1[i][j]|)`.
   *
   * The MAP files published with the BATCH paper are rounded to 6 decimals, which
   * leaves absolute row-sum errors of about 1e-6 on rows whose absolute sum is at
   * least 1; the relative default accepts them at any rate scale.
   *
   * @default {1e-6}
   */
  rowSumTolerance?: number;
}

/** Default of {@linkcode MapProcessOptions.rowSumTolerance}. */
export const DEFAULT_ROW_SUM_TOLERANCE = 1e-6;

/**
 * Validates a MAP given as its `d0` and `d1` rate matrices (per second) and
 * returns it as a frozen object holding deep copies. Values are kept as given,
 * without renormalising the row sums.
 *
 * @param d0 Rates of the transitions without an arrival: square, finite,
 *   off-diagonal entries >= 0, diagonal entries < 0.
 * @param d1 Rates of the transitions with an arrival: same size as `d0`, finite,
 *   entries >= 0, not all zero.
 * @param options Tolerance on the row sums of `d0 + d1`.
 * @returns The validated MAP, deeply frozen.
 * @throws {TypeError} If `d0` or `d1` is not a non-empty array of arrays, is not
 *   square, the two differ in size, or an entry is not a finite number.
 * @throws {RangeError} If an entry of `d1` or an off-diagonal entry of `d0` is
 *   negative, a diagonal entry of `d0` is not negative, `d1` is all zero, a row
 *   of `d0 + d1` does not sum to 0 within the tolerance, or
 *   `options.rowSumTolerance` is not a finite number >= 0.
 *
 * @example Usage
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const map = mapProcess([[-3, 1], [0, -2]], [[2, 0], [1, 1]]);
 * assert.deepEqual(map.d1, [[2, 0], [1, 1]]);
 * assert.ok(Object.isFrozen(map.d0[0]));
 * assert.throws(() => mapProcess([[-3, 1], [0, -2]], [[2, 0], [1, 2]]), RangeError);
 * ```
 */
export function mapProcess(d0: Matrix, d1: Matrix, options: MapProcessOptions = {}): MapProcess {
  const tolerance = options.rowSumTolerance ?? DEFAULT_ROW_SUM_TOLERANCE;
  if (!(tolerance >= 0 && Number.isFinite(tolerance))) {
    throw new RangeError(
      `Cannot use the MAP as 'rowSumTolerance' must be a finite number >= 0: ` +
        `current value is ${describeValue(tolerance)}`,
    );
  }
  checkShape("D0", d0);
  checkShape("D1", d1);
  const n = d0.length;
  if (d1.length !== n) {
    throw new TypeError(
      `Cannot use the MAP as D1 must have the same size as D0 (${n}x${n}): ` +
        `found ${describeShape(d1)}`,
    );
  }
  checkFinite("D0", d0);
  checkFinite("D1", d1);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = d1[i][j];
      if (!(v >= 0)) {
        throw new RangeError(
          `Cannot use the MAP as D1 row ${i + 1}, column ${j + 1} must be >= 0: found ${v}`,
        );
      }
    }
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = d0[i][j];
      if (i !== j && !(v >= 0)) {
        throw new RangeError(
          `Cannot use the MAP as D0 row ${i + 1}, column ${j + 1} (off the diagonal) ` +
            `must be >= 0: found ${v}`,
        );
      }
      if (i === j && !(v < 0)) {
        throw new RangeError(
          `Cannot use the MAP as D0 row ${i + 1}, column ${j + 1} (the diagonal) must be < 0 ` +
            `for phase ${i + 1} to have an outgoing rate: found ${v}`,
        );
      }
    }
  }
  if (d1.every((row) => row.every((v) => v === 0))) {
    throw new RangeError("Cannot use the MAP as D1 is all zero: the process has no arrivals");
  }
  for (let i = 0; i < n; i++) {
    let sum = 0, absSum = 0;
    for (let j = 0; j < n; j++) {
      sum += d0[i][j] + d1[i][j];
      absSum += Math.abs(d0[i][j]) + Math.abs(d1[i][j]);
    }
    const allowed = tolerance * absSum;
    if (!(Math.abs(sum) <= allowed)) {
      throw new RangeError(
        `Cannot use the MAP as row ${i + 1} of D0 + D1 sums to ${formatNumber(sum)} ` +
          `instead of 0 (tolerance ${formatNumber(allowed)})`,
      );
    }
  }
  return Object.freeze({ d0: frozenCopy(d0), d1: frozenCopy(d1) });
}

/**
 * Returns the Poisson process of rate `ratePerSec` as a 1-phase MAP
 * (`d0 = [[-rate]]`, `d1 = [[rate]]`).
 *
 * @param ratePerSec Arrival rate in requests per second, finite and > 0.
 * @returns The 1-phase MAP.
 * @throws {RangeError} If `ratePerSec` is not a finite number > 0 (NaN included).
 *
 * @example Usage
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(poissonProcess(7), { d0: [[-7]], d1: [[7]] });
 * ```
 */
export function poissonProcess(ratePerSec: number): MapProcess {
  if (!(ratePerSec > 0 && Number.isFinite(ratePerSec))) {
    throw new RangeError(
      `Cannot build a Poisson process as 'ratePerSec' must be a finite number > 0: ` +
        `current value is ${describeValue(ratePerSec)}`,
    );
  }
  return mapProcess([[-ratePerSec]], [[ratePerSec]]);
}

/** Options of {@linkcode mmpp2}: the four rates of a 2-phase MMPP, per second. */
export interface Mmpp2Options {
  /** Arrival rate while in phase 1, finite and >= 0. */
  rate1PerSec: number;
  /** Arrival rate while in phase 2, finite and >= 0. */
  rate2PerSec: number;
  /** Rate of switching from phase 1 to phase 2, finite and > 0. */
  switch12PerSec: number;
  /** Rate of switching from phase 2 to phase 1, finite and > 0. */
  switch21PerSec: number;
}

/**
 * Returns the Markov-modulated Poisson process with 2 phases: arrivals at rate
 * `rate1PerSec` in phase 1 and `rate2PerSec` in phase 2, the phase switching
 * from 1 to 2 at rate `switch12PerSec` and back at rate `switch21PerSec`. So
 * `d1 = diag(rate1, rate2)` and
 * `d0 = [[-(switch12 + rate1), switch12], [switch21, -(switch21 + rate2)]]`.
 *
 * Reference: W. Fischer and K. Meier-Hellstern, "The Markov-modulated Poisson
 * process (MMPP) cookbook", Performance Evaluation 18 (1993).
 *
 * @param options The four rates.
 * @returns The 2-phase MAP.
 * @throws {RangeError} If an arrival rate is not a finite number >= 0, both are 0,
 *   or a switching rate is not a finite number > 0 (NaN included).
 *
 * @example Usage
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const map = mmpp2({
 *   rate1PerSec: 10,
 *   rate2PerSec: 120,
 *   switch12PerSec: 0.05,
 *   switch21PerSec: 0.05,
 * });
 * assert.deepEqual(map.d0, [[-10.05, 0.05], [0.05, -120.05]]);
 * assert.deepEqual(map.d1, [[10, 0], [0, 120]]);
 * ```
 */
export function mmpp2(options: Mmpp2Options): MapProcess {
  const { rate1PerSec, rate2PerSec, switch12PerSec, switch21PerSec } = options;
  for (
    const [name, value] of [["rate1PerSec", rate1PerSec], ["rate2PerSec", rate2PerSec]] as const
  ) {
    if (!(value >= 0 && Number.isFinite(value))) {
      throw new RangeError(
        `Cannot build an MMPP(2) as '${name}' must be a finite number >= 0: ` +
          `current value is ${describeValue(value)}`,
      );
    }
  }
  for (
    const [name, value] of [
      ["switch12PerSec", switch12PerSec],
      ["switch21PerSec", switch21PerSec],
    ] as const
  ) {
    if (!(value > 0 && Number.isFinite(value))) {
      throw new RangeError(
        `Cannot build an MMPP(2) as '${name}' must be a finite number > 0: ` +
          `current value is ${describeValue(value)}`,
      );
    }
  }
  if (rate1PerSec === 0 && rate2PerSec === 0) {
    throw new RangeError(
      "Cannot build an MMPP(2) as 'rate1PerSec' and 'rate2PerSec' are both 0: " +
        "the process has no arrivals",
    );
  }
  return mapProcess(
    [
      [-(switch12PerSec + rate1PerSec), switch12PerSec],
      [switch21PerSec, -(switch21PerSec + rate2PerSec)],
    ],
    [[rate1PerSec, 0], [0, rate2PerSec]],
  );
}

function checkShape(name: string, a: unknown): asserts a is unknown[][] {
  if (!Array.isArray(a) || a.length === 0) {
    throw new TypeError(
      `Cannot use the MAP as ${name} must be a non-empty array of arrays: ` +
        `found ${Array.isArray(a) ? "an empty array" : describeValue(a)}`,
    );
  }
  const bad = a.findIndex((row) => !Array.isArray(row));
  if (bad >= 0) {
    throw new TypeError(
      `Cannot use the MAP as ${name} must be a non-empty array of arrays: ` +
        `found row ${bad + 1} = ${describeValue(a[bad])}`,
    );
  }
  if (a.some((row) => row.length !== a.length)) {
    throw new TypeError(
      `Cannot use the MAP as ${name} must be square: found ${describeShape(a)}`,
    );
  }
}

function checkFinite(name: string, a: unknown[][]): asserts a is number[][] {
  for (let i = 0; i < a.length; i++) {
    for (let j = 0; j < a[i].length; j++) {
      const v = a[i][j];
      if (typeof v !== "number" || !Number.isFinite(v)) {
        throw new TypeError(
          `Cannot use the MAP as ${name} row ${i + 1}, column ${j + 1} must be a finite number: ` +
            `found ${describeValue(v)}`,
        );
      }
    }
  }
}

/** "2x3" for a rectangular matrix, "2 rows of lengths 2, 3" otherwise. */
function describeShape(a: unknown[][]): string {
  const lengths = a.map((row) => row.length);
  return lengths.every((l) => l === lengths[0])
    ? `${a.length}x${lengths[0]}`
    : `${a.length} rows of lengths ${lengths.join(", ")}`;
}

function describeValue(v: unknown): string {
  if (typeof v === "number") return String(v);
  if (typeof v === "string") return JSON.stringify(v);
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object" : typeof v;
}

/** 6 significant digits, in exponent form below 1e-3 or from 1e6 on. */
function formatNumber(x: number): string {
  const rounded = Number(x.toPrecision(6));
  const abs = Math.abs(rounded);
  return abs === 0 || (abs >= 1e-3 && abs < 1e6) ? String(rounded) : rounded.toExponential();
}

function frozenCopy(a: Matrix): Matrix {
  return Object.freeze(a.map((row) => Object.freeze(row.slice()))) as Matrix;
}

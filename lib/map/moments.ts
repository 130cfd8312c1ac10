/**
 * Descriptors of a MAP: its stationary phase distributions, its arrival rate,
 * the moments and the lag autocorrelations of its stationary inter-arrival times.
 * Names follow BuTools (`marginalMomentsFromMap`, `lagCorrelationsFromMap`).
 *
 * With `pi` the stationary vector of the generator `d0 + d1`, `lambda = pi d1 1`
 * the arrival rate, `P = (-d0)^-1 d1` the phase-change matrix from one arrival to
 * the next and `piArr` its stationary vector (`= pi d1 / lambda`), the
 * inter-arrival time `X` after a stationary arrival is phase-type
 * `(piArr, d0)`, so `E[X^i] = i! piArr (-d0)^-i 1` and
 * `E[X_0 X_k] = piArr (-d0)^-1 P^k (-d0)^-1 1`.
 *
 * References: M. F. Neuts, "Structured Stochastic Matrices of M/G/1 Type and
 * Their Applications" (1989); G. Horváth and M. Telek, BuTools 2
 * (`MarginalMomentsFromMAP`, `LagCorrelationsFromMAP`).
 *
 * These functions trust a `MapProcess` built by `mapProcess()`; the linear
 * solves throw a `RangeError` if the phase process has no unique stationary
 * distribution (it is not irreducible).
 *
 * @module
 */

import {
  inverse,
  matAdd,
  matMul,
  type Matrix,
  solveLeft,
  solveRight,
  stationaryOfGenerator,
  stationaryOfStochastic,
  vecMat,
} from "../numeric/dense.ts";
import type { MapProcess } from "./map_process.ts";

/**
 * Stationary distribution of the phase of a MAP in continuous time: the row
 * vector `pi` with `pi (d0 + d1) = 0` and `pi 1 = 1`.
 *
 * @param map A MAP built by `mapProcess()`.
 * @returns The probability of each phase.
 * @throws {RangeError} If `d0 + d1` has no unique stationary distribution.
 *
 * @example Usage
 * ```ts
 * import assert from "node:assert/strict";
 * import { mmpp2 } from "./map_process.ts";
 *
 * const map = mmpp2({ rate1PerSec: 1, rate2PerSec: 5, switch12PerSec: 1, switch21PerSec: 3 });
 * const [p1, p2] = stationaryPhases(map);
 * assert.ok(Math.abs(p1 - 0.75) < 1e-12 && Math.abs(p2 - 0.25) < 1e-12);
 * ```
 */
export function stationaryPhases(map: MapProcess): number[] {
  return stationaryOfGenerator(matAdd(map.d0, map.d1));
}

/**
 * Long-run arrival rate of a MAP, `lambda = pi d1 1` with `pi` from
 * {@linkcode stationaryPhases}.
 *
 * @param map A MAP built by `mapProcess()`.
 * @returns The arrival rate, per second.
 * @throws {RangeError} If `d0 + d1` has no unique stationary distribution.
 *
 * @example Usage
 * ```ts
 * import assert from "node:assert/strict";
 * import { mmpp2 } from "./map_process.ts";
 *
 * const map = mmpp2({ rate1PerSec: 1, rate2PerSec: 5, switch12PerSec: 1, switch21PerSec: 3 });
 * assert.ok(Math.abs(arrivalRatePerSec(map) - 2) < 1e-12); // 0.75 * 1 + 0.25 * 5
 * ```
 */
export function arrivalRatePerSec(map: MapProcess): number {
  return sum(vecMat(stationaryPhases(map), map.d1));
}

/**
 * Phase-change matrix of a MAP from one arrival to the next,
 * `P = (-d0)^-1 d1`: `P[i][j]` is the probability that the next arrival leaves
 * the process in phase `j` given that the last one left it in phase `i`.
 *
 * @param map A MAP built by `mapProcess()`.
 * @returns The stochastic matrix `P`.
 * @throws {RangeError} If `d0` is singular (a closed set of phases without arrivals).
 *
 * @example Usage
 * ```ts
 * import assert from "node:assert/strict";
 * import { poissonProcess } from "./map_process.ts";
 *
 * assert.deepEqual(arrivalPhaseMatrix(poissonProcess(3)), [[1]]);
 * ```
 */
export function arrivalPhaseMatrix(map: MapProcess): Matrix {
  return matMul(inverse(negate(map.d0)), map.d1);
}

/**
 * Distribution of the phase just after an arrival in steady state: the
 * stationary vector of {@linkcode arrivalPhaseMatrix}, as in BuTools. For a MAP
 * whose rows of `d0 + d1` sum to exactly 0 it equals `pi d1 / lambda`.
 *
 * @param map A MAP built by `mapProcess()`.
 * @returns The probability of each phase just after an arrival.
 * @throws {RangeError} If `d0` is singular or `P` has no unique stationary distribution.
 *
 * @example Usage
 * ```ts
 * import assert from "node:assert/strict";
 * import { mmpp2 } from "./map_process.ts";
 *
 * const map = mmpp2({ rate1PerSec: 1, rate2PerSec: 5, switch12PerSec: 1, switch21PerSec: 3 });
 * const [a1, a2] = arrivalPhases(map);
 * assert.ok(Math.abs(a1 - 0.375) < 1e-12 && Math.abs(a2 - 0.625) < 1e-12); // (0.75, 1.25) / 2
 * ```
 */
export function arrivalPhases(map: MapProcess): number[] {
  return stationaryOfStochastic(arrivalPhaseMatrix(map));
}

/**
 * Raw moments of the stationary inter-arrival time `X` of a MAP,
 * `E[X^i] = i! piArr (-d0)^-i 1` for `i = 1..count`, with `piArr` from
 * {@linkcode arrivalPhases}.
 *
 * @param map A MAP built by `mapProcess()`.
 * @param count Number of moments, a positive integer (default 3).
 * @returns `[E[X], E[X^2], ..., E[X^count]]`, in seconds to the power `i`.
 * @throws {RangeError} If `count` is not a positive integer, or as {@linkcode arrivalPhases}.
 *
 * @example Usage
 * ```ts
 * import assert from "node:assert/strict";
 * import { poissonProcess } from "./map_process.ts";
 *
 * const [m1, m2] = marginalMomentsFromMap(poissonProcess(2), 2);
 * assert.ok(Math.abs(m1 - 0.5) < 1e-15 && Math.abs(m2 - 0.5) < 1e-15); // 1/2, 2/4
 * ```
 */
export function marginalMomentsFromMap(map: MapProcess, count = 3): number[] {
  checkPositiveInteger("marginal moments", "count", count);
  const negD0 = negate(map.d0);
  const piArr = arrivalPhases(map);
  const moments: number[] = [];
  let v: number[] = map.d0.map(() => 1);
  let factorial = 1;
  for (let i = 1; i <= count; i++) {
    v = solveRight(negD0, v); // (-d0)^-i 1
    factorial *= i;
    moments.push(factorial * dot(piArr, v));
  }
  return moments;
}

/**
 * Squared coefficient of variation of the stationary inter-arrival time of a
 * MAP, `Var[X] / E[X]^2 = E[X^2] / E[X]^2 - 1` (1 for a Poisson process).
 *
 * @param map A MAP built by `mapProcess()`.
 * @returns The squared coefficient of variation.
 * @throws {RangeError} As {@linkcode arrivalPhases}.
 *
 * @example Usage
 * ```ts
 * import assert from "node:assert/strict";
 * import { poissonProcess } from "./map_process.ts";
 *
 * assert.ok(Math.abs(scvFromMap(poissonProcess(7)) - 1) < 1e-12);
 * ```
 */
export function scvFromMap(map: MapProcess): number {
  const [m1, m2] = marginalMomentsFromMap(map, 2);
  return m2 / (m1 * m1) - 1;
}

/**
 * Lag-k autocorrelations of successive stationary inter-arrival times of a MAP,
 * `rho_k = (E[X_0 X_k] - E[X]^2) / Var[X]` with
 * `E[X_0 X_k] = piArr (-d0)^-1 P^k (-d0)^-1 1`, for `k = 1..lags`.
 *
 * @param map A MAP built by `mapProcess()`.
 * @param lags Number of lags, a positive integer (default 1).
 * @returns `[rho_1, ..., rho_lags]`.
 * @throws {RangeError} If `lags` is not a positive integer, or as {@linkcode arrivalPhases}.
 *
 * @example Usage
 * ```ts
 * import assert from "node:assert/strict";
 * import { poissonProcess } from "./map_process.ts";
 *
 * const [rho1] = lagCorrelationsFromMap(poissonProcess(7));
 * assert.ok(Math.abs(rho1) < 1e-12);
 * ```
 */
export function lagCorrelationsFromMap(map: MapProcess, lags = 1): number[] {
  checkPositiveInteger("lag correlations", "lags", lags);
  const negD0 = negate(map.d0);
  const piArr = arrivalPhases(map);
  const p = arrivalPhaseMatrix(map);
  const meanTimes = solveRight(negD0, map.d0.map(() => 1)); // (-d0)^-1 1
  const m1 = dot(piArr, meanTimes);
  const m2 = 2 * dot(piArr, solveRight(negD0, meanTimes));
  const variance = m2 - m1 * m1;
  let u = solveLeft(negD0, piArr); // piArr (-d0)^-1, then times P^k
  const correlations: number[] = [];
  for (let k = 1; k <= lags; k++) {
    u = vecMat(u, p);
    correlations.push((dot(u, meanTimes) - m1 * m1) / variance);
  }
  return correlations;
}

function negate(a: Matrix): Matrix {
  return a.map((row) => row.map((x) => -x));
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function sum(a: number[]): number {
  return a.reduce((s, x) => s + x, 0);
}

function checkPositiveInteger(what: string, name: string, value: number): void {
  if (!(Number.isInteger(value) && value >= 1)) {
    throw new RangeError(
      `Cannot compute the ${what} as '${name}' must be a positive integer: ` +
        `current value is ${value}`,
    );
  }
}

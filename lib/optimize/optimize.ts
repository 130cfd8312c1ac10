/**
 * The optimizer: pick the configurations of an evaluated grid that minimize
 * the cost under a latency SLO, or the latency under a cost SLO, as solver.py
 * does (every optimal tie reported, and the count of compliant configurations).
 *
 * @module
 */

import type { MapProcess } from "../map/map_process.ts";
import { arrivalRatePerSec } from "../map/moments.ts";
import { evaluateGrid, type EvaluateOptions } from "../model/evaluate.ts";
import type { ConfigurationGrid, GridEvaluation, ModelMethod } from "../model/types.ts";

/** What the SLO bounds: the latency percentile, or the per-request cost. */
export type ConstraintKind = "latency" | "cost";

/** Names of the constraints. */
export const CONSTRAINTS: readonly ConstraintKind[] = ["latency", "cost"];

/** A configuration with its model values. */
export interface ConfigurationResult {
  readonly memoryMb: number;
  readonly timeoutSec: number;
  readonly maxBatch: number;
  /** Latency percentile, seconds. */
  readonly latencySec: number;
  /** Per-request cost the optimizer uses, USD. */
  readonly costUsd: number;
}

/** The optimizer's answer for one evaluated grid. */
export interface Selection {
  /** Whether any configuration meets the SLO. */
  readonly feasible: boolean;
  /** Every configuration with the optimal objective (ties included), grid order. */
  readonly optimal: ConfigurationResult[];
  /** Number of configurations that meet the SLO. */
  readonly compliant: number;
  /** Number of configurations evaluated. */
  readonly evaluated: number;
  /**
   * The last SLO-compliant configuration in grid order. solver.py prints its
   * latency (with `--constraint latency`) or its cost (with `--constraint
   * cost`) as the "95th Latency" or "95th Cost" of the optimum, a quirk of the
   * original kept here so its printouts can be reproduced.
   */
  readonly lastCompliant?: ConfigurationResult;
}

/** Options of {@linkcode selectOptimal}. */
export interface SelectOptions {
  /** Which quantity the SLO bounds. */
  constraint: ConstraintKind;
  /** The bound: seconds for `latency`, USD per request for `cost`. */
  slo: number;
  /** Compare with `<` as solver.py does (the `paper` method), else `<=`. @default {false} */
  strict?: boolean;
}

/** The configuration at index `idx` of an evaluation. */
export function configurationAt(evaluation: GridEvaluation, idx: number): ConfigurationResult {
  const { grid } = evaluation;
  const nT = grid.timeoutsSec.length, nB = grid.maxBatches.length;
  const ib = idx % nB, it = Math.floor(idx / nB) % nT, im = Math.floor(idx / (nB * nT));
  return {
    memoryMb: grid.memoriesMb[im],
    timeoutSec: grid.timeoutsSec[it],
    maxBatch: grid.maxBatches[ib],
    latencySec: evaluation.latencySec[idx],
    costUsd: evaluation.costUsd[idx],
  };
}

/**
 * Selects the optimal configurations of an evaluated grid.
 *
 * @param evaluation The evaluated grid.
 * @param options Constraint, SLO and comparison.
 * @returns Optimal ties, compliant and evaluated counts.
 * @throws {RangeError} If the SLO is not a positive number.
 */
export function selectOptimal(evaluation: GridEvaluation, options: SelectOptions): Selection {
  const { constraint, slo, strict = false } = options;
  if (!(slo > 0)) throw new RangeError(`Cannot use SLO ${slo}: it must be > 0`);
  const bound = constraint === "latency" ? evaluation.latencySec : evaluation.costUsd;
  const objective = constraint === "latency" ? evaluation.costUsd : evaluation.latencySec;
  const n = bound.length;
  let compliant = 0, best = Infinity, last = -1;
  for (let i = 0; i < n; i++) {
    const ok = strict ? bound[i] < slo : bound[i] <= slo;
    if (!ok) continue;
    compliant++;
    last = i;
    if (objective[i] < best) best = objective[i];
  }
  const optimal: ConfigurationResult[] = [];
  if (compliant > 0) {
    for (let i = 0; i < n; i++) {
      const ok = strict ? bound[i] < slo : bound[i] <= slo;
      if (ok && objective[i] === best) optimal.push(configurationAt(evaluation, i));
    }
  }
  return {
    feasible: compliant > 0,
    optimal,
    compliant,
    evaluated: n,
    lastCompliant: last >= 0 ? configurationAt(evaluation, last) : undefined,
  };
}

/** One hour of a trace, solved. */
export interface HourSolution extends Selection {
  /** Hour `h` covers `h - 1 .. h`. */
  readonly hour: number;
  /** Mean arrival rate of the hour's MAP, requests per second. */
  readonly ratePerSec: number;
  /** The full evaluation (for `--all` and charts). */
  readonly evaluation: GridEvaluation;
}

/** Options of {@linkcode solveHours}. */
export interface SolveOptions extends EvaluateOptions, Omit<SelectOptions, "strict"> {
  /** Called after each hour with the hours done and the total. */
  onHour?: (done: number, total: number) => void;
}

/**
 * Evaluates and optimizes each hour of a trace.
 *
 * @param hours The hourly MAPs.
 * @param grid The configurations to search.
 * @param options Method, profile, pricing, percentile, constraint and SLO.
 * @returns One solution per hour, in the given order.
 */
export function solveHours(
  hours: readonly { hour: number; map: MapProcess }[],
  grid: ConfigurationGrid,
  options: SolveOptions,
): HourSolution[] {
  return hours.map(({ hour, map }, i) => {
    const solution = solutionOf(hour, map, evaluateGrid(map, grid, options), options);
    options.onHour?.(i + 1, hours.length);
    return solution;
  });
}

/**
 * One hour solved from its evaluation (made elsewhere, e.g. in Workers).
 *
 * @param hour The hour.
 * @param map Its MAP (for the rate).
 * @param evaluation The model on the grid.
 * @param options Method, constraint and SLO.
 */
export function solutionOf(
  hour: number,
  map: MapProcess,
  evaluation: GridEvaluation,
  options: Omit<SolveOptions, "profile" | "pricing" | "percentile"> & { method?: ModelMethod },
): HourSolution {
  const strict = (options.method ?? "exact") === "paper";
  const selection = selectOptimal(evaluation, { ...options, strict });
  return { hour, ratePerSec: arrivalRatePerSec(map), evaluation, ...selection };
}

/**
 * One entry point for both model methods.
 *
 * @module
 */

import type { MapProcess } from "../map/map_process.ts";
import { evaluateExactGrid, type ExactOptions } from "./exact.ts";
import { evaluatePaperGrid } from "./paper.ts";
import type { ConfigurationGrid, GridEvaluation, ModelInputs, ModelMethod } from "./types.ts";

/** Options of {@linkcode evaluateGrid}. */
export interface EvaluateOptions extends ModelInputs, ExactOptions {
  /** Which model. @default {"exact"} */
  method?: ModelMethod;
}

/**
 * Evaluates the model on every configuration of a grid: the latency percentile
 * and the per-request costs.
 *
 * @param map The arrival process.
 * @param grid Memories, timeouts and max batch sizes.
 * @param options Method, profile, pricing, percentile.
 * @returns The evaluation, arrays indexed memory-major, then timeout, then batch.
 * @throws {RangeError} On a percentile outside (0, 1) or an empty grid, or the
 *   paper method with a profile whose service time varies.
 */
export function evaluateGrid(
  map: MapProcess,
  grid: ConfigurationGrid,
  options: EvaluateOptions,
): GridEvaluation {
  const { method = "exact", percentile } = options;
  if (!(percentile > 0 && percentile < 1)) {
    throw new RangeError(`Cannot use percentile ${percentile}: it must be within (0, 1)`);
  }
  for (const [name, values] of Object.entries(grid)) {
    if ((values as number[]).length === 0) {
      throw new RangeError(`Cannot evaluate an empty grid: ${name} has no values`);
    }
  }
  for (const t of grid.timeoutsSec) {
    if (!(t > 0)) throw new RangeError(`Cannot use timeout ${t} s: it must be > 0`);
  }
  for (const b of grid.maxBatches) {
    if (!(Number.isInteger(b) && b >= 1)) {
      throw new RangeError(`Cannot use max batch ${b}: it must be an integer >= 1`);
    }
  }
  if (method === "paper") {
    if (options.profile.variability !== undefined || options.profile.coldStart !== undefined) {
      const what = options.profile.variability !== undefined
        ? "its service time varies (variability)"
        : "it has cold starts (coldStart)";
      throw new RangeError(
        `Cannot use the paper method with profile '${options.profile.name}': ${what}, and ` +
          "the paper's model (solver.py) has one time per batch size and no cold starts; " +
          "use the exact method",
      );
    }
    return evaluatePaperGrid(map, grid, options);
  }
  if (method === "exact") return evaluateExactGrid(map, grid, options, options);
  throw new RangeError(`Cannot use method '${method}': expected exact or paper`);
}

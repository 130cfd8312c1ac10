/**
 * Types shared by the two model methods and the optimizer.
 *
 * @module
 */

import type { Pricing } from "../profile/pricing.ts";
import type { ServiceProfile } from "../profile/service_profile.ts";

/** The two ways to compute the model. */
export type ModelMethod = "exact" | "paper";

/** Names of the model methods, the default first. */
export const MODEL_METHODS: readonly ModelMethod[] = ["exact", "paper"];

/** A grid of buffer and function configurations. */
export interface ConfigurationGrid {
  /** Lambda memory sizes, MB. */
  readonly memoriesMb: readonly number[];
  /** Buffer timeouts T, seconds (from the first request of a batch). */
  readonly timeoutsSec: readonly number[];
  /** Maximum batch sizes B. */
  readonly maxBatches: readonly number[];
}

/** What the model needs besides the arrival process and the grid. */
export interface ModelInputs {
  /** Service-time profile S(batch, memory). */
  readonly profile: ServiceProfile;
  /** Pricing used for the cost. */
  readonly pricing: Pricing;
  /** Percentile of the latency (and batch size), in (0, 1), e.g. 0.95. */
  readonly percentile: number;
  /** Allow evaluating the profile outside its fitted range. */
  readonly extrapolate?: boolean;
  /**
   * Idle time after which an execution environment is reclaimed, seconds, for
   * the cold starts of a profile with a `coldStart` (exact method). @default {600}
   */
  readonly keepAliveSec?: number;
  /** Called after each timeout of the grid with the share done. */
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * The model evaluated on every configuration of a grid. Arrays are indexed
 * memory-major, then timeout, then batch: `(im * nT + it) * nB + ib`.
 */
export interface GridEvaluation {
  readonly method: ModelMethod;
  readonly grid: ConfigurationGrid;
  /** The percentile of the request latency, seconds. */
  readonly latencySec: Float64Array;
  /**
   * The per-request cost the optimizer uses, USD: the cost at the percentile
   * batch size for `paper` (as solver.py), the long-run mean for `exact`.
   */
  readonly costUsd: Float64Array;
  /** Per-request cost of a batch of the percentile batch size, USD. */
  readonly percentileCostUsd: Float64Array;
  /** Long-run mean cost per request: E[cost of a batch] / E[batch size], USD. */
  readonly meanCostUsd: Float64Array;
  /** The percentile of the batch size. */
  readonly percentileBatchSize: Int32Array;
}

/** Index of a configuration in a {@linkcode GridEvaluation}'s arrays. */
export function gridIndex(
  grid: ConfigurationGrid,
  memoryIndex: number,
  timeoutIndex: number,
  batchIndex: number,
): number {
  return (memoryIndex * grid.timeoutsSec.length + timeoutIndex) * grid.maxBatches.length +
    batchIndex;
}

/** Number of configurations in a grid. */
export function gridSize(grid: ConfigurationGrid): number {
  return grid.memoriesMb.length * grid.timeoutsSec.length * grid.maxBatches.length;
}

/** Allocates the result arrays of a grid evaluation. */
export function allocateEvaluation(method: ModelMethod, grid: ConfigurationGrid): GridEvaluation {
  const n = gridSize(grid);
  return {
    method,
    grid,
    latencySec: new Float64Array(n),
    costUsd: new Float64Array(n),
    percentileCostUsd: new Float64Array(n),
    meanCostUsd: new Float64Array(n),
    percentileBatchSize: new Int32Array(n),
  };
}

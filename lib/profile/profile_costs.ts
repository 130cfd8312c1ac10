/**
 * What a measured function costs, per (memory, batch size): the time of a
 * batch, the cost per request and the requests per dollar, as AWS Lambda
 * Power Tuning shows them per memory, with the batch dimension added; and
 * whether batching pays for the function at all, memory by memory.
 *
 * Pure: no I/O.
 *
 * @module
 */

import { invocationCostUsd, type Pricing } from "./pricing.ts";
import type { DurationSample } from "./profile_fit.ts";

/** Time and cost of one (memory, batch size) cell. */
export interface CostCell {
  memoryMb: number;
  batch: number;
  /** Samples in the cell. */
  count: number;
  /** Mean duration of a batch, s (a request's service time is its batch's). */
  meanSec: number;
  /** Mean cost of one invocation (a batch), USD. */
  costPerBatchUsd: number;
  /** Mean cost per request: the batch's cost over its size, USD. */
  costPerRequestUsd: number;
  /** Requests served per dollar, 1 / `costPerRequestUsd`. */
  requestsPerUsd: number;
  /** Requests one environment serves per second, batch / `meanSec`. */
  requestsPerSec: number;
}

/** Whether batching pays at one memory. */
export interface BatchingAtMemory {
  memoryMb: number;
  /** The batch size with the lowest cost per request. */
  bestBatch: number;
  bestCostPerRequestUsd: number;
  /** The smallest batch size measured (1 in a usual sweep), and its cost per request. */
  smallestBatch: number;
  smallestCostPerRequestUsd: number;
  /** 1 - best / smallest: the share of the cost per request batching saves. */
  saving: number;
}

/** Whether batching pays for the function, memory by memory and overall. */
export interface BatchingVerdict {
  /** Per memory, ascending. */
  memories: BatchingAtMemory[];
  /**
   * Whether batching pays: the cheapest cell per request overall has a batch
   * larger than the smallest and costs less than `1 - minSaving` times the
   * cheapest cell of the smallest batch size (at any memory). Batching that
   * saves at one memory but not against a smaller memory unbatched does not pay.
   */
  pays: boolean;
  /** 1 - cheapest / cheapestUnbatched: what batching saves at its best. */
  saving: number;
  /** The saving the verdict needs, a fraction. */
  minSaving: number;
  /** The cheapest cell per request overall. */
  cheapest: CostCell;
  /** The cheapest cell per request among those of the smallest batch size. */
  cheapestUnbatched: CostCell;
}

/**
 * Per (memory, batch size) cell: the mean duration, the mean cost of an
 * invocation under `pricing` (its billing rounding applied to each
 * duration), the cost per request, the requests per dollar and one
 * environment's throughput.
 *
 * @param samples Warm durations.
 * @param pricing The prices.
 * @returns One entry per cell, by memory then batch size.
 * @throws {RangeError} On a duration that is not finite and >= 0 or a memory that is not > 0.
 *
 * @example A batch of 4 in 0.4 s at 1024 MB on the paper's prices
 * ```ts
 * import assert from "node:assert/strict";
 * import { pricing } from "./pricing.ts";
 *
 * const [cell] = costTable([{ batch: 4, memoryMb: 1024, durationSec: 0.4 }], pricing("paper"));
 * // (0.4 s x 1 GB x 0.0000166667 + 0.0000002) / 4
 * assert.ok(Math.abs(cell.costPerRequestUsd - (0.4 * 0.0000166667 + 0.0000002) / 4) < 1e-18);
 * assert.equal(cell.requestsPerSec, 10);
 * ```
 */
export function costTable(samples: readonly DurationSample[], pricing: Pricing): CostCell[] {
  const cells = new Map<string, { m: number; k: number; n: number; sec: number; usd: number }>();
  for (const s of samples) {
    const key = `${s.memoryMb},${s.batch}`;
    let c = cells.get(key);
    if (c === undefined) cells.set(key, c = { m: s.memoryMb, k: s.batch, n: 0, sec: 0, usd: 0 });
    c.n++;
    c.sec += s.durationSec;
    c.usd += invocationCostUsd(pricing, s.durationSec, s.memoryMb);
  }
  return [...cells.values()]
    .sort((a, b) => a.m - b.m || a.k - b.k)
    .map((c) => {
      const meanSec = c.sec / c.n, costPerBatchUsd = c.usd / c.n;
      const costPerRequestUsd = costPerBatchUsd / c.k;
      return {
        memoryMb: c.m,
        batch: c.k,
        count: c.n,
        meanSec,
        costPerBatchUsd,
        costPerRequestUsd,
        requestsPerUsd: 1 / costPerRequestUsd,
        requestsPerSec: c.k / meanSec,
      };
    });
}

/**
 * Whether batching pays: at each memory, the batch size with the lowest cost
 * per request against the smallest batch size measured; overall, whether the
 * cheapest configuration is batched and saves more than `minSaving` against
 * the cheapest unbatched one (the smallest batch size at its best memory).
 *
 * @param cells The cost table.
 * @param options The saving that counts. `minSaving` defaults to 0.01 (1 %).
 * @returns The verdict.
 * @throws {RangeError} With no cell, or a `minSaving` outside [0, 1).
 *
 * @example A function whose batches cost as much per request as single requests
 * ```ts
 * import assert from "node:assert/strict";
 * import { pricing } from "./pricing.ts";
 *
 * const cells = costTable([
 *   { batch: 1, memoryMb: 2048, durationSec: 1 },
 *   { batch: 8, memoryMb: 2048, durationSec: 8.5 },
 * ], pricing("paper"));
 * const verdict = batchingVerdict(cells);
 * assert.equal(verdict.pays, false);
 * assert.equal(verdict.memories[0].bestBatch, 1);
 * ```
 */
export function batchingVerdict(
  cells: readonly CostCell[],
  options: { minSaving?: number } = {},
): BatchingVerdict {
  const minSaving = options.minSaving ?? 0.01;
  if (!(minSaving >= 0 && minSaving < 1)) {
    throw new RangeError(
      `Cannot judge batching as 'minSaving' must be within [0, 1): current value is ${minSaving}`,
    );
  }
  if (cells.length === 0) {
    throw new RangeError("Cannot judge batching as 'cells' must not be empty: found none");
  }
  const byMemory = new Map<number, CostCell[]>();
  for (const c of cells) {
    let list = byMemory.get(c.memoryMb);
    if (list === undefined) byMemory.set(c.memoryMb, list = []);
    list.push(c);
  }
  const cheaper = (a: CostCell, b: CostCell) => (b.costPerRequestUsd < a.costPerRequestUsd ? b : a);
  const smallestBatch = Math.min(...cells.map((c) => c.batch));
  const memories = [...byMemory.keys()].sort((a, b) => a - b).map((memoryMb) => {
    const list = byMemory.get(memoryMb)!;
    const best = list.reduce(cheaper);
    const smallest = list.reduce((a, b) => (b.batch < a.batch ? b : a));
    return {
      memoryMb,
      bestBatch: best.batch,
      bestCostPerRequestUsd: best.costPerRequestUsd,
      smallestBatch: smallest.batch,
      smallestCostPerRequestUsd: smallest.costPerRequestUsd,
      saving: 1 - best.costPerRequestUsd / smallest.costPerRequestUsd,
    };
  });
  const cheapest = cells.reduce(cheaper);
  const cheapestUnbatched = cells.filter((c) => c.batch === smallestBatch).reduce(cheaper);
  const saving = 1 - cheapest.costPerRequestUsd / cheapestUnbatched.costPerRequestUsd;
  return {
    memories,
    pays: cheapest.batch > smallestBatch && saving > minSaving,
    saving,
    minSaving,
    cheapest,
    cheapestUnbatched,
  };
}

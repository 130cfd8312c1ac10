/**
 * The model on several hours' grids with both cores: tasks run in a pool of
 * Deno Workers (`grid_worker.ts`), one per core by default. With at least as
 * many hours as Workers a task is an hour; with fewer, each hour's timeouts
 * are split into contiguous groups of about equal work (the exact method's
 * tables grow with the timeout, so a group's weight is the sum of its
 * timeouts plus a share for its percentile searches). A group computes the
 * same lattice as the whole grid would (the same common step), so the merged
 * evaluation is the one `evaluateGrid` gives in one thread, bit for bit.
 *
 * This is an edge (it starts Workers); the numeric core stays in
 * `evaluate.ts`, which each Worker runs.
 *
 * @module
 */

import type { MapProcess } from "../map/map_process.ts";
import type { EvaluateOptions } from "./evaluate.ts";
import { allocateEvaluation, type ConfigurationGrid, type GridEvaluation } from "./types.ts";

/** What a Worker is sent: a grid, the MAP's matrices, and the options without functions. */
export interface GridTask {
  id: number;
  d0: number[][];
  d1: number[][];
  grid: ConfigurationGrid;
  options: Omit<EvaluateOptions, "onProgress">;
}

/** Options of {@linkcode evaluateHoursInWorkers}. */
export interface ParallelGridOptions {
  /** Workers to run. @default {navigator.hardwareConcurrency} */
  workers?: number;
  /** Timeouts done so far over all hours, and their total. */
  onProgress?: (done: number, total: number) => void;
}

interface Task {
  hour: number;
  /** Indices into the grid's timeouts. */
  timeouts: number[];
}

/** Contiguous groups of timeout indices of about equal weight `T + mean(T) / 4`. */
function splitTimeouts(timeoutsSec: readonly number[], groups: number): number[][] {
  const mean = timeoutsSec.reduce((a, t) => a + t, 0) / timeoutsSec.length;
  const weight = timeoutsSec.map((t) => t + mean / 4);
  const total = weight.reduce((a, w) => a + w, 0);
  const out: number[][] = [[]];
  let acc = 0;
  weight.forEach((w, i) => {
    if (acc >= (total * out.length) / groups && out.length < groups && out.at(-1)!.length > 0) {
      out.push([]);
    }
    out.at(-1)!.push(i);
    acc += w;
  });
  return out;
}

/**
 * Evaluates the model on `grid` for each hour's MAP in a pool of Workers.
 *
 * @param hours The MAPs.
 * @param grid The configurations.
 * @param options The model's options (`onProgress` is replaced by the pool's).
 * @param parallel Workers and progress.
 * @returns One evaluation per hour, in order, equal to `evaluateGrid`'s.
 * @throws The first error a Worker met (its name and message).
 */
export async function evaluateHoursInWorkers(
  hours: readonly { map: MapProcess }[],
  grid: ConfigurationGrid,
  options: EvaluateOptions,
  parallel: ParallelGridOptions = {},
): Promise<GridEvaluation[]> {
  const workers = Math.max(1, Math.floor(parallel.workers ?? navigator.hardwareConcurrency ?? 1));
  const nT = grid.timeoutsSec.length, nB = grid.maxBatches.length, nM = grid.memoriesMb.length;
  const tasks: Task[] = [];
  const groups = hours.length >= workers
    ? [grid.timeoutsSec.map((_, i) => i)]
    : splitTimeouts(grid.timeoutsSec, Math.min(nT, 2 * Math.ceil(workers / hours.length)));
  hours.forEach((_, hour) => groups.forEach((timeouts) => tasks.push({ hour, timeouts })));
  const out = hours.map(() => allocateEvaluation(options.method ?? "exact", grid));
  const { onProgress: _, ...plain } = options;
  const done = new Float64Array(tasks.length);
  const total = hours.length * nT;
  const pool = Array.from(
    { length: Math.min(workers, tasks.length) },
    () => new Worker(new URL("./grid_worker.ts", import.meta.url).href, { type: "module" }),
  );
  let next = 0;
  try {
    await Promise.all(pool.map(async (worker) => {
      while (next < tasks.length) {
        const id = next++;
        const task = tasks[id];
        const sub = { ...grid, timeoutsSec: task.timeouts.map((i) => grid.timeoutsSec[i]) };
        const { map } = hours[task.hour];
        const arrays = await new Promise<ArrayLike<number>[]>((resolve, reject) => {
          worker.onmessage = (e) => {
            const m = e.data;
            if (m.progress) {
              done[id] = m.progress[0];
              parallel.onProgress?.(done.reduce((a, x) => a + x, 0), total);
            } else if (m.error) {
              const error = new Error(m.error.message);
              error.name = m.error.name;
              reject(error);
            } else resolve(m.arrays);
          };
          worker.onerror = (e) => {
            e.preventDefault();
            reject(new Error(`a grid Worker failed: ${e.message}`));
          };
          const message: GridTask = {
            id,
            d0: map.d0,
            d1: map.d1,
            grid: sub,
            // The lattice planned for the whole grid: the part evaluates as within it.
            options: { ...plain, planTimeoutsSec: grid.timeoutsSec },
          };
          worker.postMessage(message);
        });
        // Merge: the task's index (im, j, ib) is the grid's (im, timeouts[j], ib).
        const ev = out[task.hour];
        const targets = [
          ev.latencySec,
          ev.costUsd,
          ev.percentileCostUsd,
          ev.meanCostUsd,
          ev.percentileBatchSize,
        ];
        const nTs = task.timeouts.length;
        for (let im = 0; im < nM; im++) {
          for (let j = 0; j < nTs; j++) {
            const from = (im * nTs + j) * nB, to = (im * nT + task.timeouts[j]) * nB;
            targets.forEach((t, a) =>
              t.set((arrays[a] as Float64Array).subarray(from, from + nB), to)
            );
          }
        }
      }
    }));
  } finally {
    for (const w of pool) w.terminate();
  }
  return out;
}

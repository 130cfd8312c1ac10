/**
 * The Worker side of {@linkcode evaluateHoursInWorkers}: evaluates the grid
 * of one task (an hour, or a group of its timeouts) and posts the arrays
 * back, transferring their buffers. Progress goes out as the timeouts are done.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { mapProcess } from "../map/map_process.ts";
import { evaluateGrid } from "./evaluate.ts";
import type { GridTask } from "./parallel_grid.ts";

self.onmessage = (e: MessageEvent<GridTask>) => {
  const { id, d0, d1, grid, options } = e.data;
  try {
    const ev = evaluateGrid(mapProcess(d0, d1), grid, {
      ...options,
      onProgress: (done, total) => self.postMessage({ id, progress: [done, total] }),
    });
    const arrays = [
      ev.latencySec,
      ev.costUsd,
      ev.percentileCostUsd,
      ev.meanCostUsd,
      ev.percentileBatchSize,
    ];
    self.postMessage({ id, arrays }, arrays.map((a) => a.buffer as ArrayBuffer));
  } catch (error) {
    self.postMessage({
      id,
      error: { name: (error as Error).name, message: (error as Error).message },
    });
  }
};

/**
 * A Monte Carlo of the BATCH buffer on a MAP, written independently of lib/:
 * its own generator (mulberry32), its own arrival and batching loops; the
 * service of a batch of k is `service(k, rand)`. Shared by the model tests.
 *
 * @module
 */

import type { MapProcess } from "../../lib/map/map_process.ts";

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Simulated {
  /** Per block: batch counts by size. */
  blockSizes: number[][];
  /** Per block: request latencies. */
  blockLatencies: Float64Array[];
}

export function simulateBuffer(
  map: MapProcess,
  b: number,
  t: number,
  /** The service of a batch of k requests (draw from `rand` when it varies). */
  service: (k: number, rand: () => number) => number,
  batches: number,
  blocks: number,
  seed: number,
): Simulated {
  const rand = mulberry32(seed);
  const m = map.d0.length;
  let phase = 0, now = 0;
  const nextArrival = (): number => {
    for (;;) {
      const out = -map.d0[phase][phase];
      now += -Math.log(1 - rand()) / out;
      let u = rand() * out;
      for (let j = 0; j < m; j++) {
        if (j !== phase) {
          if (u < map.d0[phase][j]) {
            phase = j;
            u = -1;
            break;
          }
          u -= map.d0[phase][j];
        }
      }
      if (u < 0) continue;
      for (let j = 0; j < m; j++) {
        if (u < map.d1[phase][j] || j === m - 1) {
          phase = j;
          return now;
        }
        u -= map.d1[phase][j];
      }
    }
  };
  const perBlock = Math.floor(batches / blocks);
  const blockSizes: number[][] = [], blockLatencies: Float64Array[] = [];
  // Warm-up: a few hundred arrivals to forget the initial phase.
  for (let i = 0; i < 500; i++) nextArrival();
  let pending = nextArrival();
  for (let blk = 0; blk < blocks; blk++) {
    const sizes = new Array<number>(b + 1).fill(0);
    const lat: number[] = [];
    for (let n = 0; n < perBlock; n++) {
      const arrivals = [pending];
      let dispatch = pending + t;
      for (;;) {
        const a = nextArrival();
        if (a > pending + t) {
          pending = a;
          break;
        }
        arrivals.push(a);
        if (arrivals.length === b) {
          dispatch = a;
          pending = nextArrival();
          break;
        }
      }
      const k = arrivals.length;
      sizes[k]++;
      const s = service(k, rand);
      for (const a of arrivals) lat.push(dispatch - a + s);
    }
    blockSizes.push(sizes);
    blockLatencies.push(Float64Array.from(lat));
  }
  return { blockSizes, blockLatencies };
}

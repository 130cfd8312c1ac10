/**
 * Arrival streams: the times of successive requests, generated one at a time
 * so that an hour at hundreds of requests per second never has to be held in
 * memory. A stream's `next()` returns the absolute time of the next arrival in
 * seconds, or `Infinity` when it has ended.
 *
 * @module
 */

import type { MapProcess } from "../map/map_process.ts";
import { arrivalPhases, stationaryPhases } from "../map/moments.ts";
import { exponential, type Prng } from "../random/prng.ts";

/** A stream of arrival times. */
export interface ArrivalStream {
  /** Absolute time of the next arrival, seconds; `Infinity` once the stream has ended. */
  next(): number;
}

/** Options of the random streams. */
export interface RandomStreamOptions {
  /** The random numbers. */
  prng: Prng;
  /** Time of the origin, seconds. @default {0} */
  startSec?: number;
}

/**
 * Poisson arrivals at a constant rate.
 *
 * @throws {RangeError} If the rate is not positive.
 */
export function poissonArrivals(ratePerSec: number, options: RandomStreamOptions): ArrivalStream {
  if (!(ratePerSec > 0 && Number.isFinite(ratePerSec))) {
    throw new RangeError(
      `Cannot generate Poisson arrivals at ${ratePerSec}/s: the rate must be > 0`,
    );
  }
  const { prng } = options;
  let t = options.startSec ?? 0;
  return { next: () => (t += exponential(prng, ratePerSec)) };
}

/** Options of {@linkcode mapArrivals}. */
export interface MapStreamOptions extends RandomStreamOptions {
  /**
   * Phase at the origin: drawn from the stationary distribution of `D0 + D1`
   * (`"stationary"`, a time-stationary start), from the phase distribution
   * just after an arrival (`"arrival"`), or a given phase index.
   * @default {"stationary"}
   */
  initialPhase?: "stationary" | "arrival" | number;
}

/** Per-phase event tables of a MAP for fast simulation. */
interface PhaseTables {
  rate: Float64Array;
  /** Cumulative probabilities of the `2m` events of a phase (hidden to j, arrival to j). */
  cumulative: Float64Array;
}

function phaseTables(map: MapProcess): PhaseTables {
  const m = map.d0.length;
  const rate = new Float64Array(m), cumulative = new Float64Array(m * 2 * m);
  for (let i = 0; i < m; i++) {
    rate[i] = -map.d0[i][i];
    let acc = 0;
    for (let j = 0; j < m; j++) {
      acc += i === j ? 0 : map.d0[i][j];
      cumulative[i * 2 * m + j] = acc / rate[i];
    }
    for (let j = 0; j < m; j++) {
      acc += map.d1[i][j];
      cumulative[i * 2 * m + m + j] = acc / rate[i];
    }
    // Rows of D0 + D1 sum to zero only to the MAP's tolerance: make the last event certain.
    cumulative[i * 2 * m + 2 * m - 1] = Infinity;
  }
  return { rate, cumulative };
}

function drawIndex(p: readonly number[], u: number): number {
  let acc = 0;
  for (let i = 0; i < p.length; i++) {
    acc += p[i];
    if (u < acc) return i;
  }
  return p.length - 1;
}

/**
 * Arrivals of a Markovian arrival process, simulated phase by phase: in phase
 * `i` the process stays an exponential time of rate `-D0[i][i]`, then moves to
 * `j` without an arrival with probability `D0[i][j] / -D0[i][i]` or with an
 * arrival with probability `D1[i][j] / -D0[i][i]`.
 *
 * @param map The MAP (rates per second).
 * @param options Random numbers, origin and initial phase.
 * @returns The stream, with the current phase readable as `phase`.
 */
export function mapArrivals(
  map: MapProcess,
  options: MapStreamOptions,
): ArrivalStream & { readonly phase: number } {
  const { prng, initialPhase = "stationary" } = options;
  const m = map.d0.length;
  const { rate, cumulative } = phaseTables(map);
  let phase = typeof initialPhase === "number" ? initialPhase : drawIndex(
    initialPhase === "arrival" ? arrivalPhases(map) : stationaryPhases(map),
    prng.nextFloat(),
  );
  if (!(Number.isInteger(phase) && phase >= 0 && phase < m)) {
    throw new RangeError(`Cannot start the MAP in phase ${initialPhase}: it has ${m} phases`);
  }
  let t = options.startSec ?? 0;
  const twoM = 2 * m;
  return {
    get phase() {
      return phase;
    },
    next() {
      for (;;) {
        t += exponential(prng, rate[phase]);
        const u = prng.nextFloat();
        const base = phase * twoM;
        let e = 0;
        while (u >= cumulative[base + e]) e++;
        if (e < m) {
          phase = e;
          continue;
        }
        phase = e - m;
        return t;
      }
    },
  };
}

/** Options of {@linkcode replayArrivals}. */
export interface ReplayOptions {
  /** Start again from the first value when the trace ends. @default {false} */
  loop?: boolean;
  /** Time of the origin, seconds. @default {0} */
  startSec?: number;
}

/**
 * Replays inter-arrival times (seconds): arrival `i` is at the origin plus the
 * sum of the first `i + 1` gaps.
 *
 * @throws {RangeError} If a gap is negative or not finite, or a looped trace sums to 0.
 */
export function replayArrivals(
  interArrivalsSec: ArrayLike<number>,
  options: ReplayOptions = {},
): ArrivalStream {
  const { loop = false } = options;
  const n = interArrivalsSec.length;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const g = interArrivalsSec[i];
    if (!(g >= 0 && Number.isFinite(g))) {
      throw new RangeError(`Cannot replay inter-arrival ${i + 1}: ${g} is not a time >= 0 s`);
    }
    total += g;
  }
  if (loop && !(total > 0)) {
    throw new RangeError("Cannot loop a trace whose inter-arrival times sum to 0 s");
  }
  let t = options.startSec ?? 0, i = 0;
  return {
    next() {
      if (i === n) {
        if (!loop || n === 0) return Infinity;
        i = 0;
      }
      return (t += interArrivalsSec[i++]);
    },
  };
}

/**
 * Replays absolute timestamps (seconds, non-decreasing).
 *
 * @throws {RangeError} If the timestamps decrease or are not finite.
 */
export function timestampArrivals(timestampsSec: ArrayLike<number>): ArrivalStream {
  for (let i = 0; i < timestampsSec.length; i++) {
    const t = timestampsSec[i];
    if (!Number.isFinite(t) || (i > 0 && t < timestampsSec[i - 1])) {
      throw new RangeError(
        `Cannot replay timestamp ${i + 1}: ${t} s is not finite or comes before the previous one`,
      );
    }
  }
  let i = 0;
  return { next: () => (i < timestampsSec.length ? timestampsSec[i++] : Infinity) };
}

/** Options of {@linkcode dayArrivals}. */
export interface DayStreamOptions extends RandomStreamOptions {
  /** Length of each piece, seconds. @default {3600} */
  hourSec?: number;
}

/**
 * A piecewise MAP day: hour `h` (covering `(h-1)..h` hours from the origin)
 * uses MAP `h`. At an hour boundary the phase process restarts from the new
 * MAP's stationary phase distribution; the stream ends after the last hour.
 *
 * @param hours The MAPs, in hour order.
 * @param options Random numbers, origin and hour length.
 */
export function dayArrivals(
  hours: readonly { hour: number; map: MapProcess }[],
  options: DayStreamOptions,
): ArrivalStream {
  const { prng, hourSec = 3600 } = options;
  const origin = options.startSec ?? 0;
  let index = 0;
  let current: ArrivalStream | undefined;
  let end = origin;
  let pending = NaN;
  return {
    next() {
      for (;;) {
        if (!current) {
          if (index >= hours.length) return Infinity;
          const startSec = origin + index * hourSec;
          end = startSec + hourSec;
          current = mapArrivals(hours[index].map, { prng, startSec });
          index++;
          pending = current.next();
        }
        if (pending < end) {
          const t = pending;
          pending = current.next();
          return t;
        }
        current = undefined;
      }
    },
  };
}

/**
 * A stream as a JavaScript iterator, for `for ... of` loops: arrival times
 * until the stream ends, `count` of them have been yielded, or one falls after
 * `untilSec`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { iterateArrivals, poissonArrivals } from "./streams.ts";
 * import { seededPrng } from "../random/prng.ts";
 * let n = 0;
 * for (const _t of iterateArrivals(poissonArrivals(10, { prng: seededPrng(1) }), { untilSec: 60 })) n++;
 * assert.ok(n > 450 && n < 750, `${n} arrivals`); // about 10 a second for 60 s
 * ```
 */
export function* iterateArrivals(
  stream: ArrivalStream,
  limits: { count?: number; untilSec?: number } = {},
): Generator<number, void, undefined> {
  const { count = Infinity, untilSec = Infinity } = limits;
  for (let n = 0; n < count; n++) {
    const t = stream.next();
    if (!(t < Infinity) || t > untilSec) return;
    yield t;
  }
}

/**
 * The first arrivals of a stream as an array: up to `count` of them, and none
 * after `untilSec`.
 */
export function takeArrivals(
  stream: ArrivalStream,
  limits: { count?: number; untilSec?: number },
): Float64Array {
  const { count = Infinity, untilSec = Infinity } = limits;
  if (!Number.isFinite(count) && !Number.isFinite(untilSec)) {
    throw new RangeError("Cannot take arrivals without a count or an end time");
  }
  let out = new Float64Array(Number.isFinite(count) ? count : 1024);
  let n = 0;
  while (n < count) {
    const t = stream.next();
    if (!(t < Infinity) || t > untilSec) break;
    if (n === out.length) {
      const bigger = new Float64Array(out.length * 2);
      bigger.set(out);
      out = bigger;
    }
    out[n++] = t;
  }
  return out.slice(0, n);
}

/** Inter-arrival gaps of sorted arrival times (the first from `startSec`). */
export function interArrivals(arrivalsSec: ArrayLike<number>, startSec = 0): Float64Array {
  const out = new Float64Array(arrivalsSec.length);
  let prev = startSec;
  for (let i = 0; i < arrivalsSec.length; i++) {
    out[i] = arrivalsSec[i] - prev;
    prev = arrivalsSec[i];
  }
  return out;
}

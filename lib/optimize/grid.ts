/**
 * Grids of configurations: ranges written `lo:hi:step` (both ends included),
 * single values, or comma-separated lists, and solver.py's default grid.
 *
 * @module
 */

import type { ConfigurationGrid } from "../model/types.ts";

/** Options of {@linkcode parseRange}. */
export interface RangeOptions {
  /** Name of the quantity, for messages (e.g. "--memory"). */
  name: string;
  /** Unit, for messages (e.g. "MB"). */
  unit?: string;
  /** Values must be integers. @default {false} */
  integer?: boolean;
  /** Smallest allowed value (inclusive). @default {-Infinity} */
  min?: number;
  /** Largest allowed value (inclusive). @default {Infinity} */
  max?: number;
  /** Largest number of values. @default {1e7} */
  maxCount?: number;
}

/**
 * Values `lo, lo + step, ..., <= hi` computed as NumPy's `arange` computes
 * them (`lo`, `lo + step`, then `lo + i * ((lo + step) - lo)`), so that a grid
 * written `0.01:0.49:0.01` holds the same doubles as solver.py's
 * `np.arange(0.01, 0.5, 0.01)`.
 *
 * @throws {RangeError} If `step` is not positive or `hi < lo`.
 */
export function arangeInclusive(lo: number, hi: number, step: number): number[] {
  if (!(step > 0)) throw new RangeError(`Cannot make a range with step ${step}: it must be > 0`);
  if (!(hi >= lo)) throw new RangeError(`Cannot make a range from ${lo} to ${hi}: hi < lo`);
  const count = Math.floor((hi - lo) / step + 1e-9) + 1;
  const out = [lo];
  if (count > 1) out.push(lo + step);
  const delta = (lo + step) - lo;
  for (let i = 2; i < count; i++) out.push(lo + i * delta);
  return out;
}

/**
 * Parses `lo:hi:step`, `lo:hi` (step 1), a single value, or a comma-separated
 * list into sorted distinct values.
 *
 * @throws {RangeError} Naming the option, with what was expected and found.
 */
export function parseRange(text: string, options: RangeOptions): number[] {
  const { name, unit = "", integer = false, min = -Infinity, max = Infinity } = options;
  const maxCount = options.maxCount ?? 1e7;
  const u = unit ? ` ${unit}` : "";
  const num = (s: string): number => {
    const v = Number(s.trim());
    if (s.trim() === "" || !Number.isFinite(v)) {
      throw new RangeError(`Cannot read ${name} '${text}': '${s}' is not a number`);
    }
    if (integer && !Number.isInteger(v)) {
      throw new RangeError(`Cannot read ${name} '${text}': '${s}' is not an integer`);
    }
    return v;
  };
  let values: number[];
  if (text.includes(":")) {
    const parts = text.split(":");
    if (parts.length > 3) {
      throw new RangeError(`Cannot read ${name} '${text}': expected lo:hi:step`);
    }
    const lo = num(parts[0]), hi = num(parts[1]);
    const step = parts.length === 3 ? num(parts[2]) : 1;
    if (!(step > 0)) throw new RangeError(`Cannot read ${name} '${text}': the step must be > 0`);
    if (!(hi >= lo)) throw new RangeError(`Cannot read ${name} '${text}': hi is below lo`);
    if ((hi - lo) / step + 1 > maxCount) {
      throw new RangeError(`Cannot read ${name} '${text}': more than ${maxCount} values`);
    }
    values = arangeInclusive(lo, hi, step);
  } else {
    values = text.split(",").map(num);
  }
  for (const v of values) {
    if (v < min || v > max) {
      throw new RangeError(
        `Cannot use ${name} ${v}${u}: it must be within ${min}..${max}${u}`,
      );
    }
  }
  return [...new Set(values)].sort((a, b) => a - b);
}

/** solver.py's memory grid: 1280..3008 MB step 64. */
export const PAPER_MEMORY_RANGE = "1280:3008:64";
/** solver.py's timeout grid: 0.01..0.49 s step 0.01. */
export const PAPER_TIMEOUT_RANGE = "0.01:0.49:0.01";
/** solver.py's batch grid: B = 20 only. */
export const PAPER_BATCH_RANGE = "20:20:1";

/** Builds a grid from three range texts (see {@linkcode parseRange}). */
export function gridFromRanges(
  memory: string = PAPER_MEMORY_RANGE,
  timeout: string = PAPER_TIMEOUT_RANGE,
  batch: string = PAPER_BATCH_RANGE,
): ConfigurationGrid {
  return {
    memoriesMb: parseRange(memory, { name: "--memory", unit: "MB", min: 1, integer: false }),
    timeoutsSec: parseRange(timeout, { name: "--timeout", unit: "s", min: 1e-6, max: 3600 }),
    maxBatches: parseRange(batch, { name: "--batch", integer: true, min: 1, max: 1000 }),
  };
}

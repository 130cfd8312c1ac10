/**
 * Reading the MAP files published with the BATCH paper: one pair of text files
 * per MAP, `<name>_D0` and `<name>_D1`, each holding one comma-separated matrix.
 * The hourly traces (`traces/twitter`, `traces/nys`) name them `MAP<h>_D0` and
 * `MAP<h>_D1` for h = 1..24, hour h covering h-1 to h; `traces/synthetic` holds
 * `W14_D0` style pairs, read with {@linkcode readMapPair}.
 *
 * This is the file edge of `lib/map`: it needs `--allow-read`.
 *
 * @module
 */

import { join } from "node:path";
import { type MapProcess, mapProcess, type MapProcessOptions } from "../map/map_process.ts";
import { parseMatrixText } from "../map/map_text.ts";

/** An hourly MAP, as returned by {@linkcode readMapDirectory}. */
export interface HourlyMap {
  /** The hour, from 1: hour `h` covers `h-1` to `h`. */
  hour: number;
  /** The arrival process of that hour. */
  map: MapProcess;
}

/**
 * Reads one MAP from its two matrix files.
 *
 * @param d0Path Path of the `D0` file.
 * @param d1Path Path of the `D1` file.
 * @param options Passed to {@linkcode mapProcess} (row-sum tolerance).
 * @returns The validated MAP.
 * @throws {Deno.errors.NotFound} If a file does not exist; the message names its path.
 * @throws {MapFileSyntaxError} If a file is not a matrix; the message names the file and line.
 * @throws {TypeError} If the matrices are not a valid MAP shape; the message of
 *   {@linkcode mapProcess} is prefixed with the two paths.
 * @throws {RangeError} If the matrices are not valid MAP rates; the message of
 *   {@linkcode mapProcess} is prefixed with the two paths.
 *
 * @example Usage
 * ```ts
 * // Run from the project root with --allow-read.
 * import assert from "node:assert/strict";
 *
 * const map = await readMapPair("traces/synthetic/W14_D0", "traces/synthetic/W14_D1");
 * assert.deepEqual(map.d0, [[-10.05, 0.05], [0.05, -120.05]]);
 * ```
 */
export async function readMapPair(
  d0Path: string,
  d1Path: string,
  options: MapProcessOptions = {},
): Promise<MapProcess> {
  // One file after the other, so that the error reported is always the first one.
  const d0 = parseMatrixText(await readText(d0Path), { file: d0Path });
  const d1 = parseMatrixText(await readText(d1Path), { file: d1Path });
  try {
    return mapProcess(d0, d1, options);
  } catch (error) {
    const message = `${d0Path}, ${d1Path}: ${(error as Error).message}`;
    if (error instanceof RangeError) throw new RangeError(message, { cause: error });
    if (error instanceof TypeError) throw new TypeError(message, { cause: error });
    throw error;
  }
}

/**
 * Reads the MAP of one hour, `<dir>/MAP<hour>_D0` and `<dir>/MAP<hour>_D1`.
 *
 * @param dir Directory of the hourly MAP files, such as `traces/twitter`.
 * @param hour The hour, a positive integer (hour `h` covers `h-1` to `h`).
 * @param options Passed to {@linkcode mapProcess} (row-sum tolerance).
 * @returns The validated MAP.
 * @throws {RangeError} If `hour` is not a positive integer, or as {@linkcode readMapPair}.
 * @throws {Deno.errors.NotFound} If a file does not exist; the message names its path.
 * @throws {MapFileSyntaxError} As {@linkcode readMapPair}.
 * @throws {TypeError} As {@linkcode readMapPair}.
 *
 * @example Usage
 * ```ts
 * // Run from the project root with --allow-read.
 * import assert from "node:assert/strict";
 *
 * const map = await readMapHour("traces/twitter", 1);
 * assert.equal(map.d0[0][0], -14.625001);
 * ```
 */
export async function readMapHour(
  dir: string,
  hour: number,
  options: MapProcessOptions = {},
): Promise<MapProcess> {
  if (!(Number.isInteger(hour) && hour >= 1)) {
    throw new RangeError(
      `Cannot read the MAP as 'hour' must be a positive integer: current value is ${hour}`,
    );
  }
  return await readMapPair(join(dir, `MAP${hour}_D0`), join(dir, `MAP${hour}_D1`), options);
}

const HOURLY_FILE = /^MAP([1-9]\d*)_D([01])$/;

/**
 * Reads every hourly MAP of a directory: all pairs `MAP<h>_D0`, `MAP<h>_D1`
 * (h a positive integer without leading zeros), sorted by hour. Other files are
 * ignored. Hours need not be contiguous.
 *
 * @param dir Directory of the hourly MAP files, such as `traces/twitter`.
 * @param options Passed to {@linkcode mapProcess} (row-sum tolerance).
 * @returns One entry per hour, sorted by hour.
 * @throws {Deno.errors.NotFound} If `dir` does not exist, holds no hourly MAP
 *   file, or a `D0` file has no matching `D1` file or vice versa.
 * @throws {MapFileSyntaxError} As {@linkcode readMapPair}.
 * @throws {TypeError} As {@linkcode readMapPair}.
 * @throws {RangeError} As {@linkcode readMapPair}.
 *
 * @example Usage
 * ```ts
 * // Run from the project root with --allow-read.
 * import assert from "node:assert/strict";
 *
 * const maps = await readMapDirectory("traces/twitter");
 * assert.deepEqual(maps.map(({ hour }) => hour), Array.from({ length: 24 }, (_, i) => i + 1));
 * ```
 */
export async function readMapDirectory(
  dir: string,
  options: MapProcessOptions = {},
): Promise<HourlyMap[]> {
  const found = new Map<number, Set<string>>();
  try {
    for await (const entry of Deno.readDir(dir)) {
      const match = HOURLY_FILE.exec(entry.name);
      if (!match || entry.isDirectory) continue;
      const hour = Number(match[1]);
      if (!found.has(hour)) found.set(hour, new Set());
      found.get(hour)!.add(`D${match[2]}`);
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Deno.errors.NotFound(
        `Cannot read the MAPs as the directory ${dir} does not exist`,
        { cause: error },
      );
    }
    throw error;
  }
  if (found.size === 0) {
    throw new Deno.errors.NotFound(
      `Cannot read the MAPs as ${dir} holds no MAP<h>_D0 and MAP<h>_D1 files`,
    );
  }
  const hours = [...found.keys()].sort((a, b) => a - b);
  for (const hour of hours) {
    const kinds = found.get(hour)!;
    for (const [has, lacks] of [["D0", "D1"], ["D1", "D0"]]) {
      if (kinds.has(has) && !kinds.has(lacks)) {
        throw new Deno.errors.NotFound(
          `Cannot read the MAPs as ${join(dir, `MAP${hour}_${has}`)} has no matching ` +
            `${join(dir, `MAP${hour}_${lacks}`)}`,
        );
      }
    }
  }
  const maps: HourlyMap[] = [];
  for (const hour of hours) maps.push({ hour, map: await readMapHour(dir, hour, options) });
  return maps;
}

async function readText(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Deno.errors.NotFound(`Cannot read the MAP as ${path} does not exist`, {
        cause: error,
      });
    }
    throw error;
  }
}

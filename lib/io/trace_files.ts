/**
 * Reading and writing arrival traces and fitted MAPs:
 * - inter-arrival files, one time in seconds per line, as `traces/MMPP_arrival`
 *   of the BATCH paper's code release (and what `deno task trace` writes);
 * - timestamp files, one absolute arrival time in seconds per line;
 * - MAP files `MAP<h>_D0` and `MAP<h>_D1` in the format of `traces/` (one
 *   comma-separated matrix row per line), read back by `lib/io/map_files.ts`.
 *
 * In both trace formats blank lines and lines starting with `#` are ignored,
 * so numpy's `loadtxt` reads the files as written. Files are read and written
 * in chunks: a day of traffic need not fit in one string.
 *
 * This is a file edge: it needs `--allow-read` and `--allow-write`.
 *
 * @module
 */

import { join } from "node:path";
import { type MapProcess, mapProcess } from "../map/map_process.ts";

/** Options of {@linkcode TraceFileSyntaxError}. */
export interface TraceFileSyntaxErrorOptions extends ErrorOptions {
  /** Name of the file being parsed. */
  file: string;
  /** 1-based number of the offending line. */
  line: number;
  /** The offending line, as found (without its line end). */
  text: string;
}

/**
 * Error thrown by the trace readers for a line that is not a valid value.
 * The message reads `<file>:<line>: <reason>`.
 *
 * @example Usage
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const error = new TraceFileSyntaxError("expected a decimal number, found \"x\"", {
 *   file: "trace.txt",
 *   line: 3,
 *   text: "x",
 * });
 * assert.equal(error.message, "trace.txt:3: expected a decimal number, found \"x\"");
 * assert.equal(error.reason, "expected a decimal number, found \"x\"");
 * assert.ok(error instanceof SyntaxError);
 * ```
 */
export class TraceFileSyntaxError extends SyntaxError {
  /** Name of the file being parsed. */
  readonly file: string;
  /** 1-based number of the offending line. */
  readonly line: number;
  /** The offending line, as found. */
  readonly text: string;
  /** What is wrong with the line, without the location. */
  readonly reason: string;

  /**
   * Constructs the error.
   *
   * @param reason What is wrong with the line, without the location.
   * @param options Location of the offending line, and an optional `cause`.
   */
  constructor(reason: string, options: TraceFileSyntaxErrorOptions) {
    super(`${options.file}:${options.line}: ${reason}`, { cause: options.cause });
    this.name = "TraceFileSyntaxError";
    this.file = options.file;
    this.line = options.line;
    this.text = options.text;
    this.reason = reason;
  }
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Reads a file of inter-arrival times: one time in seconds per line, each a
 * finite decimal number >= 0 (`0.0123`, `1.5e-3`). Blank lines, lines
 * starting with `#`, CRLF line ends and a byte-order mark are ignored.
 *
 * @param path Path of the file.
 * @returns The inter-arrival times, seconds, in file order.
 * @throws {Deno.errors.NotFound} If the file does not exist; the message names it.
 * @throws {TraceFileSyntaxError} If a line holds more than one field, a value
 *   that is not a finite decimal number, or a negative time, or the file holds
 *   no value.
 *
 * @example Usage
 * ```ts
 * // Run with --allow-read --allow-write.
 * import assert from "node:assert/strict";
 *
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "# gaps (s)\n0.5\n\n1.25e-1\n");
 * assert.deepEqual(Array.from(await readInterArrivalFile(path)), [0.5, 0.125]);
 * await Deno.remove(path);
 * ```
 */
export async function readInterArrivalFile(path: string): Promise<Float64Array> {
  return await readValues(
    path,
    "inter-arrival time",
    (value) => value >= 0 ? undefined : `expected an inter-arrival time >= 0 s, found ${value}`,
  );
}

/**
 * Reads a file of arrival timestamps: one absolute time in seconds per line,
 * each a finite decimal number, non-decreasing. Blank lines, lines starting
 * with `#`, CRLF line ends and a byte-order mark are ignored.
 *
 * @param path Path of the file.
 * @returns The arrival times, seconds, in file order.
 * @throws {Deno.errors.NotFound} If the file does not exist; the message names it.
 * @throws {TraceFileSyntaxError} If a line holds more than one field, a value
 *   that is not a finite decimal number, or a time before the previous one, or
 *   the file holds no value.
 *
 * @example Usage
 * ```ts
 * // Run with --allow-read --allow-write.
 * import assert from "node:assert/strict";
 *
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "1496275200.5\n1496275200.5\n1496275201\n");
 * assert.deepEqual(Array.from(await readTimestampFile(path)), [
 *   1496275200.5,
 *   1496275200.5,
 *   1496275201,
 * ]);
 * await Deno.remove(path);
 * ```
 */
export async function readTimestampFile(path: string): Promise<Float64Array> {
  let previous = -Infinity, previousLine = 0;
  return await readValues(path, "timestamp", (value, line) => {
    if (value < previous) {
      return `expected a time >= the previous one (${previous} s on line ${previousLine}), ` +
        `found ${value}`;
    }
    previous = value;
    previousLine = line;
    return undefined;
  });
}

/** Options of {@linkcode writeInterArrivalFile}. */
export interface WriteInterArrivalFileOptions {
  /** Lines written first, each prefixed with `# ` (provenance, parameters). @default {[]} */
  comments?: string[];
}

/** Lines per chunk written by {@linkcode writeInterArrivalFile}. */
const LINES_PER_CHUNK = 65536;

/**
 * Writes inter-arrival times, one per line with 9 significant digits (in the
 * shortest form that reads back as that 9-digit value: `0.5`, `1.23456789e-7`),
 * after optional `#` comment lines. The file is written in chunks of 65536
 * lines; the gaps are all checked before the file is opened.
 *
 * @param path Path of the file, created or truncated.
 * @param gapsSec Inter-arrival times, seconds, each finite and >= 0.
 * @param options Comment lines to write first.
 * @throws {RangeError} If a gap is not a finite number >= 0 (NaN included); the
 *   message names the first bad index. Nothing is written.
 *
 * @example Usage
 * ```ts
 * // Run with --allow-read --allow-write.
 * import assert from "node:assert/strict";
 *
 * const path = await Deno.makeTempFile();
 * await writeInterArrivalFile(path, [0.5, 1 / 3], { comments: ["seed 1"] });
 * assert.equal(await Deno.readTextFile(path), "# seed 1\n0.5\n0.333333333\n");
 * await Deno.remove(path);
 * ```
 */
export async function writeInterArrivalFile(
  path: string,
  gapsSec: ArrayLike<number>,
  options: WriteInterArrivalFileOptions = {},
): Promise<void> {
  for (let i = 0; i < gapsSec.length; i++) {
    const g = gapsSec[i];
    if (!(g >= 0 && g < Infinity)) {
      throw new RangeError(
        `Cannot write the inter-arrival file ${path}: expected times that are finite numbers ` +
          `>= 0 s, found ${g} at index ${i}`,
      );
    }
  }
  const comments = (options.comments ?? []).flatMap((c) => c.split(/\r?\n/));
  using file = await Deno.open(path, { write: true, create: true, truncate: true });
  const encoder = new TextEncoder();
  const writeAll = async (text: string) => {
    const bytes = encoder.encode(text);
    for (let offset = 0; offset < bytes.length;) offset += await file.write(bytes.subarray(offset));
  };
  if (comments.length) await writeAll(comments.map((c) => `# ${c}\n`).join(""));
  const lines: string[] = [];
  for (let i = 0; i < gapsSec.length; i++) {
    lines.push(formatSignificant(gapsSec[i]));
    if (lines.length === LINES_PER_CHUNK || i === gapsSec.length - 1) {
      await writeAll(lines.join("\n") + "\n");
      lines.length = 0;
    }
  }
}

/** Paths written by {@linkcode writeMapFiles}. */
export interface MapFilePaths {
  /** Path of `MAP<hour>_D0`. */
  d0Path: string;
  /** Path of `MAP<hour>_D1`. */
  d1Path: string;
}

/**
 * Writes a MAP as `<dir>/MAP<hour>_D0` and `<dir>/MAP<hour>_D1`, the format of
 * `traces/` (one row per line, values separated by commas), creating `dir` if
 * needed. Values have 9 significant digits (the paper's files have 6
 * decimals), so the rows of `D0 + D1` still sum to 0 within the tolerance of
 * `mapProcess()` and `readMapHour(dir, hour)` reads the MAP back to a relative
 * 5e-10 per entry.
 *
 * @param dir Directory of the files, created with its parents if missing.
 * @param hour The hour (or window) number, a positive integer.
 * @param map The MAP.
 * @returns The two paths written.
 * @throws {RangeError} If `hour` is not a positive integer, or `map` is not a
 *   valid MAP (as `mapProcess()` checks it).
 * @throws {TypeError} If `map` does not have the shape of a MAP.
 *
 * @example Usage
 * ```ts
 * // Run with --allow-read --allow-write.
 * import assert from "node:assert/strict";
 * import { mmpp2 } from "../map/map_process.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const map = mmpp2({
 *   rate1PerSec: 10,
 *   rate2PerSec: 120,
 *   switch12PerSec: 0.05,
 *   switch21PerSec: 0.05,
 * });
 * const { d0Path } = await writeMapFiles(dir, 3, map);
 * assert.equal(await Deno.readTextFile(d0Path), "-10.05,0.05\n0.05,-120.05\n");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeMapFiles(
  dir: string,
  hour: number,
  map: MapProcess,
): Promise<MapFilePaths> {
  if (!(Number.isInteger(hour) && hour >= 1)) {
    throw new RangeError(
      `Cannot write the MAP files: expected 'hour' to be a positive integer, found ${hour}`,
    );
  }
  const checked = mapProcess(map?.d0, map?.d1);
  await Deno.mkdir(dir, { recursive: true });
  const d0Path = join(dir, `MAP${hour}_D0`), d1Path = join(dir, `MAP${hour}_D1`);
  const text = (m: readonly (readonly number[])[]) =>
    m.map((row) => row.map(formatSignificant).join(",")).join("\n") + "\n";
  await Deno.writeTextFile(d0Path, text(checked.d0));
  await Deno.writeTextFile(d1Path, text(checked.d1));
  return { d0Path, d1Path };
}

/** 9 significant digits, in the shortest form that reads back as them. */
function formatSignificant(x: number): string {
  return String(Number(x.toPrecision(9)));
}

/**
 * Parses a one-value-per-line file in chunks, checking each value with
 * `check` (which returns a reason to reject it).
 */
async function readValues(
  path: string,
  what: string,
  check: (value: number, line: number) => string | undefined,
): Promise<Float64Array> {
  let values = new Float64Array(1024);
  let count = 0, lineNumber = 0;
  const parse = (raw: string) => {
    lineNumber++;
    const text = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    const trimmed = (lineNumber === 1 ? text.replace(/^\uFEFF/, "") : text).trim();
    if (trimmed === "" || trimmed.startsWith("#")) return;
    const fail = (reason: string): never => {
      throw new TraceFileSyntaxError(reason, { file: path, line: lineNumber, text });
    };
    const fields = trimmed.split(/[\s,;]+/);
    if (fields.length > 1) fail(`expected one number per line, found ${fields.length} fields`);
    if (!DECIMAL.test(trimmed)) fail(`expected a decimal number, found ${JSON.stringify(trimmed)}`);
    const value = Number(trimmed);
    if (!Number.isFinite(value)) fail(`expected a finite number, found ${JSON.stringify(trimmed)}`);
    const reason = check(value, lineNumber);
    if (reason !== undefined) fail(reason);
    if (count === values.length) {
      const bigger = new Float64Array(values.length * 2);
      bigger.set(values);
      values = bigger;
    }
    values[count++] = value;
  };
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Deno.errors.NotFound(`Cannot read the trace as ${path} does not exist`, {
        cause: error,
      });
    }
    throw error;
  }
  let rest = "";
  for await (const chunk of file.readable.pipeThrough(new TextDecoderStream())) {
    const lines = (rest + chunk).split("\n");
    rest = lines.pop()!;
    for (const line of lines) parse(line);
  }
  if (rest !== "") parse(rest);
  if (count === 0) {
    throw new TraceFileSyntaxError(`expected at least one ${what}, found none`, {
      file: path,
      line: Math.max(1, lineNumber),
      text: "",
    });
  }
  return values.slice(0, count);
}

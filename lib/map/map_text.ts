/**
 * Parser of the plain-text matrix format of the MAP files published with the
 * BATCH paper (`MAP<h>_D0`, `MAP<h>_D1`): one matrix row per line, values
 * separated by commas and/or whitespace. Pure: reading the files is the job of
 * `lib/io/map_files.ts`.
 *
 * @module
 */

import type { Matrix } from "../numeric/dense.ts";

/** Options of {@linkcode MapFileSyntaxError}. */
export interface MapFileSyntaxErrorOptions extends ErrorOptions {
  /** Name of the file (or other source) being parsed. */
  file: string;
  /** 1-based number of the offending line. */
  line: number;
  /** The offending line, as found. */
  text: string;
}

/**
 * Error thrown by {@linkcode parseMatrixText} for text that is not a matrix.
 * The message reads `<file>:<line>: <reason>`.
 *
 * @example Usage
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const error = new MapFileSyntaxError("expected a number", {
 *   file: "MAP1_D0",
 *   line: 2,
 *   text: "x",
 * });
 * assert.equal(error.message, "MAP1_D0:2: expected a number");
 * assert.ok(error instanceof SyntaxError);
 * ```
 */
export class MapFileSyntaxError extends SyntaxError {
  /** Name of the file (or other source) being parsed. */
  readonly file: string;
  /** 1-based number of the offending line. */
  readonly line: number;
  /** The offending line, as found. */
  readonly text: string;

  /**
   * Constructs the error.
   *
   * @param reason What is wrong with the line, without the location.
   * @param options Location of the offending line, and an optional `cause`.
   */
  constructor(reason: string, options: MapFileSyntaxErrorOptions) {
    super(`${options.file}:${options.line}: ${reason}`, { cause: options.cause });
    this.name = "MapFileSyntaxError";
    this.file = options.file;
    this.line = options.line;
    this.text = options.text;
  }
}

/** Options of {@linkcode parseMatrixText}. */
export interface ParseMatrixTextOptions {
  /**
   * Name of the source, used in error messages.
   *
   * @default {"<input>"}
   */
  file?: string;
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Parses a matrix written one row per line, with the values of a row separated
 * by commas and/or whitespace (`-14.625001,0.000000`). Blank lines are ignored,
 * as are a trailing newline, CRLF line ends and a byte-order mark; `-0.000000`
 * reads as `-0`. Values are decimal numbers (`1`, `-0.5`, `.5`, `2e-3`).
 *
 * @param text The file contents.
 * @param options Name of the source for error messages.
 * @returns The rows, all of the same length (the matrix need not be square).
 * @throws {MapFileSyntaxError} If the text holds no row, a field is empty or not
 *   a decimal number, a value is not finite, or a row differs in length from the
 *   first row.
 *
 * @example Usage
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseMatrixText("-14.625001,0.000000\n0.000000,-35.171226\n"), [
 *   [-14.625001, 0],
 *   [0, -35.171226],
 * ]);
 * assert.throws(() => parseMatrixText("1,2\n3\n", { file: "a.txt" }), MapFileSyntaxError);
 * ```
 */
export function parseMatrixText(text: string, options: ParseMatrixTextOptions = {}): Matrix {
  const file = options.file ?? "<input>";
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const rows: Matrix = [];
  let firstRowLine = 0;
  for (let l = 0; l < lines.length; l++) {
    const line = lines[l];
    const trimmed = line.trim();
    if (trimmed === "") continue;
    const location = { file, line: l + 1, text: line };
    const fields = trimmed.split(/\s*,\s*|\s+/);
    const row = fields.map((field, k) => {
      if (field === "") {
        throw new MapFileSyntaxError(`field ${k + 1} is empty`, location);
      }
      if (!DECIMAL.test(field)) {
        throw new MapFileSyntaxError(
          `field ${k + 1} must be a decimal number: found ${JSON.stringify(field)}`,
          location,
        );
      }
      const value = Number(field);
      if (!Number.isFinite(value)) {
        throw new MapFileSyntaxError(
          `field ${k + 1} must be a finite number: found ${JSON.stringify(field)}`,
          location,
        );
      }
      return value;
    });
    if (rows.length === 0) {
      firstRowLine = l + 1;
    } else if (row.length !== rows[0].length) {
      throw new MapFileSyntaxError(
        `row ${rows.length + 1} must have ${rows[0].length} values like the row on ` +
          `line ${firstRowLine}: found ${row.length}`,
        location,
      );
    }
    rows.push(row);
  }
  if (rows.length === 0) {
    throw new MapFileSyntaxError("expected at least one row of numbers: found none", {
      file,
      line: 1,
      text: lines[0],
    });
  }
  return rows;
}

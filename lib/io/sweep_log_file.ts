/**
 * The CSV file of a profiling sweep on disk: created with its header, or
 * (to resume) read and then appended to; each record is written as one whole
 * line the moment it is appended, so a run stopped at any point (Ctrl-C, a
 * crash) leaves every invocation it completed in the file.
 *
 * @module
 */

import type { ParsedLog } from "../logs/lambda_log_lines.ts";
import type { SweepRecord } from "../profile/profile_sweep.ts";
import { parseSweepCsv, sweepCsvHeader, sweepCsvLine } from "../profile/sweep_csv.ts";

/** Options of {@linkcode SweepLogFile.open}. */
export interface SweepLogFileOptions {
  /**
   * Read the file when it exists and append to it; without it the file must
   * not exist. @default {false}
   */
  resume?: boolean;
}

/** A sweep's CSV file, open for appending. */
export class SweepLogFile {
  /** The file's path. */
  readonly path: string;
  /** What the file held when it was opened (nothing for a new file). */
  readonly previous: ParsedLog<SweepRecord>;
  #file: Deno.FsFile;
  #encoder = new TextEncoder();

  private constructor(path: string, file: Deno.FsFile, previous: ParsedLog<SweepRecord>) {
    this.path = path;
    this.#file = file;
    this.previous = previous;
  }

  /**
   * Opens the file: creates it with the header, or with `resume` reads an
   * existing one (its records become `previous`) and appends after them.
   * The directory is created when missing.
   *
   * @param path The CSV file.
   * @param options Whether to resume.
   * @returns The open file.
   * @throws {Deno.errors.AlreadyExists} Without `resume`, when the file exists.
   * @throws {Deno.errors.NotADirectory} When a part of the path is a file.
   * @throws {SyntaxError} With `resume`, when the file has not a sweep's header.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   *
   * const dir = await Deno.makeTempDir();
   * const log = SweepLogFile.open(`${dir}/sweep.csv`);
   * log.close();
   * const again = SweepLogFile.open(`${dir}/sweep.csv`, { resume: true });
   * assert.deepEqual(again.previous, { records: [], skipped: [] });
   * again.close();
   * assert.throws(() => SweepLogFile.open(`${dir}/sweep.csv`), Deno.errors.AlreadyExists);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  static open(path: string, options: SweepLogFileOptions = {}): SweepLogFile {
    const slash = path.lastIndexOf("/");
    try {
      if (slash > 0) Deno.mkdirSync(path.slice(0, slash), { recursive: true });
    } catch (e) {
      // mkdir says EEXIST when a part of the path is a file.
      if (e instanceof Deno.errors.AlreadyExists) {
        throw new Deno.errors.NotADirectory(`a part of ${path} is a file`, { cause: e });
      }
      throw e;
    }
    let text: string | undefined;
    if (options.resume) {
      try {
        text = Deno.readTextFileSync(path);
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
    }
    if (text === undefined) {
      const file = Deno.openSync(path, { write: true, createNew: true });
      file.writeSync(new TextEncoder().encode(sweepCsvHeader() + "\n"));
      return new SweepLogFile(path, file, { records: [], skipped: [] });
    }
    const previous = parseSweepCsv(text);
    if (previous.skipped[0]?.line === 1) {
      throw new SyntaxError(
        `Cannot resume from ${path}: it is not a sweep's CSV file (${previous.skipped[0].reason})`,
      );
    }
    const file = Deno.openSync(path, { append: true });
    // A row cut short by a crash would glue onto the next one.
    if (text !== "" && !text.endsWith("\n")) file.writeSync(new TextEncoder().encode("\n"));
    return new SweepLogFile(path, file, previous);
  }

  /** Writes one record as a whole line, at once. */
  append(record: SweepRecord): void {
    const bytes = this.#encoder.encode(sweepCsvLine(record) + "\n");
    let written = 0;
    while (written < bytes.length) written += this.#file.writeSync(bytes.subarray(written));
  }

  /** Closes the file. */
  close(): void {
    this.#file.close();
  }
}

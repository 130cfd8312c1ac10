/**
 * The CSV file of a profiling sweep: one row per invocation, as
 * `deno task profile` appends them while it runs, and its parser, with which
 * `--resume` reads what earlier runs measured.
 *
 * Columns: {@linkcode SWEEP_COLUMNS}. Numbers as JavaScript prints them, an
 * empty field for a missing one (read back as `NaN`: a warm start's
 * `init_duration_ms`); `error` is quoted when it holds a comma or a quote
 * (RFC 4180, `"` doubled) and has its line ends replaced by spaces, so that a
 * row is one line and a run stopped part-way leaves whole rows.
 *
 * Pure: no I/O.
 *
 * @module
 */

import type { ParsedLog, SkippedLine } from "../logs/lambda_log_lines.ts";
import { SWEEP_PHASES, type SweepPhase, type SweepRecord } from "./profile_sweep.ts";

/** Header of the sweep's CSV file. */
export const SWEEP_COLUMNS = [
  "started_ms",
  "function_name",
  "memory_mb",
  "batch_size",
  "phase",
  "repeat",
  "status",
  "duration_ms",
  "billed_duration_ms",
  "init_duration_ms",
  "memory_size_mb",
  "max_memory_used_mb",
  "round_trip_ms",
  "request_id",
  "error",
] as const;

/**
 * The header line, without a line end.
 *
 * @returns The column names joined by commas.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.ok(sweepCsvHeader().startsWith("started_ms,function_name,memory_mb,batch_size,"));
 * ```
 */
export function sweepCsvHeader(): string {
  return SWEEP_COLUMNS.join(",");
}

function _field(text: string): string {
  const one = text.replace(/\r?\n|\r/g, " ");
  return /[",]/.test(one) ? `"${one.replaceAll('"', '""')}"` : one;
}

function _number(x: number): string {
  return Number.isFinite(x) ? String(x) : "";
}

/**
 * One record as a CSV row, without a line end.
 *
 * @param r The record.
 * @returns The row.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const row = sweepCsvLine({
 *   startedMs: 1700000000000, functionName: "f", memoryMb: 1024, batch: 4, phase: "measure",
 *   repeat: 2, status: "failed", durationMs: NaN, billedDurationMs: NaN, initDurationMs: NaN,
 *   memorySizeMb: NaN, maxMemoryUsedMb: NaN, roundTripMs: 12.5, requestId: "",
 *   error: 'FunctionError Unhandled: {"errorType":"Error"}',
 * });
 * assert.equal(row, '1700000000000,f,1024,4,measure,2,failed,,,,,,12.5,,"FunctionError Unhandled: {""errorType"":""Error""}"');
 * ```
 */
export function sweepCsvLine(r: SweepRecord): string {
  return [
    String(r.startedMs),
    _field(r.functionName),
    String(r.memoryMb),
    String(r.batch),
    r.phase,
    String(r.repeat),
    r.status,
    _number(r.durationMs),
    _number(r.billedDurationMs),
    _number(r.initDurationMs),
    _number(r.memorySizeMb),
    _number(r.maxMemoryUsedMb),
    _number(r.roundTripMs),
    _field(r.requestId),
    _field(r.error),
  ].join(",");
}

/** Splits one line into fields (RFC 4180 quoting); a string says what is wrong. */
function _splitLine(line: string): string[] | string {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let field = "";
      i++;
      for (;;) {
        if (i >= line.length) return "Unterminated quoted field";
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += line[i++];
      }
      fields.push(field);
      if (i === line.length) return fields;
      if (line[i] !== ",") return `Expected "," after a closing quote, found "${line[i]}"`;
      i++;
    } else {
      const comma = line.indexOf(",", i);
      if (comma < 0) {
        fields.push(line.slice(i));
        return fields;
      }
      fields.push(line.slice(i, comma));
      i = comma + 1;
    }
  }
}

const _DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Parses a sweep's CSV file: the records and the lines skipped with their
 * reasons (a wrong header skips everything, as line 1).
 *
 * @param text The file's content.
 * @returns The records in file order and the skipped lines.
 *
 * @example A round trip, and a row cut short by a crash
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const record = {
 *   startedMs: 1, functionName: "f", memoryMb: 2048, batch: 8, phase: "cold" as const,
 *   repeat: 0, status: "ok" as const, durationMs: 812.5, billedDurationMs: 813,
 *   initDurationMs: 250, memorySizeMb: 2048, maxMemoryUsedMb: 380, roundTripMs: 1090,
 *   requestId: "r-1", error: "",
 * };
 * const text = `${sweepCsvHeader()}\n${sweepCsvLine(record)}\n1,f,2048\n`;
 * const { records, skipped } = parseSweepCsv(text);
 * assert.deepEqual(records, [record]);
 * assert.equal(skipped[0].line, 3);
 * ```
 */
export function parseSweepCsv(text: string): ParsedLog<SweepRecord> {
  const lines = (text.startsWith("\uFEFF") ? text.slice(1) : text).split(/\r?\n/);
  const records: SweepRecord[] = [];
  const skipped: SkippedLine[] = [];
  const expected = sweepCsvHeader();
  if (lines[0] !== expected) {
    skipped.push({
      line: 1,
      text: lines[0] ?? "",
      reason: `Wrong header: expected columns "${expected}", found ${
        text === "" ? "an empty file" : `"${lines[0]}"`
      }`,
    });
    return { records, skipped };
  }
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n];
    if (line === "") continue;
    const skip = (reason: string) => skipped.push({ line: n + 1, text: line, reason });
    const fields = _splitLine(line);
    if (typeof fields === "string") {
      skip(fields);
      continue;
    }
    if (fields.length !== SWEEP_COLUMNS.length) {
      skip(`Expected ${SWEEP_COLUMNS.length} fields, found ${fields.length}`);
      continue;
    }
    const problem: string[] = [];
    const num = (i: number, required = false): number => {
      const f = fields[i];
      if (f === "" && !required) return NaN;
      if (!_DECIMAL.test(f)) {
        problem.push(`Column ${SWEEP_COLUMNS[i]}: expected a number, found "${f}"`);
        return NaN;
      }
      return Number(f);
    };
    const int = (i: number, min: number): number => {
      const x = num(i, true);
      if (problem.length === 0 && !(Number.isInteger(x) && x >= min)) {
        problem.push(
          `Column ${SWEEP_COLUMNS[i]}: expected an integer >= ${min}, found "${fields[i]}"`,
        );
      }
      return x;
    };
    const startedMs = num(0, true);
    const memoryMb = int(2, 1), batch = int(3, 1), repeat = int(5, 0);
    const phase = fields[4] as SweepPhase;
    if (!SWEEP_PHASES.includes(phase)) {
      problem.push(`Column phase: expected one of ${SWEEP_PHASES.join(", ")}, found "${phase}"`);
    }
    const status = fields[6];
    if (status !== "ok" && status !== "failed") {
      problem.push(`Column status: expected ok or failed, found "${status}"`);
    }
    const figures = [7, 8, 9, 10, 11, 12].map((i) => num(i));
    if (problem.length > 0) {
      skip(problem[0]);
      continue;
    }
    records.push({
      startedMs,
      functionName: fields[1],
      memoryMb,
      batch,
      phase,
      repeat,
      status: status as "ok" | "failed",
      durationMs: figures[0],
      billedDurationMs: figures[1],
      initDurationMs: figures[2],
      memorySizeMb: figures[3],
      maxMemoryUsedMb: figures[4],
      roundTripMs: figures[5],
      requestId: fields[13],
      error: fields[14],
    });
  }
  return { records, skipped };
}

/**
 * Parsers of this project's run logs, `requests.csv` and `batches.csv`, as
 * {@linkcode CsvRunLog} writes them: a header of {@linkcode REQUEST_COLUMNS}
 * or {@linkcode BATCH_COLUMNS}, numbers as JavaScript prints them (empty for a
 * missing value, read back as `NaN`), and CSV quoting (RFC 4180: `"` doubled
 * inside quotes, which may span lines) for the `error` column.
 *
 * A wrong header is reported as one skipped line 1, with the expected and the
 * found columns, and no records. A row with the wrong number of fields, a
 * value that is not a number, a `status` or `dispatch_reason` outside its
 * values, or an unterminated quote is skipped with its line number (the line
 * where the row starts) and the reason. Blank lines are ignored.
 *
 * Pure: no I/O.
 *
 * @module
 */

import { BATCH_COLUMNS, REQUEST_COLUMNS } from "../io/run_logs.ts";
import type { DispatchReason } from "../sim/batching_policy.ts";
import { type BatchRecord, RECORD_STATUSES, type RequestRecord } from "../sim/simulator.ts";
import type { ParsedLog, SkippedLine } from "./lambda_log_lines.ts";

interface _Row {
  line: number;
  text: string;
  fields?: string[];
  reason?: string;
}

/** Splits CSV text into rows (RFC 4180 quoting), with the line each row starts on. */
function* _csvRows(text: string): Generator<_Row> {
  let i = 0, line = 1;
  const n = text.length;
  while (i < n) {
    const start = i, startLine = line;
    const fields: string[] = [];
    let field = "", quoted = false, reason: string | undefined;
    for (;;) {
      if (i === n) {
        fields.push(field);
        break;
      }
      const c = text[i];
      if (quoted) {
        if (c === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
          } else {
            quoted = false;
            i++;
            const next = text[i];
            if (i < n && next !== "," && next !== "\n" && next !== "\r") {
              reason ??= `Expected "," or a line end after a closing quote, found "${next}"`;
            }
          }
          continue;
        }
        if (c === "\n") line++;
        field += c;
        i++;
        continue;
      }
      if (c === ",") {
        fields.push(field);
        field = "";
        i++;
      } else if (c === "\n" || c === "\r") {
        fields.push(field);
        break;
      } else if (c === '"' && field === "") {
        quoted = true;
        i++;
      } else {
        field += c;
        i++;
      }
    }
    if (quoted) reason = "Unterminated quoted field: the file ends inside quotes";
    const end = i;
    if (text[i] === "\r") i++;
    if (text[i] === "\n") {
      i++;
      line++;
    }
    const raw = text.slice(start, end);
    if (raw === "" && !quoted) continue; // blank line
    yield reason === undefined ? { line: startLine, text: raw, fields } : {
      line: startLine,
      text: raw,
      reason,
    };
  }
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

class _FieldError extends Error {}

function _number(column: string, text: string): number {
  if (text === "") return NaN;
  if (!DECIMAL.test(text)) {
    throw new _FieldError(
      `Column ${column}: expected a number or an empty field, found "${text}"`,
    );
  }
  return Number(text);
}

function _integer(column: string, text: string): number {
  const x = DECIMAL.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(x)) {
    throw new _FieldError(`Column ${column}: expected an integer, found "${text}"`);
  }
  return x;
}

function _oneOf<T extends string>(column: string, text: string, values: readonly T[]): T {
  if (!(values as readonly string[]).includes(text)) {
    throw new _FieldError(
      `Column ${column}: expected one of ${values.join(", ")}, found "${text}"`,
    );
  }
  return text as T;
}

const STATUSES = RECORD_STATUSES;
const REASONS: readonly DispatchReason[] = ["size", "timeout", "shutdown"];

function _parseCsv<T>(
  text: string,
  columns: readonly string[],
  build: (fields: string[]) => T,
): ParsedLog<T> {
  const records: T[] = [];
  const skipped: SkippedLine[] = [];
  const rows = _csvRows(text.startsWith("\uFEFF") ? text.slice(1) : text);
  const header = rows.next();
  const expected = columns.join(",");
  if (header.done || header.value.fields?.join(",") !== expected) {
    const found = header.done ? "an empty file" : `"${header.value.text}"`;
    skipped.push({
      line: 1,
      text: header.done ? "" : header.value.text,
      reason: `Wrong header: expected columns "${expected}", found ${found}`,
    });
    return { records, skipped };
  }
  for (const row of rows) {
    if (row.fields === undefined) {
      skipped.push({ line: row.line, text: row.text, reason: row.reason! });
      continue;
    }
    if (row.fields.length !== columns.length) {
      skipped.push({
        line: row.line,
        text: row.text,
        reason: `Expected ${columns.length} fields, found ${row.fields.length}`,
      });
      continue;
    }
    try {
      records.push(build(row.fields));
    } catch (e) {
      if (!(e instanceof _FieldError)) throw e;
      skipped.push({ line: row.line, text: row.text, reason: e.message });
    }
  }
  return { records, skipped };
}

/**
 * Parses `requests.csv` of a run directory into {@linkcode RequestRecord}s.
 *
 * @param text The file's content.
 * @returns The records (missing numbers as `NaN`) and the skipped lines.
 *
 * @example Two requests of one batch
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const csv = "request_id,arrival_sec,dispatch_sec,completion_sec,latency_sec,batch_id," +
 *   "batch_size,status,error\n" +
 *   "0,0.1,0.3,0.43,0.33,0,2,ok,\n" +
 *   '1,0.3,0.3,,,0,2,failed,"timeout, retried"\n';
 * const { records, skipped } = parseRequestsCsv(csv);
 * assert.deepEqual(records[1], {
 *   requestId: 1,
 *   arrivalSec: 0.3,
 *   dispatchSec: 0.3,
 *   completionSec: NaN,
 *   latencySec: NaN,
 *   batchId: 0,
 *   batchSize: 2,
 *   status: "failed",
 *   error: "timeout, retried",
 * });
 * assert.deepEqual(skipped, []);
 * ```
 */
export function parseRequestsCsv(text: string): ParsedLog<RequestRecord> {
  return _parseCsv(text, REQUEST_COLUMNS, (f) => ({
    requestId: _integer("request_id", f[0]),
    arrivalSec: _number("arrival_sec", f[1]),
    dispatchSec: _number("dispatch_sec", f[2]),
    completionSec: _number("completion_sec", f[3]),
    latencySec: _number("latency_sec", f[4]),
    batchId: _integer("batch_id", f[5]),
    batchSize: _integer("batch_size", f[6]),
    status: _oneOf("status", f[7], STATUSES),
    error: f[8],
  }));
}

/**
 * Parses `batches.csv` of a run directory into {@linkcode BatchRecord}s.
 *
 * @param text The file's content.
 * @returns The records (missing numbers as `NaN`) and the skipped lines.
 *
 * @example A wrong header
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const { records, skipped } = parseBatchesCsv("batch_id,size\n0,3\n");
 * assert.deepEqual(records, []);
 * assert.equal(skipped[0].line, 1);
 * assert.match(skipped[0].reason, /^Wrong header: expected columns "batch_id,size,first/);
 * ```
 */
export function parseBatchesCsv(text: string): ParsedLog<BatchRecord> {
  return _parseCsv(text, BATCH_COLUMNS, (f) => ({
    batchId: _integer("batch_id", f[0]),
    size: _integer("size", f[1]),
    firstArrivalSec: _number("first_arrival_sec", f[2]),
    deadlineSec: _number("deadline_sec", f[3]),
    dispatchSec: _number("dispatch_sec", f[4]),
    dispatchReason: _oneOf("dispatch_reason", f[5], REASONS),
    completionSec: _number("completion_sec", f[6]),
    latencySec: _number("latency_sec", f[7]),
    durationMs: _number("duration_ms", f[8]),
    billedDurationMs: _number("billed_duration_ms", f[9]),
    initDurationMs: _number("init_duration_ms", f[10]),
    memorySizeMb: _number("memory_size_mb", f[11]),
    maxMemoryUsedMb: _number("max_memory_used_mb", f[12]),
    clientWaitMs: _number("client_wait_ms", f[13]),
    costUsd: _number("cost_usd", f[14]),
    status: _oneOf("status", f[15], STATUSES),
    error: f[16],
  }));
}

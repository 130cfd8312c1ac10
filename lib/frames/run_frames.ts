/**
 * Run logs as nodejs-polars DataFrames: `requests.csv` and `batches.csv` of a
 * run directory (written by the simulator and the real-time buffer), the
 * simulator's in-memory columns, Lambda `REPORT` lines, and the logs of the
 * original buffer.py.
 *
 * Columns are the logs' snake_case, unit-suffixed names. Times are Float64
 * seconds (`*_sec`) or milliseconds where Lambda reports them so
 * (`*_ms`), memory Float64 MB (`*_mb`), money Float64 USD (`*_usd`); ids are
 * Int64, batch sizes Int32; `status`, `dispatch_reason`, `error` and Lambda
 * request ids are Utf8. A value missing in the log (an empty CSV field, a
 * NaN in the simulator's columns, a warm start's `Init Duration`) is null,
 * never NaN.
 *
 * Every text loader returns the frame and the lines its parser skipped (line
 * number, text, reason), as the parsers of `lib/logs/` report them: a
 * malformed line never throws. The CSV loaders read the well-formed rows
 * straight into typed arrays, and hand every other row (quoted fields, wrong
 * field counts, bad values) to {@linkcode parseRequestsCsv} or
 * {@linkcode parseBatchesCsv}, so frames and skipped lines are the same as
 * those parsers', at a fraction of the time. One addition: a row whose id
 * or batch size the parser takes but the frame cannot hold (an id beyond
 * ±(2^53 - 1), a size beyond Int32) is skipped too, with that reason.
 *
 * @module
 */

import pl from "nodejs-polars";
import { BATCH_COLUMNS, REQUEST_COLUMNS } from "../io/run_logs.ts";
import {
  type BufferPyBatchRecord,
  type BufferPyRequestRecord,
  parseBufferPyBatchLog,
  parseBufferPyLambdaLog,
  parseBufferPyRequestLog,
} from "../logs/buffer_py_logs.ts";
import {
  type LambdaLogRecord,
  type LambdaReportRecord,
  type ParsedLog,
  parseLambdaLog,
  type SkippedLine,
} from "../logs/lambda_log_lines.ts";
import { parseBatchesCsv, parseRequestsCsv } from "../logs/run_csv.ts";
import type { BatchColumns, RequestColumns } from "../sim/column_sink.ts";
import { type BatchRecord, RECORD_STATUSES, type RequestRecord } from "../sim/simulator.ts";
import type { DataFrame } from "./polars_frames.ts";

/** A frame read from a log, and the lines the log's parser skipped. */
export interface LoadedFrame {
  /** The records that parsed, one row each, in the order of the log. */
  frame: DataFrame;
  /** Malformed lines (1-based line number, text, reason), in the order of the log. */
  skipped: SkippedLine[];
}

/** The frames of a run directory, from {@linkcode readRunFrames}. */
export interface RunFrames {
  /** `requests.csv`, as {@linkcode requestsFrame} reads it. */
  requests: DataFrame;
  /** `batches.csv`, as {@linkcode batchesFrame} reads it. */
  batches: DataFrame;
  /** `run.json` (configuration, seed, versions, summary), or `undefined` when the run has none. */
  run: Record<string, unknown> | undefined;
  /** Lines of the two CSV files that were skipped. */
  skipped: { requests: SkippedLine[]; batches: SkippedLine[] };
}

type _Kind = "float" | "int64" | "int32" | "status" | "reason" | "text";

const _DTYPES = {
  float: pl.Float64,
  int64: pl.Int64,
  int32: pl.Int32,
  status: pl.Utf8,
  reason: pl.Utf8,
  text: pl.Utf8,
} as const;

const _ALLOWED: Partial<Record<_Kind, readonly string[]>> = {
  status: RECORD_STATUSES,
  reason: ["size", "timeout", "shutdown"],
};

const _REQUEST_KINDS: readonly _Kind[] = [
  "int64", // request_id
  "float", // arrival_sec
  "float", // dispatch_sec
  "float", // completion_sec
  "float", // latency_sec
  "int64", // batch_id
  "int32", // batch_size
  "status", // status
  "text", // error
];

const _BATCH_KINDS: readonly _Kind[] = [
  "int64", // batch_id
  "int32", // size
  "float", // first_arrival_sec
  "float", // deadline_sec
  "float", // dispatch_sec
  "reason", // dispatch_reason
  "float", // completion_sec
  "float", // latency_sec
  "float", // duration_ms
  "float", // billed_duration_ms
  "float", // init_duration_ms
  "float", // memory_size_mb
  "float", // max_memory_used_mb
  "float", // client_wait_ms
  "float", // cost_usd
  "status", // status
  "text", // error
];

/** Column values of one record, in the order of the log's columns. */
type _Row = (number | string)[];

function _requestRow(r: RequestRecord): _Row {
  return [
    r.requestId,
    r.arrivalSec,
    r.dispatchSec,
    r.completionSec,
    r.latencySec,
    r.batchId,
    r.batchSize,
    r.status,
    r.error,
  ];
}

function _batchRow(b: BatchRecord): _Row {
  return [
    b.batchId,
    b.size,
    b.firstArrivalSec,
    b.deadlineSec,
    b.dispatchSec,
    b.dispatchReason,
    b.completionSec,
    b.latencySec,
    b.durationMs,
    b.billedDurationMs,
    b.initDurationMs,
    b.memorySizeMb,
    b.maxMemoryUsedMb,
    b.clientWaitMs,
    b.costUsd,
    b.status,
    b.error,
  ];
}

/**
 * Collects columns: numbers in Float64Arrays (NaN for missing), strings as
 * dictionary codes, and turns them into a DataFrame of the given dtypes.
 */
class _ColumnBuilder {
  rows = 0;
  capacity: number;
  readonly names: readonly string[];
  readonly kinds: readonly _Kind[];
  readonly numbers: Float64Array[] = [];
  readonly codes: Uint32Array[] = [];
  readonly dictionaries: Map<string, number>[] = [];
  /** Whether a numeric column holds a NaN (to become null). */
  readonly missing: boolean[];
  /** The last string set in each string column, and its code. */
  readonly lastText: string[];
  readonly lastCode: number[];

  constructor(names: readonly string[], kinds: readonly _Kind[], capacity: number) {
    this.names = names;
    this.kinds = kinds;
    this.capacity = Math.max(16, capacity);
    this.missing = kinds.map(() => false);
    // "," never matches a field of the fast path, which splits at commas.
    this.lastText = kinds.map(() => ",");
    this.lastCode = kinds.map(() => 0);
    kinds.forEach((kind, j) => {
      if (_DTYPES[kind] === pl.Utf8) {
        this.codes[j] = new Uint32Array(this.capacity);
        this.dictionaries[j] = new Map();
      } else this.numbers[j] = new Float64Array(this.capacity);
    });
  }

  /** Makes room for one more row. */
  reserve(): void {
    if (this.rows < this.capacity) return;
    this.capacity *= 2;
    this.kinds.forEach((_, j) => {
      if (this.numbers[j]) {
        const bigger = new Float64Array(this.capacity);
        bigger.set(this.numbers[j]);
        this.numbers[j] = bigger;
      } else {
        const bigger = new Uint32Array(this.capacity);
        bigger.set(this.codes[j]);
        this.codes[j] = bigger;
      }
    });
  }

  setNumber(column: number, row: number, x: number): void {
    if (x !== x) this.missing[column] = true;
    this.numbers[column][row] = x;
  }

  setString(column: number, row: number, text: string): void {
    const dictionary = this.dictionaries[column];
    let code = dictionary.get(text);
    if (code === undefined) dictionary.set(text, code = dictionary.size);
    this.codes[column][row] = code;
    this.lastText[column] = text;
    this.lastCode[column] = code;
  }

  /** Appends a whole row of values. */
  push(values: _Row): void {
    this.reserve();
    const row = this.rows++;
    values.forEach((v, j) => {
      if (this.numbers[j]) this.setNumber(j, row, v as number);
      else this.setString(j, row, v as string);
    });
  }

  frame(): DataFrame {
    const n = this.rows;
    const raw: pl.Series[] = [];
    const exprs: pl.Expr[] = [];
    this.kinds.forEach((kind, j) => {
      const name = this.names[j];
      const dtype = _DTYPES[kind];
      if (this.numbers[j]) {
        raw.push(pl.Series(name, this.numbers[j].subarray(0, n), pl.Float64));
        let e = pl.col(name);
        if (this.missing[j]) e = e.fillNan(null);
        if (dtype !== pl.Float64) e = e.cast(dtype);
        if (this.missing[j] || dtype !== pl.Float64) exprs.push(e.alias(name));
        return;
      }
      const values = [...this.dictionaries[j].keys()];
      if (n === 0) {
        raw.push(pl.Series(name, [], pl.Utf8));
        return;
      }
      raw.push(pl.Series(name, this.codes[j].subarray(0, n)));
      exprs.push(
        values.length === 1
          ? pl.lit(values[0]).alias(name)
          : pl.col(name).replaceStrict(values.map((_, i) => i), values).alias(name),
      );
    });
    const df = pl.DataFrame(raw);
    return exprs.length > 0 ? df.withColumns(...exprs) : df;
  }
}

const _COMMA = 44, _QUOTE = 34, _LF = 10, _CR = 13, _DOT = 46, _PLUS = 43, _MINUS = 45;

/**
 * The number in `text[a, b)` if it matches the parsers' DECIMAL,
 * `^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$`, else NaN.
 *
 * Without a regular expression: `Number()` accepts exactly DECIMAL, plus
 * surrounding white space, `Infinity` with an optional sign, and `0x`, `0b`,
 * `0o` integers (ECMA-262, StringNumericLiteral). A first character in
 * `[0-9+-.]` and a last one in `[0-9.]` rule out the white space and
 * `Infinity`; a second character other than `x`, `b`, `o` (either case) rules
 * out the rest. Unsigned integers of up to 15 digits are read digit by digit.
 */
function _decimal(text: string, a: number, b: number): number {
  if (b <= a) return NaN;
  if (b - a <= 15) {
    let x = 0, i = a;
    for (; i < b; i++) {
      const c = text.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      x = x * 10 + c;
    }
    if (i === b) return x;
  }
  const first = text.charCodeAt(a), last = text.charCodeAt(b - 1);
  if (!((first >= 48 && first <= 57) || first === _PLUS || first === _MINUS || first === _DOT)) {
    return NaN;
  }
  if (!((last >= 48 && last <= 57) || last === _DOT)) return NaN;
  if (b - a > 1) {
    const second = text.charCodeAt(a + 1) | 32; // lower case
    if (second === 120 || second === 98 || second === 111) return NaN; // x, b, o
  }
  return +text.slice(a, b);
}

/**
 * Where the CSV row starting at `start` ends (its unquoted `\n` or `\r`, or
 * the end of the text), following the quoting rules of `run_csv.ts`: a quote
 * opens a quoted field only at the start of a field, `""` inside quotes is a
 * quote.
 */
function _rowEnd(text: string, start: number): number {
  const n = text.length;
  let i = start, quoted = false, fieldEmpty = true;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (quoted) {
      if (c === _QUOTE) {
        if (text.charCodeAt(i + 1) === _QUOTE) {
          fieldEmpty = false;
          i += 2;
        } else {
          quoted = false;
          i++;
        }
      } else {
        fieldEmpty = false;
        i++;
      }
    } else if (c === _COMMA) {
      fieldEmpty = true;
      i++;
    } else if (c === _LF || c === _CR) return i;
    else if (c === _QUOTE && fieldEmpty) {
      quoted = true;
      i++;
    } else {
      fieldEmpty = false;
      i++;
    }
  }
  return n;
}

/**
 * Reads the fields of a row without quotes into the builder; returns false
 * (leaving the row unwritten) on anything the fast path does not accept.
 */
function _fastRow(
  text: string,
  start: number,
  end: number,
  builder: _ColumnBuilder,
): boolean {
  const kinds = builder.kinds, last = kinds.length - 1, row = builder.rows;
  let p = start;
  for (let j = 0; j <= last; j++) {
    let e: number;
    if (j < last) {
      e = text.indexOf(",", p);
      if (e < 0 || e >= end) return false;
    } else {
      const extra = text.indexOf(",", p);
      if (extra >= 0 && extra < end) return false;
      e = end;
    }
    const kind = kinds[j];
    if (kind === "float") {
      const x = e === p ? NaN : _decimal(text, p, e);
      if (x !== x && e !== p) return false;
      builder.setNumber(j, row, x);
    } else if (kind === "int64" || kind === "int32") {
      const x = _decimal(text, p, e);
      if (!Number.isInteger(x) || _intRangeError(kind, "", x) !== undefined) return false;
      builder.setNumber(j, row, x);
    } else {
      const last = builder.lastText[j];
      if (e - p === last.length && text.startsWith(last, p)) {
        builder.codes[j][row] = builder.lastCode[j];
      } else {
        const value = text.slice(p, e);
        const allowed = _ALLOWED[kind];
        if (allowed && !allowed.includes(value)) return false;
        builder.setString(j, row, value);
      }
    }
    p = e + 1;
  }
  return true;
}

/**
 * Why an integer the parsers took does not fit its column (Int64 columns hold
 * what JavaScript numbers represent exactly), or `undefined` if it fits.
 */
function _intRangeError(kind: _Kind, name: string, x: number): string | undefined {
  if (kind === "int64" && !Number.isSafeInteger(x)) {
    return `Column ${name}: expected an integer within ±${Number.MAX_SAFE_INTEGER} ` +
      `(exact as a JavaScript number), found ${x}`;
  }
  if (kind === "int32" && !(x >= -(2 ** 31) && x < 2 ** 31)) {
    return `Column ${name}: expected an integer within the Int32 range, found ${x}`;
  }
  return undefined;
}

/** The first value of a row that does not fit its column, as a reason. */
function _rowRangeError(builder: _ColumnBuilder, values: _Row): string | undefined {
  for (let j = 0; j < values.length; j++) {
    const reason = _intRangeError(builder.kinds[j], builder.names[j], values[j] as number);
    if (reason !== undefined) return reason;
  }
  return undefined;
}

function _countLines(text: string): number {
  let count = 1;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) count++;
  return count;
}

function _loadRunCsv<T>(
  text: string,
  columns: readonly string[],
  kinds: readonly _Kind[],
  parse: (text: string) => ParsedLog<T>,
  row: (record: T) => _Row,
): LoadedFrame {
  const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const header = columns.join(",");
  const skipped: SkippedLine[] = [];
  const n = body.length;
  // The header: the first row that is not blank, as the parser finds it.
  let pos = 0, line = 1, headerEnd = _rowEnd(body, 0);
  while (headerEnd === pos && pos < n) {
    if (body.charCodeAt(pos) === _CR) pos++;
    if (body.charCodeAt(pos) === _LF) {
      pos++;
      line++;
    }
    headerEnd = _rowEnd(body, pos);
  }
  const headerText = body.slice(pos, headerEnd);
  if (headerText !== header && (headerText === "" || parse(headerText).skipped.length > 0)) {
    // A wrong header: the parser reports it, and reads no rows.
    return { frame: new _ColumnBuilder(columns, kinds, 0).frame(), skipped: parse(body).skipped };
  }
  for (let i = headerText.indexOf("\n"); i >= 0; i = headerText.indexOf("\n", i + 1)) line++;
  pos = headerEnd;
  if (body.charCodeAt(pos) === _CR) pos++;
  if (body.charCodeAt(pos) === _LF) {
    pos++;
    line++;
  }
  const builder = new _ColumnBuilder(columns, kinds, _countLines(body));
  const slowRow = (rowText: string, rowLine: number): void => {
    if (rowText === "") return;
    const parsed = parse(`${header}\n${rowText}`);
    for (const record of parsed.records) {
      const values = row(record);
      const reason = _rowRangeError(builder, values);
      if (reason === undefined) builder.push(values);
      else skipped.push({ line: rowLine, text: rowText, reason });
    }
    for (const s of parsed.skipped) skipped.push({ ...s, line: s.line - 2 + rowLine });
  };
  let nextQuote = body.indexOf('"', pos), nextCr = body.indexOf("\r", pos);
  while (pos < n) {
    let lineEnd = body.indexOf("\n", pos);
    const next = lineEnd < 0 ? n : lineEnd + 1;
    if (lineEnd < 0) lineEnd = n;
    let end = lineEnd;
    if (end > pos && body.charCodeAt(end - 1) === _CR) end--;
    if (nextQuote >= 0 && nextQuote < pos) nextQuote = body.indexOf('"', pos);
    if (nextCr >= 0 && nextCr < pos) nextCr = body.indexOf("\r", pos);
    const plain = !(nextQuote >= 0 && nextQuote < end) && !(nextCr >= 0 && nextCr < end);
    if (plain) {
      if (end > pos) {
        builder.reserve();
        if (_fastRow(body, pos, end, builder)) {
          builder.rows++;
        } else {
          slowRow(body.slice(pos, end), line);
        }
      }
      pos = next;
      line++;
      continue;
    }
    // Quotes or a bare carriage return: the row may span lines; the parser reads it.
    const rowEnd = _rowEnd(body, pos);
    const rowText = body.slice(pos, rowEnd);
    slowRow(rowText, line);
    for (let i = rowText.indexOf("\n"); i >= 0; i = rowText.indexOf("\n", i + 1)) line++;
    pos = rowEnd;
    if (body.charCodeAt(pos) === _CR) pos++;
    if (body.charCodeAt(pos) === _LF) {
      pos++;
      line++;
    }
  }
  return { frame: builder.frame(), skipped };
}

/**
 * Reads `requests.csv` of a run directory into a DataFrame.
 *
 * Columns: `request_id` Int64, `arrival_sec` Float64, `dispatch_sec` Float64,
 * `completion_sec` Float64, `latency_sec` Float64 (null when the request
 * failed without completing), `batch_id` Int64, `batch_size` Int32, `status`
 * Utf8 (`ok`, `failed` or `abandoned`), `error` Utf8 (empty when ok).
 *
 * @param text The file's content.
 * @returns The frame and the skipped lines, as {@linkcode parseRequestsCsv} reports them.
 *
 * @example A good row and a malformed one
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const header = "request_id,arrival_sec,dispatch_sec,completion_sec,latency_sec,batch_id," +
 *   "batch_size,status,error";
 * const csv = `${header}\n0,0.1,0.3,0.43,0.33,0,1,ok,\n1,x,,,,1,1,ok,\n`;
 * const { frame, skipped } = requestsFrame(csv);
 * assert.equal(frame.height, 1);
 * assert.equal(frame.getColumn("latency_sec").get(0), 0.33);
 * assert.deepEqual(skipped.map((s) => s.line), [3]);
 * ```
 */
export function requestsFrame(text: string): LoadedFrame {
  return _loadRunCsv(text, REQUEST_COLUMNS, _REQUEST_KINDS, parseRequestsCsv, _requestRow);
}

/**
 * Reads `batches.csv` of a run directory into a DataFrame.
 *
 * Columns: `batch_id` Int64, `size` Int32, `first_arrival_sec`,
 * `deadline_sec`, `dispatch_sec` Float64, `dispatch_reason` Utf8 (`size`,
 * `timeout` or `shutdown`), `completion_sec`, `latency_sec` (completion minus
 * the first arrival), `duration_ms`, `billed_duration_ms`,
 * `init_duration_ms` (0 on a warm start), `memory_size_mb`,
 * `max_memory_used_mb` (null in simulated runs), `client_wait_ms` (the invocation's wait
 * for a connection in the client; null where not measured), `cost_usd` Float64, `status`
 * Utf8 (`ok`, `failed` or `abandoned`), `error` Utf8. Numbers the log leaves empty are null.
 *
 * @param text The file's content.
 * @returns The frame and the skipped lines, as {@linkcode parseBatchesCsv} reports them.
 */
export function batchesFrame(text: string): LoadedFrame {
  return _loadRunCsv(text, BATCH_COLUMNS, _BATCH_KINDS, parseBatchesCsv, _batchRow);
}

function _fromColumns(
  what: string,
  columns: Readonly<Record<string, unknown>>,
  names: readonly string[],
  kinds: readonly _Kind[],
): DataFrame {
  let n = -1;
  for (const name of names) {
    const values = columns[name] as ArrayLike<unknown> | undefined;
    if (values === undefined || typeof values.length !== "number") {
      throw new TypeError(
        `Cannot build the ${what} frame as column '${name}' is missing: found columns ` +
          Object.keys(columns).join(", "),
      );
    }
    if (n >= 0 && values.length !== n) {
      throw new TypeError(
        `Cannot build the ${what} frame as column '${name}' has ${values.length} values: ` +
          `expected ${n}, as the columns before it`,
      );
    }
    n = values.length;
  }
  // The numeric arrays go to polars as they are (checked, not copied); strings are coded.
  const builder = new _ColumnBuilder(names, kinds, 0);
  names.forEach((name, j) => {
    const kind = kinds[j];
    if (_DTYPES[kind] === pl.Utf8) {
      const values = columns[name] as ArrayLike<string>;
      const allowed = _ALLOWED[kind];
      const codes = builder.codes[j] = new Uint32Array(n);
      let last: string | undefined, lastCode = 0;
      for (let i = 0; i < n; i++) {
        const v = values[i];
        if (v === last) {
          codes[i] = lastCode;
          continue;
        }
        if (typeof v !== "string" || (allowed && !allowed.includes(v))) {
          throw new TypeError(
            `Cannot build the ${what} frame as column '${name}' must hold ` +
              (allowed ? `one of ${allowed.join(", ")}` : "strings") +
              `: found ${JSON.stringify(v)} at row ${i}`,
          );
        }
        builder.setString(j, i, v);
        last = v;
        lastCode = codes[i];
      }
      return;
    }
    const given = columns[name] as ArrayLike<number>;
    const values = builder.numbers[j] = given instanceof Float64Array
      ? given
      : Float64Array.from(given);
    let missing = false;
    for (let i = 0; i < n; i++) {
      const x = values[i];
      if (x !== x) missing = true;
      else if (kind !== "float" && !Number.isInteger(x)) {
        throw new RangeError(
          `Cannot build the ${what} frame as column '${name}' must hold integers: ` +
            `found ${x} at row ${i}`,
        );
      } else if (kind !== "float" && _intRangeError(kind, name, x) !== undefined) {
        throw new RangeError(
          `Cannot build the ${what} frame as column '${name}' must hold integers within ` +
            `${kind === "int64" ? "±(2^53 - 1)" : "the Int32 range"}: found ${x} at row ${i}`,
        );
      }
    }
    builder.missing[j] = missing;
  });
  builder.rows = builder.capacity = n;
  return builder.frame();
}

/**
 * The request columns of a {@linkcode ColumnSink} (a simulation kept in
 * memory) as a DataFrame with the columns and dtypes of
 * {@linkcode requestsFrame}; NaN becomes null.
 *
 * @param columns The columns, e.g. `sink.requests()`.
 * @returns The frame.
 * @throws {TypeError} If a column is missing, the lengths differ, or a
 * `status` is neither `ok` nor `failed`.
 * @throws {RangeError} If an id or batch size is not an integer.
 */
export function requestsFrameFromColumns(columns: RequestColumns): DataFrame {
  return _fromColumns(
    "requests",
    columns as unknown as Record<string, unknown>,
    REQUEST_COLUMNS,
    _REQUEST_KINDS,
  );
}

/**
 * The batch columns of a {@linkcode ColumnSink} as a DataFrame with the
 * columns and dtypes of {@linkcode batchesFrame}; NaN becomes null.
 *
 * @param columns The columns, e.g. `sink.batches()`.
 * @returns The frame.
 * @throws {TypeError} If a column is missing, the lengths differ, or a
 * `status` or `dispatch_reason` is outside its values.
 * @throws {RangeError} If an id or batch size is not an integer.
 */
export function batchesFrameFromColumns(columns: BatchColumns): DataFrame {
  return _fromColumns(
    "batches",
    columns as unknown as Record<string, unknown>,
    BATCH_COLUMNS,
    _BATCH_KINDS,
  );
}

/**
 * Reads a run directory (`--out` of `deno task simulate` or `deno task
 * buffer`): `requests.csv`, `batches.csv` and, when present, `run.json`.
 *
 * @param dir The run directory.
 * @returns The two frames, the parsed `run.json` and the skipped CSV lines.
 * @throws {Deno.errors.NotFound} If `requests.csv` or `batches.csv` is missing.
 * @throws {SyntaxError} If `run.json` is not a JSON object.
 */
export async function readRunFrames(dir: string): Promise<RunFrames> {
  const [requestsText, batchesText, runText] = await Promise.all([
    Deno.readTextFile(`${dir}/requests.csv`),
    Deno.readTextFile(`${dir}/batches.csv`),
    Deno.readTextFile(`${dir}/run.json`).catch((e) => {
      if (e instanceof Deno.errors.NotFound) return undefined;
      throw e;
    }),
  ]);
  const requests = requestsFrame(requestsText);
  const batches = batchesFrame(batchesText);
  return {
    requests: requests.frame,
    batches: batches.frame,
    run: runText === undefined ? undefined : _runJson(runText, `${dir}/run.json`),
    skipped: { requests: requests.skipped, batches: batches.skipped },
  };
}

function _runJson(text: string, path: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new SyntaxError(`Cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new SyntaxError(`Cannot read ${path}: expected a JSON object, found ${text.trim()}`);
  }
  return value as Record<string, unknown>;
}

const _REPORT_COLUMNS = [
  "request_id",
  "duration_ms",
  "billed_duration_ms",
  "memory_size_mb",
  "max_memory_used_mb",
  "init_duration_ms",
  "time_sec",
] as const;

function _reportsFrame(parsed: ParsedLog<LambdaLogRecord>): LoadedFrame {
  const reports = parsed.records.filter((r): r is LambdaReportRecord => r.kind === "report");
  const kinds: _Kind[] = ["text", "float", "float", "float", "float", "float", "float"];
  const builder = new _ColumnBuilder(_REPORT_COLUMNS, kinds, reports.length);
  for (const r of reports) {
    builder.push([
      r.requestId,
      r.durationMs,
      r.billedDurationMs,
      r.memorySizeMb,
      r.maxMemoryUsedMb,
      r.initDurationMs ?? NaN,
      r.time === undefined ? NaN : Date.parse(r.time) / 1000,
    ]);
  }
  return { frame: builder.frame(), skipped: parsed.skipped };
}

/**
 * The `REPORT` lines of a Lambda log (text format, JSON `platform.report`
 * events, or both mixed), as {@linkcode parseLambdaLog} reads them, one row
 * per report. Other platform lines (`START`, `END`) and the function's own
 * output are left out.
 *
 * Columns: `request_id` Utf8, `duration_ms`, `billed_duration_ms`,
 * `memory_size_mb`, `max_memory_used_mb` Float64, `init_duration_ms` Float64
 * (null on a warm start), `time_sec` Float64 (seconds since the Unix epoch of
 * a JSON event's `time`; null for text lines or an unreadable time).
 *
 * @param text The log.
 * @returns The frame and the malformed platform lines.
 *
 * @example A cold and a warm start
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const log = [
 *   "REPORT RequestId: a\tDuration: 102.25 ms\tBilled Duration: 103 ms\t" +
 *   "Memory Size: 3008 MB\tMax Memory Used: 512 MB\tInit Duration: 250.12 ms",
 *   "REPORT RequestId: b\tDuration: 99.5 ms\tBilled Duration: 100 ms\t" +
 *   "Memory Size: 3008 MB\tMax Memory Used: 515 MB",
 * ].join("\n");
 * const { frame } = lambdaReportsFrame(log);
 * assert.deepEqual(frame.getColumn("init_duration_ms").toArray(), [250.12, null]);
 * ```
 */
export function lambdaReportsFrame(text: string): LoadedFrame {
  return _reportsFrame(parseLambdaLog(text));
}

/**
 * The `REPORT` records of buffer.py's `Lambda_logs_...` file (log tails as
 * text or as Python bytes reprs), as {@linkcode parseBufferPyLambdaLog} reads
 * them, with the columns of {@linkcode lambdaReportsFrame}.
 *
 * @param text The file's content.
 * @returns The frame and the malformed platform lines.
 */
export function bufferPyLambdaReportsFrame(text: string): LoadedFrame {
  return _reportsFrame(parseBufferPyLambdaLog(text));
}

/**
 * buffer.py's `Latency_perbatch_...` file, as {@linkcode parseBufferPyBatchLog}
 * reads it.
 *
 * Columns: `size` Int32 (the batch size, named as in `batches.csv`),
 * `latency_sec` Float64 (what the function returned as the batch's latency,
 * converted from ms: not the `latency_sec` of `batches.csv`, which runs from
 * the batch's first arrival).
 *
 * @param text The file's content.
 * @returns The frame and the skipped lines.
 */
export function bufferPyBatchesFrame(text: string): LoadedFrame {
  const parsed = parseBufferPyBatchLog(text);
  const builder = new _ColumnBuilder(
    ["size", "latency_sec"],
    ["int32", "float"],
    parsed.records.length,
  );
  for (const r of parsed.records as BufferPyBatchRecord[]) {
    builder.push([r.batchSize, r.latencySec]);
  }
  return { frame: builder.frame(), skipped: parsed.skipped };
}

/**
 * buffer.py's `Latency_per_request_...` file, as
 * {@linkcode parseBufferPyRequestLog} reads it.
 *
 * Columns: `latency_sec` Float64 (wait in the buffer plus the batch latency),
 * `batch_size` Int32, `timestamp_raw` Float64 (as the original writes it,
 * centiseconds since the epoch plus the wait in ms, so in mixed units and not
 * converted; null when the line has none). There is no `status` column: the
 * file only holds completed requests.
 *
 * @param text The file's content.
 * @returns The frame and the skipped lines.
 */
export function bufferPyRequestsFrame(text: string): LoadedFrame {
  const parsed = parseBufferPyRequestLog(text);
  const builder = new _ColumnBuilder(
    ["latency_sec", "batch_size", "timestamp_raw"],
    ["float", "int32", "float"],
    parsed.records.length,
  );
  for (const r of parsed.records as BufferPyRequestRecord[]) {
    builder.push([r.latencySec, r.batchSize, r.timestampRaw ?? NaN]);
  }
  return { frame: builder.frame(), skipped: parsed.skipped };
}

/**
 * Parsers of the AWS Lambda platform log lines that frame every invocation,
 * in both of Lambda's log formats:
 *
 * - text: `START RequestId: <id> Version: $LATEST`, `END RequestId: <id>` and
 *   `REPORT RequestId: <id>\tDuration: 102.25 ms\tBilled Duration: 103 ms\t`
 *   `Memory Size: 3008 MB\tMax Memory Used: 512 MB\tInit Duration: 250.12 ms`
 *   (`Init Duration` only on cold starts). Fields are separated by tabs; runs
 *   of spaces (or single spaces, as a copy from a console leaves them) work
 *   too. Fields this module does not model (`Restore Duration`, `Status`, ...)
 *   are ignored;
 * - JSON: one object a line, `{"time", "type": "platform.report", "record":
 *   {"requestId", "metrics": {"durationMs", "billedDurationMs", "memorySizeMB",
 *   "maxMemoryUsedMB", "initDurationMs"?}}}`, and `platform.start` (read as a
 *   `start` record) and `platform.runtimeDone` (read as an `end` record).
 *
 * Other lines (the function's own output, `INIT_START`, `XRAY`, other
 * `platform.*` events) are not records: the parsers return `undefined` for
 * them, or leave them out. A line that is a platform line (it starts with
 * `START`, `END` or `REPORT` followed by `RequestId`, or is JSON with a `type`
 * of `platform.start`, `platform.runtimeDone` or `platform.report`) but lacks
 * a field or has a value that is not a number is malformed: it is skipped,
 * with its line number and the reason. No parser here throws on a bad line.
 *
 * Pure: no I/O.
 *
 * @module
 */

/** A line a parser left out, and why. */
export interface SkippedLine {
  /** 1-based line number (of the line where the record starts). */
  line: number;
  /** The line as found, without its line end. */
  text: string;
  /** What is wrong with it. */
  reason: string;
}

/** What a log parser returns: the records it read and the lines it skipped. */
export interface ParsedLog<T> {
  /** The records, in the order of the input. */
  records: T[];
  /** Malformed lines, in the order of the input. */
  skipped: SkippedLine[];
}

/** A `START` line or a `platform.start` event. */
export interface LambdaStartRecord {
  kind: "start";
  requestId: string;
  /** Function version (`$LATEST` or a number), when the line has one. */
  version: string | undefined;
  /** ISO 8601 time of the event (JSON format only). */
  time?: string;
}

/** An `END` line or a `platform.runtimeDone` event. */
export interface LambdaEndRecord {
  kind: "end";
  requestId: string;
  /** ISO 8601 time of the event (JSON format only). */
  time?: string;
  /** `success`, `error`, `timeout`, ... (`platform.runtimeDone` only). */
  status?: string;
}

/** A `REPORT` line or a `platform.report` event. */
export interface LambdaReportRecord {
  kind: "report";
  requestId: string;
  /** Duration of the invocation, ms. */
  durationMs: number;
  /** Billed duration, ms. */
  billedDurationMs: number;
  /** Memory configured, MB. */
  memorySizeMb: number;
  /** Peak memory used, MB. */
  maxMemoryUsedMb: number;
  /** Initialisation of a new instance, ms; `undefined` on a warm start. */
  initDurationMs: number | undefined;
  /** ISO 8601 time of the event (JSON format only). */
  time?: string;
}

/** One platform record of a Lambda log. */
export type LambdaLogRecord = LambdaStartRecord | LambdaEndRecord | LambdaReportRecord;

/**
 * What one line is: a record, a malformed platform line (with the reason), or
 * `undefined` for a line that is not a platform line.
 */
export type LambdaLogLineResult = { record: LambdaLogRecord } | { reason: string } | undefined;

const TEXT_PLATFORM = /^(START|END|REPORT)\s+RequestId\b/;
const JSON_PLATFORM = /"type"\s*:\s*"platform\.(start|runtimeDone|report)"/;
// Known keys of the text format, longest first so that "Billed Duration" wins over "Duration".
const TEXT_FIELD = new RegExp(
  "(?<=^|\\s)(Billed Restore Duration|Restore Duration|Billed Duration|Init Duration|" +
    "Max Memory Used|Memory Size|Duration|RequestId|Version|Status|Error Type):" +
    "[ \\t]*(\\S*)(?:[ \\t]+(ms|MB)(?=\\s|$))?",
  "g",
);
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Parses a non-negative decimal number, or returns `undefined`. */
function _nonNegative(text: string): number | undefined {
  if (!DECIMAL.test(text)) return undefined;
  const x = Number(text);
  return Number.isFinite(x) && x >= 0 ? x : undefined;
}

function _inspectText(line: string, keyword: string): LambdaLogLineResult {
  const fields = new Map<string, { value: string; unit: string | undefined; text: string }>();
  for (const m of line.slice(keyword.length).matchAll(TEXT_FIELD)) {
    if (!fields.has(m[1])) fields.set(m[1], { value: m[2], unit: m[3], text: m[0].trim() });
  }
  const requestId = fields.get("RequestId")?.value;
  if (!requestId) return { reason: `${keyword} line has no request id after "RequestId:"` };
  if (keyword === "START") {
    return {
      record: { kind: "start", requestId, version: fields.get("Version")?.value || undefined },
    };
  }
  if (keyword === "END") return { record: { kind: "end", requestId } };
  const metrics: Record<string, number | undefined> = {};
  const wanted = [
    ["Duration", "ms", true],
    ["Billed Duration", "ms", true],
    ["Memory Size", "MB", true],
    ["Max Memory Used", "MB", true],
    ["Init Duration", "ms", false],
  ] as const;
  for (const [key, unit, required] of wanted) {
    const field = fields.get(key);
    if (field === undefined) {
      if (!required) continue;
      return { reason: `REPORT line has no ${key}: expected "${key}: <number> ${unit}"` };
    }
    const x = _nonNegative(field.value);
    if (x === undefined || field.unit !== unit) {
      return {
        reason: `REPORT line has a bad ${key}: expected "${key}: <number >= 0> ${unit}", ` +
          `found "${field.text}"`,
      };
    }
    metrics[key] = x;
  }
  return {
    record: {
      kind: "report",
      requestId,
      durationMs: metrics["Duration"]!,
      billedDurationMs: metrics["Billed Duration"]!,
      memorySizeMb: metrics["Memory Size"]!,
      maxMemoryUsedMb: metrics["Max Memory Used"]!,
      initDurationMs: metrics["Init Duration"],
    },
  };
}

function _isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function _inspectJson(line: string): LambdaLogLineResult {
  let event: unknown;
  try {
    event = JSON.parse(line);
  } catch (e) {
    return { reason: `Platform event is not valid JSON: ${(e as Error).message}` };
  }
  if (!_isObject(event)) return { reason: "Platform event is not a JSON object" };
  const type = event.type;
  if (type !== "platform.start" && type !== "platform.runtimeDone" && type !== "platform.report") {
    return undefined;
  }
  const record = event.record;
  if (!_isObject(record)) return { reason: `${type} event has no "record" object` };
  const requestId = record.requestId;
  if (typeof requestId !== "string" || requestId === "") {
    return { reason: `${type} event has no "record.requestId" string` };
  }
  const time = typeof event.time === "string" ? { time: event.time } : {};
  if (type === "platform.start") {
    const version = typeof record.version === "string" ? record.version : undefined;
    return { record: { kind: "start", requestId, version, ...time } };
  }
  if (type === "platform.runtimeDone") {
    const status = typeof record.status === "string" ? { status: record.status } : {};
    return { record: { kind: "end", requestId, ...time, ...status } };
  }
  const metrics = record.metrics;
  if (!_isObject(metrics)) return { reason: `${type} event has no "record.metrics" object` };
  const names = ["durationMs", "billedDurationMs", "memorySizeMB", "maxMemoryUsedMB"] as const;
  const values: number[] = [];
  for (const name of [...names, "initDurationMs"]) {
    const x = metrics[name];
    if (x === undefined && name === "initDurationMs") continue;
    if (typeof x !== "number" || !(x >= 0) || !Number.isFinite(x)) {
      return {
        reason: `${type} event has a bad "metrics.${name}": expected a number >= 0, ` +
          `found ${JSON.stringify(x) ?? "nothing"}`,
      };
    }
    values.push(x);
  }
  const [durationMs, billedDurationMs, memorySizeMb, maxMemoryUsedMb, initDurationMs] = values;
  return {
    record: {
      kind: "report",
      requestId,
      durationMs,
      billedDurationMs,
      memorySizeMb,
      maxMemoryUsedMb,
      initDurationMs,
      ...time,
    },
  };
}

/**
 * Says what one log line is: a platform record, a malformed platform line
 * (with the reason), or not a platform line (`undefined`).
 *
 * @param line One line, without its line end (trailing white space is ignored).
 * @returns `{ record }`, `{ reason }` or `undefined`.
 *
 * @example A REPORT line without its Duration
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(inspectLambdaLogLine("REPORT RequestId: r1\tBilled Duration: 3 ms"), {
 *   reason: 'REPORT line has no Duration: expected "Duration: <number> ms"',
 * });
 * assert.equal(inspectLambdaLogLine("hello from the handler"), undefined);
 * ```
 */
export function inspectLambdaLogLine(line: string): LambdaLogLineResult {
  const text = line.trim();
  const m = TEXT_PLATFORM.exec(text);
  if (m) return _inspectText(text, m[1]);
  if (text.startsWith("{") && JSON_PLATFORM.test(text)) return _inspectJson(text);
  return undefined;
}

/**
 * Parses one Lambda platform log line, text or JSON format.
 *
 * @param line One line, without its line end.
 * @returns The record; `undefined` for a line that is not a platform line,
 * and also for a malformed one (use {@linkcode inspectLambdaLogLine} or
 * {@linkcode parseLambdaLog} to learn why).
 *
 * @example A cold start's REPORT line
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const line = "REPORT RequestId: 8f5a\tDuration: 102.25 ms\tBilled Duration: 103 ms\t" +
 *   "Memory Size: 3008 MB\tMax Memory Used: 512 MB\tInit Duration: 250.12 ms";
 * assert.deepEqual(parseLambdaLogLine(line), {
 *   kind: "report",
 *   requestId: "8f5a",
 *   durationMs: 102.25,
 *   billedDurationMs: 103,
 *   memorySizeMb: 3008,
 *   maxMemoryUsedMb: 512,
 *   initDurationMs: 250.12,
 * });
 * ```
 */
export function parseLambdaLogLine(line: string): LambdaLogRecord | undefined {
  const result = inspectLambdaLogLine(line);
  return result && "record" in result ? result.record : undefined;
}

/**
 * Parses a whole Lambda log (text or JSON format, or both mixed): the
 * platform records in order, and the malformed platform lines with their
 * 1-based line numbers and reasons. Other lines are left out silently.
 *
 * @param text The log, lines ending in `\n` or `\r\n`.
 * @returns The records and the skipped lines.
 *
 * @example One invocation, with function output and a broken REPORT
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const log = [
 *   "START RequestId: r1 Version: $LATEST",
 *   "predicting 5 images",
 *   "END RequestId: r1",
 *   "REPORT RequestId: r1\tDuration: x ms",
 * ].join("\n");
 * const { records, skipped } = parseLambdaLog(log);
 * assert.deepEqual(records.map((r) => r.kind), ["start", "end"]);
 * assert.equal(skipped[0].line, 4);
 * ```
 */
export function parseLambdaLog(text: string): ParsedLog<LambdaLogRecord> {
  const records: LambdaLogRecord[] = [];
  const skipped: SkippedLine[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const result = inspectLambdaLogLine(lines[i]);
    if (result === undefined) continue;
    if ("record" in result) records.push(result.record);
    else skipped.push({ line: i + 1, text: lines[i], reason: result.reason });
  }
  return { records, skipped };
}

function _checkMetric(name: string, x: number | undefined): number {
  if (typeof x !== "number" || !(x >= 0) || !Number.isFinite(x)) {
    throw new RangeError(`Cannot format a REPORT line: expected ${name} >= 0, found ${x}`);
  }
  return x;
}

/**
 * Formats a report as Lambda's text-format `REPORT` line: fields separated by
 * tabs, durations with 2 decimals, billed duration and memory in whole ms and
 * MB, `Init Duration` only when `initDurationMs` is defined. `time` is not
 * part of the text format and is dropped.
 *
 * @param record The report.
 * @returns The line, without a line end.
 * @throws {RangeError} If a metric is negative, NaN or infinite.
 * @throws {TypeError} If the request id is empty or contains white space.
 *
 * @example Round trip
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const line = formatReportLine({
 *   kind: "report",
 *   requestId: "r1",
 *   durationMs: 102.25,
 *   billedDurationMs: 103,
 *   memorySizeMb: 3008,
 *   maxMemoryUsedMb: 512,
 *   initDurationMs: undefined,
 * });
 * assert.equal(
 *   line,
 *   "REPORT RequestId: r1\tDuration: 102.25 ms\tBilled Duration: 103 ms\t" +
 *     "Memory Size: 3008 MB\tMax Memory Used: 512 MB",
 * );
 * assert.equal(parseLambdaLogLine(line)?.kind, "report");
 * ```
 */
export function formatReportLine(record: Readonly<LambdaReportRecord>): string {
  if (typeof record.requestId !== "string" || !/^\S+$/.test(record.requestId)) {
    throw new TypeError(
      `Cannot format a REPORT line: expected a request id without white space, found ` +
        JSON.stringify(record.requestId),
    );
  }
  const duration = _checkMetric("durationMs", record.durationMs);
  const billed = _checkMetric("billedDurationMs", record.billedDurationMs);
  const memory = _checkMetric("memorySizeMb", record.memorySizeMb);
  const used = _checkMetric("maxMemoryUsedMb", record.maxMemoryUsedMb);
  let line = `REPORT RequestId: ${record.requestId}\tDuration: ${duration.toFixed(2)} ms\t` +
    `Billed Duration: ${Math.round(billed)} ms\tMemory Size: ${Math.round(memory)} MB\t` +
    `Max Memory Used: ${Math.round(used)} MB`;
  if (record.initDurationMs !== undefined) {
    line += `\tInit Duration: ${
      _checkMetric("initDurationMs", record.initDurationMs).toFixed(2)
    } ms`;
  }
  return line;
}

/**
 * Parsers of the log files of the original BATCH buffer (the SC'20 code
 * release, GitHub `rickypinci/BATCH`: `buffer.py` forms the batches, and its
 * `serverless.py`, class `MyServerless`, invokes the function and writes the
 * logs). What we found there, read from `serverless.py` (repository
 * `rickypinci/BATCH`, path `serverless.py`):
 *
 * - `Latency_perbatch_batch_<B>_inter_arrival_<rate>_time_out<T>_.log`: one
 *   line per batch, appended when the invocation returns (so in completion
 *   order, by concurrent threads): `batch\t<size>\tlatency\t<latency>`. The
 *   latency is the function's response payload read as a Python float; it is
 *   in milliseconds (the request latency below adds it to a wait in ms, and
 *   the service-time table in the same class, 1734.26 for one image, is ms).
 * - `Latency_per_request_batch_<B>_inter_arrival_<rate>_time_out<T>_.log`: one
 *   line per request of the batch, after the batch line:
 *   `Request_latency\t<latency>\tbatch_size\t<size>\t\ttimestamp\t<int>`
 *   (note the empty field before `timestamp`). The latency is the request's
 *   wait in the buffer plus the batch latency, in ms. The timestamp is
 *   `int(time.time() * 100)` taken when the invocation returned (centiseconds
 *   since the Unix epoch) plus the request's wait in *milliseconds*: the units
 *   are mixed in the original, so it is returned as is (`timestampRaw`).
 * - `Lambda_logs_batch_<B>_inter_arrival_<rate>_time_out<T>_.log`: per
 *   invocation, the base64-decoded `LogResult` (the last 4 KB of the
 *   invocation's log: function output, `START`, `END`, `REPORT`) and a line
 *   end. Under Python 2 that is the log text itself; under Python 3 it is the
 *   `repr` of a bytes object, `b'START RequestId: ...\n...'`, one line per
 *   invocation with `\n` and `\t` escaped. Both are read.
 *
 * In the file names `<B>` is the max batch size, `<rate>` the `--inter_arrival`
 * flag (requests per second of the exponential arrivals) and `<T>` the
 * `--time_out` flag in seconds, all as Python prints them.
 *
 * The latency lines are read as tab-separated key/value pairs, so the
 * variants of the same scripts that append more pairs (`max_req`, `content`,
 * `time`, `request_Size`) are read too, with the extra pairs ignored.
 *
 * Pure: no I/O. No parser here throws on a bad line: bad lines are returned
 * as skipped, with their 1-based line number and the reason.
 *
 * @module
 */

import {
  inspectLambdaLogLine,
  type LambdaLogRecord,
  type ParsedLog,
  type SkippedLine,
} from "./lambda_log_lines.ts";

/** One line of a `Latency_perbatch_...` file. */
export interface BufferPyBatchRecord {
  /** Number of requests in the batch. */
  batchSize: number;
  /** What the function returned as the batch's latency, converted from ms to s. */
  latencySec: number;
}

/** One line of a `Latency_per_request_...` file. */
export interface BufferPyRequestRecord {
  /** Wait in the buffer plus the batch latency, converted from ms to s. */
  latencySec: number;
  /** Number of requests in the request's batch. */
  batchSize: number;
  /**
   * `int(time.time() * 100)` at the batch's return (centiseconds since the
   * epoch) plus the request's wait in ms, as the original writes it (mixed
   * units, so not converted); `undefined` when the line has no timestamp.
   */
  timestampRaw: number | undefined;
}

/** The run parameters in the name of a buffer.py log file. */
export interface BufferPyLogFileName {
  /** Which log: `batches` (`Latency_perbatch`), `requests` or `lambda`. */
  kind: "batches" | "requests" | "lambda";
  /** Max batch size B. */
  maxBatch: number;
  /** The `--inter_arrival` flag: arrival rate of the exponential arrivals, requests/s. */
  ratePerSec: number;
  /** The `--time_out` flag, seconds. */
  timeoutSec: number;
}

// Python's float repr: decimal, exponent; "nan" and "inf" are not accepted.
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

const FILE_NAME = new RegExp(
  "^(Latency_perbatch|Latency_per_request|Lambda_logs)_batch_(\\d+)_inter_arrival_([^_]+)" +
    "_time_out([^_]+)_\\.log$",
);

/** Reads `key\tvalue\t...` pairs (empty fields dropped); `undefined` if the count is odd. */
function _pairs(line: string): Map<string, string> | undefined {
  const fields = line.split("\t").map((f) => f.trim()).filter((f) => f !== "");
  if (fields.length % 2 !== 0) return undefined;
  const pairs = new Map<string, string>();
  for (let i = 0; i < fields.length; i += 2) {
    if (!pairs.has(fields[i])) pairs.set(fields[i], fields[i + 1]);
  }
  return pairs;
}

class _LineError extends Error {}

function _value(pairs: Map<string, string>, key: string, kind: "ms" | "count"): number {
  const text = pairs.get(key);
  if (text === undefined) throw new _LineError(`Expected a "${key}" field, found none`);
  const x = DECIMAL.test(text) ? Number(text) : NaN;
  if (kind === "count" ? !(Number.isInteger(x) && x >= 1) : !(x >= 0 && Number.isFinite(x))) {
    const what = kind === "count" ? "an integer >= 1" : "a number >= 0";
    throw new _LineError(`Field ${key}: expected ${what}, found "${text}"`);
  }
  return x;
}

function _parseLines<T>(
  text: string,
  first: string,
  build: (pairs: Map<string, string>) => T,
): ParsedLog<T> {
  const records: T[] = [];
  const skipped: SkippedLine[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === "") continue;
    const pairs = _pairs(line);
    let reason: string;
    if (pairs === undefined) {
      reason = "Expected tab-separated key/value pairs, found an odd number of fields";
    } else if (!line.startsWith(first + "\t")) {
      reason = `Expected a line starting with "${first}" and a tab`;
    } else {
      try {
        records.push(build(pairs));
        continue;
      } catch (e) {
        if (!(e instanceof _LineError)) throw e;
        reason = e.message;
      }
    }
    skipped.push({ line: i + 1, text: line, reason });
  }
  return { records, skipped };
}

/**
 * Parses a `Latency_perbatch_...` file of buffer.py.
 *
 * @param text The file's content.
 * @returns The batches (latency in seconds) and the skipped lines.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const { records, skipped } = parseBufferPyBatchLog("batch\t5\tlatency\t3934.34\nbatch\t5\n");
 * assert.deepEqual(records, [{ batchSize: 5, latencySec: 3.93434 }]);
 * assert.equal(skipped[0].line, 2);
 * ```
 */
export function parseBufferPyBatchLog(text: string): ParsedLog<BufferPyBatchRecord> {
  return _parseLines(text, "batch", (pairs) => ({
    batchSize: _value(pairs, "batch", "count"),
    latencySec: _value(pairs, "latency", "ms") / 1000,
  }));
}

/**
 * Parses a `Latency_per_request_...` file of buffer.py.
 *
 * @param text The file's content.
 * @returns The requests (latency in seconds) and the skipped lines.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const line = "Request_latency\t1834.26\tbatch_size\t1\t\ttimestamp\t160000000010";
 * assert.deepEqual(parseBufferPyRequestLog(line).records, [
 *   { latencySec: 1.83426, batchSize: 1, timestampRaw: 160000000010 },
 * ]);
 * ```
 */
export function parseBufferPyRequestLog(text: string): ParsedLog<BufferPyRequestRecord> {
  return _parseLines(text, "Request_latency", (pairs) => {
    const latencySec = _value(pairs, "Request_latency", "ms") / 1000;
    const batchSize = _value(pairs, "batch_size", "count");
    const timestampRaw = pairs.has("timestamp") ? _value(pairs, "timestamp", "ms") : undefined;
    return { latencySec, batchSize, timestampRaw };
  });
}

/** Decodes the body of a Python bytes repr (`\\n`, `\\xe2`, ...) as UTF-8. */
function _unescapePythonBytes(body: string): string {
  const bytes: number[] = [];
  const simple: Record<string, number> = {
    n: 10,
    t: 9,
    r: 13,
    "\\": 92,
    "'": 39,
    '"': 34,
    a: 7,
    b: 8,
    f: 12,
    v: 11,
  };
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === "\\" && i + 1 < body.length) {
      const e = body[i + 1];
      if (e === "x" && /^[0-9a-fA-F]{2}$/.test(body.slice(i + 2, i + 4))) {
        bytes.push(parseInt(body.slice(i + 2, i + 4), 16));
        i += 3;
        continue;
      }
      if (e in simple) {
        bytes.push(simple[e]);
        i++;
        continue;
      }
    }
    bytes.push(...new TextEncoder().encode(c));
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/**
 * Parses a `Lambda_logs_...` file of buffer.py: the platform records of every
 * invocation's log tail, as {@linkcode parseLambdaLog} reads them, whether the
 * file holds the log text itself (Python 2) or one `b'...'` bytes repr per
 * invocation (Python 3). Function output is left out; the first line of a
 * tail may be cut by the 4 KB limit, and is left out when it is then no
 * longer a platform line. A malformed platform line is skipped with the
 * number of the file line it is on and its (unescaped) text.
 *
 * @param text The file's content.
 * @returns The records and the skipped lines.
 *
 * @example A Python 3 bytes repr
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const file = "b'START RequestId: r1 Version: $LATEST\\nEND RequestId: r1\\n'\n";
 * assert.deepEqual(parseBufferPyLambdaLog(file).records, [
 *   { kind: "start", requestId: "r1", version: "$LATEST" },
 *   { kind: "end", requestId: "r1" },
 * ]);
 * ```
 */
export function parseBufferPyLambdaLog(text: string): ParsedLog<LambdaLogRecord> {
  const records: LambdaLogRecord[] = [];
  const skipped: SkippedLine[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const repr = /^b(['"])(.*)\1\s*$/.exec(lines[i]);
    const parts = repr ? _unescapePythonBytes(repr[2]).split(/\r?\n/) : [lines[i]];
    for (const part of parts) {
      const result = inspectLambdaLogLine(part);
      if (result === undefined) continue;
      if ("record" in result) records.push(result.record);
      else skipped.push({ line: i + 1, text: part, reason: result.reason });
    }
  }
  return { records, skipped };
}

/**
 * Reads the run parameters from the name of a buffer.py log file.
 *
 * @param name The file name (a path works: only the last component is read).
 * @returns The kind of log and the parameters, or `undefined` for another name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(
 *   parseBufferPyLogFileName("Latency_perbatch_batch_5_inter_arrival_20.0_time_out1.0_.log"),
 *   { kind: "batches", maxBatch: 5, ratePerSec: 20, timeoutSec: 1 },
 * );
 * ```
 */
export function parseBufferPyLogFileName(name: string): BufferPyLogFileName | undefined {
  const base = name.slice(Math.max(name.lastIndexOf("/"), name.lastIndexOf("\\")) + 1);
  const m = FILE_NAME.exec(base);
  if (!m) return undefined;
  const [maxBatch, ratePerSec, timeoutSec] = [m[2], m[3], m[4]].map((s) =>
    DECIMAL.test(s) ? Number(s) : NaN
  );
  if (!(maxBatch >= 1 && ratePerSec > 0 && timeoutSec >= 0)) return undefined;
  const kind = m[1] === "Latency_perbatch"
    ? "batches"
    : m[1] === "Latency_per_request"
    ? "requests"
    : "lambda";
  return { kind, maxBatch, ratePerSec, timeoutSec };
}

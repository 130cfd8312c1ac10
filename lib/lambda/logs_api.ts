/**
 * The CloudWatch Logs face of {@linkcode LocalLambda}: the JSON 1.1 calls that
 * `@aws-sdk/client-cloudwatch-logs`, boto3 and the AWS CLI send for
 * DescribeLogGroups, DescribeLogStreams, GetLogEvents and FilterLogEvents,
 * answered as the CloudWatch Logs API reference (2014-03-28) describes them:
 *
 * - the input is checked against the API model (botocore's
 *   `logs/2014-03-28/service-2.json`): a body that is not a JSON object, or a
 *   member of the wrong JSON type, is a `SerializationException`; a value
 *   outside the model's constraints (e.g. `limit` 1..10000) an
 *   `InvalidParameterException` worded as AWS words it ("1 validation error
 *   detected: Value '0' at 'limit' failed to satisfy constraint: ...");
 * - every response, errors included, carries an `x-amzn-RequestId` (UUID v4);
 *   an unexpected failure is a JSON `ServiceUnavailableException` (500);
 * - filter patterns: terms, `"quoted phrases"`, `?` (OR), `-` (exclude),
 *   `%regex%` and JSON patterns (`{ $.x = ... }`), see
 *   {@linkcode compileFilterPattern}; space-delimited patterns (`[a, b]`) are
 *   refused with an `InvalidParameterException`, never answered with 0 events;
 * - GetLogEvents honours `startFromHead` and pages with `f/` and `b/` tokens;
 *   FilterLogEvents pages with tokens that survive events dropped by retention.
 *
 * @module
 */

import {
  compileFilterPattern,
  type FilterPatternMatcher,
  FilterPatternSyntaxError,
} from "./filter_pattern.ts";
import type { LocalLambda, LogEvent, LogGroup, LogStream } from "./local_lambda.ts";

/** The `X-Amz-Target` prefix of the CloudWatch Logs API. */
export const LOGS_TARGET_PREFIX = "Logs_20140328.";

/** An error answered as `{"__type": type, "message": message}` with `status`. */
class LogsError extends Error {
  constructor(readonly type: string, message: string, readonly status = 400) {
    super(message);
    this.name = type;
  }
}

function invalidParameter(message: string): LogsError {
  return new LogsError("InvalidParameterException", message);
}

// ---------------------------------------------------------------------------
// Input: the shapes and constraints of the API model (botocore's
// logs/2014-03-28/service-2.json)
// ---------------------------------------------------------------------------

type _Shape =
  | { type: "string"; min?: number; max?: number; pattern?: string; enum?: readonly string[] }
  | { type: "integer" | "long"; min?: number; max?: number }
  | { type: "boolean" }
  | { type: "list"; min?: number; max?: number; member: _Shape };

const _LOG_GROUP_NAME: _Shape = {
  type: "string",
  min: 1,
  max: 512,
  pattern: "[\\.\\-_/#A-Za-z0-9]+",
};
const _LOG_GROUP_IDENTIFIER: _Shape = {
  type: "string",
  min: 1,
  max: 2048,
  pattern: "[\\w#+=/:,.@-]*",
};
const _LOG_STREAM_NAME: _Shape = { type: "string", min: 1, max: 512, pattern: "[^:*]*" };
const _NEXT_TOKEN: _Shape = { type: "string", min: 1 };
const _TIMESTAMP: _Shape = { type: "long", min: 0 };
const _EVENTS_LIMIT: _Shape = { type: "integer", min: 1, max: 10000 };
const _DESCRIBE_LIMIT: _Shape = { type: "integer", min: 1, max: 50 };
const _BOOLEAN: _Shape = { type: "boolean" };
const _GROUP = { logGroupName: _LOG_GROUP_NAME, logGroupIdentifier: _LOG_GROUP_IDENTIFIER };

const _TYPE_NAMES = {
  string: "a String",
  integer: "an Integer",
  long: "a Long",
  boolean: "a Boolean",
  list: "a List",
} as const;

function _describeJson(v: unknown): string {
  if (Array.isArray(v)) return "a list";
  if (v === null) return "null";
  if (typeof v === "object") return "an object";
  if (typeof v === "string") return `the string ${JSON.stringify(v)}`;
  return `the ${typeof v} ${String(v)}`;
}

function _serializationError(path: string, shape: _Shape, v: unknown): LogsError {
  return new LogsError(
    "SerializationException",
    `Expected ${_TYPE_NAMES[shape.type]} at '${path}', found ${_describeJson(v)}`,
  );
}

/** Checks one value against its shape: wrong JSON types throw, constraint violations are listed. */
function _checkValue(path: string, shape: _Shape, v: unknown, violations: string[]): void {
  const violation = (rule: string) => {
    const shown = Array.isArray(v) ? `[${v.join(", ")}]` : String(v);
    violations.push(
      `Value '${shown}' at '${path}' failed to satisfy constraint: Member must ${rule}`,
    );
  };
  if (shape.type === "boolean") {
    if (typeof v !== "boolean") throw _serializationError(path, shape, v);
  } else if (shape.type === "integer" || shape.type === "long") {
    if (typeof v !== "number" || !Number.isInteger(v)) throw _serializationError(path, shape, v);
    if (shape.min !== undefined && v < shape.min) {
      violation(`have value greater than or equal to ${shape.min}`);
    }
    if (shape.max !== undefined && v > shape.max) {
      violation(`have value less than or equal to ${shape.max}`);
    }
  } else {
    const isList = shape.type === "list";
    if (isList ? !Array.isArray(v) : typeof v !== "string") {
      throw _serializationError(path, shape, v);
    }
    const length = (v as string | unknown[]).length;
    if (shape.min !== undefined && length < shape.min) {
      violation(`have length greater than or equal to ${shape.min}`);
    }
    if (shape.max !== undefined && length > shape.max) {
      violation(`have length less than or equal to ${shape.max}`);
    }
    if (shape.type === "list") {
      (v as unknown[]).forEach((m, i) => {
        if (m === null) throw _serializationError(`${path}.${i + 1}.member`, shape.member, m);
        _checkValue(`${path}.${i + 1}.member`, shape.member, m, violations);
      });
    } else {
      const { pattern, enum: values } = shape as Extract<_Shape, { type: "string" }>;
      if (pattern && !new RegExp(`^(?:${pattern})$`, "u").test(v as string)) {
        violation(`satisfy regular expression pattern: ${pattern}`);
      } else if (values && !values.includes(v as string)) {
        violation(`satisfy enum value set: [${values.join(", ")}]`);
      }
    }
  }
}

/**
 * Checks an operation's input against its model: a member of the wrong JSON
 * type is a SerializationException; every constraint violation is listed in
 * one InvalidParameterException, worded as AWS words it ("2 validation errors
 * detected: Value '0' at 'limit' failed to satisfy constraint: Member must
 * have value greater than or equal to 1; ..."). Members the model does not
 * know are ignored; `null` members were dropped before.
 */
function _checkInput(input: Record<string, unknown>, op: _Operation): void {
  const violations: string[] = [];
  for (const name of op.required ?? []) {
    if (input[name] === undefined) {
      violations.push(
        `Value null at '${name}' failed to satisfy constraint: Member must not be null`,
      );
    }
  }
  for (const [name, shape] of Object.entries(op.members)) {
    if (input[name] !== undefined) _checkValue(name, shape, input[name], violations);
  }
  const n = violations.length;
  if (n > 0) {
    throw invalidParameter(
      `${n} validation error${n === 1 ? "" : "s"} detected: ${violations.join("; ")}`,
    );
  }
}

function _readBody(text: string): Record<string, unknown> {
  if (text.trim() === "") return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw new LogsError(
      "SerializationException",
      `The request body is not valid JSON: ${(e as Error).message}`,
    );
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new LogsError(
      "SerializationException",
      `Expected a JSON object as the request body, found ${_describeJson(body)}`,
    );
  }
  // A member set to null is a member not set, as for AWS's JSON protocol.
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== null));
}

// ---------------------------------------------------------------------------
// Log groups, streams, events and their pagination tokens
// ---------------------------------------------------------------------------

/** The name in a log group identifier: the name itself, or an ARN (with or without `:*`). */
function _nameOfIdentifier(identifier: string): string {
  const arn = /^arn:[^:]+:logs:[^:]*:[^:]*:log-group:(.+?)(?::\*)?$/.exec(identifier);
  return arn ? arn[1] : identifier;
}

/** The log group of a request: exactly one of `logGroupName` and `logGroupIdentifier`. */
function _group(lambda: LocalLambda, input: Record<string, unknown>): [string, LogGroup] {
  const { logGroupName, logGroupIdentifier } = input;
  if (logGroupName !== undefined && logGroupIdentifier !== undefined) {
    throw invalidParameter("Specify logGroupName or logGroupIdentifier, not both");
  }
  if (logGroupName === undefined && logGroupIdentifier === undefined) {
    throw invalidParameter("Specify logGroupName or logGroupIdentifier: neither was given");
  }
  const name = logGroupName !== undefined
    ? logGroupName as string
    : _nameOfIdentifier(logGroupIdentifier as string);
  const g = lambda.logGroups.get(name);
  if (!g) {
    throw new LogsError("ResourceNotFoundException", "The specified log group does not exist.");
  }
  return [name, g];
}

/**
 * An event's position in the order AWS returns events in (timestamp, then
 * ingestion time, then stream), made unique by its rank among the events of
 * its stream with the same timestamp and ingestion time. Unlike an index,
 * it stays valid when retention drops older events (it drops whole
 * milliseconds) or new events arrive.
 */
type _Key = [timestamp: number, ingestionTime: number, stream: string, rank: number];

interface _KeyedEvent {
  event: LogEvent;
  key: _Key;
}

function _compareKeys(a: _Key, b: _Key): number {
  return a[0] - b[0] || a[1] - b[1] || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0) || a[3] - b[3];
}

/** A stream's events with their keys, in key order. */
function _keyedEvents(s: LogStream): _KeyedEvent[] {
  const ev = s.events;
  const order = ev.map((_, i) => i).sort((a, b) =>
    ev[a].timestamp - ev[b].timestamp || ev[a].ingestionTime - ev[b].ingestionTime || a - b
  );
  const out: _KeyedEvent[] = [];
  let rank = 0;
  for (const i of order) {
    const e = ev[i], prev = out[out.length - 1]?.event;
    rank = prev && prev.timestamp === e.timestamp && prev.ingestionTime === e.ingestionTime
      ? rank + 1
      : 0;
    out.push({ event: e, key: [e.timestamp, e.ingestionTime, s.logStreamName, rank] });
  }
  return out;
}

function _base64url(text: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(text)))
    .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** A token: `prefix` and the key it stands after (`null`: before every event). */
function _encodeToken(prefix: string, key: _Key | null): string {
  return prefix + _base64url(JSON.stringify(key));
}

function _decodeToken(token: string, prefixes: string[]): { prefix: string; key: _Key | null } {
  const prefix = prefixes.find((p) => token.startsWith(p));
  try {
    if (prefix === undefined) throw new Error("no known prefix");
    const b = atob(token.slice(prefix.length).replace(/-/g, "+").replace(/_/g, "/"));
    const key = JSON.parse(
      new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(b, (c) => c.charCodeAt(0))),
    );
    if (key === null) return { prefix, key };
    if (
      Array.isArray(key) && key.length === 4 && Number.isFinite(key[0]) &&
      Number.isFinite(key[1]) && typeof key[2] === "string" && Number.isInteger(key[3])
    ) return { prefix, key: key as _Key };
  } catch {
    // fall through
  }
  throw invalidParameter("The specified nextToken is invalid.");
}

/** A page of a sorted list by offset (`n/<offset>` tokens), for the Describe calls. */
function _pageByOffset<T>(items: T[], input: Record<string, unknown>, defaultLimit: number) {
  const limit = (input.limit as number | undefined) ?? defaultLimit;
  let start = 0;
  if (input.nextToken !== undefined) {
    const m = /^n\/(\d+)$/.exec(input.nextToken as string);
    if (!m) throw invalidParameter("The specified nextToken is invalid.");
    start = Number(m[1]);
  }
  const slice = items.slice(start, start + limit);
  const nextToken = start + limit < items.length ? `n/${start + limit}` : undefined;
  return { slice, nextToken };
}

// ---------------------------------------------------------------------------
// The operations
// ---------------------------------------------------------------------------

interface _Operation {
  members: Record<string, _Shape>;
  required?: string[];
  run: (lambda: LocalLambda, input: Record<string, unknown>) => unknown;
}

function _describeLogGroups(lambda: LocalLambda, input: Record<string, unknown>) {
  const prefix = input.logGroupNamePrefix as string | undefined;
  const pattern = input.logGroupNamePattern as string | undefined;
  const ids = input.logGroupIdentifiers as string[] | undefined;
  if (prefix !== undefined && pattern !== undefined) {
    throw invalidParameter("logGroupNamePrefix and logGroupNamePattern are mutually exclusive");
  }
  if (ids !== undefined && (prefix !== undefined || pattern !== undefined)) {
    throw invalidParameter(
      "With logGroupIdentifiers, logGroupNamePrefix and logGroupNamePattern cannot be specified",
    );
  }
  const names = ids?.map(_nameOfIdentifier);
  // Every group here is of the STANDARD class.
  const all = input.logGroupClass !== undefined && input.logGroupClass !== "STANDARD"
    ? []
    : [...lambda.logGroups].filter(([n]) =>
      (prefix === undefined || n.startsWith(prefix)) &&
      (pattern === undefined || n.includes(pattern)) && (names === undefined || names.includes(n))
    ).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const { slice, nextToken } = _pageByOffset(all, input, 50);
  const arn = (n: string) => `arn:aws:logs:us-east-1:000000000000:log-group:${n}`;
  return {
    logGroups: slice.map(([logGroupName, g]) => ({
      logGroupName,
      creationTime: g.creationTime,
      metricFilterCount: 0,
      arn: `${arn(logGroupName)}:*`,
      logGroupArn: arn(logGroupName),
      storedBytes: 0,
      logGroupClass: "STANDARD",
    })),
    nextToken,
  };
}

function _streamInfo(s: LogStream, groupName: string) {
  let first = Infinity, last = -Infinity, ingested = -Infinity;
  for (const e of s.events) {
    first = Math.min(first, e.timestamp);
    last = Math.max(last, e.timestamp);
    ingested = Math.max(ingested, e.ingestionTime);
  }
  const any = s.events.length > 0;
  return {
    logStreamName: s.logStreamName,
    creationTime: s.creationTime,
    firstEventTimestamp: any ? first : undefined,
    lastEventTimestamp: any ? last : undefined,
    lastIngestionTime: any ? ingested : undefined,
    arn: `arn:aws:logs:us-east-1:000000000000:log-group:${groupName}:log-stream:${s.logStreamName}`,
    storedBytes: 0,
  };
}

function _describeLogStreams(lambda: LocalLambda, input: Record<string, unknown>) {
  const [groupName, g] = _group(lambda, input);
  const prefix = input.logStreamNamePrefix as string | undefined;
  if (input.orderBy === "LastEventTime" && prefix !== undefined) {
    // API reference: "If you order the results by event time, you cannot
    // specify the logStreamNamePrefix parameter."
    throw invalidParameter("Cannot order by LastEventTime with a logStreamNamePrefix.");
  }
  const byName = (a: LogStream, b: LogStream) =>
    a.logStreamName < b.logStreamName ? -1 : a.logStreamName > b.logStreamName ? 1 : 0;
  let streams = g.streams.filter((s) => prefix === undefined || s.logStreamName.startsWith(prefix));
  if (input.orderBy === "LastEventTime") {
    const lastMs = (s: LogStream) => s.events.reduce((m, e) => Math.max(m, e.timestamp), 0);
    streams = streams.sort((a, b) => lastMs(a) - lastMs(b) || byName(a, b));
  } else streams = streams.sort(byName);
  if (input.descending === true) streams.reverse();
  const { slice, nextToken } = _pageByOffset(streams, input, 50);
  return { logStreams: slice.map((s) => _streamInfo(s, groupName)), nextToken };
}

/**
 * GetLogEvents. Time range per the API reference: startTime inclusive ("Events
 * with a timestamp equal to this time or later than this time are included"),
 * endTime exclusive ("Events with a timestamp equal to or later than this time
 * are not included"). Without a token the window is the whole range; `f/`
 * tokens start it after an event, `b/` tokens end it before one; then
 * `startFromHead` (default false) takes the first `limit` events of the
 * window or the last `limit` (the newest: the API's default). So paging
 * forward needs `startFromHead: true`, as the reference says (otherwise each
 * forward page is the newest events after the token, and events are
 * skipped, as users report of AWS). The forward token comes after the last
 * event returned, the backward one before the first; with nothing returned
 * the token passed in comes back, which ends the SDK's paginator
 * (`paginateGetLogEvents` with `stopOnSameToken: true`).
 */
function _getLogEvents(lambda: LocalLambda, input: Record<string, unknown>) {
  const [, g] = _group(lambda, input);
  const s = g.streams.find((x) => x.logStreamName === input.logStreamName);
  if (!s) {
    throw new LogsError("ResourceNotFoundException", "The specified log stream does not exist.");
  }
  const all = _keyedEvents(s);
  const from = (input.startTime as number | undefined) ?? -Infinity;
  const to = (input.endTime as number | undefined) ?? Infinity;
  const limit = (input.limit as number | undefined) ?? 10000;
  const token = input.nextToken as string | undefined;
  let lo = 0, hi = all.length;
  let direction: string | undefined;
  if (token !== undefined) {
    const { prefix, key } = _decodeToken(token, ["f/", "b/"]);
    direction = prefix;
    const at = key === null ? 0 : all.filter((k) => _compareKeys(k.key, key) <= 0).length;
    if (prefix === "f/") lo = at;
    else hi = at;
  }
  const window: number[] = [];
  for (let i = lo; i < hi; i++) {
    const t = all[i].event.timestamp;
    if (t >= from && t < to) window.push(i);
  }
  const picked = input.startFromHead === true
    ? window.slice(0, limit)
    : window.slice(Math.max(0, window.length - limit));
  const after = (i: number) => (i >= 0 ? all[i].key : null);
  const first = picked.length > 0 ? picked[0] : hi,
    last = picked.length > 0 ? picked.at(-1)! : lo - 1;
  const nextForwardToken = picked.length === 0 && direction === "f/"
    ? token!
    : _encodeToken("f/", after(last));
  const nextBackwardToken = picked.length === 0 && direction === "b/"
    ? token!
    : _encodeToken("b/", after(first - 1));
  return {
    events: picked.map((i) => {
      const { timestamp, message, ingestionTime } = all[i].event;
      return { timestamp, message, ingestionTime };
    }),
    nextForwardToken,
    nextBackwardToken,
  };
}

/**
 * FilterLogEvents. Time range per the API reference, both ends inclusive:
 * startTime ("Events with a timestamp before this time are not returned") and
 * endTime ("Events with a timestamp later than this time are not returned").
 * Events in the order AWS gives (timestamp, ingestion time, then stream);
 * the token names the last event returned. `searchedLogStreams` is empty, as
 * AWS has returned it since 2020; `interleaved` is ignored, as on AWS.
 */
function _filterLogEvents(lambda: LocalLambda, input: Record<string, unknown>) {
  const [, g] = _group(lambda, input);
  const names = input.logStreamNames as string[] | undefined;
  const prefix = input.logStreamNamePrefix as string | undefined;
  if (names !== undefined && prefix !== undefined) {
    // API reference: "If you specify a value for both logStreamNamePrefix and
    // logStreamNames, the action returns an InvalidParameterException error."
    throw invalidParameter("logStreamNames and logStreamNamePrefix cannot both be specified");
  }
  let matches: FilterPatternMatcher;
  try {
    matches = compileFilterPattern(input.filterPattern as string | undefined);
  } catch (e) {
    if (e instanceof FilterPatternSyntaxError) throw invalidParameter(e.message);
    throw e;
  }
  const from = (input.startTime as number | undefined) ?? -Infinity;
  const to = (input.endTime as number | undefined) ?? Infinity;
  const limit = (input.limit as number | undefined) ?? 10000;
  const after = input.nextToken === undefined
    ? null
    : _decodeToken(input.nextToken as string, ["e/"]).key;
  const streams = g.streams.filter((s) =>
    (names === undefined || names.includes(s.logStreamName)) &&
    (prefix === undefined || s.logStreamName.startsWith(prefix))
  );
  const found = streams.flatMap((s) =>
    _keyedEvents(s).filter(({ event: e, key }) =>
      e.timestamp >= from && e.timestamp <= to &&
      (after === null || _compareKeys(key, after) > 0) && matches(e.message)
    )
  ).sort((a, b) => _compareKeys(a.key, b.key));
  const page = found.slice(0, limit);
  return {
    events: page.map(({ event: e, key }) => ({
      logStreamName: key[2],
      timestamp: e.timestamp,
      message: e.message,
      ingestionTime: e.ingestionTime,
      eventId: `${key[0]}-${key[1]}-${key[3]}-${key[2]}`,
    })),
    searchedLogStreams: [],
    nextToken: found.length > limit ? _encodeToken("e/", page[page.length - 1].key) : undefined,
  };
}

const _OPERATIONS = new Map<string, _Operation>([
  ["DescribeLogGroups", {
    members: {
      accountIdentifiers: { type: "list", min: 0, max: 20, member: { type: "string" } },
      logGroupNamePrefix: _LOG_GROUP_NAME,
      logGroupNamePattern: { type: "string", min: 0, max: 512, pattern: "[\\.\\-_/#A-Za-z0-9]*" },
      nextToken: _NEXT_TOKEN,
      limit: _DESCRIBE_LIMIT,
      includeLinkedAccounts: _BOOLEAN,
      logGroupClass: { type: "string", enum: ["STANDARD", "INFREQUENT_ACCESS", "DELIVERY"] },
      logGroupIdentifiers: { type: "list", min: 1, max: 50, member: _LOG_GROUP_IDENTIFIER },
    },
    run: _describeLogGroups,
  }],
  ["DescribeLogStreams", {
    members: {
      ..._GROUP,
      logStreamNamePrefix: _LOG_STREAM_NAME,
      orderBy: { type: "string", enum: ["LogStreamName", "LastEventTime"] },
      descending: _BOOLEAN,
      nextToken: _NEXT_TOKEN,
      limit: _DESCRIBE_LIMIT,
    },
    run: _describeLogStreams,
  }],
  ["GetLogEvents", {
    members: {
      ..._GROUP,
      logStreamName: _LOG_STREAM_NAME,
      startTime: _TIMESTAMP,
      endTime: _TIMESTAMP,
      nextToken: _NEXT_TOKEN,
      limit: _EVENTS_LIMIT,
      startFromHead: _BOOLEAN,
      unmask: _BOOLEAN,
    },
    required: ["logStreamName"],
    run: _getLogEvents,
  }],
  ["FilterLogEvents", {
    members: {
      ..._GROUP,
      logStreamNames: { type: "list", min: 1, max: 100, member: _LOG_STREAM_NAME },
      logStreamNamePrefix: _LOG_STREAM_NAME,
      startTime: _TIMESTAMP,
      endTime: _TIMESTAMP,
      filterPattern: { type: "string", min: 0, max: 1024 },
      nextToken: _NEXT_TOKEN,
      limit: _EVENTS_LIMIT,
      interleaved: _BOOLEAN,
      unmask: _BOOLEAN,
    },
    run: _filterLogEvents,
  }],
]);

// ---------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------

/** Options of {@linkcode handleLogsRequest}. */
export interface LogsRequestOptions {
  /** Makes the `x-amzn-RequestId` of a response. @default {crypto.randomUUID (UUID v4)} */
  requestId?: () => string;
}

async function _answer(lambda: LocalLambda, req: Request): Promise<unknown> {
  const target = req.headers.get("x-amz-target") ?? "";
  const op = target.startsWith(LOGS_TARGET_PREFIX)
    ? _OPERATIONS.get(target.slice(LOGS_TARGET_PREFIX.length))
    : undefined;
  if (!op) {
    // CloudWatch Logs answers an operation it does not know with HTTP 400 and
    // {"__type":"UnknownOperationException"} (seen in aws/aws-sdk-net#1536).
    throw new LogsError(
      "UnknownOperationException",
      `Unknown operation ${JSON.stringify(target)}: the local CloudWatch Logs serves ` +
        [..._OPERATIONS.keys()].join(", "),
    );
  }
  const input = _readBody(await req.text());
  _checkInput(input, op);
  return op.run(lambda, input);
}

/**
 * Handles one CloudWatch Logs request (`X-Amz-Target: Logs_20140328.<Op>`):
 * always a JSON answer with an `x-amzn-RequestId` header; client errors are
 * 400 with `{"__type", "message"}` (SerializationException,
 * InvalidParameterException, ResourceNotFoundException,
 * UnknownOperationException), and anything unexpected a 500
 * ServiceUnavailableException, never a plain-text error.
 *
 * @param lambda The local Lambda whose log groups are read.
 * @param req The request.
 * @param options How request ids are made.
 * @returns The response.
 *
 * @example An operation the local CloudWatch Logs does not serve
 * ```ts
 * import assert from "node:assert/strict";
 * import { LocalLambda } from "./local_lambda.ts";
 * import { publishedProfile } from "../profile/service_profile.ts";
 * import { seededPrng } from "../random/prng.ts";
 *
 * const lambda = new LocalLambda({ profileFor: publishedProfile, prng: seededPrng(1) });
 * const res = await handleLogsRequest(
 *   lambda,
 *   new Request("http://127.0.0.1/", {
 *     method: "POST",
 *     headers: { "x-amz-target": "Logs_20140328.PutLogEvents" },
 *     body: "{}",
 *   }),
 *   { requestId: () => "0f8fad5b-d9cb-469f-a165-70867728950e" },
 * );
 * assert.equal(res.status, 400);
 * assert.equal(res.headers.get("x-amzn-requestid"), "0f8fad5b-d9cb-469f-a165-70867728950e");
 * assert.equal((await res.json()).__type, "UnknownOperationException");
 * ```
 */
export async function handleLogsRequest(
  lambda: LocalLambda,
  req: Request,
  options: LogsRequestOptions = {},
): Promise<Response> {
  const requestId = (options.requestId ?? (() => crypto.randomUUID()))();
  const headers = { "content-type": "application/x-amz-json-1.1", "x-amzn-RequestId": requestId };
  let status = 200, body: unknown;
  try {
    body = await _answer(lambda, req);
  } catch (e) {
    const error = e instanceof LogsError ? e : new LogsError(
      "ServiceUnavailableException",
      `The local CloudWatch Logs failed: ${
        String(e instanceof Error ? e.message : e).replace(/\s+/g, " ")
      }`,
      500,
    );
    status = error.status;
    body = { __type: error.type, message: error.message };
  }
  return new Response(JSON.stringify(body), { status, headers });
}

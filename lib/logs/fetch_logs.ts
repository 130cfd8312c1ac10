/**
 * A Lambda function's log events over a time range, fetched with the
 * CloudWatch Logs SDK's `FilterLogEvents` paginator (from AWS or a local
 * Lambda's CloudWatch Logs face), and their platform lines parsed: the START,
 * END and REPORT records, and the malformed lines skipped with their reasons.
 * The client is injected, or made from an endpoint, a region and keys.
 *
 * @module
 */

import { CloudWatchLogsClient, paginateFilterLogEvents } from "@aws-sdk/client-cloudwatch-logs";
import {
  type LambdaLogRecord,
  type LambdaReportRecord,
  parseLambdaLog,
  type SkippedLine,
} from "./lambda_log_lines.ts";

/** Options of {@linkcode fetchLogs}. */
export interface FetchLogsOptions {
  /** The client to use (not destroyed here). Excludes `endpoint`, `region` and `credentials`. */
  client?: CloudWatchLogsClient;
  /**
   * A CloudWatch Logs endpoint, e.g. a local Lambda's URL.
   * @default {undefined: AWS, with the standard credential chain}
   */
  endpoint?: string;
  /** AWS region. @default {"us-east-1"} */
  region?: string;
  /**
   * Keys. @default {with `endpoint`: `{ accessKeyId: "local", secretAccessKey: "local" }`;
   * without: the standard credential chain}
   */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Start of the range (inclusive), ms since the epoch. @default {an hour before now} */
  startTimeMs?: number;
  /**
   * End of the range (exclusive), ms since the epoch. A range with no whole
   * millisecond in it (e.g. `endTimeMs === startTimeMs`) has no events, and
   * is answered without a request. @default {now + 1}
   */
  endTimeMs?: number;
  /** CloudWatch filter pattern, e.g. `"REPORT"`. @default {undefined: every event} */
  filterPattern?: string;
  /** Events per page, at most (an integer > 0). @default {undefined: the service's} */
  pageSize?: number;
  /** The log group. @default {`/aws/lambda/<functionName>`} */
  logGroupName?: string;
  /** Wall clock, ms since the epoch, for the defaults of the range. @default {Date.now} */
  now?: () => number;
}

/** One log event as fetched. */
export interface FetchedLogEvent {
  /** ms since the epoch. */
  timestamp: number;
  logStreamName: string;
  /** The message without its final line end. */
  message: string;
}

/** What {@linkcode fetchLogs} returns. */
export interface FetchedLogs {
  logGroupName: string;
  /** The range queried, ms since the epoch (end exclusive). */
  startTimeMs: number;
  endTimeMs: number;
  /** Every event of the range that matched, in time order. */
  events: FetchedLogEvent[];
  /** The platform records of the events' messages, in order. */
  records: LambdaLogRecord[];
  /** The REPORT records among them. */
  reports: LambdaReportRecord[];
  /**
   * Malformed platform lines; `line` counts the lines of the events' messages
   * joined with line ends (one line an event unless a message spans several).
   */
  skipped: SkippedLine[];
}

function _invalid(name: string, expected: string, value: unknown): RangeError {
  return new RangeError(
    `Cannot fetch logs as '${name}' must be ${expected}: current value is ${value}`,
  );
}

/** The events of a range with their platform lines parsed. */
function _fetched(
  logGroupName: string,
  startTimeMs: number,
  endTimeMs: number,
  events: FetchedLogEvent[],
): FetchedLogs {
  const parsed = parseLambdaLog(events.map((e) => e.message).join("\n"));
  return {
    logGroupName,
    startTimeMs,
    endTimeMs,
    events,
    records: parsed.records,
    reports: parsed.records.filter((r): r is LambdaReportRecord => r.kind === "report"),
    skipped: parsed.skipped,
  };
}

/**
 * Fetches a Lambda function's log events over a time range with the
 * `FilterLogEvents` paginator and parses their START, END and REPORT lines.
 * A range with no whole millisecond in it (`ceil(endTimeMs) - 1 <
 * ceil(startTimeMs)`, e.g. an empty one) is answered with no events without
 * sending a request.
 *
 * @param functionName The function (its log group is `/aws/lambda/<functionName>`).
 * @param options The client or where to connect, the range and the filter.
 * @returns The events, the records parsed from them and the lines skipped.
 * @throws {TypeError} On an empty function name, or a client together with an endpoint.
 * @throws {RangeError} On a time that is not finite, an end before the start, or a bad page size.
 *
 * @example REPORT lines of a local Lambda
 * ```ts
 * import assert from "node:assert/strict";
 * import { startLocalLambdaServer } from "../lambda/http_server.ts";
 * import { LocalLambda } from "../lambda/local_lambda.ts";
 * import { publishedProfile } from "../profile/service_profile.ts";
 * import { seededPrng } from "../random/prng.ts";
 *
 * const lambda = new LocalLambda({
 *   profileFor: publishedProfile,
 *   prng: seededPrng(1),
 *   timeScale: 1000,
 * });
 * lambda.createFunction({ FunctionName: "f", MemorySize: 2048 });
 * await lambda.invoke("f", new TextEncoder().encode('{"requests": [1, 2, 3]}'));
 * const server = startLocalLambdaServer(lambda);
 * try {
 *   const logs = await fetchLogs("f", { endpoint: server.url, filterPattern: "REPORT" });
 *   assert.equal(logs.reports.length, 1);
 *   assert.deepEqual(logs.skipped, []);
 * } finally {
 *   await server.close();
 * }
 * ```
 */
export async function fetchLogs(
  functionName: string,
  options: FetchLogsOptions = {},
): Promise<FetchedLogs> {
  if (typeof functionName !== "string" || functionName === "") {
    throw new TypeError(
      `Cannot fetch logs as 'functionName' must be a non-empty string: current value is ${
        JSON.stringify(functionName)
      }`,
    );
  }
  const {
    client: injected,
    endpoint,
    region = "us-east-1",
    filterPattern,
    pageSize,
    logGroupName = `/aws/lambda/${functionName}`,
    now = () => Date.now(),
  } = options;
  if (injected && (endpoint !== undefined || options.credentials !== undefined)) {
    throw new TypeError("Cannot fetch logs with both 'client' and 'endpoint' or 'credentials'");
  }
  const nowMs = options.startTimeMs === undefined || options.endTimeMs === undefined ? now() : NaN;
  const startTimeMs = options.startTimeMs ?? nowMs - 3_600_000;
  const endTimeMs = options.endTimeMs ?? nowMs + 1;
  if (!Number.isFinite(startTimeMs)) throw _invalid("startTimeMs", "finite", startTimeMs);
  if (!Number.isFinite(endTimeMs)) throw _invalid("endTimeMs", "finite", endTimeMs);
  if (!(endTimeMs >= startTimeMs)) {
    throw _invalid("endTimeMs", `at least startTimeMs (${startTimeMs})`, endTimeMs);
  }
  if (pageSize !== undefined && !(Number.isInteger(pageSize) && pageSize > 0)) {
    throw _invalid("pageSize", "a positive integer", pageSize);
  }
  // The API takes whole milliseconds (a Long) and includes both ends
  // (FilterLogEvents: "Events with a timestamp later than this time are not
  // returned"); event timestamps are whole milliseconds, so
  // [startTimeMs, endTimeMs) is [ceil(start), ceil(end) - 1].
  const firstMs = Math.ceil(startTimeMs);
  const lastMs = Math.ceil(endTimeMs) - 1;
  if (lastMs < firstMs) {
    // No whole millisecond in the range: no events. Not sent, as the API
    // refuses an endTime before the startTime (so an unknown log group goes
    // unnoticed here).
    return _fetched(logGroupName, startTimeMs, endTimeMs, []);
  }
  const credentials = options.credentials ??
    (endpoint === undefined ? undefined : { accessKeyId: "local", secretAccessKey: "local" });
  const client = injected ?? new CloudWatchLogsClient({
    region,
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(credentials === undefined ? {} : { credentials }),
  });
  try {
    const events: FetchedLogEvent[] = [];
    for await (
      const page of paginateFilterLogEvents({ client, pageSize }, {
        logGroupName,
        startTime: firstMs,
        endTime: lastMs,
        filterPattern,
      })
    ) {
      for (const e of page.events ?? []) {
        events.push({
          timestamp: e.timestamp ?? 0,
          logStreamName: e.logStreamName ?? "",
          message: (e.message ?? "").replace(/\n$/, ""),
        });
      }
    }
    return _fetched(logGroupName, startTimeMs, endTimeMs, events);
  } finally {
    if (!injected) client.destroy();
  }
}

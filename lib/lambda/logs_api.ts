/**
 * The CloudWatch Logs face of {@linkcode LocalLambda}: the JSON 1.1 calls that
 * `@aws-sdk/client-cloudwatch-logs` sends for DescribeLogGroups,
 * DescribeLogStreams, GetLogEvents and FilterLogEvents (time range, filter
 * patterns of plain terms and quoted phrases, pagination by `nextToken`).
 *
 * @module
 */

import type { LocalLambda, LogStream } from "./local_lambda.ts";

/** The `X-Amz-Target` prefix of the CloudWatch Logs API. */
export const LOGS_TARGET_PREFIX = "Logs_20140328.";

class LogsError extends Error {
  constructor(readonly type: string, message: string) {
    super(message);
  }
}

function page<T>(items: T[], input: Record<string, unknown>, defaultLimit: number) {
  const limit = typeof input.limit === "number" && input.limit > 0 ? input.limit : defaultLimit;
  let start = 0;
  if (input.nextToken !== undefined) {
    start = Number(String(input.nextToken).replace(/^n\//, ""));
    if (!(Number.isInteger(start) && start >= 0)) {
      throw new LogsError("InvalidParameterException", "The specified nextToken is invalid.");
    }
  }
  const slice = items.slice(start, start + limit);
  const next = start + limit < items.length ? `n/${start + limit}` : undefined;
  return { slice, next };
}

/**
 * Whether a message matches a filter pattern made of plain terms (all must
 * appear) and double-quoted phrases; an empty pattern matches everything.
 */
export function matchesFilterPattern(message: string, pattern: string | undefined): boolean {
  if (!pattern || pattern.trim() === "") return true;
  const terms = pattern.match(/"[^"]*"|\S+/g) ?? [];
  return terms.every((t) => message.includes(t.startsWith('"') ? t.slice(1, -1) : t));
}

function group(lambda: LocalLambda, name: unknown) {
  const g = typeof name === "string" ? lambda.logGroups.get(name) : undefined;
  if (!g) {
    throw new LogsError("ResourceNotFoundException", "The specified log group does not exist.");
  }
  return g;
}

function streamInfo(s: LogStream, groupName: string) {
  const first = s.events[0], last = s.events[s.events.length - 1];
  return {
    logStreamName: s.logStreamName,
    creationTime: s.creationTime,
    firstEventTimestamp: first?.timestamp,
    lastEventTimestamp: last?.timestamp,
    lastIngestionTime: last?.ingestionTime,
    arn: `arn:aws:logs:us-east-1:000000000000:log-group:${groupName}:log-stream:${s.logStreamName}`,
    storedBytes: 0,
  };
}

function call(lambda: LocalLambda, op: string, input: Record<string, unknown>): unknown {
  switch (op) {
    case "DescribeLogGroups": {
      const prefix = typeof input.logGroupNamePrefix === "string" ? input.logGroupNamePrefix : "";
      const all = [...lambda.logGroups].filter(([n]) => n.startsWith(prefix)).sort(([a], [b]) =>
        a < b ? -1 : 1
      );
      const { slice, next } = page(all, input, 50);
      return {
        logGroups: slice.map(([logGroupName, g]) => ({
          logGroupName,
          creationTime: g.creationTime,
          arn: `arn:aws:logs:us-east-1:000000000000:log-group:${logGroupName}:*`,
          storedBytes: 0,
        })),
        nextToken: next,
      };
    }
    case "DescribeLogStreams": {
      const g = group(lambda, input.logGroupName);
      const prefix = typeof input.logStreamNamePrefix === "string" ? input.logStreamNamePrefix : "";
      let streams = g.streams.filter((s) => s.logStreamName.startsWith(prefix));
      if (input.orderBy === "LastEventTime") {
        const t = (s: LogStream) => s.events[s.events.length - 1]?.timestamp ?? 0;
        streams = [...streams].sort((a, b) => t(a) - t(b));
      } else streams = [...streams].sort((a, b) => (a.logStreamName < b.logStreamName ? -1 : 1));
      if (input.descending === true) streams.reverse();
      const { slice, next } = page(streams, input, 50);
      return {
        logStreams: slice.map((s) => streamInfo(s, String(input.logGroupName))),
        nextToken: next,
      };
    }
    case "GetLogEvents": {
      const g = group(lambda, input.logGroupName);
      const s = g.streams.find((x) => x.logStreamName === input.logStreamName);
      if (!s) {
        throw new LogsError(
          "ResourceNotFoundException",
          "The specified log stream does not exist.",
        );
      }
      const from = typeof input.startTime === "number" ? input.startTime : -Infinity;
      const to = typeof input.endTime === "number" ? input.endTime : Infinity;
      const events = s.events.filter((e) => e.timestamp >= from && e.timestamp < to);
      const limit = typeof input.limit === "number" && input.limit > 0 ? input.limit : 10000;
      let start = 0;
      if (typeof input.nextToken === "string") start = Number(input.nextToken.slice(2)) || 0;
      const slice = events.slice(start, start + limit);
      // As CloudWatch does, the forward token repeats once the end is reached.
      const forward = `f/${Math.min(events.length, start + slice.length)}`;
      return {
        events: slice,
        nextForwardToken: forward,
        nextBackwardToken: `b/${start}`,
      };
    }
    case "FilterLogEvents": {
      const g = group(lambda, input.logGroupName);
      const names = Array.isArray(input.logStreamNames)
        ? input.logStreamNames as string[]
        : undefined;
      const prefix = typeof input.logStreamNamePrefix === "string" ? input.logStreamNamePrefix : "";
      const streams = g.streams.filter((s) =>
        (names ? names.includes(s.logStreamName) : true) && s.logStreamName.startsWith(prefix)
      );
      const from = typeof input.startTime === "number" ? input.startTime : -Infinity;
      const to = typeof input.endTime === "number" ? input.endTime : Infinity;
      const pattern = typeof input.filterPattern === "string" ? input.filterPattern : undefined;
      const events = streams.flatMap((s) =>
        s.events.map((e, i) => ({
          ...e,
          logStreamName: s.logStreamName,
          eventId: `${s.logStreamName}/${i}`,
        }))
          .filter((e) =>
            e.timestamp >= from && e.timestamp < to && matchesFilterPattern(e.message, pattern)
          )
      ).sort((a, b) => a.timestamp - b.timestamp);
      const { slice, next } = page(events, input, 10000);
      return {
        events: slice,
        nextToken: next,
        searchedLogStreams: streams.map((s) => ({
          logStreamName: s.logStreamName,
          searchedCompletely: true,
        })),
      };
    }
    default:
      throw new LogsError("UnknownOperationException", `Unknown operation ${op}`);
  }
}

/** Handles one CloudWatch Logs request (`X-Amz-Target: Logs_20140328.<Op>`). */
export async function handleLogsRequest(lambda: LocalLambda, req: Request): Promise<Response> {
  const target = req.headers.get("x-amz-target") ?? "";
  const op = target.slice(LOGS_TARGET_PREFIX.length);
  const headers = { "content-type": "application/x-amz-json-1.1" };
  try {
    let input: Record<string, unknown> = {};
    const text = await req.text();
    if (text !== "") {
      try {
        input = JSON.parse(text);
      } catch {
        throw new LogsError("SerializationException", "The request body is not JSON");
      }
    }
    return new Response(JSON.stringify(call(lambda, op, input)), { status: 200, headers });
  } catch (e) {
    if (!(e instanceof LogsError)) throw e;
    return new Response(JSON.stringify({ __type: e.type, message: e.message }), {
      status: 400,
      headers,
    });
  }
}

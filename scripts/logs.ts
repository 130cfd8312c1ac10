/**
 * `deno task logs`: a function's Lambda logs over a time range, fetched with
 * the CloudWatch Logs SDK's paginator (against AWS or a local Lambda), printed
 * as lines, as a table of REPORT lines, or as JSON.
 *
 * @module
 */

import { flagAsTyped, oneOfFlag, parseFlags, reportUserError } from "../lib/cli/flags.ts";
import { reportServiceError } from "../lib/cli/service_errors.ts";
import { UsageError } from "../lib/cli/usage_error.ts";
import { fetchLogs } from "../lib/logs/fetch_logs.ts";
import type { LambdaReportRecord } from "../lib/logs/lambda_log_lines.ts";

const HELP = `Usage: deno task logs --function-name NAME (--endpoint URL | --aws) [options]

Fetches the function's log events (log group /aws/lambda/NAME) with the
CloudWatch Logs paginator, from a local Lambda (deno task lambda-local) or AWS.

Options:
  --function-name NAME  the Lambda function (required; also --function)
  --since TIME          start: an ISO time, epoch ms, or a duration back from
                        now such as 30s, 15m, 2h, 1d                    [1h]
  --until TIME          end, same forms                                 [now]
  --filter PATTERN      CloudWatch filter pattern, e.g. REPORT     [all events]
  --endpoint URL        a Lambda/Logs API endpoint (a local Lambda)
  --aws                 real AWS with the standard credential chain
  --region NAME         AWS region, with --aws                    [us-east-1]
  --format FORMAT       lines: each event as a line (time, message);
                        table: the REPORT lines as a table;
                        csv: the REPORT lines as CSV ("reports" is its old name);
                        json: the events and the REPORT lines       [lines]
  -h, --help            this text

Exit codes: 0 fetched (even if no event matched); 2 bad options, an
unreachable endpoint, missing AWS credentials, or no such log group.
`;

/** The formats, and the old name of csv. */
const FORMATS = ["lines", "table", "csv", "json", "reports"] as const;

/** Parses an ISO time, epoch milliseconds, or a duration back from `nowMs`. */
export function parseTimeFlag(name: string, text: string, nowMs: number): number {
  const d = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (d) {
    const unit = { ms: 1, s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7 }[d[2] as "ms"];
    return nowMs - Number(d[1]) * unit;
  }
  if (/^\d{12,}$/.test(text.trim())) return Number(text);
  const t = Date.parse(text);
  if (Number.isNaN(t)) {
    throw new UsageError(
      `${name.startsWith("-") ? name : `--${name}`} must be an ISO time, epoch ms or a ` +
        `duration like 15m: found '${text}'`,
    );
  }
  return t;
}

/** The REPORT lines as an aligned table, with a line that counts them. */
function reportsTable(reports: readonly LambdaReportRecord[]): string {
  const head = [
    "request id",
    "duration (ms)",
    "billed (ms)",
    "memory (MB)",
    "max used (MB)",
    "init (ms)",
  ];
  const rows = reports.map((r) => [
    r.requestId,
    String(r.durationMs),
    String(r.billedDurationMs),
    String(r.memorySizeMb),
    String(r.maxMemoryUsedMb),
    r.initDurationMs === undefined ? "-" : String(r.initDurationMs),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  const cold = reports.filter((r) => r.initDurationMs !== undefined).length;
  return [
    line(head),
    ...rows.map(line),
    `${reports.length} REPORT line${reports.length === 1 ? "" : "s"}, ${cold} cold start${
      cold === 1 ? "" : "s"
    }`,
  ].join("\n");
}

/** The REPORT lines as CSV, buffer.py's column names. */
function reportsCsv(reports: readonly LambdaReportRecord[]): string {
  return [
    "request_id,duration_ms,billed_duration_ms,memory_size_mb,max_memory_used_mb,init_duration_ms",
    ...reports.map((r) =>
      `${r.requestId},${r.durationMs},${r.billedDurationMs},${r.memorySizeMb},` +
      `${r.maxMemoryUsedMb},${r.initDurationMs ?? ""}`
    ),
  ].join("\n");
}

/**
 * Runs the logs CLI.
 *
 * @param args Command-line arguments.
 * @returns The exit code.
 */
export async function main(args: string[]): Promise<number> {
  let where = { aws: false, region: "us-east-1", endpoint: "", functionName: "" };
  try {
    const { values: flags, typed } = parseFlags({
      args,
      strict: true,
      options: {
        "function-name": { type: "string" },
        since: { type: "string", default: "1h" },
        until: { type: "string" },
        filter: { type: "string" },
        endpoint: { type: "string" },
        aws: { type: "boolean" },
        region: { type: "string" },
        format: { type: "string", default: "lines" },
        help: { type: "boolean", short: "h" },
      },
      aliases: { function: "function-name" },
    });
    if (flags.help) {
      console.log(HELP);
      return 0;
    }
    const flag = (name: string) => flagAsTyped(typed, name);
    const functionName = flags["function-name"];
    if (!functionName) throw new UsageError("--function-name NAME is required");
    const chosen = oneOfFlag(flag("format"), flags.format!, FORMATS);
    const format = chosen === "reports" ? "csv" : chosen;
    if (flags.aws && flags.endpoint !== undefined) {
      throw new UsageError(`${flag("aws")} and ${flag("endpoint")} exclude each other`);
    }
    if (!flags.aws && flags.endpoint === undefined) {
      throw new UsageError("give --endpoint URL (a local Lambda) or --aws");
    }
    if (flags.region !== undefined && !flags.aws) {
      throw new UsageError(
        `${flag("region")} is for --aws: ${flag("endpoint")} ${flags.endpoint} has no region`,
      );
    }
    const now = Date.now();
    const startTime = parseTimeFlag(flag("since"), flags.since!, now);
    const endTime = flags.until === undefined
      ? now + 1
      : parseTimeFlag(flag("until"), flags.until, now);
    if (!(endTime >= startTime)) {
      throw new UsageError(
        `${flag("until")} ${flags.until} is before ${flag("since")} ${flags.since}: the range ` +
          "would be empty",
      );
    }
    where = {
      aws: flags.aws === true,
      region: flags.region ?? "us-east-1",
      endpoint: flags.endpoint ?? "",
      functionName,
    };
    const logs = await fetchLogs(functionName, {
      endpoint: flags.endpoint,
      region: where.region,
      startTimeMs: startTime,
      endTimeMs: endTime,
      filterPattern: flags.filter,
    });
    const events = logs.events;
    if (format === "json") {
      console.log(JSON.stringify({
        function: functionName,
        startTime,
        endTime,
        events,
        reports: logs.reports,
      }));
    } else if (format === "lines") {
      for (const e of events) console.log(`${new Date(e.timestamp).toISOString()} ${e.message}`);
    } else {
      console.log(format === "csv" ? reportsCsv(logs.reports) : reportsTable(logs.reports));
    }
    if (format !== "json" && format !== "lines" && logs.skipped.length) {
      console.error(`logs: ${logs.skipped.length} malformed platform lines skipped`);
    }
    return 0;
  } catch (e) {
    return reportServiceError("logs", e, {
      target: where.aws
        ? `CloudWatch Logs in ${where.region}`
        : `the Logs API at ${where.endpoint}`,
      functionName: where.functionName,
      notFound: `no log group /aws/lambda/${where.functionName}: the function does not exist ` +
        "there or has not run yet",
    }) ?? reportUserError("logs", e);
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));

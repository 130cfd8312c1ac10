/**
 * `deno task logs`: a function's Lambda logs over a time range, fetched with
 * the CloudWatch Logs SDK's paginator (against AWS or a local Lambda), printed
 * as lines, as a table of REPORT lines, or as JSON.
 *
 * @module
 */

import { parseFlags, reportUserError } from "../lib/cli/flags.ts";
import { reportServiceError } from "../lib/cli/service_errors.ts";
import { UsageError } from "../lib/cli/usage_error.ts";
import { fetchLogs } from "../lib/logs/fetch_logs.ts";

const HELP = `Usage: deno task logs --function NAME [options]

Fetches the function's log events (log group /aws/lambda/NAME) with the
CloudWatch Logs paginator.

Options:
  --function NAME     the Lambda function (required)
  --since TIME        start: an ISO time, epoch ms, or a duration back from now
                      such as 30s, 15m, 2h, 1d                          [1h]
  --until TIME        end, same forms                                   [now]
  --filter PATTERN    CloudWatch filter pattern, e.g. REPORT            [all events]
  --endpoint URL      a Lambda/Logs API endpoint (a local Lambda)
  --aws               real AWS with the standard credential chain
  --region NAME       AWS region                                        [us-east-1]
  --format FORMAT     lines, reports (a table of REPORT lines) or json  [lines]
  -h, --help          this text
`;

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
      `--${name} must be an ISO time, epoch ms or a duration like 15m: found '${text}'`,
    );
  }
  return t;
}

/**
 * Runs the logs CLI.
 *
 * @param args Command-line arguments.
 * @returns The exit code.
 */
export async function main(args: string[]): Promise<number> {
  let v: { function?: string; endpoint?: string; aws?: boolean; region?: string } | undefined;
  try {
    const flags = parseFlags({
      args,
      strict: true,
      options: {
        function: { type: "string" },
        since: { type: "string", default: "1h" },
        until: { type: "string" },
        filter: { type: "string" },
        endpoint: { type: "string" },
        aws: { type: "boolean" },
        region: { type: "string", default: "us-east-1" },
        format: { type: "string", default: "lines" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
    v = flags;
    if (flags.help) {
      console.log(HELP);
      return 0;
    }
    if (!flags.function) throw new UsageError("--function NAME is required");
    if (!["lines", "reports", "json"].includes(flags.format!)) {
      throw new UsageError(`--format must be lines, reports or json: found '${flags.format}'`);
    }
    if (flags.aws && flags.endpoint) {
      throw new UsageError("--aws and --endpoint exclude each other");
    }
    if (!flags.aws && !flags.endpoint) {
      throw new UsageError("give --endpoint URL (a local Lambda) or --aws");
    }
    const now = Date.now();
    const startTime = parseTimeFlag("since", flags.since!, now);
    const endTime = flags.until === undefined ? now + 1 : parseTimeFlag("until", flags.until, now);
    const logs = await fetchLogs(flags.function, {
      endpoint: flags.endpoint,
      region: flags.region,
      startTimeMs: startTime,
      endTimeMs: endTime,
      filterPattern: flags.filter,
    });
    const events = logs.events;
    if (flags.format === "json") {
      console.log(JSON.stringify({ function: flags.function, startTime, endTime, events }));
    } else if (flags.format === "lines") {
      for (const e of events) console.log(`${new Date(e.timestamp).toISOString()} ${e.message}`);
    } else {
      console.log(
        "request_id,duration_ms,billed_duration_ms,memory_size_mb,max_memory_used_mb,init_duration_ms",
      );
      for (const r of logs.reports) {
        console.log(
          `${r.requestId},${r.durationMs},${r.billedDurationMs},${r.memorySizeMb},` +
            `${r.maxMemoryUsedMb},${r.initDurationMs ?? ""}`,
        );
      }
      if (logs.skipped.length) {
        console.error(`logs: ${logs.skipped.length} malformed platform lines skipped`);
      }
    }
    return 0;
  } catch (e) {
    return reportServiceError("logs", e, {
      target: v?.aws ? `CloudWatch Logs in ${v.region}` : `the Logs API at ${v?.endpoint}`,
      functionName: v?.function,
      notFound:
        `no log group /aws/lambda/${v?.function}: the function does not exist there or has not run yet`,
    }) ?? reportUserError("logs", e);
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));

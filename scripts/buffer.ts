/**
 * `deno task buffer`: a batching experiment in real time, as the original
 * buffer.py: requests arrive by an arrival process or a trace, the buffer
 * groups them and invokes the function once per batch through
 * `@aws-sdk/client-lambda`, and the run's logs are written as batches complete.
 * With no `--endpoint` and no `--aws` the local Lambda is started in-process.
 * With `--adaptive` the buffer is re-optimized window by window as the traffic
 * changes (B and T at once, memory through the function's configuration).
 *
 * @module
 */

import { iterateArrivals } from "../lib/arrivals/streams.ts";
import { ARRIVAL_STRING_FLAGS, arrivalsFrom, positive } from "../lib/cli/arrival_flags.ts";
import { parseFlags, reportUserError } from "../lib/cli/flags.ts";
import { reportServiceError } from "../lib/cli/service_errors.ts";
import { signalSequence } from "../lib/cli/signals.ts";
import { UsageError } from "../lib/cli/usage_error.ts";
import {
  type AdaptiveExperimentOptions,
  type ExperimentResult,
  runExperiment,
} from "../lib/buffer/experiment.ts";
import { readProfileArgument } from "../lib/io/profile_files.ts";
import type { ConfigurationGrid } from "../lib/model/types.ts";
import { gridFromRanges } from "../lib/optimize/grid.ts";
import { pricing as pricingByName, PRICING_NAMES } from "../lib/profile/pricing.ts";

const HELP = `Usage: deno task buffer [options]

Runs the BATCH buffer in real time against AWS Lambda (--aws), a Lambda API at
--endpoint, or (the default) the local Lambda started in-process. Requests wait
until B have arrived or T seconds have passed since the first, then go to the
function as one invocation. Logs go to --out as batches complete.

Batching and function (buffer.py's flags; snake_case or kebab-case):
  --batch_size B          max batch size                                [5]
  --time_out T            timeout from the first request, s             [1]
  --function_name NAME    the Lambda function                           [inception-v4]
  --memory M              memory to configure before the run, MB        [3008]
  --model NAME|FILE.json  profile of the local Lambda and the model     [TF-inceptionV4]
  --pricing NAME          ${PRICING_NAMES.join(", ")}           [aws-x86]

Arrivals (as deno task simulate):
  --arrival_process KIND  exp, map, trace or day                        [exp]
  --inter_arrival RATE    exp: requests/s                               [20]
  --map D0,D1 | --trace NAME --hour H | --day NAME | --trace_path FILE [--timestamps] [--loop]
  --requests N            stop after N requests
  --duration S            stop arrivals after S seconds                 [60 without --requests]
  --seed N                random seed                                   [1]

Where the function runs:
  --endpoint URL          a Lambda API endpoint (e.g. a local Lambda you started)
  --region NAME           AWS region                                    [us-east-1]
  --aws                   real AWS with the standard credential chain
  --time_scale X          local Lambda only: run functions X times faster [1]
  --concurrency N         local Lambda only: concurrency limit          [1000]
  --jitter CV             local Lambda only: lognormal service-time CV  [0]
  --extrapolate           local Lambda only: serve memories and batch sizes
                          outside the profile's fitted range (refused otherwise)

Adaptive BATCH (the controller re-optimizes from the arrivals it sees):
  --adaptive              every --window seconds fit a MAP(2) to the window's
                          arrivals, solve, and reconfigure: B and T at once,
                          memory through UpdateFunctionConfiguration while the
                          batches go on at the old memory; each decision is
                          appended to decisions.jsonl in --out
  --window S              observation window, s, from the run's start   [3600]
  --slo S                 p95 latency SLO, s                            [5]
  --rate_margin X         the choice must meet the SLO at (1 ± X) times the
                          fitted rate                                   [0.25]
  --grid_memory LO:HI:STEP  memories to choose from, integer MB         [1280:3008:64]
  --grid_timeout LO:HI:STEP timeouts to choose from, s                  [0.01:0.49:0.01]
  --grid_batch LO:HI:STEP   max batch sizes to choose from              [1:20:1]
  The initial configuration is --batch_size, --time_out, --memory. Each
  window's solve runs on the arrival loop: a large grid delays the arrivals
  and timers at a window's end by its time (0.1 to 0.3 s for the defaults).

Run:
  --out DIR               run directory            [runs/<time>-<function>]
  --max_in_flight N       batches invoked at once, at most              [unlimited]
  --max_connections N     connections of the Lambda client's pool (the SDK's
                          default, 50, would queue batches in the client)
                          [--max_in_flight, else --concurrency (local), else 1000]
  --grace S               wait for batches in flight at the end, s      [30]
  --format FORMAT         table or json                                 [table]
  -h, --help              this text

Ctrl-C (or SIGTERM) stops the arrivals, dispatches the open batch, waits for the
batches in flight (--grace), writes the summary and exits 130. Signals within
0.5 s of the first are the same stop (a terminal or a supervisor signals the
whole process group, and deno task forwards it too). A later one exits at once:
requests still queued or in flight are written with status 'abandoned',
run.json says 'killed' with the counts, and the summary is printed.

batches.csv has each batch's wait in the client for a connection
(client_wait_ms); a batch that queued there because all connections were busy
is warned about on stderr and in run.json (its latency includes that wait).

Exit codes: 0 done, 2 bad flags or input, 1 the run failed, 130 stopped by a signal.
`;

const STRING_FLAGS: Record<string, string | undefined> = {
  batch_size: "5",
  time_out: "1",
  function_name: "inception-v4",
  memory: "3008",
  model: "TF-inceptionV4",
  pricing: "aws-x86",
  ...ARRIVAL_STRING_FLAGS,
  endpoint: undefined,
  region: "us-east-1",
  time_scale: "1",
  jitter: "0",
  concurrency: "1000",
  window: "3600",
  slo: "5",
  rate_margin: "0.25",
  grid_memory: "1280:3008:64",
  grid_timeout: "0.01:0.49:0.01",
  grid_batch: "1:20:1",
  out: undefined,
  max_in_flight: undefined,
  max_connections: undefined,
  grace: "30",
  format: "table",
};

function parse(args: string[]) {
  return parseFlags({
    args,
    strict: true,
    options: {
      ...Object.fromEntries(
        Object.entries(STRING_FLAGS).map(([k, v]) => [k, { type: "string" as const, default: v }]),
      ),
      aws: { type: "boolean" },
      adaptive: { type: "boolean" },
      extrapolate: { type: "boolean" },
      timestamps: { type: "boolean" },
      loop: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  }).values as Record<string, string | boolean | undefined>;
}

/**
 * The adaptive grid from its flags, named as the user wrote them.
 *
 * @throws {UsageError} On a bad range or a memory Lambda does not take.
 */
function _gridFromFlags(v: Record<string, string | boolean | undefined>): ConfigurationGrid {
  let grid: ConfigurationGrid;
  try {
    grid = gridFromRanges(String(v.grid_memory), String(v.grid_timeout), String(v.grid_batch));
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    // gridFromRanges names the ranges as deno task solve's flags.
    throw new UsageError(e.message.replace(/--(memory|timeout|batch)\b/, "--grid_$1"));
  }
  const bad = grid.memoriesMb.find((m) => !(Number.isInteger(m) && m >= 128 && m <= 10240));
  if (bad !== undefined) {
    throw new UsageError(
      `--grid_memory must hold integers from 128 to 10240 MB, as Lambda takes them: found ${bad} in '${v.grid_memory}'`,
    );
  }
  return grid;
}

/** The adaptive settings from the flags, or undefined without `--adaptive`. */
function _adaptiveFromFlags(
  v: Record<string, string | boolean | undefined>,
): AdaptiveExperimentOptions | undefined {
  if (!v.adaptive) return undefined;
  const windowSec = positive("window", String(v.window));
  const slo = positive("slo", String(v.slo));
  const text = String(v.rate_margin);
  const rateMargin = Number(text);
  if (text.trim() === "" || !(rateMargin >= 0 && rateMargin < 1)) {
    throw new UsageError(`--rate_margin must be a number within [0, 1): found '${text}'`);
  }
  return {
    windowSec,
    slo,
    rateMargin,
    percentile: 0.95,
    constraint: "latency",
    grid: _gridFromFlags(v),
  };
}

/**
 * Runs the buffer CLI.
 *
 * @param args Command-line arguments.
 * @returns The exit code (130 when interrupted).
 */
export async function main(args: string[]): Promise<number> {
  let v: Record<string, string | boolean | undefined>;
  try {
    v = parse(args);
    if (v.help) {
      console.log(HELP);
      return 0;
    }
  } catch (e) {
    return reportUserError("buffer", e);
  }
  const json = v.format === "json";
  // The first signal stops the run (the run directory is flushed from then on);
  // the same one again (the process group's and deno task's) is ignored; a
  // later one forces the end: what is queued or in flight is abandoned, the
  // files are written and the summary printed. Should that hang, the exit
  // comes anyway 2 s later.
  const stop = new AbortController(), kill = new AbortController();
  const meaning = signalSequence({ windowMs: 500 });
  const say = (line: string) => Deno.stderr.writeSync(new TextEncoder().encode(line + "\n"));
  const onSignal = () => {
    const m = meaning();
    if (m === "stop") {
      say(
        "\rbuffer: stopping: the open batch goes, the batches in flight get --grace; " +
          "signal again to exit at once\x1b[K",
      );
      stop.abort();
    } else if (m === "force" && !kill.signal.aborted) {
      say("\rbuffer: exiting now: requests still queued or in flight are abandoned\x1b[K");
      kill.abort();
      setTimeout(() => Deno.exit(130), 2000);
    }
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  let result: ExperimentResult | undefined;
  try {
    if (v.format !== "table" && v.format !== "json") {
      throw new UsageError(`--format must be table or json: found '${v.format}'`);
    }
    const maxBatch = positive("batch_size", String(v.batch_size), true);
    const timeoutSec = positive("time_out", String(v.time_out));
    const memoryMb = positive("memory", String(v.memory), true);
    const seed = Number(v.seed);
    if (!Number.isInteger(seed)) {
      throw new UsageError(`--seed must be an integer: found '${v.seed}'`);
    }
    const requests = v.requests === undefined
      ? undefined
      : positive("requests", String(v.requests), true);
    const durationSec = v.duration === undefined
      ? (requests === undefined ? 60 : Infinity)
      : positive("duration", String(v.duration));
    const timeScale = positive("time_scale", String(v.time_scale));
    const graceSec = positive("grace", String(v.grace));
    const maxInFlight = v.max_in_flight === undefined
      ? Infinity
      : positive("max_in_flight", String(v.max_in_flight), true);
    const maxConnections = v.max_connections === undefined
      ? undefined
      : positive("max_connections", String(v.max_connections), true);
    if (!(PRICING_NAMES as readonly string[]).includes(String(v.pricing))) {
      throw new UsageError(
        `--pricing must be one of ${PRICING_NAMES.join(", ")}: found '${v.pricing}'`,
      );
    }
    if (v.aws && v.endpoint) throw new UsageError("--aws and --endpoint exclude each other");
    const adaptive = _adaptiveFromFlags(v);
    const price = pricingByName(String(v.pricing));
    const profile = await readProfileArgument(String(v.model));
    const { stream, map, description } = await arrivalsFrom(v, seed);
    const functionName = String(v.function_name);
    const endpoint = v.endpoint === undefined ? undefined : String(v.endpoint);
    // The in-process Lambda's flags count only when it runs.
    const local = !v.aws && endpoint === undefined;
    let concurrency: number | undefined, jitterCv: number | undefined;
    if (local) {
      concurrency = positive("concurrency", String(v.concurrency), true);
      jitterCv = Number(v.jitter);
      if (!(jitterCv >= 0)) {
        throw new UsageError(`--jitter must be a number >= 0: found '${v.jitter}'`);
      }
    }
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    const dir = v.out === undefined ? `runs/${stamp}-${functionName}` : String(v.out);

    const encoder = new TextEncoder();
    const tty = !json && Deno.stderr.isTerminal();
    result = await runExperiment({
      arrivals: iterateArrivals(stream),
      arrivalsDescription: description,
      map,
      maxBatch,
      timeoutSec,
      functionName,
      memoryMb,
      profile,
      pricing: price,
      seed,
      requests,
      durationSec,
      endpoint,
      aws: Boolean(v.aws),
      region: String(v.region),
      timeScale,
      concurrency,
      jitterCv,
      extrapolate: Boolean(v.extrapolate),
      adaptive,
      out: dir,
      maxInFlight,
      maxConnections,
      graceSec,
      signal: stop.signal,
      killSignal: kill.signal,
      onWarning: (message) => say(`\rbuffer: warning: ${message}\x1b[K`),
      // Closed after the output, as the run's last step.
      keepLambda: true,
      onProgress: tty
        ? (p) => {
          const p95 = Number.isNaN(p.latencyP95Sec) ? "-" : p.latencyP95Sec.toFixed(3);
          Deno.stderr.writeSync(encoder.encode(
            `\rbuffer: ${p.requests} requests, ${p.batches} batches, ${p.inFlight} in flight, ` +
              `${p.failed} failed, p95 so far ${p95} s\x1b[K`,
          ));
        }
        : undefined,
    });
    if (tty) Deno.stderr.writeSync(encoder.encode("\r\x1b[K"));
    const { summary, prediction, config } = result;
    // Warnings already went to stderr as they happened; the summary's say the totals.
    for (const w of summary.warnings) say(`buffer: warning: ${w}`);
    if (json) {
      console.log(JSON.stringify({ status: result.status, ...summary, prediction, out: dir }));
    } else {
      const reasons = summary.dispatchReasons;
      const rows: [string, string, string][] = [
        ["requests", String(summary.requests), ""],
        [
          "completed / failed / abandoned",
          `${summary.completed} / ${summary.failed} / ${summary.abandoned}`,
          "",
        ],
        ["mean batch size", _fixed(summary.meanBatchSize, 3), ""],
        [
          "dispatch: size / timeout / shutdown",
          `${reasons.size} / ${reasons.timeout} / ${reasons.shutdown}`,
          "",
        ],
        ["latency p50 (s)", _fixed(summary.latencySec.p50, 4), ""],
        [
          "latency p95 (s)",
          _fixed(summary.latencySec.p95, 4),
          prediction ? _fixed(prediction.p95Sec, 4) : "",
        ],
        ["latency p99 (s)", _fixed(summary.latencySec.p99, 4), ""],
        [
          "cold starts: batches / share",
          `${summary.coldStartBatches} / ${
            summary.batches ? (100 * summary.coldStartBatches / summary.batches).toFixed(1) : "-"
          } %`,
          "",
        ],
        [
          "latency p95, warm batches only (s)",
          _fixed(summary.warmLatencySec.p95, 4),
          prediction ? _fixed(prediction.p95Sec, 4) : "",
        ],
        [
          "cost per request (USD)",
          _exponential(summary.costPerRequestUsd, 4),
          prediction ? _exponential(prediction.costPerRequestUsd, 4) : "",
        ],
        ["timeout lateness p99 (ms)", _fixed(summary.timeoutLatenessP99Sec * 1000, 2), ""],
        [
          `client: batches queued / longest wait (ms)`,
          `${summary.client.queuedBatches} / ${summary.client.maxWaitMs.toFixed(1)}`,
          "",
        ],
      ];
      if (summary.adaptive) {
        rows.push([
          "adaptive: windows decided / changes",
          `${summary.adaptive.windows} / ${summary.adaptive.changes}`,
          "",
        ]);
      }
      const adaptively = adaptive
        ? `; adaptive every ${adaptive.windowSec} s, p95 SLO ${adaptive.slo} s`
        : "";
      console.log(
        `Buffer run: ${description}, B = ${maxBatch}, T = ${timeoutSec} s, ${functionName} at ${memoryMb} MB (${config.target}, ${summary.client.connections} connections)${adaptively}`,
      );
      if (result.status !== "done") console.log(`status: ${result.status}`);
      const w0 = Math.max(...rows.map((r) => r[0].length));
      console.log(`${"".padEnd(w0)}  ${"measured".padStart(12)}  exact model (no cold starts)`);
      for (const [a, b, c] of rows) console.log(`${a.padEnd(w0)}  ${b.padStart(12)}  ${c}`);
      console.log(`logs in ${dir}`);
    }
    return stop.signal.aborted ? 130 : 0;
  } catch (e) {
    const target = v.aws
      ? `AWS Lambda in ${v.region}`
      : v.endpoint !== undefined
      ? `the Lambda API at ${v.endpoint}`
      : "the in-process local Lambda";
    return reportServiceError("buffer", e, { target, functionName: String(v.function_name) }) ??
      reportUserError("buffer", e);
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
    await result?.close();
  }
}

/** `x` to `digits` decimals, or `-` when it is not a number (nothing to measure). */
function _fixed(x: number, digits: number): string {
  return Number.isFinite(x) ? x.toFixed(digits) : "-";
}

/** `x` in exponential notation, or `-` when it is not a number. */
function _exponential(x: number, digits: number): string {
  return Number.isFinite(x) ? x.toExponential(digits) : "-";
}

if (import.meta.main) Deno.exit(await main(Deno.args));

/**
 * `deno task buffer`: a batching experiment in real time, as the original
 * buffer.py: requests arrive by an arrival process or a trace, the buffer
 * groups them and invokes the function once per batch through
 * `@aws-sdk/client-lambda`, and the run's logs are written as batches complete.
 * With no `--endpoint` and no `--aws` the local Lambda is started in-process,
 * serving a profile or, with `--function-code`, running a handler module.
 * With `--adaptive` the buffer is re-optimized window by window as the traffic
 * changes (B and T at once, memory through the function's configuration).
 *
 * @module
 */

import { iterateArrivals } from "../lib/arrivals/streams.ts";
import {
  ARRIVAL_FLAG_OPTIONS,
  arrivalsFrom,
  checkArrivalFlags,
  type FlagValues,
} from "../lib/cli/arrival_flags.ts";
import {
  ADAPTIVE_FLAG_OPTIONS,
  type AdaptiveFlags,
  BUFFER_FLAG_OPTIONS,
  type BufferFlags,
  checkAdaptiveFlags,
  checkBufferFlags,
  checkProfileCovers,
  type Format,
  FORMATS,
  makeOutDirectory,
  percentileLabel,
  readModelFlag,
} from "../lib/cli/buffer_flags.ts";
import {
  checkFunctionCodeFlags,
  FUNCTION_CODE_FLAG_OPTIONS,
  type FunctionCodeFlags,
} from "../lib/cli/function_code_flags.ts";
import { checkPayloadFlag, type PayloadFlag, readPayloadFlag } from "../lib/cli/payload_flag.ts";
import {
  flagAsTyped,
  numberInRange,
  oneOfFlag,
  parseFlags,
  reportUserError,
} from "../lib/cli/flags.ts";
import { reportServiceError } from "../lib/cli/service_errors.ts";
import { signalSequence } from "../lib/cli/signals.ts";
import { checkFunctionTarget } from "../lib/cli/target_flags.ts";
import { UsageError } from "../lib/cli/usage_error.ts";
import {
  type BatchPayload,
  largestFittingBatch,
  payloadLimitReason,
} from "../lib/buffer/batch_payload.ts";
import {
  defaultFunctionName,
  type ExperimentPrediction,
  type ExperimentResult,
  type ExperimentSummary,
  runExperiment,
} from "../lib/buffer/experiment.ts";
import { describeCpuModel } from "../lib/lambda/cpu_model.ts";
import { pricing as pricingByName, PRICING_NAMES } from "../lib/profile/pricing.ts";

const HELP = `Usage: deno task buffer [options]

Runs the BATCH buffer in real time against AWS Lambda (--aws), a Lambda API at
--endpoint, or (the default) the local Lambda started in-process. Requests wait
until B have arrived or T seconds have passed since the first, then go to the
function as one invocation. Logs go to --out as batches complete. Every flag
may be written --kebab-case or --snake_case (buffer.py's --batch_size is
--batch-size).

Batching and function:
  --batch-size B          max batch size                                [5]
  --time-out T            timeout from the first request, s             [1]
  --function-name NAME    the Lambda function (also --function)         [inception-v4;
                          with --function-code, named after the file]
  --memory M              memory to configure before the run, integer
                          MB within 128..10240                          [3008]
  --model NAME|FILE.json  profile of the local Lambda and the model     [TF-inceptionV4;
                          with --function-code, the model's only: none]
  --pricing NAME          ${PRICING_NAMES.join(", ")}           [aws-x86]
  --payload ids|images:DIR  what each invocation carries: the requests'
                          ids ({"batch_id", "requests": [ids]}), or one
                          image per request, base64, taken in turn from
                          the .jpg, .jpeg and .png files of DIR
                          ({"batch_id", "requests": [{"id", "image"}]});
                          a batch must fit in Lambda's 6 MB         [ids]

Arrivals (as deno task simulate; with --arrival-process left out, the source
says the kind):
  --arrival-process KIND  exp, map, trace or day                        [exp]
  --inter-arrival RATE    exp: requests/s                               [20]
  --map D0,D1 | --trace NAME --hour H (hours 1..24, hour h covers h-1..h)
  | --day NAME|DIR | --trace-path FILE [--timestamps] [--loop]: one source
  --requests N            stop after N requests
  --duration S            stop arrivals after S seconds                 [60 without --requests]
  --seed N                random seed, an integer                       [1]

Where the function runs:
  --endpoint URL          a Lambda API endpoint (e.g. a local Lambda you started)
  --aws                   real AWS with the standard credential chain
  --region NAME           the region of --aws, or the one --endpoint's
                          requests are signed for                       [us-east-1]
The in-process local Lambda only (refused with --endpoint or --aws, whose
functions are what they are):
  --time-scale X          run functions X times faster                  [1]
  --concurrency N         concurrency limit                             [1000]
  --cold-start S          a new environment's initialisation, s         [0.25]
  --keep-alive S          idle time before an environment is reclaimed, s [600]
  --service-cv CV         lognormal service times with this coefficient
                          of variation, in place of the profile's own
                          variability; 0 keeps the profile's (also
                          --jitter)                                     [0]
  --extrapolate           serve memories and batch sizes outside the
                          profile's fitted range (refused otherwise); with
                          --endpoint or --aws it needs --adaptive, where it
                          lets the controller choose them
  --function-code PATH    the function runs this handler module (.mjs, .js,
                          .ts exporting handler) in the local Lambda's
                          Workers, in real time, created with --memory and
                          a Timeout of 900 s (also --code); --time-scale,
                          --cold-start and --service-cv do nothing then, and
                          --model is only the profile the prediction uses:
                          give the one deno task profile fitted for this
                          code (without it, no prediction)
  --cpu-model MODEL       with --function-code: host (Duration as measured
                          here) or memory-share (Duration x max(1, 1769 / MB),
                          Lambda's CPU share of a single-threaded handler) [host]
  Handler code shares this machine's cores: keep concurrent batches at or
  below the cores (--max-in-flight) when the run checks the model.

Adaptive BATCH (the controller re-optimizes from the arrivals it sees; every
flag here needs --adaptive):
  --adaptive              every --window seconds fit a MAP(2) to the window's
                          arrivals, solve, and reconfigure: B and T at once,
                          memory through UpdateFunctionConfiguration while the
                          batches go on at the old memory; each decision is
                          appended to decisions.jsonl in --out
  --window S              observation window, s, from the run's start   [3600]
  --constraint KIND       what --slo bounds: latency or cost            [latency]
  --slo X                 the SLO: s (latency), USD per request (cost)  [5 s]
  --percentile P          the latency percentile, within (0, 1)         [0.95]
  --method NAME           the model: exact or paper                     [exact]
  --rate-margin X         the choice must meet the SLO at (1 ± X) times
                          the fitted rate, within [0, 1)                [0.25]
  --grid-memory LO:HI:STEP  memories to choose from, integer MB         [1280:3008:64]
  --grid-timeout LO:HI:STEP timeouts to choose from, s                  [0.01:0.49:0.01]
  --grid-batch LO:HI:STEP   max batch sizes to choose from              [1:20:1]
  The initial configuration is --batch-size, --time-out, --memory. Each
  window's solve runs on the arrival loop: a large grid delays the arrivals
  and timers at a window's end by its time (0.1 to 0.3 s for the defaults).

Run:
  --out DIR               run directory            [runs/<time>-<function>]
  --max-in-flight N       batches invoked at once, at most              [unlimited]
  --max-connections N     connections of the Lambda client's pool (the SDK's
                          default, 50, would queue batches in the client)
                          [--max-in-flight, else --concurrency (local), else 1000]
  --grace S               wait for batches in flight at the end, s      [30]
  --format FORMAT         table, json or csv                            [table]
  -h, --help              this text

The table sets the measurement beside the exact model (latency p50, p95 and
p99, and the mean cost per request). Without a 'coldStart' in the profile
(a FILE.json; deno task profile writes the Init it measured) the model has no
cold starts: the p95 of the batches that started warm is what it predicts;
with one, its share of cold batches (stationary: a run's first batches, cold
while the pool is built, are not in it). The model's service times are
the function's: the profile's (deterministic, or as a FILE.json's
'variability' says), lognormal of CV --service-cv when that is above 0. There
is no prediction for a day of MAPs, a recorded trace, --adaptive, the
in-process Lambda at a --time-scale other than 1, or --function-code without
--model. --format csv prints the table's rows as metric,measured,exact_model
with full precision; --format json the summary with the configuration and the
prediction.

Ctrl-C (or SIGTERM) stops the arrivals, dispatches the open batch, waits for the
batches in flight (--grace), writes the summary and exits 130. Signals within
0.5 s of the first are the same stop (a terminal or a supervisor signals the
whole process group, and deno task forwards it too). A later one exits at once:
requests still queued or in flight are written with status 'abandoned',
run.json says 'killed' with the counts, and the summary is printed.

batches.csv has each batch's wait in the client for a connection
(client_wait_ms); a batch that queued there because all connections were busy
is warned about on stderr and in run.json (its latency includes that wait).

Exit codes: 0 done, 1 the run failed, 2 a bad flag, combination of flags or
input file, an unreachable endpoint, missing credentials or a request the
Lambda API refuses, 130 stopped by a signal.
`;

const OPTIONS = {
  ...BUFFER_FLAG_OPTIONS,
  ...FUNCTION_CODE_FLAG_OPTIONS,
  payload: { type: "string" },
  ...ARRIVAL_FLAG_OPTIONS,
  ...ADAPTIVE_FLAG_OPTIONS,
  "function-name": { type: "string" },
  endpoint: { type: "string" },
  region: { type: "string" },
  aws: { type: "boolean" },
  "time-scale": { type: "string" },
  concurrency: { type: "string" },
  out: { type: "string" },
  "max-in-flight": { type: "string" },
  "max-connections": { type: "string" },
  grace: { type: "string" },
  format: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** Other names: logs' `--function`, the local Lambda's `--jitter`, profile's `--code`. */
const ALIASES = { function: "function-name", jitter: "service-cv", code: "function-code" };

/** The in-process Lambda's own flags: refused with --endpoint or --aws. */
const LOCAL_ONLY = [
  "time-scale",
  "concurrency",
  "cold-start",
  "keep-alive",
  "service-cv",
  "function-code",
  "cpu-model",
];

/** A profile-driven function's flags, refused with --function-code, and why. */
const PROFILE_ONLY = {
  "time-scale": "handler code runs in real time",
  "cold-start": "a cold start is the handler module's own load (its Init Duration)",
  "service-cv": "the handler's durations vary as they do",
};

/** Everything the flags say, checked. */
interface BufferRunFlags {
  buffer: BufferFlags;
  arrival: ReturnType<typeof checkArrivalFlags>;
  adaptive: AdaptiveFlags | undefined;
  /** The handler module the in-process function runs, and its CPU model. */
  code: FunctionCodeFlags;
  /** Whether --model was given (with --function-code, the prediction needs it). */
  modelGiven: boolean;
  payload: PayloadFlag;
  functionName: string;
  endpoint: string | undefined;
  aws: boolean;
  region: string;
  /** Whether the local Lambda runs in-process. */
  local: boolean;
  timeScale: number;
  concurrency: number;
  durationSec: number;
  out: string | undefined;
  maxInFlight: number;
  maxConnections: number | undefined;
  graceSec: number;
  format: Format;
}

function _parse(args: string[]): { v: FlagValues; typed: Record<string, string> } {
  const { values, typed } = parseFlags({ args, options: OPTIONS, aliases: ALIASES, strict: true });
  return { v: values as FlagValues, typed };
}

/**
 * Checks the flags and the combinations that would do nothing.
 *
 * @throws {UsageError} Naming the flag as typed.
 */
function _check(v: FlagValues, typed: Record<string, string>): BufferRunFlags {
  const name = (n: string) => flagAsTyped(typed, n);
  const num = (
    n: string,
    fallback: number | undefined,
    range: Parameters<typeof numberInRange>[2],
  ) => v[n] === undefined ? fallback : numberInRange(name(n), String(v[n]), range);
  const format = v.format === undefined ? "table" : oneOfFlag("format", String(v.format), FORMATS);
  const buffer = checkBufferFlags(v, typed, { pricing: "aws-x86" });
  const arrival = checkArrivalFlags(v, typed);
  const adaptive = checkAdaptiveFlags(v, typed);
  const { aws, endpoint, inProcess: local, where } = checkFunctionTarget(v, name, LOCAL_ONLY);
  if (!local) {
    if (v.extrapolate && !adaptive) {
      throw new UsageError(
        `${name("extrapolate")} does nothing with ${where} without --adaptive: it lets the ` +
          "in-process Lambda and the adaptive controller use the profile outside its fitted range",
      );
    }
  }
  const code = checkFunctionCodeFlags(v, typed, PROFILE_ONLY);
  _checkCodeWithoutModel(v, name, code, adaptive);
  const payload = checkPayloadFlag(v.payload === undefined ? undefined : String(v.payload), typed);
  if (payload.kind === "images" && local && code.functionCode === undefined) {
    throw new UsageError(
      `${name("payload")} ${v.payload} does nothing without ${name("function-code")}: the ` +
        "in-process local Lambda's profile-driven function ignores its payload",
    );
  }
  const requests = arrival.requests;
  return {
    buffer,
    arrival,
    adaptive,
    code,
    modelGiven: v.model !== undefined,
    payload,
    functionName: String(v["function-name"] ?? defaultFunctionName(code.functionCode)),
    endpoint,
    aws,
    region: String(v.region ?? "us-east-1"),
    local,
    timeScale: num("time-scale", 1, { min: 0, minExclusive: true })!,
    concurrency: num("concurrency", 1000, { min: 1, integer: true })!,
    durationSec: arrival.durationSec ?? (requests === undefined ? 60 : Infinity),
    out: v.out === undefined ? undefined : String(v.out),
    maxInFlight: num("max-in-flight", Infinity, { min: 1, integer: true })!,
    maxConnections: num("max-connections", undefined, { min: 1, integer: true }),
    graceSec: num("grace", 30, { min: 0, minExclusive: true, unit: "s" })!,
    format,
  };
}

/**
 * With --function-code and no --model there is no profile: what needs one is refused.
 *
 * @throws {UsageError} On --extrapolate or --adaptive, naming the flags as typed.
 */
function _checkCodeWithoutModel(
  v: FlagValues,
  name: (n: string) => string,
  code: FunctionCodeFlags,
  adaptive: AdaptiveFlags | undefined,
): void {
  if (code.functionCode === undefined || v.model !== undefined) return;
  if (adaptive) {
    throw new UsageError(
      `${name("adaptive")} with ${name("function-code")} needs --model FILE.json: the ` +
        "controller solves with the code's profile (e.g. what deno task profile wrote)",
    );
  }
  if (v.extrapolate) {
    throw new UsageError(
      `${name("extrapolate")} does nothing with ${name("function-code")} without --model: it ` +
        "lets the prediction use the profile outside its fitted range",
    );
  }
}

/**
 * Checks that the largest batch the run can send fits in Lambda's 6 MB with
 * the payload.
 *
 * @throws {UsageError} Naming --batch-size (or --grid-batch) and --payload as typed.
 */
function _checkPayloadFits(
  flags: BufferRunFlags,
  payload: BatchPayload,
  typed: Record<string, string>,
): void {
  const name = (n: string) => flagAsTyped(typed, n);
  const gridLargest = Math.max(...(flags.adaptive?.grid.maxBatches ?? [0]));
  const [flag, largest] = gridLargest > flags.buffer.maxBatch
    ? ["grid-batch", gridLargest]
    : ["batch-size", flags.buffer.maxBatch];
  if (largestFittingBatch(payload, largest) < largest) {
    throw new UsageError(
      `${name(flag)} ${largest} with ${name("payload")} ${payload.description}: ${
        payloadLimitReason(payload, largest)
      }`,
    );
  }
}

/**
 * Runs the buffer CLI.
 *
 * @param args Command-line arguments.
 * @returns The exit code (130 when interrupted).
 */
export async function main(args: string[]): Promise<number> {
  let flags: BufferRunFlags;
  let typed: Record<string, string>;
  try {
    const parsed = _parse(args);
    if (parsed.v.help) {
      console.log(HELP);
      return 0;
    }
    typed = parsed.typed;
    flags = _check(parsed.v, typed);
  } catch (e) {
    return reportUserError("buffer", e);
  }
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
    const b = flags.buffer;
    const price = pricingByName(b.pricing);
    const functionCode = flags.code.functionCode;
    // A function with code has a profile only when --model gives one (for the prediction).
    const profile = functionCode === undefined || flags.modelGiven
      ? await readModelFlag(b, typed)
      : undefined;
    // With --endpoint or --aws the function's range is its own; the
    // controller still needs the profile to cover its grid.
    if (profile) {
      checkProfileCovers(profile, b, flags.adaptive, typed, { configuration: flags.local });
    }
    const payload = await readPayloadFlag(flags.payload, typed);
    _checkPayloadFits(flags, payload, typed);
    const { stream, map, description } = await arrivalsFrom(flags.arrival, typed);
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    const dir = flags.out ?? `runs/${stamp}-${flags.functionName}`;
    makeOutDirectory(dir, typed);
    const encoder = new TextEncoder();
    const tty = flags.format === "table" && Deno.stderr.isTerminal();
    const a = flags.adaptive;
    result = await runExperiment({
      arrivals: iterateArrivals(stream),
      arrivalsDescription: description,
      map,
      maxBatch: b.maxBatch,
      timeoutSec: b.timeoutSec,
      functionName: flags.functionName,
      memoryMb: b.memoryMb,
      profile,
      pricing: price,
      seed: flags.arrival.seed,
      requests: flags.arrival.requests,
      durationSec: flags.durationSec,
      endpoint: flags.endpoint,
      aws: flags.aws,
      region: flags.region,
      ...(flags.local ? { concurrency: flags.concurrency, keepAliveSec: b.keepAliveSec } : {}),
      ...(flags.local && functionCode === undefined
        ? { timeScale: flags.timeScale, jitterCv: b.serviceCv, coldStartSec: b.coldStartSec }
        : {}),
      ...(functionCode === undefined ? {} : { functionCode, cpuModel: flags.code.cpuModel }),
      payload,
      extrapolate: b.extrapolate,
      adaptive: a && {
        windowSec: a.windowSec,
        grid: a.grid,
        percentile: a.percentile,
        constraint: a.constraint,
        slo: a.slo,
        method: a.method,
        rateMargin: a.rateMargin,
      },
      out: dir,
      maxInFlight: flags.maxInFlight,
      maxConnections: flags.maxConnections,
      graceSec: flags.graceSec,
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
    const why = prediction ? undefined : _noPrediction(flags, map !== undefined);
    if (flags.format === "json") {
      console.log(JSON.stringify({
        status: result.status,
        ...summary,
        prediction: prediction ?? null,
        ...(why === undefined ? {} : { noPrediction: why }),
        config,
        out: dir,
      }));
    } else if (flags.format === "csv") {
      _printCsv(result.status, summary, prediction);
    } else {
      _printTable(flags, result, description, dir, why);
    }
    return stop.signal.aborted ? 130 : 0;
  } catch (e) {
    const target = flags.aws
      ? `AWS Lambda in ${flags.region}`
      : flags.endpoint !== undefined
      ? `the Lambda API at ${flags.endpoint}`
      : "the in-process local Lambda";
    return reportServiceError("buffer", e, { target, functionName: flags.functionName }) ??
      reportUserError("buffer", e);
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
    await result?.close();
  }
}

/** Why the run has no prediction (it has one when none of these holds and the arrivals are one MAP). */
function _noPrediction(flags: BufferRunFlags, oneMap: boolean): string {
  if (flags.code.functionCode !== undefined && !flags.modelGiven) {
    return "no profile of the function's code (--model FILE.json: e.g. what " +
      "deno task profile --function-code wrote)";
  }
  if (flags.adaptive) return "the configuration changes (--adaptive)";
  if (!oneMap) {
    return flags.arrival.kind === "day"
      ? "no single MAP (a day of hourly MAPs)"
      : "a recorded trace is not a MAP";
  }
  // The one case left: runExperiment predicts in every other.
  return "the in-process Lambda runs at another --time-scale than the arrivals";
}

/** A probability as a percentage with 2 significant digits (`0.21 %`). */
function _share(p: number): string {
  return `${Number((100 * p).toPrecision(2))} %`;
}

/** One row of the summary: label, CSV name, what was measured and what the model predicts. */
interface _Row {
  label: string;
  /** The table's text. */
  measured: string;
  /** The model's, in the table. */
  model?: string;
  /** Full precision for CSV, one value per metric (a row of the table may give several). */
  csv: [string, number | string, number | undefined][];
}

function _rows(s: ExperimentSummary, p: ExperimentPrediction | undefined): _Row[] {
  const r = s.dispatchReasons;
  const fixed = (x: number, digits: number) => (Number.isFinite(x) ? x.toFixed(digits) : "-");
  const exp = (x: number) => (Number.isFinite(x) ? x.toExponential(4) : "-");
  const rows: _Row[] = [
    {
      label: "requests",
      measured: String(s.requests),
      csv: [["requests", s.requests, undefined]],
    },
    {
      label: "completed / failed / abandoned",
      measured: `${s.completed} / ${s.failed} / ${s.abandoned}`,
      csv: [
        ["completed", s.completed, undefined],
        ["failed", s.failed, undefined],
        ["abandoned", s.abandoned, undefined],
      ],
    },
    {
      label: "batches",
      measured: String(s.batches),
      csv: [["batches", s.batches, undefined]],
    },
    {
      label: "mean batch size",
      measured: fixed(s.meanBatchSize, 3),
      csv: [["mean_batch_size", s.meanBatchSize, undefined]],
    },
    {
      label: "dispatch: size / timeout / shutdown",
      measured: `${r.size} / ${r.timeout} / ${r.shutdown}`,
      csv: [
        ["dispatch_size", r.size, undefined],
        ["dispatch_timeout", r.timeout, undefined],
        ["dispatch_shutdown", r.shutdown, undefined],
      ],
    },
    {
      label: "latency p50 (s)",
      measured: fixed(s.latencySec.p50, 4),
      model: p ? fixed(p.p50Sec, 4) : "",
      csv: [["latency_p50_sec", s.latencySec.p50, p?.p50Sec]],
    },
    {
      label: "latency p95 (s)",
      measured: fixed(s.latencySec.p95, 4),
      model: p ? fixed(p.p95Sec, 4) : "",
      csv: [["latency_p95_sec", s.latencySec.p95, p?.p95Sec]],
    },
    {
      label: "latency p99 (s)",
      measured: fixed(s.latencySec.p99, 4),
      model: p ? fixed(p.p99Sec, 4) : "",
      csv: [["latency_p99_sec", s.latencySec.p99, p?.p99Sec]],
    },
    {
      label: "cold starts: batches / share",
      measured: `${s.coldStartBatches} / ${
        s.batches ? (100 * s.coldStartBatches / s.batches).toFixed(1) : "-"
      } %`,
      model: p && p.coldStartProbability > 0 ? `share ${_share(p.coldStartProbability)}` : "",
      csv: [
        ["cold_start_batches", s.coldStartBatches, undefined],
        [
          "cold_start_share",
          s.batches ? s.coldStartBatches / s.batches : NaN,
          p?.coldStartProbability,
        ],
      ],
    },
    {
      label: "latency p95, warm batches only (s)",
      measured: fixed(s.warmLatencySec.p95, 4),
      model: p ? fixed(p.p95Sec, 4) : "",
      csv: [["warm_latency_p95_sec", s.warmLatencySec.p95, p?.p95Sec]],
    },
    {
      label: "cost per request (USD)",
      measured: exp(s.costPerRequestUsd),
      model: p ? exp(p.costPerRequestUsd) : "",
      csv: [["cost_per_request_usd", s.costPerRequestUsd, p?.costPerRequestUsd]],
    },
    {
      label: "timeout lateness p99 (ms)",
      measured: fixed(s.timeoutLatenessP99Sec * 1000, 2),
      csv: [["timeout_lateness_p99_ms", s.timeoutLatenessP99Sec * 1000, undefined]],
    },
    {
      label: "client: batches queued / longest wait (ms)",
      measured: `${s.client.queuedBatches} / ${s.client.maxWaitMs.toFixed(1)}`,
      csv: [
        ["client_queued_batches", s.client.queuedBatches, undefined],
        ["client_max_wait_ms", s.client.maxWaitMs, undefined],
      ],
    },
  ];
  if (s.adaptive) {
    rows.push({
      label: "adaptive: windows decided / changes",
      measured: `${s.adaptive.windows} / ${s.adaptive.changes}`,
      csv: [
        ["adaptive_windows", s.adaptive.windows, undefined],
        ["adaptive_changes", s.adaptive.changes, undefined],
      ],
    });
  }
  return rows;
}

function _printTable(
  flags: BufferRunFlags,
  result: ExperimentResult,
  description: string,
  dir: string,
  why: string | undefined,
): void {
  const { summary, prediction, config } = result;
  const b = flags.buffer, a = flags.adaptive;
  const adaptively = a
    ? `; adaptive every ${a.windowSec} s, ${
      a.constraint === "latency"
        ? `${percentileLabel(a.percentile)} SLO ${a.slo} s`
        : `cost SLO ${a.slo} USD per request`
    }`
    : "";
  console.log(
    `Buffer run: ${description}, B = ${b.maxBatch}, T = ${b.timeoutSec} s, ${flags.functionName} ` +
      `at ${b.memoryMb} MB (${config.target}, ${summary.client.connections} connections)${adaptively}`,
  );
  const code = flags.code;
  if (code.functionCode !== undefined) {
    console.log(
      `code ${code.functionCode}, ${describeCpuModel(code.cpuModel)}; model: ${
        config.model ?? "none"
      }`,
    );
  }
  if (flags.payload.kind !== "ids") console.log(`payload: ${config.payload}`);
  if (result.status !== "done") console.log(`status: ${result.status}`);
  const rows = _rows(summary, prediction);
  const w0 = Math.max(...rows.map((r) => r.label.length));
  const cold = prediction && prediction.coldStartProbability > 0
    ? `cold starts ${_share(prediction.coldStartProbability)} of batches`
    : "no cold starts";
  const model = prediction
    ? `exact model (${cold}${
      prediction.service === "deterministic" ? "" : `; service ${prediction.service}`
    })`
    : "";
  console.log(`${"".padEnd(w0)}  ${"measured".padStart(12)}  ${model}`.trimEnd());
  for (const r of rows) {
    console.log(`${r.label.padEnd(w0)}  ${r.measured.padStart(12)}  ${r.model ?? ""}`.trimEnd());
  }
  if (why !== undefined) console.log(`exact model: none, ${why}`);
  console.log(`logs in ${dir}`);
}

function _printCsv(
  status: string,
  summary: ExperimentSummary,
  prediction: ExperimentPrediction | undefined,
): void {
  const n = (x: number | string | undefined) =>
    typeof x === "string" ? x : x !== undefined && Number.isFinite(x) ? String(x) : "";
  console.log("metric,measured,exact_model");
  console.log(`status,${status},`);
  for (const row of _rows(summary, prediction)) {
    for (const [metric, measured, model] of row.csv) {
      console.log(`${metric},${n(measured)},${n(model)}`);
    }
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));

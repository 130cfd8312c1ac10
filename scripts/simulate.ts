/**
 * `deno task simulate`: the BATCH buffer simulated in virtual time, with the
 * real buffer's flags; prints a summary beside the exact model's prediction,
 * and writes the logs with `--out`.
 *
 * @module
 */

import { AdaptiveController, type AdaptiveDecision } from "../lib/adapt/adaptive_controller.ts";
import {
  ARRIVAL_FLAG_OPTIONS,
  type ArrivalFlags,
  type Arrivals,
  arrivalsFrom,
  checkArrivalFlags,
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
import { flagAsTyped, oneOfFlag, parseFlags, reportUserError } from "../lib/cli/flags.ts";
import { UsageError } from "../lib/cli/usage_error.ts";
import { createProgress, type Progress, SILENT_PROGRESS } from "../lib/cli/progress.ts";
import { CsvRunLog, writeRunJson } from "../lib/io/run_logs.ts";
import { poissonProcess } from "../lib/map/map_process.ts";
import { arrivalRatePerSec } from "../lib/map/moments.ts";
import { exactBatchStateFor } from "../lib/model/exact.ts";
import { predictConfiguration } from "../lib/model/predict.ts";
import { type Pricing, pricing as pricingByName, PRICING_NAMES } from "../lib/profile/pricing.ts";
import {
  describeVariability,
  serviceDistributions,
  withServiceCv,
} from "../lib/profile/service_distribution.ts";
import type { ServiceProfile } from "../lib/profile/service_profile.ts";
import { seededPrng } from "../lib/random/prng.ts";
import { simulateBuffer, type SimulationSummary } from "../lib/sim/simulator.ts";

const HELP = `Usage: deno task simulate [options]

Simulates the BATCH buffer in virtual time: requests wait until B have arrived
or T seconds have passed since the first, then go to Lambda as one invocation
(infinite concurrency). Prints a summary beside the exact model's prediction.
Every flag may be written --kebab-case or --snake_case (buffer.py's
--batch_size is --batch-size).

Batching and function:
  --batch-size B          max batch size                                [5]
  --time-out T            timeout from the first request, s             [1]
  --memory M              Lambda memory, integer MB within 128..10240   [3008]
  --model NAME|FILE.json  service-time profile                          [TF-inceptionV4]
  --pricing NAME          ${PRICING_NAMES.join(", ")}           [paper]
  --extrapolate           allow the profile outside its fitted range

The function's world (as deno task buffer's in-process Lambda and compare):
  --cold-start S          a new instance's initialisation, s (0: none)  [0.25]
  --keep-alive S          idle time before an instance is gone, s       [600]
  --service-cv CV         lognormal service times with this coefficient
                          of variation, in place of the profile's own
                          variability (0: the profile's, deterministic
                          unless a --model file has a variability)      [0]

Arrivals (with --arrival-process left out, the source says the kind):
  --arrival-process KIND  exp (Poisson), map, trace or day              [exp]
  --inter-arrival RATE    exp: arrival rate, requests/s (buffer.py's)   [20]
  --map D0,D1             map: the two MAP files
  --trace NAME --hour H   map: hour H of a paper trace (twitter, nys) or of a
                          directory of MAP<h>_D0, MAP<h>_D1 files; hours are
                          1..24, hour h covers h-1..h
  --day NAME|DIR          day: the hourly MAPs in sequence
  --trace-path FILE       trace: inter-arrival times, s, one per line
  --timestamps            trace: the file holds absolute times instead
  --loop                  trace: start again at the end of the file
  --map, --trace/--hour, --day, --trace-path and --inter-arrival are sources
  of arrivals: give one, of the kind --arrival-process names if given.

Adaptive BATCH (the controller re-optimizes from what it observes; every flag
here needs --adaptive):
  --adaptive              every --window seconds fit a MAP(2) to the window's
                          arrivals, solve, and reconfigure B, T and memory
  --window S              observation window, s                         [3600]
  --constraint KIND       what --slo bounds: latency or cost            [latency]
  --slo X                 the SLO: s (latency), USD per request (cost)  [5 s]
  --percentile P          the latency percentile, within (0, 1)         [0.95]
  --method NAME           the model: exact or paper (the paper's has one
                          time per batch size: not with variable service
                          times)                                        [exact]
  --rate-margin X         the choice must meet the SLO at (1 ± X) times
                          the fitted rate, within [0, 1)                [0.25]
  --grid-memory LO:HI:STEP  memories to choose from, integer MB         [1280:3008:64]
  --grid-timeout LO:HI:STEP timeouts to choose from, s                  [0.01:0.49:0.01]
  --grid-batch LO:HI:STEP   max batch sizes to choose from              [1:20:1]
  The initial configuration is --batch-size, --time-out, --memory.

Run:
  --requests N            stop after N requests
  --duration S            stop arrivals after S seconds (default: 3600 for exp,
                          map and a looped trace without --requests; the whole
                          day or trace otherwise)
  --seed N                random seed, an integer (arrivals, and service
                          times with --service-cv or a variability)     [1]
  --out DIR               write requests.csv, batches.csv, run.json (and
                          decisions.jsonl when adaptive); their estimated
                          size is said first on stderr (about 130 bytes a
                          request: a NYS day is about 0.9 GB)
  --format FORMAT         table, json or csv                            [table]
  -h, --help              this text

The table sets the simulation beside the exact model, which has no cold
starts: the latency p95 of the batches that started warm is what it predicts
(--cold-start 0 makes every batch warm). With --service-cv above 0 or a
profile with a variability, the model convolves the latency with the service
time distributions the simulation draws from, and its cost is the expected
billed one. There is no prediction for a day of MAPs, a recorded trace, or
--adaptive. --format csv prints the table's rows as
metric,simulated,exact_model with full precision;
--format json the same with the configuration (and the adaptive decisions).
A progress bar goes to stderr when it is a terminal.

Exit codes: 0 done, 2 a bad flag, combination of flags or input file,
130 stopped by Ctrl-C (--out keeps the lines written so far).
`;

const OPTIONS = {
  ...BUFFER_FLAG_OPTIONS,
  ...ARRIVAL_FLAG_OPTIONS,
  ...ADAPTIVE_FLAG_OPTIONS,
  out: { type: "string" },
  format: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** Everything the flags say, checked. */
interface SimulateFlags {
  buffer: BufferFlags;
  arrival: ArrivalFlags;
  adaptive: AdaptiveFlags | undefined;
  /** Stop arrivals after this, s (a default hour for endless arrivals without --requests). */
  durationSec: number | undefined;
  out: string | undefined;
  format: Format;
}

/** The distribution --service-cv gives the service time: the local Lambda's jitter's. */
const _SERVICE_CV_DISTRIBUTION = "lognormal";

/** The exact model's prediction for a fixed configuration under one MAP. */
interface Prediction {
  meanBatchSize: number;
  latencySec: { p50: number; p95: number; p99: number };
  costPerRequestUsd: number;
}

function _parse(
  args: string[],
): { v: Record<string, string | boolean | undefined>; typed: Record<string, string> } {
  const { values, typed } = parseFlags({ args, options: OPTIONS, strict: true });
  return { v: values as Record<string, string | boolean | undefined>, typed };
}

function _check(
  v: Record<string, string | boolean | undefined>,
  typed: Record<string, string>,
): SimulateFlags {
  const format = v.format === undefined ? "table" : oneOfFlag("format", String(v.format), FORMATS);
  const buffer = checkBufferFlags(v, typed, { pricing: "paper" });
  const arrival = checkArrivalFlags(v, typed);
  const adaptive = checkAdaptiveFlags(v, typed);
  // An endless arrival stream needs a limit: one hour unless --requests is given.
  const durationSec = arrival.durationSec ??
    (arrival.requests === undefined && !arrival.finite ? 3600 : undefined);
  return {
    buffer,
    arrival,
    adaptive,
    durationSec,
    out: v.out === undefined ? undefined : String(v.out),
    format,
  };
}

/**
 * The checks that need the profile: --seed with a recorded trace draws nothing
 * unless the service times vary; the paper's model has one service time per
 * batch size; and the profile's distributions are built once before anything
 * runs (a CV polynomial negative at some batch size fails here).
 *
 * @param effective The profile with --service-cv applied (`withServiceCv`).
 */
function _checkWithProfile(
  flags: SimulateFlags,
  v: Record<string, string | boolean | undefined>,
  typed: Record<string, string>,
  effective: ServiceProfile,
): void {
  const b = flags.buffer;
  const variable = effective.variability !== undefined;
  const source = b.serviceCv > 0
    ? `${flagAsTyped(typed, "service-cv")} ${b.serviceCv} is above 0`
    : `profile '${effective.name}' has a variability: ${describeVariability(effective)}`;
  if (v.seed !== undefined && flags.arrival.kind === "trace" && !variable) {
    throw new UsageError(
      `${flagAsTyped(typed, "seed")} does nothing with a recorded trace and deterministic ` +
        "service times: nothing is drawn at random (--service-cv above 0, or a --model file " +
        "with a variability, draws service times)",
    );
  }
  if (flags.adaptive?.method === "paper" && variable) {
    throw new UsageError(
      `${flagAsTyped(typed, "method")} paper cannot model variable service times (${source}): ` +
        "the paper's model has one time per batch size; use --method exact",
    );
  }
  serviceDistributions(effective, b.maxBatch, b.memoryMb, { extrapolate: b.extrapolate });
}

/** Why the model has nothing to say, or undefined when it predicts. */
function _noPrediction(flags: SimulateFlags, arrivals: Arrivals): string | undefined {
  if (flags.adaptive) return "the configuration changes (--adaptive)";
  if (arrivals.hours) return "no single MAP (a day of hourly MAPs)";
  if (!arrivals.map) return "a recorded trace is not a MAP";
  return undefined;
}

/**
 * The exact model's prediction with the service times the simulation draws
 * (`effective`: the profile with --service-cv applied), deterministic or not.
 */
function _predict(
  map: NonNullable<Arrivals["map"]>,
  b: BufferFlags,
  effective: ServiceProfile,
  price: Pricing,
): Prediction {
  const p = predictConfiguration({
    map,
    maxBatch: b.maxBatch,
    timeoutSec: b.timeoutSec,
    memoryMb: b.memoryMb,
    profile: effective,
    pricing: price,
    extrapolate: b.extrapolate,
  });
  return {
    meanBatchSize: p.meanBatchSize,
    latencySec: { p50: p.percentile(0.5), p95: p.percentile(0.95), p99: p.percentile(0.99) },
    costPerRequestUsd: p.costPerRequestUsd,
  };
}

/** Bytes of a line of requests.csv and batches.csv, as measured on runs of an hour to a day. */
const _REQUEST_LINE_BYTES = 95, _BATCH_LINE_BYTES = 180;

/**
 * About how many requests and batches the run logs, and their bytes: the
 * arrivals' mean rate over the run, and the model's mean batch size (for a
 * day, hour by hour; Poisson at the trace's rate for a trace).
 */
function _estimateLogs(
  flags: SimulateFlags,
  arrivals: Arrivals,
): { requests: number; batches: number; bytes: number } {
  const { maxBatch, timeoutSec } = flags.buffer;
  let requests = arrivals.count ?? (arrivals.endSec ?? Infinity) * arrivals.ratePerSec;
  if (flags.durationSec !== undefined) {
    requests = Math.min(requests, flags.durationSec * arrivals.ratePerSec);
  }
  if (flags.arrival.requests !== undefined) requests = Math.min(requests, flags.arrival.requests);
  let perBatch: number;
  if (arrivals.hours) {
    // Requests over batches of the whole day.
    let r = 0, b = 0;
    for (const { map } of arrivals.hours) {
      const hourRequests = arrivalRatePerSec(map) * 3600;
      r += hourRequests;
      b += hourRequests / exactBatchStateFor(map, maxBatch, timeoutSec).meanBatchSize;
    }
    perBatch = r / b;
  } else {
    const map = arrivals.map ?? poissonProcess(arrivals.ratePerSec);
    perBatch = exactBatchStateFor(map, maxBatch, timeoutSec).meanBatchSize;
  }
  const batches = requests / perBatch;
  return {
    requests,
    batches,
    bytes: requests * _REQUEST_LINE_BYTES + batches * _BATCH_LINE_BYTES,
  };
}

/** Bytes to two significant digits, in MB or GB. */
function _size(bytes: number): string {
  const mb = Math.max(0.01, bytes / 1e6);
  return mb >= 1000
    ? `${Number((mb / 1000).toPrecision(2))} GB`
    : `${Number(mb.toPrecision(2))} MB`;
}

/** A count to two significant digits (`7.1 million`, `520,000`). */
function _count(n: number): string {
  return n >= 1e6
    ? `${Number((n / 1e6).toPrecision(2))} million`
    : Number(n.toPrecision(2)).toLocaleString("en-US");
}

/**
 * Progress toward whichever end comes first: `--requests`, `--duration`, or
 * the end of a day or a trace (as a share, 0..1).
 */
function _progressShare(
  flags: SimulateFlags,
  arrivals: Arrivals,
): (requests: number, arrivalSec: number) => number {
  const goals: ((n: number, t: number) => number)[] = [];
  const { requests } = flags.arrival, duration = flags.durationSec;
  if (requests !== undefined) goals.push((n) => n / requests);
  if (duration !== undefined) goals.push((_, t) => t / duration);
  if (arrivals.count !== undefined) goals.push((n) => n / arrivals.count!);
  if (arrivals.endSec !== undefined) goals.push((_, t) => t / arrivals.endSec!);
  return (n, t) => Math.min(1, Math.max(0, ...goals.map((g) => g(n, t))));
}

function _progressBar(flags: SimulateFlags): Progress {
  return flags.format === "table" && Deno.stderr.isTerminal()
    ? createProgress({
      label: "simulate",
      write: (t) => Deno.stderr.writeSync(new TextEncoder().encode(t)),
    })
    : SILENT_PROGRESS;
}

/** The configuration, as run.json and --format json record it. */
function _config(flags: SimulateFlags, arrivals: Arrivals, profile: ServiceProfile) {
  const b = flags.buffer, a = flags.adaptive;
  return {
    arrivals: arrivals.description,
    ...(flags.arrival.hour !== undefined ? { hour: flags.arrival.hour } : {}),
    maxBatch: b.maxBatch,
    timeoutSec: b.timeoutSec,
    memoryMb: b.memoryMb,
    model: profile.name,
    pricing: b.pricing,
    extrapolate: b.extrapolate,
    seed: flags.arrival.seed,
    requests: flags.arrival.requests ?? null,
    durationSec: flags.durationSec ?? null,
    serviceCv: b.serviceCv,
    coldStart: b.coldStartSec > 0
      ? { initSec: b.coldStartSec, keepAliveSec: b.keepAliveSec }
      : null,
    ...(a
      ? {
        adaptive: {
          windowSec: a.windowSec,
          constraint: a.constraint,
          slo: a.slo,
          percentile: a.percentile,
          method: a.method,
          rateMargin: a.rateMargin,
          gridMemory: a.gridRanges.memory,
          gridTimeout: a.gridRanges.timeout,
          gridBatch: a.gridRanges.batch,
        },
      }
      : {}),
  };
}

/** Runs the simulation the flags describe, with a progress bar on a terminal. */
function _simulate(
  flags: SimulateFlags,
  arrivals: Arrivals,
  run: {
    profile: ServiceProfile;
    price: Pricing;
    controller: AdaptiveController | undefined;
    log: CsvRunLog | undefined;
  },
): SimulationSummary {
  const b = flags.buffer;
  const progress = _progressBar(flags);
  const share = _progressShare(flags, arrivals);
  const summary = simulateBuffer(arrivals.stream, {
    maxBatch: b.maxBatch,
    timeoutSec: b.timeoutSec,
    memoryMb: b.memoryMb,
    profile: run.profile,
    pricing: run.price,
    extrapolate: b.extrapolate,
    requests: flags.arrival.requests,
    durationSec: flags.durationSec,
    serviceCv: b.serviceCv,
    // As the local Lambda's jitter, so that simulate and buffer agree.
    serviceDistribution: _SERVICE_CV_DISTRIBUTION,
    prng: seededPrng(flags.arrival.seed + 1),
    coldStart: b.coldStartSec > 0
      ? { initSec: b.coldStartSec, keepAliveSec: b.keepAliveSec }
      : undefined,
    sink: run.log,
    adapt: run.controller,
    progressEvery: 50_000,
    onProgress: (n, t) =>
      progress.update(
        Math.round(share(n, t) * 1000),
        1000,
        `${_count(n)} requests, ${t.toFixed(0)} s simulated`,
      ),
  });
  progress.done();
  return summary;
}

/**
 * Runs the simulator CLI.
 *
 * @param args Command-line arguments.
 * @returns The exit code.
 */
export async function main(args: string[]): Promise<number> {
  const started = performance.now();
  let log: CsvRunLog | undefined;
  try {
    const { v, typed } = _parse(args);
    if (v.help) {
      console.log(HELP);
      return 0;
    }
    const flags = _check(v, typed);
    const b = flags.buffer;
    const price = pricingByName(b.pricing);
    const profile = await readModelFlag(b, typed);
    // What the simulation draws from: --service-cv (lognormal, as the local Lambda's
    // jitter) in place of the profile's own variability.
    const effective = withServiceCv(profile, b.serviceCv, _SERVICE_CV_DISTRIBUTION);
    // Fail early on a profile range error, before any arrival is drawn.
    checkProfileCovers(profile, b, flags.adaptive, typed);
    _checkWithProfile(flags, v, typed, effective);
    const arrivals = await arrivalsFrom(flags.arrival, typed);
    const controller = flags.adaptive
      ? new AdaptiveController({
        ...flags.adaptive,
        // The controller models the service times the simulation draws.
        profile: effective,
        pricing: price,
        extrapolate: b.extrapolate,
        initial: { memoryMb: b.memoryMb, maxBatch: b.maxBatch, timeoutSec: b.timeoutSec },
      })
      : undefined;
    const config = _config(flags, arrivals, profile);
    if (flags.out !== undefined) {
      makeOutDirectory(flags.out, typed);
      const e = _estimateLogs(flags, arrivals);
      console.error(
        `simulate: writing about ${_size(e.bytes)} to ${flags.out} (about ` +
          `${_count(e.requests)} requests and ${_count(e.batches)} batches)`,
      );
      log = new CsvRunLog(flags.out);
      writeRunJson(log.dir, { status: "running", config, versions: { deno: Deno.version.deno } });
    }
    const summary = _simulate(flags, arrivals, { profile, price, controller, log });
    log?.close();
    if (log && controller) {
      await Deno.writeTextFile(
        `${log.dir}/decisions.jsonl`,
        controller.decisions.map((d) => JSON.stringify(d) + "\n").join(""),
      );
    }
    const why = _noPrediction(flags, arrivals);
    const prediction = why === undefined ? _predict(arrivals.map!, b, effective, price) : undefined;
    const result = _result(summary, prediction, why, controller?.decisions);
    const elapsedSec = (performance.now() - started) / 1000;
    if (log) {
      writeRunJson(log.dir, {
        status: "done",
        config,
        versions: { deno: Deno.version.deno },
        summary: {
          ...result,
          prediction: undefined,
          noPrediction: undefined,
          elapsedSec,
          // The decisions are in decisions.jsonl.
          adaptive: result.adaptive && { ...result.adaptive, decisions: undefined },
        },
        prediction,
        ...(why === undefined ? {} : { noPrediction: why }),
      });
    }
    _print(flags, { ...result, config, elapsedSec, out: flags.out }, summary, prediction, {
      why,
      serviceTime: describeVariability(effective),
    });
    if (controller && flags.format === "table") _printDecisions(controller.decisions, flags);
    if (flags.format === "table") {
      console.log(`wall-clock time ${elapsedSec.toFixed(3)} s${log ? `; logs in ${log.dir}` : ""}`);
    }
    return 0;
  } catch (e) {
    log?.close();
    return reportUserError("simulate", e);
  }
}

/** The summary as --format json prints it (less the configuration and the times). */
function _result(
  s: SimulationSummary,
  prediction: Prediction | undefined,
  why: string | undefined,
  decisions: readonly AdaptiveDecision[] | undefined,
) {
  return {
    requests: s.requests,
    batches: s.batches,
    meanBatchSize: s.meanBatchSize,
    dispatchReasons: s.dispatchReasons,
    latencySec: {
      p50: s.latencySec.p50,
      p95: s.latencySec.p95,
      p99: s.latencySec.p99,
      mean: s.latencySec.mean,
    },
    coldStartBatches: s.coldStarts,
    warmLatencySec: s.warmLatencySec,
    costPerRequestUsd: s.costPerRequestUsd,
    prediction: prediction ?? null,
    ...(why === undefined ? {} : { noPrediction: why }),
    ...(decisions
      ? {
        adaptive: {
          windows: decisions.length,
          changes: decisions.filter((d) => d.changed).length,
          decisions,
        },
      }
      : {}),
  };
}

/** One row of the table: label, CSV name, the simulated and the predicted values. */
interface _Row {
  label: string;
  metric: string;
  simulated: number | string;
  model?: number;
  /** How the table rounds the numbers. */
  style: "count" | "fixed" | "exp";
}

function _rows(s: SimulationSummary, p: Prediction | undefined): _Row[] {
  const r = s.dispatchReasons;
  return [
    { label: "requests", metric: "requests", simulated: s.requests, style: "count" },
    { label: "batches", metric: "batches", simulated: s.batches, style: "count" },
    {
      label: "mean batch size",
      metric: "mean_batch_size",
      simulated: s.meanBatchSize,
      model: p?.meanBatchSize,
      style: "fixed",
    },
    {
      label: "dispatch: size / timeout / end of run",
      metric: "dispatch_size_timeout_end",
      simulated: `${r.size} / ${r.timeout} / ${r.shutdown}`,
      style: "count",
    },
    ...(["p50", "p95", "p99"] as const).map((q): _Row => ({
      label: `latency ${q} (s)`,
      metric: `latency_${q}_sec`,
      simulated: s.latencySec[q],
      model: p?.latencySec[q],
      style: "fixed",
    })),
    {
      label: "latency mean (s)",
      metric: "latency_mean_sec",
      simulated: s.latencySec.mean,
      style: "fixed",
    },
    {
      label: "cold starts: batches / share",
      metric: "cold_start_batches",
      simulated: `${s.coldStarts} / ${
        s.batches ? (100 * s.coldStarts / s.batches).toFixed(1) : "-"
      } %`,
      style: "count",
    },
    {
      label: "latency p95, warm batches only (s)",
      metric: "warm_latency_p95_sec",
      simulated: s.warmLatencySec.p95,
      model: p?.latencySec.p95,
      style: "fixed",
    },
    {
      label: "cost per request (USD)",
      metric: "cost_per_request_usd",
      simulated: s.costPerRequestUsd,
      model: p?.costPerRequestUsd,
      style: "exp",
    },
  ];
}

function _cell(x: number | string | undefined, style: _Row["style"]): string {
  if (x === undefined) return "";
  if (typeof x === "string") return x;
  if (!Number.isFinite(x)) return "-";
  return style === "count" ? String(x) : style === "fixed" ? x.toFixed(4) : x.toExponential(4);
}

function _print(
  flags: SimulateFlags,
  json: Record<string, unknown>,
  s: SimulationSummary,
  p: Prediction | undefined,
  notes: { why: string | undefined; serviceTime: string },
): void {
  const { why, serviceTime } = notes;
  if (flags.format === "json") {
    console.log(JSON.stringify(json));
    return;
  }
  const rows = _rows(s, p);
  if (flags.format === "csv") {
    console.log("metric,simulated,exact_model");
    for (const r of rows) {
      // The dispatch counts and cold starts as numbers, one per row.
      if (r.metric === "dispatch_size_timeout_end") {
        for (const k of ["size", "timeout", "shutdown"] as const) {
          console.log(`dispatch_${k},${s.dispatchReasons[k]},`);
        }
      } else if (r.metric === "cold_start_batches") {
        console.log(`cold_start_batches,${s.coldStarts},`);
      } else console.log(`${r.metric},${_csvNumber(r.simulated)},${_csvNumber(r.model)}`);
    }
    const adaptive = json.adaptive as { windows: number; changes: number } | undefined;
    if (adaptive) {
      console.log(`adaptive_windows,${adaptive.windows},`);
      console.log(`adaptive_changes,${adaptive.changes},`);
    }
    return;
  }
  const b = flags.buffer, a = flags.adaptive;
  const world = [
    b.coldStartSec > 0
      ? `cold starts ${b.coldStartSec} s (keep-alive ${b.keepAliveSec} s)`
      : "no cold starts",
    ...(serviceTime === "deterministic" ? [] : [`service time ${serviceTime}`]),
  ].join(", ");
  const adaptively = a
    ? `; adaptive every ${a.windowSec} s, ${
      a.constraint === "latency"
        ? `${percentileLabel(a.percentile)} SLO ${a.slo} s`
        : `cost SLO ${a.slo} USD per request`
    }`
    : "";
  const cfg = json.config as { arrivals: string; model: string };
  console.log(
    `Simulated ${cfg.arrivals}, B = ${b.maxBatch}, T = ${b.timeoutSec} s, ${b.memoryMb} MB, ` +
      `${cfg.model}; ${world}${adaptively}`,
  );
  const cells = rows.map((r) => [r.label, _cell(r.simulated, r.style), _cell(r.model, r.style)]);
  const w0 = Math.max(...cells.map((c) => c[0].length));
  const w1 = Math.max(10, ...cells.map((c) => c[1].length));
  const model = p ? "exact model (no cold starts)" : "";
  console.log(`${"".padEnd(w0)}  ${"simulated".padStart(w1)}  ${model}`.trimEnd());
  for (const [x, y, z] of cells) console.log(`${x.padEnd(w0)}  ${y.padStart(w1)}  ${z}`.trimEnd());
  if (why !== undefined) console.log(`exact model: none, ${why}`);
}

function _csvNumber(x: number | string | undefined): string {
  return typeof x === "number" && Number.isFinite(x) ? String(x) : "";
}

function _printDecisions(decisions: readonly AdaptiveDecision[], flags: SimulateFlags): void {
  const q = percentileLabel(flags.adaptive!.percentile);
  console.log(
    `\nAdaptive: ${decisions.length} windows decided, ` +
      `${decisions.filter((d) => d.changed).length} configuration changes`,
  );
  const header = `window  end (s)  arrivals  fitted rate (req/s)  memory (MB)  B  T (s)  ` +
    `predicted ${q} (s)  decision`;
  console.log(header);
  const wq = `predicted ${q} (s)`.length;
  for (const d of decisions) {
    console.log(
      `${String(d.window).padStart(6)}  ${d.endSec.toFixed(0).padStart(7)}  ${
        String(d.arrivals).padStart(8)
      }  ${(d.fitted?.ratePerSec.toFixed(2) ?? "-").padStart(19)}  ${
        String(d.config.memoryMb).padStart(11)
      }  ${String(d.config.maxBatch).padStart(2)}  ${
        Number(d.config.timeoutSec.toPrecision(6)).toString().padStart(5)
      }  ${
        (Number.isNaN(d.predictedLatencySec) ? "-" : d.predictedLatencySec.toFixed(3)).padStart(wq)
      }  ${d.changed ? "changed: " : "kept: "}${d.reason}`,
    );
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));

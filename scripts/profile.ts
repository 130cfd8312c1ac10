/**
 * `deno task profile`: measure a Lambda function over memory x batch size,
 * fit its service-time profile S(k, m), and say what it costs and whether
 * batching pays. The function runs on the local Lambda in-process by default
 * (a published profile or a JSON one, `--model`), at a Lambda API endpoint
 * (`--endpoint`) or on AWS (`--aws`). Every invocation is appended to a CSV
 * file as it completes; `--resume` continues a sweep from it.
 *
 * @module
 */

import { profileChart } from "../lib/charts/chart_specs.ts";
import { renderSvg } from "../lib/charts/render.ts";
import { createProgress, type Progress, SILENT_PROGRESS } from "../lib/cli/progress.ts";
import { explainFileError } from "../lib/cli/file_errors.ts";
import { checkFunctionCodeFlags } from "../lib/cli/function_code_flags.ts";
import { isLoopbackEndpoint } from "../lib/buffer/function_setup.ts";
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
import { readModelFlag } from "../lib/cli/solve_flags.ts";
import { UsageError } from "../lib/cli/usage_error.ts";
import { type CpuModel, describeCpuModel } from "../lib/lambda/cpu_model.ts";
import { SweepLogFile } from "../lib/io/sweep_log_file.ts";
import { fetchLogs } from "../lib/logs/fetch_logs.ts";
import { parseRange } from "../lib/optimize/grid.ts";
import {
  pricing as pricingByName,
  PRICING_NAMES,
  type PricingName,
} from "../lib/profile/pricing.ts";
import {
  type BatchingVerdict,
  batchingVerdict,
  type CostCell,
  costTable,
} from "../lib/profile/profile_costs.ts";
import { cellStatistics, fitProfile, type FittedProfileJson } from "../lib/profile/profile_fit.ts";
import {
  crossCheckReports,
  type ReportCheck,
  runSweep,
  type SweepRecord,
  type SweepResult,
  sweepSamples,
} from "../lib/profile/profile_sweep.ts";
import { describeVariability, serviceDistributions } from "../lib/profile/service_distribution.ts";
import {
  profileFromJson,
  type ServiceProfile,
  serviceTimeSec,
} from "../lib/profile/service_profile.ts";
import { VARIABILITY_KINDS, type VariabilityKind } from "../lib/profile/variability_fit.ts";
import { openSweepTarget, type SweepTarget } from "../lib/profile/sweep_target.ts";

const DEFAULTS = {
  memory: "1280:3008:192",
  batch: "1,2,4,8,12,16,20",
  repeat: 10,
  warmup: 1,
  functionName: "inception-v4",
  model: "TF-inceptionV4",
  pricing: "aws-x86" as PricingName,
  maxDegree: 4,
  variability: "gamma" as VariabilityKind,
} as const;

const HELP = `Usage: deno task profile [options]

Measures a Lambda function over memory x batch size and fits its service-time
profile S(k, m) (seconds for a batch of k requests at m MB) in the paper's
polynomial form, usable as --model FILE.json by solve, simulate, buffer, plan
and compare. Prints the time and cost per request at each memory and batch
size, the requests per dollar, and whether batching pays for the function.
Every flag may be written --kebab-case or --snake_case.

The sweep, one invocation at a time (a single environment, no contention):
  --memory RANGE          memories, integer MB within 128..10240, as
                          LO:HI:STEP, LO:HI or a comma list (also
                          --grid-memory)                                [${DEFAULTS.memory}]
  --batch RANGE           batch sizes, integers >= 1 (also --grid-batch) [${DEFAULTS.batch}]
  --repeat N              warm measurements per (memory, batch) cell    [${DEFAULTS.repeat}]
  --warmup N              warm-up invocations per cell, not measured    [${DEFAULTS.warmup}]
  For each memory: the memory is set (UpdateFunctionConfiguration, waiting
  until it is done), the first invocation after it is a cold start (its Init
  Duration is recorded, its Duration left out), each batch size is warmed up,
  then the batch sizes are invoked in turn, --repeat times. The payload is
  {"batch_size": k}. Duration, Billed Duration, Init Duration and Max Memory
  Used come from each invocation's REPORT line (LogType Tail). A measurement
  that comes on a new environment is made again, once.

The function:
  --function-name NAME    the Lambda function (also --function)         [${DEFAULTS.functionName}]
  --endpoint URL          a Lambda API endpoint (e.g. deno task lambda-local)
  --aws                   real AWS with the standard credential chain
  --region NAME           the region of --aws, or the one --endpoint's
                          requests are signed for                       [us-east-1]
  --model NAME|FILE.json  the profile the in-process local Lambda serves, or
                          the MODEL of a function created on a local Lambda
                          at a loopback --endpoint that lacks it        [${DEFAULTS.model}]
The in-process local Lambda only (refused with --endpoint or --aws):
  --function-code PATH    the function runs this handler module (.mjs, .js,
                          .ts exporting an async handler(event, context)) in
                          the local Lambda's Workers, timed for real, instead
                          of following --model (also --code)
  --cpu-model MODEL       with --function-code: host (Duration as measured
                          here, whatever the memory) or memory-share (x
                          max(1, 1769 / memory MB), Lambda's CPU share for
                          a single-threaded handler)                    [host]
  Without --function-code, the function follows --model's profile:
  --time-scale X          run functions X times faster (Durations are
                          reported unscaled)                           [1]
  --cold-start S          a new environment's initialisation, s         [0.25]
  --service-cv CV         lognormal service times with this coefficient
                          of variation (also --jitter)                  [0]
  --seed N                seed of that jitter, an integer               [1]
  --extrapolate           serve memories and batch sizes outside the
                          profile's fitted range (refused otherwise)

The fit and the output:
  --max-degree D          highest total degree of a term, 0..8          [${DEFAULTS.maxDegree}]
  --variability KIND      the profile's spread of the duration around
                          S(k, m), from the warm durations divided by
                          their cell's mean, pooled over memories: gamma
                          or lognormal (a CV per batch size), empirical
                          (those ratios per batch size) or none
                          (deterministic); all but none need --repeat 2
                          or more                                       [${DEFAULTS.variability}]
  --pricing NAME          ${PRICING_NAMES.join(", ")}        [${DEFAULTS.pricing}]
  --out FILE.json         the fitted profile        [runs/profile-<function>.json]
  --log FILE.csv          every invocation, appended as it completes
                          [--out with .csv for .json]
  --chart FILE.svg        cost per request and p95 Duration against batch
                          size, one line per memory, the cheapest k marked
  --resume                continue the sweep in --log: cells that have
                          their --repeat warm measurements are skipped
                          (without it an existing --log is refused)
  --logs                  cross-check every REPORT line of the log tails
                          against the function's CloudWatch Logs
  --format FORMAT         table, json or csv                            [table]
  -h, --help              this text

The terms of S(k, m) are chosen among {k^i m^j: i <= p, j <= q, i + j <=
max(p, q)} (the paper's cubic and quartic among them) by leave-one-cell-out
cross-validation: the fewest terms whose held-out error is within one standard
error of the best. The profile's memoryRangeMb and batchRange are the measured
ones; it also holds the fit's errors ("fit"), per cell the mean, CV and p95
of the duration, the cold starts and the measured table as a points profile
("measurements"), and the "variability" (with how it was estimated, from how
many durations, in "fit"). --format json prints that document with the cost table and
the verdict on batching; --format csv one row per cell. A progress bar goes to
stderr when it is a terminal and the format is table.

Ctrl-C (or SIGTERM) stops after the invocation in flight; a second one at
once. Either way every completed invocation is in --log: run again with
--resume to go on.

Exit codes: 0 done, 1 no measurement succeeded or the --logs cross-check
found REPORT lines missing or different, 2 a bad flag, combination of flags or
input file, an unreachable endpoint, missing credentials or a request the
Lambda API refuses, 130 stopped by a signal.
`;

const OPTIONS = {
  memory: { type: "string" },
  batch: { type: "string" },
  repeat: { type: "string" },
  warmup: { type: "string" },
  "function-name": { type: "string" },
  endpoint: { type: "string" },
  aws: { type: "boolean" },
  region: { type: "string" },
  model: { type: "string" },
  "function-code": { type: "string" },
  "cpu-model": { type: "string" },
  "time-scale": { type: "string" },
  "cold-start": { type: "string" },
  "service-cv": { type: "string" },
  seed: { type: "string" },
  extrapolate: { type: "boolean" },
  "max-degree": { type: "string" },
  variability: { type: "string" },
  pricing: { type: "string" },
  out: { type: "string" },
  log: { type: "string" },
  chart: { type: "string" },
  resume: { type: "boolean" },
  logs: { type: "boolean" },
  format: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

const ALIASES = {
  code: "function-code",
  "grid-memory": "memory",
  "grid-batch": "batch",
  function: "function-name",
  jitter: "service-cv",
};

/** The in-process Lambda's own flags: refused with --endpoint or --aws. */
const IN_PROCESS_ONLY = [
  "function-code",
  "cpu-model",
  "time-scale",
  "cold-start",
  "service-cv",
  "seed",
  "extrapolate",
];

/** What applies to a profile-driven function only: refused with --function-code. */
const PROFILE_ONLY = ["model", "time-scale", "cold-start", "service-cv", "seed", "extrapolate"];

const FORMATS = ["table", "json", "csv"] as const;

type Values = Record<string, string | boolean | undefined>;

/** Everything the flags say, checked. */
interface ProfileFlags {
  memoriesMb: number[];
  batches: number[];
  repeat: number;
  warmup: number;
  functionName: string;
  endpoint: string | undefined;
  aws: boolean;
  region: string;
  model: string;
  /** In-process: the handler module the function runs (instead of --model's profile). */
  functionCode: string | undefined;
  cpuModel: CpuModel;
  inProcess: boolean;
  timeScale: number;
  coldStartSec: number;
  serviceCv: number;
  seed: number;
  extrapolate: boolean;
  maxDegree: number;
  variability: VariabilityKind;
  pricing: PricingName;
  out: string;
  log: string;
  /** Power Tuning's view as SVG, when given. */
  chart: string | undefined;
  resume: boolean;
  logs: boolean;
  format: typeof FORMATS[number];
  typed: Record<string, string>;
}

/**
 * Where the function runs (--aws, --endpoint or in-process), with the flags
 * that do nothing there refused.
 *
 * @throws {UsageError} Naming the flags as typed.
 */
function _checkWhere(
  v: Values,
  name: (n: string) => string,
): { aws: boolean; endpoint: string | undefined; inProcess: boolean } {
  const { aws, endpoint, inProcess, where } = checkFunctionTarget(v, name, IN_PROCESS_ONLY);
  if (!inProcess) {
    if (v.model !== undefined && !isLoopbackEndpoint(endpoint)) {
      throw new UsageError(
        `${name("model")} does nothing with ${where}: the function's code is what it is ` +
          "(--model names what the in-process local Lambda serves, or the MODEL of a " +
          "function created on a local Lambda at a loopback --endpoint)",
      );
    }
  }
  return { aws, endpoint, inProcess };
}

function _check(v: Values, typed: Record<string, string>): ProfileFlags {
  const name = (n: string) => flagAsTyped(typed, n);
  const num = (n: string, fallback: number, range: Parameters<typeof numberInRange>[2]) =>
    v[n] === undefined ? fallback : numberInRange(name(n), String(v[n]), range);
  const { aws, endpoint, inProcess } = _checkWhere(v, name);
  // With --function-code, a profile-driven function's flags do nothing.
  const { functionCode, cpuModel } = checkFunctionCodeFlags(
    v,
    typed,
    Object.fromEntries(PROFILE_ONLY.map((n) => [n, ""])),
  );
  const functionName = String(v["function-name"] ?? DEFAULTS.functionName);
  if (!/^[a-zA-Z0-9_-]{1,64}$/.test(functionName)) {
    throw new UsageError(
      `${name("function-name")} must be a Lambda function name (1 to 64 letters, digits, ` +
        `- and _): found '${functionName}'`,
    );
  }
  const out = String(v.out ?? `runs/profile-${functionName}.json`);
  const log = String(v.log ?? (out.endsWith(".json") ? out.slice(0, -5) : out) + ".csv");
  if (log === out) {
    throw new UsageError(
      `${name("log")} and ${name("out")} must be different files: both are '${out}'`,
    );
  }
  const repeat = num("repeat", DEFAULTS.repeat, { min: 1, max: 100000, integer: true });
  const variability = v.variability === undefined
    ? DEFAULTS.variability
    : oneOfFlag(name("variability"), String(v.variability), VARIABILITY_KINDS);
  if (v.variability !== undefined && variability !== "none" && repeat < 2) {
    throw new UsageError(
      `${name("variability")} ${variability} needs ${name("repeat")} 2 or more: one warm ` +
        "measurement per cell shows no spread (or pass --variability none)",
    );
  }
  return {
    memoriesMb: parseRange(String(v.memory ?? DEFAULTS.memory), {
      name: name("memory"),
      unit: "MB",
      integer: true,
      min: 128,
      max: 10240,
      maxCount: 1000,
    }),
    batches: parseRange(String(v.batch ?? DEFAULTS.batch), {
      name: name("batch"),
      integer: true,
      min: 1,
      max: 10000,
      maxCount: 1000,
    }),
    repeat,
    warmup: num("warmup", DEFAULTS.warmup, { min: 0, max: 1000, integer: true }),
    functionName,
    endpoint,
    aws,
    region: String(v.region ?? "us-east-1"),
    model: String(v.model ?? DEFAULTS.model),
    functionCode,
    cpuModel,
    inProcess,
    timeScale: num("time-scale", 1, { min: 0, minExclusive: true }),
    coldStartSec: num("cold-start", 0.25, { min: 0, max: 900, unit: "s" }),
    serviceCv: num("service-cv", 0, { min: 0 }),
    seed: num("seed", 1, { integer: true }),
    extrapolate: Boolean(v.extrapolate),
    maxDegree: num("max-degree", DEFAULTS.maxDegree, { min: 0, max: 8, integer: true }),
    variability,
    pricing: v.pricing === undefined
      ? DEFAULTS.pricing
      : oneOfFlag(name("pricing"), String(v.pricing), PRICING_NAMES),
    out,
    log,
    chart: v.chart === undefined ? undefined : String(v.chart),
    resume: Boolean(v.resume),
    logs: Boolean(v.logs),
    format: v.format === undefined ? "table" : oneOfFlag(name("format"), String(v.format), FORMATS),
    typed,
  };
}

/**
 * Checks that the in-process profile covers the sweep (or that --extrapolate
 * is needed when given).
 *
 * @throws {UsageError} Naming the flag, the value and the profile's range.
 */
function _checkCovered(flags: ProfileFlags, range: {
  name: string;
  memoryRangeMb: readonly [number, number];
  batchRange: readonly [number, number];
}): void {
  const name = (n: string) => flagAsTyped(flags.typed, n);
  const [mLo, mHi] = range.memoryRangeMb, [kLo, kHi] = range.batchRange;
  const memory = flags.memoriesMb.find((m) => m < mLo || m > mHi);
  const batch = flags.batches.find((k) => k < kLo || k > kHi);
  if (flags.extrapolate) {
    if (memory === undefined && batch === undefined) {
      throw new UsageError(
        `${name("extrapolate")} does nothing: the sweep lies within the ${mLo}..${mHi} MB and ` +
          `batch ${kLo}..${kHi} profile '${range.name}' was fitted on`,
      );
    }
    return;
  }
  if (memory !== undefined) {
    throw new UsageError(
      `${name("memory")} ${memory} MB is outside the ${mLo}..${mHi} MB profile '${range.name}' ` +
        `was fitted on: sweep within it, or pass --extrapolate`,
    );
  }
  if (batch !== undefined) {
    throw new UsageError(
      `${name("batch")} ${batch} is outside the batch sizes ${kLo}..${kHi} profile ` +
        `'${range.name}' was fitted on: sweep within them, or pass --extrapolate`,
    );
  }
}

/**
 * Makes the directories of --out and --chart and refuses a path that is a
 * directory, before the sweep rather than after it.
 */
function _prepareOutputs(flags: ProfileFlags): void {
  for (const name of ["out", "chart"] as const) {
    const path = flags[name];
    if (path === undefined) continue;
    const use = {
      path,
      flag: flagAsTyped(flags.typed, name),
      kind: "file",
      access: "write",
    } as const;
    try {
      const slash = path.lastIndexOf("/");
      try {
        if (slash > 0) Deno.mkdirSync(path.slice(0, slash), { recursive: true });
      } catch (e) {
        // mkdir says EEXIST when a part of the path is a file.
        if (e instanceof Deno.errors.AlreadyExists) throw new Deno.errors.NotADirectory(path);
        throw e;
      }
      if (Deno.statSync(path).isDirectory) throw new Deno.errors.IsADirectory(path);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) continue;
      throw explainFileError(e, use);
    }
  }
}

/** Opens --log, in the user's words when it cannot be. */
function _openLog(flags: ProfileFlags): SweepLogFile {
  const flag = flagAsTyped(flags.typed, "log");
  try {
    return SweepLogFile.open(flags.log, { resume: flags.resume });
  } catch (e) {
    if (e instanceof Deno.errors.AlreadyExists) {
      throw new UsageError(
        `${flag} ${flags.log} exists already: pass --resume to continue that sweep, or give ` +
          "another --log (or remove it)",
        { cause: e },
      );
    }
    throw explainFileError(e, { path: flags.log, flag, kind: "file", access: "write" });
  }
}

/**
 * Runs the profile CLI.
 *
 * @param args Command-line arguments.
 * @returns The exit code.
 */
export async function main(args: string[]): Promise<number> {
  let flags: ProfileFlags;
  try {
    const { values, typed } = parseFlags({
      args,
      options: OPTIONS,
      aliases: ALIASES,
      strict: true,
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    flags = _check(values as Values, typed);
  } catch (e) {
    return reportUserError("profile", e);
  }
  const signals = _listenForSignals(flags);
  let target: SweepTarget | undefined;
  let log: SweepLogFile | undefined;
  try {
    const profile = flags.functionCode === undefined &&
        (flags.inProcess || flags.endpoint !== undefined)
      ? await readModelFlag({ model: flags.model, typed: flags.typed })
      : undefined;
    if (flags.inProcess && profile !== undefined) _checkCovered(flags, profile);
    _prepareOutputs(flags);
    log = _openLog(flags);
    const previous = log.previous.records;
    target = _openTarget(flags, profile);
    const result = await _sweep(flags, target, log, signals.stop);
    log.close();
    log = undefined;
    if (result.interrupted) {
      _say(
        `profile: stopped after ${result.made} of ${result.planned} invocations; they are in ` +
          `${flags.log}: run again with --resume to go on`,
      );
      return 130;
    }
    return await _fitAndReport(flags, target, previous, result);
  } catch (e) {
    const where = target?.description ??
      (flags.aws
        ? `AWS Lambda in ${flags.region}`
        : flags.endpoint !== undefined
        ? `the Lambda API at ${flags.endpoint}`
        : "the in-process local Lambda");
    return reportServiceError("profile", e, {
      target: where,
      functionName: flags.functionName,
      notFound: `there is no function '${flags.functionName}' to profile`,
    }) ?? reportUserError("profile", e);
  } finally {
    log?.close();
    await target?.close();
    signals.dispose();
  }
}

/** A line on stderr. */
function _say(line: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(line + "\n"));
}

/**
 * Ctrl-C and SIGTERM: the first stops the sweep after the invocation in
 * flight; the same one again (the process group's and deno task's) is
 * ignored; a later one exits at once, every completed invocation being in
 * --log already.
 */
function _listenForSignals(flags: ProfileFlags): { stop: AbortSignal; dispose(): void } {
  const stop = new AbortController();
  const meaning = signalSequence({ windowMs: 500 });
  const onSignal = () => {
    const m = meaning();
    if (m === "stop") {
      _say(
        "\rprofile: stopping after the invocation in flight; signal again to exit at once\x1b[K",
      );
      stop.abort();
    } else if (m === "force") {
      _say(`\rprofile: exiting now; every completed invocation is in ${flags.log}\x1b[K`);
      Deno.exit(130);
    }
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  return {
    stop: stop.signal,
    dispose: () => {
      Deno.removeSignalListener("SIGINT", onSignal);
      Deno.removeSignalListener("SIGTERM", onSignal);
    },
  };
}

/** The function the flags name: in-process (a profile or code), at --endpoint or on --aws. */
function _openTarget(flags: ProfileFlags, profile: ServiceProfile | undefined): SweepTarget {
  return openSweepTarget({
    functionName: flags.functionName,
    aws: flags.aws,
    endpoint: flags.endpoint,
    region: flags.region,
    profile,
    ...(flags.functionCode !== undefined
      ? { functionCode: flags.functionCode, cpuModel: flags.cpuModel }
      : flags.inProcess
      ? {
        timeScale: flags.timeScale,
        coldStartSec: flags.coldStartSec,
        jitterCv: flags.serviceCv,
        seed: flags.seed,
        extrapolate: flags.extrapolate,
      }
      : {}),
  });
}

/** Runs the sweep, each record appended to --log, the progress bar on a terminal. */
async function _sweep(
  flags: ProfileFlags,
  target: SweepTarget,
  log: SweepLogFile,
  stop: AbortSignal,
): Promise<SweepResult> {
  const previous = log.previous;
  if (previous.skipped.length > 0) {
    const s = previous.skipped[0];
    _say(
      `profile: warning: ${previous.skipped.length} malformed line(s) of ${flags.log} left out ` +
        `(line ${s.line}: ${s.reason})`,
    );
  }
  const tty = flags.format === "table" && Deno.stderr.isTerminal();
  const encoder = new TextEncoder();
  const progress: Progress = tty
    ? createProgress({ write: (t) => Deno.stderr.writeSync(encoder.encode(t)), label: "profile" })
    : SILENT_PROGRESS;
  try {
    return await runSweep({
      functionName: flags.functionName,
      memoriesMb: flags.memoriesMb,
      batches: flags.batches,
      repeat: flags.repeat,
      warmup: flags.warmup,
      invoke: target.invoke,
      updateMemory: target.updateMemory,
      done: previous.records,
      signal: stop,
      onRecord: (r) => log.append(r),
      onProgress: (p) =>
        progress.update(p.done, p.total, `${p.memoryMb} MB, k = ${p.batch} (${p.phase})`),
    });
  } finally {
    progress.done();
  }
}

/**
 * Fits the profile to every warm measurement of the sweep's cells (this run's
 * and earlier ones'), writes it (and the chart), cross-checks the logs, prints.
 *
 * @returns The exit code: 1 when nothing succeeded or the cross-check failed.
 */
async function _fitAndReport(
  flags: ProfileFlags,
  target: SweepTarget,
  previous: readonly SweepRecord[],
  result: SweepResult,
): Promise<number> {
  const failedNow = result.records.filter((r) => r.status === "failed");
  const all = [...previous, ...result.records].filter((r) => r.functionName === flags.functionName);
  const samples = sweepSamples(all, { memoriesMb: flags.memoriesMb, batches: flags.batches });
  if (samples.warm.length === 0) {
    const why = failedNow[0]?.error ?? all.find((r) => r.status === "failed")?.error ?? "";
    _say(
      `profile: no measurement succeeded (${samples.failed} failed${
        why ? `; the first: ${why}` : ""
      }); the invocations are in ${flags.log}`,
    );
    return 1;
  }
  if (failedNow.length > 0) {
    _say(
      `profile: warning: ${failedNow.length} invocation(s) failed; the first: ${
        failedNow[0].error
      }`,
    );
  }
  const measured = new Set(samples.warm.map((s) => `${s.memoryMb},${s.batch}`));
  const holes = flags.memoriesMb.length * flags.batches.length - measured.size;
  if (holes > 0) {
    _say(`profile: warning: ${holes} cell(s) of the sweep have no successful measurement`);
  }
  // One warm measurement per cell (--repeat 1, or failures) shows no spread.
  const spread = cellStatistics(samples.warm).some((c) => c.count >= 2);
  const doc = fitProfile(samples.warm, {
    name: flags.functionName,
    coldStarts: samples.coldStarts,
    maxDegree: flags.maxDegree,
    variability: spread ? flags.variability : "none",
  });
  const variabilityLine = _variabilityLine(doc, flags);
  try {
    await Deno.writeTextFile(flags.out, JSON.stringify(doc, null, 2) + "\n");
  } catch (e) {
    throw explainFileError(e, {
      path: flags.out,
      flag: flagAsTyped(flags.typed, "out"),
      kind: "file",
      access: "write",
    });
  }
  const cells = costTable(samples.warm, pricingByName(flags.pricing));
  if (flags.chart !== undefined) await _writeChart(flags, doc, cells);
  const check = flags.logs && result.records.length > 0
    ? await _crossCheck(target, flags, result.records)
    : undefined;
  const report = { doc, cells, flags, target, result, samples, check, variabilityLine };
  if (flags.format === "json") _printJson(report);
  else if (flags.format === "csv") _printCsv(report);
  else _printTable(report);
  const checkFailed = check !== undefined &&
    (check.missing.length > 0 || check.disagreements.length > 0);
  // The table says it; json has it; csv has no place for it.
  if (checkFailed && flags.format === "csv") _say(`profile: ${_checkLine(check!)}`);
  return checkFailed ? 1 : 0;
}

/**
 * Fetches the function's REPORT lines from CloudWatch Logs and checks this
 * run's records against them; on AWS, where logs arrive late, tries three
 * times 10 s apart while some are missing.
 */
async function _crossCheck(
  target: SweepTarget,
  flags: ProfileFlags,
  records: SweepRecord[],
): Promise<ReportCheck> {
  const startTimeMs = Math.min(...records.map((r) => r.startedMs)) - 1000;
  let check: ReportCheck | undefined;
  for (let attempt = 1; attempt <= (flags.aws ? 3 : 1); attempt++) {
    if (attempt > 1) await new Promise((r) => setTimeout(r, 10_000));
    const logs = await fetchLogs(flags.functionName, {
      endpoint: target.logsEndpoint,
      region: target.region,
      ...(target.credentials ? { credentials: target.credentials } : {}),
      startTimeMs,
      endTimeMs: Date.now() + 1000,
      filterPattern: "REPORT",
    });
    check = crossCheckReports(records, logs.reports);
    if (check.missing.length === 0) break;
  }
  return check!;
}

/**
 * Writes --chart: cost per request and p95 Duration against batch size, a
 * line per memory, the cheapest k marked.
 */
async function _writeChart(
  flags: ProfileFlags,
  doc: FittedProfileJson,
  cells: CostCell[],
): Promise<void> {
  const rows = doc.measurements.cells.map((c) => ({
    memory_mb: c.memoryMb,
    batch_size: c.batch,
    cost_per_request_usd: cells.find((x) => x.memoryMb === c.memoryMb && x.batch === c.batch)!
      .costPerRequestUsd,
    p95_duration_sec: c.p95Sec,
  }));
  const memories = [...new Set(rows.map((r) => r.memory_mb))];
  const at = memories.length === 1 ? ` at ${memories[0]} MB` : "";
  const specs = profileChart(rows, {
    height: 320,
    title: `${flags.functionName}${at}: cost per request and p95 Duration, by batch size`,
  });
  try {
    await Deno.writeTextFile(flags.chart!, renderSvg(specs));
  } catch (e) {
    throw explainFileError(e, {
      path: flags.chart!,
      flag: flagAsTyped(flags.typed, "chart"),
      kind: "file",
      access: "write",
    });
  }
}

interface _Report {
  doc: FittedProfileJson;
  cells: CostCell[];
  flags: ProfileFlags;
  target: SweepTarget;
  result: SweepResult;
  samples: ReturnType<typeof sweepSamples>;
  check: ReportCheck | undefined;
  /** The profile's variability in one line. */
  variabilityLine: string;
}

/**
 * The written profile's variability in one line (`describeVariability`, its
 * CVs rounded to 3 significant digits), with what it rests on, or why there
 * is none.
 */
function _variabilityLine(doc: FittedProfileJson, flags: ProfileFlags): string {
  const e = doc.fit.variability;
  if (e === undefined) {
    return flags.variability === "none"
      ? "deterministic (--variability none)"
      : `deterministic: no cell has two warm measurements, which --variability ${flags.variability} needs`;
  }
  if (doc.variability === undefined) {
    return "deterministic: every warm duration equals its cell's mean";
  }
  const v = doc.variability;
  const shown = v.distribution !== "empirical" && typeof v.cv === "object" && "cvs" in v.cv
    ? { ...v, cv: { ...v.cv, cvs: v.cv.cvs.map((c) => Number(c.toPrecision(3))) } }
    : v;
  const profile = { ...profileFromJson(doc), variability: shown };
  const memories = new Set(doc.measurements.cells.map((c) => c.memoryMb)).size;
  const pooled = `pooled over ${memories} ${memories === 1 ? "memory" : "memories"} ` +
    `(${_count(e.cells, "cell")})`;
  return v.distribution === "empirical"
    ? `${describeVariability(profile)}: ratios to their cell's mean, ${pooled}`
    : `${describeVariability(profile)}, from ${_count(e.samples, "warm duration")} as ratios ` +
      `to their cell's mean, ${pooled}`;
}

/** A number for people: 4 significant digits, whole numbers from 1000 on. */
function _round(x: number): string {
  if (!Number.isFinite(x)) return "-";
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString("en-US");
  return String(Number(x.toPrecision(4)));
}

function _percent(x: number): string {
  if (!Number.isFinite(x)) return "-";
  return Math.abs(x) >= 0.001 || x === 0 ? `${(100 * x).toFixed(1)} %` : `${_round(100 * x)} %`;
}

function _count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? "" : "s"}`;
}

/** Rows of text, right-aligned under their headers. */
function _grid(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => c.padStart(widths[i])).join("  ");
  return [line(header), ...rows.map(line)];
}

function _checkLine(check: ReportCheck): string {
  const d = check.disagreements[0];
  return `CloudWatch Logs cross-check: ${check.found} of ${check.checked} REPORT lines found` +
    (check.missing.length ? `, ${check.missing.length} missing (first ${check.missing[0]})` : "") +
    (d
      ? `, ${check.disagreements.length} figure(s) differ (first ${d.requestId} ${d.field}: ` +
        `tail ${d.tail}, logs ${d.logs})`
      : check.missing.length === 0
      ? ", every figure equal"
      : "");
}

function _printTable(r: _Report): void {
  const { doc, cells, flags } = r;
  const verdict = batchingVerdict(cells);
  _printHeading(r);
  console.log("");
  _printCellTables(doc, cells, verdict);
  console.log("");
  _printBatching(cells, verdict);
  console.log("");
  const cs = doc.measurements.coldStarts;
  console.log(
    "cold starts (Init Duration): " +
      (cs.length
        ? cs.map((c) => `${c.memoryMb} MB ${_round(c.meanInitSec * 1000)} ms`).join(", ")
        : "none seen (the function was warm)"),
  );
  const f = doc.fit;
  console.log(
    `fit: ${_count(doc.terms.length, "term")} (${doc.terms.join(", ")}), ` +
      `RMSE ${_round(f.rmseSec)} s (${_percent(f.relativeRmse)}), held out ` +
      `(leave-one-cell-out) ${_round(f.heldOutRmseSec)} s (${_percent(f.heldOutRelativeRmse)})`,
  );
  console.log(`variability: ${r.variabilityLine}`);
  console.log(_verdictLine(verdict));
  if (r.check) console.log(_checkLine(r.check));
  if (flags.chart !== undefined) console.log(`chart written to ${flags.chart}`);
  console.log(
    `profile written to ${flags.out} (use it as --model in solve, simulate, buffer, plan and compare)`,
  );
}

/** What was swept where, and how many invocations it took. */
function _printHeading(r: _Report): void {
  const { flags, target, result, samples } = r;
  const model = flags.functionCode !== undefined
    ? `, code ${flags.functionCode} (${describeCpuModel(flags.cpuModel)})`
    : flags.inProcess
    ? `, model ${flags.model}`
    : "";
  const memories = flags.memoriesMb.length;
  console.log(
    `Profile of ${flags.functionName} on ${target.description}${model}: ` +
      `${memories} ${memories === 1 ? "memory" : "memories"} x ` +
      `${_count(flags.batches.length, "batch size")} x ${_count(flags.repeat, "repeat")}, ` +
      `${flags.pricing} prices`,
  );
  const failed = result.records.filter((x) => x.status === "failed").length;
  console.log(
    `${_count(result.made, "invocation")} this run (${failed} failed), ` +
      `${_count(samples.warm.length, "warm measurement")} used; every invocation in ${flags.log}`,
  );
}

/** Memory x batch size: the mean duration (and CV), then the cost per request. */
function _printCellTables(doc: FittedProfileJson, cells: CostCell[], verdict: BatchingVerdict) {
  const memories = [...new Set(cells.map((c) => c.memoryMb))];
  const batches = [...new Set(cells.map((c) => c.batch))].sort((a, b) => a - b);
  const header = ["memory MB", ...batches.map((k) => `k=${k}`)];
  console.log("mean duration of a batch, s (CV %)");
  const durations = memories.map((m) => [
    String(m),
    ...batches.map((k) => {
      const s = doc.measurements.cells.find((c) => c.memoryMb === m && c.batch === k);
      if (s === undefined) return "-";
      return `${_round(s.meanSec)} (${Number.isFinite(s.cv) ? (100 * s.cv).toFixed(1) : "-"})`;
    }),
  ]);
  for (const line of _grid(header, durations)) console.log(line);
  console.log("");
  console.log("cost per request, µUSD (* the cheapest batch size at the memory)");
  const costs = memories.map((m) => {
    const best = verdict.memories.find((v) => v.memoryMb === m)!.bestBatch;
    return [
      String(m),
      ...batches.map((k) => {
        const c = cells.find((x) => x.memoryMb === m && x.batch === k);
        return c ? `${_round(c.costPerRequestUsd * 1e6)}${k === best ? "*" : " "}` : "- ";
      }),
    ];
  });
  for (const line of _grid(header, costs)) console.log(line);
}

/** Per memory: the cheapest batch size against the smallest, requests per dollar and per second. */
function _printBatching(cells: CostCell[], verdict: BatchingVerdict): void {
  console.log("does batching pay? per memory, the cheapest batch size against the smallest");
  const k0 = verdict.cheapestUnbatched.batch;
  const rows = verdict.memories.map((v) => {
    const best = cells.find((c) => c.memoryMb === v.memoryMb && c.batch === v.bestBatch)!;
    return [
      String(v.memoryMb),
      String(v.bestBatch),
      _round(v.bestCostPerRequestUsd * 1e6),
      _round(v.smallestCostPerRequestUsd * 1e6),
      _percent(v.saving),
      _round(best.requestsPerUsd),
      _round(best.requestsPerSec),
    ];
  });
  const header = [
    "memory MB",
    "best k",
    "µUSD/request",
    `at k=${k0}`,
    "saving",
    "requests/USD",
    "requests/s",
  ];
  for (const line of _grid(header, rows)) console.log(line);
}

/** Whether batching pays, in one line. */
function _verdictLine(verdict: BatchingVerdict): string {
  const c = verdict.cheapest, u = verdict.cheapestUnbatched;
  const usd = (x: CostCell) => `${_round(x.costPerRequestUsd * 1e6)} µUSD`;
  return verdict.pays
    ? `batching pays: the cheapest is k = ${c.batch} at ${c.memoryMb} MB, ${usd(c)} per ` +
      `request, ${_percent(verdict.saving)} below k = ${u.batch} at its cheapest ` +
      `(${u.memoryMb} MB, ${usd(u)})`
    : `batching does not pay: the cheapest is k = ${c.batch} at ${c.memoryMb} MB, ${usd(c)} per ` +
      "request" +
      (c.batch === u.batch ? "" : ` (${_percent(verdict.saving)} below k = ${u.batch})`);
}

function _printJson(r: _Report): void {
  const verdict = batchingVerdict(r.cells);
  console.log(JSON.stringify({
    profile: r.doc,
    variability: r.variabilityLine,
    costs: r.cells,
    batching: verdict,
    sweep: {
      functionName: r.flags.functionName,
      target: r.target.description,
      pricing: r.flags.pricing,
      memoriesMb: r.flags.memoriesMb,
      batches: r.flags.batches,
      repeat: r.flags.repeat,
      warmup: r.flags.warmup,
      planned: r.result.planned,
      made: r.result.made,
      failed: r.result.records.filter((x) => x.status === "failed").length,
      completeCellsBefore: r.result.completeCells,
      warmMeasurements: r.samples.warm.length,
      coldMeasurements: r.samples.coldMeasurements,
      log: r.flags.log,
      out: r.flags.out,
    },
    ...(r.check ? { logsCheck: r.check } : {}),
  }));
}

function _printCsv(r: _Report): void {
  const fitted = profileFromJson(r.doc);
  const n = (x: number) => (Number.isFinite(x) ? String(x) : "");
  console.log(
    "memory_mb,batch_size,count,mean_sec,cv,p95_sec,fitted_sec,cost_per_request_usd," +
      "requests_per_usd,requests_per_sec,max_memory_used_mb,fitted_cv",
  );
  for (const c of r.doc.measurements.cells) {
    const cost = r.cells.find((x) => x.memoryMb === c.memoryMb && x.batch === c.batch)!;
    const service = serviceDistributions(fitted, c.batch, c.memoryMb)[c.batch - 1];
    console.log([
      c.memoryMb,
      c.batch,
      c.count,
      n(c.meanSec),
      n(c.cv),
      n(c.p95Sec),
      n(serviceTimeSec(fitted, c.batch, c.memoryMb)),
      n(cost.costPerRequestUsd),
      n(cost.requestsPerUsd),
      n(cost.requestsPerSec),
      n(c.maxMemoryUsedMb),
      n(service.cv),
    ].join(","));
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));

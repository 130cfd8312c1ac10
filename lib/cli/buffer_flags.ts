/**
 * The flags `deno task simulate` and `deno task buffer` share besides the
 * arrivals: the buffer's configuration (buffer.py's `--batch_size`,
 * `--time_out`, with `--memory` and the profile), the function's world
 * (`--service-cv`, `--cold-start`, `--keep-alive`), and adaptive BATCH
 * (`--adaptive` and the controller's settings), each checked once with the
 * combinations that would do nothing refused.
 *
 * @module
 */

import { type ConfigurationGrid, MODEL_METHODS, type ModelMethod } from "../model/types.ts";
import { gridFromRanges } from "../optimize/grid.ts";
import { type ConstraintKind, CONSTRAINTS } from "../optimize/optimize.ts";
import { PRICING_NAMES, type PricingName } from "../profile/pricing.ts";
import {
  ProfileRangeError,
  type ServiceProfile,
  serviceTimesSec,
} from "../profile/service_profile.ts";
import { readProfileArgument } from "../io/profile_files.ts";
import { explainFileError } from "./file_errors.ts";
import { flagAsTyped, numberInRange, oneOfFlag } from "./flags.ts";
import { UsageError } from "./usage_error.ts";

/** Flag values as `parseFlags` returns them. */
type FlagValues = Record<string, string | boolean | undefined>;

/**
 * The buffer's configuration and the function's world as `parseFlags`
 * options, without defaults (see {@linkcode BUFFER_DEFAULTS}), so that a flag
 * given can be told from one left out.
 */
export const BUFFER_FLAG_OPTIONS = {
  "batch-size": { type: "string" },
  "time-out": { type: "string" },
  memory: { type: "string" },
  model: { type: "string" },
  pricing: { type: "string" },
  extrapolate: { type: "boolean" },
  "service-cv": { type: "string" },
  "cold-start": { type: "string" },
  "keep-alive": { type: "string" },
} as const;

/**
 * The defaults: buffer.py's B = 5 and T = 1 s, 3008 MB, TF-inceptionV4, and
 * Lambda's world as `lambda-local` and `compare` have it (a cold start of
 * 0.25 s, 600 s before an idle instance is gone, deterministic service times).
 */
export const BUFFER_DEFAULTS = {
  maxBatch: 5,
  timeoutSec: 1,
  memoryMb: 3008,
  model: "TF-inceptionV4",
  serviceCv: 0,
  coldStartSec: 0.25,
  keepAliveSec: 600,
} as const;

/** The buffer's flags, checked. */
export interface BufferFlags {
  maxBatch: number;
  timeoutSec: number;
  /** Integer MB within Lambda's 128..10240. */
  memoryMb: number;
  /** A published profile's name or a JSON profile file. */
  model: string;
  pricing: PricingName;
  extrapolate: boolean;
  /** Coefficient of variation of a lognormal service time (0: deterministic). */
  serviceCv: number;
  /** Initialisation of a new instance, s (0: no cold starts). */
  coldStartSec: number;
  /** Idle time before an instance is gone, s. */
  keepAliveSec: number;
}

/**
 * Checks the buffer's flags.
 *
 * @param v The values, as `parseFlags` returns them for {@linkcode BUFFER_FLAG_OPTIONS}.
 * @param typed How each flag was typed, for messages.
 * @param options The task's default pricing.
 * @returns The checked flags, the defaults filled in.
 * @throws {UsageError} On a value out of range, or `--keep-alive` with
 *   `--cold-start 0` (no cold starts: it would do nothing).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const flags = checkBufferFlags({ "batch-size": "20" }, {}, { pricing: "paper" });
 * assert.equal(flags.maxBatch, 20);
 * assert.equal(flags.coldStartSec, 0.25);
 * assert.throws(
 *   () => checkBufferFlags({ "time-out": "0" }, { "time-out": "--time_out" }, { pricing: "paper" }),
 *   { message: "--time_out must be a number > 0 s: found '0'" },
 * );
 * ```
 */
export function checkBufferFlags(
  v: FlagValues,
  typed: Record<string, string>,
  options: { pricing: PricingName },
): BufferFlags {
  const name = (n: string) => flagAsTyped(typed, n);
  const num = (n: string, fallback: number, range: Parameters<typeof numberInRange>[2]) =>
    v[n] === undefined ? fallback : numberInRange(name(n), String(v[n]), range);
  const d = BUFFER_DEFAULTS;
  const flags: BufferFlags = {
    maxBatch: num("batch-size", d.maxBatch, { min: 1, integer: true }),
    timeoutSec: num("time-out", d.timeoutSec, { min: 0, minExclusive: true, unit: "s" }),
    memoryMb: num("memory", d.memoryMb, { min: 128, max: 10240, integer: true, unit: "MB" }),
    model: v.model === undefined ? d.model : String(v.model),
    pricing: v.pricing === undefined
      ? options.pricing
      : oneOfFlag(name("pricing"), String(v.pricing), PRICING_NAMES),
    extrapolate: Boolean(v.extrapolate),
    serviceCv: num("service-cv", d.serviceCv, { min: 0 }),
    coldStartSec: num("cold-start", d.coldStartSec, { min: 0, max: 900, unit: "s" }),
    keepAliveSec: num("keep-alive", d.keepAliveSec, { min: 0, unit: "s" }),
  };
  if (v["keep-alive"] !== undefined && flags.coldStartSec === 0) {
    throw new UsageError(
      `${name("keep-alive")} does nothing with ${name("cold-start")} 0: without cold starts ` +
        "an idle instance is never gone",
    );
  }
  return flags;
}

/**
 * Adaptive BATCH's flags as `parseFlags` options, without defaults (see
 * {@linkcode ADAPTIVE_DEFAULTS}): every one but `--adaptive` needs it.
 */
export const ADAPTIVE_FLAG_OPTIONS = {
  adaptive: { type: "boolean" },
  window: { type: "string" },
  constraint: { type: "string" },
  slo: { type: "string" },
  percentile: { type: "string" },
  method: { type: "string" },
  "rate-margin": { type: "string" },
  "grid-memory": { type: "string" },
  "grid-timeout": { type: "string" },
  "grid-batch": { type: "string" },
} as const;

/** The adaptive flags' defaults: hourly windows, a p95 latency SLO of 5 s, solver.py's memories and timeouts, B 1..20. */
export const ADAPTIVE_DEFAULTS = {
  windowSec: 3600,
  constraint: "latency",
  latencySloSec: 5,
  percentile: 0.95,
  method: "exact",
  rateMargin: 0.25,
  gridMemory: "1280:3008:64",
  gridTimeout: "0.01:0.49:0.01",
  gridBatch: "1:20:1",
} as const;

/** The adaptive flags, checked. */
export interface AdaptiveFlags {
  windowSec: number;
  constraint: ConstraintKind;
  /** Seconds for a latency SLO, USD per request for a cost SLO. */
  slo: number;
  percentile: number;
  method: ModelMethod;
  rateMargin: number;
  grid: ConfigurationGrid;
  /** The grid's ranges as given (for the run's record). */
  gridRanges: { memory: string; timeout: string; batch: string };
}

/** The percentile as people write it: `p95`, `p99.9`. */
export function percentileLabel(percentile: number): string {
  return `p${Number((percentile * 100).toPrecision(6))}`;
}

/**
 * Checks the adaptive flags.
 *
 * @param v The values, as `parseFlags` returns them for {@linkcode ADAPTIVE_FLAG_OPTIONS}.
 * @param typed How each flag was typed, for messages.
 * @returns The checked flags with `--adaptive`, else undefined.
 * @throws {UsageError} On a bad value, a grid memory Lambda does not take
 *   (integers 128..10240 MB), `--constraint cost` without `--slo`, or any
 *   adaptive flag without `--adaptive` (it would do nothing).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(checkAdaptiveFlags({}, {}), undefined);
 * const a = checkAdaptiveFlags({ adaptive: true, percentile: "0.99", slo: "3" }, {})!;
 * assert.deepEqual([a.percentile, a.slo, a.constraint, a.windowSec], [0.99, 3, "latency", 3600]);
 * assert.throws(
 *   () => checkAdaptiveFlags({ window: "60" }, { window: "--window" }),
 *   { message: "--window needs --adaptive: without it B, T and memory stay as given" },
 * );
 * ```
 */
export function checkAdaptiveFlags(
  v: FlagValues,
  typed: Record<string, string>,
): AdaptiveFlags | undefined {
  const name = (n: string) => flagAsTyped(typed, n);
  if (!v.adaptive) {
    const given = Object.keys(ADAPTIVE_FLAG_OPTIONS).find((n) => v[n] !== undefined);
    if (given !== undefined) {
      throw new UsageError(
        `${name(given)} needs --adaptive: without it B, T and memory stay as given`,
      );
    }
    return undefined;
  }
  const d = ADAPTIVE_DEFAULTS;
  const constraint = v.constraint === undefined
    ? d.constraint
    : oneOfFlag(name("constraint"), String(v.constraint), CONSTRAINTS);
  if (v.slo === undefined && constraint === "cost") {
    throw new UsageError(`${name("constraint")} cost needs --slo USD (the cost per request)`);
  }
  const gridRanges = {
    memory: String(v["grid-memory"] ?? d.gridMemory),
    timeout: String(v["grid-timeout"] ?? d.gridTimeout),
    batch: String(v["grid-batch"] ?? d.gridBatch),
  };
  return {
    windowSec: v.window === undefined
      ? d.windowSec
      : numberInRange(name("window"), String(v.window), { min: 0, minExclusive: true, unit: "s" }),
    constraint,
    slo: v.slo === undefined ? d.latencySloSec : numberInRange(name("slo"), String(v.slo), {
      min: 0,
      minExclusive: true,
      unit: constraint === "latency" ? "s" : "USD per request",
    }),
    percentile: v.percentile === undefined ? d.percentile : numberInRange(
      name("percentile"),
      String(v.percentile),
      { min: 0, max: 1, minExclusive: true, maxExclusive: true },
    ),
    method: v.method === undefined
      ? d.method
      : oneOfFlag(name("method"), String(v.method), MODEL_METHODS),
    rateMargin: v["rate-margin"] === undefined
      ? d.rateMargin
      : numberInRange(name("rate-margin"), String(v["rate-margin"]), {
        min: 0,
        max: 1,
        maxExclusive: true,
      }),
    grid: _grid(gridRanges, typed),
    gridRanges,
  };
}

/**
 * The adaptive grid from its ranges, with errors naming the grid flags as typed.
 *
 * @throws {UsageError} On a bad range or a memory Lambda does not take.
 */
function _grid(
  ranges: { memory: string; timeout: string; batch: string },
  typed: Record<string, string>,
): ConfigurationGrid {
  let grid: ConfigurationGrid;
  try {
    grid = gridFromRanges(ranges.memory, ranges.timeout, ranges.batch);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    // gridFromRanges names the ranges as deno task solve's flags.
    throw new UsageError(
      e.message.replace(
        /--(memory|timeout|batch)\b/,
        (_, m: string) => flagAsTyped(typed, `grid-${m}`),
      ),
    );
  }
  const bad = grid.memoriesMb.find((m) => !(Number.isInteger(m) && m >= 128 && m <= 10240));
  if (bad !== undefined) {
    throw new UsageError(
      `${flagAsTyped(typed, "grid-memory")} must hold integers within 128..10240 MB, ` +
        `as Lambda takes them: found ${bad} in '${ranges.memory}'`,
    );
  }
  return grid;
}

/**
 * Checks that the profile covers the configuration and the adaptive grid
 * (every memory with the largest batch) unless `--extrapolate`, and that
 * `--extrapolate` is needed where it is given.
 *
 * @param profile The service-time profile.
 * @param flags The buffer's flags.
 * @param adaptive The adaptive flags, when adaptive.
 * @param typed How each flag was typed, for messages.
 * @param options Whether to check the configuration (not where the function
 *   is another's, on AWS or at an endpoint, with a range of its own).
 * @throws {UsageError} Naming the flag whose value the profile was not fitted
 *   on, the range it was, and `--extrapolate`; or `--extrapolate` where
 *   everything lies within the range (it would do nothing).
 */
export function checkProfileCovers(
  profile: ServiceProfile,
  flags: BufferFlags,
  adaptive: AdaptiveFlags | undefined,
  typed: Record<string, string>,
  options: { configuration?: boolean } = {},
): void {
  let outside = false;
  const at = (memoryFlag: string, memoryMb: number, batchFlag: string, maxBatch: number) => {
    try {
      serviceTimesSec(profile, maxBatch, memoryMb);
    } catch (e) {
      if (!(e instanceof ProfileRangeError)) throw e;
      outside = true;
      if (flags.extrapolate) return;
      const [flag, value, range] = e.quantity === "memory"
        ? [memoryFlag, `${memoryMb} MB`, `${e.range[0]}..${e.range[1]} MB`]
        : [batchFlag, `${e.value}`, `batches ${e.range[0]}..${e.range[1]}`];
      throw new UsageError(
        `${flagAsTyped(typed, flag)}: ${profile.name} was fitted on ${range}, not ${value} ` +
          "(--extrapolate allows it)",
      );
    }
  };
  const configuration = options.configuration ?? true;
  if (configuration) at("memory", flags.memoryMb, "batch-size", flags.maxBatch);
  if (adaptive) {
    const largest = Math.max(...adaptive.grid.maxBatches);
    for (const m of adaptive.grid.memoriesMb) at("grid-memory", m, "grid-batch", largest);
  }
  if (flags.extrapolate && !outside && (configuration || adaptive)) {
    const [mLo, mHi] = profile.memoryRangeMb, [, bHi] = profile.batchRange;
    throw new UsageError(
      `${flagAsTyped(typed, "extrapolate")} does nothing here: ` +
        `${
          configuration
            ? (adaptive ? "the configuration and the grid lie" : "the configuration lies")
            : "the grid lies"
        } within ` +
        `the ${mLo}..${mHi} MB and batches 1..${bHi} profile '${profile.name}' was fitted on`,
    );
  }
}

/**
 * The profile `--model` names: a published one or a JSON file.
 *
 * @param flags The buffer's flags.
 * @param typed How each flag was typed, for messages.
 * @throws {RangeError} If it is neither a published name nor an existing file.
 * @throws {Deno.errors.IsADirectory} And the file system's other errors,
 *   naming `--model` and the path.
 */
export async function readModelFlag(
  flags: BufferFlags,
  typed: Record<string, string>,
): Promise<ServiceProfile> {
  try {
    return await readProfileArgument(flags.model);
  } catch (e) {
    throw explainFileError(e, {
      path: flags.model,
      flag: flagAsTyped(typed, "model"),
      kind: "file",
      access: "read",
    });
  }
}

/**
 * Creates the run directory `--out` names (and the directories above it).
 *
 * @param dir The directory.
 * @param typed How each flag was typed, for messages.
 * @throws {Deno.errors.AlreadyExists} And the file system's other errors,
 *   naming `--out`, the path and what to do.
 */
export function makeOutDirectory(dir: string, typed: Record<string, string>): void {
  try {
    Deno.mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw explainFileError(e, {
      path: dir,
      flag: flagAsTyped(typed, "out"),
      kind: "directory",
      access: "write",
    });
  }
}

/** The output formats of a task that prints a table. */
export const FORMATS = ["table", "json", "csv"] as const;

/** An output format. */
export type Format = typeof FORMATS[number];

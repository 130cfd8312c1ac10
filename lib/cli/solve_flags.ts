/**
 * The flags `deno task solve`, `deno task plan` and `deno task compare` share
 * (solver.py's, plus method, pricing, hours and the grid searched): their
 * parseArgs definitions, their checks, and the reading of what they name
 * (the trace's hours, the profile) with errors in the flags' words.
 *
 * @module
 */

import { type HourlyMap, readMapDirectory } from "../io/map_files.ts";
import { readProfileArgument } from "../io/profile_files.ts";
import { MODEL_METHODS, type ModelMethod } from "../model/types.ts";
import type { ConfigurationGrid } from "../model/types.ts";
import {
  PAPER_BATCH_RANGE,
  PAPER_MEMORY_RANGE,
  PAPER_TIMEOUT_RANGE,
  parseRange,
} from "../optimize/grid.ts";
import { type ConstraintKind, CONSTRAINTS } from "../optimize/optimize.ts";
import { PRICING_NAMES, type PricingName } from "../profile/pricing.ts";
import { describeVariability } from "../profile/service_distribution.ts";
import {
  PUBLISHED_PROFILE_NAMES,
  type ServiceProfile,
  serviceTimesSec,
} from "../profile/service_profile.ts";
import { traceDir } from "./arrival_flags.ts";
import { flagAsTyped, hourFlag, numberInRange, oneOfFlag } from "./flags.ts";
import { UsageError } from "./usage_error.ts";

/**
 * The shared flags as `parseArgs` options, with their defaults (solver.py's).
 * The grid flags' short names are in {@linkcode SOLVE_FLAG_ALIASES}.
 */
export const SOLVE_FLAG_OPTIONS = {
  model: { type: "string", default: "TF-inceptionV4" },
  percentile: { type: "string", default: "0.95" },
  constraint: { type: "string", default: "latency" },
  slo: { type: "string" },
  trace: { type: "string", default: "twitter" },
  hour: { type: "string" },
  start: { type: "string" },
  end: { type: "string" },
  method: { type: "string", default: "exact" },
  pricing: { type: "string", default: "paper" },
  "grid-memory": { type: "string", default: PAPER_MEMORY_RANGE },
  "grid-timeout": { type: "string", default: PAPER_TIMEOUT_RANGE },
  "grid-batch": { type: "string", default: PAPER_BATCH_RANGE },
  extrapolate: { type: "boolean", default: false },
  "keep-alive": { type: "string" },
} as const;

/** solver.py's names of the grid flags, kept as aliases. */
export const SOLVE_FLAG_ALIASES: Readonly<Record<string, string>> = {
  memory: "grid-memory",
  timeout: "grid-timeout",
  batch: "grid-batch",
};

/** Largest memory Lambda takes, MB (and the smallest, 128 MB). */
const _LAMBDA_MEMORY_MB = [128, 10240] as const;

/** The shared flags, checked. */
export interface SolveFlags {
  model: string;
  percentile: number;
  constraint: ConstraintKind;
  /** Seconds for a latency SLO, USD per request for a cost SLO. */
  slo: number;
  trace: string;
  /** First hour (1..24), when given (`--start` or `--hour`). */
  start?: number;
  /** Last hour (1..24), when given (`--end` or `--hour`). */
  end?: number;
  method: ModelMethod;
  pricing: PricingName;
  /** The configurations searched. */
  grid: ConfigurationGrid;
  extrapolate: boolean;
  /**
   * Idle time before an environment is reclaimed, s, for a profile's cold
   * starts (`--keep-alive`); undefined: the model's 600 s.
   */
  keepAliveSec?: number;
  /** Each flag given, as the user typed it (for messages). */
  typed: Record<string, string>;
}

/** The shared flags' values as `parseArgs` returns them. */
export interface SolveFlagValues {
  model?: string;
  percentile?: string;
  constraint?: string;
  slo?: string;
  trace?: string;
  hour?: string;
  start?: string;
  end?: string;
  method?: string;
  pricing?: string;
  "grid-memory"?: string;
  "grid-timeout"?: string;
  "grid-batch"?: string;
  extrapolate?: boolean;
  "keep-alive"?: string;
}

/**
 * Checks the shared flags' values.
 *
 * @param v The parsed values (with the defaults of {@linkcode SOLVE_FLAG_OPTIONS}).
 * @param typed How each flag was typed (`parseFlags`' `typed`), for messages.
 * @returns The checked flags; `--slo` defaults to 5 s with a latency SLO.
 * @throws {UsageError} On a bad value or combination, naming the flag as typed,
 *   the range and what was given.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseFlags } from "./flags.ts";
 *
 * const { values, typed } = parseFlags({
 *   args: ["--hour", "8", "--memory", "2048", "--grid_batch", "1:4"],
 *   options: SOLVE_FLAG_OPTIONS,
 *   aliases: SOLVE_FLAG_ALIASES,
 *   strict: true,
 * });
 * const flags = checkSolveFlags(values, typed);
 * assert.deepEqual([flags.start, flags.end, flags.slo], [8, 8, 5]);
 * assert.deepEqual(flags.grid.maxBatches, [1, 2, 3, 4]);
 * ```
 */
export function checkSolveFlags(
  v: SolveFlagValues,
  typed: Record<string, string> = {},
): SolveFlags {
  const f = (name: string) => flagAsTyped(typed, name);
  const constraint = oneOfFlag(f("constraint"), v.constraint!, CONSTRAINTS);
  const percentile = numberInRange(f("percentile"), v.percentile!, {
    min: 0,
    max: 1,
    minExclusive: true,
    maxExclusive: true,
  });
  if (v.slo === undefined && constraint === "cost") {
    throw new UsageError(`--slo (USD per request) is required with ${f("constraint")} cost`);
  }
  const slo = v.slo === undefined ? 5 : numberInRange(f("slo"), v.slo, {
    min: 0,
    minExclusive: true,
    unit: constraint === "latency" ? "s" : "USD per request",
  });
  const { start, end } = checkHourFlags(v, typed);
  return {
    model: v.model!,
    percentile,
    constraint,
    slo,
    trace: v.trace!,
    start,
    end,
    method: oneOfFlag(f("method"), v.method!, MODEL_METHODS),
    pricing: oneOfFlag(f("pricing"), v.pricing!, PRICING_NAMES),
    grid: gridFromFlags(v, typed),
    extrapolate: v.extrapolate ?? false,
    ...(v["keep-alive"] === undefined
      ? {}
      : { keepAliveSec: numberInRange(f("keep-alive"), v["keep-alive"], { min: 0, unit: "s" }) }),
    typed,
  };
}

/**
 * The hours `--hour H` or `--start H`/`--end H` select.
 *
 * @throws {UsageError} On an hour outside 1..24, `--hour` with `--start` or
 *   `--end`, or `--end` before `--start`.
 */
function checkHourFlags(
  v: Pick<SolveFlagValues, "hour" | "start" | "end">,
  typed: Record<string, string>,
): { start?: number; end?: number } {
  const f = (name: string) => flagAsTyped(typed, name);
  const hour = hourFlag(f("hour"), v.hour);
  const start = hourFlag(f("start"), v.start), end = hourFlag(f("end"), v.end);
  if (hour !== undefined) {
    if (start !== undefined || end !== undefined) {
      throw new UsageError(
        `${f("hour")} selects one hour: give it or ${
          start !== undefined ? f("start") : f("end")
        }, not both`,
      );
    }
    return { start: hour, end: hour };
  }
  if (start !== undefined && end !== undefined && end < start) {
    throw new UsageError(`${f("end")} (${end}) must not be before ${f("start")} (${start})`);
  }
  return { start, end };
}

/**
 * The grid the grid flags describe, with messages naming them as typed.
 * Memories must be Lambda's (128..10240 MB), timeouts within 0.000001..3600 s,
 * batches within 1..1000.
 *
 * @throws {UsageError} On a range that cannot be read or a value out of range.
 */
function gridFromFlags(
  v: Pick<SolveFlagValues, "grid-memory" | "grid-timeout" | "grid-batch">,
  typed: Record<string, string>,
): ConfigurationGrid {
  const f = (name: string) => flagAsTyped(typed, name);
  try {
    return {
      memoriesMb: parseRange(v["grid-memory"] ?? PAPER_MEMORY_RANGE, {
        name: f("grid-memory"),
        unit: "MB",
        min: _LAMBDA_MEMORY_MB[0],
        max: _LAMBDA_MEMORY_MB[1],
      }),
      timeoutsSec: parseRange(v["grid-timeout"] ?? PAPER_TIMEOUT_RANGE, {
        name: f("grid-timeout"),
        unit: "s",
        min: 1e-6,
        max: 3600,
      }),
      maxBatches: parseRange(v["grid-batch"] ?? PAPER_BATCH_RANGE, {
        name: f("grid-batch"),
        integer: true,
        min: 1,
        max: 1000,
      }),
    };
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(e.message, { cause: e });
    throw e;
  }
}

/**
 * The hours of `--trace` between `--start` and `--end`.
 *
 * @param flags The checked flags.
 * @returns The hourly MAPs selected, in hour order.
 * @throws {UsageError} When `--trace` is not a directory of hourly MAPs, or no
 *   hour falls in the range (naming the hours there are).
 */
export async function readSelectedHours(
  flags: Pick<SolveFlags, "trace" | "start" | "end" | "typed">,
): Promise<HourlyMap[]> {
  const trace = flagAsTyped(flags.typed, "trace");
  let all: HourlyMap[];
  try {
    all = await readMapDirectory(traceDir(flags.trace));
  } catch (e) {
    const expected = "expected twitter, nys or a directory of MAP<h>_D0 and MAP<h>_D1 files";
    if (e instanceof Deno.errors.NotADirectory) {
      throw new UsageError(`${trace} ${flags.trace} is not a directory: ${expected}`, { cause: e });
    }
    if (e instanceof Deno.errors.PermissionDenied) {
      throw new UsageError(`${trace} ${flags.trace} cannot be read: permission denied`, {
        cause: e,
      });
    }
    if (e instanceof Deno.errors.NotFound) {
      throw new UsageError(`${trace}: ${(e as Error).message}`, { cause: e });
    }
    throw e;
  }
  const selected = all.filter(({ hour }) =>
    (flags.start === undefined || hour >= flags.start) &&
    (flags.end === undefined || hour <= flags.end)
  );
  if (selected.length === 0) {
    const range = flags.start === flags.end
      ? `hour ${flags.start}`
      : `hours ${flags.start ?? 1}..${flags.end ?? 24}`;
    throw new UsageError(
      `${flags.trace} has no ${range} (it has ${all.map((h) => h.hour).join(", ")})`,
    );
  }
  return selected;
}

/**
 * The profile `--model` names, with file errors naming the flag and the path.
 *
 * @param flags The checked flags.
 * @returns The profile.
 * @throws {UsageError} When `--model` is a directory or cannot be read, or
 *   names a profile whose service time varies with `method` `paper`, or
 *   `--keep-alive` is given for a profile without cold starts.
 * @throws {RangeError} For an unknown name or a bad profile file (as
 *   `readProfileArgument`).
 */
export async function readModelFlag(
  flags: Pick<SolveFlags, "model" | "typed" | "keepAliveSec"> & {
    method?: string;
    /** `--keep-alive` matters without a profile's cold starts (compare's simulated pool). */
    keepAliveUsedAnyway?: boolean;
  },
): Promise<ServiceProfile> {
  const model = flagAsTyped(flags.typed, "model");
  let profile: ServiceProfile;
  try {
    profile = await readProfileArgument(flags.model);
  } catch (e) {
    const expected = `expected ${PUBLISHED_PROFILE_NAMES.join(", ")} or a JSON profile file`;
    if (e instanceof Deno.errors.IsADirectory) {
      throw new UsageError(`${model} ${flags.model} is a directory: ${expected}`, { cause: e });
    }
    if (e instanceof Deno.errors.PermissionDenied) {
      throw new UsageError(`${model} ${flags.model} cannot be read: permission denied`, {
        cause: e,
      });
    }
    throw e;
  }
  if (flags.method === "paper" && profile.variability !== undefined) {
    throw new UsageError(
      `${model} ${flags.model} has service times that vary (${describeVariability(profile)}): ` +
        `the paper method (solver.py) has one time per batch size; use ` +
        `${flagAsTyped(flags.typed, "method")} exact`,
    );
  }
  if (
    flags.keepAliveSec !== undefined && profile.coldStart === undefined &&
    !flags.keepAliveUsedAnyway
  ) {
    throw new UsageError(
      `${flagAsTyped(flags.typed, "keep-alive")} does nothing here: ${model} ${flags.model} ` +
        "has no coldStart (the Init Duration of a cold start; deno task profile writes it)",
    );
  }
  if (flags.method === "paper" && profile.coldStart !== undefined) {
    throw new UsageError(
      `${model} ${flags.model} has cold starts (coldStart): the paper method (solver.py) has ` +
        `none; use ${flagAsTyped(flags.typed, "method")} exact`,
    );
  }
  return profile;
}

/**
 * What `--model` names, for a report's header: the name as given, and how its
 * service time varies when it does (`runs/f.json (gamma, CV per batch size 0.03..0.07)`).
 */
export function modelLabel(name: string, profile: ServiceProfile): string {
  const notes = [
    ...(profile.variability === undefined ? [] : [describeVariability(profile)]),
    ...(profile.coldStart === undefined ? [] : ["cold starts"]),
  ];
  return notes.length === 0 ? name : `${name} (${notes.join(", ")})`;
}

/**
 * Checks that the profile gives a service time the model can use (finite and
 * > 0) for every memory of the grid and every batch size from 1 to the largest
 * max batch (a batch may hold fewer requests than its max), and, without
 * `--extrapolate`, that those lie in the range the profile was fitted on
 * (with it, that some do not: else `--extrapolate` would do nothing).
 *
 * @param profile The profile `--model` named.
 * @param flags The checked flags (grid, extrapolate, how flags were typed).
 * @throws {UsageError} Naming the grid flag as typed, the value, the profile's
 *   range, and what to do; or `--extrapolate` given for a grid within the range.
 * @throws {RangeError} Naming the profile, memory and batch where the service
 *   time is not positive and finite.
 *
 * @example A polynomial that turns negative far out
 * ```ts
 * import assert from "node:assert/strict";
 * import { publishedProfile } from "../profile/service_profile.ts";
 *
 * const profile = publishedProfile("TF-inceptionV4");
 * const grid = { memoriesMb: [2048, 8000], timeoutsSec: [0.1], maxBatches: [1] };
 * assert.throws(
 *   () => checkProfileOnGrid(profile, { grid, extrapolate: false, typed: { "grid-memory": "--memory" } }),
 *   /^UsageError: --memory 8000 MB is outside the 1280\.\.3008 MB profile 'TF-inceptionV4' was fitted on/,
 * );
 * assert.throws(
 *   () => checkProfileOnGrid(profile, { grid, extrapolate: true, typed: {} }),
 *   /profile 'TF-inceptionV4' gives a service time of -80\.77 s at memory 8000 MB and batch 1/,
 * );
 * ```
 */
export function checkProfileOnGrid(
  profile: ServiceProfile,
  flags: Pick<SolveFlags, "grid" | "extrapolate" | "typed">,
): void {
  const { grid, extrapolate, typed } = flags;
  const maxBatch = Math.max(...grid.maxBatches);
  const [mLo, mHi] = profile.memoryRangeMb, [bLo, bHi] = profile.batchRange;
  const m = grid.memoriesMb.find((x) => x < mLo || x > mHi);
  if (extrapolate && m === undefined && maxBatch <= bHi && bLo <= 1) {
    throw new UsageError(
      `${flagAsTyped(typed, "extrapolate")} does nothing here: the grid lies within the ` +
        `${mLo}..${mHi} MB and batches 1..${bHi} profile '${profile.name}' was fitted on`,
    );
  }
  if (!extrapolate) {
    const memory = flagAsTyped(typed, "grid-memory"), batch = flagAsTyped(typed, "grid-batch");
    if (m !== undefined) {
      throw new UsageError(
        `${memory} ${m} MB is outside the ${mLo}..${mHi} MB profile '${profile.name}' was ` +
          `fitted on: narrow ${memory} or add --extrapolate`,
      );
    }
    if (maxBatch > bHi) {
      throw new UsageError(
        `${batch} ${maxBatch} is beyond the batches 1..${bHi} profile '${profile.name}' was ` +
          `fitted on: narrow ${batch} or add --extrapolate`,
      );
    }
    if (bLo > 1) {
      throw new UsageError(
        `profile '${profile.name}' was fitted on batches ${bLo}..${bHi}, but the model needs ` +
          `its time for every batch size from 1 (a batch may close before it is full): ` +
          `add --extrapolate`,
      );
    }
  }
  for (const m of grid.memoriesMb) {
    const times = serviceTimesSec(profile, maxBatch, m, { extrapolate: true });
    const k = times.findIndex((s) => !(s > 0 && Number.isFinite(s)));
    if (k >= 0) {
      throw new RangeError(
        `profile '${profile.name}' gives a service time of ${+times[k].toPrecision(4)} s at ` +
          `memory ${m} MB and batch ${k + 1}` +
          (extrapolate
            ? `, outside the ${profile.memoryRangeMb[0]}..${profile.memoryRangeMb[1]} MB and ` +
              `batches ${profile.batchRange[0]}..${profile.batchRange[1]} it was fitted on: ` +
              `narrow the grid to where it is positive`
            : `: the profile is wrong there`),
      );
    }
  }
}

/** One line of an SLO: `p95 latency <= 5 s` or `mean cost <= 3e-5 USD/request`. */
export function describeSlo(
  flags: Pick<SolveFlags, "percentile" | "constraint" | "slo" | "method">,
): string {
  const pct = percentileLabel(flags.percentile);
  return flags.constraint === "latency"
    ? `${pct} latency <= ${flags.slo} s`
    : `${
      flags.method === "exact" ? "mean cost" : `cost at the ${pct} batch size`
    } <= ${flags.slo} USD/request`;
}

/** `p95` for 0.95, `p99.9` for 0.999. */
export function percentileLabel(percentile: number): string {
  return `p${+(percentile * 100).toFixed(4)}`;
}

/**
 * The hours listed for a message: `1, 2, 3` or, past `max` of them, the
 * first ones and how many more.
 */
export function listHours(hours: readonly number[], max = 24): string {
  return hours.length <= max
    ? hours.join(", ")
    : `${hours.slice(0, max).join(", ")} and ${hours.length - max} more`;
}

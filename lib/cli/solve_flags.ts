/**
 * The flags `deno task solve` and `deno task plan` share (solver.py's, plus
 * method, pricing and grid): their parseArgs definitions and their checks.
 *
 * @module
 */

import { type HourlyMap, readMapDirectory } from "../io/map_files.ts";
import { MODEL_METHODS, type ModelMethod } from "../model/types.ts";
import { PAPER_BATCH_RANGE, PAPER_MEMORY_RANGE, PAPER_TIMEOUT_RANGE } from "../optimize/grid.ts";
import { type ConstraintKind, CONSTRAINTS } from "../optimize/optimize.ts";
import { PRICING_NAMES, type PricingName } from "../profile/pricing.ts";
import { traceDir } from "./arrival_flags.ts";
import { numberFlag, oneOfFlag } from "./flags.ts";
import { UsageError } from "./usage_error.ts";

/** The shared flags as `parseArgs` options, with their defaults. */
export const SOLVE_FLAG_OPTIONS = {
  model: { type: "string", default: "TF-inceptionV4" },
  percentile: { type: "string", default: "0.95" },
  constraint: { type: "string", default: "latency" },
  slo: { type: "string" },
  trace: { type: "string", default: "twitter" },
  start: { type: "string" },
  end: { type: "string" },
  method: { type: "string", default: "exact" },
  pricing: { type: "string", default: "paper" },
  memory: { type: "string", default: PAPER_MEMORY_RANGE },
  timeout: { type: "string", default: PAPER_TIMEOUT_RANGE },
  batch: { type: "string", default: PAPER_BATCH_RANGE },
  extrapolate: { type: "boolean", default: false },
} as const;

/** The shared flags, checked. */
export interface SolveFlags {
  model: string;
  percentile: number;
  constraint: ConstraintKind;
  /** Seconds for a latency SLO, USD per request for a cost SLO. */
  slo: number;
  trace: string;
  start?: number;
  end?: number;
  method: ModelMethod;
  pricing: PricingName;
  memory: string;
  timeout: string;
  batch: string;
  extrapolate: boolean;
}

/**
 * Checks the shared flags' values (as `parseArgs` returns them).
 *
 * @param v The parsed values.
 * @returns The checked flags; `--slo` defaults to 5 s with a latency SLO.
 * @throws {UsageError} On a bad value, naming the flag and what was given.
 */
export function checkSolveFlags(v: {
  model?: string;
  percentile?: string;
  constraint?: string;
  slo?: string;
  trace?: string;
  start?: string;
  end?: string;
  method?: string;
  pricing?: string;
  memory?: string;
  timeout?: string;
  batch?: string;
  extrapolate?: boolean;
}): SolveFlags {
  const constraint = oneOfFlag("constraint", v.constraint!, CONSTRAINTS);
  const percentile = numberFlag("percentile", v.percentile)!;
  if (!(percentile > 0 && percentile < 1)) {
    throw new UsageError(`--percentile must be within (0, 1): found ${percentile}`);
  }
  const slo = numberFlag("slo", v.slo) ?? (constraint === "latency" ? 5 : undefined);
  if (slo === undefined) {
    throw new UsageError("--slo (USD per request) is required with --constraint cost");
  }
  if (!(slo > 0)) throw new UsageError(`--slo must be > 0: found ${slo}`);
  const hour = (name: string, text: string | undefined) => {
    const h = numberFlag(name, text);
    if (h !== undefined && !(Number.isInteger(h) && h >= 1)) {
      throw new UsageError(`--${name} must be an hour >= 1: found ${text}`);
    }
    return h;
  };
  const start = hour("start", v.start), end = hour("end", v.end);
  if (start !== undefined && end !== undefined && end < start) {
    throw new UsageError(`--end (${end}) must not be before --start (${start})`);
  }
  return {
    model: v.model!,
    percentile,
    constraint,
    slo,
    trace: v.trace!,
    start,
    end,
    method: oneOfFlag("method", v.method!, MODEL_METHODS),
    pricing: oneOfFlag("pricing", v.pricing!, PRICING_NAMES),
    memory: v.memory!,
    timeout: v.timeout!,
    batch: v.batch!,
    extrapolate: v.extrapolate!,
  };
}

/**
 * The hours of `--trace` between `--start` and `--end`.
 *
 * @param flags The checked flags.
 * @returns The hourly MAPs selected, in hour order.
 * @throws {UsageError} When no hour falls in the range (naming the hours there are).
 */
export async function readSelectedHours(
  flags: Pick<SolveFlags, "trace" | "start" | "end">,
): Promise<HourlyMap[]> {
  const all = await readMapDirectory(traceDir(flags.trace));
  const selected = all.filter(({ hour }) =>
    (flags.start === undefined || hour >= flags.start) &&
    (flags.end === undefined || hour <= flags.end)
  );
  if (selected.length === 0) {
    throw new UsageError(
      `no hours of ${flags.trace} within ${flags.start ?? 1}..${flags.end ?? "end"} ` +
        `(it has ${all.map((h) => h.hour).join(", ")})`,
    );
  }
  return selected;
}

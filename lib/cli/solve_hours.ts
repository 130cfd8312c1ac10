/**
 * Solving the hours a CLI asked for, in Deno Workers when the work is large
 * (shared by solve and plan): a Worker costs about 0.2 s to start, so small
 * grids are evaluated in the process.
 *
 * @module
 */

import type { HourlyMap } from "../io/map_files.ts";
import { evaluateHoursInWorkers } from "../model/parallel_grid.ts";
import { gridSize } from "../model/types.ts";
import { type HourSolution, solutionOf, solveHours } from "../optimize/optimize.ts";
import { pricing } from "../profile/pricing.ts";
import type { ServiceProfile } from "../profile/service_profile.ts";
import { flagAsTyped, numberInRange } from "./flags.ts";
import type { SolveFlags } from "./solve_flags.ts";

/** Configurations over all hours from which Workers pay (and any profile that varies). */
export const WORKERS_FROM_CONFIGURATIONS = 300_000;

/** `--workers N` as typed (1..64), or undefined when not given. */
export function workersFlag(
  value: string | undefined,
  typed: Record<string, string>,
): number | undefined {
  return value === undefined
    ? undefined
    : numberInRange(flagAsTyped(typed, "workers"), value, { min: 1, max: 64, integer: true });
}

/** The `--workers` line of a task's help. */
export const WORKERS_HELP =
  `  --workers N              Deno Workers that evaluate the hours (or, with
                           fewer hours, groups of timeouts) in parallel;
                           1 evaluates in this process [the machine's cores
                           for 300,000 configurations or more, or a profile
                           with variability or cold starts; else 1]`;

/**
 * Evaluates and solves each hour the flags ask for, on their grid, with
 * their model options: in `workers` Workers (by default the machine's cores
 * when the hours hold {@linkcode WORKERS_FROM_CONFIGURATIONS} configurations
 * or more, or the profile varies or has cold starts), else in the process.
 * The answer is the same either way.
 *
 * @param onProgress Timeouts evaluated over all hours, their total, and what is being done.
 */
export async function solveSelectedHours(
  selected: readonly HourlyMap[],
  flags: SolveFlags & { workers?: number },
  profile: ServiceProfile,
  onProgress: (done: number, total: number, label: string) => void,
): Promise<HourSolution[]> {
  const { grid } = flags;
  const options = {
    method: flags.method,
    profile,
    pricing: pricing(flags.pricing),
    percentile: flags.percentile,
    extrapolate: flags.extrapolate,
    constraint: flags.constraint,
    slo: flags.slo,
    keepAliveSec: flags.keepAliveSec,
  };
  const total = selected.length * grid.timeoutsSec.length;
  const large = selected.length * gridSize(grid) >= WORKERS_FROM_CONFIGURATIONS ||
    profile.variability !== undefined || profile.coldStart !== undefined;
  const n = flags.workers ?? (large ? Math.max(1, navigator.hardwareConcurrency ?? 1) : 1);
  if (n > 1) {
    const evaluations = await evaluateHoursInWorkers(selected, grid, options, {
      workers: n,
      onProgress: (done) =>
        onProgress(done, total, `${selected.length} hour${selected.length === 1 ? "" : "s"}`),
    });
    return selected.map((h, i) => solutionOf(h.hour, h.map, evaluations[i], options));
  }
  let hoursDone = 0;
  return solveHours(selected, grid, {
    ...options,
    onProgress: (done) =>
      onProgress(
        hoursDone * grid.timeoutsSec.length + done,
        total,
        `hour ${hoursDone + 1}/${selected.length}`,
      ),
    onHour: (done) => (hoursDone = done),
  });
}

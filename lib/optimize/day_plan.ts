/**
 * A whole-day plan: one configuration (memory, timeout, max batch) per hour,
 * chosen jointly for all hours as a mixed-integer linear program, so that
 * day-level constraints can be imposed: one memory size for the whole day, at
 * most K changes of memory between consecutive hours, a daily budget.
 *
 * ## Inputs and the cost used
 *
 * Each hour brings its evaluated grid ({@linkcode GridEvaluation}, from
 * `evaluateGrid` on the hour's MAP) and its expected number of requests
 * `N_h` (the MAP's mean arrival rate times 3600 s,
 * {@linkcode dayPlanHoursFromSolutions}). The per-request cost of a
 * configuration is `GridEvaluation.costUsd`, the cost the per-hour optimizer
 * ({@linkcode selectOptimal}) uses: the long-run mean cost per request for the
 * `exact` method, the cost of a batch of the percentile batch size for the
 * `paper` method (as solver.py). The day's expected cost is
 * `sum_h N_h * costUsd_h`, exact for the `exact` method (a mean times a count)
 * and solver.py's approximation for the `paper` method.
 *
 * ## The SLO, and hours that cannot meet it
 *
 * In every hour only the configurations that meet the SLO are allowed: the
 * percentile latency `<= slo` seconds (`constraint: "latency"`) or the
 * per-request cost `<= slo` USD (`constraint: "cost"`); with `strict` the
 * comparison is `<`, as solver.py and `solveHours` with the `paper` method. An
 * hour where no configuration meets the SLO is planned anyway and flagged
 * (`feasible: false`): it may use only the configurations of least latency
 * (latency SLO) or least cost (cost SLO) — the least over the hour when the
 * memory is free, the least within each memory size when a memory constraint
 * couples the hours (so the constraint can still choose the memory). Such an
 * hour never makes the day infeasible; its cost counts in the daily cost and
 * the budget.
 *
 * ## Objectives
 *
 * - `objective: "cost"`: minimize the day's expected cost.
 * - `objective: "latency"`, `latencyObjective: "worst"` (default): minimize
 *   the worst hourly percentile latency, then, among the plans with that worst
 *   latency, the day's cost (see "The worst latency" below).
 * - `objective: "latency"`, `latencyObjective: "mean"`: minimize the
 *   traffic-weighted mean of the hourly percentile latencies,
 *   `sum_h N_h * latency_h / sum_h N_h` (a weighting of percentiles, not the
 *   percentile of the day).
 *
 * Either objective respects `dailyBudgetUsd` (`sum_h N_h * costUsd_h <=
 * budget`) and the memory constraints. By default the objective is the dual
 * of the SLO, as in `solveHours`: cost under a latency SLO, latency under a
 * cost SLO.
 *
 * ## Pruning
 *
 * Before the model is built, each hour keeps only the configurations that are
 * not dominated, within its group, in the quantities the model uses: the cost
 * and the latency for the latency objective (a configuration no cheaper and no
 * faster than another is dropped), the cost alone for the cost objective
 * (latency enters that model only through the SLO filter, so only the cheapest
 * allowed configuration of a group can be optimal). The group is the hour when
 * the memory is free; it is the hour AND the memory size when `singleMemory`
 * or `maxMemoryChanges` couple the hours. Pruning across memory sizes would be
 * wrong there: a configuration dominated by one of another memory may be the
 * only good choice once the memory is imposed by the other hours, and dropping
 * it would lose the optimum. Replacing a dominated configuration by its
 * dominator (same hour, same memory) keeps every constraint satisfied and does
 * not worsen the objective, so pruning keeps an optimal plan. With
 * `singleMemory`, memory sizes that some hour cannot use are dropped too.
 *
 * ## Formulation
 *
 * Binary `x[h,c]` chooses candidate `c` in hour `h`; `sum_c x[h,c] = 1`. The
 * memory of hour `h` is `y[h,m] = sum of x[h,c] over the candidates of memory
 * m`, written in place as that sum rather than as a variable of its own.
 *
 * - One memory (`singleMemory`, or `maxMemoryChanges: 0`): binary `w[m]` per
 *   memory, `sum_m w[m] = 1`, `y[h,m] = w[m]` for every hour and memory.
 * - At most K changes (`0 < K < hours - 1`; larger K constrain nothing):
 *   `z[h,m] >= y[h,m] - y[h-1,m]` for every hour after the first and every
 *   memory of hour `h`, `sum over h and m of z[h,m] <= K`. A change into
 *   memory m at hour h forces `z[h,m] = 1`, exactly one per change, so the
 *   `z` can be continuous in [0, 1] and the solver branches only on `x`.
 *   This per-memory `z[h,m]` is stronger than one `z[h] >= y[h,m] - y[h-1,m]`
 *   per hour (its LP relaxation bounds the total variation between hours, not
 *   its largest term): on the 24 hours of the paper's traces with K = 1..4
 *   the solves went from up to 3 s to a few tens of ms. Changes are counted between
 *   consecutive entries of `hours`; the day does not wrap around.
 * - Mean latency: minimize `sum_h (N_h / sum N) sum_c latency[h,c] x[h,c]`.
 *
 * ## The worst latency
 *
 * {@linkcode buildDayModel} writes the worst latency as the textbook minimax
 * model (a free variable `L`, `sum_c latency[h,c] x[h,c] <= L` in every hour,
 * minimize `L`), but its LP relaxation is weak: on 24 hours with K = 2 and a
 * budget GLPK took 7 s (per-memory `z`) to 116 s (per-hour `z`).
 * {@linkcode planDay} instead searches the cap: for a cap `L` it keeps the
 * candidates with latency `<= L` and solves the cost model (with the budget
 * and the memory constraints); whether a plan exists is monotone in `L`, so a
 * bisection over the candidates' distinct latencies (from the largest hourly
 * minimum up) finds the least feasible cap in about log2(candidates) solves of
 * a few milliseconds, and the plan of the last solve is the cheapest plan with
 * that worst latency. Comparisons of latencies are exact (in double
 * precision, outside the solver).
 *
 * The model is solved by an injected {@linkcode MilpSolver}
 * ({@linkcode glpkSolver}); GLPK's optimum is exact up to its tolerances (about
 * 1e-7 relative), so plans whose costs differ by less may be taken for ties.
 *
 * @module
 */

import type { GridEvaluation } from "../model/types.ts";
import { gridSize } from "../model/types.ts";
import type {
  LinearConstraint,
  LinearModel,
  LinearTerm,
  MilpSolver,
  MilpStatus,
  VariableBounds,
} from "./milp.ts";
import { modelSize } from "./milp.ts";
import { configurationAt, type ConstraintKind, CONSTRAINTS } from "./optimize.ts";

const SECONDS_PER_HOUR = 3600;

/** One hour to plan. */
export interface DayPlanHour {
  /** The hour, as in the trace (hour `h` covers `h-1 .. h`). */
  readonly hour: number;
  /** The model on every configuration of the hour's grid. */
  readonly evaluation: GridEvaluation;
  /** Expected requests in the hour (mean arrival rate times 3600 s), >= 0. */
  readonly expectedRequests: number;
}

/**
 * The hours to plan from the per-hour solutions of `solveHours` (or anything
 * with an hour, a mean arrival rate and an evaluation): expected requests =
 * rate x 3600 s.
 *
 * @param solutions The hours, in day order.
 * @returns One {@linkcode DayPlanHour} per solution.
 * @throws {RangeError} If a rate is negative or not finite.
 *
 * @example Usage
 * ```ts
 * import assert from "node:assert/strict";
 * import { allocateEvaluation } from "../model/types.ts";
 * import { dayPlanHoursFromSolutions } from "./day_plan.ts";
 *
 * const evaluation = allocateEvaluation("exact", {
 *   memoriesMb: [2048],
 *   timeoutsSec: [0.1],
 *   maxBatches: [20],
 * });
 * const [h] = dayPlanHoursFromSolutions([{ hour: 8, ratePerSec: 2.5, evaluation }]);
 * assert.equal(h.expectedRequests, 9000);
 * ```
 */
export function dayPlanHoursFromSolutions(
  solutions: readonly { hour: number; ratePerSec: number; evaluation: GridEvaluation }[],
): DayPlanHour[] {
  return solutions.map(({ hour, ratePerSec, evaluation }) => {
    if (!(ratePerSec >= 0 && Number.isFinite(ratePerSec))) {
      throw new RangeError(
        `Cannot plan hour ${hour} as its arrival rate must be a finite number >= 0: ` +
          `current value is ${ratePerSec}`,
      );
    }
    return { hour, evaluation, expectedRequests: ratePerSec * SECONDS_PER_HOUR };
  });
}

/** What the plan minimizes. */
export type PlanObjective = "cost" | "latency";

/** Names of the plan objectives. */
export const PLAN_OBJECTIVES: readonly PlanObjective[] = ["cost", "latency"];

/** How the latency objective combines the hours. */
export type LatencyObjective = "worst" | "mean";

/** Names of the latency objectives, the default first. */
export const LATENCY_OBJECTIVES: readonly LatencyObjective[] = ["worst", "mean"];

/** Options of {@linkcode planCandidates}, {@linkcode buildDayModel} and {@linkcode planDay}. */
export interface DayPlanOptions {
  /** What the SLO bounds in every hour. */
  constraint: ConstraintKind;
  /** The bound: seconds for `latency`, USD per request for `cost`. */
  slo: number;
  /** Compare with `<` (solver.py, the `paper` method), else `<=`. @default {false} */
  strict?: boolean;
  /**
   * What to minimize: the day's expected cost, or the hourly latency.
   * @default {"cost" with a latency SLO, "latency" with a cost SLO}
   */
  objective?: PlanObjective;
  /** With the latency objective: the worst hour, or the traffic-weighted mean. @default {"worst"} */
  latencyObjective?: LatencyObjective;
  /** One memory size for the whole day (same as `maxMemoryChanges: 0`). @default {false} */
  singleMemory?: boolean;
  /** At most this many changes of memory between consecutive hours. @default {unbounded} */
  maxMemoryChanges?: number;
  /** The day's expected cost must not exceed this, USD. @default {unbounded} */
  dailyBudgetUsd?: number;
}

/** A configuration an hour may use, after the SLO filter and pruning. */
export interface PlanCandidate {
  /** Index in the hour's {@linkcode GridEvaluation} arrays. */
  readonly index: number;
  /** Memory, MB. */
  readonly memoryMb: number;
  /** Percentile latency, seconds. */
  readonly latencySec: number;
  /** Per-request cost (`GridEvaluation.costUsd`), USD. */
  readonly costUsd: number;
}

/** The configurations each hour may use, as {@linkcode planCandidates} keeps them. */
export interface PlanCandidates {
  /** Per hour, in the order given: the candidates, sorted by memory, then cost. */
  readonly hours: readonly (readonly PlanCandidate[])[];
  /** Per hour: whether some configuration meets the SLO. */
  readonly feasible: readonly boolean[];
  /** Whether a memory constraint couples the hours (pruning is then per memory). */
  readonly memoryCoupled: boolean;
  /** Configurations evaluated, over all hours (before the SLO filter and pruning). */
  readonly prunedFrom: number;
  /** Candidates kept, over all hours. */
  readonly kept: number;
}

interface Settings {
  constraint: ConstraintKind;
  slo: number;
  strict: boolean;
  objective: PlanObjective;
  latencyObjective: LatencyObjective;
  /** 0 for one memory, Infinity for none. */
  maxChanges: number;
  /** Infinity for none. */
  budgetUsd: number;
  memoryCoupled: boolean;
}

type ModelObjective = "cost" | "worst" | "mean";
type PruneMode = "cost" | "pareto";

/**
 * The configurations each hour may use: those that meet the SLO (or, in an
 * hour where none does, the least-latency or least-cost ones, see the module
 * docs), without the dominated ones. Pure: no solver involved.
 *
 * @param hours The hours to plan, in day order.
 * @param options Constraint, SLO, objective and memory constraints.
 * @returns The candidates per hour, which hours are feasible, and the counts.
 * @throws {RangeError} On an empty day, a bad option, a negative or NaN
 *   `expectedRequests`, or a latency or cost that is not finite.
 *
 * @example Pruning keeps the cheapest compliant configuration of each hour
 * ```ts
 * import assert from "node:assert/strict";
 * import { allocateEvaluation } from "../model/types.ts";
 * import { planCandidates } from "./day_plan.ts";
 *
 * const evaluation = allocateEvaluation("exact", {
 *   memoriesMb: [1024, 2048],
 *   timeoutsSec: [0.1, 0.2],
 *   maxBatches: [20],
 * });
 * evaluation.latencySec.set([4, 6, 3, 5]);
 * evaluation.costUsd.set([2, 1, 3, 2.5]);
 * const c = planCandidates([{ hour: 1, evaluation, expectedRequests: 100 }], {
 *   constraint: "latency",
 *   slo: 5,
 * });
 * assert.deepEqual(c.hours[0].map((k) => k.index), [0]);
 * assert.equal(c.prunedFrom, 4);
 * ```
 */
export function planCandidates(
  hours: readonly DayPlanHour[],
  options: DayPlanOptions,
): PlanCandidates {
  const s = settingsFrom(hours, options);
  return selectCandidates(hours, s, s.objective === "cost" ? "cost" : "pareto");
}

/**
 * The mixed-integer program of a day (see the module docs for the
 * formulation), from the candidates of {@linkcode planCandidates}. The
 * objective is the cost, the worst latency or the mean latency as the options
 * say; for the worst latency the minimax model, which {@linkcode planDay}
 * does not solve (see "The worst latency" in the module docs).
 * Variables are named `x<h>_<c>` (hour index, candidate index), `w<j>` (the
 * j-th memory of hour 0), `z<h>_<j>` (the j-th memory of hour h) and `L`.
 *
 * @param hours The hours to plan, in day order.
 * @param candidates Their candidates, from {@linkcode planCandidates} with the same options.
 * @param options Constraint, SLO, objective, memory constraints and budget.
 * @returns The model, to minimize.
 * @throws {RangeError} As {@linkcode planCandidates}, or if the candidates do
 *   not match the hours.
 *
 * @example A single memory for two hours
 * ```ts
 * import assert from "node:assert/strict";
 * import { allocateEvaluation } from "../model/types.ts";
 * import { buildDayModel, planCandidates } from "./day_plan.ts";
 *
 * const grid = { memoriesMb: [1024, 2048], timeoutsSec: [0.1], maxBatches: [20] };
 * const hours = [1, 2].map((hour) => {
 *   const evaluation = allocateEvaluation("exact", grid);
 *   evaluation.latencySec.set([1, 1]);
 *   evaluation.costUsd.set(hour === 1 ? [1, 2] : [2, 1]);
 *   return { hour, evaluation, expectedRequests: 10 };
 * });
 * const options = { constraint: "latency" as const, slo: 5, singleMemory: true };
 * const model = buildDayModel(hours, planCandidates(hours, options), options);
 * assert.deepEqual(model.binaries, ["x0_0", "x0_1", "x1_0", "x1_1", "w0", "w1"]);
 * ```
 */
export function buildDayModel(
  hours: readonly DayPlanHour[],
  candidates: PlanCandidates,
  options: DayPlanOptions,
): LinearModel {
  const s = settingsFrom(hours, options);
  if (candidates.hours.length !== hours.length) {
    throw new RangeError(
      `Cannot build the model as the candidates must cover the ${hours.length} hours: ` +
        `found ${candidates.hours.length}`,
    );
  }
  return buildModel(hours, candidates, s, firstObjective(s));
}

/** The chosen configuration of one hour. */
export interface PlannedHour {
  /** The hour, as given. */
  readonly hour: number;
  /** Memory, MB. */
  readonly memoryMb: number;
  /** Buffer timeout, seconds. */
  readonly timeoutSec: number;
  /** Maximum batch size. */
  readonly maxBatch: number;
  /** Percentile latency, seconds. */
  readonly latencySec: number;
  /** Per-request cost (`GridEvaluation.costUsd`), USD. */
  readonly costUsd: number;
  /** Expected requests in the hour. */
  readonly expectedRequests: number;
  /** Expected cost of the hour, `expectedRequests * costUsd`, USD. */
  readonly hourCostUsd: number;
  /** Whether the hour meets the SLO (false: no configuration does; see the module docs). */
  readonly feasible: boolean;
}

/** One call of the solver. */
export interface PlanSolve {
  /** What the model minimized. */
  readonly objective: "cost" | "mean latency";
  /** The cap on every hour's latency, seconds (in the search of the worst latency). */
  readonly maxLatencySec?: number;
  /** The solver's status. */
  readonly status: MilpStatus;
  /** Variables of the model. */
  readonly variables: number;
  /** Rows of the model. */
  readonly constraints: number;
  /** Binary variables of the model. */
  readonly binaries: number;
  /** Nonzero coefficients of the rows. */
  readonly nonzeros: number;
  /** Time in the solver, seconds. */
  readonly elapsedSec: number;
}

/** A day's plan, from {@linkcode planDay}. */
export interface DayPlan {
  /** One entry per hour, in the order given; empty unless the status is `optimal` or `feasible`. */
  readonly hours: PlannedHour[];
  /** The day's expected cost, `sum N_h * costUsd_h`, USD (NaN without a plan). */
  readonly dailyCostUsd: number;
  /** The worst hourly percentile latency of the plan, seconds (NaN without a plan). */
  readonly worstLatencySec: number;
  /** The traffic-weighted mean of the hourly percentile latencies, seconds (NaN without a plan). */
  readonly meanLatencySec: number;
  /** Changes of memory between consecutive hours (NaN without a plan). */
  readonly memoryChanges: number;
  /**
   * `optimal`, `feasible` (a plan not proven optimal: a solve stopped at the
   * time limit), `infeasible` (the
   * memory constraints or the budget cannot be met; hours that cannot meet
   * the SLO never cause this), `unbounded` or `undefined`.
   */
  readonly status: MilpStatus;
  /** Variables of the largest model solved (0 if none was). */
  readonly variables: number;
  /** Rows of the largest model solved. */
  readonly constraints: number;
  /** Binary variables of the largest model solved. */
  readonly binaries: number;
  /** Configurations evaluated over all hours, before the SLO filter and pruning. */
  readonly prunedFrom: number;
  /** Candidates left after the SLO filter and pruning. */
  readonly candidates: number;
  /** The hours (as given) where no configuration meets the SLO. */
  readonly infeasibleHours: number[];
  /** Every solver call (one, or a bisection for the worst latency). */
  readonly solves: PlanSolve[];
  /** Time of the whole plan (filter, pruning, models, solves), seconds. */
  readonly elapsedSec: number;
}

/** Options of {@linkcode planDay}. */
export interface PlanDayOptions extends DayPlanOptions {
  /** The MILP solver, e.g. `await glpkSolver()`. */
  solver: MilpSolver;
  /** Time limit of each solve, seconds. @default {Infinity} */
  timeLimitSec?: number;
  /** Clock, milliseconds. @default {performance.now} */
  now?: () => number;
}

/**
 * Plans a day: filters and prunes the configurations of each hour, builds the
 * mixed-integer program and solves it (see the module docs).
 *
 * @param hours The hours to plan, in day order.
 * @param options Constraint, SLO, objective, memory constraints, budget and the solver.
 * @returns The plan, its status, the model size and the time taken.
 * @throws {RangeError} On an empty day, a bad option, a negative or NaN
 *   `expectedRequests`, or a latency or cost that is not finite.
 *
 * @example One memory for a day of two hours
 * ```ts
 * // Needs --allow-read (glpk.js reads its glpk.wasm).
 * import assert from "node:assert/strict";
 * import { allocateEvaluation } from "../model/types.ts";
 * import { glpkSolver } from "./milp.ts";
 * import { planDay } from "./day_plan.ts";
 *
 * const grid = { memoriesMb: [1024, 2048], timeoutsSec: [0.1], maxBatches: [20] };
 * const hours = [[1, 3], [5, 2]].map((cost, i) => {
 *   const evaluation = allocateEvaluation("exact", grid);
 *   evaluation.latencySec.set([1, 1]);
 *   evaluation.costUsd.set(cost);
 *   return { hour: i + 1, evaluation, expectedRequests: 10 };
 * });
 * const solver = await glpkSolver();
 * const free = planDay(hours, { constraint: "latency", slo: 5, solver });
 * assert.deepEqual(free.hours.map((h) => h.memoryMb), [1024, 2048]);
 * assert.equal(free.dailyCostUsd, 30);
 * const one = planDay(hours, { constraint: "latency", slo: 5, singleMemory: true, solver });
 * assert.deepEqual(one.hours.map((h) => h.memoryMb), [2048, 2048]);
 * assert.equal(one.dailyCostUsd, 50);
 * ```
 */
export function planDay(hours: readonly DayPlanHour[], options: PlanDayOptions): DayPlan {
  const { solver, timeLimitSec, now = () => performance.now() } = options;
  if (typeof solver !== "function") {
    throw new TypeError(`Cannot plan the day as 'solver' must be a function: found ${solver}`);
  }
  const started = now();
  const s = settingsFrom(hours, options);
  const first = firstObjective(s);
  const candidates = selectCandidates(hours, s, first === "cost" ? "cost" : "pareto");
  const infeasibleHours = hours.filter((_, i) => !candidates.feasible[i]).map((h) => h.hour);
  const solves: PlanSolve[] = [];
  const finish = (chosen: PlanCandidate[] | undefined, status: MilpStatus): DayPlan => {
    const largest = (key: "variables" | "constraints" | "binaries") =>
      Math.max(0, ...solves.map((solve) => solve[key]));
    return {
      ...planSummary(hours, candidates, chosen),
      status,
      variables: largest("variables"),
      constraints: largest("constraints"),
      binaries: largest("binaries"),
      prunedFrom: candidates.prunedFrom,
      candidates: candidates.kept,
      infeasibleHours,
      solves,
      elapsedSec: (now() - started) / 1000,
    };
  };
  // With one memory, an hour without candidates has no memory that every hour can use.
  if (candidates.hours.some((c) => c.length === 0)) return finish(undefined, "infeasible");

  const run = (c: PlanCandidates, objective: "cost" | "mean", maxLatencySec?: number) => {
    const model = buildModel(hours, c, s, objective);
    const t = now();
    const solution = solver(model, timeLimitSec === undefined ? {} : { timeLimitSec });
    const size = modelSize(model);
    solves.push({
      objective: objective === "cost" ? "cost" : "mean latency",
      ...(maxLatencySec === undefined ? {} : { maxLatencySec }),
      status: solution.status,
      variables: size.variables,
      constraints: size.constraints,
      binaries: size.binaries,
      nonzeros: size.nonzeros,
      elapsedSec: (now() - t) / 1000,
    });
    const ok = solution.status === "optimal" || solution.status === "feasible";
    return {
      status: solution.status,
      chosen: ok ? chosenCandidates(c, solution.values) : undefined,
    };
  };
  if (first !== "worst") {
    const { chosen, status } = run(candidates, first);
    return finish(chosen, status);
  }

  // The worst latency: the least cap L on every hour's latency for which the
  // cheapest plan meets the constraints, by bisection over the candidates'
  // latencies (monotone: a larger cap allows more). The plan found at that L
  // is the cheapest of the plans with the least worst latency.
  const capped = (cap: number) => {
    const c = restrictCandidates(candidates, s, (k) => k.latencySec <= cap);
    if (c.hours.some((k) => k.length === 0)) {
      return { status: "infeasible" as MilpStatus, chosen: undefined };
    }
    return run(c, "cost", cap);
  };
  const floor = Math.max(...candidates.hours.map((k) => Math.min(...k.map((c) => c.latencySec))));
  const caps = [...new Set(candidates.hours.flat().map((c) => c.latencySec))]
    .filter((l) => l >= floor).sort((a, b) => a - b);
  // Bisection: the cap caps[hi] allows a plan, caps[lo] (when tried) does not.
  let best = capped(caps[0]);
  if (best.chosen) return finish(best.chosen, best.status);
  if (best.status !== "infeasible" || caps.length === 1) return finish(undefined, best.status);
  let lo = 0, hi = caps.length - 1, rejectionsProven = true;
  best = capped(caps[hi]);
  if (!best.chosen) return finish(undefined, best.status);
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    const attempt = capped(caps[mid]);
    if (attempt.chosen) {
      best = attempt;
      hi = mid;
    } else {
      // Not proven infeasible: the solver gave up (time limit without a plan).
      if (attempt.status !== "infeasible") rejectionsProven = false;
      lo = mid;
    }
  }
  return finish(
    best.chosen,
    best.status === "optimal" && rejectionsProven ? "optimal" : "feasible",
  );
}

function settingsFrom(hours: readonly DayPlanHour[], options: DayPlanOptions): Settings {
  if (!Array.isArray(hours)) {
    throw new TypeError(`Cannot plan the day as 'hours' must be an array: found ${typeof hours}`);
  }
  if (hours.length === 0) {
    throw new RangeError("Cannot plan the day as 'hours' must not be empty: found 0 hours");
  }
  const { constraint, slo, strict = false, singleMemory = false } = options;
  if (!CONSTRAINTS.includes(constraint)) {
    throw new RangeError(
      `Cannot plan the day as 'constraint' must be one of ${CONSTRAINTS.join(", ")}: ` +
        `found '${constraint}'`,
    );
  }
  if (!(slo > 0)) throw new RangeError(`Cannot plan the day with SLO ${slo}: it must be > 0`);
  const objective = options.objective ?? (constraint === "latency" ? "cost" : "latency");
  if (!PLAN_OBJECTIVES.includes(objective)) {
    throw new RangeError(
      `Cannot plan the day as 'objective' must be one of ${PLAN_OBJECTIVES.join(", ")}: ` +
        `found '${objective}'`,
    );
  }
  const latencyObjective = options.latencyObjective ?? "worst";
  if (!LATENCY_OBJECTIVES.includes(latencyObjective)) {
    throw new RangeError(
      `Cannot plan the day as 'latencyObjective' must be one of ` +
        `${LATENCY_OBJECTIVES.join(", ")}: found '${latencyObjective}'`,
    );
  }
  const k = options.maxMemoryChanges;
  if (k !== undefined && !(Number.isInteger(k) && k >= 0)) {
    throw new RangeError(
      `Cannot plan the day as 'maxMemoryChanges' must be an integer >= 0: current value is ${k}`,
    );
  }
  if (singleMemory && k !== undefined && k > 0) {
    throw new RangeError(
      `Cannot plan the day with both 'singleMemory' and 'maxMemoryChanges' ${k}: ` +
        "one memory allows no change",
    );
  }
  const budget = options.dailyBudgetUsd;
  if (budget !== undefined && !(budget > 0)) {
    throw new RangeError(
      `Cannot plan the day as 'dailyBudgetUsd' must be > 0: current value is ${budget}`,
    );
  }
  for (const h of hours) {
    if (!(h.expectedRequests >= 0 && Number.isFinite(h.expectedRequests))) {
      throw new RangeError(
        `Cannot plan hour ${h.hour} as 'expectedRequests' must be a finite number >= 0: ` +
          `current value is ${h.expectedRequests}`,
      );
    }
  }
  const maxChanges = singleMemory ? 0 : k ?? Infinity;
  return {
    constraint,
    slo,
    strict,
    objective,
    latencyObjective,
    maxChanges,
    budgetUsd: budget ?? Infinity,
    memoryCoupled: maxChanges < hours.length - 1,
  };
}

function firstObjective(s: Settings): ModelObjective {
  return s.objective === "cost" ? "cost" : s.latencyObjective;
}

function selectCandidates(
  hours: readonly DayPlanHour[],
  s: Settings,
  mode: PruneMode,
): PlanCandidates {
  let prunedFrom = 0;
  const feasible: boolean[] = [];
  let perHour = hours.map((h) => {
    const { evaluation } = h;
    const n = gridSize(evaluation.grid);
    if (evaluation.latencySec.length !== n || evaluation.costUsd.length !== n) {
      throw new RangeError(
        `Cannot plan hour ${h.hour} as its evaluation must hold ${n} values per array: ` +
          `found ${evaluation.latencySec.length} latencies and ${evaluation.costUsd.length} costs`,
      );
    }
    prunedFrom += n;
    const { ok, groups } = hourCandidates(h, s);
    feasible.push(ok);
    return [...groups.values()].flatMap((g) => prune(g, mode));
  });
  if (s.memoryCoupled && s.maxChanges === 0) {
    // One memory: keep only the memory sizes that every hour can use.
    const everyHour = perHour.map((cands) => new Set(cands.map((c) => c.memoryMb)));
    const common = [...everyHour[0]].filter((m) => everyHour.every((set) => set.has(m)));
    perHour = perHour.map((cands) => cands.filter((c) => common.includes(c.memoryMb)));
  }
  for (const cands of perHour) cands.sort(byMemoryThenCost);
  return {
    hours: perHour,
    feasible,
    memoryCoupled: s.memoryCoupled,
    prunedFrom,
    kept: perHour.reduce((sum, c) => sum + c.length, 0),
  };
}

/** The allowed configurations of an hour, grouped (by memory when coupled). */
function hourCandidates(
  h: DayPlanHour,
  s: Settings,
): { ok: boolean; groups: Map<number, PlanCandidate[]> } {
  const { evaluation } = h;
  const n = evaluation.latencySec.length;
  const bound = s.constraint === "latency" ? evaluation.latencySec : evaluation.costUsd;
  const meets = (i: number) => s.strict ? bound[i] < s.slo : bound[i] <= s.slo;
  const candidate = (i: number): PlanCandidate => {
    const c = configurationAt(evaluation, i);
    return { index: i, memoryMb: c.memoryMb, latencySec: c.latencySec, costUsd: c.costUsd };
  };
  const memoryOf = (i: number) => configurationAt(evaluation, i).memoryMb;
  const key = (i: number) => s.memoryCoupled ? memoryOf(i) : 0;
  let ok = false;
  const least = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const lat = evaluation.latencySec[i], cost = evaluation.costUsd[i];
    if (!Number.isFinite(lat) || !Number.isFinite(cost)) {
      const c = configurationAt(evaluation, i);
      throw new RangeError(
        `Cannot plan hour ${h.hour} as configuration ${c.memoryMb} MB, ${c.timeoutSec} s, ` +
          `B ${c.maxBatch} has latency ${lat} s and cost ${cost} USD: expected finite numbers`,
      );
    }
    if (meets(i)) ok = true;
    const k = key(i);
    if (!(bound[i] >= (least.get(k) ?? Infinity))) least.set(k, bound[i]);
  }
  const groups = new Map<number, PlanCandidate[]>();
  for (let i = 0; i < n; i++) {
    const k = key(i);
    const allowed = ok ? meets(i) : bound[i] === least.get(k);
    if (!allowed) continue;
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k)!.push(candidate(i));
  }
  return { ok, groups };
}

/** The candidates of one group not dominated in what the model uses. */
function prune(group: PlanCandidate[], mode: PruneMode): PlanCandidate[] {
  const sorted = [...group].sort((a, b) =>
    a.costUsd - b.costUsd || a.latencySec - b.latencySec || a.index - b.index
  );
  if (mode === "cost") return sorted.slice(0, 1);
  const kept: PlanCandidate[] = [];
  let fastest = Infinity;
  for (const c of sorted) {
    if (c.latencySec < fastest) {
      kept.push(c);
      fastest = c.latencySec;
    }
  }
  return kept;
}

/** Candidates that pass `keep`, pruned for the cost objective. */
function restrictCandidates(
  candidates: PlanCandidates,
  s: Settings,
  keep: (c: PlanCandidate) => boolean,
): PlanCandidates {
  const hours = candidates.hours.map((cands) => {
    const groups = new Map<number, PlanCandidate[]>();
    for (const c of cands) {
      if (!keep(c)) continue;
      const k = s.memoryCoupled ? c.memoryMb : 0;
      if (!groups.has(k)) groups.set(k, []);
      groups.get(k)!.push(c);
    }
    return [...groups.values()].flatMap((g) => prune(g, "cost")).sort(byMemoryThenCost);
  });
  return { ...candidates, hours, kept: hours.reduce((sum, c) => sum + c.length, 0) };
}

function byMemoryThenCost(a: PlanCandidate, b: PlanCandidate): number {
  return a.memoryMb - b.memoryMb || a.costUsd - b.costUsd || a.latencySec - b.latencySec ||
    a.index - b.index;
}

const xName = (h: number, c: number) => `x${h}_${c}`;

function buildModel(
  hours: readonly DayPlanHour[],
  candidates: PlanCandidates,
  s: Settings,
  objectiveKind: ModelObjective,
): LinearModel {
  const perHour = candidates.hours;
  const constraints: LinearConstraint[] = [];
  const binaries: string[] = [];
  const bounds: VariableBounds[] = [];
  let objective: LinearTerm[] = [];
  const totalRequests = hours.reduce((sum, h) => sum + h.expectedRequests, 0);
  perHour.forEach((cands, h) => {
    const n = hours[h].expectedRequests;
    const terms = cands.map((_, c) => ({ name: xName(h, c), coef: 1 }));
    binaries.push(...terms.map((t) => t.name));
    constraints.push({ name: `one${h}`, terms, lo: 1, hi: 1 });
    if (objectiveKind === "cost") {
      objective.push(...cands.map((k, c) => ({ name: xName(h, c), coef: n * k.costUsd })));
    } else if (objectiveKind === "mean") {
      const weight = totalRequests > 0 ? n / totalRequests : 1 / perHour.length;
      objective.push(...cands.map((k, c) => ({ name: xName(h, c), coef: weight * k.latencySec })));
    } else {
      constraints.push({
        name: `lat${h}`,
        terms: [
          ...cands.map((k, c) => ({ name: xName(h, c), coef: k.latencySec })),
          { name: "L", coef: -1 },
        ],
        hi: 0,
      });
    }
  });
  if (objectiveKind === "worst") {
    objective = [{ name: "L", coef: 1 }];
    bounds.push({ name: "L" });
  }
  objective = objective.filter((t) => t.coef !== 0);
  if (s.budgetUsd < Infinity) {
    constraints.push({
      name: "budget",
      terms: perHour.flatMap((cands, h) =>
        cands.map((k, c) => ({ name: xName(h, c), coef: hours[h].expectedRequests * k.costUsd }))
      ).filter((t) => t.coef !== 0),
      hi: s.budgetUsd,
    });
  }
  if (s.memoryCoupled) {
    const memoryTerms = (h: number, sign: number) => {
      const byMemory = new Map<number, LinearTerm[]>();
      perHour[h].forEach((k, c) => {
        if (!byMemory.has(k.memoryMb)) byMemory.set(k.memoryMb, []);
        byMemory.get(k.memoryMb)!.push({ name: xName(h, c), coef: sign });
      });
      return byMemory;
    };
    if (s.maxChanges === 0) {
      const memories = [...memoryTerms(0, 1).keys()];
      const w = memories.map((_, j) => `w${j}`);
      binaries.push(...w);
      constraints.push({ name: "mem", terms: w.map((name) => ({ name, coef: 1 })), lo: 1, hi: 1 });
      perHour.forEach((_, h) => {
        const terms = memoryTerms(h, 1);
        memories.forEach((m, j) => {
          constraints.push({
            name: `use${h}_${j}`,
            terms: [...terms.get(m) ?? [], { name: w[j], coef: -1 }],
            lo: 0,
            hi: 0,
          });
        });
      });
    } else {
      const z: LinearTerm[] = [];
      for (let h = 1; h < perHour.length; h++) {
        const before = memoryTerms(h - 1, -1);
        let j = 0;
        for (const [m, terms] of memoryTerms(h, 1)) {
          const zName = `z${h}_${j}`;
          z.push({ name: zName, coef: 1 });
          bounds.push({ name: zName, lo: 0, hi: 1 });
          constraints.push({
            name: `chg${h}_${j++}`,
            terms: [...terms, ...before.get(m) ?? [], { name: zName, coef: -1 }],
            hi: 0,
          });
        }
      }
      constraints.push({ name: "changes", terms: z, hi: s.maxChanges });
    }
  }
  return { name: `day_${objectiveKind}`, objective, constraints, binaries, bounds };
}

/** The candidate of largest `x` in each hour. */
function chosenCandidates(
  candidates: PlanCandidates,
  values: Readonly<Record<string, number>>,
): PlanCandidate[] {
  return candidates.hours.map((cands, h) => {
    let best = 0;
    for (let c = 1; c < cands.length; c++) {
      if ((values[xName(h, c)] ?? 0) > (values[xName(h, best)] ?? 0)) best = c;
    }
    return cands[best];
  });
}

function planSummary(
  hours: readonly DayPlanHour[],
  candidates: PlanCandidates,
  chosen: PlanCandidate[] | undefined,
): Pick<
  DayPlan,
  "hours" | "dailyCostUsd" | "worstLatencySec" | "meanLatencySec" | "memoryChanges"
> {
  if (!chosen) {
    return {
      hours: [],
      dailyCostUsd: NaN,
      worstLatencySec: NaN,
      meanLatencySec: NaN,
      memoryChanges: NaN,
    };
  }
  const planned = chosen.map((k, h): PlannedHour => {
    const { hour, evaluation, expectedRequests } = hours[h];
    const c = configurationAt(evaluation, k.index);
    return {
      hour,
      memoryMb: c.memoryMb,
      timeoutSec: c.timeoutSec,
      maxBatch: c.maxBatch,
      latencySec: c.latencySec,
      costUsd: c.costUsd,
      expectedRequests,
      hourCostUsd: expectedRequests * c.costUsd,
      feasible: candidates.feasible[h],
    };
  });
  const total = planned.reduce((sum, p) => sum + p.expectedRequests, 0);
  let changes = 0;
  for (let h = 1; h < planned.length; h++) {
    if (planned[h].memoryMb !== planned[h - 1].memoryMb) changes++;
  }
  return {
    hours: planned,
    dailyCostUsd: planned.reduce((sum, p) => sum + p.hourCostUsd, 0),
    worstLatencySec: Math.max(...planned.map((p) => p.latencySec)),
    meanLatencySec: total > 0
      ? planned.reduce((sum, p) => sum + p.expectedRequests * p.latencySec, 0) / total
      : planned.reduce((sum, p) => sum + p.latencySec, 0) / planned.length,
    memoryChanges: changes,
  };
}

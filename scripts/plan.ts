/**
 * `deno task plan`: a whole-day plan (memory, timeout, max batch per hour)
 * chosen jointly for all hours of a trace as a mixed-integer program, with
 * day-level constraints: one memory all day, at most K memory changes, a
 * daily budget. Minimizes the day's expected cost, or the hourly latency.
 *
 * @module
 */

import {
  flagAsTyped,
  numberInRange,
  oneOfFlag,
  parseFlags,
  reportUserError,
} from "../lib/cli/flags.ts";
import {
  checkProfileOnGrid,
  checkSolveFlags,
  describeSlo,
  listHours,
  modelLabel,
  percentileLabel,
  readModelFlag,
  readSelectedHours,
  SOLVE_FLAG_ALIASES,
  SOLVE_FLAG_OPTIONS,
  type SolveFlags,
} from "../lib/cli/solve_flags.ts";
import { createProgress, SILENT_PROGRESS } from "../lib/cli/progress.ts";
import { solveSelectedHours, WORKERS_HELP, workersFlag } from "../lib/cli/solve_hours.ts";
import { UsageError } from "../lib/cli/usage_error.ts";
import {
  type DayPlan,
  dayPlanHoursFromSolutions,
  LATENCY_OBJECTIVES,
  type LatencyObjective,
  PLAN_OBJECTIVES,
  planDay,
  type PlanObjective,
} from "../lib/optimize/day_plan.ts";
import {
  PAPER_BATCH_RANGE,
  PAPER_MEMORY_RANGE,
  PAPER_TIMEOUT_RANGE,
} from "../lib/optimize/grid.ts";
import { glpkSolver } from "../lib/optimize/milp.ts";
import type { HourSolution } from "../lib/optimize/optimize.ts";
import { pricing as pricingByName, PRICING_NAMES } from "../lib/profile/pricing.ts";

const HELP = `Usage: deno task plan [options]

Plans a whole day: one Lambda memory M, buffer timeout T and max batch B per
hour, chosen jointly for all hours as a mixed-integer program (GLPK), so that
day-level constraints hold: one memory all day, at most K memory changes, a
daily budget. Every hour must meet the SLO; an hour where no configuration
does gets its least-latency (least-cost) configuration and is flagged.
With no options: all 24 Twitter hours, TF-inceptionV4, p95 latency <= 5 s,
minimize the day's expected cost. Every flag may be written --kebab-case or
--snake_case.

Options (as deno task solve):
  --model NAME|FILE.json   TF-inceptionV4 (default), TF-resnetV2,
                           mxnet-resnet50, or a JSON profile file
  --percentile P           percentile of the SLO, in (0, 1)          [0.95]
  --constraint KIND        latency (SLO in s) or cost (SLO in USD/request)
                                                                     [latency]
  --slo VALUE              the bound in every hour, > 0: seconds for
                           latency, USD per request for cost (then required)
                                                           [5 s for latency]
  --trace NAME|DIR         twitter, nys, or a directory of MAP<h>_D0/_D1 [twitter]
  --hour H                 one hour, 1..24 (hour h covers h-1..h)
  --start H, --end H       first and last hour, 1..24                [all hours]
  --method METHOD          exact or paper                            [exact]
  --pricing NAME           ${PRICING_NAMES.join(", ")}        [paper]
  --grid-memory RANGE      memory grid, MB, within 128..10240        [${PAPER_MEMORY_RANGE}]
  --grid-timeout RANGE     timeout grid, s, within 0.000001..3600    [${PAPER_TIMEOUT_RANGE}]
  --grid-batch RANGE       max batch grid, within 1..1000            [${PAPER_BATCH_RANGE}]
                           (RANGE is LO:HI:STEP, LO:HI, one value or a comma
                           list; --memory, --timeout, --batch are short names)
  --extrapolate            allow memories and batches outside the range
                           the profile was fitted on (refused when the
                           grid lies within it: it would do nothing) [off]
  --keep-alive S           idle time before an environment is reclaimed, s,
                           for a profile's cold starts (its coldStart; refused
                           without one: it would do nothing)         [600]
Day constraints and objective:
  --single-memory          one memory size for the whole day (needs more
                           than one hour)
  --max-memory-changes K   at most K memory changes between consecutive hours,
                           an integer >= 0 (needs more than one hour; not
                           with --single-memory, which is K = 0)
  --daily-budget USD       the day's expected cost must not exceed USD, > 0
  --objective KIND         cost (the day's expected cost) or latency
                           [cost with a latency SLO, latency with a cost SLO]
  --latency-objective AGG  only with --objective latency: worst (the worst
                           hour, then the cost) or mean (traffic-weighted)
                                                                     [worst]
  --time-limit S           stop each solve after S seconds, > 0      [none]
${WORKERS_HELP}
  --format FORMAT          table, json or csv                        [table]
  -h, --help               this text

The cost per request is the optimizer's (the mean cost for exact, the cost at
the percentile batch size for paper); an hour's expected requests are its MAP's
mean rate times 3600 s. Hours are numbered 1..24, hour h covering h-1..h, in
every format. The csv is one row per planned hour (hour, expected_requests,
memory_mb, timeout_sec, max_batch, latency_sec, cost_usd, hour_cost_usd,
slo_met); the json adds the day's totals and the model's size: elapsedSec is
the planning (SLO filter, pruning, solves), evaluationSec the evaluation of
the grid.

Exit codes: 0 planned; 1 no plan meets the day constraints, or some hour has no
SLO-compliant configuration (a line on stderr says which); 2 a bad flag, a flag
that does nothing in the combination given, or a bad input file.
`;

type Format = "table" | "json" | "csv";

interface Options extends SolveFlags {
  singleMemory: boolean;
  maxMemoryChanges?: number;
  dailyBudgetUsd?: number;
  objective: PlanObjective;
  latencyObjective: LatencyObjective;
  timeLimitSec?: number;
  format: Format;
  /** Workers evaluating the grid; 1: in this process; undefined: by the work's size. */
  workers: number | undefined;
}

function parseOptions(args: string[]): Options | "help" {
  const { values: v, typed } = parseFlags({
    args,
    strict: true,
    allowPositionals: false,
    aliases: SOLVE_FLAG_ALIASES,
    options: {
      ...SOLVE_FLAG_OPTIONS,
      "single-memory": { type: "boolean", default: false },
      "max-memory-changes": { type: "string" },
      "daily-budget": { type: "string" },
      objective: { type: "string" },
      "latency-objective": { type: "string" },
      "time-limit": { type: "string" },
      workers: { type: "string" },
      format: { type: "string", default: "table" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (v.help) return "help";
  const f = (name: string) => flagAsTyped(typed, name);
  const solve = checkSolveFlags(v, typed);
  const constraint = solve.constraint;
  const text = v["max-memory-changes"];
  const maxMemoryChanges = text === undefined
    ? undefined
    : numberInRange(f("max-memory-changes"), text, { min: 0, integer: true });
  if (v["single-memory"] && maxMemoryChanges !== undefined) {
    throw new UsageError(
      `${f("single-memory")} and ${f("max-memory-changes")} exclude each other ` +
        `(one memory is ${f("max-memory-changes")} 0)`,
    );
  }
  const dailyBudgetUsd = v["daily-budget"] === undefined
    ? undefined
    : numberInRange(f("daily-budget"), v["daily-budget"], {
      min: 0,
      minExclusive: true,
      unit: "USD",
    });
  const timeLimitSec = v["time-limit"] === undefined
    ? undefined
    : numberInRange(f("time-limit"), v["time-limit"], { min: 0, minExclusive: true, unit: "s" });
  const objective = v.objective === undefined
    ? (constraint === "latency" ? "cost" : "latency")
    : oneOfFlag(f("objective"), v.objective, PLAN_OBJECTIVES);
  const latencyObjective = v["latency-objective"] === undefined
    ? "worst"
    : oneOfFlag(f("latency-objective"), v["latency-objective"], LATENCY_OBJECTIVES);
  if (v["latency-objective"] !== undefined && objective !== "latency") {
    throw new UsageError(
      `${f("latency-objective")} needs --objective latency (the objective is cost` +
        (v.objective === undefined ? " with a latency SLO unless told)" : ")"),
    );
  }
  return {
    ...solve,
    singleMemory: v["single-memory"]!,
    maxMemoryChanges,
    dailyBudgetUsd,
    objective,
    latencyObjective,
    timeLimitSec,
    format: oneOfFlag(f("format"), v.format!, ["table", "json", "csv"]),
    workers: workersFlag(v.workers, typed),
  };
}

/** Timeouts as the grid holds them (0.060000000000000005), shown to 12 digits. */
function timeoutForOutput(timeoutSec: number): number {
  return Number(timeoutSec.toPrecision(12));
}

interface Outcome {
  plan: DayPlan;
  /** The day's cost of the per-hour optima (solve's answer), when every hour has one. */
  perHourDailyCostUsd?: number;
  /** The cheapest plan under the memory constraints alone, when the budget made the day infeasible. */
  cheapestWithoutBudgetUsd?: number;
  evaluationSec: number;
  /** `--model` as the header shows it (with its variability). */
  modelLabel: string;
}

function describe(o: Options): string {
  const pct = percentileLabel(o.percentile);
  const bound = describeSlo(o);
  const goal = o.objective === "cost"
    ? "minimize the day's expected cost"
    : o.latencyObjective === "worst"
    ? `minimize the worst hourly ${pct} latency, then the cost`
    : `minimize the traffic-weighted mean ${pct} latency`;
  const day = [
    o.singleMemory ? "one memory all day" : undefined,
    o.maxMemoryChanges !== undefined ? `at most ${o.maxMemoryChanges} memory changes` : undefined,
    o.dailyBudgetUsd !== undefined ? `daily budget ${o.dailyBudgetUsd} USD` : undefined,
  ].filter((x) => x !== undefined);
  return `Trace ${o.trace}, model ${o.model}, method ${o.method}, pricing ${o.pricing}: ${goal} ` +
    `subject to ${bound} every hour${day.length ? `; ${day.join(", ")}` : ""}`;
}

function tableOutput(o: Options, r: Outcome): string {
  const { plan } = r;
  const pct = percentileLabel(o.percentile);
  const lines = [describe(o)];
  if (plan.hours.length === 0) {
    lines.push(
      `No plan: the day constraints cannot be met (status ${plan.status}).` +
        (r.cheapestWithoutBudgetUsd !== undefined
          ? ` The cheapest plan under the memory constraints costs ` +
            `${r.cheapestWithoutBudgetUsd.toFixed(4)} USD a day.`
          : ""),
    );
  } else {
    const head = [
      "hour",
      "requests (req/h)",
      "memory (MB)",
      "timeout (s)",
      "max batch",
      `${pct} latency (s)`,
      "cost (USD/req)",
      "hour cost (USD)",
      "SLO",
    ];
    const rows = plan.hours.map((h) => [
      String(h.hour),
      h.expectedRequests.toFixed(0),
      String(h.memoryMb),
      String(timeoutForOutput(h.timeoutSec)),
      String(h.maxBatch),
      h.latencySec.toFixed(6),
      h.costUsd.toExponential(6),
      h.hourCostUsd.toFixed(4),
      h.feasible ? "met" : "NOT MET",
    ]);
    const widths = head.map((c, i) => Math.max(c.length, ...rows.map((row) => row[i].length)));
    const line = (row: string[]) => row.map((c, i) => c.padStart(widths[i])).join("  ");
    lines.push(line(head), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line));
    const versus = r.perHourDailyCostUsd !== undefined
      ? ` (per-hour optima: ${r.perHourDailyCostUsd.toFixed(4)} USD, ` +
        `${plan.dailyCostUsd >= r.perHourDailyCostUsd ? "+" : ""}` +
        `${(100 * (plan.dailyCostUsd / r.perHourDailyCostUsd - 1)).toFixed(3)}%)`
      : "";
    lines.push(
      `Daily cost (USD): ${plan.dailyCostUsd.toFixed(4)}${versus}`,
      `Worst ${pct} latency (s): ${plan.worstLatencySec.toFixed(6)}; traffic-weighted mean ` +
        `(s): ${plan.meanLatencySec.toFixed(6)}; memory changes: ${plan.memoryChanges}`,
    );
  }
  if (plan.infeasibleHours.length) {
    lines.push(
      `No configuration meets the SLO in ${plan.infeasibleHours.length === 1 ? "hour" : "hours"} ` +
        `${plan.infeasibleHours.join(", ")}: ` +
        `planned with the least ${o.constraint === "latency" ? "latency" : "cost"} and flagged`,
    );
  }
  lines.push(
    `Model: ${plan.variables} variables, ${plan.constraints} constraints, ${plan.binaries} ` +
      `binaries; ${plan.candidates} of ${plan.prunedFrom} configurations kept after the SLO ` +
      `filter and pruning; status ${plan.status}; ${plan.solves.length} solve(s); planned in ` +
      `${plan.elapsedSec.toFixed(3)} s (evaluation ${r.evaluationSec.toFixed(3)} s)`,
  );
  return lines.join("\n");
}

function csvOutput(r: Outcome): string {
  const out = [
    "hour,expected_requests,memory_mb,timeout_sec,max_batch,latency_sec,cost_usd,hour_cost_usd," +
    "slo_met",
  ];
  for (const h of r.plan.hours) {
    out.push(
      [
        h.hour,
        h.expectedRequests,
        h.memoryMb,
        timeoutForOutput(h.timeoutSec),
        h.maxBatch,
        h.latencySec,
        h.costUsd,
        h.hourCostUsd,
        h.feasible,
      ].join(","),
    );
  }
  return out.join("\n");
}

/** Why the exit code is 1, in one line; `undefined` when it is 0. */
function failure(o: Options, r: Outcome): string | undefined {
  const { plan } = r;
  if (plan.hours.length === 0) {
    return `no plan meets the day constraints (status ${plan.status})` +
      (r.cheapestWithoutBudgetUsd !== undefined
        ? `: the cheapest plan under the memory constraints costs ` +
          `${r.cheapestWithoutBudgetUsd.toFixed(4)} USD a day, over ` +
          `${flagAsTyped(o.typed, "daily-budget")} ${o.dailyBudgetUsd}`
        : "");
  }
  if (plan.infeasibleHours.length === 0) return undefined;
  const n = plan.infeasibleHours.length;
  return `no configuration of the grid meets ${describeSlo(o)} in ${n} of ${plan.hours.length} ` +
    `${plan.hours.length === 1 ? "hour" : "hours"} (${n === 1 ? "hour" : "hours"} ${
      listHours(plan.infeasibleHours)
    }): planned with ` +
    `the least ${o.constraint === "latency" ? "latency" : "cost"} there and flagged`;
}

function jsonOutput(o: Options, r: Outcome): string {
  const { plan } = r;
  return JSON.stringify({
    trace: o.trace,
    model: o.model,
    method: o.method,
    pricing: o.pricing,
    percentile: o.percentile,
    constraint: o.constraint,
    slo: o.slo,
    objective: o.objective,
    ...(o.objective === "latency" ? { latencyObjective: o.latencyObjective } : {}),
    singleMemory: o.singleMemory,
    maxMemoryChanges: o.maxMemoryChanges ?? null,
    dailyBudgetUsd: o.dailyBudgetUsd ?? null,
    hours: plan.hours.map((h) => ({
      hour: h.hour,
      memoryMb: h.memoryMb,
      timeoutSec: timeoutForOutput(h.timeoutSec),
      maxBatch: h.maxBatch,
      latencySec: h.latencySec,
      costUsd: h.costUsd,
      expectedRequests: h.expectedRequests,
      hourCostUsd: h.hourCostUsd,
      feasible: h.feasible,
    })),
    dailyCostUsd: plan.hours.length ? plan.dailyCostUsd : null,
    worstLatencySec: plan.hours.length ? plan.worstLatencySec : null,
    meanLatencySec: plan.hours.length ? plan.meanLatencySec : null,
    memoryChanges: plan.hours.length ? plan.memoryChanges : null,
    perHourDailyCostUsd: r.perHourDailyCostUsd ?? null,
    ...(r.cheapestWithoutBudgetUsd !== undefined
      ? { cheapestWithoutBudgetUsd: r.cheapestWithoutBudgetUsd }
      : {}),
    status: plan.status,
    variables: plan.variables,
    constraints: plan.constraints,
    binaries: plan.binaries,
    prunedFrom: plan.prunedFrom,
    candidates: plan.candidates,
    infeasibleHours: plan.infeasibleHours,
    solves: plan.solves,
    elapsedSec: plan.elapsedSec,
    evaluationSec: r.evaluationSec,
  });
}

async function run(o: Options): Promise<Outcome> {
  const { grid } = o;
  const profile = await readModelFlag(o);
  checkProfileOnGrid(profile, o);
  const selected = await readSelectedHours(o);
  if (selected.length === 1 && (o.singleMemory || o.maxMemoryChanges !== undefined)) {
    const flag = flagAsTyped(o.typed, o.singleMemory ? "single-memory" : "max-memory-changes");
    throw new UsageError(
      `${flag} needs more than one hour: hour ${selected[0].hour} alone has no memory change`,
    );
  }
  const progress = o.format !== "json" && Deno.stderr.isTerminal()
    ? createProgress({
      label: "plan",
      write: (t) => Deno.stderr.writeSync(new TextEncoder().encode(t)),
    })
    : SILENT_PROGRESS;
  const started = performance.now();
  const solutions: HourSolution[] = await solveSelectedHours(
    selected,
    o,
    profile,
    (done, total, label) => progress.update(done, total, `evaluating ${label}`),
  );
  const evaluationSec = (performance.now() - started) / 1000;
  const steps = selected.length * grid.timeoutsSec.length;
  progress.update(steps, steps, "solving");
  const solver = await glpkSolver();
  const hours = dayPlanHoursFromSolutions(solutions);
  const common = {
    constraint: o.constraint,
    slo: o.slo,
    strict: o.method === "paper",
    singleMemory: o.singleMemory,
    maxMemoryChanges: o.maxMemoryChanges,
    solver,
    timeLimitSec: o.timeLimitSec,
  };
  const plan = planDay(hours, {
    ...common,
    objective: o.objective,
    latencyObjective: o.latencyObjective,
    dailyBudgetUsd: o.dailyBudgetUsd,
  });
  let cheapestWithoutBudgetUsd: number | undefined;
  if (plan.status === "infeasible" && o.dailyBudgetUsd !== undefined) {
    const cheapest = planDay(hours, { ...common, objective: "cost" });
    if (cheapest.hours.length) cheapestWithoutBudgetUsd = cheapest.dailyCostUsd;
  }
  progress.done();
  const perHourDailyCostUsd = o.objective === "cost" && solutions.every((s) => s.feasible)
    ? solutions.reduce((sum, s, i) => sum + hours[i].expectedRequests * s.optimal[0].costUsd, 0)
    : undefined;
  return {
    plan,
    perHourDailyCostUsd,
    cheapestWithoutBudgetUsd,
    evaluationSec,
    modelLabel: modelLabel(o.model, profile),
  };
}

/**
 * Runs the day-plan CLI.
 *
 * @param args Command-line arguments.
 * @returns The exit code: 0 planned, 1 no plan or an hour without an
 *   SLO-compliant configuration, 2 a bad flag, combination or input file.
 */
export async function main(args: string[]): Promise<number> {
  let o: Options;
  let outcome: Outcome;
  try {
    const parsed = parseOptions(args);
    if (parsed === "help") {
      console.log(HELP);
      return 0;
    }
    o = parsed;
    outcome = await run(o);
  } catch (e) {
    return reportUserError("plan", e);
  }
  console.log(
    o.format === "json"
      ? jsonOutput(o, outcome)
      : o.format === "csv"
      ? csvOutput(outcome)
      : tableOutput({ ...o, model: outcome.modelLabel }, outcome),
  );
  const why = failure(o, outcome);
  if (why === undefined) return 0;
  console.error(`plan: ${why}; exit code 1`);
  return 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));

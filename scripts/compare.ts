/**
 * `deno task compare`: the policies a user could pick, each run over the same
 * simulated day (paper Figs. 14 and 17, in simulation), per hour and over the
 * day: cost per request and the latency percentile against the SLO.
 *
 * @module
 */

import { compareDayPolicies, POLICY_NAMES, type PolicyDay } from "../lib/adapt/day_policies.ts";
import {
  flagAsTyped,
  numberInRange,
  oneOfFlag,
  parseFlags,
  reportUserError,
} from "../lib/cli/flags.ts";
import { createProgress } from "../lib/cli/progress.ts";
import {
  checkProfileOnGrid,
  checkSolveFlags,
  modelLabel,
  percentileLabel,
  readModelFlag,
  readSelectedHours,
  SOLVE_FLAG_ALIASES,
  SOLVE_FLAG_OPTIONS,
  type SolveFlags,
} from "../lib/cli/solve_flags.ts";
import { UsageError } from "../lib/cli/usage_error.ts";
import { glpkSolver } from "../lib/optimize/milp.ts";
import { pricing as pricingByName, PRICING_NAMES } from "../lib/profile/pricing.ts";

const HELP = `Usage: deno task compare [options]

Simulates one seeded day of a trace (its hourly MAPs) under each policy, with
cold starts (0.25 s, 600 s keep-alive), and prints per policy the day's cost
per request and the hours that broke the SLO. Policies:
  ${POLICY_NAMES.join("\n  ")}
Every flag may be written --kebab-case or --snake_case.

Options (the SLO, hours, model and grid as deno task solve):
  --trace NAME|DIR         nys, twitter, or a directory of MAP<h>_D0/_D1    [nys]
  --hour H                 one hour, 1..24 (hour h covers h-1..h)
  --start H, --end H       first and last hour simulated, 1..24            [all hours]
  --model NAME|FILE.json   service-time profile                             [TF-resnetV2]
  --extrapolate            allow memories and batches outside the range the
                           profile was fitted on (refused when the grid
                           lies within it: it would do nothing)             [off]
  --keep-alive S           idle time before an environment is reclaimed, s:
                           the simulated pool's (0.25 s cold starts) and, for a
                           profile's coldStart, the model's                 [600]
  --constraint KIND        latency: BATCH minimizes the cost with the latency
                           at --percentile <= --slo s; cost: BATCH minimizes
                           the latency with the cost <= --slo USD/request
                                                                            [latency]
  --slo VALUE              the bound, > 0: s for latency, USD per request for
                           cost (then required)                             [5 s for latency]
  --budget USD             the same as --constraint cost --slo USD (not with
                           --slo or --constraint latency)
  --percentile P           the SLO's percentile, in (0, 1): planned for and
                           measured                                         [0.95]
  --method METHOD          the model BATCH plans with: exact or paper      [exact]
  --pricing NAME           ${PRICING_NAMES.join(", ")}                [paper]
  --grid-memory RANGE      memory grid, MB, within 128..10240               [1280:3008:64]
  --grid-timeout RANGE     timeout grid, s, within 0.000001..3600           [0.01:0.49:0.01]
  --grid-batch RANGE       max batch grid, within 1..1000                   [1:20:1]
                           (RANGE is LO:HI:STEP, LO:HI, one value or a comma
                           list; --memory, --timeout, --batch are short names)
  --seed N                 seed of the simulated day, an integer            [1]
  --window S               the adaptive controller's window, s, > 0 and,
                           when given, shorter than the hours simulated     [3600]
  --rate-margin X          the controller's rate margin, in [0, 1) (needs a
                           window shorter than the hours simulated)         [0.25]
  --plan-memory-changes K  memory changes the day plan may make, >= 0
                           (needs more than one hour)                       [2]
  --tolerance X            an hour breaks the SLO above SLO x (1 + X), >= 0 [0.01]
  --format FORMAT          table, json or csv                               [table]
  -h, --help               this text

Output (hours are numbered 1..24, hour h covering h-1..h):
  table  one line per policy: cost per request (µUSD), relative to no batching
         at max memory and to BATCH hourly, hours over the SLO, and the worst
         hour's latency over the SLO (under a cost SLO: the traffic-weighted
         mean and the worst hour's latency, s)
  csv    the table's rows at full precision: policy, cost_per_request_usd,
         cost_vs_no_batching, cost_vs_batch_hourly, hours_violated,
         hours_infeasible_violated, mean_latency_sec, worst_latency_sec
  json   every policy with every hour (latencySec at the percentile, p95Sec,
         costPerRequestUsd, requests, the configuration) and the adaptive
         controller's decisions

Exit codes: 0 compared (policies that break the SLO are a result, not an
error); 2 a bad flag, a flag that does nothing in the combination given, or a
bad input file.
`;

type Format = "table" | "json" | "csv";

interface Options extends SolveFlags {
  seed: number;
  windowSec: number;
  rateMargin: number;
  planMemoryChanges: number;
  tolerance: number;
  format: Format;
}

function parseOptions(args: string[]): Options | "help" {
  const { values: v, typed } = parseFlags({
    args,
    strict: true,
    allowPositionals: false,
    aliases: SOLVE_FLAG_ALIASES,
    options: {
      ...SOLVE_FLAG_OPTIONS,
      trace: { type: "string", default: "nys" },
      model: { type: "string", default: "TF-resnetV2" },
      "grid-batch": { type: "string", default: "1:20:1" },
      budget: { type: "string" },
      seed: { type: "string", default: "1" },
      window: { type: "string", default: "3600" },
      "rate-margin": { type: "string", default: "0.25" },
      "plan-memory-changes": { type: "string", default: "2" },
      tolerance: { type: "string", default: "0.01" },
      format: { type: "string", default: "table" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (v.help) return "help";
  const f = (name: string) => flagAsTyped(typed, name);
  if (v.budget !== undefined) {
    // --budget USD is --constraint cost --slo USD: it may not contradict them.
    if (v.slo !== undefined) {
      throw new UsageError(
        `${f("budget")} and ${f("slo")} exclude each other: ${f("budget")} USD is ` +
          `--constraint cost --slo USD`,
      );
    }
    if (typed.constraint !== undefined && v.constraint!.toLowerCase() !== "cost") {
      throw new UsageError(
        `${f("budget")} is a cost SLO and excludes ${f("constraint")} ${v.constraint}`,
      );
    }
    v.constraint = "cost";
    v.slo = v.budget;
    typed.slo = f("budget");
  }
  const solve = checkSolveFlags(v, typed);
  return {
    ...solve,
    seed: numberInRange(f("seed"), v.seed!, { integer: true }),
    windowSec: numberInRange(f("window"), v.window!, { min: 0, minExclusive: true, unit: "s" }),
    rateMargin: numberInRange(f("rate-margin"), v["rate-margin"]!, {
      min: 0,
      max: 1,
      maxExclusive: true,
    }),
    planMemoryChanges: numberInRange(f("plan-memory-changes"), v["plan-memory-changes"]!, {
      min: 0,
      integer: true,
    }),
    tolerance: numberInRange(f("tolerance"), v.tolerance!, { min: 0 }),
    format: oneOfFlag(f("format"), v.format!, ["table", "json", "csv"]),
  };
}

/**
 * Refuses the flags that would do nothing over the hours simulated: a
 * `--window` (given) as long as the day, after which the adaptive controller
 * never reconfigures, so that its `--rate-margin` is not used either; and
 * `--plan-memory-changes` over a single hour.
 *
 * @throws {UsageError} Naming the flag as typed and what it needs.
 */
function checkDayFlags(o: Options, hourCount: number): void {
  const f = (name: string) => flagAsTyped(o.typed, name);
  const daySec = 3600 * hourCount;
  const span = `${daySec} s simulated (${hourCount} ${hourCount === 1 ? "hour" : "hours"})`;
  if (o.windowSec >= daySec) {
    if (o.typed.window !== undefined) {
      throw new UsageError(
        `${f("window")} must be shorter than the ${span}: found ${o.windowSec} s, after which ` +
          "the adaptive controller would never reconfigure",
      );
    }
    if (o.typed["rate-margin"] !== undefined) {
      throw new UsageError(
        `${f("rate-margin")} needs a --window shorter than the ${span}: with the default ` +
          `${o.windowSec} s the adaptive controller never reconfigures`,
      );
    }
  }
  if (hourCount === 1 && o.typed["plan-memory-changes"] !== undefined) {
    throw new UsageError(
      `${f("plan-memory-changes")} needs more than one hour: the day plan of one hour has no ` +
        "memory change",
    );
  }
}

/** A policy's day in the table's terms. */
interface PolicyRow {
  name: string;
  costPerRequestUsd: number;
  costVsNoBatching: number;
  costVsBatchHourly: number;
  hoursViolated: number;
  hoursInfeasibleViolated: number;
  /** Traffic-weighted mean over the hours of the latency at the percentile, s. */
  meanLatencySec: number;
  /** The worst hour's latency at the percentile, s. */
  worstLatencySec: number;
}

function policyRows(days: PolicyDay[]): PolicyRow[] {
  const base = days.find((d) => d.name === POLICY_NAMES[0]);
  const hourly = days.find((d) => d.name === POLICY_NAMES[3]);
  return days.map((d) => {
    const requests = d.hours.reduce((a, h) => a + h.requests, 0);
    return {
      name: d.name,
      costPerRequestUsd: d.costPerRequestUsd,
      costVsNoBatching: base ? d.costPerRequestUsd / base.costPerRequestUsd : NaN,
      costVsBatchHourly: hourly ? d.costPerRequestUsd / hourly.costPerRequestUsd : NaN,
      hoursViolated: d.hoursViolated,
      hoursInfeasibleViolated: d.hoursInfeasibleViolated,
      meanLatencySec: d.hours.reduce((a, h) => a + h.requests * h.latencySec, 0) / requests,
      worstLatencySec: Math.max(...d.hours.map((h) => h.latencySec)),
    };
  });
}

function hoursText(days: PolicyDay[]): string {
  const hours = days[0]?.hours.map((h) => h.hour) ?? [];
  if (hours.length === 0) return "no hours";
  return hours.length === 1
    ? `hour ${hours[0]}`
    : `hours ${hours[0]}..${hours.at(-1)} (${hours.length} h)`;
}

function tableOutput(o: Options, days: PolicyDay[], elapsedSec: number): string {
  const pct = percentileLabel(o.percentile);
  const latency = o.constraint === "latency";
  const what = latency
    ? `${pct} latency SLO ${o.slo} s`
    : `budget ${o.slo} USD/request (BATCH minimizes the ${pct} latency within it)`;
  const rows = policyRows(days);
  const head = [
    "policy",
    "cost (µUSD/request)",
    "vs no batching at max memory",
    "vs BATCH hourly",
    latency ? "hours over SLO" : "hours over budget",
    ...(latency ? [`worst ${pct}/SLO`] : [`mean ${pct} (s)`, `worst ${pct} (s)`]),
  ];
  const cells = rows.map((r) => [
    r.name,
    (r.costPerRequestUsd * 1e6).toFixed(3),
    Number.isFinite(r.costVsNoBatching) ? r.costVsNoBatching.toFixed(3) : "",
    Number.isFinite(r.costVsBatchHourly) ? r.costVsBatchHourly.toFixed(3) : "",
    String(r.hoursViolated + r.hoursInfeasibleViolated),
    ...(latency
      ? [(r.worstLatencySec / o.slo).toFixed(4)]
      : [r.meanLatencySec.toFixed(3), r.worstLatencySec.toFixed(3)]),
  ]);
  const widths = head.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  const daySec = 3600 * (days[0]?.hours.length ?? 0);
  return [
    `Trace ${o.trace} ${hoursText(days)}, ${o.model}, ${what}; one simulated day ` +
    `(seed ${o.seed}), cold starts 0.25 s`,
    line(head),
    ...cells.map(line),
    ...(o.windowSec >= daySec
      ? [
        `BATCH adaptive never reconfigured: its window (${o.windowSec} s) is as long as the ` +
        `${daySec} s simulated (give a shorter --window).`,
      ]
      : []),
    latency
      ? `An hour is over the SLO when its measured ${pct} exceeds ${o.slo} s by more than ` +
        `${+(o.tolerance * 100).toFixed(6)} %; compared in ${elapsedSec.toFixed(1)} s.`
      : `An hour is over the budget when its measured cost per request exceeds ${o.slo} ` +
        `USD by more than ${+(o.tolerance * 100).toFixed(6)} %; compared in ` +
        `${elapsedSec.toFixed(1)} s.`,
  ].join("\n");
}

function csvOutput(days: PolicyDay[]): string {
  const quote = (s: string) => /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  return [
    "policy,cost_per_request_usd,cost_vs_no_batching,cost_vs_batch_hourly,hours_violated," +
    "hours_infeasible_violated,mean_latency_sec,worst_latency_sec",
    ...policyRows(days).map((r) =>
      [
        quote(r.name),
        r.costPerRequestUsd,
        r.costVsNoBatching,
        r.costVsBatchHourly,
        r.hoursViolated,
        r.hoursInfeasibleViolated,
        r.meanLatencySec,
        r.worstLatencySec,
      ].join(",")
    ),
  ].join("\n");
}

function jsonOutput(o: Options, days: PolicyDay[], model: string, elapsedSec: number): string {
  return JSON.stringify({
    trace: o.trace,
    model,
    constraint: o.constraint,
    slo: o.slo,
    percentile: o.percentile,
    // The names of the version before --constraint, kept for its readers.
    ...(o.constraint === "latency" ? { sloSec: o.slo } : { budgetUsd: o.slo }),
    seed: o.seed,
    policies: days.map((d) => ({
      name: d.name,
      costPerRequestUsd: d.costPerRequestUsd,
      hoursViolated: d.hoursViolated,
      hoursInfeasibleViolated: d.hoursInfeasibleViolated,
      hours: d.hours.map((h) => ({
        hour: h.hour,
        latencySec: h.latencySec,
        p95Sec: h.p95Sec,
        costPerRequestUsd: h.costPerRequestUsd,
        requests: h.requests,
        memoryMb: h.config.memoryMb,
        maxBatch: h.config.maxBatch,
        timeoutSec: Number(h.config.timeoutSec.toPrecision(12)),
      })),
      ...(d.decisions
        ? {
          decisions: d.decisions.map((x) => ({
            window: x.window,
            arrivals: x.arrivals,
            fittedRatePerSec: x.fitted?.ratePerSec ?? null,
            memoryMb: x.config.memoryMb,
            maxBatch: x.config.maxBatch,
            timeoutSec: Number(x.config.timeoutSec.toPrecision(12)),
            predictedLatencySec: x.predictedLatencySec,
            changed: x.changed,
            reason: x.reason,
          })),
        }
        : {}),
    })),
    elapsedSec,
  });
}

/**
 * Runs the compare CLI.
 *
 * @param args Command-line arguments.
 * @returns The exit code: 0 compared, 2 a bad flag, combination or input file.
 */
export async function main(args: string[]): Promise<number> {
  try {
    const o = parseOptions(args);
    if (o === "help") {
      console.log(HELP);
      return 0;
    }
    // --keep-alive always matters here: the simulated pool keeps environments that long.
    const profile = await readModelFlag({ ...o, keepAliveUsedAnyway: true });
    checkProfileOnGrid(profile, o);
    const hours = await readSelectedHours(o);
    checkDayFlags(o, hours.length);
    const tty = o.format === "table" && Deno.stderr.isTerminal();
    const progress = tty
      ? createProgress({
        label: "compare",
        write: (t) => Deno.stderr.writeSync(new TextEncoder().encode(t)),
      })
      : undefined;
    progress?.update(0, POLICY_NAMES.length, "solving the hours");
    const started = performance.now();
    const days = compareDayPolicies(hours, {
      profile,
      pricing: pricingByName(o.pricing),
      grid: o.grid,
      ...(o.constraint === "latency" ? { sloSec: o.slo } : { budgetUsd: o.slo }),
      percentile: o.percentile,
      extrapolate: o.extrapolate,
      method: o.method,
      seed: o.seed,
      tolerance: o.tolerance,
      adaptiveWindowSec: o.windowSec,
      rateMargin: o.rateMargin,
      planMaxMemoryChanges: o.planMemoryChanges,
      keepAliveSec: o.keepAliveSec,
      solver: await glpkSolver(),
      onPolicy: (done, total, name) => progress?.update(done, total, name),
    });
    progress?.done();
    const elapsedSec = (performance.now() - started) / 1000;
    if (o.format === "json") console.log(jsonOutput(o, days, profile.name, elapsedSec));
    else if (o.format === "csv") console.log(csvOutput(days));
    else console.log(tableOutput({ ...o, model: modelLabel(o.model, profile) }, days, elapsedSec));
    return 0;
  } catch (e) {
    return reportUserError("compare", e);
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));

/**
 * `deno task solve`: the optimal Lambda configuration (memory, timeout, max
 * batch) for every hour of a trace, as solver.py, with the exact or the paper
 * model.
 *
 * @module
 */

import { createProgress, SILENT_PROGRESS } from "../lib/cli/progress.ts";
import { flagAsTyped, oneOfFlag, parseFlags, reportUserError } from "../lib/cli/flags.ts";
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
import { UsageError } from "../lib/cli/usage_error.ts";
import {
  PAPER_BATCH_RANGE,
  PAPER_MEMORY_RANGE,
  PAPER_TIMEOUT_RANGE,
} from "../lib/optimize/grid.ts";
import {
  configurationAt,
  type ConfigurationResult,
  type HourSolution,
} from "../lib/optimize/optimize.ts";
import { solveSelectedHours, WORKERS_HELP, workersFlag } from "../lib/cli/solve_hours.ts";

const HELP = `Usage: deno task solve [options]

Finds, for each hour of a trace, the Lambda memory M, buffer timeout T and max
batch size B that minimize the cost per request subject to a latency SLO
(--constraint latency) or the latency subject to a cost SLO (--constraint cost).
With no options: all 24 Twitter hours, TF-inceptionV4, p95 latency <= 5 s.
Every flag may be written --kebab-case or --snake_case.

Options:
  --model NAME|FILE.json   service-time profile: TF-inceptionV4 (default),
                           TF-resnetV2, mxnet-resnet50, or a JSON profile file
  --percentile P           percentile of the SLO, in (0, 1)          [0.95]
  --constraint KIND        latency (SLO in s, minimize cost) or cost
                           (SLO in USD/request, minimize latency)    [latency]
  --slo VALUE              the bound, > 0: seconds for latency, USD per
                           request for cost (then required) [5 s for latency]
  --trace NAME|DIR         twitter, nys, or a directory of MAP<h>_D0/_D1
                           files                                     [twitter]
  --hour H                 one hour, 1..24 (hour h covers h-1..h)
  --start H, --end H       first and last hour, 1..24                [all hours]
  --method METHOD          exact or paper (solver.py to the digit)   [exact]
  --pricing NAME           paper (continuous GB-s, 2020 prices), aws-x86,
                           aws-arm64 (1 ms billing), aws-2020 (100 ms) [paper]
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
${WORKERS_HELP}
  --format FORMAT          table, json or csv                        [table]
  --all                    every evaluated configuration, not only the optima
                           (with --format json or csv; see Output)
  -h, --help               this text

Output (hours are numbered 1..24, hour h covering h-1..h, in every format):
  table  one line per hour: the optimum (the first of its ties, counted in
         "ties") and the share of the grid that meets the SLO
  json   {trace, model, method, pricing, percentile, constraint, slo, hours:
         [{hour, ratePerSec, feasible, optimal: [...ties], compliant,
         evaluated}], elapsedSec}; with --all each hour also has "all", every
         configuration in grid order (memory, then timeout, then batch)
  csv    hour,rate_per_sec,feasible,memory_mb,timeout_sec,max_batch,
         latency_sec,cost_usd,compliant,evaluated: one row per optimal tie
         (an hour without one has a row with empty configuration cells); with
         --all one row per evaluated configuration, with two more columns,
         meets_slo and optimal (the rows without --all are those with
         optimal true)

Exit codes: 0 solved; 1 solved, but some hour has no configuration that meets
the SLO (a line on stderr names the hours); 2 a bad flag, a flag that does
nothing in the combination given, or a bad input file.
`;

type Format = "table" | "json" | "csv";

interface Options extends SolveFlags {
  format: Format;
  all: boolean;
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
      format: { type: "string", default: "table" },
      all: { type: "boolean", default: false },
      workers: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (v.help) return "help";
  const flags = checkSolveFlags(v, typed);
  const format = oneOfFlag(flagAsTyped(typed, "format"), v.format!, ["table", "json", "csv"]);
  if (v.all && format === "table") {
    throw new UsageError(
      `${flagAsTyped(typed, "all")} needs --format json or --format csv ` +
        "(every evaluated configuration does not fit the table)",
    );
  }
  const workers = workersFlag(v.workers, typed);
  return { ...flags, format, all: v.all!, workers };
}

/**
 * A configuration for output: the grid holds timeouts as NumPy's arange makes
 * them (0.060000000000000005 for 0.06, as solver.py), shown to 12 digits.
 */
function forOutput(c: ConfigurationResult): ConfigurationResult {
  return { ...c, timeoutSec: Number(c.timeoutSec.toPrecision(12)) };
}

function fmt(x: number, digits: number): string {
  return Number.isFinite(x) ? x.toPrecision(digits) : String(x);
}

function tableOutput(o: Options, hours: HourSolution[], elapsedSec: number): string {
  const lines = [
    `Trace ${o.trace}, model ${o.model}, method ${o.method}, pricing ${o.pricing}: ` +
    `${o.constraint === "latency" ? "minimize cost" : "minimize latency"} subject to ` +
    describeSlo(o),
  ];
  const head = [
    "hour",
    "rate (req/s)",
    "memory (MB)",
    "timeout (s)",
    "max batch",
    `${percentileLabel(o.percentile)} latency (s)`,
    "cost (USD/req)",
    "compliant",
    "ties",
  ];
  const rows: string[][] = [];
  for (const h of hours) {
    const best = h.optimal[0];
    const share = `${(100 * h.compliant / h.evaluated).toFixed(1)}%`;
    rows.push(
      best
        ? [
          String(h.hour),
          h.ratePerSec.toFixed(2),
          String(best.memoryMb),
          fmt(best.timeoutSec, 6),
          String(best.maxBatch),
          best.latencySec.toFixed(6),
          best.costUsd.toExponential(6),
          share,
          String(h.optimal.length),
        ]
        : [String(h.hour), h.ratePerSec.toFixed(2), "infeasible", "", "", "", "", share, ""],
    );
  }
  const widths = head.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => c.padStart(widths[i])).join("  ");
  lines.push(line(head), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line));
  const infeasible = hours.filter((h) => !h.feasible).length;
  const n = hours[0]?.evaluated ?? 0;
  lines.push(
    `${hours.length} ${hours.length === 1 ? "hour" : "hours"} (hour h covers h-1..h), ` +
      `${n} ${n === 1 ? "configuration" : "configurations"} each, solved in ` +
      `${elapsedSec.toFixed(3)} s` +
      (infeasible ? `; ${infeasible} without a configuration that meets the SLO` : ""),
  );
  return lines.join("\n");
}

const CSV_HEAD =
  "hour,rate_per_sec,feasible,memory_mb,timeout_sec,max_batch,latency_sec,cost_usd," +
  "compliant,evaluated";

/** Every evaluated configuration, in the optima's schema plus meets_slo and optimal. */
function csvAll(o: Options, hours: HourSolution[]): string {
  const out = [`${CSV_HEAD},meets_slo,optimal`];
  const strict = o.method === "paper";
  for (const h of hours) {
    const bound = o.constraint === "latency" ? h.evaluation.latencySec : h.evaluation.costUsd;
    const best = h.optimal[0];
    const objective = (c: ConfigurationResult) =>
      o.constraint === "latency" ? c.costUsd : c.latencySec;
    for (let i = 0; i < h.evaluated; i++) {
      const c = forOutput(configurationAt(h.evaluation, i));
      const meets = strict ? bound[i] < o.slo : bound[i] <= o.slo;
      const optimal = meets && best !== undefined && objective(c) === objective(best);
      out.push(
        [
          h.hour,
          h.ratePerSec,
          h.feasible,
          c.memoryMb,
          c.timeoutSec,
          c.maxBatch,
          c.latencySec,
          c.costUsd,
          h.compliant,
          h.evaluated,
          meets,
          optimal,
        ].join(","),
      );
    }
  }
  return out.join("\n");
}

function csvOutput(o: Options, hours: HourSolution[]): string {
  if (o.all) return csvAll(o, hours);
  const out = [CSV_HEAD];
  for (const h of hours) {
    const rows = h.optimal.length ? h.optimal.map(forOutput) : [undefined];
    for (const c of rows) {
      out.push(
        [
          h.hour,
          h.ratePerSec,
          h.feasible,
          c?.memoryMb ?? "",
          c?.timeoutSec ?? "",
          c?.maxBatch ?? "",
          c?.latencySec ?? "",
          c?.costUsd ?? "",
          h.compliant,
          h.evaluated,
        ].join(","),
      );
    }
  }
  return out.join("\n");
}

/**
 * What solver.py prints as the optimum's "95th Latency" and "95th Cost": with
 * a latency SLO the latency of the last compliant configuration in grid order
 * and the optimal cost; with a cost SLO the optimal latency and the cost of the
 * last compliant configuration.
 */
function solverPyReport(o: Options, h: HourSolution): { latencySec: number; costUsd: number } {
  const best = h.optimal[0], last = h.lastCompliant!;
  return o.constraint === "latency"
    ? { latencySec: last.latencySec, costUsd: best.costUsd }
    : { latencySec: best.latencySec, costUsd: last.costUsd };
}

function jsonOutput(o: Options, hours: HourSolution[], elapsedSec: number): string {
  return JSON.stringify({
    trace: o.trace,
    model: o.model,
    method: o.method,
    pricing: o.pricing,
    percentile: o.percentile,
    constraint: o.constraint,
    slo: o.slo,
    hours: hours.map((h) => ({
      hour: h.hour,
      ratePerSec: h.ratePerSec,
      feasible: h.feasible,
      optimal: h.optimal.map(forOutput),
      compliant: h.compliant,
      evaluated: h.evaluated,
      ...(o.method === "paper" && h.optimal.length ? { solverPyReport: solverPyReport(o, h) } : {}),
      ...(o.all
        ? {
          all: Array.from(
            { length: h.evaluated },
            (_, i) => forOutput(configurationAt(h.evaluation, i)),
          ),
        }
        : {}),
    })),
    elapsedSec,
  });
}

/**
 * Runs the solver CLI.
 *
 * @param args Command-line arguments.
 * @returns The exit code: 0 solved, 1 some hour has no SLO-compliant
 *   configuration, 2 a bad flag or input file.
 */
export async function main(args: string[]): Promise<number> {
  const started = performance.now();
  let o: Options;
  let label = "";
  let hours: HourSolution[];
  try {
    const parsed = parseOptions(args);
    if (parsed === "help") {
      console.log(HELP);
      return 0;
    }
    o = parsed;
    const { grid } = o;
    const profile = await readModelFlag(o);
    label = modelLabel(o.model, profile);
    checkProfileOnGrid(profile, o);
    const selected = await readSelectedHours(o);
    const progress = o.format !== "json" && Deno.stderr.isTerminal()
      ? createProgress({
        label: "solve",
        write: (t) => Deno.stderr.writeSync(new TextEncoder().encode(t)),
      })
      : SILENT_PROGRESS;
    hours = await solveSelectedHours(
      selected,
      o,
      profile,
      (done, total, label) => progress.update(done, total, label),
    );
    progress.done();
  } catch (e) {
    return reportUserError("solve", e);
  }
  const elapsedSec = (performance.now() - started) / 1000;
  if (o.format === "json") console.log(jsonOutput(o, hours, elapsedSec));
  else if (o.format === "csv") console.log(csvOutput(o, hours));
  else console.log(tableOutput({ ...o, model: label }, hours, elapsedSec));
  const infeasible = hours.filter((h) => !h.feasible).map((h) => h.hour);
  if (infeasible.length === 0) return 0;
  console.error(
    `solve: no configuration of the grid meets ${describeSlo(o)} in ${infeasible.length} of ` +
      `${hours.length} ${hours.length === 1 ? "hour" : "hours"} ` +
      `(${infeasible.length === 1 ? "hour" : "hours"} ${listHours(infeasible)}): ` +
      "exit code 1; a larger --slo or a wider grid may find one",
  );
  return 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));

/**
 * `deno task solve`: the optimal Lambda configuration (memory, timeout, max
 * batch) for every hour of a trace, as solver.py, with the exact or the paper
 * model.
 *
 * @module
 */

import { createProgress, SILENT_PROGRESS } from "../lib/cli/progress.ts";
import { oneOfFlag, parseFlags, reportUserError } from "../lib/cli/flags.ts";
import {
  checkSolveFlags,
  readSelectedHours,
  SOLVE_FLAG_OPTIONS,
  type SolveFlags,
} from "../lib/cli/solve_flags.ts";
import { readProfileArgument } from "../lib/io/profile_files.ts";
import {
  gridFromRanges,
  PAPER_BATCH_RANGE,
  PAPER_MEMORY_RANGE,
  PAPER_TIMEOUT_RANGE,
} from "../lib/optimize/grid.ts";
import {
  configurationAt,
  type ConfigurationResult,
  type HourSolution,
  solveHours,
} from "../lib/optimize/optimize.ts";
import { pricing as pricingByName } from "../lib/profile/pricing.ts";

const HELP = `Usage: deno task solve [options]

Finds, for each hour of a trace, the Lambda memory M, buffer timeout T and max
batch size B that minimize the cost per request subject to a latency SLO
(--constraint latency) or the latency subject to a cost SLO (--constraint cost).
With no options: all 24 Twitter hours, TF-inceptionV4, p95 latency <= 5 s.

Options:
  --model NAME|FILE.json   service-time profile: TF-inceptionV4 (default),
                           TF-resnetV2, mxnet-resnet50, or a JSON profile file
  --percentile P           percentile of the SLO, in (0, 1)          [0.95]
  --constraint KIND        latency (SLO in s, minimize cost) or cost
                           (SLO in USD/request, minimize latency)    [latency]
  --slo VALUE              the bound: seconds for latency, USD per request
                           for cost                                  [5 s for latency]
  --trace NAME|DIR         twitter, nys, or a directory of MAP<h>_D0/_D1
                           files                                     [twitter]
  --start H, --end H       first and last hour (1..24; hour h covers h-1..h)
                                                                     [all hours]
  --method METHOD          exact or paper (solver.py to the digit)   [exact]
  --pricing NAME           paper (continuous GB-s, 2020 prices), aws-x86,
                           aws-arm64 (1 ms billing), aws-2020 (100 ms) [paper]
  --memory LO:HI:STEP      memory grid, MB                           [${PAPER_MEMORY_RANGE}]
  --timeout LO:HI:STEP     timeout grid, s                           [${PAPER_TIMEOUT_RANGE}]
  --batch LO:HI:STEP       max batch grid                            [${PAPER_BATCH_RANGE}]
                           (each also takes one value or a comma list)
  --extrapolate            allow the profile outside its fitted range
  --format FORMAT          table, json or csv                        [table]
  --all                    also output every evaluated configuration
  -h, --help               this text

Exit codes: 0 solved, 1 some hour has no SLO-compliant configuration,
2 bad options or input files.
`;

interface Options extends SolveFlags {
  format: "table" | "json" | "csv";
  all: boolean;
}

function parseOptions(args: string[]): Options | "help" {
  const parsed = parseFlags({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      ...SOLVE_FLAG_OPTIONS,
      format: { type: "string", default: "table" },
      all: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const v = parsed.values;
  if (v.help) return "help";
  return {
    ...checkSolveFlags(v),
    format: oneOfFlag("format", v.format!, ["table", "json", "csv"] as const),
    all: v.all!,
  };
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
  const sloUnit = o.constraint === "latency" ? "s" : "USD/request";
  const pct = `p${+(o.percentile * 100).toFixed(4)}`;
  const bounded = o.constraint === "latency"
    ? `${pct} latency`
    : o.method === "exact"
    ? "mean cost per request"
    : `cost at the ${pct} batch size`;
  const lines = [
    `Trace ${o.trace}, model ${o.model}, method ${o.method}, pricing ${o.pricing}: ` +
    `${o.constraint === "latency" ? "minimize cost" : "minimize latency"} subject to ` +
    `${bounded} <= ${o.slo} ${sloUnit}`,
  ];
  const head = [
    "hour",
    "rate (req/s)",
    "memory (MB)",
    "timeout (s)",
    "max batch",
    `p${+(o.percentile * 100).toFixed(4)} latency (s)`,
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
          `${h.hour - 1}-${h.hour}`,
          h.ratePerSec.toFixed(2),
          String(best.memoryMb),
          fmt(best.timeoutSec, 6),
          String(best.maxBatch),
          best.latencySec.toFixed(6),
          best.costUsd.toExponential(6),
          share,
          String(h.optimal.length),
        ]
        : [
          `${h.hour - 1}-${h.hour}`,
          h.ratePerSec.toFixed(2),
          "infeasible",
          "",
          "",
          "",
          "",
          share,
          "",
        ],
    );
  }
  const widths = head.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => c.padStart(widths[i])).join("  ");
  lines.push(line(head), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line));
  const infeasible = hours.filter((h) => !h.feasible).length;
  lines.push(
    `${hours.length} hours, ${hours[0]?.evaluated ?? 0} configurations each, solved in ` +
      `${elapsedSec.toFixed(3)} s` + (infeasible ? `; ${infeasible} infeasible` : ""),
  );
  if (o.all) {
    lines.push("", "All configurations:");
    lines.push(csvAll(hours));
  }
  return lines.join("\n");
}

function csvAll(hours: HourSolution[]): string {
  const out = ["hour,memory_mb,timeout_sec,max_batch,latency_sec,cost_usd"];
  for (const h of hours) {
    for (let i = 0; i < h.evaluated; i++) {
      const c = forOutput(configurationAt(h.evaluation, i));
      out.push(
        `${h.hour},${c.memoryMb},${c.timeoutSec},${c.maxBatch},${c.latencySec},${c.costUsd}`,
      );
    }
  }
  return out.join("\n");
}

function csvOutput(o: Options, hours: HourSolution[]): string {
  if (o.all) return csvAll(hours);
  const out = [
    "hour,rate_per_sec,feasible,memory_mb,timeout_sec,max_batch,latency_sec,cost_usd," +
    "compliant,evaluated",
  ];
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
 * @returns The exit code.
 */
export async function main(args: string[]): Promise<number> {
  const started = performance.now();
  let o: Options;
  try {
    const parsed = parseOptions(args);
    if (parsed === "help") {
      console.log(HELP);
      return 0;
    }
    o = parsed;
  } catch (e) {
    return reportUserError("solve", e);
  }
  let hours: HourSolution[];
  try {
    const grid = gridFromRanges(o.memory, o.timeout, o.batch);
    const profile = await readProfileArgument(o.model);
    const selected = await readSelectedHours(o);
    const progress = o.format !== "json" && Deno.stderr.isTerminal()
      ? createProgress({
        label: "solve",
        write: (t) => Deno.stderr.writeSync(new TextEncoder().encode(t)),
      })
      : SILENT_PROGRESS;
    const total = selected.length * grid.timeoutsSec.length;
    let hoursDone = 0;
    hours = solveHours(selected, grid, {
      method: o.method,
      profile,
      pricing: pricingByName(o.pricing),
      percentile: o.percentile,
      extrapolate: o.extrapolate,
      constraint: o.constraint,
      slo: o.slo,
      onProgress: (done) =>
        progress.update(
          hoursDone * grid.timeoutsSec.length + done,
          total,
          `hour ${hoursDone + 1}/${selected.length}`,
        ),
      onHour: (done) => (hoursDone = done),
    });
    progress.done();
  } catch (e) {
    return reportUserError("solve", e);
  }
  const elapsedSec = (performance.now() - started) / 1000;
  if (o.format === "json") console.log(jsonOutput(o, hours, elapsedSec));
  else if (o.format === "csv") console.log(csvOutput(o, hours));
  else console.log(tableOutput(o, hours, elapsedSec));
  return hours.every((h) => h.feasible) ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));

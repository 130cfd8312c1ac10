/**
 * `deno task compare`: the policies a user could pick, each run over the same
 * simulated day (paper Figs. 14 and 17, in simulation), per hour and over the
 * day: cost per request and p95 latency against the SLO.
 *
 * @module
 */

import { compareDayPolicies, POLICY_NAMES, type PolicyDay } from "../lib/adapt/day_policies.ts";
import { traceDir } from "../lib/cli/arrival_flags.ts";
import { numberFlag, oneOfFlag, parseFlags, reportUserError } from "../lib/cli/flags.ts";
import { createProgress } from "../lib/cli/progress.ts";
import { UsageError } from "../lib/cli/usage_error.ts";
import { readMapDirectory } from "../lib/io/map_files.ts";
import { readProfileArgument } from "../lib/io/profile_files.ts";
import { MODEL_METHODS } from "../lib/model/types.ts";
import { gridFromRanges } from "../lib/optimize/grid.ts";
import { glpkSolver } from "../lib/optimize/milp.ts";
import { pricing as pricingByName, PRICING_NAMES } from "../lib/profile/pricing.ts";

const HELP = `Usage: deno task compare [options]

Simulates one seeded day of a trace (its hourly MAPs) under each policy, with
cold starts (0.25 s, 600 s keep-alive), and prints per policy the day's cost
per request, the hours whose p95 broke the SLO, and with --format json every
hour's p95 and cost per request. Policies:
  ${POLICY_NAMES.join("\n  ")}

Options:
  --trace NAME|DIR         nys, twitter, or a directory of MAP<h>_D0/_D1    [nys]
  --model NAME|FILE.json   service-time profile                             [TF-resnetV2]
  --slo S                  p95 latency SLO, s                               [5]
  --budget USD             compare under a budget instead: BATCH minimizes the
                           p95 with at most USD per request (--slo is then the
                           reference of p95/SLO); violations are hours over it
  --method METHOD          the model BATCH plans with: exact or paper      [exact]
  --pricing NAME           ${PRICING_NAMES.join(", ")}                [paper]
  --memory LO:HI:STEP      memory grid, MB                                  [1280:3008:64]
  --timeout LO:HI:STEP     timeout grid, s                                  [0.01:0.49:0.01]
  --batch LO:HI:STEP       max batch grid                                   [1:20:1]
  --seed N                 seed of the simulated day                        [1]
  --window S               the adaptive controller's window, s              [3600]
  --rate-margin X          the controller's rate margin, in [0, 1)          [0.25]
  --plan-memory-changes K  memory changes the day plan may make             [2]
  --tolerance X            p95 counts as a violation above SLO x (1 + X)     [0.01]
  --format FORMAT          table or json                                    [table]
  -h, --help               this text

Exit codes: 0 compared, 2 bad options or input files.
`;

/**
 * Runs the compare CLI.
 *
 * @param args Command-line arguments.
 * @returns The exit code.
 */
export async function main(args: string[]): Promise<number> {
  try {
    const { values: v } = parseFlags({
      args,
      strict: true,
      options: {
        trace: { type: "string", default: "nys" },
        model: { type: "string", default: "TF-resnetV2" },
        slo: { type: "string", default: "5" },
        budget: { type: "string" },
        method: { type: "string", default: "exact" },
        pricing: { type: "string", default: "paper" },
        memory: { type: "string", default: "1280:3008:64" },
        timeout: { type: "string", default: "0.01:0.49:0.01" },
        batch: { type: "string", default: "1:20:1" },
        seed: { type: "string", default: "1" },
        window: { type: "string", default: "3600" },
        "rate-margin": { type: "string", default: "0.25" },
        "plan-memory-changes": { type: "string", default: "2" },
        tolerance: { type: "string", default: "0.01" },
        format: { type: "string", default: "table" },
        help: { type: "boolean", short: "h" },
      },
    });
    if (v.help) {
      console.log(HELP);
      return 0;
    }
    const format = oneOfFlag("format", v.format!, ["table", "json"] as const);
    const sloSec = numberFlag("slo", v.slo)!;
    if (!(sloSec > 0)) throw new UsageError(`--slo must be > 0 s: found ${v.slo}`);
    const budgetUsd = numberFlag("budget", v.budget);
    if (budgetUsd !== undefined && !(budgetUsd > 0)) {
      throw new UsageError(`--budget must be > 0 USD per request: found ${v.budget}`);
    }
    const seed = numberFlag("seed", v.seed)!;
    if (!Number.isInteger(seed)) throw new UsageError(`--seed must be an integer: found ${v.seed}`);
    const windowSec = numberFlag("window", v.window)!;
    if (!(windowSec > 0)) throw new UsageError(`--window must be > 0 s: found ${v.window}`);
    const rateMargin = numberFlag("rate-margin", v["rate-margin"])!;
    if (!(rateMargin >= 0 && rateMargin < 1)) {
      throw new UsageError(`--rate-margin must be within [0, 1): found ${v["rate-margin"]}`);
    }
    const changes = numberFlag("plan-memory-changes", v["plan-memory-changes"])!;
    if (!(Number.isInteger(changes) && changes >= 0)) {
      throw new UsageError(
        `--plan-memory-changes must be an integer >= 0: found ${v["plan-memory-changes"]}`,
      );
    }
    const tolerance = numberFlag("tolerance", v.tolerance)!;
    if (!(tolerance >= 0)) throw new UsageError(`--tolerance must be >= 0: found ${v.tolerance}`);
    const method = oneOfFlag("method", v.method!, MODEL_METHODS);
    const price = pricingByName(oneOfFlag("pricing", v.pricing!, PRICING_NAMES));
    const grid = gridFromRanges(v.memory, v.timeout, v.batch);
    const profile = await readProfileArgument(v.model!);
    const hours = await readMapDirectory(traceDir(v.trace!));
    const tty = format === "table" && Deno.stderr.isTerminal();
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
      pricing: price,
      grid,
      sloSec,
      budgetUsd,
      method,
      seed,
      tolerance,
      adaptiveWindowSec: windowSec,
      rateMargin,
      planMaxMemoryChanges: changes,
      solver: await glpkSolver(),
      onPolicy: (done, total, name) => progress?.update(done, total, name),
    });
    progress?.done();
    const elapsedSec = (performance.now() - started) / 1000;
    if (format === "json") {
      console.log(JSON.stringify({
        trace: v.trace,
        model: profile.name,
        sloSec,
        ...(budgetUsd === undefined ? {} : { budgetUsd }),
        seed,
        policies: days.map((d) => ({
          name: d.name,
          costPerRequestUsd: d.costPerRequestUsd,
          hoursViolated: d.hoursViolated,
          hoursInfeasibleViolated: d.hoursInfeasibleViolated,
          hours: d.hours.map((h) => ({
            hour: h.hour,
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
      }));
      return 0;
    }
    printTable(days, {
      trace: v.trace!,
      model: profile.name,
      sloSec,
      budgetUsd,
      seed,
      elapsedSec,
      tolerance,
    });
    return 0;
  } catch (e) {
    return reportUserError("compare", e);
  }
}

function printTable(
  days: PolicyDay[],
  o: {
    trace: string;
    model: string;
    sloSec: number;
    budgetUsd?: number;
    seed: number;
    elapsedSec: number;
    tolerance: number;
  },
) {
  const base = days.find((d) => d.name === POLICY_NAMES[0]);
  const hourly = days.find((d) => d.name === POLICY_NAMES[3]);
  const what = o.budgetUsd === undefined
    ? `p95 latency SLO ${o.sloSec} s`
    : `budget ${o.budgetUsd} USD/request (p95 shown against ${o.sloSec} s)`;
  console.log(
    `Trace ${o.trace}, ${o.model}, ${what}; one simulated day (seed ${o.seed}), cold starts 0.25 s`,
  );
  const w = Math.max(...days.map((d) => d.name.length));
  console.log(
    `${"policy".padEnd(w)}  cost (µUSD/request)  vs no batching at max memory  vs BATCH hourly  ` +
      `${o.budgetUsd === undefined ? "hours over SLO" : "hours over budget"}  worst p95/SLO`,
  );
  for (const d of days) {
    const worst = Math.max(...d.hours.map((h) => h.p95Sec / o.sloSec));
    const over = d.hoursViolated + d.hoursInfeasibleViolated;
    console.log(
      `${d.name.padEnd(w)}  ${(d.costPerRequestUsd * 1e6).toFixed(3).padStart(19)}  ${
        (base ? (d.costPerRequestUsd / base.costPerRequestUsd).toFixed(3) : "").padStart(28)
      }  ${
        (hourly ? (d.costPerRequestUsd / hourly.costPerRequestUsd).toFixed(3) : "").padStart(14)
      }  ${String(over).padStart(14)}  ${worst.toFixed(4).padStart(13)}`,
    );
  }
  console.log(
    o.budgetUsd === undefined
      ? `An hour is over the SLO when its measured p95 exceeds ${o.sloSec} s by more than ` +
        `${o.tolerance * 100} %; compared in ${o.elapsedSec.toFixed(1)} s.`
      : `An hour is over the budget when its measured cost per request exceeds ${o.budgetUsd} ` +
        `USD by more than ${o.tolerance * 100} %; compared in ${o.elapsedSec.toFixed(1)} s.`,
  );
}

if (import.meta.main) Deno.exit(await main(Deno.args));

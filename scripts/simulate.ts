/**
 * `deno task simulate`: the BATCH buffer simulated in virtual time, with the
 * real buffer's flags; prints a summary beside the exact model's prediction,
 * and writes the logs with `--out`.
 *
 * @module
 */

import { createProgress, SILENT_PROGRESS } from "../lib/cli/progress.ts";
import { AdaptiveController, type AdaptiveDecision } from "../lib/adapt/adaptive_controller.ts";
import { ARRIVAL_STRING_FLAGS, arrivalsFrom, positive } from "../lib/cli/arrival_flags.ts";
import { gridFromRanges } from "../lib/optimize/grid.ts";
import { parseFlags, reportUserError } from "../lib/cli/flags.ts";
import { UsageError } from "../lib/cli/usage_error.ts";
import { readProfileArgument } from "../lib/io/profile_files.ts";
import { CsvRunLog, writeRunJson } from "../lib/io/run_logs.ts";
import { exactBatchStateFor, exactLatencyPercentile } from "../lib/model/exact.ts";
import {
  invocationCostUsd,
  pricing as pricingByName,
  PRICING_NAMES,
} from "../lib/profile/pricing.ts";
import { serviceTimesSec } from "../lib/profile/service_profile.ts";
import { seededPrng } from "../lib/random/prng.ts";
import { simulateBuffer, type SimulationSummary } from "../lib/sim/simulator.ts";

const HELP = `Usage: deno task simulate [options]

Simulates the BATCH buffer in virtual time: requests wait until B have arrived
or T seconds have passed since the first, then go to Lambda as one invocation
(infinite concurrency). Prints a summary beside the exact model's prediction.

Batching and function (buffer.py's flags; snake_case or kebab-case):
  --batch_size B          max batch size                               [5]
  --time_out T            timeout from the first request, s            [1]
  --memory M              Lambda memory, MB                            [3008]
  --model NAME|FILE.json  service-time profile                         [TF-inceptionV4]
  --pricing NAME          ${PRICING_NAMES.join(", ")}          [paper]
  --extrapolate           allow the profile outside its fitted range

Arrivals:
  --arrival_process KIND  exp (Poisson), map, trace or day             [exp]
  --inter_arrival RATE    exp: arrival rate, requests/s (buffer.py's name)  [20]
  --map D0,D1             map: the two MAP files
  --trace NAME --hour H   map: hour H (1..24) of a paper trace (twitter, nys)
  --day NAME|DIR          day: 24 hourly MAPs in sequence (twitter, nys or a directory)
  --trace_path FILE       trace: inter-arrival times, s, one per line
  --timestamps            trace: the file holds absolute times instead
  --loop                  trace: start again at the end of the file

Adaptive BATCH (the controller re-optimizes from what it observes):
  --adaptive              every --window seconds fit a MAP(2) to the window's
                          arrivals, solve, and reconfigure B, T and memory
  --window S              observation window, s                        [3600]
  --slo S                 p95 latency SLO, s                           [5]
  --rate_margin X         the choice must meet the SLO at (1 ± X) times the
                          fitted rate                                  [0.25]
  --grid_memory LO:HI:STEP  memories to choose from, MB                [1280:3008:64]
  --grid_timeout LO:HI:STEP timeouts to choose from, s                 [0.01:0.49:0.01]
  --grid_batch LO:HI:STEP   max batch sizes to choose from             [1:20:1]
  The initial configuration is --batch_size, --time_out, --memory.

Run:
  --requests N            stop after N requests
  --duration S            stop arrivals after S seconds (default: 3600 for exp and map
                          without --requests; the whole day or trace otherwise)
  --seed N                random seed                                  [1]
  --service_cv CV         coefficient of variation of the service time [0]
  --cold_start S          cold-start initialisation, s (0: always warm) [0]
  --keep_alive S          idle time before an instance is gone, s      [600]
  --out DIR               write requests.csv, batches.csv and run.json
  --format FORMAT         table or json                                [table]
  -h, --help              this text

Exit codes: 0 done, 2 bad options or input files.
`;

const FLAGS = {
  batch_size: "5",
  time_out: "1",
  memory: "3008",
  model: "TF-inceptionV4",
  pricing: "paper",
  ...ARRIVAL_STRING_FLAGS,
  service_cv: "0",
  window: "3600",
  slo: "5",
  rate_margin: "0.25",
  grid_memory: "1280:3008:64",
  grid_timeout: "0.01:0.49:0.01",
  grid_batch: "1:20:1",
  cold_start: "0",
  keep_alive: "600",
  out: undefined,
  format: "table",
} as Record<string, string | undefined>;
const BOOLEAN_FLAGS = ["extrapolate", "timestamps", "loop", "help", "adaptive"];

function parse(args: string[]) {
  const parsed = parseFlags({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      ...Object.fromEntries(
        Object.entries(FLAGS).map(([k, v]) => [k, { type: "string" as const, default: v }]),
      ),
      ...Object.fromEntries(BOOLEAN_FLAGS.map((k) => [k, { type: "boolean" as const }])),
      h: { type: "boolean" as const },
    },
  });
  return parsed.values as Record<string, string | boolean | undefined>;
}

function nonNegative(name: string, text: string): number {
  const v = Number(text);
  if (text.trim() === "" || !(v >= 0) || !Number.isFinite(v)) {
    throw new UsageError(`--${name} must be a number >= 0: found '${text}'`);
  }
  return v;
}

/**
 * Runs the simulator CLI.
 *
 * @param args Command-line arguments.
 * @returns The exit code.
 */
export async function main(args: string[]): Promise<number> {
  const started = performance.now();
  let v: Record<string, string | boolean | undefined>;
  try {
    v = parse(args);
  } catch (e) {
    return reportUserError("simulate", e);
  }
  if (v.help || v.h) {
    console.log(HELP);
    return 0;
  }
  const json = v.format === "json";
  let summary: SimulationSummary, log: CsvRunLog | undefined;
  let controller: AdaptiveController | undefined;
  let config: Record<string, unknown>;
  let prediction: {
    meanBatchSize: number;
    p50: number;
    p95: number;
    p99: number;
    costPerRequestUsd: number;
  } | undefined;
  try {
    if (v.format !== "table" && v.format !== "json") {
      throw new UsageError(`--format must be table or json: found '${v.format}'`);
    }
    const maxBatch = positive("batch_size", String(v.batch_size), true);
    const timeoutSec = positive("time_out", String(v.time_out));
    const memoryMb = positive("memory", String(v.memory));
    const seed = Number(v.seed);
    if (!Number.isInteger(seed)) {
      throw new UsageError(`--seed must be an integer: found '${v.seed}'`);
    }
    const requests = v.requests === undefined
      ? undefined
      : positive("requests", String(v.requests), true);
    const finite = v.arrival_process === "day" || (v.arrival_process === "trace" && !v.loop);
    // An endless arrival stream needs a limit: one hour unless --requests is given.
    const durationSec = v.duration === undefined
      ? (requests === undefined && !finite ? 3600 : undefined)
      : positive("duration", String(v.duration));
    const serviceCv = nonNegative("service_cv", String(v.service_cv));
    const coldSec = nonNegative("cold_start", String(v.cold_start));
    const keepAliveSec = nonNegative("keep_alive", String(v.keep_alive));
    if (!(PRICING_NAMES as readonly string[]).includes(String(v.pricing))) {
      throw new UsageError(
        `--pricing must be one of ${PRICING_NAMES.join(", ")}: found '${v.pricing}'`,
      );
    }
    const price = pricingByName(String(v.pricing));
    const profile = await readProfileArgument(String(v.model));
    const extrapolate = Boolean(v.extrapolate);
    // Fail early on a profile range error, before any arrival is drawn.
    serviceTimesSec(profile, maxBatch, memoryMb, { extrapolate });
    const { stream, map, description } = await arrivalsFrom(v, seed);
    if (v.adaptive) {
      const windowSec = positive("window", String(v.window));
      const slo = positive("slo", String(v.slo));
      const rateMargin = nonNegative("rate_margin", String(v.rate_margin));
      if (!(rateMargin < 1)) {
        throw new UsageError(`--rate_margin must be within [0, 1): found '${v.rate_margin}'`);
      }
      controller = new AdaptiveController({
        windowSec,
        grid: gridFromRanges(String(v.grid_memory), String(v.grid_timeout), String(v.grid_batch)),
        profile,
        pricing: price,
        percentile: 0.95,
        constraint: "latency",
        slo,
        extrapolate,
        initial: { memoryMb, maxBatch, timeoutSec },
        rateMargin,
      });
    }
    config = {
      arrivals: description,
      maxBatch,
      timeoutSec,
      memoryMb,
      model: profile.name,
      pricing: price.name,
      seed,
      requests,
      durationSec,
      serviceCv,
      coldStart: coldSec > 0 ? { initSec: coldSec, keepAliveSec } : undefined,
    };
    if (v.out !== undefined) {
      log = new CsvRunLog(String(v.out));
      writeRunJson(log.dir, { status: "running", config, versions: { deno: Deno.version.deno } });
    }
    const progress = !json && Deno.stderr.isTerminal()
      ? createProgress({
        label: "simulate",
        write: (t) => Deno.stderr.writeSync(new TextEncoder().encode(t)),
      })
      : SILENT_PROGRESS;
    summary = simulateBuffer(stream, {
      maxBatch,
      timeoutSec,
      memoryMb,
      profile,
      pricing: price,
      extrapolate,
      requests,
      durationSec,
      serviceCv,
      prng: seededPrng(seed + 1),
      coldStart: coldSec > 0 ? { initSec: coldSec, keepAliveSec } : undefined,
      sink: log,
      adapt: controller,
      onProgress: (n) => progress.update(n, requests ?? n, `${(n / 1e6).toFixed(0)}M requests`),
    });
    progress.done();
    log?.close();
    if (log && controller) {
      await Deno.writeTextFile(
        `${log.dir}/decisions.jsonl`,
        controller.decisions.map((d) => JSON.stringify(d) + "\n").join(""),
      );
    }
    if (map && serviceCv === 0 && coldSec === 0 && !controller) {
      const state = exactBatchStateFor(map, maxBatch, timeoutSec);
      const service = serviceTimesSec(profile, maxBatch, memoryMb, { extrapolate });
      // Long-run mean cost per request: E[cost of a batch] / E[batch size].
      let batchCost = 0;
      state.batchSize.forEach((
        p,
        i,
      ) => (batchCost += p * invocationCostUsd(price, service[i], memoryMb)));
      prediction = {
        meanBatchSize: state.meanBatchSize,
        p50: exactLatencyPercentile(state, service, 0.5),
        p95: exactLatencyPercentile(state, service, 0.95),
        p99: exactLatencyPercentile(state, service, 0.99),
        costPerRequestUsd: batchCost / state.meanBatchSize,
      };
    }
  } catch (e) {
    log?.close();
    return reportUserError("simulate", e);
  }
  const elapsedSec = (performance.now() - started) / 1000;
  const out = {
    requests: summary.requests,
    batches: summary.batches,
    meanBatchSize: summary.meanBatchSize,
    latencySec: {
      p50: summary.latencySec.p50,
      p95: summary.latencySec.p95,
      p99: summary.latencySec.p99,
      mean: summary.latencySec.mean,
    },
    costPerRequestUsd: summary.costPerRequestUsd,
    elapsedSec,
    ...(controller
      ? {
        adaptive: {
          windows: controller.decisions.length,
          changes: controller.decisions.filter((d) => d.changed).length,
          decisions: controller.decisions,
        },
      }
      : {}),
  };
  if (log) {
    writeRunJson(log.dir, {
      status: "done",
      config,
      versions: { deno: Deno.version.deno },
      summary: { ...out, dispatchReasons: summary.dispatchReasons, coldStarts: summary.coldStarts },
      prediction,
    });
  }
  if (json) {
    console.log(JSON.stringify(out));
    return 0;
  }
  const rows: [string, string, string][] = [
    ["requests", String(summary.requests), ""],
    ["batches", String(summary.batches), ""],
    [
      "mean batch size",
      summary.meanBatchSize.toFixed(4),
      prediction?.meanBatchSize.toFixed(4) ?? "",
    ],
    [
      "dispatch: size / timeout / end",
      `${summary.dispatchReasons.size} / ${summary.dispatchReasons.timeout} / ${summary.dispatchReasons.shutdown}`,
      "",
    ],
    ["latency p50 (s)", summary.latencySec.p50.toFixed(4), prediction?.p50.toFixed(4) ?? ""],
    ["latency p95 (s)", summary.latencySec.p95.toFixed(4), prediction?.p95.toFixed(4) ?? ""],
    ["latency p99 (s)", summary.latencySec.p99.toFixed(4), prediction?.p99.toFixed(4) ?? ""],
    ["latency mean (s)", summary.latencySec.mean.toFixed(4), ""],
    [
      "cost per request (USD)",
      summary.costPerRequestUsd.toExponential(4),
      prediction?.costPerRequestUsd.toExponential(4) ?? "",
    ],
    ["cold starts", String(summary.coldStarts), ""],
  ];
  console.log(
    `Simulated ${config.arrivals}, B = ${config.maxBatch}, T = ${config.timeoutSec} s, ${config.memoryMb} MB, ${config.model}`,
  );
  const w0 = Math.max(...rows.map((r) => r[0].length)),
    w1 = Math.max(10, ...rows.map((r) => r[1].length));
  console.log(`${"".padEnd(w0)}  ${"simulated".padStart(w1)}  exact model`);
  for (const [a, b, c] of rows) console.log(`${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}`);
  if (controller) printDecisions(controller.decisions);
  console.log(`${elapsedSec.toFixed(3)} s${log ? `; logs in ${log.dir}` : ""}`);
  return 0;
}

function printDecisions(decisions: readonly AdaptiveDecision[]): void {
  console.log(
    `\nAdaptive: ${decisions.length} windows decided, ` +
      `${decisions.filter((d) => d.changed).length} configuration changes`,
  );
  console.log(
    "window  end (s)  arrivals  fitted rate (req/s)  memory (MB)  B  T (s)  predicted p95 (s)  decision",
  );
  for (const d of decisions) {
    console.log(
      `${String(d.window).padStart(6)}  ${d.endSec.toFixed(0).padStart(7)}  ${
        String(d.arrivals).padStart(8)
      }  ${(d.fitted?.ratePerSec.toFixed(2) ?? "-").padStart(19)}  ${
        String(d.config.memoryMb).padStart(11)
      }  ${String(d.config.maxBatch).padStart(2)}  ${
        Number(d.config.timeoutSec.toPrecision(6)).toString().padStart(5)
      }  ${
        (Number.isNaN(d.predictedLatencySec) ? "-" : d.predictedLatencySec.toFixed(3)).padStart(17)
      }  ${d.changed ? "changed: " : "kept: "}${d.reason}`,
    );
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));

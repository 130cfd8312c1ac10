/**
 * `deno task validate`: both model methods against simulations of the buffer
 * on the hourly MAPs of the paper's traces.
 *
 * @module
 */

import { createProgress, SILENT_PROGRESS } from "../lib/cli/progress.ts";
import { parseFlags, reportUserError } from "../lib/cli/flags.ts";
import { UsageError } from "../lib/cli/usage_error.ts";
import { readMapDirectory } from "../lib/io/map_files.ts";
import { readProfileArgument } from "../lib/io/profile_files.ts";
import { parseRange } from "../lib/optimize/grid.ts";
import { profileFromJson, type ServiceProfile } from "../lib/profile/service_profile.ts";
import { validateCase, type ValidationResult } from "../lib/validate/validate.ts";

const TRACES_DIR = new URL("../traces/", import.meta.url).pathname;

/** The original solver.py's `manual` model: S_k = 0.034 k + 0.01 s, a fast model. */
const MANUAL = profileFromJson({
  name: "manual",
  terms: ["1", "k"],
  coefficients: [0.01, 0.034],
  memoryRangeMb: [128, 10240],
  batchRange: [1, 1000],
});

const HELP = `Usage: deno task validate [options]

Compares the exact and the paper model with simulations of the buffer on the
hourly MAPs of the paper's traces, for each model and (B, T) asked.

Options:
  --traces LIST        traces: twitter, nys or directories, comma-separated  [twitter,nys]
  --hours LIST         hours, e.g. 1:24 or 1,8,24                             [1:24]
  --models LIST        profiles: published names, JSON files, or 'manual'
                       (S_k = 0.034 k + 0.01 s, the original's manual model)  [TF-inceptionV4,manual]
  --memory M           Lambda memory, MB                                     [3008]
  --configs LIST       B:T pairs, comma-separated                            [5:0.05,20:0.1,20:0.5]
  --requests N         simulated requests per case, at least                 [2000000]
  --min-batches N      simulate at least N batches per case (sized with the
                       exact model's mean batch size)                        [1000000]
  --seed N             simulation seed                                       [1]
  --format FORMAT      table, json or markdown (a summary for the README)   [table]
  -h, --help           this text

Errors: MAPE is the paper's measure (mean |model - simulated| / simulated over the
percentiles 1..99, %); p50/p95/p99 are relative errors (%); KS is the Kolmogorov
distance of the latency CDFs; TV the total-variation distance of the batch sizes.
A percentile flagged atom or flat sits where the CDF jumps or stays level within
the simulation's noise, so its relative error is not resolvable there.
`;

interface Options {
  traces: string[];
  hours: number[];
  models: string[];
  memoryMb: number;
  configs: { maxBatch: number; timeoutSec: number }[];
  requests: number;
  minBatches: number;
  seed: number;
  format: "table" | "json" | "markdown";
}

function parse(args: string[]): Options | "help" {
  const v = parseFlags({
    args,
    strict: true,
    options: {
      traces: { type: "string", default: "twitter,nys" },
      hours: { type: "string", default: "1:24" },
      models: { type: "string", default: "TF-inceptionV4,manual" },
      memory: { type: "string", default: "3008" },
      configs: { type: "string", default: "5:0.05,20:0.1,20:0.5" },
      requests: { type: "string", default: "2000000" },
      "min-batches": { type: "string", default: "1000000" },
      seed: { type: "string", default: "1" },
      format: { type: "string", default: "table" },
      help: { type: "boolean", short: "h" },
    },
  }).values;
  if (v.help) return "help";
  const hours = parseRange(v.hours!, { name: "--hours", integer: true, min: 1 });
  const memoryMb = Number(v.memory);
  if (!(memoryMb > 0)) throw new UsageError(`--memory must be > 0 MB: found '${v.memory}'`);
  const configs = v.configs!.split(",").map((pair) => {
    const [b, t] = pair.split(":").map(Number);
    if (!(Number.isInteger(b) && b >= 1 && t > 0)) {
      throw new UsageError(`--configs needs B:T pairs with B >= 1 and T > 0 s: found '${pair}'`);
    }
    return { maxBatch: b, timeoutSec: t };
  });
  const requests = Number(v.requests);
  if (!(Number.isInteger(requests) && requests >= 1000)) {
    throw new UsageError(`--requests must be an integer >= 1000: found '${v.requests}'`);
  }
  const seed = Number(v.seed);
  if (!Number.isInteger(seed)) throw new UsageError(`--seed must be an integer: found '${v.seed}'`);
  const minBatches = Number(v["min-batches"]);
  if (!(Number.isInteger(minBatches) && minBatches >= 0)) {
    throw new UsageError(`--min-batches must be an integer >= 0: found '${v["min-batches"]}'`);
  }
  const format = v.format!;
  if (format !== "table" && format !== "json" && format !== "markdown") {
    throw new UsageError(`--format must be table, json or markdown: found '${format}'`);
  }
  return {
    traces: v.traces!.split(","),
    hours,
    models: v.models!.split(","),
    memoryMb,
    configs,
    requests,
    minBatches,
    seed,
    format,
  };
}

const pct = (x: number) => x.toFixed(2);

function tableOutput(results: ValidationResult[]): string {
  const head = [
    "case",
    "model",
    "B",
    "T (s)",
    "exact KS",
    "TV",
    "p50 %",
    "p95 %",
    "p99 %",
    "MAPE %",
    "paper KS",
    "p50 %",
    "p95 %",
    "p99 %",
    "MAPE %",
    "flags",
  ];
  const rows = results.map((r) => [
    r.label,
    r.model,
    String(r.maxBatch),
    String(r.timeoutSec),
    r.exact.kolmogorov.toFixed(4),
    r.exact.batchSizeTv.toFixed(4),
    pct(r.exact.p50ErrPct),
    pct(r.exact.p95ErrPct),
    pct(r.exact.p99ErrPct),
    pct(r.exact.mapePct),
    r.paper.kolmogorov.toFixed(4),
    pct(r.paper.p50ErrPct),
    pct(r.paper.p95ErrPct),
    pct(r.paper.p99ErrPct),
    pct(r.paper.mapePct),
    Object.entries(r.flags).map(([k, f]) => `${k} ${f}`).join(", "),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(head), ...rows.map(line)].join("\n");
}

/** Worst errors per (model, B, T) over the cases: the README's table. */
function markdownOutput(results: ValidationResult[], o: Options): string {
  const groups = new Map<string, ValidationResult[]>();
  for (const r of results) {
    const key = `${r.model}|${r.maxBatch}|${r.timeoutSec}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const lines = [
    `Worst case over ${new Set(results.map((r) => r.label)).size} hourly MAPs ` +
    `(${o.traces.join(", ")}), ${o.memoryMb} MB, at least ${o.requests.toLocaleString("en")} ` +
    `simulated requests and ${o.minBatches.toLocaleString("en")} batches per case ` +
    `(${results.reduce((a, r) => a + r.simulated.requests, 0).toLocaleString("en")} requests in ` +
    `all, seed ${o.seed}); percentiles flagged atom/flat are left out of the p-columns.`,
    "",
    "| model | B | T (s) | exact: max KS | max TV | max p50/p95/p99 err % | mean MAPE % | paper: max KS | max p50/p95/p99 err % | mean MAPE % | max MAPE % |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  const maxErr = (rs: ValidationResult[], m: "exact" | "paper") => {
    let worst = 0;
    for (const r of rs) {
      for (
        const [k, field] of [["p50", "p50ErrPct"], ["p95", "p95ErrPct"], [
          "p99",
          "p99ErrPct",
        ]] as const
      ) {
        if (r.flags[k]) continue;
        worst = Math.max(worst, r[m][field]);
      }
    }
    return worst;
  };
  for (const [key, rs] of groups) {
    const [model, b, t] = key.split("|");
    const max = (f: (r: ValidationResult) => number) => Math.max(...rs.map(f));
    const mean = (f: (r: ValidationResult) => number) =>
      rs.reduce((a, r) => a + f(r), 0) / rs.length;
    lines.push(
      `| ${model} | ${b} | ${t} | ${max((r) => r.exact.kolmogorov).toFixed(4)} | ` +
        `${max((r) => r.exact.batchSizeTv).toFixed(4)} | ${pct(maxErr(rs, "exact"))} | ` +
        `${pct(mean((r) => r.exact.mapePct))} | ${max((r) => r.paper.kolmogorov).toFixed(4)} | ` +
        `${pct(maxErr(rs, "paper"))} | ${pct(mean((r) => r.paper.mapePct))} | ` +
        `${pct(max((r) => r.paper.mapePct))} |`,
    );
  }
  const flagged = results.flatMap((r) =>
    Object.entries(r.flags).map(([k, f]) =>
      `${r.label} ${r.model} B=${r.maxBatch} T=${r.timeoutSec}: ${k} ${f}`
    )
  );
  if (flagged.length) lines.push("", `Flagged percentiles: ${flagged.join("; ")}.`);
  return lines.join("\n");
}

/**
 * Runs the validation CLI.
 *
 * @param args Command-line arguments.
 * @returns The exit code.
 */
export async function main(args: string[]): Promise<number> {
  let o: Options;
  const cases: { label: string; map: Parameters<typeof validateCase>[0]["map"] }[] = [];
  const profiles: ServiceProfile[] = [];
  try {
    const parsed = parse(args);
    if (parsed === "help") {
      console.log(HELP);
      return 0;
    }
    o = parsed;
    for (const m of o.models) profiles.push(m === "manual" ? MANUAL : await readProfileArgument(m));
    for (const trace of o.traces) {
      const lower = trace.toLowerCase();
      const dir = lower === "twitter" || lower === "nys" ? `${TRACES_DIR}${lower}` : trace;
      const hours = await readMapDirectory(dir);
      for (const { hour, map } of hours) {
        if (o.hours.includes(hour)) cases.push({ label: `${trace} ${hour}`, map });
      }
    }
    if (cases.length === 0) throw new UsageError(`no hour of ${o.traces.join(", ")} in --hours`);
  } catch (e) {
    return reportUserError("validate", e);
  }
  const total = cases.length * profiles.length * o.configs.length;
  const progress = o.format !== "json" && Deno.stderr.isTerminal()
    ? createProgress({
      label: "validate",
      write: (t) => Deno.stderr.writeSync(new TextEncoder().encode(t)),
    })
    : SILENT_PROGRESS;
  const results: ValidationResult[] = [];
  const started = performance.now();
  for (const c of cases) {
    for (const profile of profiles) {
      for (const { maxBatch, timeoutSec } of o.configs) {
        results.push(
          validateCase(
            { ...c, maxBatch, timeoutSec, memoryMb: o.memoryMb, profile },
            { requests: o.requests, minBatches: o.minBatches, seed: o.seed, extrapolate: true },
          ),
        );
        progress.update(results.length, total, `${c.label} ${profile.name}`);
      }
    }
  }
  progress.done();
  const elapsedSec = (performance.now() - started) / 1000;
  if (o.format === "json") console.log(JSON.stringify({ results, elapsedSec }));
  else if (o.format === "markdown") console.log(markdownOutput(results, o));
  else {console.log(
      `${tableOutput(results)}\n${results.length} cases in ${elapsedSec.toFixed(1)} s`,
    );}
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));

/**
 * `deno task validate`: both model methods against simulations of the buffer
 * on the hourly MAPs of the paper's traces; with `--cold-starts`, the exact
 * method's cold-start probability against the simulator's instance pool.
 *
 * @module
 */

import { checkProfileOnGrid } from "../lib/cli/solve_flags.ts";
import { createProgress, SILENT_PROGRESS } from "../lib/cli/progress.ts";
import { explainFileError } from "../lib/cli/file_errors.ts";
import {
  flagAsTyped,
  hourListFlag,
  numberFlag,
  numberInRange,
  oneOfFlag,
  parseFlags,
  reportUserError,
} from "../lib/cli/flags.ts";
import { UsageError } from "../lib/cli/usage_error.ts";
import { readMapDirectory } from "../lib/io/map_files.ts";
import { readProfileArgument } from "../lib/io/profile_files.ts";
import { type MapProcess, mapProcess, poissonProcess } from "../lib/map/map_process.ts";
import { arrivalRatePerSec } from "../lib/map/moments.ts";
import { withServiceCv } from "../lib/profile/service_distribution.ts";
import { initSecAt, profileFromJson, type ServiceProfile } from "../lib/profile/service_profile.ts";
import {
  validateCase,
  type ValidationResult,
  validationServiceTimesSec,
} from "../lib/validate/validate.ts";
import {
  type ColdStartValidation,
  type ColdStartValidationCase,
  coldStartValidationMarkdown,
  planColdStartRun,
  validateColdStarts,
} from "../lib/validate/cold_starts.ts";

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
       deno task validate --cold-starts [options]

Compares the exact and the paper model with simulations of the buffer on the
hourly MAPs of the paper's traces, for each model and (B, T) asked. With
--cold-starts, compares the exact method's probability that a batch starts
cold with the fraction the simulator's instance pool counts, for each arrival
rate and keep-alive asked.

Options:
  --trace LIST         traces: twitter, nys or directories of MAP<h>_D0/_D1
                       files, and the synthetic poisson (20 requests/s) and
                       bursty (a MAP(2) of 5 and 150 requests/s phases), one
                       case each, comma-separated (also --traces)  [twitter,nys]
                       With --cold-starts: poisson and bursty only, scaled to
                       each of --rates                             [poisson]
  --hour LIST          hours 1..24 (hour h covers h-1..h): a list, a range or
                       both, e.g. 8, 1,8,24, 1:24 or 1:4,20:24 (also --hours)
                                                        [every hour of the trace]
  --model LIST         profiles: published names, JSON files, or 'manual'
                       (S_k = 0.034 k + 0.01 s, the original's manual model),
                       comma-separated (also --models)   [TF-inceptionV4,manual]
  --service LIST       how the service time varies around each model's mean:
                       deterministic, gamma:CV or lognormal:CV, comma-
                       separated (also --services); the paper method has no
                       variable case (its columns print -)   [deterministic]
                       With --cold-starts                  [deterministic,gamma:1]
  --memory M           Lambda memory, MB, within 128..10240            [3008]
  --configs LIST       B:T pairs (max batch, timeout in s), comma-separated
                                                       [5:0.05,20:0.1,20:0.5]
                       With --cold-starts (T does nothing at B = 1)
                                                        [1:0.1,5:0.05,20:0.5]
  --extrapolate        evaluate profiles outside the memories and batch sizes
                       they were fitted on (refused otherwise; refused too
                       when no profile needs it)
  --requests N         simulated requests per case, at least            [2000000]
                       With --cold-starts: at most, warm-up included   [10000000]
  --min-batches N      simulate at least N batches per case (sized with the
                       exact model's mean batch size)                   [1000000]
  --seed N             simulation seed                                  [1]
  --format FORMAT      table, csv, json, or markdown (a summary for the
                       README)                                          [table]
  -h, --help           this text

Cold starts (--cold-starts and the flags only it takes):
  --cold-starts        validate the cold-start probability instead
  --rates LIST         arrival rates, requests/s, comma-separated (also
                       --rate)                              [0.1,1,10,50,200]
  --keep-alive LIST    idle time before an environment is reclaimed, s,
                       comma-separated                           [1,10,60,600]
  --cold-start S       a new environment's initialisation (Init Duration),
                       s, > 0 (also --init)  [a profile's coldStart, else 0.25]

Errors: MAPE is the paper's measure (mean |model - simulated| / simulated over the
percentiles 1..99, %); p50/p95/p99 are relative errors (%); KS is the Kolmogorov
distance of the latency CDFs; TV the total-variation distance of the batch sizes.
A percentile flagged atom or flat sits where the CDF jumps or stays level within
the simulation's noise, so its relative error is not resolvable there.

Cold starts: each case simulates the buffer with the simulator's pool (most
recently freed environment reused first) and counts the batches dispatched
after a warm-up of 2 keep-alives plus 20 times the longest mean holding time
(Init + S_B), since the run starts with no environment and a stationary model
leaves the pool's building out. The run counts at least 50 keep-alive windows,
2,000 expected cold starts and 20,000 batches, within --requests. Reported: the
predicted and simulated fractions, the binomial standard error, the ratio
simulated / predicted, whether it is within 10 %, and z, the difference over
the larger of the binomial standard error at the prediction and a batch-means
one (20 blocks: cold starts cluster); "noise" when |z| <= 3.

Exit codes: 0 validated; 2 bad options, a trace or model that cannot be read,
or a profile that cannot serve a case (outside its fitted range without
--extrapolate, or a service time that is not positive or falls with the batch),
or --requests too small for a cold-start case's warm-up.
`;

/** The published paper traces, by the names the flags take. */
const PAPER_TRACES = ["twitter", "nys"];

/**
 * Synthetic arrivals `--trace` also takes, each one case: Poisson at 20
 * requests/s, and a bursty MAP(2) (phases of 5 and 150 requests/s, about 12
 * requests/s on average, squared coefficient of variation of the gaps well above 1).
 */
const SYNTHETIC: Record<string, { label: string; map: MapProcess }> = {
  poisson: { label: "poisson 20/s", map: poissonProcess(20) },
  bursty: {
    label: "bursty MAP(2)",
    map: mapProcess([[-6, 0.5], [1, -151]], [[5, 0.5], [30, 120]]),
  },
};

/** A `--service` item: deterministic, or gamma/lognormal with a CV. */
interface ServiceCase {
  distribution?: "gamma" | "lognormal";
  cv: number;
}

/** What `--cold-starts` validates: every rate and keep-alive, for each arrival shape. */
interface ColdStartOptions {
  /** poisson and bursty, each scaled to every rate. */
  shapes: ("poisson" | "bursty")[];
  ratesPerSec: number[];
  keepAlivesSec: number[];
  /** `--cold-start` as given: the Init of every model. */
  initSec?: number;
}

interface Options {
  traces: string[];
  /** The hours asked, or undefined for every hour of each trace. */
  hours?: number[];
  models: string[];
  services: ServiceCase[];
  memoryMb: number;
  configs: { maxBatch: number; timeoutSec: number }[];
  extrapolate: boolean;
  requests: number;
  minBatches: number;
  seed: number;
  format: "table" | "csv" | "json" | "markdown";
  /** With `--cold-starts`: its cases. */
  coldStarts?: ColdStartOptions;
  typed: Record<string, string>;
}

/** The defaults that differ with `--cold-starts` (the usual ones first). */
const DEFAULTS = {
  trace: ["twitter,nys", "poisson"],
  service: ["deterministic", "deterministic,gamma:1"],
  configs: ["5:0.05,20:0.1,20:0.5", "1:0.1,5:0.05,20:0.5"],
  requests: ["2000000", "10000000"],
} as const;

/** The Init of a cold start when neither `--cold-start` nor the profile gives one, s. */
const DEFAULT_INIT_SEC = 0.25;

/** A comma list with no empty item. */
function listFlag(name: string, text: string): string[] {
  const items = text.split(",").map((s) => s.trim());
  if (items.some((s) => s === "")) {
    throw new UsageError(`${name} must be a comma-separated list: found '${text}'`);
  }
  return items;
}

function parse(args: string[]): Options | "help" {
  const { values: v, typed } = parseFlags({
    args,
    strict: true,
    options: {
      trace: { type: "string" },
      hour: { type: "string" },
      model: { type: "string", default: "TF-inceptionV4,manual" },
      service: { type: "string" },
      memory: { type: "string", default: "3008" },
      configs: { type: "string" },
      extrapolate: { type: "boolean", default: false },
      requests: { type: "string" },
      "min-batches": { type: "string" },
      seed: { type: "string", default: "1" },
      format: { type: "string", default: "table" },
      "cold-starts": { type: "boolean", default: false },
      rates: { type: "string" },
      "keep-alive": { type: "string" },
      "cold-start": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    aliases: {
      traces: "trace",
      hours: "hour",
      models: "model",
      services: "service",
      rate: "rates",
      init: "cold-start",
    },
  });
  if (v.help) return "help";
  const flag = (name: string) => flagAsTyped(typed, name);
  const cold = v["cold-starts"]!;
  const mode = cold ? 1 : 0;
  if (cold) {
    const why: Record<string, string> = {
      hour: "its arrivals are poisson or bursty at each of --rates",
      "min-batches": "its runs count 50 keep-alive windows, 2,000 expected cold starts and " +
        "20,000 batches after the warm-up, within --requests",
    };
    for (const [name, reason] of Object.entries(why)) {
      if (v[name as keyof typeof v] !== undefined) {
        throw new UsageError(`${flag(name)} does nothing with ${flag("cold-starts")}: ${reason}`);
      }
    }
  } else {
    for (const name of ["rates", "keep-alive", "cold-start"] as const) {
      if (v[name] !== undefined) {
        throw new UsageError(
          `${flag(name)} needs --cold-starts: without it the cases are the traces' hours`,
        );
      }
    }
  }
  const configsFlag = flag("configs");
  const configs = listFlag(configsFlag, v.configs ?? DEFAULTS.configs[mode]).map((pair) => {
    const [b, t, more] = pair.split(":");
    const bad = (why: string) =>
      new UsageError(`${configsFlag} must be B:T pairs, ${why}: found '${pair}'`);
    if (t === undefined || more !== undefined) throw bad("such as 20:0.1");
    const maxBatch = numberFlag(configsFlag, b)!, timeoutSec = numberFlag(configsFlag, t)!;
    if (!(Number.isInteger(maxBatch) && maxBatch >= 1 && maxBatch <= 1000)) {
      throw bad("B an integer within 1..1000");
    }
    if (!(timeoutSec > 0 && timeoutSec <= 3600)) throw bad("T within (0, 3600] s");
    return { maxBatch, timeoutSec };
  });
  const serviceFlag = flag("service");
  const services = listFlag(serviceFlag, v.service ?? DEFAULTS.service[mode]).map(
    (item): ServiceCase => {
      if (item === "deterministic") return { cv: 0 };
      const [distribution, cv, more] = item.split(":");
      if (
        (distribution !== "gamma" && distribution !== "lognormal") || cv === undefined ||
        more !== undefined
      ) {
        throw new UsageError(
          `${serviceFlag} takes deterministic, gamma:CV or lognormal:CV: found '${item}'`,
        );
      }
      return {
        distribution,
        cv: numberInRange(serviceFlag, cv ?? "", { min: 0, max: 10, minExclusive: true }),
      };
    },
  );
  const traces = listFlag(flag("trace"), v.trace ?? DEFAULTS.trace[mode]);
  let coldStarts: ColdStartOptions | undefined;
  if (cold) {
    const shapes = traces.map((t) => {
      const shape = t.toLowerCase();
      if (shape !== "poisson" && shape !== "bursty") {
        throw new UsageError(
          `${flag("trace")} with ${flag("cold-starts")} takes poisson or bursty (scaled to ` +
            `each of --rates): found '${t}'`,
        );
      }
      return shape;
    });
    const positive = (name: string, text: string, unit: string) =>
      listFlag(flag(name), text).map((x) =>
        numberInRange(flag(name), x, { min: 0, minExclusive: true, unit })
      );
    coldStarts = {
      shapes,
      ratesPerSec: positive("rates", v.rates ?? "0.1,1,10,50,200", "requests/s"),
      keepAlivesSec: positive("keep-alive", v["keep-alive"] ?? "1,10,60,600", "s"),
      initSec: v["cold-start"] === undefined ? undefined : numberInRange(
        flag("cold-start"),
        v["cold-start"],
        { min: 0, minExclusive: true, max: 900, unit: "s" },
      ),
    };
  }
  return {
    traces,
    services,
    hours: v.hour === undefined ? undefined : hourListFlag(flag("hour"), v.hour),
    models: listFlag(flag("model"), v.model!),
    memoryMb: numberInRange(flag("memory"), v.memory!, {
      min: 128,
      max: 10240,
      integer: true,
      unit: "MB",
    }),
    configs,
    extrapolate: v.extrapolate!,
    requests: numberInRange(flag("requests"), v.requests ?? DEFAULTS.requests[mode], {
      min: 1000,
      integer: true,
    }),
    minBatches: numberInRange(flag("min-batches"), v["min-batches"] ?? "1000000", {
      min: 0,
      integer: true,
    }),
    seed: numberInRange(flag("seed"), v.seed!, { integer: true }),
    format: oneOfFlag(flag("format"), v.format!, ["table", "csv", "json", "markdown"] as const),
    coldStarts,
    typed,
  };
}

/** One case: a trace's hour. */
interface Case {
  trace: string;
  hour: number;
  label: string;
  map: MapProcess;
}

/** The hours asked of each trace, read; naming the trace flag and the hours missing. */
async function readCases(o: Options): Promise<Case[]> {
  const traceFlag = flagAsTyped(o.typed, "trace");
  const cases: Case[] = [];
  for (const trace of o.traces) {
    const lower = trace.toLowerCase();
    const synthetic = SYNTHETIC[lower];
    if (synthetic) {
      cases.push({ trace: lower, hour: 0, ...synthetic });
      continue;
    }
    const dir = PAPER_TRACES.includes(lower) ? `${TRACES_DIR}${lower}` : trace;
    let hours;
    try {
      hours = await readMapDirectory(dir);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) {
        throw new UsageError(
          `${traceFlag} ${trace}: not twitter or nys, and ${
            (e as Error).message.replace(
              /^Cannot read the MAPs as /,
              "",
            )
          }`,
          { cause: e },
        );
      }
      throw explainFileError(e, {
        path: trace,
        flag: traceFlag,
        kind: "directory",
        access: "read",
      });
    }
    const has = hours.map((h) => h.hour);
    const missing = (o.hours ?? []).filter((h) => !has.includes(h));
    if (missing.length > 0) {
      throw new UsageError(
        `${traceFlag} ${trace} has no hour ${missing.join(", ")} of ${
          flagAsTyped(o.typed, "hour")
        } (it has ${has.join(", ")})`,
      );
    }
    for (const { hour, map } of hours) {
      if (o.hours === undefined || o.hours.includes(hour)) {
        cases.push({ trace, hour, label: `${trace} ${hour}`, map });
      }
    }
  }
  return cases;
}

/**
 * Checks every profile against the memory and the configurations before any
 * simulation: the range it was fitted on (as solve does, with
 * `--extrapolate`), and times both methods can use.
 */
function checkProfiles(profiles: ServiceProfile[], o: Options): void {
  const maxBatches = [...new Set(o.configs.map((c) => c.maxBatch))];
  const grid = {
    memoriesMb: [o.memoryMb],
    timeoutsSec: o.configs.map((c) => c.timeoutSec),
    maxBatches,
  };
  const typed = {
    "grid-memory": flagAsTyped(o.typed, "memory"),
    "grid-batch": flagAsTyped(o.typed, "configs"),
    extrapolate: flagAsTyped(o.typed, "extrapolate"),
  };
  const outside = (p: ServiceProfile) =>
    o.memoryMb < p.memoryRangeMb[0] || o.memoryMb > p.memoryRangeMb[1] ||
    Math.max(...maxBatches) > p.batchRange[1] || p.batchRange[0] > 1;
  if (o.extrapolate && !profiles.some(outside)) {
    throw new UsageError(
      `${typed.extrapolate} does nothing here: ${
        flagAsTyped(o.typed, "memory")
      } ${o.memoryMb} MB ` +
        `and the batches of ${typed["grid-batch"]} lie within the range ` +
        `${profiles.length === 1 ? "the profile was" : "every profile was"} fitted on ` +
        `(${
          profiles.map((p) =>
            `'${p.name}': ${p.memoryRangeMb[0]}..${p.memoryRangeMb[1]} MB, batches ` +
            `${p.batchRange[0]}..${p.batchRange[1]}`
          ).join("; ")
        })`,
    );
  }
  for (const p of profiles) {
    checkProfileOnGrid(p, { grid, extrapolate: o.extrapolate && outside(p), typed });
    // The paper method's condition (times that do not fall with the batch) is no
    // condition of the cold-start model.
    if (o.coldStarts) continue;
    for (const b of maxBatches) {
      validationServiceTimesSec(p, b, o.memoryMb, { extrapolate: o.extrapolate });
    }
  }
}

const pct = (x: number) => x.toFixed(2);

function tableOutput(results: ValidationResult[]): string {
  const head = [
    "case",
    "model",
    "service",
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
    r.service,
    String(r.maxBatch),
    String(r.timeoutSec),
    r.exact.kolmogorov.toFixed(4),
    r.exact.batchSizeTv.toFixed(4),
    pct(r.exact.p50ErrPct),
    pct(r.exact.p95ErrPct),
    pct(r.exact.p99ErrPct),
    pct(r.exact.mapePct),
    r.paper?.kolmogorov.toFixed(4) ?? "-",
    r.paper ? pct(r.paper.p50ErrPct) : "-",
    r.paper ? pct(r.paper.p95ErrPct) : "-",
    r.paper ? pct(r.paper.p99ErrPct) : "-",
    r.paper ? pct(r.paper.mapePct) : "-",
    Object.entries(r.flags).map(([k, f]) => `${k} ${f}`).join(", "),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(head), ...rows.map(line)].join("\n");
}

/** Worst errors per (model, B, T) over the cases: the README's table. */
function markdownOutput(results: ValidationResult[], o: Options): string {
  const groups = new Map<string, ValidationResult[]>();
  for (const r of results) {
    const key = `${r.model}|${r.service}|${r.maxBatch}|${r.timeoutSec}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const lines = [
    `Worst case over ${new Set(results.map((r) => r.label)).size} MAPs ` +
    `(${o.traces.join(", ")}), ${o.memoryMb} MB, at least ${o.requests.toLocaleString("en")} ` +
    `simulated requests and ${o.minBatches.toLocaleString("en")} batches per case ` +
    `(${results.reduce((a, r) => a + r.simulated.requests, 0).toLocaleString("en")} requests in ` +
    `all, seed ${o.seed}); percentiles flagged atom/flat are left out of the p-columns.`,
    "",
    "| model | service | B | T (s) | exact: max KS | max TV | max p50/p95/p99 err % | mean MAPE % | paper: max KS | max p50/p95/p99 err % | mean MAPE % | max MAPE % |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
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
        worst = Math.max(worst, r[m]?.[field] ?? NaN);
      }
    }
    return worst;
  };
  for (const [key, rs] of groups) {
    const [model, service, b, t] = key.split("|");
    const max = (f: (r: ValidationResult) => number) => Math.max(...rs.map(f));
    const mean = (f: (r: ValidationResult) => number) =>
      rs.reduce((a, r) => a + f(r), 0) / rs.length;
    const paper = rs.every((r) => r.paper !== undefined)
      ? `${max((r) => r.paper!.kolmogorov).toFixed(4)} | ${pct(maxErr(rs, "paper"))} | ` +
        `${pct(mean((r) => r.paper!.mapePct))} | ${pct(max((r) => r.paper!.mapePct))}`
      : "- | - | - | -";
    lines.push(
      `| ${model} | ${service} | ${b} | ${t} | ${max((r) => r.exact.kolmogorov).toFixed(4)} | ` +
        `${max((r) => r.exact.batchSizeTv).toFixed(4)} | ${pct(maxErr(rs, "exact"))} | ` +
        `${pct(mean((r) => r.exact.mapePct))} | ${paper} |`,
    );
  }
  const flagged = results.flatMap((r) =>
    Object.entries(r.flags).map(([k, f]) =>
      `${r.label} ${r.model} (${r.service}) B=${r.maxBatch} T=${r.timeoutSec}: ${k} ${f}`
    )
  );
  if (flagged.length) lines.push("", `Flagged percentiles: ${flagged.join("; ")}.`);
  return lines.join("\n");
}

/** A CSV field, quoted when it must be. */
function csvField(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One row per case, every figure at full precision. */
function csvOutput(results: ValidationResult[], cases: Case[]): string {
  const methodColumns = [
    "ks",
    "tv",
    "p50_err_pct",
    "p95_err_pct",
    "p99_err_pct",
    "mape_pct",
    "p50_sec",
    "p95_sec",
    "p99_sec",
  ];
  const head = [
    "trace",
    "hour",
    "model",
    "service",
    "memory_mb",
    "max_batch",
    "timeout_sec",
    "simulated_requests",
    "simulated_batches",
    "simulated_p50_sec",
    "simulated_p95_sec",
    "simulated_p99_sec",
    ...methodColumns.map((c) => `exact_${c}`),
    ...methodColumns.map((c) => `paper_${c}`),
    "flags",
  ];
  const method = (m: ValidationResult["paper"]) =>
    m === undefined ? methodColumns.map(() => "") : [
      m.kolmogorov,
      m.batchSizeTv,
      m.p50ErrPct,
      m.p95ErrPct,
      m.p99ErrPct,
      m.mapePct,
      m.p50Sec,
      m.p95Sec,
      m.p99Sec,
    ];
  const rows = results.map((r, i) =>
    [
      cases[i].trace,
      cases[i].hour,
      r.model,
      r.service,
      r.memoryMb,
      r.maxBatch,
      r.timeoutSec,
      r.simulated.requests,
      r.simulated.batches,
      r.simulated.p50Sec,
      r.simulated.p95Sec,
      r.simulated.p99Sec,
      ...method(r.exact),
      ...method(r.paper),
      Object.entries(r.flags).map(([k, f]) => `${k} ${f}`).join("; "),
    ].map((x) => csvField(String(x))).join(",")
  );
  return [head.join(","), ...rows].join("\n");
}

/** `map` with every rate times `factor`: the same shape, `factor` times faster. */
function scaledMap(map: MapProcess, factor: number): MapProcess {
  const scale = (m: readonly (readonly number[])[]) => m.map((row) => row.map((x) => x * factor));
  return mapProcess(scale(map.d0), scale(map.d1));
}

/** The cold-start cases: each profile, (B, T), arrival shape, rate and keep-alive. */
function coldStartCases(
  o: Options,
  co: ColdStartOptions,
  profiles: ServiceProfile[],
): ColdStartValidationCase[] {
  const bursty = SYNTHETIC.bursty.map, burstyRate = arrivalRatePerSec(bursty);
  const cases: ColdStartValidationCase[] = [];
  for (const profile of profiles) {
    // --cold-start, else the profile's own coldStart (the library reads it), else 0.25 s.
    const initSec = co.initSec ??
      (initSecAt(profile, o.memoryMb) === undefined ? DEFAULT_INIT_SEC : undefined);
    for (const { maxBatch, timeoutSec } of o.configs) {
      for (const shape of co.shapes) {
        for (const rate of co.ratesPerSec) {
          const map = shape === "poisson"
            ? poissonProcess(rate)
            : scaledMap(bursty, rate / burstyRate);
          for (const keepAliveSec of co.keepAlivesSec) {
            cases.push({
              label: `${shape} ${rate}/s`,
              map,
              maxBatch,
              timeoutSec,
              memoryMb: o.memoryMb,
              profile,
              keepAliveSec,
              initSec,
            });
          }
        }
      }
    }
  }
  return cases;
}

/** A fraction in %, to 3 significant digits. */
const pct3 = (x: number) => Number.isFinite(x) ? String(+(100 * x).toPrecision(3)) : "-";

function coldStartTable(results: ColdStartValidation[]): string {
  const head = [
    "case",
    "model",
    "service",
    "B",
    "T (s)",
    "keep-alive (s)",
    "rho",
    "predicted %",
    "simulated %",
    "se %",
    "block se %",
    "ratio",
    "z",
    "within",
    "batches",
    "cold",
  ];
  const rows = results.map((r) => [
    r.label,
    r.model,
    r.service,
    String(r.maxBatch),
    r.maxBatch === 1 ? "-" : String(r.timeoutSec),
    String(r.keepAliveSec),
    String(+r.plan.occupancy.toPrecision(3)),
    pct3(r.plan.probability),
    pct3(r.simulated.fraction),
    pct3(r.simulated.standardError),
    pct3(r.simulated.blockStandardError),
    Number.isFinite(r.ratio) ? r.ratio.toFixed(3) : "-",
    Number.isFinite(r.zScore) ? r.zScore.toFixed(1) : "-",
    [r.within10Pct ? "10 %" : "", r.withinNoise ? "noise" : "", r.plan.capped ? "(capped)" : ""]
      .filter((x) => x).join(" ") || "-",
    String(r.simulated.countedBatches),
    String(r.simulated.coldStarts),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i < 3 || i === 13 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join("  ").trimEnd();
  const within = results.filter((r) => r.within10Pct).length;
  const noise = results.filter((r) => r.withinNoise).length;
  return [
    line(head),
    ...rows.map(line),
    `within 10 %: ${within} of ${results.length}; within noise (|z| <= 3): ${noise} of ` +
    `${results.length}`,
  ].join("\n");
}

/** One row per cold-start case, every figure at full precision. */
function coldStartCsv(results: ColdStartValidation[]): string {
  const head = [
    "case",
    "arrival_rate_per_sec",
    "model",
    "service",
    "memory_mb",
    "max_batch",
    "timeout_sec",
    "keep_alive_sec",
    "init_sec",
    "mean_batch_size",
    "batch_rate_per_sec",
    "mean_hold_sec",
    "occupancy",
    "predicted",
    "simulated",
    "standard_error",
    "block_standard_error",
    "ratio",
    "z",
    "within_10_pct",
    "within_noise",
    "requests",
    "batches",
    "warmup_sec",
    "counted_batches",
    "cold_starts",
    "all_cold_starts",
    "keep_alive_windows",
    "capped",
  ];
  const rows = results.map((r) =>
    [
      r.label,
      r.plan.arrivalRatePerSec,
      r.model,
      r.service,
      r.memoryMb,
      r.maxBatch,
      r.timeoutSec,
      r.keepAliveSec,
      r.plan.initSec,
      r.plan.meanBatchSize,
      r.plan.batchRatePerSec,
      r.plan.meanHoldSec,
      r.plan.occupancy,
      r.plan.probability,
      r.simulated.fraction,
      r.simulated.standardError,
      r.simulated.blockStandardError,
      r.ratio,
      r.zScore,
      r.within10Pct,
      r.withinNoise,
      r.simulated.requests,
      r.simulated.batches,
      r.plan.warmupSec,
      r.simulated.countedBatches,
      r.simulated.coldStarts,
      r.simulated.allColdStarts,
      r.simulated.keepAliveWindows,
      r.plan.capped,
    ].map((x) => csvField(String(x))).join(",")
  );
  return [head.join(","), ...rows].join("\n");
}

/** Validates every cold-start case (planned already) and prints the results. */
function runColdStarts(o: Options, cases: ColdStartValidationCase[]): number {
  const progress = (o.format === "table" || o.format === "markdown") && Deno.stderr.isTerminal()
    ? createProgress({
      label: "validate --cold-starts",
      write: (t) => Deno.stderr.writeSync(new TextEncoder().encode(t)),
    })
    : SILENT_PROGRESS;
  const options = { maxRequests: o.requests, seed: o.seed, extrapolate: o.extrapolate };
  const results: ColdStartValidation[] = [];
  const started = performance.now();
  for (const c of cases) {
    results.push(validateColdStarts(c, options));
    progress.update(results.length, cases.length, `${c.label} ${c.profile.name}`);
  }
  progress.done();
  const elapsedSec = (performance.now() - started) / 1000;
  if (o.format === "json") console.log(JSON.stringify({ results, elapsedSec }));
  else if (o.format === "csv") console.log(coldStartCsv(results));
  else if (o.format === "markdown") console.log(coldStartValidationMarkdown(results));
  else {
    console.log(
      `${coldStartTable(results)}\n${results.length} case${results.length === 1 ? "" : "s"} in ` +
        `${elapsedSec.toFixed(1)} s`,
    );
  }
  return 0;
}

/**
 * Runs the validation CLI.
 *
 * @param args Command-line arguments.
 * @returns The exit code: 0 validated, 2 bad options or inputs.
 */
export async function main(args: string[]): Promise<number> {
  let o: Options;
  let cases: Case[] = [];
  let coldCases: ColdStartValidationCase[] | undefined;
  const profiles: ServiceProfile[] = [];
  try {
    const parsed = parse(args);
    if (parsed === "help") {
      console.log(HELP);
      return 0;
    }
    o = parsed;
    const modelFlag = flagAsTyped(o.typed, "model");
    const read: ServiceProfile[] = [];
    for (const m of o.models) {
      try {
        read.push(m === "manual" ? MANUAL : await readProfileArgument(m));
      } catch (e) {
        throw explainFileError(e, { path: m, flag: modelFlag, kind: "file", access: "read" });
      }
    }
    checkProfiles(read, o);
    for (const p of read) {
      for (const sc of o.services) {
        profiles.push(sc.distribution ? withServiceCv(p, sc.cv, sc.distribution) : p);
      }
    }
    if (o.coldStarts) {
      coldCases = coldStartCases(o, o.coldStarts, profiles);
      // Every run sized before any is simulated: a cap too small is refused up front.
      const requestsFlag = flagAsTyped(o.typed, "requests");
      for (const c of coldCases) {
        const plan = planColdStartRun(c, { maxRequests: o.requests, extrapolate: o.extrapolate });
        if (plan.leastRequests > o.requests) {
          throw new UsageError(
            `${requestsFlag} ${o.requests} is too small for ${c.label} (${c.profile.name}, ` +
              `B = ${c.maxBatch}, keep-alive ${c.keepAliveSec} s): its warm-up of ` +
              `${+plan.warmupSec.toPrecision(4)} s and 20,000 counted batches take about ` +
              `${plan.leastRequests} requests`,
          );
        }
      }
    } else cases = await readCases(o);
  } catch (e) {
    return reportUserError("validate", e);
  }
  if (coldCases) return runColdStarts(o, coldCases);
  const total = cases.length * profiles.length * o.configs.length;
  const progress = (o.format === "table" || o.format === "markdown") && Deno.stderr.isTerminal()
    ? createProgress({
      label: "validate",
      write: (t) => Deno.stderr.writeSync(new TextEncoder().encode(t)),
    })
    : SILENT_PROGRESS;
  const results: ValidationResult[] = [];
  const resultCases: Case[] = [];
  const started = performance.now();
  for (const c of cases) {
    for (const profile of profiles) {
      for (const { maxBatch, timeoutSec } of o.configs) {
        results.push(
          validateCase(
            { label: c.label, map: c.map, maxBatch, timeoutSec, memoryMb: o.memoryMb, profile },
            {
              requests: o.requests,
              minBatches: o.minBatches,
              seed: o.seed,
              extrapolate: o.extrapolate,
            },
          ),
        );
        resultCases.push(c);
        progress.update(results.length, total, `${c.label} ${profile.name}`);
      }
    }
  }
  progress.done();
  const elapsedSec = (performance.now() - started) / 1000;
  if (o.format === "json") console.log(JSON.stringify({ results, elapsedSec }));
  else if (o.format === "csv") console.log(csvOutput(results, resultCases));
  else if (o.format === "markdown") console.log(markdownOutput(results, o));
  else {
    console.log(
      `${tableOutput(results)}\n${results.length} case${results.length === 1 ? "" : "s"} in ` +
        `${elapsedSec.toFixed(1)} s`,
    );
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));

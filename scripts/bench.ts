/**
 * `deno task bench`: wall-clock figures of the solver, process start included,
 * printed (never asserted). Each case runs `deno task solve` as a subprocess.
 *
 * @module
 */

import { flagAsTyped, oneOfFlag, parseFlags, reportUserError } from "../lib/cli/flags.ts";
import { UsageError } from "../lib/cli/usage_error.ts";
import { dayArrivals, poissonArrivals } from "../lib/arrivals/streams.ts";
import { readMapDirectory } from "../lib/io/map_files.ts";
import { pricing } from "../lib/profile/pricing.ts";
import { publishedProfile } from "../lib/profile/service_profile.ts";
import { seededPrng } from "../lib/random/prng.ts";
import { simulateBuffer } from "../lib/sim/simulator.ts";

const ROOT = new URL("../", import.meta.url).pathname;

interface Case {
  name: string;
  args: string[];
  repeats: number;
  /** The script under scripts/. @default {"solve"} */
  script?: string;
}

const BIG_GRID = ["--memory", "1280:3008:16", "--timeout", "0.001:1:0.001", "--batch", "1:32"];

const CASES: Case[] = [
  {
    name: "paper, 24 Twitter hours, solver.py grid (1372 configs/hour)",
    args: ["--method", "paper"],
    repeats: 5,
  },
  {
    name: "exact, 24 Twitter hours, solver.py grid (1372 configs/hour)",
    args: ["--method", "exact"],
    repeats: 5,
  },
  {
    name: "paper, 24 NYS hours, solver.py grid",
    args: ["--method", "paper", "--trace", "nys"],
    repeats: 5,
  },
  {
    name: "exact, 24 NYS hours, solver.py grid",
    args: ["--method", "exact", "--trace", "nys"],
    repeats: 5,
  },
  {
    name: "paper, Twitter hour 1, large grid (3,488,000 configs)",
    args: ["--method", "paper", "--start", "1", "--end", "1", "--extrapolate", ...BIG_GRID],
    repeats: 1,
  },
  {
    name: "exact, Twitter hour 1, large grid (3,488,000 configs)",
    args: ["--method", "exact", "--start", "1", "--end", "1", "--extrapolate", ...BIG_GRID],
    repeats: 1,
  },
  {
    name: "exact, NYS hour 8 (largest phase rate 155/s), large grid",
    args: [
      "--method",
      "exact",
      "--trace",
      "nys",
      "--start",
      "8",
      "--end",
      "8",
      "--extrapolate",
      ...BIG_GRID,
    ],
    repeats: 1,
  },
  {
    name: "exact, Twitter hour 24 (largest phase rate 475/s), large grid",
    args: ["--method", "exact", "--start", "24", "--end", "24", "--extrapolate", ...BIG_GRID],
    repeats: 1,
  },
  {
    name: "exact, Twitter hour 24, large grid, one process (--workers 1)",
    args: [
      "--method",
      "exact",
      "--start",
      "24",
      "--end",
      "24",
      "--extrapolate",
      "--workers",
      "1",
      ...BIG_GRID,
    ],
    repeats: 1,
  },
  {
    name: "exact, 24 NYS hours, solver.py grid, gamma CV 0.1 at every batch size",
    args: ["--trace", "nys", "--model", "traces/profiles/TF-resnetV2-gamma-cv0.1.json"],
    repeats: 3,
  },
  {
    name: "exact, 24 NYS hours, solver.py grid, gamma CV 0.1, one process (--workers 1)",
    args: [
      "--trace",
      "nys",
      "--model",
      "traces/profiles/TF-resnetV2-gamma-cv0.1.json",
      "--workers",
      "1",
    ],
    repeats: 3,
  },
  {
    name: "exact, 24 Twitter hours, solver.py grid, gamma CV 0.1 at every batch size",
    args: ["--model", "traces/profiles/TF-resnetV2-gamma-cv0.1.json"],
    repeats: 3,
  },
  {
    name: "plan (glpk.js), 24 NYS hours, TF-resnetV2, solver.py grid",
    args: ["--trace", "nys", "--model", "TF-resnetV2", "--slo", "5"],
    repeats: 5,
    script: "plan",
  },
  {
    name: "plan (glpk.js), same, --single-memory",
    args: ["--trace", "nys", "--model", "TF-resnetV2", "--slo", "5", "--single-memory"],
    repeats: 5,
    script: "plan",
  },
  {
    name: "plan (glpk.js), same, --max-memory-changes 2",
    args: ["--trace", "nys", "--model", "TF-resnetV2", "--slo", "5", "--max-memory-changes", "2"],
    repeats: 5,
    script: "plan",
  },
];

async function timeOnce(args: string[], script = "solve"): Promise<number> {
  const start = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", `scripts/${script}.ts`, "--format", "json", ...args],
    cwd: ROOT,
    stdout: "null",
    stderr: "piped",
  }).output();
  const sec = (performance.now() - start) / 1000;
  if (out.code !== 0 && out.code !== 1) {
    throw new Error(`${script} ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return sec;
}

/** Runs `deno task buffer` with JSON output and returns its summary. */
async function bufferRun(args: string[]): Promise<Record<string, unknown>> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-net",
      "--allow-env",
      "--allow-sys",
      // The buffer samples its heap after full collections every 10 s.
      "--v8-flags=--expose-gc",
      "scripts/buffer.ts",
      "--format",
      "json",
      ...args,
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (out.code !== 0) {
    throw new Error(`buffer ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

/** Buffer figures against the in-process local Lambda (real time). */
async function bufferFigures(long: boolean) {
  const dir = await Deno.makeTempDir({ prefix: "bench_buffer_" });
  const lines: string[] = [];
  try {
    const late = await bufferRun([
      "--inter_arrival",
      "200",
      "--duration",
      "30",
      "--batch_size",
      "20",
      "--time_out",
      "0.05",
      "--time_scale",
      "100",
      "--out",
      `${dir}/late`,
    ]);
    lines.push(
      `lateness of timeout batches at 200 requests/s (B 20, T 50 ms, 30 s): p99 ` +
        `${((late.timeoutLatenessP99Sec as number) * 1000).toFixed(2)} ms over ` +
        `${(late.dispatchReasons as Record<string, number>).timeout} timeout batches`,
    );
    const heavy = await bufferRun([
      "--inter_arrival",
      "5000",
      "--duration",
      "60",
      "--batch_size",
      "20",
      "--time_out",
      "0.05",
      "--time_scale",
      "1000",
      "--out",
      `${dir}/heavy`,
    ]);
    const samples = heavy.memory as { atSec: number; rssMb: number; heapUsedMb: number }[];
    lines.push(
      `5000 requests/s for 60 s (B 20, local Lambda 1000x): ${heavy.requests} requests, ` +
        `${heavy.completed} completed, ${heavy.failed} failed, ${heavy.unfinished} unfinished; ` +
        `heap after a full GC at ${samples.map((m) => m.atSec.toFixed(0)).join("/")} s: ` +
        `${samples.map((m) => m.heapUsedMb.toFixed(1)).join(", ")} MB; resident ` +
        `${samples.map((m) => m.rssMb.toFixed(0)).join(", ")} MB`,
    );
    if (long) {
      const { validateBufferRun } = await import("./_bench_buffer_vs_sim.ts");
      lines.push(await validateBufferRun(bufferRun, `${dir}/long`));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  return lines;
}

/** Simulator throughput, in process: a NYS day and a long Poisson run. */
async function simulatorFigures() {
  const profile = publishedProfile("TF-inceptionV4");
  const common = { memoryMb: 3008, profile, pricing: pricing("paper") };
  const hours = await readMapDirectory(new URL("../traces/nys/", import.meta.url).pathname);
  const out = [];
  let t0 = performance.now();
  const day = simulateBuffer(dayArrivals(hours, { prng: seededPrng(1) }), {
    ...common,
    maxBatch: 5,
    timeoutSec: 1,
  });
  let sec = (performance.now() - t0) / 1000;
  out.push({
    name: "simulate a NYS day at its hourly MAPs (B 5, T 1 s)",
    requests: day.requests,
    sec,
    millionPerSec: day.requests / sec / 1e6,
  });
  t0 = performance.now();
  const long = simulateBuffer(poissonArrivals(1000, { prng: seededPrng(1) }), {
    ...common,
    maxBatch: 20,
    timeoutSec: 0.1,
    requests: 30_000_000,
  });
  sec = (performance.now() - t0) / 1000;
  out.push({
    name: "simulate 30M Poisson requests at 1000/s (B 20, T 0.1 s)",
    requests: long.requests,
    sec,
    millionPerSec: long.requests / sec / 1e6,
  });
  return { runs: out, rssMb: Deno.memoryUsage().rss / 2 ** 20 };
}

/** The sections after the timed commands, by the names `--only` matches. */
const SECTIONS = ["simulator", "frames", "buffer", "workers"] as const;

const HELP = `Usage: deno task bench [options]

Wall-clock figures, printed and never asserted (so no pass or fail): deno task
solve and deno task plan as subprocesses, process start included (each case
run several times: min and median); the simulator in process; a million
requests into polars frames; the real-time buffer against the in-process
local Lambda; a CPU-bound handler on the local Lambda's Workers at 1, 2, 4 and
8 concurrent environments (median Duration and its inflation over 1, as they
share this machine's cores; Init Duration of their cold starts). A whole run
takes several minutes; --long adds ten more.

Options:
  --only TEXT      only the cases whose name contains TEXT (case-sensitive),
                   and the sections simulator, frames, buffer, workers when TEXT is a
                   part of their name (e.g. --only exact, --only plan,
                   --only sim, --only buffer)                      [everything]
  --long           add a 10-minute buffer run compared with the simulator
                   (needs the buffer section)
  --format FORMAT  table, json or csv                              [table]
  -h, --help       this text

Cases:
${CASES.map((c) => `  ${c.name}`).join("\n")}

Exit codes: 0 done; 1 a benchmarked command failed (its error is printed);
2 bad options, or an --only that matches nothing.
`;

/** A CSV field, quoted when it must be. */
function csvField(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

interface BenchOptions {
  format: "table" | "json" | "csv";
  only?: string;
  long: boolean;
}

/** The checked flags, or "help". */
function parseBenchFlags(args: string[]): BenchOptions | "help" {
  const { values, typed } = parseFlags({
    args,
    strict: true,
    options: {
      format: { type: "string", default: "table" },
      only: { type: "string" },
      long: { type: "boolean", default: false },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return "help";
  const format = oneOfFlag(
    flagAsTyped(typed, "format"),
    values.format!,
    [
      "table",
      "json",
      "csv",
    ] as const,
  );
  const only = values.only;
  if (only !== undefined) {
    const cases = CASES.filter((c) => c.name.includes(only));
    const sections = SECTIONS.filter((s) => s.includes(only));
    if (only === "" || (cases.length === 0 && sections.length === 0)) {
      throw new UsageError(
        `${flagAsTyped(typed, "only")} '${only}' matches no case and no section: give a part ` +
          `of a case's name (as --help lists them) or of ${SECTIONS.join(", ")}`,
      );
    }
    if (values.long && !sections.includes("buffer")) {
      throw new UsageError(
        `${flagAsTyped(typed, "long")} adds a buffer run, and ${
          flagAsTyped(typed, "only")
        } '${only}' leaves out the buffer section`,
      );
    }
  }
  return { format, only, long: values.long! };
}

/**
 * Runs the benchmarks and prints the figures.
 *
 * @param args `--format table|json|csv`, `--only TEXT`, `--long`, `--help`.
 * @returns The exit code: 0 done, 1 a benchmarked command failed, 2 bad options.
 */
export async function main(args: string[]): Promise<number> {
  let o: BenchOptions;
  try {
    const parsed = parseBenchFlags(args);
    if (parsed === "help") {
      console.log(HELP);
      return 0;
    }
    o = parsed;
  } catch (e) {
    return reportUserError("bench", e);
  }
  try {
    return await runBenchmarks(o);
  } catch (e) {
    // A benchmarked command failed: its own message, not a stack trace of the bench.
    console.error(`bench: ${(e as Error).message.trim()}`);
    return 1;
  }
}

/** Whether a section runs under `--only`. */
function selected(o: BenchOptions, section: typeof SECTIONS[number]): boolean {
  return o.only === undefined || section.includes(o.only);
}

async function runBenchmarks(o: BenchOptions): Promise<number> {
  const results = [];
  const tty = o.format === "table" && Deno.stderr.isTerminal();
  for (const c of CASES) {
    if (o.only !== undefined && !c.name.includes(o.only)) continue;
    if (tty) Deno.stderr.writeSync(new TextEncoder().encode(`\rbench: ${c.name}...\x1b[K`));
    const times: number[] = [];
    for (let i = 0; i < c.repeats; i++) times.push(await timeOnce(c.args, c.script));
    times.sort((a, b) => a - b);
    results.push({
      name: c.name,
      runs: times.length,
      minSec: times[0],
      medianSec: times[Math.floor(times.length / 2)],
    });
  }
  if (tty) Deno.stderr.writeSync(new TextEncoder().encode("\rbench: simulator...\x1b[K"));
  const simulator = selected(o, "simulator") ? await simulatorFigures() : undefined;
  if (tty) Deno.stderr.writeSync(new TextEncoder().encode("\rbench: frames...\x1b[K"));
  const frames = selected(o, "frames")
    ? await (await import("./_bench_frames.ts")).framesFigures()
    : undefined;
  if (tty) Deno.stderr.writeSync(new TextEncoder().encode("\rbench: buffer...\x1b[K"));
  const buffer = selected(o, "buffer") ? await bufferFigures(o.long) : undefined;
  if (tty) Deno.stderr.writeSync(new TextEncoder().encode("\rbench: workers...\x1b[K"));
  const workerModule = selected(o, "workers")
    ? await import("./_bench_worker_concurrency.ts")
    : undefined;
  const workers = await workerModule?.workerConcurrencyFigures();
  const coldStarts = await workerModule?.coldStartFigures();
  if (tty) Deno.stderr.writeSync(new TextEncoder().encode("\r\x1b[K"));
  if (o.format === "json") {
    console.log(
      JSON.stringify({
        deno: Deno.version.deno,
        results,
        simulator,
        frames,
        buffer,
        workers,
        coldStarts,
      }),
    );
    return 0;
  }
  if (o.format === "csv") {
    const columns = [
      "section",
      "case",
      "runs",
      "min_sec",
      "median_sec",
      "requests",
      "sec",
      "million_requests_per_sec",
      "note",
    ] as const;
    console.log(columns.join(","));
    const row = (cells: Partial<Record<typeof columns[number], string | number>>) =>
      console.log(columns.map((c) => csvField(String(cells[c] ?? ""))).join(","));
    for (const r of results) {
      row({
        section: "commands",
        case: r.name,
        runs: r.runs,
        min_sec: r.minSec,
        median_sec: r.medianSec,
      });
    }
    for (const r of simulator?.runs ?? []) {
      row({
        section: "simulator",
        case: r.name,
        runs: 1,
        requests: r.requests,
        sec: r.sec,
        million_requests_per_sec: r.millionPerSec,
      });
    }
    for (const line of frames ?? []) row({ section: "frames", note: line });
    for (const line of buffer ?? []) row({ section: "buffer", note: line });
    for (const f of workers ?? []) {
      row({
        section: "workers",
        case: `${f.concurrency} concurrent`,
        runs: f.invocations,
        median_sec: f.medianDurationMs / 1000,
        note: `inflation x${f.inflation.toFixed(3)}; median Init Duration ${
          f.medianInitMs.toFixed(1)
        } ms`,
      });
    }
    if (coldStarts) {
      row({
        section: "workers",
        case: "cold starts one at a time",
        runs: coldStarts.coldStarts,
        median_sec: coldStarts.medianInitMs / 1000,
        note: `largest Init Duration ${coldStarts.maxInitMs.toFixed(1)} ms`,
      });
    }
    return 0;
  }
  const w = Math.max(0, ...results.map((r) => r.name.length));
  if (results.length) {
    console.log(
      `Wall time of 'deno task solve' and 'deno task plan', process start included (Deno ${Deno.version.deno})`,
    );
    console.log(`${"case".padEnd(w)}  runs  min (s)  median (s)`);
  }
  for (const r of results) {
    console.log(
      `${r.name.padEnd(w)}  ${String(r.runs).padStart(4)}  ${r.minSec.toFixed(3).padStart(7)}  ${
        r.medianSec.toFixed(3).padStart(10)
      }`,
    );
  }
  if (simulator) {
    if (results.length) console.log("");
    console.log("Simulator, in process (wall time, includes drawing the arrivals)");
    for (const r of simulator.runs) {
      console.log(
        `${r.name.padEnd(w)}  ${(r.requests / 1e6).toFixed(2)}M requests in ${
          r.sec.toFixed(2)
        } s: ` +
          `${r.millionPerSec.toFixed(2)}M requests/s`,
      );
    }
    console.log(`resident memory after both runs: ${simulator.rssMb.toFixed(0)} MB`);
  }
  if (frames) {
    console.log("");
    console.log("Polars frames, in process");
    for (const line of frames) console.log(line);
  }
  if (buffer) {
    console.log("");
    console.log(
      "Buffer against the in-process local Lambda (real time; --long adds the 10-minute run)",
    );
    for (const line of buffer) console.log(line);
  }
  if (workers) {
    console.log("");
    console.log("Local Lambda's Workers sharing this machine's cores (real time)");
    for (const line of workerModule!.workerConcurrencyLines(workers, coldStarts)) {
      console.log(line);
    }
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));

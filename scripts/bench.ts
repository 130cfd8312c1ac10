/**
 * `deno task bench`: wall-clock figures of the solver, process start included,
 * printed (never asserted). Each case runs `deno task solve` as a subprocess.
 *
 * @module
 */

import { parseArgs } from "node:util";
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

/**
 * Runs the benchmarks and prints the figures.
 *
 * @param args `--format table|json`, `--only SUBSTRING`.
 * @returns The exit code.
 */
export async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      format: { type: "string", default: "table" },
      only: { type: "string" },
      long: { type: "boolean", default: false },
    },
  });
  const results = [];
  const tty = values.format !== "json" && Deno.stderr.isTerminal();
  for (const c of CASES) {
    if (values.only && !c.name.includes(values.only)) continue;
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
  const simulator = values.only && !"simulate".includes(values.only)
    ? undefined
    : await simulatorFigures();
  if (tty) Deno.stderr.writeSync(new TextEncoder().encode("\rbench: frames...\x1b[K"));
  const frames = values.only && !"frames".includes(values.only)
    ? undefined
    : await (await import("./_bench_frames.ts")).framesFigures();
  if (tty) Deno.stderr.writeSync(new TextEncoder().encode("\rbench: buffer...\x1b[K"));
  const buffer = values.only && !"buffer".includes(values.only)
    ? undefined
    : await bufferFigures(values.long!);
  if (tty) Deno.stderr.writeSync(new TextEncoder().encode("\r\x1b[K"));
  if (values.format === "json") {
    console.log(JSON.stringify({ deno: Deno.version.deno, results, simulator, frames, buffer }));
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
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));

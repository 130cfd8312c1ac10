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
];

async function timeOnce(args: string[]): Promise<number> {
  const start = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "scripts/solve.ts", "--format", "json", ...args],
    cwd: ROOT,
    stdout: "null",
    stderr: "piped",
  }).output();
  const sec = (performance.now() - start) / 1000;
  if (out.code !== 0 && out.code !== 1) {
    throw new Error(`solve ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return sec;
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
    options: { format: { type: "string", default: "table" }, only: { type: "string" } },
  });
  const results = [];
  const tty = values.format !== "json" && Deno.stderr.isTerminal();
  for (const c of CASES) {
    if (values.only && !c.name.includes(values.only)) continue;
    if (tty) Deno.stderr.writeSync(new TextEncoder().encode(`\rbench: ${c.name}...\x1b[K`));
    const times: number[] = [];
    for (let i = 0; i < c.repeats; i++) times.push(await timeOnce(c.args));
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
  if (tty) Deno.stderr.writeSync(new TextEncoder().encode("\r\x1b[K"));
  if (values.format === "json") {
    console.log(JSON.stringify({ deno: Deno.version.deno, results, simulator }));
    return 0;
  }
  const w = Math.max(0, ...results.map((r) => r.name.length));
  if (results.length) {
    console.log(
      `Wall time of 'deno task solve', process start included (Deno ${Deno.version.deno})`,
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
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));

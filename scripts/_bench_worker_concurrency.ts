/**
 * The bench's workers section: how a CPU-bound handler's Duration inflates
 * when several execution environments (Workers) of the local Lambda run at
 * once on this machine's cores, and what a cold start (Init Duration) costs.
 * On Lambda each environment has its own CPU share; here they contend, so an
 * experiment that checks the model against the local Lambda must keep its
 * concurrency where this inflation is negligible.
 *
 * Run alone: `deno run --allow-read --allow-write scripts/_bench_worker_concurrency.ts`.
 *
 * @module
 */

import { LocalLambda } from "../lib/lambda/local_lambda.ts";
import { publishedProfile } from "../lib/profile/service_profile.ts";
import { seededPrng } from "../lib/random/prng.ts";

/** A fixed amount of CPU work (about 100 ms on one core of a 2020s x86 machine). */
const HANDLER = `
export const handler = async (event) => {
  let x = 0;
  for (let i = 0; i < event.n; i++) x += Math.sqrt(i);
  return x;
};
`;

/** Iterations of the handler's loop. */
const WORK = 4e7;

/** Concurrent environments measured. */
export const CONCURRENCIES = [1, 2, 4, 8] as const;

/** The figures of one concurrency. */
export interface ConcurrencyFigure {
  concurrency: number;
  invocations: number;
  /** Median of the REPORT lines' Duration, ms. */
  medianDurationMs: number;
  /** Median Duration over the median at concurrency 1. */
  inflation: number;
  /** Median Init Duration of the cold starts that made the environments, ms. */
  medianInitMs: number;
  /** Median Max Memory Used, MB. */
  medianMemoryMb: number;
}

function _median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function _field(report: string, name: string): number | undefined {
  const m = new RegExp(`\\t${name}: ([\\d.]+) (?:ms|MB)`).exec(report);
  return m ? Number(m[1]) : undefined;
}

/**
 * Measures each concurrency: `c` simultaneous cold starts make `c`
 * environments, then `rounds` rounds of `c` simultaneous invocations run on
 * them warm.
 *
 * @param rounds Rounds per concurrency.
 * @returns One figure per concurrency.
 */
export async function workerConcurrencyFigures(rounds = 20): Promise<ConcurrencyFigure[]> {
  const path = Deno.makeTempFileSync({ prefix: "bench_busy_", suffix: ".mjs" });
  Deno.writeTextFileSync(path, HANDLER);
  const lambda = new LocalLambda({ profileFor: publishedProfile, prng: seededPrng(1) });
  const payload = new TextEncoder().encode(JSON.stringify({ n: WORK }));
  const reportOf = async (name: string) => {
    const r = await lambda.invoke(name, payload, { logType: "Tail" });
    if (r.functionError) {
      throw new Error(`the benchmark handler failed: ${new TextDecoder().decode(r.payload)}`);
    }
    return atob(r.logResult!).split("\n").find((l) => l.startsWith("REPORT"))!;
  };
  const figures: ConcurrencyFigure[] = [];
  try {
    for (const c of CONCURRENCIES) {
      const name = `busy-${c}`;
      lambda.createFunction({ FunctionName: name, CodePath: path, MemorySize: 3008 });
      const cold = await Promise.all(Array.from({ length: c }, () => reportOf(name)));
      const durations: number[] = [], memories: number[] = [];
      for (let r = 0; r < rounds; r++) {
        const warm = await Promise.all(Array.from({ length: c }, () => reportOf(name)));
        for (const line of warm) {
          durations.push(_field(line, "Duration")!);
          memories.push(_field(line, "Max Memory Used")!);
        }
      }
      lambda.deleteFunction(name);
      const medianDurationMs = _median(durations);
      figures.push({
        concurrency: c,
        invocations: durations.length,
        medianDurationMs,
        inflation: medianDurationMs / (figures[0]?.medianDurationMs ?? medianDurationMs),
        medianInitMs: _median(cold.map((l) => _field(l, "Init Duration")!)),
        medianMemoryMb: _median(memories),
      });
    }
  } finally {
    lambda.close();
    Deno.removeSync(path);
  }
  return figures;
}

/** Init Duration of cold starts one at a time. */
export interface ColdStartFigure {
  coldStarts: number;
  medianInitMs: number;
  maxInitMs: number;
}

/**
 * Init Duration of `count` cold starts of the benchmark's handler, one at a
 * time (each after UpdateFunctionConfiguration retired the environment).
 *
 * @param count Cold starts.
 * @returns Their median and largest Init Duration.
 */
export async function coldStartFigures(count = 20): Promise<ColdStartFigure> {
  const path = Deno.makeTempFileSync({ prefix: "bench_busy_", suffix: ".mjs" });
  Deno.writeTextFileSync(path, HANDLER);
  const lambda = new LocalLambda({ profileFor: publishedProfile, prng: seededPrng(1) });
  const payload = new TextEncoder().encode(JSON.stringify({ n: 1 }));
  const inits: number[] = [];
  try {
    lambda.createFunction({ FunctionName: "cold", CodePath: path, MemorySize: 3008 });
    for (let i = 0; i < count; i++) {
      const r = await lambda.invoke("cold", payload, { logType: "Tail" });
      inits.push(_field(atob(r.logResult!), "Init Duration")!);
      lambda.updateFunctionConfiguration("cold", { MemorySize: i % 2 ? 3008 : 3007 });
    }
  } finally {
    lambda.close();
    Deno.removeSync(path);
  }
  return { coldStarts: count, medianInitMs: _median(inits), maxInitMs: Math.max(...inits) };
}

/** The figures as report lines. */
export function workerConcurrencyLines(
  figures: ConcurrencyFigure[],
  cold?: ColdStartFigure,
): string[] {
  return [
    ...(cold
      ? [
        `cold starts one at a time (a small module): median Init Duration ${
          cold.medianInitMs.toFixed(1)
        } ms, largest ${cold.maxInitMs.toFixed(1)} ms over ${cold.coldStarts}`,
      ]
      : []),
    `CPU-bound handler (${
      WORK.toExponential(0)
    } iterations) on ${navigator.hardwareConcurrency} cores, warm:`,
    ...figures.map((f) =>
      `  ${f.concurrency} concurrent: median Duration ${f.medianDurationMs.toFixed(1)} ms ` +
      `(x${f.inflation.toFixed(2)} of 1) over ${f.invocations} invocations; ` +
      `cold start median Init Duration ${f.medianInitMs.toFixed(1)} ms; ` +
      `Max Memory Used ${f.medianMemoryMb} MB`
    ),
  ];
}

if (import.meta.main) {
  const cold = await coldStartFigures();
  for (const line of workerConcurrencyLines(await workerConcurrencyFigures(), cold)) {
    console.log(line);
  }
}

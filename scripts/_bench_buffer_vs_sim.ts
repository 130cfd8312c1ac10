/**
 * The bench's long case: a 10-minute buffer run against the local Lambda,
 * compared with the simulator on the same arrivals (same seed), cold starts
 * modelled alike (0.25 s initialisation, 600 s keep-alive).
 *
 * @module
 */

import { poissonArrivals } from "../lib/arrivals/streams.ts";
import { parseRequestsCsv } from "../lib/logs/run_csv.ts";
import { pricing } from "../lib/profile/pricing.ts";
import { publishedProfile } from "../lib/profile/service_profile.ts";
import { seededPrng } from "../lib/random/prng.ts";
import { simulateBuffer } from "../lib/sim/simulator.ts";

/** Two-sample Kolmogorov distance of sorted samples. */
function kolmogorov2(a: Float64Array, b: Float64Array): number {
  let i = 0, j = 0, d = 0;
  while (i < a.length && j < b.length) {
    const x = Math.min(a[i], b[j]);
    while (i < a.length && a[i] <= x) i++;
    while (j < b.length && b[j] <= x) j++;
    d = Math.max(d, Math.abs(i / a.length - j / b.length));
  }
  return d;
}

/** Runs the 10-minute comparison and returns a line for the report. */
export async function validateBufferRun(
  bufferRun: (args: string[]) => Promise<Record<string, unknown>>,
  dir: string,
): Promise<string> {
  // Service times with a 10 % lognormal jitter in both: with deterministic service the CDF
  // has atoms (T + S_k, S_B) that a few ms of real-time overhead move, which the Kolmogorov
  // distance counts in full.
  const rate = 20, requests = 12_000, b = 5, t = 0.1, seed = 1, cv = 0.1;
  await bufferRun([
    "--jitter",
    String(cv),
    "--inter_arrival",
    String(rate),
    "--requests",
    String(requests),
    "--batch_size",
    String(b),
    "--time_out",
    String(t),
    "--seed",
    String(seed),
    "--out",
    dir,
  ]);
  const measured = parseRequestsCsv(await Deno.readTextFile(`${dir}/requests.csv`)).records
    .map((r) => r.latencySec);
  const sim = simulateBuffer(poissonArrivals(rate, { prng: seededPrng(seed) }), {
    maxBatch: b,
    timeoutSec: t,
    memoryMb: 3008,
    profile: publishedProfile("TF-inceptionV4"),
    pricing: pricing("aws-x86"),
    requests,
    coldStart: { initSec: 0.25, keepAliveSec: 600 },
    serviceCv: cv,
    serviceDistribution: "lognormal",
    prng: seededPrng(seed + 100),
    keepLatencies: true,
  });
  const d = kolmogorov2(Float64Array.from(measured).sort(), sim.latencies!.sort());
  return `10-minute run at ${rate}/s (B ${b}, T ${t} s, ${requests} requests, service CV ` +
    `${cv}) against the simulator with the same arrivals: Kolmogorov distance of the latency ` +
    `CDFs ${d.toFixed(4)}`;
}

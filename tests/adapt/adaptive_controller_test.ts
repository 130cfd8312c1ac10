import assert from "node:assert/strict";
import { AdaptiveController } from "../../lib/adapt/adaptive_controller.ts";
import { poissonArrivals, takeArrivals } from "../../lib/arrivals/streams.ts";
import { poissonProcess } from "../../lib/map/map_process.ts";
import { evaluateGrid } from "../../lib/model/evaluate.ts";
import { gridIndex } from "../../lib/model/types.ts";
import { pricing } from "../../lib/profile/pricing.ts";
import { publishedProfile } from "../../lib/profile/service_profile.ts";
import { seededPrng } from "../../lib/random/prng.ts";

const profile = publishedProfile("TF-resnetV2");
const grid = {
  memoriesMb: [1536, 2048, 3008],
  timeoutsSec: [0.05, 0.1, 0.2],
  maxBatches: [1, 4, 8],
};
const base = {
  windowSec: 600,
  grid,
  profile,
  pricing: pricing("paper"),
  percentile: 0.95,
  constraint: "latency" as const,
  slo: 5,
  initial: { memoryMb: 3008, maxBatch: 1, timeoutSec: 0.05 },
  startSec: 0,
};

/** Arrivals: Poisson at `rates[i]` during window i (600 s each), seed 3. */
function piecewisePoisson(rates: number[]): number[] {
  const out: number[] = [];
  rates.forEach((rate, i) => {
    const t = takeArrivals(poissonArrivals(rate, { prng: seededPrng(3 + i), startSec: 600 * i }), {
      untilSec: 600 * (i + 1),
    });
    out.push(...t);
  });
  return out;
}

Deno.test("AdaptiveController fits each window, meets the SLO with its margin, and holds steady", () => {
  const c = new AdaptiveController(base);
  const changes: { t: number; memoryMb?: number }[] = [];
  for (const t of piecewisePoisson([20, 20, 20, 60])) {
    const r = c.onArrival(t);
    if (r) changes.push({ t, ...r });
  }
  // Windows 0, 1, 2 have ended (the last is decided only by a later arrival).
  assert.deepEqual(c.decisions.map((d) => d.window), [0, 1, 2]);
  for (const d of c.decisions) {
    // The fitted rate is the window's (12,000 arrivals: within a few %).
    assert.ok(Math.abs(d.fitted!.ratePerSec / 20 - 1) < 0.05, `${d.fitted!.ratePerSec}`);
    // Poisson traffic is recognised as such.
    assert.match(d.fitted!.adjusted.join(" "), /consistent with Poisson/);
    // Independently: under the true process sped up by the margin, the choice meets the SLO.
    for (const rate of [15, 20, 25]) {
      const e = evaluateGrid(poissonProcess(rate), {
        memoriesMb: [d.config.memoryMb],
        timeoutsSec: [d.config.timeoutSec],
        maxBatches: [d.config.maxBatch],
      }, { profile, pricing: pricing("paper"), percentile: 0.95 });
      assert.ok(e.latencySec[0] <= 5 * 1.02, `${rate}/s: ${e.latencySec[0]}`);
    }
  }
  // The first decision leaves no batching; the next ones keep what works.
  assert.equal(c.decisions[0].changed, true);
  assert.ok(c.decisions[0].config.maxBatch > 1);
  assert.equal(c.decisions[1].changed, false);
  assert.equal(c.decisions[2].changed, false);
  assert.equal(changes.length, 1);
  assert.ok(changes[0].t >= 600 && changes[0].t < 601);
  // The choice is the cheapest that meets the SLO at 15, 20 and 25 /s (margin 0.25)
  // under the fitted rate: check against the grid under the true rate 20/s.
  const e20 = evaluateGrid(poissonProcess(20), grid, {
    profile,
    pricing: pricing("paper"),
    percentile: 0.95,
  });
  const e25 = evaluateGrid(poissonProcess(25), grid, {
    profile,
    pricing: pricing("paper"),
    percentile: 0.95,
  });
  const e15 = evaluateGrid(poissonProcess(15), grid, {
    profile,
    pricing: pricing("paper"),
    percentile: 0.95,
  });
  const chosen = c.decisions[0].config;
  const i = gridIndex(
    grid,
    grid.memoriesMb.indexOf(chosen.memoryMb),
    grid.timeoutsSec.indexOf(chosen.timeoutSec),
    grid.maxBatches.indexOf(chosen.maxBatch),
  );
  let cheaper = 0;
  for (let j = 0; j < e20.costUsd.length; j++) {
    const ok = Math.max(e15.latencySec[j], e20.latencySec[j], e25.latencySec[j]) <= 5 * 0.98;
    if (ok && e20.costUsd[j] < e20.costUsd[i] * 0.97) cheaper++;
  }
  assert.equal(cheaper, 0, "a clearly cheaper configuration met the SLO with room to spare");
});

Deno.test("AdaptiveController keeps its configuration through windows too thin to fit", () => {
  const c = new AdaptiveController({ ...base, minArrivals: 100 });
  // 30 arrivals in window 0, none in windows 1 and 2, then one in window 3.
  for (let k = 0; k < 30; k++) c.onArrival(k * 10);
  assert.equal(c.onArrival(1900), undefined);
  assert.deepEqual(c.decisions.map((d) => [d.window, d.arrivals, d.changed]), [
    [0, 30, false],
    [1, 0, false],
    [2, 0, false],
  ]);
  assert.match(c.decisions[0].reason, /30 arrivals, fewer than 100: nothing to fit, kept/);
  assert.deepEqual(c.config, base.initial);
});

Deno.test("AdaptiveController moves when the traffic makes its configuration break the SLO", () => {
  // Quiet, then busy: what is cheapest at 5/s (full batches of 6 need the time) is
  // too slow once batches fill at once at 60/s.
  const c = new AdaptiveController({ ...base, rateMargin: 0 });
  for (const t of piecewisePoisson([5, 60, 60])) c.onArrival(t);
  const [first, second] = c.decisions;
  assert.ok(first.changed);
  // Independently: the first choice under Poisson at 60/s breaks the 5 s SLO.
  const e = evaluateGrid(poissonProcess(60), {
    memoriesMb: [first.config.memoryMb],
    timeoutsSec: [first.config.timeoutSec],
    maxBatches: [first.config.maxBatch],
  }, { profile, pricing: pricing("paper"), percentile: 0.95 });
  assert.ok(e.latencySec[0] > 5, `${e.latencySec[0]}`);
  assert.ok(second.changed);
  assert.match(second.reason, /would break the SLO/);
  assert.ok(second.predictedLatencySec <= 5);
});

Deno.test("AdaptiveController rejects bad options", () => {
  assert.throws(() => new AdaptiveController({ ...base, windowSec: 0 }), /window 0 s/);
  assert.throws(() => new AdaptiveController({ ...base, rateMargin: 1 }), /rateMargin 1/);
  assert.throws(() => new AdaptiveController({ ...base, slo: -1 }), /SLO -1/);
});

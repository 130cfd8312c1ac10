import assert from "node:assert/strict";
import {
  dayArrivals,
  interArrivals,
  iterateArrivals,
  mapArrivals,
  poissonArrivals,
  replayArrivals,
  takeArrivals,
  timestampArrivals,
} from "../../lib/arrivals/streams.ts";
import { mapProcess, mmpp2, poissonProcess } from "../../lib/map/map_process.ts";
import { arrivalRatePerSec, lagCorrelationsFromMap, scvFromMap } from "../../lib/map/moments.ts";
import { seededPrng } from "../../lib/random/prng.ts";

function stats(gaps: Float64Array) {
  const n = gaps.length;
  let s = 0, s2 = 0;
  for (const x of gaps) {
    s += x;
    s2 += x * x;
  }
  const mean = s / n, variance = s2 / n - mean * mean;
  let c = 0;
  for (let i = 1; i < n; i++) c += (gaps[i - 1] - mean) * (gaps[i] - mean);
  return { mean, scv: variance / mean ** 2, lag1: c / (n - 1) / variance };
}

Deno.test("poissonArrivals() repeats for a seed and has rate and SCV 1 (10^6 gaps, seed 5)", () => {
  const a = takeArrivals(poissonArrivals(50, { prng: seededPrng(5) }), { count: 1e6 });
  const b = takeArrivals(poissonArrivals(50, { prng: seededPrng(5) }), { count: 1000 });
  assert.deepEqual(a.slice(0, 1000), b);
  const s = stats(interArrivals(a));
  // Standard errors for 10^6 exponential gaps: mean 2e-5 s (rel. 1e-3), SCV about 2.8e-3.
  assert.ok(Math.abs(s.mean * 50 - 1) < 5e-3);
  assert.ok(Math.abs(s.scv - 1) < 0.015);
  assert.ok(Math.abs(s.lag1) < 0.005);
});

Deno.test("mapArrivals() reproduces the rate, SCV and lag-1 correlation of a bursty MMPP", () => {
  // Closed-form targets from lib/map/moments (checked there against the MMPP(2) formulas);
  // 10^6 gaps, seed 9; tolerances several standard errors of a correlated sample.
  const map = mmpp2({
    rate1PerSec: 10,
    rate2PerSec: 120,
    switch12PerSec: 0.05,
    switch21PerSec: 0.05,
  });
  const s = stats(
    interArrivals(takeArrivals(mapArrivals(map, { prng: seededPrng(9) }), { count: 1e6 })),
  );
  assert.ok(Math.abs(s.mean * arrivalRatePerSec(map) - 1) < 0.03, `rate ${1 / s.mean}`);
  assert.ok(Math.abs(s.scv / scvFromMap(map) - 1) < 0.05, `scv ${s.scv} vs ${scvFromMap(map)}`);
  const lag1 = lagCorrelationsFromMap(map)[0];
  assert.ok(Math.abs(s.lag1 - lag1) < 0.02, `lag1 ${s.lag1} vs ${lag1}`);
});

Deno.test("mapArrivals() of a one-phase MAP is Poisson, and rejects a bad start phase", () => {
  const s = stats(
    interArrivals(
      takeArrivals(mapArrivals(poissonProcess(8), { prng: seededPrng(1) }), { count: 2e5 }),
    ),
  );
  assert.ok(Math.abs(s.mean * 8 - 1) < 0.012);
  assert.throws(
    () => mapArrivals(poissonProcess(8), { prng: seededPrng(1), initialPhase: 3 }),
    { name: "RangeError", message: "Cannot start the MAP in phase 3: it has 1 phases" },
  );
});

Deno.test("replayArrivals() sums the gaps, loops on request, and rejects bad gaps", () => {
  assert.deepEqual(Array.from(takeArrivals(replayArrivals([0.5, 0.25]), { count: 5 })), [
    0.5,
    0.75,
  ]);
  assert.deepEqual(
    Array.from(
      takeArrivals(replayArrivals([0.5, 0.25], { loop: true, startSec: 1 }), { count: 5 }),
    ),
    [1.5, 1.75, 2.25, 2.5, 3],
  );
  assert.throws(() => replayArrivals([0.5, -1]), {
    name: "RangeError",
    message: "Cannot replay inter-arrival 2: -1 is not a time >= 0 s",
  });
  assert.throws(() => replayArrivals([0, 0], { loop: true }), {
    name: "RangeError",
    message: "Cannot loop a trace whose inter-arrival times sum to 0 s",
  });
});

Deno.test("timestampArrivals() replays times and rejects decreasing ones", () => {
  assert.deepEqual(Array.from(takeArrivals(timestampArrivals([1, 2, 2, 5]), { untilSec: 4 })), [
    1,
    2,
    2,
  ]);
  assert.throws(() => timestampArrivals([1, 0.5]), {
    name: "RangeError",
    message: "Cannot replay timestamp 2: 0.5 s is not finite or comes before the previous one",
  });
});

Deno.test("dayArrivals() uses MAP h in hour h and ends after the last hour", () => {
  // Two 'hours' of 100 s at 10/s then 50/s (Poisson): counts 1000 and 5000 on average
  // (standard deviations 32 and 71).
  const hours = [{ hour: 1, map: poissonProcess(10) }, { hour: 2, map: poissonProcess(50) }];
  const a = takeArrivals(dayArrivals(hours, { prng: seededPrng(4), hourSec: 100 }), { count: 1e6 });
  const first = a.filter((t) => t < 100).length, second = a.length - first;
  assert.ok(Math.abs(first - 1000) < 160 && Math.abs(second - 5000) < 360, `${first}, ${second}`);
  assert.ok(a[a.length - 1] < 200);
  for (let i = 1; i < a.length; i++) assert.ok(a[i] >= a[i - 1]);
});

Deno.test("takeArrivals() needs a limit", () => {
  const map = mapProcess([[-1]], [[1]]);
  assert.throws(() => takeArrivals(mapArrivals(map, { prng: seededPrng(1) }), {}), {
    name: "RangeError",
    message: "Cannot take arrivals without a count or an end time",
  });
});

Deno.test("iterateArrivals() yields the stream's times up to a count or an end time", () => {
  assert.deepEqual([...iterateArrivals(replayArrivals([1, 1, 1, 1]), { count: 2 })], [1, 2]);
  assert.deepEqual([...iterateArrivals(replayArrivals([1, 1, 1, 1]), { untilSec: 3 })], [1, 2, 3]);
  assert.deepEqual([...iterateArrivals(replayArrivals([1, 1]))], [1, 2]);
});

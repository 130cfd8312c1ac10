import assert from "node:assert/strict";
import { interArrivals, poissonArrivals, takeArrivals } from "../../lib/arrivals/streams.ts";
import { traceStatistics } from "../../lib/arrivals/trace_stats.ts";
import { seededPrng } from "../../lib/random/prng.ts";

function close(actual: number, expected: number, tolerance: number, what: string) {
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: ${actual} vs ${expected} (tolerance ${tolerance})`,
  );
}

// Gaps 0.5, 0.5, 1, 0.5, 1.5 s: arrivals at 0.5, 1, 2, 2.5, 4 s. By hand: mean 0.8, centred
// gaps -0.3, -0.3, 0.2, -0.3, 0.7; mu2 = 0.8 / 5 = 0.16, mu3 = 0.27 / 5 = 0.054.
const SMALL = [0.5, 0.5, 1, 0.5, 1.5];

Deno.test("traceStatistics() matches hand-computed moments, skewness and lag correlations", () => {
  const s = traceStatistics(SMALL, { lags: 2 });
  assert.equal(s.count, 5);
  assert.equal(s.durationSec, 4);
  assert.equal(s.ratePerSec, 1.25);
  close(s.meanSec, 0.8, 1e-15, "mean");
  // E[X^2] = (0.25 * 3 + 1 + 2.25) / 5 = 0.8; E[X^3] = (0.125 * 3 + 1 + 3.375) / 5 = 0.95.
  close(s.moments[1], 0.8, 1e-15, "E[X^2]");
  close(s.moments[2], 0.95, 1e-15, "E[X^3]");
  close(s.scv, 0.25, 1e-15, "SCV"); // 0.16 / 0.64
  close(s.skewness, 0.84375, 1e-14, "skewness"); // 0.054 / 0.16^1.5 = 0.054 / 0.064
  // Lag 1: (0.09 - 0.06 - 0.06 - 0.21) / 4 / 0.16 = -0.375.
  // Lag 2: (-0.06 + 0.09 + 0.14) / 3 / 0.16 = 0.17 / 0.48.
  close(s.lagCorrelations[0], -0.375, 1e-14, "lag 1");
  close(s.lagCorrelations[1], 0.17 / 0.48, 1e-14, "lag 2");
});

Deno.test("traceStatistics() counts full windows for the IDC and the window rates", () => {
  // 1 s windows [0,1) .. [3,4): counts 1, 1, 2, 0 (the arrival at 4 s is in no full window);
  // mean 1, unbiased variance 2/3.
  const s = traceStatistics(SMALL, { countWindowSec: 1, rateWindowSec: 1 });
  close(s.idc, 2 / 3, 1e-15, "IDC");
  assert.deepEqual(Array.from(s.windowRatesPerSec), [1, 1, 2, 0]);
  // 2 s windows: counts 2 and 2, no dispersion.
  assert.equal(traceStatistics(SMALL, { countWindowSec: 2 }).idc, 0);
  // 1.5 s windows: 2 full ones, [0, 1.5) and [1.5, 3), 2 arrivals each.
  assert.deepEqual(
    Array.from(traceStatistics(SMALL, { rateWindowSec: 1.5 }).windowRatesPerSec),
    [2 / 1.5, 2 / 1.5],
  );
  // Fewer than two full windows: no IDC, and no full rate window.
  const short = traceStatistics(SMALL, { countWindowSec: 3 });
  assert.ok(Number.isNaN(short.idc));
  assert.equal(short.windowRatesPerSec.length, 0); // default 60 s windows, 4 s of trace
  // Two full windows with no arrival in them (both arrivals in the partial third).
  assert.ok(Number.isNaN(traceStatistics([2.5, 0.1]).idc));
});

Deno.test("traceStatistics() of 10^6 Poisson gaps: SCV 1, skewness 2, IDC 1, lags 0", () => {
  // Seed 7, rate 50/s, 10^6 gaps (20000 s). Closed forms of the exponential: SCV 1,
  // skewness 2, lag correlations 0, IDC 1, window rates 50/s. Standard errors at this size:
  // mean 0.1 %, SCV 0.003, skewness 0.008 and IDC 0.01 (both measured over 400 seeded
  // numpy samples of 10^5, scaled by sqrt(10)), lag correlations 0.001, a 60 s window rate
  // sqrt(3000) / 60 = 0.91/s. Tolerances are 5 standard errors.
  const gaps = interArrivals(
    takeArrivals(poissonArrivals(50, { prng: seededPrng(7) }), { count: 1e6 }),
  );
  const s = traceStatistics(gaps);
  close(s.ratePerSec / 50, 1, 0.005, "rate");
  close(s.durationSec / 20000, 1, 0.005, "duration");
  close(s.scv, 1, 0.015, "SCV");
  close(s.skewness, 2, 0.04, "skewness");
  assert.equal(s.lagCorrelations.length, 5);
  for (const [k, r] of s.lagCorrelations.entries()) close(r, 0, 0.005, `lag ${k + 1}`);
  close(s.idc, 1, 0.05, "IDC");
  assert.equal(s.windowRatesPerSec.length, Math.floor(s.durationSec / 60));
  for (const r of s.windowRatesPerSec) close(r, 50, 4.6, "window rate");
});

Deno.test("traceStatistics() stays accurate where one-pass sums of squares fail", () => {
  // The small trace shifted by 1e9 s: the variance is still 0.16 s^2 and the skewness and
  // correlations are unchanged; E[X^2] - E[X]^2 in doubles would be 0 or negative here.
  const shifted = SMALL.map((x) => x + 1e9);
  const s = traceStatistics(shifted, { lags: 1, countWindowSec: 1e9, rateWindowSec: 1e9 });
  close(s.scv * s.meanSec ** 2, 0.16, 1e-9, "variance");
  close(s.skewness, 0.84375, 1e-6, "skewness");
  close(s.lagCorrelations[0], -0.375, 1e-9, "lag 1");
  // Compensated sums: 10^6 gaps of 0.1 s sum to 100000 s (a plain running sum gives
  // 100000.00000133288).
  assert.equal(traceStatistics(new Float64Array(1e6).fill(0.1), { lags: 1 }).durationSec, 1e5);
});

Deno.test("traceStatistics() gives SCV 0 and NaN skewness and correlations for equal gaps", () => {
  const s = traceStatistics([2, 2, 2], { lags: 2 });
  assert.equal(s.scv, 0);
  assert.ok(Number.isNaN(s.skewness));
  assert.ok(s.lagCorrelations.every(Number.isNaN));
  assert.deepEqual(s.moments, [2, 4, 8]);
});

Deno.test("traceStatistics() rejects bad gaps and options, naming the first bad index", () => {
  const what = "Cannot compute the trace statistics";
  const cases: [ArrayLike<number>, object, string][] = [
    [
      [1, 2, NaN, -1],
      {},
      "expected inter-arrival times that are finite numbers >= 0 s, " +
      "found NaN at index 2",
    ],
    [
      [-1, 2],
      {},
      "expected inter-arrival times that are finite numbers >= 0 s, found -1 at " +
      "index 0",
    ],
    [
      [1, Infinity],
      {},
      "expected inter-arrival times that are finite numbers >= 0 s, found " +
      "Infinity at index 1",
    ],
    [[1], {}, "expected at least 2 inter-arrival times, found 1"],
    [[0, 0, 0], { lags: 1 }, "expected inter-arrival times with a positive sum, found all 0"],
    [
      [1, 2, 3],
      { lags: 3 },
      "expected 'lags' to be an integer from 1 to 2 (below the number " +
      "of gaps), found 3",
    ],
    [
      [1, 2, 3],
      { lags: 1.5 },
      "expected 'lags' to be an integer from 1 to 2 (below the " +
      "number of gaps), found 1.5",
    ],
    [
      [1, 2],
      { countWindowSec: 0 },
      "expected 'countWindowSec' to be a finite number > 0 s, " +
      "found 0",
    ],
    [
      [1, 2],
      { rateWindowSec: NaN },
      "expected 'rateWindowSec' to be a finite number > 0 s, " +
      "found NaN",
    ],
    [
      [1e9, 1],
      { lags: 1, countWindowSec: 1e-3 },
      "expected at most 10000000 windows, found " +
      "1000000001000 (1000000001 s in windows of 0.001 s)",
    ],
  ];
  for (const [gaps, options, message] of cases) {
    assert.throws(() => traceStatistics(gaps, options), {
      name: "RangeError",
      message: `${what}: ${message}`,
    });
  }
  assert.throws(() => traceStatistics(3 as unknown as number[]), {
    name: "TypeError",
    message: `${what}: expected an array of inter-arrival times, found 3`,
  });
});

import assert from "node:assert/strict";
import { type MapProcess, mapProcess, mmpp2, poissonProcess } from "../../lib/map/map_process.ts";
import {
  arrivalPhaseMatrix,
  arrivalPhases,
  arrivalRatePerSec,
  lagCorrelationsFromMap,
  marginalMomentsFromMap,
  scvFromMap,
  stationaryPhases,
} from "../../lib/map/moments.ts";
import type { Matrix } from "../../lib/numeric/dense.ts";

function assertClose(actual: number, expected: number, tolerance: number, what = ""): void {
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what} expected ${expected} +- ${tolerance}, found ${actual}`,
  );
}

function assertRelClose(actual: number, expected: number, relTolerance: number, what = ""): void {
  assertClose(actual, expected, relTolerance * Math.abs(expected), what);
}

/** Numerical Recipes LCG (a = 1664525, c = 1013904223, m = 2^32), uniform on [0, 1). */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(1664525, state) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * A random irreducible MAP with 1..5 phases: all hidden rates > 0, arrival rates
 * >= 0 (30% zero) with d1[0][0] > 0, at a random scale of 1e-3..1e3 per second.
 */
function randomMap(random: () => number): MapProcess {
  const n = 1 + Math.floor(random() * 5);
  const scale = 10 ** (random() * 6 - 3);
  const d1 = Array.from(
    { length: n },
    () => Array.from({ length: n }, () => (random() < 0.3 ? 0 : random() * scale)),
  );
  d1[0][0] += scale;
  const d0 = Array.from({ length: n }, (_, i) => {
    const row = Array.from({ length: n }, (_, j) => (i === j ? 0 : (0.01 + random()) * scale));
    row[i] = -(row.reduce((s, x) => s + x, 0) + d1[i].reduce((s, x) => s + x, 0));
    return row;
  });
  return mapProcess(d0, d1);
}

/**
 * Simulates `count` successive inter-arrival times of a MAP by running its phase
 * process event by event (exponential holding time `-d0[i][i]`, next transition
 * chosen in proportion to the rates), independently of the matrix formulas.
 */
function simulateInterArrivals(map: MapProcess, count: number, random: () => number): number[] {
  const { d0, d1 } = map;
  const n = d0.length;
  const times: number[] = [];
  let phase = 0, elapsed = 0;
  while (times.length < count) {
    const outRate = -d0[phase][phase];
    elapsed += -Math.log(1 - random()) / outRate;
    let u = random() * outRate, next = -1, arrival = false;
    for (let j = 0; j < n && next < 0; j++) {
      if (j !== phase && (u -= d0[phase][j]) < 0) next = j;
    }
    for (let j = 0; j < n && next < 0; j++) {
      if ((u -= d1[phase][j]) < 0) [next, arrival] = [j, true];
    }
    if (next < 0) [next, arrival] = [n - 1, true]; // u rounded past the last rate
    if (arrival) {
      times.push(elapsed);
      elapsed = 0;
    }
    phase = next;
  }
  return times;
}

/**
 * Closed forms for the MMPP(2) with arrival rates l1, l2 and switching rates r1
 * (1 -> 2), r2 (2 -> 1): the SCV and lag-k correlation as in W. Fischer and
 * K. Meier-Hellstern, "The MMPP cookbook", Performance Evaluation 18 (1993), and
 * E[X^2], E[X^3] of the phase-type inter-arrival time; all re-derived
 * symbolically with SymPy 1.14 from the 2x2 matrices.
 */
function mmpp2ClosedForms(l1: number, l2: number, r1: number, r2: number) {
  const det = l1 * l2 + l1 * r2 + l2 * r1; // det(-D0)
  const weighted = l1 * r2 + l2 * r1;
  const scv = 1 + (2 * r1 * r2 * (l1 - l2) ** 2) / ((r1 + r2) ** 2 * det);
  return {
    pi: [r2 / (r1 + r2), r1 / (r1 + r2)],
    ratePerSec: weighted / (r1 + r2),
    piArr: [(l1 * r2) / weighted, (l2 * r1) / weighted],
    moments: [
      (r1 + r2) / weighted,
      (2 * (l1 * r1 + l2 * r2 + (r1 + r2) ** 2)) / (weighted * det),
      (6 *
        (l1 ** 2 * r1 + 2 * l1 * r1 ** 2 + 2 * l1 * r1 * r2 + l2 ** 2 * r2 + 2 * l2 * r1 * r2 +
          2 * l2 * r2 ** 2 + (r1 + r2) ** 3)) / (weighted * det ** 2),
    ],
    scv,
    lagCorrelations: [1, 2, 3].map((k) => 0.5 * (1 - 1 / scv) * ((l1 * l2) / det) ** k),
  };
}

Deno.test("marginalMomentsFromMap() and friends match the Poisson closed forms at rate 7", () => {
  // Exponential(7): E[X^i] = i! / 7^i, SCV 1, independent inter-arrival times.
  const map = poissonProcess(7);
  assert.deepEqual(stationaryPhases(map), [1]);
  assert.deepEqual(arrivalPhases(map), [1]);
  assert.deepEqual(arrivalPhaseMatrix(map), [[1]]);
  assertRelClose(arrivalRatePerSec(map), 7, 1e-15);
  const moments = marginalMomentsFromMap(map);
  assert.equal(moments.length, 3);
  [1 / 7, 2 / 49, 6 / 343].forEach((m, i) => assertRelClose(moments[i], m, 1e-14));
  assertRelClose(marginalMomentsFromMap(map, 5)[4], 120 / 7 ** 5, 1e-14);
  assertClose(scvFromMap(map), 1, 1e-12);
  const rho = lagCorrelationsFromMap(map, 3);
  assert.equal(rho.length, 3);
  for (const r of rho) assertClose(r, 0, 1e-12);
});

Deno.test("stationaryPhases() and the moment functions match the MMPP(2) closed forms", () => {
  const cases = [
    [1, 5, 1, 3],
    [10, 120, 0.05, 0.05], // traces/synthetic/W14
    [10, 200, 0.01, 0.01], // traces/synthetic/W16
    [0, 40, 2, 0.5], // an interrupted Poisson process
  ];
  for (const [l1, l2, r1, r2] of cases) {
    const map = mmpp2({ rate1PerSec: l1, rate2PerSec: l2, switch12PerSec: r1, switch21PerSec: r2 });
    const expected = mmpp2ClosedForms(l1, l2, r1, r2);
    const what = `MMPP(2) ${[l1, l2, r1, r2]}`;
    stationaryPhases(map).forEach((p, i) => assertClose(p, expected.pi[i], 1e-12, what));
    arrivalPhases(map).forEach((p, i) => assertClose(p, expected.piArr[i], 1e-12, what));
    assertRelClose(arrivalRatePerSec(map), expected.ratePerSec, 1e-12, what);
    marginalMomentsFromMap(map).forEach((m, i) =>
      assertRelClose(m, expected.moments[i], 1e-10, `${what} E[X^${i + 1}]`)
    );
    assertRelClose(scvFromMap(map), expected.scv, 1e-10, what);
    lagCorrelationsFromMap(map, 3).forEach((r, k) =>
      assertRelClose(r, expected.lagCorrelations[k], 1e-8, `${what} lag ${k + 1}`)
    );
  }
});

Deno.test("lagCorrelationsFromMap() and scvFromMap() agree with a seeded Monte Carlo run", () => {
  // 200,000 inter-arrival times after 1,000 burn-in, LCG seed 1. Over seeds 1..30 the
  // errors had RMS <= 0.33% (mean), 0.52% (SCV), 0.0027 (lag 1) and maxima <= 0.65%,
  // 1.2%, 0.006; the tolerances below are about 5 RMS.
  const maps = {
    general: mapProcess([[-3, 1], [0.5, -6]], [[1.5, 0.5], [1, 4.5]]),
    mmpp: mmpp2({ rate1PerSec: 1, rate2PerSec: 5, switch12PerSec: 1, switch21PerSec: 3 }),
    bursty: mapProcess([[-10.1, 0], [0, -202]], [[0.1, 10], [200, 2]]), // traces/synthetic/W21
  };
  const count = 200_000;
  for (const [name, map] of Object.entries(maps)) {
    const x = simulateInterArrivals(map, count + 1000, lcg(1)).slice(1000);
    const mean = x.reduce((s, v) => s + v, 0) / count;
    let variance = 0, lag1 = 0;
    for (let i = 0; i < count; i++) variance += (x[i] - mean) ** 2;
    variance /= count - 1;
    for (let i = 0; i + 1 < count; i++) lag1 += (x[i] - mean) * (x[i + 1] - mean);
    lag1 /= (count - 1) * variance;
    assertRelClose(mean, marginalMomentsFromMap(map, 1)[0], 0.015, `${name} mean`);
    assertRelClose(variance / mean ** 2, scvFromMap(map), 0.025, `${name} SCV`);
    assertClose(lag1, lagCorrelationsFromMap(map)[0], 0.015, `${name} lag 1`);
  }
});

Deno.test("stationaryPhases() and arrivalPhases() return distributions for random MAPs", () => {
  const random = lcg(3433701);
  for (let trial = 0; trial < 40; trial++) {
    const map = randomMap(random);
    const pi = stationaryPhases(map);
    const piArr = arrivalPhases(map);
    const rate = arrivalRatePerSec(map);
    for (const v of [pi, piArr]) {
      assert.ok(v.every((p) => p >= 0), `negative probability in ${v}`);
      assertClose(v.reduce((s, p) => s + p, 0), 1, 1e-12);
    }
    assert.ok(rate > 0);
    // piArr = pi d1 / lambda for a MAP whose rows sum to 0.
    piArr.forEach((p, j) => {
      const fromPi = pi.reduce((s, pk, k) => s + pk * map.d1[k][j], 0) / rate;
      assertClose(p, fromPi, 1e-9);
    });
    arrivalPhaseMatrix(map).forEach((row) => {
      assert.ok(row.every((p) => p >= 0));
      assertClose(row.reduce((s, p) => s + p, 0), 1, 1e-12);
    });
  }
});

Deno.test("marginalMomentsFromMap() is consistent and scales with rates for random MAPs", () => {
  const random = lcg(10_5555);
  for (let trial = 0; trial < 40; trial++) {
    const map = randomMap(random);
    const [m1, m2, m3] = marginalMomentsFromMap(map);
    const scv = scvFromMap(map);
    const rho = lagCorrelationsFromMap(map, 5);
    assert.ok(m1 > 0 && m2 > 0 && m3 > 0);
    assertRelClose(1 / m1, arrivalRatePerSec(map), 1e-9);
    assert.ok(scv > 0, `SCV ${scv}`);
    assert.ok(m2 * m2 <= m1 * m3 * (1 + 1e-12), "Cauchy-Schwarz E[X^2]^2 <= E[X] E[X^3]");
    assert.ok(rho.every((r) => Math.abs(r) < 1), `lag correlations ${rho}`);
    if (map.d0.length === 1) { for (const r of rho) assertClose(r, 0, 1e-12); }
    // Time rescaling: rates times c divide E[X^i] by c^i, keep SCV and correlations.
    const c = 1 + 9 * random();
    const scale = (a: Matrix) => a.map((row) => row.map((x) => x * c));
    const scaled = mapProcess(scale(map.d0), scale(map.d1));
    marginalMomentsFromMap(scaled).forEach((m, i) =>
      assertRelClose(m * c ** (i + 1), [m1, m2, m3][i], 1e-9)
    );
    assertRelClose(scvFromMap(scaled), scv, 1e-9);
    lagCorrelationsFromMap(scaled, 5).forEach((r, k) => assertClose(r, rho[k], 1e-9));
  }
});

Deno.test("marginalMomentsFromMap() throws a RangeError when count is not an integer >= 1", () => {
  for (const [count, shown] of [[0, "0"], [1.5, "1.5"], [NaN, "NaN"], [-2, "-2"]]) {
    assert.throws(
      () => marginalMomentsFromMap(poissonProcess(1), count as number),
      new RangeError(
        `Cannot compute the marginal moments as 'count' must be a positive integer: ` +
          `current value is ${shown}`,
      ),
    );
  }
});

Deno.test("lagCorrelationsFromMap() throws a RangeError when lags is not an integer >= 1", () => {
  for (const [lags, shown] of [[0, "0"], [2.5, "2.5"], [NaN, "NaN"], [Infinity, "Infinity"]]) {
    assert.throws(
      () => lagCorrelationsFromMap(poissonProcess(1), lags as number),
      new RangeError(
        `Cannot compute the lag correlations as 'lags' must be a positive integer: ` +
          `current value is ${shown}`,
      ),
    );
  }
});

Deno.test("stationaryPhases() throws a RangeError when the phase process is reducible", () => {
  // Two Poisson processes that never switch: a valid MAP without a unique stationary vector.
  const map = mapProcess([[-1, 0], [0, -2]], [[1, 0], [0, 2]]);
  assert.throws(
    () => stationaryPhases(map),
    new RangeError("Cannot solve the linear system: the matrix is singular at column 1"),
  );
});

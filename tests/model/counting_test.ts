import assert from "node:assert/strict";
import { countingLattice, countingMatrices } from "../../lib/model/counting.ts";

function poissonPmf(n: number, mean: number): number {
  let logP = -mean + n * Math.log(mean);
  for (let k = 2; k <= n; k++) logP -= Math.log(k);
  return Math.exp(logP);
}

Deno.test("countingMatrices() gives Poisson probabilities and their integrals for one phase", () => {
  // Closed form: for a Poisson process of rate l, P(n, t) = e^{-lt} (lt)^n / n! and
  // I(n, t) = integral_0^t P(n, s) ds = P[Pois(lt) > n] / l.
  const rate = 7;
  const times = [0, 0.05, 0.5, 3, 120];
  const tables = countingMatrices([[-rate]], [[rate]], times, 30, { integrals: true });
  times.forEach((t, ti) => {
    let cdf = 0;
    for (let n = 0; n < 30; n++) {
      const expected = t === 0 ? (n === 0 ? 1 : 0) : poissonPmf(n, rate * t);
      cdf += expected;
      const got = tables.p[ti * 30 + n];
      assert.ok(Math.abs(got - expected) <= 1e-14 + 1e-12 * expected, `P(${n}, ${t})`);
      const expectedIntegral = t === 0 ? 0 : Math.max(0, 1 - cdf) / rate;
      const gotIntegral = tables.integral![ti * 30 + n];
      assert.ok(
        Math.abs(gotIntegral - expectedIntegral) <= 1e-13,
        `I(${n}, ${t}): ${gotIntegral} vs ${expectedIntegral}`,
      );
    }
  });
});

Deno.test("countingMatrices() rows sum to the probability of fewer than maxCount arrivals", () => {
  // Property: sum_n P(n, t) 1 + P[N(t) >= maxCount] = 1 for every start phase; with a large
  // maxCount relative to the rate the truncated mass is negligible.
  const d0 = [[-3, 1], [0.5, -20]], d1 = [[1.5, 0.5], [4, 15.5]];
  const tables = countingMatrices(d0, d1, [0.1, 0.7], 200);
  for (let t = 0; t < 2; t++) {
    for (let i = 0; i < 2; i++) {
      let s = 0;
      for (let n = 0; n < 200; n++) {
        for (let j = 0; j < 2; j++) s += tables.p[((t * 200 + n) * 2 + i) * 2 + j];
      }
      assert.ok(Math.abs(s - 1) < 1e-13, `row ${i} at t ${t}: ${s}`);
    }
  }
});

Deno.test("countingLattice() steps to the same matrices as a fresh uniformization", () => {
  // Chapman-Kolmogorov stepping against countingMatrices() at every point (both exact up to
  // rounding; 400 steps of non-negative sums keep the difference near 1e-13).
  const d0 = [[-30, 2], [1, -90]], d1 = [[20, 8], [9, 80]];
  const h = 0.0025, points = 400, maxCount = 12;
  const stepped = countingLattice(d0, d1, h, points, maxCount);
  const times = Array.from({ length: points }, (_, i) => i * h);
  const fresh = countingMatrices(d0, d1, times, maxCount, { integrals: true });
  for (let i = 0; i < fresh.p.length; i++) {
    assert.ok(Math.abs(stepped.p[i] - fresh.p[i]) < 1e-12, `p[${i}]`);
    assert.ok(Math.abs(stepped.integral![i] - fresh.integral![i]) < 1e-13, `integral[${i}]`);
  }
});

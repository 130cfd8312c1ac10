import assert from "node:assert/strict";
import { mapProcess, poissonProcess } from "../../lib/map/map_process.ts";
import {
  exactBatchStateFor,
  exactLatencyCdf,
  exactLatencyPercentile,
} from "../../lib/model/exact.ts";
import {
  variableLatencyCdf,
  variableLatencyPercentile,
  variableServiceModel,
} from "../../lib/model/service_convolution.ts";
import {
  empiricalService,
  expectedBilledSec,
  gammaService,
  lognormalService,
  serviceDistributions,
} from "../../lib/profile/service_distribution.ts";
import { simulateBuffer } from "./_buffer_monte_carlo.ts";
import { evaluateGrid } from "../../lib/model/evaluate.ts";
import { gridIndex } from "../../lib/model/types.ts";
import { pricing } from "../../lib/profile/pricing.ts";
import { profileFromJson } from "../../lib/profile/service_profile.ts";

function poissonPmf(n: number, mean: number): number {
  let logP = -mean + n * Math.log(mean);
  for (let k = 2; k <= n; k++) logP -= Math.log(k);
  return Math.exp(logP);
}

/** Composite Simpson on [a, b] with n (even) intervals: an integration independent of the model's. */
function simpson(f: (x: number) => number, a: number, b: number, n = 20_000): number {
  const h = (b - a) / n;
  let s = f(a) + f(b);
  for (let i = 1; i < n; i++) s += (i % 2 === 1 ? 4 : 2) * f(a + i * h);
  return (s * h) / 3;
}

Deno.test("B = 1: the latency is S_1, F equals the service CDF and the percentile its quantile", () => {
  const state = exactBatchStateFor(poissonProcess(5), 1, 0.1);
  for (const s1 of [gammaService(0.2, 0.3), lognormalService(0.2, 1), gammaService(0.2, 2)]) {
    const model = variableServiceModel(state, [s1]);
    for (const w of [0.01, 0.1, 0.2, 0.5, 2]) {
      assert.ok(Math.abs(variableLatencyCdf(model, w) - s1.cdf(w)) < 1e-12, `${s1.kind} ${w}`);
    }
    const w95 = variableLatencyPercentile(model, 0.95);
    assert.ok(Math.abs(w95 / s1.quantile(0.95) - 1) < 1e-12, `${s1.kind} p95 ${w95}`);
  }
});

Deno.test("Poisson timeout batches with gamma service: the closed form integrated independently", () => {
  // B so large that no batch fills: a batch of k holds the opener (wait T) and k - 1
  // arrivals whose waits are uniform on (0, T). With gamma service of mean S_k and CV 0.3:
  // E[K] F(w) = sum_k P(K = k) [H_k(w - T) + (k - 1) / T int_0^T H_k(w - u) du].
  const rate = 20, b = 40, t = 0.1;
  const dists = Array.from({ length: b }, (_, i) => gammaService(0.05 + 0.01 * (i + 1), 0.3));
  const state = exactBatchStateFor(poissonProcess(rate), b, t);
  const model = variableServiceModel(state, dists);
  const meanK = 1 + rate * t;
  const closed = (w: number) => {
    let f = 0;
    for (let k = 1; k < b; k++) { // P(K = B) = P(Pois(2) >= 39) is below 1e-30
      const h = dists[k - 1];
      const inner = simpson((u) => h.cdf(w - u), 0, t, 2000);
      f += poissonPmf(k - 1, rate * t) * (h.cdf(w - t) + ((k - 1) / t) * inner);
    }
    return f / meanK;
  };
  for (const w of [0.03, 0.07, 0.1, 0.13, 0.17, 0.22, 0.3, 0.45]) {
    const got = variableLatencyCdf(model, w), want = closed(w);
    assert.ok(Math.abs(got - want) < 1e-9, `F(${w}) = ${got}, closed form ${want}`);
  }
  for (const p of [0.5, 0.95, 0.99]) {
    const w = variableLatencyPercentile(model, p);
    assert.ok(Math.abs(closed(w) - p) < 1e-9, `p${p}: F(${w}) = ${closed(w)}`);
    // Wherever Newton starts, the same root.
    for (const guess of [0.001, 0.3, 5]) {
      assert.ok(
        Math.abs(variableLatencyPercentile(model, p, guess) / w - 1) < 1e-14,
        `guess ${guess}`,
      );
    }
  }
});

Deno.test("Full batches with lognormal service: Erlang waits convolved independently", () => {
  // T so long that batches always fill: the request with index i waits Gamma(B-1-i, rate),
  // the filler waits 0 (an atom); latency adds an independent lognormal S_B of CV 0.5.
  const rate = 60, b = 4, t = 1;
  const dists = [0.5, 0.6, 0.7, 0.8].map((m) => lognormalService(m, 0.5));
  const state = exactBatchStateFor(poissonProcess(rate), b, t, { nodeSpacing: 0.05 });
  const model = variableServiceModel(state, dists);
  const sB = dists[b - 1];
  const erlangCdf = (n: number, x: number) => {
    if (x <= 0) return 0;
    if (n === 0) return 1;
    let tail = 0;
    for (let j = 0; j < n; j++) tail += poissonPmf(j, rate * x);
    return 1 - tail;
  };
  const closed = (w: number) => {
    let f = sB.cdf(w); // the filler
    for (let n = 1; n < b; n++) {
      // P(W + S <= w) = int f_S(s) P(W <= w - s) ds over the lognormal's mass.
      f += simpson(
        (s) => sB.density(s) * erlangCdf(n, w - s),
        sB.lowSec,
        Math.min(w, sB.highSec),
        40_000,
      );
    }
    return f / b;
  };
  for (const w of [0.3, 0.6, 0.8, 1.0, 1.5, 2.5]) {
    const got = variableLatencyCdf(model, w), want = closed(w);
    assert.ok(Math.abs(got - want) < 1e-8, `F(${w}) = ${got}, independent ${want}`);
  }
});

Deno.test("Empirical service: the mixture of the deterministic model over the ratios", () => {
  // Every size with ratios {0.8, 1.2}: E[K] F(w) = sum_k (C_k(w - 0.8 S_k) + C_k(w - 1.2 S_k)) / 2,
  // the average of two deterministic models.
  const map = mapProcess([[-6, 0.5], [1, -151]], [[5, 0.5], [30, 120]]);
  const b = 6, t = 0.05;
  const means = [0.1, 0.11, 0.12, 0.13, 0.14, 0.15];
  const state = exactBatchStateFor(map, b, t);
  const model = variableServiceModel(state, means.map((m) => empiricalService(m, [0.8, 1.2])));
  const lo = means.map((m) => 0.8 * m), hi = means.map((m) => 1.2 * m);
  const want = (w: number) => (exactLatencyCdf(state, lo, w) + exactLatencyCdf(state, hi, w)) / 2;
  for (let w = 0.05; w < 0.3; w += 0.00377) {
    assert.ok(Math.abs(variableLatencyCdf(model, w) - want(w)) < 1e-14, `w ${w}`);
  }
  for (const p of [0.5, 0.9, 0.95, 0.99]) {
    const w = variableLatencyPercentile(model, p);
    assert.ok(want(w) >= p - 1e-12, `p${p}: F(${w}) = ${want(w)}`);
    assert.ok(want(w * (1 - 1e-9)) < p, `p${p}: not the smallest`);
  }
});

Deno.test("A CV going to 0 gives the deterministic model's percentile", () => {
  const map = mapProcess([[-6, 0.5], [1, -151]], [[5, 0.5], [30, 120]]);
  const b = 6, t = 0.05;
  const means = [0.1, 0.11, 0.12, 0.13, 0.14, 0.15];
  const state = exactBatchStateFor(map, b, t);
  for (const p of [0.5, 0.95]) {
    const det = exactLatencyPercentile(state, means, p);
    const model = variableServiceModel(state, means.map((m) => gammaService(m, 1e-4)));
    const w = variableLatencyPercentile(model, p);
    assert.ok(Math.abs(w / det - 1) < 2e-4, `p${p}: ${w} vs deterministic ${det}`);
  }
});

Deno.test("Random service agrees with a Monte Carlo of the buffer on a bursty MAP", () => {
  // Bursty MAP(2), B = 6, T = 50 ms, gamma service of CV 0.3 (10 ms apart in mean, so sizes
  // overlap). Monte Carlo (tests/model/_buffer_monte_carlo.ts, its own generator; the gamma
  // drawn by the distribution): seed 17, 240,000 batches in 40 blocks; 5 standard errors of
  // the block means plus 1e-4.
  const map = mapProcess([[-6, 0.5], [1, -151]], [[5, 0.5], [30, 120]]);
  const b = 6, t = 0.05;
  const dists = [0.1, 0.11, 0.12, 0.13, 0.14, 0.15].map((m) => gammaService(m, 0.3));
  const model = variableServiceModel(exactBatchStateFor(map, b, t), dists);
  const blocks = simulateBuffer(
    map,
    b,
    t,
    (k, rand) => dists[k - 1].sample({ nextFloat: rand }),
    240_000,
    40,
    17,
  ).blockLatencies;
  const check = (w: number, f: number, what: string) => {
    const shares = blocks.map((l) => l.filter((x) => x <= w).length / l.length);
    const mean = shares.reduce((s, x) => s + x, 0) / shares.length;
    const se = Math.sqrt(
      shares.reduce((s, x) => s + (x - mean) ** 2, 0) / (shares.length - 1) / shares.length,
    );
    assert.ok(
      Math.abs(f - mean) <= 5 * se + 1e-4,
      `${what}: model ${f}, simulation ${mean} +- ${se}`,
    );
  };
  for (const w of [0.05, 0.08, 0.1, 0.12, 0.15, 0.2, 0.25]) {
    check(w, variableLatencyCdf(model, w), `F(${w})`);
  }
  for (const p of [0.5, 0.95, 0.99]) check(variableLatencyPercentile(model, p), p, `p${p}`);
});

Deno.test("evaluateGrid() exact with a variable profile: the convolution's percentile and the expected billed cost; paper refuses", () => {
  const base = {
    name: "fast",
    terms: ["1", "k"],
    coefficients: [0.01, 0.034],
    memoryRangeMb: [1024, 3008],
    batchRange: [1, 20],
  };
  const profile = profileFromJson({ ...base, variability: { distribution: "gamma", cv: 0.3 } });
  const map = mapProcess([[-6, 0.5], [1, -151]], [[5, 0.5], [30, 120]]);
  const grid = { memoriesMb: [1024, 2048], timeoutsSec: [0.05, 0.1], maxBatches: [1, 5] };
  const price = pricing("aws-2020");
  const ev = evaluateGrid(map, grid, { profile, pricing: price, percentile: 0.95 });
  for (const [im, mem] of grid.memoriesMb.entries()) {
    const dists = serviceDistributions(profile, 5, mem);
    for (const [it, t] of grid.timeoutsSec.entries()) {
      for (const [ib, b] of grid.maxBatches.entries()) {
        const state = exactBatchStateFor(map, b, t);
        const idx = gridIndex(grid, im, it, ib);
        const want = variableLatencyPercentile(variableServiceModel(state, dists), 0.95);
        // The grid's lattice is shared by its timeouts: equal to interpolation accuracy.
        assert.ok(
          Math.abs(ev.latencySec[idx] / want - 1) < 1e-8,
          `${ev.latencySec[idx]} vs ${want}`,
        );
        // Mean cost: E[cost of a batch] / E[K], each batch's billed duration averaged over S_k.
        let cost = 0;
        for (let k = 1; k <= b; k++) {
          const billed = expectedBilledSec(dists[k - 1], price);
          cost += state.batchSize[k - 1] *
            (billed * (mem / 1024) * price.usdPerGbSecond + price.usdPerRequest);
        }
        assert.ok(Math.abs(ev.meanCostUsd[idx] / (cost / state.meanBatchSize) - 1) < 1e-12);
      }
    }
  }
  // The variable model costs more than rounding the mean would under 100 ms billing at B = 1:
  // S_1 = 44 ms is billed 100 ms when deterministic, but a gamma of CV 0.3 sometimes needs 200 ms.
  const det = evaluateGrid(map, grid, {
    profile: profileFromJson(base),
    pricing: price,
    percentile: 0.95,
  });
  assert.ok(ev.meanCostUsd[0] >= det.meanCostUsd[0]);
  assert.throws(
    () => evaluateGrid(map, grid, { profile, pricing: price, percentile: 0.95, method: "paper" }),
    /Cannot use the paper method with profile 'fast': its service time varies/,
  );
});

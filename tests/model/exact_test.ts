import assert from "node:assert/strict";
import { mapProcess, poissonProcess } from "../../lib/map/map_process.ts";
import {
  exactBatchStateFor,
  exactLatencyCdf,
  exactLatencyPercentile,
} from "../../lib/model/exact.ts";
import { evaluateGrid } from "../../lib/model/evaluate.ts";
import { invocationCostUsd, pricing } from "../../lib/profile/pricing.ts";
import { profileFromJson } from "../../lib/profile/service_profile.ts";
import { simulateBuffer } from "./_buffer_monte_carlo.ts";

function poissonPmf(n: number, mean: number): number {
  if (mean === 0) return n === 0 ? 1 : 0;
  let logP = -mean + n * Math.log(mean);
  for (let k = 2; k <= n; k++) logP -= Math.log(k);
  return Math.exp(logP);
}

/** P(Gamma(shape, rate) <= x) for integer shape (Erlang); shape 0 is an atom at 0. */
function erlangCdf(shape: number, rate: number, x: number): number {
  if (x < 0) return 0;
  if (shape === 0) return 1;
  let tail = 0;
  for (let n = 0; n < shape; n++) tail += poissonPmf(n, rate * x);
  return 1 - tail;
}

Deno.test("exactBatchStateFor() gives a truncated Poisson batch size for Poisson arrivals", () => {
  // Closed form: K - 1 = min(Pois(lambda T), B - 1).
  const rate = 30, b = 6, t = 0.1;
  const s = exactBatchStateFor(poissonProcess(rate), b, t);
  let acc = 0;
  for (let k = 1; k < b; k++) {
    const expected = poissonPmf(k - 1, rate * t);
    acc += expected;
    assert.ok(Math.abs(s.batchSize[k - 1] - expected) < 1e-13, `k ${k}`);
  }
  assert.ok(Math.abs(s.batchSize[b - 1] - (1 - acc)) < 1e-13);
  assert.deepEqual(s.alpha, [1]);
});

Deno.test("exactLatencyCdf() for Poisson timeout batches: waits uniform given the size", () => {
  // With B so large that no batch fills, a batch of k requests holds the opener (wait T)
  // and k - 1 arrivals uniform on (0, T): C_k(x) = (k-1) (x/T) P(K=k) for x < T, and
  // k P(K=k) from x = T on. F(w) = sum_k C_k(w - S_k) / E[K]. Service times overlap
  // (S_{k+1} - S_k = 0.01 s < T) so several sizes are active at once.
  const rate = 20, b = 60, t = 0.1;
  const service = Array.from({ length: b }, (_, i) => 0.05 + 0.01 * (i + 1));
  const s = exactBatchStateFor(poissonProcess(rate), b, t);
  const pK = (k: number) => poissonPmf(k - 1, rate * t);
  const meanK = 1 + rate * t;
  const closed = (w: number) => {
    let f = 0;
    for (let k = 1; k <= b; k++) {
      const x = w - service[k - 1];
      if (x < 0) continue;
      f += x >= t ? k * pK(k) : (k - 1) * (x / t) * pK(k);
    }
    return f / meanK;
  };
  for (let w = 0.05; w < 0.4; w += 0.00731) {
    assert.ok(Math.abs(exactLatencyCdf(s, service, w) - closed(w)) < 1e-10, `w ${w}`);
  }
  for (const p of [0.3, 0.5, 0.9, 0.95, 0.99]) {
    // The smallest w with F(w) >= p: F reaches p at w, and is below it just before
    // (F may jump at w: openers of timeout batches share the latency T + S_k).
    const w = exactLatencyPercentile(s, service, p);
    assert.ok(closed(w) >= p - 1e-10, `p ${p}: F(${w}) = ${closed(w)}`);
    assert.ok(closed(w - 1e-9) < p + 1e-10, `p ${p}: F(${w} - 1e-9) = ${closed(w - 1e-9)}`);
  }
});

Deno.test("exactLatencyCdf() with a long timeout: every batch is full, waits are Erlang", () => {
  // T so long that batches always fill (P(K < B) = P(Pois(60) < 3), about 1e-23): the request
  // with index i (0 = opener) waits for the B-1-i later arrivals, Gamma(B-1-i, lambda).
  const rate = 60, b = 4, t = 1;
  const service = [0.5, 0.6, 0.7, 0.8];
  // A fine lattice (q h <= 0.02) so that the interpolation error is below 1e-10; with the
  // default spacing it is below 1e-7 (measured: 5.6e-8 at worst, half-way between nodes).
  const s = exactBatchStateFor(poissonProcess(rate), b, t, { nodeSpacing: 0.02 });
  const coarse = exactBatchStateFor(poissonProcess(rate), b, t);
  assert.ok(Math.abs(s.batchSize[b - 1] - 1) < 1e-15);
  const closed = (w: number) => {
    let f = 0;
    for (let i = 0; i < b; i++) f += erlangCdf(b - 1 - i, rate, w - service[b - 1]);
    return f / b;
  };
  for (const w of [0.79, 0.8, 0.801, 0.81, 0.83, 0.86, 0.9, 1.0]) {
    assert.ok(Math.abs(exactLatencyCdf(s, service, w) - closed(w)) < 1e-10, `w ${w}`);
    assert.ok(Math.abs(exactLatencyCdf(coarse, service, w) - closed(w)) < 1e-7, `w ${w}`);
  }
  // The filler's atom: F jumps to 1/B at S_B.
  assert.equal(exactLatencyPercentile(s, service, 0.2), 0.8);
  const w95 = exactLatencyPercentile(s, service, 0.95);
  assert.ok(Math.abs(closed(w95) - 0.95) < 1e-10);
});

Deno.test("evaluateGrid() exact with B = 1: latency is S_1 and the cost that of one request", () => {
  const profile = profileFromJson({
    name: "linear",
    terms: ["1", "k", "m"],
    coefficients: [0.2, 0.05, -0.00002],
    memoryRangeMb: [128, 3008],
    batchRange: [1, 32],
  });
  const price = pricing("aws-x86");
  const map = mapProcess([[-10, 1], [2, -50]], [[8, 1], [3, 45]]);
  const grid = { memoriesMb: [512, 2048], timeoutsSec: [0.05, 0.2], maxBatches: [1] };
  const e = evaluateGrid(map, grid, { profile, pricing: price, percentile: 0.95 });
  grid.memoriesMb.forEach((mem, im) => {
    const s1 = 0.2 + 0.05 - 0.00002 * mem;
    for (let it = 0; it < 2; it++) {
      const i = im * 2 + it;
      assert.ok(Math.abs(e.latencySec[i] - s1) < 1e-15);
      assert.equal(e.costUsd[i], invocationCostUsd(price, s1, mem));
      assert.equal(e.percentileBatchSize[i], 1);
    }
  });
});

function meanAndError(values: number[]): { mean: number; se: number } {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1);
  return { mean, se: Math.sqrt(variance / n) };
}

Deno.test("exact model agrees with a Monte Carlo of the buffer on a bursty MAP", () => {
  // A bursty MAP(2) (rates 5/s and 150/s, SCV well above 1), B = 6, T = 50 ms, service
  // times 10 ms apart so that several batch sizes overlap in the latency CDF. Monte Carlo:
  // seed 7, 240,000 batches in 40 blocks; tolerances are 5 standard errors of the block
  // means (plus 1e-4 for the block dependence), so a correct model fails about 1 in 1e6.
  const map = mapProcess([[-6, 0.5], [1, -151]], [[5, 0.5], [30, 120]]);
  const b = 6, t = 0.05;
  const service = [0.1, 0.11, 0.12, 0.13, 0.14, 0.15];
  const s = exactBatchStateFor(map, b, t);
  const sim = simulateBuffer(map, b, t, (k) => service[k - 1], 240_000, 40, 7);
  for (let k = 1; k <= b; k++) {
    const shares = sim.blockSizes.map((sz) => sz[k] / sz.reduce((x, y) => x + y, 0));
    const { mean, se } = meanAndError(shares);
    assert.ok(
      Math.abs(s.batchSize[k - 1] - mean) <= 5 * se + 1e-4,
      `P(K=${k}): model ${s.batchSize[k - 1]}, simulation ${mean} +- ${se}`,
    );
  }
  // Points off the breakpoints S_k and S_k + T, where F jumps.
  for (const w of [0.1013, 0.1213, 0.1313, 0.1513, 0.1613, 0.1713, 0.1813, 0.1913]) {
    const shares = sim.blockLatencies.map((l) => l.filter((x) => x <= w).length / l.length);
    const { mean, se } = meanAndError(shares);
    const model = exactLatencyCdf(s, service, w);
    assert.ok(
      Math.abs(model - mean) <= 5 * se + 1e-4,
      `F(${w}): model ${model}, simulation ${mean} +- ${se}`,
    );
  }
  for (const p of [0.5, 0.95, 0.99]) {
    const w = exactLatencyPercentile(s, service, p);
    const shares = sim.blockLatencies.map((l) => l.filter((x) => x <= w).length / l.length);
    const { mean, se } = meanAndError(shares);
    assert.ok(Math.abs(mean - p) <= 5 * se + 1e-4, `p${p}: w ${w}, simulated F ${mean}`);
  }
});

Deno.test("exact model agrees with a Monte Carlo of the buffer on a three-phase MAP", () => {
  // A MAP(3) with hidden and arrival transitions between all phases, B = 3, T = 0.1 s, so
  // that batches both fill and time out. Same statistics as above: seed 11, 240,000 batches
  // in 40 blocks, 5 standard errors plus 1e-4.
  const map = mapProcess(
    [[-12, 1, 1], [0.5, -40, 2], [3, 0.5, -3.5]],
    [[8, 1, 1], [5, 30, 2.5], [0, 0, 0]],
  );
  const b = 3, t = 0.1;
  const service = [0.2, 0.23, 0.26];
  const s = exactBatchStateFor(map, b, t);
  const sim = simulateBuffer(map, b, t, (k) => service[k - 1], 240_000, 40, 11);
  for (let k = 1; k <= b; k++) {
    const shares = sim.blockSizes.map((sz) => sz[k] / sz.reduce((x, y) => x + y, 0));
    const { mean, se } = meanAndError(shares);
    assert.ok(Math.abs(s.batchSize[k - 1] - mean) <= 5 * se + 1e-4, `P(K=${k})`);
  }
  for (const p of [0.25, 0.5, 0.75, 0.9, 0.95, 0.99]) {
    const w = exactLatencyPercentile(s, service, p);
    const shares = sim.blockLatencies.map((l) => l.filter((x) => x <= w).length / l.length);
    const { mean, se } = meanAndError(shares);
    assert.ok(Math.abs(mean - p) <= 5 * se + 1e-4, `p${p}: w ${w}, simulated F ${mean}`);
  }
});

Deno.test("evaluateGrid() exact gives the same answer on shared and per-timeout lattices", () => {
  // 0.1 and 0.1 * pi have no common step, so each timeout gets its own lattice; each must
  // match the timeout evaluated alone (to the interpolation error, far below 1e-9 s).
  const map = mapProcess([[-6, 0.5], [1, -151]], [[5, 0.5], [30, 120]]);
  const profile = profileFromJson({
    name: "linear",
    terms: ["1", "k"],
    coefficients: [0.1, 0.01],
    memoryRangeMb: [128, 3008],
    batchRange: [1, 32],
  });
  const inputs = { profile, pricing: pricing("paper"), percentile: 0.95 };
  const both = evaluateGrid(
    map,
    { memoriesMb: [1024], timeoutsSec: [0.1, 0.1 * Math.PI], maxBatches: [5, 9] },
    inputs,
  );
  [0.1, 0.1 * Math.PI].forEach((t, it) => {
    [5, 9].forEach((b, ib) => {
      const alone = evaluateGrid(
        map,
        { memoriesMb: [1024], timeoutsSec: [t], maxBatches: [b] },
        inputs,
      );
      assert.ok(Math.abs(both.latencySec[it * 2 + ib] - alone.latencySec[0]) < 1e-9);
      assert.ok(Math.abs(both.costUsd[it * 2 + ib] / alone.costUsd[0] - 1) < 1e-12);
    });
  });
});

Deno.test("exactLatencyPercentile() does not depend on the node spacing beyond 1e-9 s", () => {
  // Convergence check of the interpolation: a coarse and a very fine lattice agree.
  const map = mapProcess([[-6, 0.5], [1, -151]], [[5, 0.5], [30, 120]]);
  const service = [0.1, 0.11, 0.12, 0.13, 0.14, 0.15, 0.16, 0.17];
  const coarse = exactBatchStateFor(map, 8, 0.2);
  const fine = exactBatchStateFor(map, 8, 0.2, { nodeSpacing: 0.005 });
  for (const p of [0.5, 0.9, 0.95, 0.99]) {
    const a = exactLatencyPercentile(coarse, service, p);
    const c = exactLatencyPercentile(fine, service, p);
    assert.ok(Math.abs(a - c) < 1e-9, `p${p}: ${a} vs ${c}`);
  }
});

Deno.test("exactLatencyPercentile() memoizes nothing that changes the answer", () => {
  // One state reused across memories (service-time vectors) must give what a fresh state
  // gives each time: the memo only holds offsets that do not depend on the memory.
  const map = mapProcess([[-6, 0.5], [1, -151]], [[5, 0.5], [30, 120]]);
  const reused = exactBatchStateFor(map, 8, 0.05);
  for (let shift = 0; shift < 1; shift += 0.0731) {
    for (const step of [0.01, 0.06, 0.3]) {
      const service = Array.from({ length: 8 }, (_, i) => 0.4 + shift + step * (i + 1));
      for (const p of [0.5, 0.95, 0.99]) {
        const fresh = exactBatchStateFor(map, 8, 0.05);
        const a = exactLatencyPercentile(reused, service, p);
        const c = exactLatencyPercentile(fresh, service, p);
        assert.ok(Math.abs(a - c) <= 1e-12, `shift ${shift}, step ${step}, p ${p}: ${a} vs ${c}`);
      }
    }
  }
});

import assert from "node:assert/strict";
import { poissonProcess } from "../../lib/map/map_process.ts";
import { evaluateGrid } from "../../lib/model/evaluate.ts";
import type { ModelMethod } from "../../lib/model/types.ts";
import { pricing } from "../../lib/profile/pricing.ts";
import { publishedProfile } from "../../lib/profile/service_profile.ts";

const inputs = {
  profile: publishedProfile("TF-resnetV2"),
  pricing: pricing("paper"),
  percentile: 0.95,
};
const grid = { memoriesMb: [2048], timeoutsSec: [0.1], maxBatches: [4] };

Deno.test("evaluateGrid() rejects a bad percentile, grid or method", () => {
  const map = poissonProcess(10);
  const cases: [() => unknown, string][] = [
    [
      () => evaluateGrid(map, grid, { ...inputs, percentile: 1 }),
      "Cannot use percentile 1: it must be within (0, 1)",
    ],
    [
      () => evaluateGrid(map, grid, { ...inputs, percentile: NaN }),
      "Cannot use percentile NaN: it must be within (0, 1)",
    ],
    [
      () => evaluateGrid(map, { ...grid, timeoutsSec: [] }, inputs),
      "Cannot evaluate an empty grid: timeoutsSec has no values",
    ],
    [
      () => evaluateGrid(map, { ...grid, timeoutsSec: [0] }, inputs),
      "Cannot use timeout 0 s: it must be > 0",
    ],
    [
      () => evaluateGrid(map, { ...grid, maxBatches: [2.5] }, inputs),
      "Cannot use max batch 2.5: it must be an integer >= 1",
    ],
    [
      () => evaluateGrid(map, grid, { ...inputs, method: "fast" as unknown as ModelMethod }),
      "Cannot use method 'fast': expected exact or paper",
    ],
  ];
  for (const [run, message] of cases) assert.throws(run, { name: "RangeError", message });
});

Deno.test("evaluateGrid() costs: the mean per request and the percentile batch's cost", () => {
  // Poisson arrivals at 20/s, B = 4, T = 0.1 s: K - 1 = min(Pois(2), 3) (closed form).
  const e = evaluateGrid(poissonProcess(20), grid, inputs);
  const pmf = [Math.exp(-2), 2 * Math.exp(-2), 2 * Math.exp(-2)];
  const pK = [...pmf, 1 - pmf[0] - pmf[1] - pmf[2]];
  const service = (k: number) => {
    const c = [
      4.10287326093357,
      2.44209348386686,
      -0.003744827715921,
      0.00146578966951,
      -0.001200716327886,
      0.00000154147156981117,
      0.000169790388555,
      -0.00000169402238148543,
      0.000000193096097179588,
      -0.000000000214320561298109,
    ];
    const m = 2048;
    return c[0] + c[1] * k + c[2] * m + c[3] * k ** 2 + c[4] * k * m + c[5] * m ** 2 +
      c[6] * k ** 3 + c[7] * m * k ** 2 + c[8] * k * m ** 2 + c[9] * m ** 3;
  };
  // Paper pricing: continuous GB-s at 0.0000166667 USD plus 0.0000002 USD per invocation.
  const batchCost = (k: number) => service(k) * 2 * 0.0000166667 + 0.0000002;
  let cost = 0, size = 0;
  pK.forEach((p, i) => {
    cost += p * batchCost(i + 1);
    size += p * (i + 1);
  });
  assert.ok(Math.abs(e.meanCostUsd[0] / (cost / size) - 1) < 1e-12);
  assert.equal(e.costUsd[0], e.meanCostUsd[0]);
  // p95 of K: P(K <= 3) = 5 e^-2 = 0.677 < 0.95, so the percentile batch size is 4.
  assert.equal(e.percentileBatchSize[0], 4);
  assert.ok(Math.abs(e.percentileCostUsd[0] / (batchCost(4) / 4) - 1) < 1e-12);
});

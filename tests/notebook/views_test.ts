import assert from "node:assert/strict";
import { mapArrivals } from "../../lib/arrivals/streams.ts";
import { batchesFrameFromColumns, requestsFrameFromColumns } from "../../lib/frames/run_frames.ts";
import { poissonProcess } from "../../lib/map/map_process.ts";
import { checkModel } from "../../lib/notebook/model_check.ts";
import { describeConfiguration } from "../../lib/notebook/configuration_view.ts";
import { viewRun } from "../../lib/notebook/run_view.ts";
import { invocationCostUsd, pricing } from "../../lib/profile/pricing.ts";
import { publishedProfile, serviceTimeSec } from "../../lib/profile/service_profile.ts";
import { seededPrng } from "../../lib/random/prng.ts";
import { ColumnSink } from "../../lib/sim/column_sink.ts";
import { simulateBuffer } from "../../lib/sim/simulator.ts";

const profile = publishedProfile("mxnet-resnet50");
const price = pricing("paper");
const display = (x: object) =>
  (x as Record<symbol, () => Record<string, string>>)[Symbol.for("Jupyter.display")]();

/** P(1 + min(N, B - 1) = k), N ~ Poisson(lambda T): the batch size under Poisson arrivals. */
function truncatedPoissonMean(lambdaT: number, maxBatch: number): number {
  let mean = 0, p = Math.exp(-lambdaT), tail = 1;
  for (let n = 0; n < maxBatch - 1; n++) {
    mean += (1 + n) * p;
    tail -= p;
    p *= lambdaT / (n + 1);
  }
  return mean + maxBatch * tail;
}

Deno.test("describeConfiguration(): Poisson closed forms for both methods, and a display", () => {
  // B = 1: every request is served alone at once, latency S_1 exactly.
  const one = describeConfiguration(poissonProcess(20), {
    profile,
    pricing: price,
    memoryMb: 2048,
    maxBatch: 1,
    timeoutSec: 0.1,
  });
  const s1 = serviceTimeSec(profile, 1, 2048);
  for (const f of one.figures) {
    assert.equal(f.meanBatchSize, 1);
    // The paper's method finds percentiles by bisection to 0.01 s, as solver.py.
    const tolerance = f.method === "exact" ? 1e-6 : 0.01;
    for (const p of [f.p50Sec, f.p95Sec, f.p99Sec]) {
      assert.ok(Math.abs(p - s1) <= tolerance, `${f.method}: ${p} vs ${s1}`);
    }
    assert.ok(Math.abs(f.meanCostUsd - invocationCostUsd(price, s1, 2048)) < 1e-15);
  }
  // B = 5, T = 0.1 s at 20/s: the batch size is 1 + min(N, 4), N ~ Poisson(2).
  const five = describeConfiguration(poissonProcess(20), {
    profile,
    pricing: price,
    memoryMb: 2048,
    maxBatch: 5,
    timeoutSec: 0.1,
    sloSec: 1,
  });
  assert.deepEqual(five.figures.map((f) => f.method), ["exact", "paper"]);
  for (const f of five.figures) {
    assert.ok(Math.abs(f.meanBatchSize - truncatedPoissonMean(2, 5)) < 1e-9, `${f.method}`);
  }
  const shown = display(five);
  assert.match(shown["text/plain"], /^mxnet-resnet50, M = 2048 MB, B = 5, T = 0.1 s\nmethod/);
  assert.equal((shown["text/html"].match(/<svg/g) ?? []).length, 1);
  assert.match(shown["text/html"], /SLO 1 s/);
});

Deno.test("viewRun(): the summary agrees with the simulator's own, the model's beside it", () => {
  const map = poissonProcess(30);
  const sink = new ColumnSink();
  // Seed 4, 20,000 requests.
  const sim = simulateBuffer(mapArrivals(map, { prng: seededPrng(4) }), {
    maxBatch: 8,
    timeoutSec: 0.2,
    memoryMb: 3008,
    profile,
    pricing: price,
    requests: 20_000,
    sink,
  });
  const view = viewRun(
    requestsFrameFromColumns(sink.requests()),
    batchesFrameFromColumns(sink.batches()),
    {
      pricing: price,
      model: { map, profile, memoryMb: 3008, maxBatch: 8, timeoutSec: 0.2 },
      title: "seed 4",
    },
  );
  assert.equal(view.summary.requests, sim.requests);
  assert.equal(view.summary.batches, sim.batches);
  assert.ok(Math.abs(view.summary.meanBatchSize - sim.meanBatchSize) < 1e-12);
  assert.ok(Math.abs(view.summary.costPerRequestUsd / sim.costPerRequestUsd - 1) < 1e-9);
  // The model's mean batch size: the closed form, which the simulation approaches.
  const exact = truncatedPoissonMean(30 * 0.2, 8);
  assert.ok(Math.abs(view.prediction!.meanBatchSize - exact) < 1e-9);
  assert.ok(Math.abs(view.summary.meanBatchSize / exact - 1) < 0.02);
  assert.deepEqual(
    [...new Set(view.latencyCdf.getColumn("source").toArray())],
    ["measured", "model (exact)"],
  );
  const shown = display(view);
  assert.match(shown["text/plain"], /mean batch size \(requests\) +\d\.\d+ +\d\.\d+/);
  assert.match(shown["text/html"], /<svg/);
});

Deno.test("checkModel(): the exact method is within simulation noise, both methods tabled", () => {
  const check = checkModel([{
    label: "Poisson 30/s",
    map: poissonProcess(30),
    maxBatch: 8,
    timeoutSec: 0.2,
    memoryMb: 3008,
    profile,
  }], { requests: 50_000, seed: 2 });
  const [c] = check.cases;
  // 50,000 requests in about 7,000 batches: the Kolmogorov noise is of order 0.01.
  assert.ok(c.result.exact.kolmogorov < 0.02, `${c.result.exact.kolmogorov}`);
  assert.equal(c.result.simulated.requests, 50_000);
  assert.deepEqual(
    [...new Set(c.latencyCdf.getColumn("source").toArray())],
    ["simulated", "model (exact)", "model (paper)"],
  );
  const text = display(check)["text/plain"];
  assert.equal(text.split("\n").length, 1 + 2);
  assert.match(text, /Poisson 30\/s .* exact .*\n.* paper /);
});

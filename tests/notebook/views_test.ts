import assert from "node:assert/strict";
import { mapArrivals } from "../../lib/arrivals/streams.ts";
import { batchesFrameFromColumns, requestsFrameFromColumns } from "../../lib/frames/run_frames.ts";
import { poissonProcess } from "../../lib/map/map_process.ts";
import { checkModel } from "../../lib/notebook/model_check.ts";
import { describeConfiguration } from "../../lib/notebook/configuration_view.ts";
import { viewRun } from "../../lib/notebook/run_view.ts";
import { SERVICE_MODEL_COLORS } from "../../lib/charts/chart_specs.ts";
import { predictConfiguration } from "../../lib/model/predict.ts";
import { invocationCostUsd, pricing } from "../../lib/profile/pricing.ts";
import { gammaService, withServiceCv } from "../../lib/profile/service_distribution.ts";
import {
  profileFromJson,
  publishedProfile,
  serviceTimeSec,
} from "../../lib/profile/service_profile.ts";
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

Deno.test("describeConfiguration(): a varying service beside the deterministic one, figures and CDFs", () => {
  const map = poissonProcess(20);
  const varied = withServiceCv(profile, 0.3, "gamma");
  // aws-2020 bills in 100 ms steps: the variable service's expected bill differs from the mean's.
  const config = { pricing: pricing("aws-2020"), memoryMb: 2048, maxBatch: 5, timeoutSec: 0.1 };
  const view = describeConfiguration(map, { ...config, profile: varied, sloSec: 1 });
  assert.equal(view.variable, true);
  const [fixed, gamma] = view.figures;
  // The deterministic column is the profile without its variability, as described on its own.
  const alone = describeConfiguration(map, { ...config, profile, methods: ["exact"] });
  assert.equal(alone.variable, false);
  assert.deepEqual(fixed, alone.figures[0]);
  // The variable column is predictConfiguration's (the same code path: equal to the last bit).
  const prediction = predictConfiguration({ map, profile: varied, ...config });
  assert.deepEqual(gamma, {
    method: "exact",
    service: "gamma, CV 0.3",
    meanBatchSize: prediction.meanBatchSize,
    p50Sec: prediction.percentile(0.5),
    p95Sec: prediction.percentile(0.95),
    p99Sec: prediction.percentile(0.99),
    meanCostUsd: prediction.costPerRequestUsd,
    coldStartProbability: 0,
  });
  // The batch sizes do not depend on the service; a wider service lengthens the p99.
  assert.ok(Math.abs(gamma.meanBatchSize / fixed.meanBatchSize - 1) < 1e-12);
  assert.ok(gamma.p99Sec > fixed.p99Sec * 1.1, `${gamma.p99Sec} vs ${fixed.p99Sec}`);
  assert.notEqual(gamma.meanCostUsd, fixed.meanCostUsd);

  // Both CDFs on one grid, each nondecreasing within [0, 1].
  const sources = ["exact model, deterministic service", "exact model, gamma, CV 0.3"];
  const cdf = view.latencyCdf;
  assert.deepEqual([...new Set(cdf.getColumn("source").toArray())], sources);
  const records = cdf.toRecords() as { latency_sec: number; cdf: number; source: string }[];
  const curve = (source: string) => records.filter((r) => r.source === source);
  const [a, b] = sources.map(curve);
  assert.deepEqual(a.map((r) => r.latency_sec), b.map((r) => r.latency_sec));
  for (const c of [a, b]) {
    c.forEach((r, i) => {
      assert.ok(r.cdf >= 0 && r.cdf <= 1 + 1e-12);
      if (i > 0) assert.ok(r.cdf >= c[i - 1].cdf - 1e-12, `${r.latency_sec}`);
    });
  }

  // The batch sizes once: they do not depend on the service.
  assert.deepEqual(
    [...new Set(view.batchSizes.getColumn("source").toArray())],
    ["exact model, either service"],
  );
  // One colour per meaning, whatever the order; a legend; the SLO drawn.
  const [cdfSpec, sizeSpec] = view.charts().specs;
  assert.deepEqual(sizeSpec.color?.range, [SERVICE_MODEL_COLORS.shared]);
  assert.deepEqual(cdfSpec.color?.domain, sources);
  assert.deepEqual(cdfSpec.color?.range, [
    SERVICE_MODEL_COLORS.deterministic,
    SERVICE_MODEL_COLORS.variable,
  ]);
  assert.equal(cdfSpec.color?.legend, true);
  const shown = display(view);
  const lines = shown["text/plain"].split("\n");
  assert.equal(
    lines[0],
    "mxnet-resnet50, M = 2048 MB, B = 5, T = 0.1 s, service gamma, CV 0.3",
  );
  assert.match(lines[1], /^exact model +deterministic +gamma, CV 0\.3 +change \(%\)$/);
  assert.deepEqual(
    lines.slice(2).map((l) => l.split(/  +/)[0]),
    [
      "mean batch size (requests)",
      "p50 latency (s)",
      "p95 latency (s)",
      "p99 latency (s)",
      "mean cost (µUSD/request)",
    ],
  );
  // The p99 row: both to 4 digits and the change to 3.
  const change = 100 * (gamma.p99Sec / fixed.p99Sec - 1);
  assert.deepEqual(lines[5].split(/  +/).slice(1).map(Number), [
    Number(fixed.p99Sec.toPrecision(4)),
    Number(gamma.p99Sec.toPrecision(4)),
    Number(change.toPrecision(3)),
  ]);
  assert.equal((shown["text/html"].match(/<svg/g) ?? []).length, 1);
  assert.match(shown["text/html"], /SLO 1 s/);
  assert.match(shown["text/html"], new RegExp(SERVICE_MODEL_COLORS.variable));
});

Deno.test("describeConfiguration(): B = 1 with gamma service is the gamma's quantiles; continuous billing keeps the cost", () => {
  // B = 1: every request is served alone at once, its latency S_1 ~ gamma(mean s1, CV 0.3).
  const varied = withServiceCv(profile, 0.3, "gamma");
  const view = describeConfiguration(poissonProcess(20), {
    profile: varied,
    pricing: price,
    memoryMb: 2048,
    maxBatch: 1,
    timeoutSec: 0.1,
  });
  const s1 = serviceTimeSec(profile, 1, 2048);
  const [fixed, gamma] = view.figures;
  const service = gammaService(s1, 0.3);
  for (const [p, w] of [[0.5, gamma.p50Sec], [0.95, gamma.p95Sec], [0.99, gamma.p99Sec]]) {
    assert.ok(Math.abs(w / service.quantile(p) - 1) < 1e-9, `p${p * 100}: ${w}`);
  }
  for (const w of [fixed.p50Sec, fixed.p95Sec, fixed.p99Sec]) assert.ok(Math.abs(w - s1) < 1e-6);
  // The paper's pricing bills the duration unrounded: the cost is linear in it, so only the
  // mean service time counts, and every distribution keeps S(k, m) as its mean.
  assert.ok(Math.abs(gamma.meanCostUsd / fixed.meanCostUsd - 1) < 1e-12);
  assert.ok(Math.abs(fixed.meanCostUsd - invocationCostUsd(price, s1, 2048)) < 1e-15);
});

Deno.test("describeConfiguration(): cold starts beside the warm deterministic model", () => {
  const map = poissonProcess(2);
  const cold = profileFromJson({ ...profile, coldStart: { initSec: 0.25 } });
  const config = { pricing: pricing("aws-x86"), memoryMb: 2048, maxBatch: 5, timeoutSec: 0.1 };
  const view = describeConfiguration(map, { ...config, profile: cold, keepAliveSec: 60 });
  const [fixed, warmCold] = view.figures;
  const prediction = predictConfiguration({ map, profile: cold, ...config, keepAliveSec: 60 });
  assert.equal(warmCold.service, "cold starts (Init 0.25 s, keep-alive 60 s)");
  assert.equal(warmCold.coldStartProbability, prediction.coldStartProbability);
  assert.ok(warmCold.coldStartProbability > 0);
  assert.equal(warmCold.meanCostUsd, prediction.costPerRequestUsd);
  assert.equal(fixed.coldStartProbability, 0);
  // aws-x86 bills the Init Duration since August 2025: cold starts cost more.
  assert.ok(warmCold.meanCostUsd > fixed.meanCostUsd);
  const text = display(view)["text/plain"];
  assert.match(text, /^exact model +deterministic, no cold starts +cold starts \(Init/m);
  assert.match(text, /\nP\(batch starts cold\) +0 +\d\.\d+$/);
  assert.deepEqual(
    [...new Set(view.latencyCdf.getColumn("source").toArray())],
    [
      "exact model, deterministic service, no cold starts",
      "exact model, cold starts (Init 0.25 s, keep-alive 60 s)",
    ],
  );
});

Deno.test("describeConfiguration(): the paper method with a varying service is a RangeError", () => {
  assert.throws(
    () =>
      describeConfiguration(poissonProcess(20), {
        profile: withServiceCv(profile, 0.3, "gamma"),
        pricing: price,
        memoryMb: 2048,
        maxBatch: 5,
        timeoutSec: 0.1,
        methods: ["exact", "paper"],
      }),
    {
      name: "RangeError",
      message: "Cannot describe the paper method with profile 'mxnet-resnet50': its service " +
        "time varies or has cold starts (gamma, CV 0.3), and the paper's model has one time " +
        "per batch size; the exact method shows it beside deterministic service",
    },
  );
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

import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { mapArrivals } from "../../lib/arrivals/streams.ts";
import {
  DEFAULT_MODEL_CDF_POINTS,
  modelBatchSizeFrame,
  modelLatencyCdfFrame,
  modelSourceName,
} from "../../lib/frames/model_frames.ts";
import { batchesFrameFromColumns, requestsFrameFromColumns } from "../../lib/frames/run_frames.ts";
import {
  batchSizeHistogramFrame,
  latencyCdfFrame,
  MEASURED_SOURCE,
} from "../../lib/frames/run_summaries.ts";
import { mmpp2, poissonProcess } from "../../lib/map/map_process.ts";
import { pricing } from "../../lib/profile/pricing.ts";
import { profileFromJson } from "../../lib/profile/service_profile.ts";
import { seededPrng } from "../../lib/random/prng.ts";
import { ColumnSink } from "../../lib/sim/column_sink.ts";
import { simulateBuffer } from "../../lib/sim/simulator.ts";

/** Poisson(mean) probabilities of 0 .. count - 1, from the recursion p(n) = p(n - 1) mean / n. */
function poissonPmf(mean: number, count: number): number[] {
  const p = count > 0 ? [Math.exp(-mean)] : [];
  for (let n = 1; n < count; n++) p.push((p[n - 1] * mean) / n);
  return p;
}

/**
 * Closed form of the batch size under Poisson arrivals at rate `rate`: the opener, then
 * N ~ Poisson(rate T) arrivals in the timeout, at most B - 1 of them, so K = 1 + min(N, B - 1)
 * (a truncated Poisson): P(K = k) = p(k - 1) for k < B, and the rest for k = B.
 */
function truncatedPoisson(rate: number, timeoutSec: number, maxBatch: number): number[] {
  const p = poissonPmf(rate * timeoutSec, maxBatch - 1);
  return [...p, 1 - p.reduce((a, b) => a + b, 0)];
}

/** Service times S_k = a + b k seconds at any memory. */
function linearProfile(a: number, b: number) {
  return profileFromJson({
    name: "linear",
    terms: ["1", "k"],
    coefficients: [a, b],
    memoryRangeMb: [128, 10240],
    batchRange: [1, 64],
  });
}

Deno.test("modelBatchSizeFrame() exact: Poisson arrivals give the truncated Poisson closed form", () => {
  for (const [rate, t, b] of [[10, 0.1, 2], [50, 0.1, 5], [200, 0.05, 20], [3, 0.5, 1]]) {
    const frame = modelBatchSizeFrame(poissonProcess(rate), { maxBatch: b, timeoutSec: t });
    assert.deepEqual(frame.columns, ["batch_size", "share", "source"]);
    assert.deepEqual(
      Object.values(frame.schema).map(String),
      ["DataType(Int32)", "DataType(Float64)", "DataType(String)"],
    );
    assert.deepEqual(
      frame.getColumn("batch_size").toArray(),
      Array.from({ length: b }, (_, i) => i + 1),
    );
    const share = frame.getColumn("share").toArray() as number[];
    const expected = truncatedPoisson(rate, t, b);
    share.forEach((s, k) =>
      assert.ok(Math.abs(s - expected[k]) < 1e-10, `rate ${rate} B ${b} k ${k + 1}: ${s}`)
    );
    assert.deepEqual(frame.getColumn("source").toArray(), new Array(b).fill("model (exact)"));
  }
});

Deno.test("modelBatchSizeFrame() paper: the truncated Poisson too, with a float32-exact rate", () => {
  // solver.py reads the MAP as float32; 20/s is exact in float32, so the only difference
  // to the closed form is rounding.
  const frame = modelBatchSizeFrame(poissonProcess(20), {
    maxBatch: 8,
    timeoutSec: 0.1,
    method: "paper",
  });
  const share = frame.getColumn("share").toArray() as number[];
  const expected = truncatedPoisson(20, 0.1, 8);
  share.forEach((s, k) => assert.ok(Math.abs(s - expected[k]) < 1e-10, `k ${k + 1}: ${s}`));
  assert.equal(frame.getColumn("source").get(0), "model (paper)");
});

Deno.test("modelLatencyCdfFrame() exact: within 0.01 of a seeded simulation (Kolmogorov on 400 points)", () => {
  // MMPP(2) (20/s and 120/s, switching at 2/s), B = 5, T = 0.05 s, S_k = 0.05 + 0.01 k s,
  // 200,000 simulated requests (about 50,000 batches), seed 1. The tolerance 0.01 is the
  // DKW bound sqrt(ln(2 / 1e-6) / (2 * 50,000)) = 0.0087, rounded up, with batches as the
  // independent units; README's validation finds 0.002 at 2,000,000 requests. The paper
  // method's uniform-wait assumption is 0.15 off here, so the check tells them apart.
  const map = mmpp2({ rate1PerSec: 20, rate2PerSec: 120, switch12PerSec: 2, switch21PerSec: 2 });
  const profile = linearProfile(0.05, 0.01);
  const config = { maxBatch: 5, timeoutSec: 0.05, memoryMb: 1024, profile };
  const sim = simulateBuffer(mapArrivals(map, { prng: seededPrng(1) }), {
    ...config,
    pricing: pricing("paper"),
    requests: 200_000,
    keepLatencies: true,
  });
  const sorted = sim.latencies!.sort();
  // Share of simulated latencies <= x (plus 1e-9 s: completion minus arrival is a hair
  // off the model's atoms in floating point).
  const ecdf = (x: number) => {
    let lo = 0, hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid] <= x + 1e-9) lo = mid + 1;
      else hi = mid;
    }
    return lo / sorted.length;
  };
  const distance = (method: "exact" | "paper") => {
    const frame = modelLatencyCdfFrame(map, { ...config, method, points: 400 });
    const xs = frame.getColumn("latency_sec").toArray() as number[];
    const cdf = frame.getColumn("cdf").toArray() as number[];
    return Math.max(...xs.map((x, i) => Math.abs(cdf[i] - ecdf(x))));
  };
  const exact = distance("exact");
  assert.ok(exact < 0.01, `exact: Kolmogorov distance ${exact}`);
  const paper = distance("paper");
  assert.ok(paper > 0.1, `paper: Kolmogorov distance ${paper}`);
});

Deno.test("modelLatencyCdfFrame() exact with B = 1: a step from 0 to 1 at S_1", () => {
  // Every request is alone and waits nothing: its latency is S_1 = 0.2 + 0.03 = 0.23 s.
  const frame = modelLatencyCdfFrame(poissonProcess(5), {
    maxBatch: 1,
    timeoutSec: 0.1,
    memoryMb: 1024,
    profile: linearProfile(0.2, 0.03),
    latenciesSec: [0, 0.229999, 0.23, 0.25, 10],
  });
  assert.deepEqual(frame.getColumn("latency_sec").toArray(), [0, 0.229999, 0.23, 0.25, 10]);
  const cdf = frame.getColumn("cdf").toArray() as number[];
  [0, 0, 1, 1, 1].forEach((c, i) => assert.ok(Math.abs(cdf[i] - c) < 1e-9, `${i}: ${cdf[i]}`));
});

Deno.test("modelLatencyCdfFrame() paper: the paper's uniform waits over the size-biased sizes", () => {
  // The paper's CDF: a request of a batch of size k waits uniformly on [0, T] (on
  // [0, min(tau, T)] for k = B), plus S_k; requests see q_k = k p_k / E[K]. With Poisson
  // arrivals p_k is the truncated Poisson, and tau = (B - 1) / rate = 0.95 s > T. With
  // S_k = 0.1 + 0.2 k the windows [S_k, S_k + T] do not overlap, where the paper's
  // piecewise formula is exactly this mixture.
  const rate = 20, t = 0.1, b = 20;
  const p = truncatedPoisson(rate, t, b);
  const mean = p.reduce((acc, pk, k) => acc + (k + 1) * pk, 0);
  const q = p.map((pk, k) => ((k + 1) * pk) / mean);
  const s = (k: number) => 0.1 + 0.2 * k;
  const expected = (x: number) =>
    q.reduce((acc, qk, i) => acc + qk * Math.min(1, Math.max(0, (x - s(i + 1)) / t)), 0);
  const frame = modelLatencyCdfFrame(poissonProcess(rate), {
    maxBatch: b,
    timeoutSec: t,
    memoryMb: 1024,
    profile: linearProfile(0.1, 0.2),
    method: "paper",
  });
  const xs = frame.getColumn("latency_sec").toArray() as number[];
  const cdf = frame.getColumn("cdf").toArray() as number[];
  assert.equal(xs.length, DEFAULT_MODEL_CDF_POINTS);
  assert.ok(Math.abs(xs[0] - s(1)) < 1e-12 && Math.abs(xs[xs.length - 1] - (s(b) + t)) < 1e-12);
  xs.forEach((x, i) => assert.ok(Math.abs(cdf[i] - expected(x)) < 1e-9, `at ${x}: ${cdf[i]}`));
});

Deno.test("modelLatencyCdfFrame() is a CDF: nondecreasing from 0 to 1 on its grid, both methods", () => {
  const map = mmpp2({ rate1PerSec: 5, rate2PerSec: 80, switch12PerSec: 1, switch21PerSec: 3 });
  for (const method of ["exact", "paper"] as const) {
    const frame = modelLatencyCdfFrame(map, {
      maxBatch: 10,
      timeoutSec: 0.2,
      memoryMb: 2048,
      profile: linearProfile(0.1, 0.02),
      method,
      points: 300,
    });
    const xs = frame.getColumn("latency_sec").toArray() as number[];
    const cdf = frame.getColumn("cdf").toArray() as number[];
    assert.equal(frame.height, 300);
    for (let i = 1; i < xs.length; i++) {
      assert.ok(xs[i] > xs[i - 1], "grid increasing");
      assert.ok(cdf[i] >= cdf[i - 1], `${method}: nondecreasing at ${xs[i]}`);
    }
    assert.ok(cdf[0] >= 0 && Math.abs(cdf[cdf.length - 1] - 1) < 1e-9, method);
  }
});

Deno.test("model and measured frames concatenate into one frame per chart", () => {
  const map = poissonProcess(80);
  const profile = linearProfile(0.05, 0.01);
  const config = { maxBatch: 5, timeoutSec: 0.05, memoryMb: 1024, profile };
  const sink = new ColumnSink();
  simulateBuffer(mapArrivals(map, { prng: seededPrng(2) }), {
    ...config,
    pricing: pricing("paper"),
    requests: 2000,
    sink,
  });
  const requests = requestsFrameFromColumns(sink.requests());
  const batches = batchesFrameFromColumns(sink.batches());

  const measuredCdf = latencyCdfFrame(requests, { points: 100, source: MEASURED_SOURCE });
  const cdf = pl.concat([
    measuredCdf,
    modelLatencyCdfFrame(map, { ...config, points: 50 }),
    modelLatencyCdfFrame(map, { ...config, method: "paper", points: 50 }),
  ]);
  assert.deepEqual(cdf.columns, ["latency_sec", "cdf", "source"]);
  assert.deepEqual(
    cdf.groupBy("source").agg(pl.len().alias("n")).sort("source").toRecords(),
    [
      { source: "measured", n: measuredCdf.height },
      { source: "model (exact)", n: 50 },
      { source: "model (paper)", n: 50 },
    ],
  );

  const sizes = pl.concat([
    batchSizeHistogramFrame(batches, { maxBatch: 5, source: MEASURED_SOURCE })
      .select("batch_size", "share", "source"),
    modelBatchSizeFrame(map, { maxBatch: 5, timeoutSec: 0.05, source: "exact model" }),
  ]);
  assert.equal(sizes.height, 10);
  assert.deepEqual(
    [...new Set(sizes.getColumn("source").toArray())],
    [MEASURED_SOURCE, "exact model"],
  );
  assert.equal(modelSourceName("exact"), "model (exact)");
});

Deno.test("model frames reject bad B, T, method, points and latencies with the reason", () => {
  const map = poissonProcess(10);
  const base = {
    maxBatch: 5,
    timeoutSec: 0.1,
    memoryMb: 1024,
    profile: linearProfile(0.1, 0.01),
  };
  assert.throws(() => modelBatchSizeFrame(map, { maxBatch: 0, timeoutSec: 0.1 }), {
    name: "RangeError",
    message: "Cannot compute the model's batch sizes as 'maxBatch' must be an integer >= 1: " +
      "current value is 0",
  });
  assert.throws(() => modelBatchSizeFrame(map, { maxBatch: 5, timeoutSec: NaN }), {
    name: "RangeError",
    message: "Cannot compute the model's batch sizes as 'timeoutSec' must be a finite number " +
      "> 0: current value is NaN",
  });
  assert.throws(
    () => modelLatencyCdfFrame(map, { ...base, method: "simulated" as "exact" }),
    {
      name: "RangeError",
      message: "Cannot compute the model's latency CDF as 'method' must be one of exact, " +
        "paper: current value is simulated",
    },
  );
  assert.throws(() => modelLatencyCdfFrame(map, { ...base, points: 1 }), {
    name: "RangeError",
    message: "Cannot compute the model's latency CDF as 'points' must be an integer >= 2: " +
      "current value is 1",
  });
  assert.throws(() => modelLatencyCdfFrame(map, { ...base, points: 10, latenciesSec: [0.1] }), {
    name: "TypeError",
    message: "Cannot compute the model's latency CDF with both 'points' and 'latenciesSec': " +
      "pass one of them",
  });
  assert.throws(() => modelLatencyCdfFrame(map, { ...base, latenciesSec: [0.1, NaN] }), {
    name: "RangeError",
    message: "Cannot compute the model's latency CDF as 'latenciesSec' must hold finite " +
      "numbers: found NaN at index 1",
  });
});

Deno.test("modelLatencyCdfFrame() with a profile whose service varies: the convolution, over the service's spread; paper refused", async () => {
  const { predictConfiguration } = await import("../../lib/model/predict.ts");
  const { pricing } = await import("../../lib/profile/pricing.ts");
  const { poissonProcess } = await import("../../lib/map/map_process.ts");
  const { profileFromJson } = await import("../../lib/profile/service_profile.ts");
  const profile = profileFromJson({
    name: "fast",
    terms: ["1", "k"],
    coefficients: [0.01, 0.034],
    memoryRangeMb: [1024, 3008],
    batchRange: [1, 20],
    variability: { distribution: "gamma", cv: 0.3 },
  });
  const map = poissonProcess(30);
  const config = { maxBatch: 5, timeoutSec: 0.1, memoryMb: 2048, profile };
  const frame = modelLatencyCdfFrame(map, { ...config, points: 50 });
  const x = frame.getColumn("latency_sec").toArray() as number[];
  const f = frame.getColumn("cdf").toArray() as number[];
  const want = predictConfiguration({ map, ...config, pricing: pricing("paper") });
  x.forEach((w, i) => assert.ok(Math.abs(f[i] - want.cdf(w)) < 1e-14, `w ${w}`));
  // The points span the service's spread: from below 1e-3 to above 1 - 1e-3.
  assert.ok(f[0] < 1e-3 && f[f.length - 1] > 1 - 1e-3, `${f[0]} .. ${f[f.length - 1]}`);
  assert.throws(
    () => modelLatencyCdfFrame(map, { ...config, method: "paper" }),
    /with the paper method: profile 'fast' has service times that vary/,
  );
});

import assert from "node:assert/strict";
import { poissonArrivals, replayArrivals, timestampArrivals } from "../../lib/arrivals/streams.ts";
import { pricing } from "../../lib/profile/pricing.ts";
import { profileFromJson } from "../../lib/profile/service_profile.ts";
import { seededPrng } from "../../lib/random/prng.ts";
import { LatencyHistogram } from "../../lib/sim/latency_histogram.ts";
import { type BatchRecord, type RequestRecord, simulateBuffer } from "../../lib/sim/simulator.ts";

// S_k = 0.1 + 0.01 k seconds at any memory.
const profile = profileFromJson({
  name: "linear",
  terms: ["1", "k"],
  coefficients: [0.1, 0.01],
  memoryRangeMb: [128, 10240],
  batchRange: [1, 64],
});

Deno.test("simulateBuffer() on a hand-checked trace: sizes, reasons, latencies, costs", () => {
  // Arrivals at 0.1, 0.2, 0.3 (fills B = 3 at 0.3), 1.0 and 1.2 (timeout at 1.0 + 0.5),
  // 2.0 (alone; the run ends with the stream, so it times out at 2.5).
  const requests: RequestRecord[] = [], batches: BatchRecord[] = [];
  const s = simulateBuffer(replayArrivals([0.1, 0.1, 0.1, 0.7, 0.2, 0.8]), {
    maxBatch: 3,
    timeoutSec: 0.5,
    memoryMb: 1024,
    profile,
    pricing: pricing("paper"),
    keepLatencies: true,
    sink: { request: (r) => requests.push({ ...r }), batch: (b) => batches.push({ ...b }) },
  });
  assert.equal(s.requests, 6);
  assert.equal(s.batches, 3);
  assert.deepEqual(Array.from(s.batchSizeCounts), [1, 1, 1]);
  assert.deepEqual(s.dispatchReasons, { size: 1, timeout: 2, shutdown: 0 });
  assert.deepEqual(batches.map((b) => [b.size, b.dispatchReason, b.dispatchSec]), [
    [3, "size", 0.30000000000000004],
    [2, "timeout", 1.5],
    [1, "timeout", 2.5],
  ]);
  // Latency = dispatch - arrival + S_k: batch 1 completes at 0.3 + 0.13, batch 2 at 1.5 + 0.12,
  // batch 3 at 2.5 + 0.11.
  const expected = [0.33, 0.23, 0.13, 0.62, 0.42, 0.61];
  s.latencies!.forEach((l, i) => assert.ok(Math.abs(l - expected[i]) < 1e-12, `request ${i}`));
  assert.deepEqual(requests.map((r) => r.batchId), [0, 0, 0, 1, 1, 2]);
  // Paper pricing, 1 GB: S_k * 0.0000166667 + 0.0000002 per batch.
  const cost = [0.13, 0.12, 0.11].reduce((a, d) => a + d * 0.0000166667 + 0.0000002, 0);
  assert.ok(Math.abs(s.totalCostUsd / cost - 1) < 1e-12);
  assert.ok(Math.abs(s.costPerRequestUsd / (cost / 6) - 1) < 1e-12);
});

Deno.test("simulateBuffer() stops at --duration and flushes the open batch at the end", () => {
  // Gaps of 0.4 s from 0: arrivals 0.4, 0.8, 1.2, ...; duration 1 s from the first arrival
  // keeps 0.4, 0.8, 1.2 and 1.4 is not reached; B = 10, T = 2: the open batch's deadline
  // (2.4) is after the end (1.4), so it leaves at 1.4 with reason shutdown.
  const s = simulateBuffer(replayArrivals([0.4, 0.4, 0.4, 0.4]), {
    maxBatch: 10,
    timeoutSec: 2,
    memoryMb: 1024,
    profile,
    pricing: pricing("paper"),
    durationSec: 1,
  });
  assert.equal(s.requests, 3);
  assert.deepEqual(s.dispatchReasons, { size: 0, timeout: 0, shutdown: 1 });
});

Deno.test("simulateBuffer() batch sizes follow the truncated Poisson law (seed 3, 10^6 requests)", () => {
  // Closed form: K - 1 = min(Pois(lambda T), B - 1) with lambda = 30/s, T = 0.1 s, B = 5.
  // About 260,000 batches: standard error of each share below 1e-3; tolerance 5e-3.
  const s = simulateBuffer(poissonArrivals(30, { prng: seededPrng(3) }), {
    maxBatch: 5,
    timeoutSec: 0.1,
    memoryMb: 1024,
    profile,
    pricing: pricing("paper"),
    requests: 1e6,
  });
  const pmf = (n: number) => Math.exp(-3) * 3 ** n / [1, 1, 2, 6][n];
  const expected = [pmf(0), pmf(1), pmf(2), pmf(3)];
  expected.push(1 - expected.reduce((a, b) => a + b, 0));
  expected.forEach((p, i) => {
    const share = s.batchSizeCounts[i] / s.batches;
    assert.ok(Math.abs(share - p) < 5e-3, `P(K=${i + 1}): ${share} vs ${p}`);
  });
});

Deno.test("simulateBuffer() cold starts: an instance idle beyond the keep-alive is gone", () => {
  // B = 1: each request is a batch of S_1 = 0.11 s. Arrivals at 1, 1.05 (the first instance
  // is busy: a second cold start), 5 (both idle for < 10 s: warm), 30 (idle too long: cold).
  const s = simulateBuffer(replayArrivals([1, 0.05, 3.95, 25]), {
    maxBatch: 1,
    timeoutSec: 1,
    memoryMb: 1024,
    profile,
    pricing: pricing("paper"),
    coldStart: { initSec: 0.5, keepAliveSec: 10 },
    keepLatencies: true,
  });
  assert.equal(s.coldStarts, 3);
  const expected = [0.61, 0.61, 0.11, 0.61];
  s.latencies!.forEach((l, i) => assert.ok(Math.abs(l - expected[i]) < 1e-12, `request ${i}`));
  // The one warm batch alone: its latency is S_1 (to the histogram's 0.01 %).
  assert.ok(Math.abs(s.warmLatencySec.p95 / 0.11 - 1) < 1e-4, `${s.warmLatencySec.p95}`);
  assert.ok(Math.abs(s.warmLatencySec.mean - 0.11) < 1e-12);
});

Deno.test("simulateBuffer() without cold starts: the warm latencies are all the latencies", () => {
  const s = simulateBuffer(replayArrivals([1, 0.05, 3.95, 25]), {
    maxBatch: 1,
    timeoutSec: 1,
    memoryMb: 1024,
    profile,
    pricing: pricing("paper"),
  });
  assert.equal(s.coldStarts, 0);
  assert.deepEqual(s.warmLatencySec, {
    p50: s.latencySec.p50,
    p95: s.latencySec.p95,
    p99: s.latencySec.p99,
    mean: s.latencySec.mean,
  });
});

Deno.test("simulateBuffer() reports progress with the count and the latest arrival time", () => {
  const seen: [number, number][] = [];
  simulateBuffer(replayArrivals([1, 1, 1, 1, 1]), {
    maxBatch: 2,
    timeoutSec: 1,
    memoryMb: 1024,
    profile,
    pricing: pricing("paper"),
    progressEvery: 2,
    onProgress: (n, t) => void seen.push([n, t]),
  });
  assert.deepEqual(seen, [[2, 2], [4, 4]]);
});

Deno.test("simulateBuffer() with a service CV keeps the mean service time (seed 5)", () => {
  // B = 1 at 1 request/s (no overlap matters): latency = service time, gamma with mean 0.11 s
  // and CV 0.5; 200,000 requests give a standard error of 1.2e-4 s on the mean.
  const s = simulateBuffer(poissonArrivals(1, { prng: seededPrng(4) }), {
    maxBatch: 1,
    timeoutSec: 1,
    memoryMb: 1024,
    profile,
    pricing: pricing("paper"),
    requests: 200_000,
    serviceCv: 0.5,
    prng: seededPrng(5),
  });
  assert.ok(Math.abs(s.latencySec.mean - 0.11) < 6e-4, `${s.latencySec.mean}`);
});

Deno.test("simulateBuffer() rejects bad limits and a CV without random numbers", () => {
  const base = { maxBatch: 2, timeoutSec: 1, memoryMb: 1024, profile, pricing: pricing("paper") };
  const stream = () => replayArrivals([1]);
  assert.throws(() => simulateBuffer(stream(), { ...base, requests: 0 }), {
    name: "RangeError",
    message: "Cannot simulate 0 requests: expected a count > 0",
  });
  assert.throws(() => simulateBuffer(stream(), { ...base, serviceCv: 0.3 }), {
    name: "RangeError",
    message: "Cannot draw random service times without a prng",
  });
});

Deno.test("LatencyHistogram quantiles are within 0.01 % of the exact sample quantiles", () => {
  const prng = seededPrng(8);
  const h = new LatencyHistogram();
  const xs: number[] = [];
  for (let i = 0; i < 100_000; i++) {
    const x = 0.01 + 20 * prng.nextFloat() ** 3;
    xs.push(x);
    h.add(x);
  }
  xs.sort((a, b) => a - b);
  for (const q of [0.01, 0.5, 0.95, 0.99, 1]) {
    const exact = xs[Math.max(0, Math.ceil(q * xs.length) - 1)];
    assert.ok(Math.abs(h.quantile(q) / exact - 1) <= 1e-4, `q ${q}`);
  }
  assert.equal(h.count, 100_000);
});

Deno.test("simulateBuffer() with an adapt hook: the configuration changes when the hook says", () => {
  // S_k = 0.1 + 0.05 k s at any memory.
  const profile = profileFromJson({
    name: "linear",
    terms: ["1", "k"],
    coefficients: [0.1, 0.05],
    memoryRangeMb: [128, 10240],
    batchRange: [1, 100],
  });
  const common = {
    maxBatch: 4,
    timeoutSec: 0.5,
    memoryMb: 1024,
    profile,
    pricing: pricing("paper"),
    coldStart: { initSec: 0.25, keepAliveSec: 600 },
    requests: 20_000,
  };
  const batches: BatchRecord[] = [];
  const switchAt = 200;
  let switched = false;
  const sim = simulateBuffer(poissonArrivals(20, { prng: seededPrng(5) }), {
    ...common,
    sink: { batch: (b) => void batches.push({ ...b }) },
    adapt: {
      onArrival(t) {
        if (t < switchAt || switched) return undefined;
        switched = true;
        return { maxBatch: 10, timeoutSec: 0.2, memoryMb: 2048 };
      },
    },
  });
  assert.equal(sim.requests, 20_000);
  const before = batches.filter((b) => b.dispatchSec < switchAt);
  const after = batches.filter((b) => b.firstArrivalSec >= switchAt);
  assert.ok(before.every((b) => b.size <= 4 && b.memorySizeMb === 1024));
  assert.ok(after.every((b) => b.size <= 10 && b.memorySizeMb === 2048));
  assert.ok(after.some((b) => b.size > 4));
  // Timeouts: 0.5 s before, 0.2 s after (deadline = first arrival + T).
  for (const b of before) assert.ok(Math.abs(b.deadlineSec - b.firstArrivalSec - 0.5) < 1e-9);
  for (const b of after) assert.ok(Math.abs(b.deadlineSec - b.firstArrivalSec - 0.2) < 1e-9);
  // The memory change retired the warm instance: the first batch after it starts cold.
  const first = batches.find((b) => b.dispatchSec >= switchAt)!;
  assert.equal(first.initDurationMs, 250);
  // The service time follows the new memory's profile (the same here) and the batch size.
  for (const b of after) assert.ok(Math.abs(b.durationMs - 1000 * (0.1 + 0.05 * b.size)) < 1e-6);
  // Every request is in exactly one batch.
  assert.equal(batches.reduce((n, b) => n + b.size, 0), 20_000);
});

Deno.test("simulateBuffer(): a hook that never answers changes nothing", () => {
  const profile = profileFromJson({
    name: "linear",
    terms: ["1", "k"],
    coefficients: [0.1, 0.05],
    memoryRangeMb: [128, 10240],
    batchRange: [1, 100],
  });
  const run = (adapt?: { onArrival(t: number): undefined }) =>
    simulateBuffer(poissonArrivals(30, { prng: seededPrng(6) }), {
      maxBatch: 8,
      timeoutSec: 0.3,
      memoryMb: 1536,
      profile,
      pricing: pricing("paper"),
      requests: 10_000,
      keepLatencies: true,
      adapt,
    });
  const plain = run(), hooked = run({ onArrival: () => undefined });
  assert.deepEqual(hooked.latencies, plain.latencies);
  assert.equal(hooked.totalCostUsd, plain.totalCostUsd);
});

/** Mean, coefficient of variation and skewness of a sample (two passes). */
function _moments(xs: readonly number[]): { mean: number; cv: number; skewness: number } {
  const n = xs.length;
  const mean = xs.reduce((s, x) => s + x, 0) / n;
  let m2 = 0, m3 = 0;
  for (const x of xs) {
    const d = x - mean;
    m2 += d * d;
    m3 += d * d * d;
  }
  m2 /= n;
  m3 /= n;
  return { mean, cv: Math.sqrt(m2) / mean, skewness: m3 / m2 ** 1.5 };
}

Deno.test("simulateBuffer() draws a profile's gamma variability: batch durations have its mean, CV and skewness (seed 21, 200,000 batches)", () => {
  // B = 1: every request is a batch of one, S_1 = 0.11 s, gamma with CV 0.3 (shape 1/0.09).
  // Closed forms: mean 0.11 s, CV 0.3, skewness 2 CV = 0.6 (a lognormal of CV 0.3 would have
  // 3 CV + CV^3 = 0.927). Standard errors over n = 200,000 draws: the mean 0.3 / sqrt(n) =
  // 6.7e-4 relative; the CV about CV sqrt((2 + 6 CV^2) / (4 n)) = 5.3e-4 (excess kurtosis 6 CV^2);
  // the skewness about 0.01. Tolerances are about four of them.
  const variable = profileFromJson({
    name: "linear, gamma",
    terms: ["1", "k"],
    coefficients: [0.1, 0.01],
    memoryRangeMb: [128, 10240],
    batchRange: [1, 64],
    variability: { distribution: "gamma", cv: 0.3 },
  });
  const durations: number[] = [];
  const s = simulateBuffer(poissonArrivals(1, { prng: seededPrng(20) }), {
    maxBatch: 1,
    timeoutSec: 1,
    memoryMb: 1024,
    profile: variable,
    pricing: pricing("paper"),
    requests: 200_000,
    prng: seededPrng(21),
    keepLatencies: true,
    sink: { batch: (b) => void durations.push(b.durationMs / 1000) },
  });
  assert.equal(durations.length, 200_000);
  // With B = 1 a request's latency is its batch's duration.
  s.latencies!.forEach((l, i) => assert.ok(Math.abs(l - durations[i]) < 1e-9, `request ${i}`));
  const m = _moments(durations);
  assert.ok(Math.abs(m.mean / 0.11 - 1) < 3e-3, `mean ${m.mean}`);
  assert.ok(Math.abs(m.cv - 0.3) < 2.5e-3, `CV ${m.cv}`);
  assert.ok(Math.abs(m.skewness - 0.6) < 0.05, `skewness ${m.skewness}`);
});

Deno.test("simulateBuffer() with serviceCv on a deterministic profile is the same run as a profile carrying that variability, and as before issue 13", () => {
  // Seeds 11 (arrivals) and 12 (service), Poisson 30/s, B = 4, T = 0.1 s, 1,000 requests.
  // `before` are the first four and last two latencies and the total cost the simulator gave
  // with serviceCv before it drew from serviceDistributions (commit 334edc1). The lognormal
  // draw is the same expression, so the same bits; the gamma draw makes the same PRNG calls
  // but scales by mean CV^2 after the boost rather than by mean / shape before it: the same
  // numbers to a few ulps (relative 1e-15), and the same billed cost.
  const before = {
    gamma: {
      0.3: [[0.1826868565677711, 0.17325639104894106, 0.13864244362902062, 0.12184903048636934], [
        0.2218401140468771,
        0.1890433417821029,
      ], 0.0007292680047999997],
      1.5: [[0.579430428539817, 0.5699999630209869, 0.5353860156010665, 0.5185926024584152], [
        0.14821906947048546,
        0.11542229720571129,
      ], 0.0007010679484000002],
    },
    lognormal: {
      0.3: [[0.1818568998217308, 0.17242643430290078, 0.1378124868829803, 0.12101907374032907], [
        0.21659463822629732,
        0.18379786596152314,
      ], 0.0007513013822000006],
      1.5: [[0.11397383263580788, 0.10454336711697784, 0.06992941969705739, 0.05313600655440613], [
        0.18271744692069092,
        0.14992067465591674,
      ], 0.0007653347435999995],
    },
  } as const;
  const run = (
    p: typeof profile,
    extra: { serviceCv?: number; serviceDistribution?: "gamma" | "lognormal" },
  ) =>
    simulateBuffer(poissonArrivals(30, { prng: seededPrng(11) }), {
      maxBatch: 4,
      timeoutSec: 0.1,
      memoryMb: 1024,
      profile: p,
      pricing: pricing("aws-x86"),
      requests: 1000,
      prng: seededPrng(12),
      keepLatencies: true,
      ...extra,
    });
  for (const distribution of ["gamma", "lognormal"] as const) {
    for (const cv of [0.3, 1.5] as const) {
      const label = `${distribution}, CV ${cv}`;
      const override = run(profile, { serviceCv: cv, serviceDistribution: distribution });
      const carried = run(profileFromJson({ ...profile, variability: { distribution, cv } }), {});
      assert.deepEqual(carried.latencies, override.latencies, label);
      assert.equal(carried.totalCostUsd, override.totalCostUsd, label);
      const [first, last, cost] = before[distribution][cv];
      const got = [...override.latencies!.slice(0, 4), ...override.latencies!.slice(-2)];
      const want = [...first, ...last];
      if (distribution === "lognormal") assert.deepEqual(got, want, label);
      else got.forEach((x, i) => assert.ok(Math.abs(x / want[i] - 1) < 1e-15, `${label}: ${i}`));
      assert.equal(override.totalCostUsd, cost, label);
    }
  }
});

Deno.test("simulateBuffer() refuses a variable profile without random numbers", () => {
  const variable = profileFromJson({
    ...profile,
    variability: { distribution: "lognormal", cv: 0.2 },
  });
  assert.throws(
    () =>
      simulateBuffer(replayArrivals([1]), {
        maxBatch: 2,
        timeoutSec: 1,
        memoryMb: 1024,
        profile: variable,
        pricing: pricing("paper"),
      }),
    {
      name: "RangeError",
      message:
        "Cannot draw random service times without a prng: profile 'linear' varies (lognormal, CV 0.2)",
    },
  );
});

Deno.test("simulateBuffer() with a variable profile and an adapt hook: the new memory's and B's distributions (seed 31, 40,000 requests)", () => {
  // S(k, m) = 0.3 + 0.02 k - 1e-4 m s, gamma with CV 0.2: 0.1976 + 0.02 k at 1024 MB,
  // 0.0952 + 0.02 k at 2048 MB. At 200/s with T = 0.5 s every batch fills: B = 4 at 1024 MB
  // for the first 50 s, then B = 10 at 2048 MB. Each group's mean duration is checked against
  // S(k, m) with a tolerance of four standard errors (CV / sqrt(batches)).
  const variable = profileFromJson({
    name: "memory-dependent",
    terms: ["1", "k", "m"],
    coefficients: [0.3, 0.02, -1e-4],
    memoryRangeMb: [128, 2048],
    batchRange: [1, 20],
    variability: { distribution: "gamma", cv: 0.2 },
  });
  const batches: BatchRecord[] = [];
  let switched = false;
  simulateBuffer(poissonArrivals(200, { prng: seededPrng(30) }), {
    maxBatch: 4,
    timeoutSec: 0.5,
    memoryMb: 1024,
    profile: variable,
    pricing: pricing("paper"),
    requests: 40_000,
    prng: seededPrng(31),
    sink: { batch: (b) => void batches.push({ ...b }) },
    adapt: {
      onArrival(t) {
        if (t < 50 || switched) return undefined;
        switched = true;
        return { maxBatch: 10, memoryMb: 2048 };
      },
    },
  });
  for (const [memoryMb, k] of [[1024, 4], [2048, 10]]) {
    const group = batches.filter((b) => b.memorySizeMb === memoryMb && b.size === k);
    assert.ok(group.length > 1000, `${memoryMb} MB, k = ${k}: ${group.length} batches`);
    const mean = 0.3 + 0.02 * k - 1e-4 * memoryMb;
    const m = _moments(group.map((b) => b.durationMs / 1000));
    const tolerance = 4 * 0.2 / Math.sqrt(group.length);
    assert.ok(Math.abs(m.mean / mean - 1) < tolerance, `${memoryMb} MB: ${m.mean} vs ${mean}`);
    assert.ok(Math.abs(m.cv - 0.2) < 0.03, `${memoryMb} MB: CV ${m.cv}`);
  }
});

Deno.test("simulateBuffer() holds a warm instance for its service only, a cold one for Init and the service", () => {
  // B = 1, S = 0.1 s, Init 1 s, keep-alive 60 s. At 0 a cold start (busy until 1.1 s); at 1.2 s
  // warm (busy until 1.3 s, not 2.3 s); at 1.5 s the instance is idle again: warm. Two
  // instances would be needed only if the warm batch held its instance for Init too.
  const profile = profileFromJson({
    name: "p",
    terms: ["1"],
    coefficients: [0.1],
    memoryRangeMb: [128, 10240],
    batchRange: [1, 4],
  });
  const sim = simulateBuffer(timestampArrivals([0, 1.2, 1.5]), {
    maxBatch: 1,
    timeoutSec: 1,
    memoryMb: 1024,
    profile,
    pricing: pricing("paper"),
    coldStart: { initSec: 1, keepAliveSec: 60 },
  });
  assert.equal(sim.batches, 3);
  assert.equal(sim.coldStarts, 1);
});

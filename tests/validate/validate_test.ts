import assert from "node:assert/strict";
import { readMapHour } from "../../lib/io/map_files.ts";
import { profileFromJson } from "../../lib/profile/service_profile.ts";
import { validateCase } from "../../lib/validate/validate.ts";
import { predictConfiguration } from "../../lib/model/predict.ts";
import { pricing } from "../../lib/profile/pricing.ts";

const TRACES = new URL("../../traces/", import.meta.url).pathname;
const manual = profileFromJson({
  name: "manual",
  terms: ["1", "k"],
  coefficients: [0.01, 0.034],
  memoryRangeMb: [128, 10240],
  batchRange: [1, 64],
});

Deno.test("validateCase() finds the exact model within simulation noise (NYS hour 8)", async () => {
  // 400,000 simulated requests (seed 2) in about 80,000 batches of at most 5: the DKW bound
  // on the Kolmogorov distance of the batch-level sample is about 1.36 / sqrt(80,000) =
  // 0.005, and the TV of a 5-bin histogram from 80,000 draws is about 0.003.
  const map = await readMapHour(`${TRACES}nys`, 8);
  const r = validateCase(
    { label: "nys 8", map, maxBatch: 5, timeoutSec: 0.05, memoryMb: 3008, profile: manual },
    { requests: 400_000, seed: 2 },
  );
  assert.equal(r.simulated.requests, 400_000);
  assert.ok(r.exact.kolmogorov < 0.006, `KS ${r.exact.kolmogorov}`);
  assert.ok(r.exact.batchSizeTv < 0.006, `TV ${r.exact.batchSizeTv}`);
  for (const e of [r.exact.p50ErrPct, r.exact.p95ErrPct, r.exact.p99ErrPct]) assert.ok(e < 1);
  // With a fast model the paper's uniform-wait assumption shows: its MAPE is several times
  // the exact model's (measured: 4.7 % against 0.02 % with 10^6 requests).
  assert.ok(r.paper!.mapePct > 1 && r.paper!.mapePct > 10 * r.exact.mapePct);
  assert.ok(r.paper!.kolmogorov > 0.1);
});

Deno.test("validateCase() with gamma and lognormal service: the convolution within simulation noise, no paper case", async () => {
  // 2,000,000 simulated requests (arrival seed 3, service seed 3 + 1,000,003), about 400,000
  // batches: a DKW bound of 1.36 / sqrt(400,000) = 0.002 on the batch-level sample.
  // Percentiles within 5 standard errors of the simulated quantile (the batches are the
  // independent units: sqrt(p (1 - p) / batches) / (w f(w)) relative, 0.4 % at p99 for the
  // lognormal of CV 1, whose density there is low) and never more than 1 %.
  const map = await readMapHour(`${TRACES}twitter`, 20);
  for (
    const variability of [{ distribution: "gamma", cv: 0.3 }, { distribution: "lognormal", cv: 1 }]
  ) {
    const profile = profileFromJson({ ...manual, variability });
    const r = validateCase(
      { label: "twitter 20", map, maxBatch: 5, timeoutSec: 0.05, memoryMb: 3008, profile },
      { requests: 2_000_000, seed: 3 },
    );
    const what = `${variability.distribution} ${variability.cv}`;
    assert.equal(r.service, `${variability.distribution}, CV ${variability.cv}`);
    assert.equal(r.paper, undefined);
    assert.ok(r.exact.kolmogorov < 0.003, `${what}: KS ${r.exact.kolmogorov}`);
    const model = predictConfiguration({
      map,
      maxBatch: 5,
      timeoutSec: 0.05,
      memoryMb: 3008,
      profile,
      pricing: pricing("paper"),
    });
    for (
      const [p, err] of [[0.5, r.exact.p50ErrPct], [0.95, r.exact.p95ErrPct], [
        0.99,
        r.exact.p99ErrPct,
      ]]
    ) {
      const w = model.percentile(p), h = 1e-3;
      const density = (model.cdf(w * (1 + h)) - model.cdf(w * (1 - h))) / (2 * h * w);
      const se = 100 * Math.sqrt((p * (1 - p)) / r.simulated.batches) / (w * density);
      assert.ok(err < Math.min(5 * se, 1), `${what} p${p}: ${err} % (standard error ${se} %)`);
    }
  }
});

Deno.test("validateCase() refuses, before simulating, a profile out of its range or with times unfit for both methods", async () => {
  const map = await readMapHour(`${TRACES}nys`, 8);
  const c = { label: "nys 8", map, maxBatch: 5, timeoutSec: 0.05, memoryMb: 3008, profile: manual };
  assert.throws(() => validateCase({ ...c, maxBatch: 100 }), {
    name: "ProfileRangeError",
    message: "Cannot evaluate profile 'manual' at batch 100: it was fitted on batch 1..64 " +
      "(pass extrapolate to allow it)",
  });
  // S_k = 0.5 - 0.2 k: S_3 = -0.1 s.
  const falling = profileFromJson({
    name: "falling",
    terms: ["1", "k"],
    coefficients: [0.5, -0.2],
    memoryRangeMb: [128, 10240],
    batchRange: [1, 20],
  });
  assert.throws(() => validateCase({ ...c, profile: falling }, { requests: 1e9 }), {
    name: "RangeError",
    message:
      /^Cannot validate profile 'falling' at 3008 MB: it gives batch 3 a service time of -0\.1 s/,
  });
});

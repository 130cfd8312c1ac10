import assert from "node:assert/strict";
import { readMapHour } from "../../lib/io/map_files.ts";
import { profileFromJson } from "../../lib/profile/service_profile.ts";
import { validateCase } from "../../lib/validate/validate.ts";

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
  assert.ok(r.paper.mapePct > 1 && r.paper.mapePct > 10 * r.exact.mapePct);
  assert.ok(r.paper.kolmogorov > 0.1);
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

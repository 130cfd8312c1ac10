import assert from "node:assert/strict";
import { batchingVerdict, costTable } from "../../lib/profile/profile_costs.ts";
import { invocationCostUsd, pricing } from "../../lib/profile/pricing.ts";
import {
  PUBLISHED_PROFILE_NAMES,
  publishedProfile,
  serviceTimeSec,
} from "../../lib/profile/service_profile.ts";

Deno.test("costTable() averages each invocation's cost under the pricing's billing rule", () => {
  // aws-2020 bills 100 ms granules: 0.05 s and 0.15 s bill 0.1 s and 0.2 s.
  const p = pricing("aws-2020");
  const cells = costTable([
    { batch: 2, memoryMb: 2048, durationSec: 0.05 },
    { batch: 2, memoryMb: 2048, durationSec: 0.15 },
    { batch: 1, memoryMb: 1024, durationSec: 0.1 },
  ], p);
  assert.deepEqual(cells.map((c) => [c.memoryMb, c.batch, c.count]), [[1024, 1, 1], [2048, 2, 2]]);
  const batch = (invocationCostUsd(p, 0.05, 2048) + invocationCostUsd(p, 0.15, 2048)) / 2;
  assert.equal(cells[1].costPerBatchUsd, batch);
  assert.equal(cells[1].costPerRequestUsd, batch / 2);
  assert.equal(cells[1].requestsPerUsd, 2 / batch);
  assert.equal(cells[1].meanSec, 0.1);
  assert.equal(cells[1].requestsPerSec, 20);
});

Deno.test("batchingVerdict() on the published profiles: batching pays for the TF models, hardly for mxnet", () => {
  const p = pricing("paper");
  const verdicts = Object.fromEntries(PUBLISHED_PROFILE_NAMES.map((name) => {
    const profile = publishedProfile(name);
    const samples = [];
    for (const memoryMb of [1280, 2048, 3008]) {
      for (let batch = 1; batch <= 20; batch++) {
        samples.push({ batch, memoryMb, durationSec: serviceTimeSec(profile, batch, memoryMb) });
      }
    }
    return [name, batchingVerdict(costTable(samples, p))];
  }));
  // TF-inceptionV4: S(k)/k falls with k (a large intercept, 5 s, shared by the batch).
  const inception = verdicts["TF-inceptionV4"];
  assert.equal(inception.pays, true);
  assert.ok(inception.memories.every((m) => m.bestBatch > 1 && m.saving > 0.3));
  assert.ok(inception.cheapest.batch > 1);
  assert.equal(inception.cheapestUnbatched.batch, 1);
  // mxnet-resnet50: batches of 2 or 3 save a little at 2048 and 3008 MB, but one
  // request at a time at 1280 MB is cheaper than any of them: batching does not pay.
  const mxnet = verdicts["mxnet-resnet50"];
  assert.equal(mxnet.pays, false);
  assert.deepEqual([mxnet.cheapest.batch, mxnet.cheapest.memoryMb], [1, 1280]);
  assert.equal(mxnet.saving, 0);
  assert.deepEqual(mxnet.memories.map((m) => m.bestBatch), [1, 2, 3]);
  assert.ok(mxnet.memories[2].saving > 0.05 && mxnet.memories[2].saving < 0.1);
});

Deno.test("batchingVerdict() refuses no cells and a saving outside [0, 1)", () => {
  assert.throws(() => batchingVerdict([]), {
    name: "RangeError",
    message: "Cannot judge batching as 'cells' must not be empty: found none",
  });
  const cells = costTable([{ batch: 1, memoryMb: 1024, durationSec: 1 }], pricing("paper"));
  assert.throws(() => batchingVerdict(cells, { minSaving: 1 }), {
    name: "RangeError",
    message: "Cannot judge batching as 'minSaving' must be within [0, 1): current value is 1",
  });
});

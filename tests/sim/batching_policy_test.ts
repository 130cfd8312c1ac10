import assert from "node:assert/strict";
import { BatchingPolicy } from "../../lib/sim/batching_policy.ts";

Deno.test("BatchingPolicy dispatches at B requests and reports the deadline", () => {
  const p = new BatchingPolicy({ maxBatch: 3, timeoutSec: 0.5 });
  assert.equal(p.deadlineSec, Infinity);
  assert.equal(p.arrive(0, 1), false);
  assert.equal(p.deadlineSec, 1.5);
  assert.equal(p.arrive(1, 1.2), false);
  assert.equal(p.arrive(2, 1.3), true);
  const b = p.dispatch("size", 1.3);
  assert.equal(b.batchId, 0);
  assert.equal(b.size, 3);
  assert.deepEqual(Array.from(b.requestIds), [0, 1, 2]);
  assert.deepEqual(Array.from(b.arrivalsSec), [1, 1.2, 1.3]);
  assert.equal(b.firstArrivalSec, 1);
  assert.equal(b.deadlineSec, 1.5);
  assert.equal(p.pending, 0);
  assert.equal(p.dispatched, 1);
});

Deno.test("BatchingPolicy refuses an arrival after the deadline and an empty dispatch", () => {
  const p = new BatchingPolicy({ maxBatch: 3, timeoutSec: 0.5 });
  p.arrive(0, 1);
  assert.throws(() => p.arrive(1, 1.5), {
    name: "RangeError",
    message: "Cannot add request 1 at 1.5 s: the open batch timed out at 1.5 s and must be " +
      "dispatched first",
  });
  const b = p.dispatch("timeout", p.deadlineSec);
  assert.equal(b.reason, "timeout");
  assert.equal(b.dispatchSec, 1.5);
  assert.throws(() => p.dispatch("shutdown", 2), {
    name: "RangeError",
    message: "Cannot dispatch an empty batch",
  });
});

Deno.test("BatchingPolicy rejects bad options", () => {
  assert.throws(() => new BatchingPolicy({ maxBatch: 0, timeoutSec: 1 }), {
    name: "RangeError",
    message: "Cannot batch with max batch 0: it must be an integer >= 1",
  });
  assert.throws(() => new BatchingPolicy({ maxBatch: 2, timeoutSec: NaN }), {
    name: "RangeError",
    message: "Cannot batch with timeout NaN s: it must be > 0",
  });
});

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

Deno.test("BatchingPolicy.reconfigure() applies B and T to the open batch at once", () => {
  const p = new BatchingPolicy({ maxBatch: 3, timeoutSec: 1 });
  assert.equal(p.arrive(0, 10), false);
  assert.equal(p.arrive(1, 10.2), false);
  // A shorter timeout moves the open batch's deadline; a larger B grows the buffer.
  p.reconfigure({ maxBatch: 5, timeoutSec: 0.5 });
  assert.equal(p.deadlineSec, 10.5);
  assert.equal(p.arrive(2, 10.3), false);
  assert.equal(p.arrive(3, 10.4), false);
  assert.equal(p.arrive(4, 10.45), true);
  const b = p.dispatch("size", 10.45);
  assert.deepEqual([...b.requestIds], [0, 1, 2, 3, 4]);
  assert.deepEqual([...b.arrivalsSec], [10, 10.2, 10.3, 10.4, 10.45]);
  assert.equal(b.deadlineSec, 10.5);
  // A smaller B than the open batch holds: full at once, and it leaves whole.
  p.arrive(5, 11);
  p.arrive(6, 11.1);
  p.arrive(7, 11.2);
  p.reconfigure({ maxBatch: 2, timeoutSec: 0.5 });
  assert.ok(p.pending >= p.maxBatch);
  assert.equal(p.dispatch("size", 11.2).size, 3);
  assert.throws(() => p.reconfigure({ maxBatch: 0, timeoutSec: 1 }), RangeError);
  assert.throws(() => p.reconfigure({ maxBatch: 2, timeoutSec: 0 }), RangeError);
});

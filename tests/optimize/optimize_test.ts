import assert from "node:assert/strict";
import { allocateEvaluation } from "../../lib/model/types.ts";
import { selectOptimal } from "../../lib/optimize/optimize.ts";

function evaluation(latency: number[], cost: number[]) {
  const grid = { memoriesMb: [1024, 2048], timeoutsSec: [0.1, 0.2], maxBatches: [5] };
  const e = allocateEvaluation("exact", grid);
  e.latencySec.set(latency);
  e.costUsd.set(cost);
  return e;
}

Deno.test("selectOptimal() minimizes cost under a latency SLO and reports every tie", () => {
  // index = (memory * 2 + timeout): (1024, 0.1), (1024, 0.2), (2048, 0.1), (2048, 0.2)
  const e = evaluation([4, 6, 3, 5], [2, 1, 2, 3]);
  const s = selectOptimal(e, { constraint: "latency", slo: 5 });
  assert.equal(s.feasible, true);
  assert.equal(s.compliant, 3); // 4, 3 and 5 (<= 5)
  assert.equal(s.evaluated, 4);
  assert.deepEqual(s.optimal.map((c) => [c.memoryMb, c.timeoutSec, c.costUsd]), [
    [1024, 0.1, 2],
    [2048, 0.1, 2],
  ]);
  assert.deepEqual(s.lastCompliant, {
    memoryMb: 2048,
    timeoutSec: 0.2,
    maxBatch: 5,
    latencySec: 5,
    costUsd: 3,
  });
});

Deno.test("selectOptimal() with strict comparisons (solver.py) excludes the SLO itself", () => {
  const e = evaluation([4, 6, 3, 5], [2, 1, 2, 3]);
  const s = selectOptimal(e, { constraint: "latency", slo: 5, strict: true });
  assert.equal(s.compliant, 2);
  assert.equal(s.lastCompliant!.latencySec, 3);
});

Deno.test("selectOptimal() minimizes latency under a cost SLO", () => {
  const e = evaluation([4, 6, 3, 5], [2, 1, 2.5, 3]);
  const s = selectOptimal(e, { constraint: "cost", slo: 2 });
  assert.deepEqual(s.optimal.map((c) => c.latencySec), [4]);
  assert.equal(s.compliant, 2);
});

Deno.test("selectOptimal() reports an infeasible SLO without throwing", () => {
  const s = selectOptimal(evaluation([4, 6, 3, 5], [2, 1, 2, 3]), {
    constraint: "latency",
    slo: 1,
  });
  assert.equal(s.feasible, false);
  assert.deepEqual(s.optimal, []);
  assert.equal(s.compliant, 0);
  assert.equal(s.lastCompliant, undefined);
});

Deno.test("selectOptimal() rejects a non-positive or NaN SLO", () => {
  for (const slo of [0, -1, NaN]) {
    assert.throws(
      () => selectOptimal(evaluation([1, 1, 1, 1], [1, 1, 1, 1]), { constraint: "cost", slo }),
      { name: "RangeError", message: `Cannot use SLO ${slo}: it must be > 0` },
    );
  }
});

import assert from "node:assert/strict";
import {
  DEFAULT_ROW_SUM_TOLERANCE,
  mapProcess,
  mmpp2,
  poissonProcess,
} from "../../lib/map/map_process.ts";
import type { Matrix } from "../../lib/numeric/dense.ts";

/** A valid 2-phase MAP with both hidden and arrival phase changes; rows sum to 0 exactly. */
const D0: Matrix = [[-3, 1], [0.5, -6]];
const D1: Matrix = [[1.5, 0.5], [1, 4.5]];

function assertThrowsWith(
  fn: () => unknown,
  errorClass: new (...args: never[]) => Error,
  message: string,
): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof errorClass, `expected a ${errorClass.name}, got ${error}`);
    assert.equal(error.message, message);
    return true;
  });
}

/** Numerical Recipes LCG (a = 1664525, c = 1013904223, m = 2^32), uniform on [0, 1). */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(1664525, state) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

Deno.test("mapProcess() returns deeply frozen copies of the matrices, values kept as given", () => {
  const d0 = [[-3, 1], [0.5, -6]];
  const d1 = [[1.5, 0.5], [1, 4.5]];
  const map = mapProcess(d0, d1);
  assert.deepEqual(map, { d0: D0, d1: D1 });
  assert.ok(Object.isFrozen(map));
  assert.ok(Object.isFrozen(map.d0) && Object.isFrozen(map.d1));
  assert.ok(map.d0.every(Object.isFrozen) && map.d1.every(Object.isFrozen));
  d0[0][0] = -99;
  d1[1] = [0, 0];
  assert.deepEqual(map, { d0: D0, d1: D1 });
  assert.throws(() => {
    map.d1[0][0] = 2;
  }, TypeError);
});

Deno.test("mapProcess() keeps -0 and rounded rates as given, without renormalising", () => {
  // Twitter hour 1 as published (traces/twitter/MAP1_D*): rows sum to -1e-6 and 4e-6.
  const d0 = [[-14.625001, -0], [0, -35.171226]];
  const d1 = [[0.05102, 14.573981], [0.063796, 35.107429]];
  const map = mapProcess(d0, d1);
  assert.deepEqual(map.d0, d0);
  assert.ok(Object.is(map.d0[0][1], -0));
  assert.deepEqual(map.d1, d1);
});

Deno.test("mapProcess() applies the row-sum tolerance relative to the row's absolute sum", () => {
  assert.equal(DEFAULT_ROW_SUM_TOLERANCE, 1e-6);
  // Large rates: an absolute error of 1e-3 on rows of absolute sum 4e4 is 2.5e-8 relative.
  const big = mapProcess([[-2e4 + 1e-3, 0], [0, -2e4]], [[1e4, 1e4], [1e4, 1e4]]);
  assert.equal(big.d0[0][0], -2e4 + 1e-3);
  // Small rates: an absolute error of 1e-7 on a row of absolute sum 3.9999e-3 is 2.5e-5
  // relative, rejected although an absolute tolerance of 1e-6 would accept it.
  assertThrowsWith(
    () => mapProcess([[-2e-3 + 1e-7, 0], [0, -2e-3]], [[1e-3, 1e-3], [1e-3, 1e-3]]),
    RangeError,
    "Cannot use the MAP as row 1 of D0 + D1 sums to 1e-7 instead of 0 (tolerance 3.9999e-9)",
  );
  assertThrowsWith(
    () => mapProcess([[-2, 1], [1, -4]], [[1, 0], [0, 2.5]]),
    RangeError,
    "Cannot use the MAP as row 2 of D0 + D1 sums to -0.5 instead of 0 (tolerance 7.5e-6)",
  );
});

Deno.test("mapProcess() honours options.rowSumTolerance, 0 demanding exact sums", () => {
  const d0 = [[-1.000001, 0], [0, -1]];
  const d1 = [[0.5, 0.5], [0.5, 0.5]];
  assert.equal(mapProcess(d0, d1).d0[0][0], -1.000001);
  assertThrowsWith(
    () => mapProcess(d0, d1, { rowSumTolerance: 0 }),
    RangeError,
    "Cannot use the MAP as row 1 of D0 + D1 sums to -1e-6 instead of 0 (tolerance 0)",
  );
  assert.equal(mapProcess(D0, D1, { rowSumTolerance: 0 }).d0[1][1], -6);
  assert.equal(mapProcess(d0, d1, { rowSumTolerance: 1e-3 }).d0[0][0], -1.000001);
});

Deno.test("mapProcess() throws a RangeError when rowSumTolerance is not finite >= 0", () => {
  for (const [value, shown] of [[-1, "-1"], [NaN, "NaN"], [Infinity, "Infinity"]] as const) {
    assertThrowsWith(
      () => mapProcess(D0, D1, { rowSumTolerance: value }),
      RangeError,
      `Cannot use the MAP as 'rowSumTolerance' must be a finite number >= 0: ` +
        `current value is ${shown}`,
    );
  }
});

Deno.test("mapProcess() throws a TypeError when a matrix is not an array of arrays", () => {
  const cases: [unknown, unknown, string][] = [
    [undefined, D1, "D0 must be a non-empty array of arrays: found undefined"],
    [D0, null, "D1 must be a non-empty array of arrays: found null"],
    ["1,2", D1, 'D0 must be a non-empty array of arrays: found "1,2"'],
    [[], D1, "D0 must be a non-empty array of arrays: found an empty array"],
    [D0, [[1, 0], 3], "D1 must be a non-empty array of arrays: found row 2 = 3"],
    [{ 0: [-1] }, [[1]], "D0 must be a non-empty array of arrays: found an object"],
  ];
  for (const [d0, d1, message] of cases) {
    assertThrowsWith(
      () => mapProcess(d0 as Matrix, d1 as Matrix),
      TypeError,
      `Cannot use the MAP as ${message}`,
    );
  }
});

Deno.test("mapProcess() throws a TypeError naming the matrix and its shape when not square", () => {
  assertThrowsWith(
    () => mapProcess([[-1, 1, 0], [1, -1, 0]], D1),
    TypeError,
    "Cannot use the MAP as D0 must be square: found 2x3",
  );
  assertThrowsWith(
    () => mapProcess(D0, [[1, 0], [1, 0, 0]]),
    TypeError,
    "Cannot use the MAP as D1 must be square: found 2 rows of lengths 2, 3",
  );
  assertThrowsWith(
    () => mapProcess(D0, [[1]]),
    TypeError,
    "Cannot use the MAP as D1 must have the same size as D0 (2x2): found 1x1",
  );
});

Deno.test("mapProcess() throws a TypeError naming the entry when it is not finite", () => {
  const cases: [Matrix, Matrix, string][] = [
    [[[-3, NaN], [0.5, -6]], D1, "D0 row 1, column 2 must be a finite number: found NaN"],
    [D0, [[1.5, 0.5], [1, Infinity]], "D1 row 2, column 2 must be a finite number: found Infinity"],
    [
      D0,
      [[1.5, 0.5], [-Infinity, 1]],
      "D1 row 2, column 1 must be a finite number: found -Infinity",
    ],
    [
      [[-3, 1], ["0.5" as unknown as number, -6]],
      D1,
      'D0 row 2, column 1 must be a finite number: found "0.5"',
    ],
    [
      [[-3, 1], [0.5, -6]],
      [[1.5, null as unknown as number], [1, 4.5]],
      "D1 row 1, column 2 " +
      "must be a finite number: found null",
    ],
  ];
  for (const [d0, d1, message] of cases) {
    assertThrowsWith(() => mapProcess(d0, d1), TypeError, `Cannot use the MAP as ${message}`);
  }
});

Deno.test("mapProcess() throws a RangeError when a rate has the wrong sign", () => {
  assertThrowsWith(
    () => mapProcess([[-1, 0], [0, -2]], [[1.5, -0.5], [1, 1]]),
    RangeError,
    "Cannot use the MAP as D1 row 1, column 2 must be >= 0: found -0.5",
  );
  assertThrowsWith(
    () => mapProcess([[-3, 1], [-0.5, -5]], [[1.5, 0.5], [3, 2.5]]),
    RangeError,
    "Cannot use the MAP as D0 row 2, column 1 (off the diagonal) must be >= 0: found -0.5",
  );
  assertThrowsWith(
    () => mapProcess([[-1, 1], [0, 0]], [[0, 0], [0, 0]]),
    RangeError,
    "Cannot use the MAP as D0 row 2, column 2 (the diagonal) must be < 0 for phase 2 to " +
      "have an outgoing rate: found 0",
  );
  assertThrowsWith(
    () => mapProcess([[2]], [[1]]),
    RangeError,
    "Cannot use the MAP as D0 row 1, column 1 (the diagonal) must be < 0 for phase 1 to " +
      "have an outgoing rate: found 2",
  );
});

Deno.test("mapProcess() throws a RangeError when D1 is all zero", () => {
  assertThrowsWith(
    () => mapProcess([[-1, 1], [2, -2]], [[0, 0], [0, -0]]),
    RangeError,
    "Cannot use the MAP as D1 is all zero: the process has no arrivals",
  );
});

Deno.test("mapProcess() accepts random valid MAPs and its output again (seeded property)", () => {
  const random = lcg(20200917);
  for (let trial = 0; trial < 50; trial++) {
    const n = 1 + Math.floor(random() * 5);
    const scale = 10 ** (random() * 6 - 3); // rates from 1e-3 to 1e3 per second
    const d1 = Array.from(
      { length: n },
      () => Array.from({ length: n }, () => (random() < 0.3 ? 0 : random() * scale)),
    );
    d1[0][0] += scale; // at least one arrival rate
    const d0 = Array.from({ length: n }, (_, i) => {
      const row = Array.from({ length: n }, (_, j) => (i === j ? 0 : random() * scale));
      row[i] = -(row.reduce((s, x) => s + x, 0) + d1[i].reduce((s, x) => s + x, 0));
      return row;
    });
    const map = mapProcess(d0, d1);
    assert.deepEqual(mapProcess(map.d0, map.d1), map);
  }
});

Deno.test("poissonProcess() returns the 1-phase MAP of the given rate", () => {
  assert.deepEqual(poissonProcess(7), { d0: [[-7]], d1: [[7]] });
  assert.ok(Object.isFrozen(poissonProcess(0.25).d0[0]));
});

Deno.test("poissonProcess() throws a RangeError when the rate is not finite > 0", () => {
  for (const [rate, shown] of [[0, "0"], [-1, "-1"], [NaN, "NaN"], [Infinity, "Infinity"]]) {
    assertThrowsWith(
      () => poissonProcess(rate as number),
      RangeError,
      `Cannot build a Poisson process as 'ratePerSec' must be a finite number > 0: ` +
        `current value is ${shown}`,
    );
  }
});

Deno.test("mmpp2() returns D0 with the switching rates and D1 = diag(rates)", () => {
  // traces/synthetic/W14_D0 and W14_D1 as published.
  assert.deepEqual(
    mmpp2({ rate1PerSec: 10, rate2PerSec: 120, switch12PerSec: 0.05, switch21PerSec: 0.05 }),
    { d0: [[-10.05, 0.05], [0.05, -120.05]], d1: [[10, 0], [0, 120]] },
  );
  assert.deepEqual(
    mmpp2({ rate1PerSec: 0, rate2PerSec: 5, switch12PerSec: 1, switch21PerSec: 3 }),
    { d0: [[-1, 1], [3, -8]], d1: [[0, 0], [0, 5]] },
  );
});

Deno.test("mmpp2() throws a RangeError when a rate is out of range", () => {
  const valid = { rate1PerSec: 1, rate2PerSec: 5, switch12PerSec: 1, switch21PerSec: 3 };
  const cases: [Partial<typeof valid>, string][] = [
    [{ rate1PerSec: -1 }, "'rate1PerSec' must be a finite number >= 0: current value is -1"],
    [{ rate2PerSec: NaN }, "'rate2PerSec' must be a finite number >= 0: current value is NaN"],
    [
      { rate2PerSec: Infinity },
      "'rate2PerSec' must be a finite number >= 0: current value is Infinity",
    ],
    [{ switch12PerSec: 0 }, "'switch12PerSec' must be a finite number > 0: current value is 0"],
    [
      { switch21PerSec: NaN },
      "'switch21PerSec' must be a finite number > 0: current value is NaN",
    ],
    [
      { rate1PerSec: 0, rate2PerSec: 0 },
      "'rate1PerSec' and 'rate2PerSec' are both 0: the process has no arrivals",
    ],
  ];
  for (const [change, message] of cases) {
    assertThrowsWith(
      () => mmpp2({ ...valid, ...change }),
      RangeError,
      `Cannot build an MMPP(2) as ${message}`,
    );
  }
});

import assert from "node:assert/strict";
import { arangeInclusive, gridFromRanges, parseRange } from "../../lib/optimize/grid.ts";

Deno.test("arangeInclusive() holds the doubles of NumPy's arange", () => {
  // np.arange(0.01, 0.5, 0.01) has 49 values: a[0] = 0.01, a[1] = 0.01 + 0.01, and
  // a[i] = 0.01 + i * (a[1] - a[0]); e.g. a[5] prints as 0.060000000000000005 in Python.
  const t = arangeInclusive(0.01, 0.49, 0.01);
  assert.equal(t.length, 49);
  assert.equal(t[0], 0.01);
  assert.equal(t[1], 0.02);
  assert.equal(t[5], 0.060000000000000005);
  const delta = (0.01 + 0.01) - 0.01;
  for (let i = 2; i < 49; i++) assert.equal(t[i], 0.01 + i * delta);
  assert.ok(Math.abs(t[48] - 0.49) < 1e-15);
});

Deno.test("gridFromRanges() defaults to solver.py's grid", () => {
  const g = gridFromRanges();
  assert.equal(g.memoriesMb.length, 28);
  assert.equal(g.memoriesMb[0], 1280);
  assert.equal(g.memoriesMb[27], 3008);
  assert.equal(g.timeoutsSec.length, 49);
  assert.deepEqual(g.maxBatches, [20]);
});

Deno.test("parseRange() reads ranges, single values and lists", () => {
  assert.deepEqual(parseRange("1:4", { name: "--batch", integer: true }), [1, 2, 3, 4]);
  assert.deepEqual(parseRange("3008", { name: "--memory" }), [3008]);
  assert.deepEqual(parseRange("3008, 1280,2048,1280", { name: "--memory" }), [1280, 2048, 3008]);
  assert.equal(parseRange("0.001:1:0.001", { name: "--timeout" }).length, 1000);
  assert.equal(parseRange("1280:3008:16", { name: "--memory" }).length, 109);
});

Deno.test("parseRange() rejects bad ranges with a message naming the option", () => {
  const cases: [string, object, string][] = [
    ["a:b", {}, "Cannot read --x 'a:b': 'a' is not a number"],
    ["1:2:3:4", {}, "Cannot read --x '1:2:3:4': expected lo:hi:step"],
    ["5:1", {}, "Cannot read --x '5:1': hi is below lo"],
    ["1:5:0", {}, "Cannot read --x '1:5:0': the step must be > 0"],
    ["1.5", { integer: true }, "Cannot read --x '1.5': '1.5' is not an integer"],
    ["0", { min: 1, unit: "MB" }, "Cannot use --x 0 MB: it must be within 1..Infinity MB"],
    ["1:100000", { maxCount: 10 }, "Cannot read --x '1:100000': more than 10 values"],
    ["", {}, "Cannot read --x '': '' is not a number"],
  ];
  for (const [text, opts, message] of cases) {
    assert.throws(() => parseRange(text, { name: "--x", ...opts }), {
      name: "RangeError",
      message,
    });
  }
});

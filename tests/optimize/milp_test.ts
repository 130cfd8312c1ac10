import assert from "node:assert/strict";
import { glpkSolver, type LinearModel, modelSize } from "../../lib/optimize/milp.ts";

const solver = await glpkSolver();

/** A 0/1 knapsack: values 6, 10, 12, weights 1, 2, 3, capacity 5 (maximize value). */
const KNAPSACK: LinearModel = {
  name: "knapsack",
  objective: [{ name: "a", coef: -6 }, { name: "b", coef: -10 }, { name: "c", coef: -12 }],
  constraints: [{
    name: "weight",
    terms: [{ name: "a", coef: 1 }, { name: "b", coef: 2 }, { name: "c", coef: 3 }],
    hi: 5,
  }],
  binaries: ["a", "b", "c"],
};

Deno.test("glpkSolver() solves a 0/1 knapsack to its optimum", () => {
  // By enumeration of the 8 subsets: {b, c} (weight 5) is worth 22, the most.
  const s = solver(KNAPSACK);
  assert.equal(s.status, "optimal");
  assert.equal(s.objective, -22);
  assert.deepEqual(s.values, { a: 0, b: 1, c: 1 });
});

Deno.test("glpkSolver() honours free, bounded and fixed rows and variables", () => {
  // minimize t subject to t >= -3 + x, x in [-2, 4] continuous, t free: t = -5.
  const s = solver({
    name: "bounds",
    objective: [{ name: "t", coef: 1 }],
    constraints: [{
      name: "link",
      terms: [{ name: "t", coef: 1 }, { name: "x", coef: -1 }],
      lo: -3,
    }],
    binaries: [],
    bounds: [{ name: "t" }, { name: "x", lo: -2, hi: 4 }],
  });
  assert.equal(s.status, "optimal");
  assert.equal(s.values.t, -5);
  assert.equal(s.values.x, -2);
  const fixed = solver({
    ...KNAPSACK,
    constraints: [...KNAPSACK.constraints, {
      name: "takeA",
      terms: [{ name: "a", coef: 1 }],
      lo: 1,
      hi: 1,
    }],
  });
  // With a forced in: {a, c} is worth 18 (weight 4), {a, b} 16 (weight 3), {a, b, c} too heavy.
  assert.deepEqual(fixed.values, { a: 1, b: 0, c: 1 });
});

Deno.test("glpkSolver() reports an infeasible model as infeasible", () => {
  const s = solver({
    ...KNAPSACK,
    constraints: [...KNAPSACK.constraints, {
      name: "tooMuch",
      terms: [{ name: "a", coef: 1 }, { name: "b", coef: 1 }, { name: "c", coef: 1 }],
      lo: 3,
    }],
  });
  assert.equal(s.status, "infeasible");
});

Deno.test("glpkSolver() rejects NaN or infinite coefficients and crossed bounds", () => {
  assert.throws(() => solver({ ...KNAPSACK, objective: [{ name: "a", coef: NaN }] }), {
    name: "RangeError",
    message: "Cannot solve model knapsack: the coefficient of a in the objective is NaN",
  });
  assert.throws(
    () =>
      solver({
        ...KNAPSACK,
        constraints: [{ name: "r", terms: [{ name: "a", coef: Infinity }], hi: 1 }],
      }),
    { name: "RangeError", message: /coefficient of a in row r is Infinity/ },
  );
  assert.throws(
    () => solver({ ...KNAPSACK, constraints: [{ name: "r", terms: [], lo: 2, hi: 1 }] }),
    { name: "RangeError", message: "Cannot bound row r by 2..1: expected lo <= hi" },
  );
  assert.throws(() => solver(KNAPSACK, { timeLimitSec: 0 }), {
    name: "RangeError",
    message: "Cannot solve with time limit 0 s: it must be > 0",
  });
});

Deno.test("glpkSolver() shares one GLPK instance between calls", async () => {
  const again = await glpkSolver();
  assert.deepEqual(again(KNAPSACK), solver(KNAPSACK));
});

Deno.test("modelSize() counts distinct variables, rows, binaries and nonzeros", () => {
  assert.deepEqual(modelSize(KNAPSACK), { variables: 3, constraints: 1, binaries: 3, nonzeros: 3 });
  assert.deepEqual(
    modelSize({ ...KNAPSACK, bounds: [{ name: "extra", lo: 0, hi: 1 }] }),
    { variables: 4, constraints: 1, binaries: 3, nonzeros: 3 },
  );
});

import assert from "node:assert/strict";
import { leastSquares, matVec, solveRight } from "../../lib/numeric/dense.ts";
import { seededPrng } from "../../lib/random/prng.ts";

Deno.test("leastSquares() recovers the coefficients of a consistent tall system to 1e-12", () => {
  const prng = seededPrng(3);
  const x = [0.5, -2, 3, 1e-3];
  const a = Array.from(
    { length: 40 },
    () => Array.from({ length: 4 }, () => prng.nextFloat() * 2 - 1),
  );
  const b = matVec(a, x);
  const found = leastSquares(a, b);
  for (let j = 0; j < 4; j++) {
    assert.ok(Math.abs(found[j] - x[j]) < 1e-12, `${found[j]} vs ${x[j]}`);
  }
});

Deno.test("leastSquares() agrees with the normal equations on a noisy well-conditioned system", () => {
  // Expected: the normal equations a^T a x = a^T b solved by Gaussian
  // elimination, equivalent in exact arithmetic; 1e-10 allows for cond(a)^2 ~ 10.
  const prng = seededPrng(11);
  const a = Array.from({ length: 30 }, () => [1, prng.nextFloat(), prng.nextFloat()]);
  const b = a.map((row) => 1 + 2 * row[1] - row[2] + (prng.nextFloat() - 0.5) * 0.1);
  const ata = [0, 1, 2].map((i) => [0, 1, 2].map((j) => a.reduce((s, r) => s + r[i] * r[j], 0)));
  const atb = [0, 1, 2].map((i) => a.reduce((s, r, n) => s + r[i] * b[n], 0));
  const normal = solveRight(ata, atb);
  const qr = leastSquares(a, b);
  for (let j = 0; j < 3; j++) assert.ok(Math.abs(qr[j] - normal[j]) < 1e-10);
});

Deno.test("leastSquares() refuses a wide matrix, a wrong b and a rank-deficient matrix", () => {
  assert.throws(() => leastSquares([[1, 2]], [1]), {
    name: "RangeError",
    message:
      "Cannot solve the least-squares problem as the matrix must have at least as many rows as columns (>= 1): found 1 x 2",
  });
  assert.throws(() => leastSquares([[1], [2]], [1]), {
    name: "RangeError",
    message:
      "Cannot solve the least-squares problem as 'b' must have one value per row (2): current length is 1",
  });
  assert.throws(() => leastSquares([[1, 2], [2, 4], [3, 6]], [1, 2, 3]), {
    name: "RangeError",
    message: "Cannot solve the least-squares problem: column 1 depends on the previous ones",
  });
});

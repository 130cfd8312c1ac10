import assert from "node:assert/strict";
import { exponential, seededPrng } from "../../lib/random/prng.ts";

Deno.test("seededPrng() repeats its stream for a seed and differs across seeds", () => {
  const a = seededPrng(42), b = seededPrng(42), c = seededPrng(43);
  const xs = Array.from({ length: 100 }, () => a.nextFloat());
  assert.deepEqual(Array.from({ length: 100 }, () => b.nextFloat()), xs);
  assert.notDeepEqual(Array.from({ length: 100 }, () => c.nextFloat()), xs);
  for (const x of xs) assert.ok(x >= 0 && x < 1);
});

Deno.test("seededPrng() rejects a non-integer seed", () => {
  assert.throws(() => seededPrng(1.5), {
    name: "RangeError",
    message: "Cannot seed the generator with 1.5: the seed must be an integer",
  });
});

Deno.test("exponential() has mean 1/rate (seed 3, 10^6 draws, 5 standard errors)", () => {
  // Exp(rate 4): mean 0.25, standard deviation 0.25, so the standard error of the mean
  // of 10^6 draws is 2.5e-4.
  const prng = seededPrng(3);
  let s = 0;
  for (let i = 0; i < 1e6; i++) s += exponential(prng, 4);
  assert.ok(Math.abs(s / 1e6 - 0.25) < 5 * 2.5e-4);
});

/**
 * Seeded pseudo-random numbers. Every random draw in the project goes through
 * a {@linkcode Prng} passed in by the caller, so the same seed gives the same
 * stream and tests can inject their own.
 *
 * @module
 */

import { mersenne } from "pure-rand/generator/mersenne";
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";

/** A source of uniform random numbers. */
export interface Prng {
  /** A uniform double in `[0, 1)` with 53 random bits. */
  nextFloat(): number;
}

/**
 * A seeded generator: pure-rand's Mersenne Twister (MT19937) with 53-bit doubles.
 *
 * @param seed An integer seed (32 bits are used).
 * @returns The generator.
 * @throws {RangeError} If the seed is not an integer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { seededPrng } from "./prng.ts";
 * const a = seededPrng(7), b = seededPrng(7);
 * assert.equal(a.nextFloat(), b.nextFloat()); // the same seed, the same sequence
 * ```
 */
export function seededPrng(seed: number): Prng {
  if (!Number.isInteger(seed)) {
    throw new RangeError(`Cannot seed the generator with ${seed}: the seed must be an integer`);
  }
  const rng = mersenne(seed | 0);
  return { nextFloat: () => uniformFloat64(rng) };
}

/** An exponential variate with the given rate, from a uniform draw. */
export function exponential(prng: Prng, ratePerSec: number): number {
  return -Math.log1p(-prng.nextFloat()) / ratePerSec;
}

/**
 * AWS Lambda prices: cost of one invocation from its duration and memory.
 *
 * Lambda bills GB-seconds (memory in GB, with GB = MB / 1024, times the billed
 * duration) plus a fixed price per request. The billed duration is the run time
 * rounded up to the billing granularity: 1 ms since December 2020, 100 ms before.
 * The BATCH paper's `solver.py` (function `getCostRequest`) bills the duration
 * continuously, without rounding; the `"paper"` pricing reproduces it.
 *
 * @module
 */

/** Names of the available pricings. */
export const PRICING_NAMES = ["paper", "aws-x86", "aws-arm64", "aws-2020"] as const;

/** Name of a pricing: one of {@linkcode PRICING_NAMES}. */
export type PricingName = typeof PRICING_NAMES[number];

/** Prices of AWS Lambda and how the duration is billed. */
export interface Pricing {
  /** Name of the pricing. */
  readonly name: PricingName;
  /** Price of one GB-second of billed duration, in USD. */
  readonly usdPerGbSecond: number;
  /** Price of one request (invocation), in USD. */
  readonly usdPerRequest: number;
  /** The billed duration is rounded up to a multiple of this; 0 bills it as is. */
  readonly billingGranularityMs: number;
  /**
   * Whether a cold start's Init Duration is billed with the invocation. AWS
   * bills the INIT phase of on-demand functions since 1 August 2025 ("AWS
   * Lambda standardizes billing for the INIT phase"); before, functions on
   * managed runtimes had it free; the paper's model has no cold starts.
   */
  readonly billsInit: boolean;
  /** Where the prices come from, in one line. */
  readonly description: string;
}

const _PRICINGS: Readonly<Record<PricingName, Pricing>> = {
  "paper": Object.freeze({
    name: "paper",
    usdPerGbSecond: 0.0000166667,
    usdPerRequest: 0.0000002,
    billingGranularityMs: 0,
    billsInit: false,
    description: "BATCH paper (solver.py getCostRequest): 0.0000166667 USD per GB-s, " +
      "0.0000002 USD per invocation, continuous duration",
  }),
  "aws-x86": Object.freeze({
    name: "aws-x86",
    usdPerGbSecond: 0.0000166667,
    usdPerRequest: 0.0000002,
    billingGranularityMs: 1,
    billsInit: true,
    description: "AWS Lambda x86_64, first price tier: 0.0000166667 USD per GB-s, " +
      "0.20 USD per million requests, duration rounded up to 1 ms, Init Duration billed " +
      "(since August 2025)",
  }),
  "aws-arm64": Object.freeze({
    name: "aws-arm64",
    usdPerGbSecond: 0.0000133334,
    usdPerRequest: 0.0000002,
    billingGranularityMs: 1,
    billsInit: true,
    description: "AWS Lambda arm64, first price tier: 0.0000133334 USD per GB-s, " +
      "0.20 USD per million requests, duration rounded up to 1 ms, Init Duration billed " +
      "(since August 2025)",
  }),
  "aws-2020": Object.freeze({
    name: "aws-2020",
    usdPerGbSecond: 0.0000166667,
    usdPerRequest: 0.0000002,
    billingGranularityMs: 100,
    billsInit: false,
    description: "AWS Lambda before December 2020: 0.0000166667 USD per GB-s, " +
      "0.20 USD per million requests, duration rounded up to 100 ms",
  }),
};

/**
 * Returns the pricing called `name`.
 *
 * - `"paper"`: 0.0000166667 USD per GB-s, 0.0000002 USD per invocation, duration
 *   billed continuously (as `solver.py`'s `getCostRequest`);
 * - `"aws-x86"`: 0.0000166667 USD per GB-s, 0.20 USD per million requests,
 *   duration rounded up to 1 ms;
 * - `"aws-arm64"`: 0.0000133334 USD per GB-s, 0.20 USD per million requests,
 *   duration rounded up to 1 ms;
 * - `"aws-2020"`: 0.0000166667 USD per GB-s, 0.20 USD per million requests,
 *   duration rounded up to 100 ms.
 *
 * @param name One of {@linkcode PRICING_NAMES}.
 * @returns The frozen pricing.
 * @throws {RangeError} If `name` is not a known pricing.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 *
 * strictEqual(pricing("aws-2020").billingGranularityMs, 100);
 * ```
 */
export function pricing(name: string): Pricing {
  if (!Object.hasOwn(_PRICINGS, name)) {
    const known = PRICING_NAMES.map((n) => `'${n}'`).join(", ");
    throw new RangeError(`Cannot find pricing '${name}': expected one of ${known}`);
  }
  return _PRICINGS[name as PricingName];
}

/**
 * Billed duration in seconds of an invocation that ran `durationSec` seconds:
 * rounded up to a multiple of the billing granularity, or unchanged for a
 * continuous pricing.
 *
 * A duration within 1e-9 granules above a multiple bills that multiple, so that
 * float noise does not add a granule: 0.123 s bills 123 ms, not 124 ms.
 *
 * @param p The pricing.
 * @param durationSec Run time in seconds, finite and >= 0.
 * @returns The billed duration in seconds.
 * @throws {RangeError} If `durationSec` is negative or not finite.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 *
 * strictEqual(billedDurationSec(pricing("aws-x86"), 0.1231), 0.124);
 * strictEqual(billedDurationSec(pricing("aws-2020"), 0.05), 0.1);
 * ```
 */
export function billedDurationSec(p: Pricing, durationSec: number): number {
  if (!(durationSec >= 0 && Number.isFinite(durationSec))) {
    throw new RangeError(
      "Cannot bill the duration as 'durationSec' must be a finite number >= 0: " +
        `current value is ${durationSec}`,
    );
  }
  const granularityMs = p.billingGranularityMs;
  if (granularityMs === 0) return durationSec;
  const granules = Math.max(0, Math.ceil((durationSec * 1000) / granularityMs - 1e-9));
  return (granules * granularityMs) / 1000;
}

/**
 * Duration part of the cost of one invocation in USD: billed duration times
 * memory in GB (MB / 1024) times the price per GB-second, multiplied in that
 * order (as `solver.py`'s `getCostRequest`).
 *
 * Per-request costs that must match `solver.py` bit for bit are
 * `durationCostUsd(...) / k + p.usdPerRequest / k` for a batch of k requests.
 *
 * @param p The pricing.
 * @param durationSec Run time in seconds, finite and >= 0.
 * @param memoryMb Lambda memory in MB, positive.
 * @returns The duration cost in USD.
 * @throws {RangeError} If `durationSec` is negative or not finite, or `memoryMb`
 * is not a positive finite number.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 *
 * strictEqual(durationCostUsd(pricing("paper"), 2, 1024), 2 * 1 * 0.0000166667);
 * ```
 */
export function durationCostUsd(p: Pricing, durationSec: number, memoryMb: number): number {
  if (!(memoryMb > 0 && Number.isFinite(memoryMb))) {
    throw new RangeError(
      "Cannot price the invocation as 'memoryMb' must be a positive finite number: " +
        `current value is ${memoryMb}`,
    );
  }
  return billedDurationSec(p, durationSec) * (memoryMb / 1024) * p.usdPerGbSecond;
}

/**
 * Cost in USD of one invocation that ran `durationSec` seconds with `memoryMb`
 * MB: `billedDurationSec * (memoryMb / 1024) * usdPerGbSecond + usdPerRequest`.
 *
 * @param p The pricing.
 * @param durationSec Run time in seconds, finite and >= 0.
 * @param memoryMb Lambda memory in MB, positive.
 * @returns The cost of the invocation in USD.
 * @throws {RangeError} If `durationSec` is negative or not finite, or `memoryMb`
 * is not a positive finite number.
 *
 * @example
 * ```ts
 * import { ok } from "node:assert/strict";
 *
 * // 1 s at 2048 MB on arm64: 2 GB-s x 0.0000133334 USD + 0.0000002 USD
 * const costUsd = invocationCostUsd(pricing("aws-arm64"), 1, 2048);
 * ok(Math.abs(costUsd - 0.0000268668) < 1e-15);
 * ```
 */
export function invocationCostUsd(p: Pricing, durationSec: number, memoryMb: number): number {
  return durationCostUsd(p, durationSec, memoryMb) + p.usdPerRequest;
}

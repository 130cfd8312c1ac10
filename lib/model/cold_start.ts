/**
 * The probability that a batch starts cold: no warm execution environment is
 * idle when it is dispatched, under a keep-alive `tau` (an environment idle
 * for longer is reclaimed) and most-recently-used reuse (what the local Lambda
 * does, and Lambda is observed to do).
 *
 * With that reuse the environments behave like a stack: the pool alive at t
 * is the largest number of batches in service over (t - tau, t], so a batch
 * starting at t is cold exactly when the number in service just before it,
 * N(t-), equals the largest N over the last tau (shared design note
 * "cold-starts.md", checked event by event there). Model:
 *
 * - batch starts form a Poisson process of rate `lambda_b` (the arrival rate
 *   over the mean batch size), so a start sees N in its stationary law
 *   (PASTA): Poisson with mean `rho = lambda_b E[S]` for any service law
 *   (M/G/infinity);
 * - the window maximum is that of the birth-death process with births at
 *   `lambda_b` and deaths at `n / E[S]` (exact for exponential service and,
 *   for every service law, for the term n = 0: no batch in service during
 *   the window);
 * - the birth-death process is reversible, so looking back tau from a start
 *   is looking forward: P(cold) = sum_n pi_n P_n(T_n > tau), with T_n the first
 *   passage from n to n + 1. Its Laplace transform obeys
 *   `phi_n(s) = lambda_b / (lambda_b + n mu + s - n mu phi_{n-1}(s))`,
 *   `phi_0 = lambda_b / (lambda_b + s)`, so the transform of P(cold) as a
 *   function of tau is `sum_n pi_n (1 - phi_n(s)) / s`, inverted at tau by
 *   the fixed Talbot method (Abate and Valko, 2004) with 32 nodes.
 *
 * Where it breaks (measured against the simulator's pool by `deno task
 * validate --cold-starts`, README "Cold starts"): with one request per batch
 * (Poisson batch starts) it is within 10 % in 73 of 80 cases; batches that
 * fill or time out start more regularly than a Poisson process, so with
 * batching from 10 requests/s up it over-predicts (an upper bound there);
 * bursty arrivals cluster the starts, so it under-predicts; deterministic
 * services at a keep-alive of about one service time make the occupancy more
 * regular than the birth-death process's (the model low by up to 21 %).
 * It is stationary: traffic that grows or falls within tau, and a memory
 * change, which retires every environment, are outside it.
 *
 * @module
 */

import type { Pricing } from "../profile/pricing.ts";
import {
  expectedInvocationCostUsd,
  mixtureService,
  type ServiceDistribution,
  shiftedService,
} from "../profile/service_distribution.ts";

/** What the cold-start probability depends on. */
export interface ColdStartInput {
  /** Batch starts per second (arrival rate / mean batch size). */
  batchRatePerSec: number;
  /** Mean time a batch holds its environment, seconds. */
  meanServiceSec: number;
  /** Idle time after which an environment is reclaimed, seconds. */
  keepAliveSec: number;
}

const TALBOT_NODES = 32;

/** The keep-alive the model assumes when none is given, seconds (the local Lambda's). */
export const DEFAULT_KEEP_ALIVE_SEC = 600;

/**
 * The probability that a batch starts cold (see the module header).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * // Light load: cold exactly when no batch was in service during the keep-alive,
 * // e^(-lambda_b tau) for any service law.
 * const p = coldStartProbability({ batchRatePerSec: 0.01, meanServiceSec: 0.5, keepAliveSec: 60 });
 * assert.ok(Math.abs(p - Math.exp(-0.6)) < 0.01);
 * ```
 */
export function coldStartProbability(input: ColdStartInput): number {
  const { batchRatePerSec: lam, meanServiceSec, keepAliveSec: tau } = input;
  if (!(lam > 0 && Number.isFinite(lam))) {
    throw new RangeError(`Cannot use batch rate ${lam}/s: it must be positive and finite`);
  }
  if (!(meanServiceSec > 0 && Number.isFinite(meanServiceSec))) {
    throw new RangeError(`Cannot use mean service ${meanServiceSec} s: it must be positive`);
  }
  if (!(tau >= 0)) throw new RangeError(`Cannot use keep-alive ${tau} s: it must be >= 0`);
  if (tau === 0) return 1;
  if (tau === Infinity) return 0;
  const mu = 1 / meanServiceSec, rho = lam * meanServiceSec;
  // Poisson weights of N, from 0 to where the tail is below 1e-16.
  const nMax = Math.ceil(rho + 12 * Math.sqrt(rho) + 30);
  const pi = new Float64Array(nMax + 1);
  let logP = -rho;
  for (let n = 0; n <= nMax; n++) {
    if (n > 0) logP += Math.log(rho / n);
    pi[n] = Math.exp(logP);
  }
  // Fixed Talbot: f(t) = (r / M) [F(r) e^(r t) / 2 + sum_k Re(e^(t d_k) F(d_k) (1 + i sigma_k))].
  const m = TALBOT_NODES, r = (2 * m) / (5 * tau);
  let sum = 0.5 * transform(r, 0, lam, mu, pi).re * Math.exp(r * tau);
  for (let k = 1; k < m; k++) {
    const th = (k * Math.PI) / m, cot = Math.cos(th) / Math.sin(th);
    const dRe = r * th * cot, dIm = r * th;
    const sigma = th + (th * cot - 1) * cot;
    const f = transform(dRe, dIm, lam, mu, pi);
    const e = Math.exp(dRe * tau), c = Math.cos(dIm * tau), s = Math.sin(dIm * tau);
    // e^(t d) F(d) (1 + i sigma), real part.
    const gRe = f.re - f.im * sigma, gIm = f.im + f.re * sigma;
    sum += e * (c * gRe - s * gIm);
  }
  return Math.min(1, Math.max(0, (r / m) * sum));
}

/** `sum_n pi_n (1 - phi_n(s)) / s` at complex s = a + i b. */
function transform(
  a: number,
  b: number,
  lam: number,
  mu: number,
  pi: Float64Array,
): { re: number; im: number } {
  // phi_0 = lam / (lam + s)
  let pRe: number, pIm: number;
  {
    const dr = lam + a, di = b, d2 = dr * dr + di * di;
    pRe = (lam * dr) / d2;
    pIm = (-lam * di) / d2;
  }
  let accRe = pi[0] * (1 - pRe), accIm = pi[0] * -pIm;
  for (let n = 1; n < pi.length; n++) {
    // phi_n = lam / (lam + n mu + s - n mu phi_{n-1})
    const nm = n * mu;
    const dr = lam + nm + a - nm * pRe, di = b - nm * pIm, d2 = dr * dr + di * di;
    pRe = (lam * dr) / d2;
    pIm = (-lam * di) / d2;
    accRe += pi[n] * (1 - pRe);
    accIm += pi[n] * -pIm;
  }
  // divide by s
  const s2 = a * a + b * b;
  return { re: (accRe * a + accIm * b) / s2, im: (accIm * a - accRe * b) / s2 };
}

/** What {@linkcode withColdStarts} needs for one configuration. */
export interface ColdStartCase {
  /** `P(K = k)`, index `k - 1`. */
  batchSize: ArrayLike<number>;
  meanBatchSize: number;
  /** Requests per second. */
  arrivalRatePerSec: number;
  /** Warm service of batch sizes 1..B at the memory (index k - 1). */
  warm: readonly ServiceDistribution[];
  /** Init Duration of a cold start, seconds. */
  initSec: number;
  keepAliveSec: number;
  pricing: Pricing;
  memoryMb: number;
}

/** A configuration's service with cold starts in it. */
export interface ColdStartTerms {
  /** P(a batch starts cold). */
  probability: number;
  /** Per batch size: what a batch adds to its requests' wait (Init + S when cold). */
  latency: ServiceDistribution[];
  /** Per batch size: the expected cost of its invocation, USD (Init billed as the pricing says). */
  costUsd: Float64Array;
}

/**
 * The service of each batch size with cold starts: with probability p (from
 * {@linkcode coldStartProbability}, the mean time a batch holds its
 * environment including the Init of cold ones, found by fixed-point
 * iteration) a batch waits Init Duration before its service; the invocation
 * is billed for Init too when the pricing bills it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { deterministicService } from "../profile/service_distribution.ts";
 * import { pricing } from "../profile/pricing.ts";
 *
 * // One batch size, 0.05 batches/s, 0.2 s of service, keep-alive 10 s: cold about
 * // e^(-0.05 x 10) of the time; the latency is 0.2 s or 0.45 s.
 * const t = withColdStarts({
 *   batchSize: [1], meanBatchSize: 1, arrivalRatePerSec: 0.05,
 *   warm: [deterministicService(0.2)], initSec: 0.25, keepAliveSec: 10,
 *   pricing: pricing("aws-x86"), memoryMb: 1024,
 * });
 * assert.ok(Math.abs(t.probability - Math.exp(-0.5)) < 0.02);
 * assert.deepEqual(Array.from(t.latency[0].atomsSec!), [0.2, 0.45]);
 * ```
 */
export function withColdStarts(c: ColdStartCase): ColdStartTerms {
  return withColdStartsOf(c, coldStartParts(c.warm, c.initSec, c.pricing, c.memoryMb));
}

/** What the cold starts of one memory share across (B, T): cold services and both costs. */
export interface ColdStartParts {
  warm: readonly ServiceDistribution[];
  /** Init + S_k. */
  cold: readonly ServiceDistribution[];
  warmCostUsd: Float64Array;
  /** The cost of a cold invocation (Init billed as the pricing says). */
  coldCostUsd: Float64Array;
  initSec: number;
}

/** The parts of {@linkcode withColdStarts} that depend on the memory alone. */
export function coldStartParts(
  warm: readonly ServiceDistribution[],
  initSec: number,
  pricing: Pricing,
  memoryMb: number,
): ColdStartParts {
  const cold = warm.map((d) => shiftedService(d, initSec));
  return {
    warm,
    cold,
    warmCostUsd: Float64Array.from(warm, (d) => expectedInvocationCostUsd(pricing, d, memoryMb)),
    coldCostUsd: Float64Array.from(
      warm,
      (d, k) => expectedInvocationCostUsd(pricing, pricing.billsInit ? cold[k] : d, memoryMb),
    ),
    initSec,
  };
}

/** {@linkcode withColdStarts} from the parts of its memory. */
export function withColdStartsOf(
  c: Pick<ColdStartCase, "batchSize" | "meanBatchSize" | "arrivalRatePerSec" | "keepAliveSec">,
  parts: ColdStartParts,
): ColdStartTerms {
  const { warm, cold, initSec } = parts;
  const batchRate = c.arrivalRatePerSec / c.meanBatchSize;
  let warmMean = 0;
  const sizes = Math.min(warm.length, c.batchSize.length);
  for (let k = 0; k < sizes; k++) warmMean += c.batchSize[k] * warm[k].meanSec;
  let p = 0;
  for (let iter = 0; iter < 50; iter++) {
    const next = coldStartProbability({
      batchRatePerSec: batchRate,
      meanServiceSec: warmMean + p * initSec,
      keepAliveSec: c.keepAliveSec,
    });
    const done = Math.abs(next - p) <= 1e-12;
    p = next;
    if (done) break;
  }
  return {
    probability: p,
    latency: warm.map((d, k) => mixtureService([[d, 1 - p], [cold[k], p]])),
    costUsd: Float64Array.from(
      warm,
      (_, k) => (1 - p) * parts.warmCostUsd[k] + p * parts.coldCostUsd[k],
    ),
  };
}

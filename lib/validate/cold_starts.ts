/**
 * The cold-start model, measured: the exact method's P(a batch starts cold)
 * under a keep-alive (`coldStartProbability` of `lib/model/cold_start.ts`,
 * through {@linkcode predictConfiguration}) against the fraction of cold
 * batches the simulator's instance pool counts on the same arrivals, buffer
 * and service.
 *
 * The simulator starts with no environment, so the first batches of a run are
 * cold while the pool is built (about rho + a few sqrt(rho) of them, rho the
 * batch rate times the mean holding time), and the pool, the largest
 * concurrency of the last keep-alive, only reflects the stationary occupancy
 * once a whole keep-alive window has passed after the occupancy itself became
 * stationary. A stationary model leaves that warm-up out, so the count does
 * too: only batches dispatched after `warmupKeepAlives` keep-alive windows
 * plus 20 times the longest mean holding time (Init + S_B) count.
 *
 * Cold starts come in clusters (the concurrency climbs to a new maximum over a
 * few batches), so besides the binomial standard error the result gives a
 * batch-means standard error over 20 blocks of consecutive counted batches;
 * "within noise" uses the larger of the two.
 *
 * @module
 */

import type { MapProcess } from "../map/map_process.ts";
import { arrivalRatePerSec } from "../map/moments.ts";
import { predictConfiguration } from "../model/predict.ts";
import { mapArrivals } from "../arrivals/streams.ts";
import { pricing } from "../profile/pricing.ts";
import { describeVariability } from "../profile/service_distribution.ts";
import { initSecAt, type ServiceProfile, serviceTimesSec } from "../profile/service_profile.ts";
import { seededPrng } from "../random/prng.ts";
import { simulateBuffer } from "../sim/simulator.ts";

/** One cold-start case: arrivals, buffer, function and keep-alive. */
export interface ColdStartValidationCase {
  /** A name for tables, e.g. "poisson 10/s". */
  label: string;
  map: MapProcess;
  maxBatch: number;
  timeoutSec: number;
  memoryMb: number;
  /** The service: its mean S(k, m) and its `variability` (deterministic without one). */
  profile: ServiceProfile;
  /** Idle time after which an environment is reclaimed, seconds (> 0). */
  keepAliveSec: number;
  /**
   * Init Duration of a cold start, seconds (> 0: the simulator's records tell a
   * cold batch by its Init). @default {the profile's `coldStart` at `memoryMb`}
   */
  initSec?: number;
}

/** Options of {@linkcode planColdStartRun} and {@linkcode validateColdStarts}. */
export interface ColdStartValidationOptions {
  /** Most requests simulated per case, warm-up included. @default {10_000_000} */
  maxRequests?: number;
  /** Keep-alive windows to count after the warm-up, at least. @default {50} */
  keepAliveWindows?: number;
  /** Cold starts the model expects among the counted batches, at least. @default {2000} */
  coldStarts?: number;
  /** Counted batches, at least (also the least the cap must leave after the warm-up). @default {20_000} */
  minBatches?: number;
  /** Keep-alive windows of warm-up (before 20 longest holding times more). @default {2} */
  warmupKeepAlives?: number;
  /** Seed of the arrivals; the service draws from `seed + 1,000,003`. @default {1} */
  seed?: number;
  /** Allow the profile outside its fitted range. @default {false} */
  extrapolate?: boolean;
}

/** The model's figures for a case and the run sized from them. */
export interface ColdStartRunPlan {
  /** Requests per second. */
  arrivalRatePerSec: number;
  /** Init Duration used, seconds. */
  initSec: number;
  /** The model's P(a batch starts cold). */
  probability: number;
  /** The model's mean batch size E[K]. */
  meanBatchSize: number;
  /** Batch starts per second, the arrival rate over E[K]. */
  batchRatePerSec: number;
  /** Mean time a batch holds its environment, E[S_K] + p Init, seconds. */
  meanHoldSec: number;
  /** Mean number of batches in service, batch rate times mean holding time. */
  occupancy: number;
  /** Time after the first arrival before batches count, seconds. */
  warmupSec: number;
  /**
   * Requests the warm-up and `minBatches` counted batches take: a `maxRequests`
   * below it is refused by {@linkcode validateColdStarts}.
   */
  leastRequests: number;
  /** Requests to simulate, warm-up included. */
  requests: number;
  /** Whether `maxRequests` cut the run short of its targets. */
  capped: boolean;
}

/** What the simulator counted, after the warm-up. */
export interface SimulatedColdStarts {
  requests: number;
  batches: number;
  /** Cold starts over the whole run, warm-up included. */
  allColdStarts: number;
  /** Batches dispatched after the warm-up. */
  countedBatches: number;
  /** Cold starts among them. */
  coldStarts: number;
  /** coldStarts / countedBatches. */
  fraction: number;
  /** Binomial standard error of `fraction`, sqrt(f (1 - f) / n). */
  standardError: number;
  /** Batch-means standard error of `fraction` over 20 blocks of consecutive counted batches. */
  blockStandardError: number;
  /** Counted time over the keep-alive: how many windows the count covers. */
  keepAliveWindows: number;
}

/** One case's model against its simulation. */
export interface ColdStartValidation {
  label: string;
  maxBatch: number;
  timeoutSec: number;
  memoryMb: number;
  model: string;
  /** How the service time varies: `deterministic`, `gamma, CV 1`, ... */
  service: string;
  keepAliveSec: number;
  plan: ColdStartRunPlan;
  simulated: SimulatedColdStarts;
  /** Simulated over predicted fraction. */
  ratio: number;
  /** Whether the prediction is within 10 % of the simulated fraction: |ratio - 1| <= 0.1. */
  within10Pct: boolean;
  /**
   * (simulated - predicted) over the larger of the binomial standard error at
   * the predicted probability and the block standard error.
   */
  zScore: number;
  /** Whether |zScore| <= 3. */
  withinNoise: boolean;
}

const BLOCKS = 20;
/** Longest mean holding times (Init + S_B) added to the warm-up, for the occupancy to settle. */
const HOLDS_OF_WARMUP = 20;

/**
 * The model's cold-start probability for a case and the simulation sized to
 * check it: a warm-up, then enough batches to cover `keepAliveWindows`
 * windows, to expect `coldStarts` cold ones and to count `minBatches`, all
 * within `maxRequests`.
 *
 * @param c The case.
 * @param options Targets, cap and warm-up.
 * @returns The prediction and the run's size.
 * @throws {RangeError} If the keep-alive or the Init is not > 0, or if the
 *   profile has no `coldStart` and no `initSec` is given.
 * @throws {ProfileRangeError} Outside the profile's fitted range without `extrapolate`.
 *
 * @example Poisson at 1 request/s, B = 1, a 1 s service, 10 s keep-alive
 * ```ts
 * import assert from "node:assert/strict";
 * import { poissonProcess } from "../map/map_process.ts";
 * import { profileFromJson } from "../profile/service_profile.ts";
 *
 * const profile = profileFromJson({
 *   name: "one", terms: ["1"], coefficients: [1], memoryRangeMb: [128, 10240], batchRange: [1, 8],
 * });
 * const plan = planColdStartRun({
 *   label: "poisson 1/s", map: poissonProcess(1), maxBatch: 1, timeoutSec: 0.1,
 *   memoryMb: 1024, profile, keepAliveSec: 10, initSec: 0.25,
 * });
 * // Warm-up: 2 keep-alives and 20 holding times of 1.25 s.
 * assert.equal(plan.warmupSec, 45);
 * // About 8 % of the batches start cold: 2000 of them take about 26,000 batches.
 * assert.ok(plan.probability > 0.07 && plan.probability < 0.09);
 * assert.ok(plan.requests > 20_000 && plan.requests < 30_000 && !plan.capped);
 * ```
 */
export function planColdStartRun(
  c: ColdStartValidationCase,
  options: ColdStartValidationOptions = {},
): ColdStartRunPlan {
  const {
    maxRequests = 10_000_000,
    keepAliveWindows = 50,
    coldStarts = 2000,
    minBatches = 20_000,
    warmupKeepAlives = 2,
    extrapolate = false,
  } = options;
  const { maxBatch, memoryMb, keepAliveSec: tau } = c;
  const what = _cannot(c);
  if (!(tau > 0 && Number.isFinite(tau))) {
    throw new RangeError(
      `${what}: the keep-alive must be a finite number of seconds > 0: found ${tau}`,
    );
  }
  const initSec = c.initSec ?? initSecAt(c.profile, memoryMb);
  if (initSec === undefined) {
    throw new RangeError(
      `${what}: profile '${c.profile.name}' has no coldStart, and no initSec was given`,
    );
  }
  if (!(initSec > 0 && Number.isFinite(initSec))) {
    throw new RangeError(
      `${what}: the Init must be a finite number of seconds > 0 (the simulator's records tell ` +
        `a cold batch by its Init): found ${initSec}`,
    );
  }
  for (const [name, x, min] of [["maxRequests", maxRequests, 1], ["minBatches", minBatches, 1]]) {
    if (!(Number.isInteger(x) && (x as number) >= (min as number))) {
      throw new RangeError(`${what}: ${name} must be an integer >= ${min}: found ${x}`);
    }
  }
  const profile = Object.freeze({ ...c.profile, coldStart: Object.freeze({ initSec }) });
  const prediction = predictConfiguration({
    map: c.map,
    maxBatch,
    timeoutSec: c.timeoutSec,
    memoryMb,
    profile,
    pricing: pricing("paper"),
    extrapolate,
    keepAliveSec: tau,
  });
  const p = prediction.coldStartProbability;
  const rate = arrivalRatePerSec(c.map);
  const meanBatchSize = prediction.meanBatchSize;
  const batchRatePerSec = rate / meanBatchSize;
  const means = serviceTimesSec(c.profile, maxBatch, memoryMb, { extrapolate });
  let warmMean = 0;
  prediction.batchSize.forEach((q, k) => (warmMean += q * means[k]));
  const meanHoldSec = warmMean + p * initSec;
  const warmupSec = warmupKeepAlives * tau + HOLDS_OF_WARMUP * (Math.max(...means) + initSec);
  const warmupRequests = Math.ceil(rate * warmupSec);
  const counted = Math.max(minBatches, keepAliveWindows * tau * batchRatePerSec, coldStarts / p);
  const needed = warmupRequests + Math.ceil(counted * meanBatchSize);
  return {
    arrivalRatePerSec: rate,
    initSec,
    probability: p,
    meanBatchSize,
    batchRatePerSec,
    meanHoldSec,
    occupancy: batchRatePerSec * meanHoldSec,
    warmupSec,
    leastRequests: warmupRequests + Math.ceil(minBatches * meanBatchSize),
    requests: Math.min(needed, maxRequests),
    capped: needed > maxRequests,
  };
}

/**
 * Simulates a case's buffer with the simulator's instance pool (the same
 * Init and keep-alive, most recently freed environment reused first) and
 * compares the fraction of cold batches after the warm-up with the model's
 * probability (see the module header for the warm-up and the noise).
 *
 * @param c The case.
 * @param options Targets, cap, warm-up and seed.
 * @returns The prediction, the count and how they compare.
 * @throws {RangeError} As {@linkcode planColdStartRun}, and if `maxRequests`
 *   is below the plan's `leastRequests` (the message says how many), before
 *   simulating.
 * @throws {ProfileRangeError} Outside the profile's fitted range without `extrapolate`.
 *
 * @example Exponential service (gamma of CV 1), the model's own assumption
 * ```ts
 * import assert from "node:assert/strict";
 * import { poissonProcess } from "../map/map_process.ts";
 * import { profileFromJson } from "../profile/service_profile.ts";
 *
 * const profile = profileFromJson({
 *   name: "exp", terms: ["1"], coefficients: [0.5], memoryRangeMb: [128, 10240],
 *   batchRange: [1, 8], variability: { distribution: "gamma", cv: 1 },
 * });
 * const r = validateColdStarts({
 *   label: "poisson 2/s", map: poissonProcess(2), maxBatch: 1, timeoutSec: 0.1,
 *   memoryMb: 1024, profile, keepAliveSec: 2, initSec: 0.001,
 * }, { coldStarts: 500 });
 * assert.ok(r.withinNoise, `z ${r.zScore}`);
 * ```
 */
export function validateColdStarts(
  c: ColdStartValidationCase,
  options: ColdStartValidationOptions = {},
): ColdStartValidation {
  const plan = planColdStartRun(c, options);
  const { seed = 1, extrapolate = false, maxRequests = 10_000_000 } = options;
  if (maxRequests < plan.leastRequests) {
    throw new RangeError(
      `${_cannot(c)}: its warm-up of ${+plan.warmupSec.toPrecision(4)} s and the counted ` +
        `batches take about ${plan.leastRequests} requests, more than maxRequests ` +
        `(${maxRequests})`,
    );
  }
  const { warmupSec, probability: p } = plan;
  // Batches in dispatch order: after the warm-up, the index of each cold one.
  let origin = NaN, counted = 0;
  const coldIndices: number[] = [];
  const variable = c.profile.variability !== undefined;
  const sim = simulateBuffer(mapArrivals(c.map, { prng: seededPrng(seed) }), {
    maxBatch: c.maxBatch,
    timeoutSec: c.timeoutSec,
    memoryMb: c.memoryMb,
    profile: c.profile,
    pricing: pricing("paper"),
    extrapolate,
    requests: plan.requests,
    coldStart: { initSec: plan.initSec, keepAliveSec: c.keepAliveSec },
    ...(variable ? { prng: seededPrng(seed + 1_000_003) } : {}),
    sink: {
      batch(b) {
        if (Number.isNaN(origin)) origin = b.firstArrivalSec;
        if (b.dispatchSec - origin < warmupSec) return;
        if (b.initDurationMs > 0) coldIndices.push(counted);
        counted++;
      },
    },
  });
  const n = counted, cold = coldIndices.length;
  const f = n > 0 ? cold / n : NaN;
  const span = sim.spanSec - warmupSec;
  const simulated: SimulatedColdStarts = {
    requests: sim.requests,
    batches: sim.batches,
    allColdStarts: sim.coldStarts,
    countedBatches: n,
    coldStarts: cold,
    fraction: f,
    standardError: Math.sqrt((f * (1 - f)) / n),
    blockStandardError: blockStandardError(coldIndices, n),
    keepAliveWindows: Math.max(0, span) / c.keepAliveSec,
  };
  const binomial = Math.sqrt((p * (1 - p)) / n), block = simulated.blockStandardError;
  const noise = block > binomial ? block : binomial;
  const zScore = (f - p) / noise;
  const ratio = f / p;
  return {
    label: c.label,
    maxBatch: c.maxBatch,
    timeoutSec: c.timeoutSec,
    memoryMb: c.memoryMb,
    model: c.profile.name,
    service: describeVariability(c.profile),
    keepAliveSec: c.keepAliveSec,
    plan,
    simulated,
    ratio,
    within10Pct: Math.abs(ratio - 1) <= 0.1,
    zScore,
    withinNoise: Math.abs(zScore) <= 3,
  };
}

/**
 * Batch means: the standard error of the overall fraction from the fractions
 * of {@linkcode BLOCKS} blocks of consecutive batches (`coldIndices` ascending,
 * `n` batches in all); NaN with fewer batches than blocks.
 */
function blockStandardError(coldIndices: readonly number[], n: number): number {
  if (n < BLOCKS) return NaN;
  const counts = new Float64Array(BLOCKS), sizes = new Float64Array(BLOCKS);
  for (let b = 0; b < BLOCKS; b++) {
    sizes[b] = Math.floor(((b + 1) * n) / BLOCKS) - Math.floor((b * n) / BLOCKS);
  }
  let b = 0, end = sizes[0];
  for (const i of coldIndices) {
    while (i >= end) end += sizes[++b];
    counts[b]++;
  }
  let mean = 0;
  for (let k = 0; k < BLOCKS; k++) mean += counts[k] / sizes[k];
  mean /= BLOCKS;
  let ss = 0;
  for (let k = 0; k < BLOCKS; k++) ss += (counts[k] / sizes[k] - mean) ** 2;
  return Math.sqrt(ss / (BLOCKS - 1) / BLOCKS);
}

/** The start of a message about case `c`. */
function _cannot(c: ColdStartValidationCase): string {
  const t = c.maxBatch === 1 ? "" : `, T = ${c.timeoutSec} s`;
  return `Cannot validate the cold starts of '${c.label}' (profile '${c.profile.name}', ` +
    `B = ${c.maxBatch}${t}, keep-alive ${c.keepAliveSec} s)`;
}

/** A number of a result, NaN for what JSON turned into null. */
function _num(x: number | null | undefined): number {
  return typeof x === "number" ? x : NaN;
}

/**
 * A README summary of cold-start validations: one row per model, (B, T) and
 * keep-alive, one column per arrival case (in the order given); in each cell
 * the ratio of the simulated to the predicted fraction for each service (in
 * the order given, joined by " / ", - where one is missing), then the predicted fraction in % (the
 * model's, which depends on the service's mean alone, for the first service).
 * A ratio is plain within 10 %, marked † outside 10 % but within noise
 * (|z| <= 3), in bold outside both. Then how many cases are which. Takes
 * results as {@linkcode validateColdStarts} returns them or as JSON gave them
 * back (NaN as null).
 *
 * @param results The validations.
 * @returns Markdown.
 */
export function coldStartValidationMarkdown(results: readonly ColdStartValidation[]): string {
  const columns: string[] = [], services: string[] = [];
  const rows = new Map<string, Map<string, Map<string, ColdStartValidation>>>();
  for (const r of results) {
    if (!columns.includes(r.label)) columns.push(r.label);
    if (!services.includes(r.service)) services.push(r.service);
    const t = r.maxBatch === 1 ? "-" : r.timeoutSec;
    const key = [r.model, r.maxBatch, t, r.keepAliveSec].join(" | ");
    if (!rows.has(key)) rows.set(key, new Map());
    const byLabel = rows.get(key)!;
    if (!byLabel.has(r.label)) byLabel.set(r.label, new Map());
    byLabel.get(r.label)!.set(r.service, r);
  }
  const ratio = (r: ColdStartValidation | undefined) => {
    if (r === undefined) return "-";
    const x = _num(r.ratio), text = Number.isFinite(x) ? x.toFixed(2) : "-";
    if (r.within10Pct) return text;
    return r.withinNoise ? `${text} †` : `**${text}**`;
  };
  const cell = (byService: Map<string, ColdStartValidation> | undefined) => {
    if (byService === undefined) return "";
    const first = byService.get(services.find((s) => byService.has(s))!)!;
    const p = 100 * _num(first.plan.probability);
    return `${services.map((s) => ratio(byService.get(s))).join(" / ")} (${+p.toPrecision(2)} %)`;
  };
  const lines = [
    `| model | B | T (s) | keep-alive (s) | ${columns.join(" | ")} |`,
    `| --- | --- | --- | --- | ${columns.map(() => "---").join(" | ")} |`,
  ];
  for (const [key, byLabel] of rows) {
    lines.push(`| ${key} | ${columns.map((c) => cell(byLabel.get(c))).join(" | ")} |`);
  }
  const within = results.filter((r) => r.within10Pct).length;
  const noiseOnly = results.filter((r) => !r.within10Pct && r.withinNoise).length;
  const capped = results.filter((r) => r.plan.capped).length;
  const requests = results.reduce((a, r) => a + r.simulated.requests, 0);
  lines.push(
    "",
    `Cells: simulated / predicted fraction of cold batches for ${services.join(" / ")} ` +
      `service (the predicted fraction). ${results.length} case` +
      `${results.length === 1 ? "" : "s"}: within 10 % in ${within}, outside 10 % but within ` +
      `noise (†) in ${noiseOnly}, outside both (bold) in ${results.length - within - noiseOnly}; ` +
      `${requests.toLocaleString("en")} requests simulated in all, ${capped} case` +
      `${capped === 1 ? "" : "s"} cut short by the request cap.`,
  );
  return lines.join("\n");
}

/**
 * The exact method for one configuration (M, B, T) on one MAP: batch sizes,
 * latency percentiles and the mean cost per request, whether the profile's
 * service time is deterministic or varies (then through the convolution of
 * `service_convolution.ts`). What the simulator, the buffer and the reports
 * put beside their measurements.
 *
 * @module
 */

import type { MapProcess } from "../map/map_process.ts";
import type { Pricing } from "../profile/pricing.ts";
import {
  expectedInvocationCostUsd,
  serviceDistributions,
} from "../profile/service_distribution.ts";
import { initSecAt, type ServiceProfile } from "../profile/service_profile.ts";
import { arrivalRatePerSec } from "../map/moments.ts";
import { DEFAULT_KEEP_ALIVE_SEC, withColdStarts } from "./cold_start.ts";
import { exactBatchStateFor, exactLatencyCdf, exactLatencyPercentile } from "./exact.ts";
import {
  variableLatencyCdf,
  variableLatencyPercentile,
  variableServiceModel,
} from "./service_convolution.ts";

/** One configuration to predict. */
export interface PredictionInput {
  map: MapProcess;
  maxBatch: number;
  timeoutSec: number;
  memoryMb: number;
  profile: ServiceProfile;
  pricing: Pricing;
  /** Allow the profile outside its fitted range. @default {false} */
  extrapolate?: boolean;
  /** Keep-alive of an idle environment, seconds, when the profile has a `coldStart`. @default {600} */
  keepAliveSec?: number;
}

/** The exact method's answer for one configuration. */
export interface ConfigurationPrediction {
  /** `P(K = k)`, index `k - 1`. */
  batchSize: Float64Array;
  meanBatchSize: number;
  /** Long-run mean cost per request, USD: E[cost of a batch] / E[K], billing rounded per batch. */
  costPerRequestUsd: number;
  /** Whether the service time varies (the profile has a `variability` or cold starts). */
  variable: boolean;
  /** P(a batch starts cold): 0 when the profile has no `coldStart`. */
  coldStartProbability: number;
  /** The latency CDF at w seconds. */
  cdf(w: number): number;
  /** The smallest latency w with F(w) >= p, seconds. */
  percentile(p: number): number;
}

/**
 * Predicts one configuration with the exact method.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { poissonProcess } from "../map/map_process.ts";
 * import { pricing } from "../profile/pricing.ts";
 * import { profileFromJson, publishedProfile } from "../profile/service_profile.ts";
 *
 * const base = publishedProfile("TF-resnetV2");
 * const input = { map: poissonProcess(10), maxBatch: 5, timeoutSec: 0.1, memoryMb: 2048, pricing: pricing("aws-x86") };
 * const fixed = predictConfiguration({ ...input, profile: base });
 * const varied = predictConfiguration({
 *   ...input,
 *   profile: profileFromJson({ ...base, variability: { distribution: "gamma", cv: 0.2 } }),
 * });
 * // The same mean service, a wider latency distribution: a longer p99.
 * assert.ok(varied.percentile(0.99) > fixed.percentile(0.99));
 * ```
 */
export function predictConfiguration(input: PredictionInput): ConfigurationPrediction {
  const { map, maxBatch, timeoutSec, memoryMb, profile, pricing } = input;
  const state = exactBatchStateFor(map, maxBatch, timeoutSec);
  let dists = serviceDistributions(profile, maxBatch, memoryMb, {
    extrapolate: input.extrapolate ?? false,
  });
  let costs: ArrayLike<number> = Float64Array.from(
    dists,
    (d) => expectedInvocationCostUsd(pricing, d, memoryMb),
  );
  const initSec = initSecAt(profile, memoryMb);
  let coldStartProbability = 0;
  if (initSec !== undefined) {
    const cold = withColdStarts({
      batchSize: state.batchSize,
      meanBatchSize: state.meanBatchSize,
      arrivalRatePerSec: arrivalRatePerSec(map),
      warm: dists,
      initSec,
      keepAliveSec: input.keepAliveSec ?? DEFAULT_KEEP_ALIVE_SEC,
      pricing,
      memoryMb,
    });
    dists = cold.latency;
    costs = cold.costUsd;
    coldStartProbability = cold.probability;
  }
  let batchCost = 0;
  state.batchSize.forEach((p, i) => (batchCost += p * costs[i]));
  const variable = profile.variability !== undefined || initSec !== undefined;
  const base = {
    batchSize: state.batchSize,
    meanBatchSize: state.meanBatchSize,
    costPerRequestUsd: batchCost / state.meanBatchSize,
    variable,
    coldStartProbability,
  };
  if (!variable) {
    const service = dists.map((d) => d.meanSec);
    return {
      ...base,
      cdf: (w) => exactLatencyCdf(state, service, w),
      percentile: (p) => exactLatencyPercentile(state, service, p),
    };
  }
  const model = variableServiceModel(state, dists);
  return {
    ...base,
    cdf: (w) => variableLatencyCdf(model, w),
    percentile: (p) => variableLatencyPercentile(model, p),
  };
}

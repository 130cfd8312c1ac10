/**
 * The model's predictions as DataFrames of the same shape as the measured
 * ones of `run_summaries.ts`, so that one chart (or one `pl.concat`) shows
 * both: the batch-size distribution as (`batch_size`, `share`, `source`) and
 * the latency CDF as (`latency_sec`, `cdf`, `source`), with `source`
 * `"model (exact)"` or `"model (paper)"` beside the measured frames'
 * `"measured"`.
 *
 * The `exact` method comes from {@linkcode exactBatchStateFor} and
 * {@linkcode exactLatencyCdf}; the `paper` method from
 * {@linkcode paperSizeDistributions} and {@linkcode paperLatencyCdf} (with
 * solver.py's float32 MAP and `tau`, as `deno task validate` calls them).
 *
 * @module
 */

import pl from "nodejs-polars";
import type { MapProcess } from "../map/map_process.ts";
import { exactBatchStateFor, exactLatencyCdf, type ExactOptions } from "../model/exact.ts";
import { variableLatencyCdf, variableServiceModel } from "../model/service_convolution.ts";
import { serviceDistributions } from "../profile/service_distribution.ts";
import { float32Map, paperLatencyCdf, paperSizeDistributions, paperTau } from "../model/paper.ts";
import { MODEL_METHODS, type ModelMethod } from "../model/types.ts";
import { type ServiceProfile, serviceTimesSec } from "../profile/service_profile.ts";
import type { DataFrame } from "./polars_frames.ts";

/** Points of {@linkcode modelLatencyCdfFrame}'s grid when none are given. */
export const DEFAULT_MODEL_CDF_POINTS = 200;

/** Options of {@linkcode modelBatchSizeFrame}. */
export interface ModelFrameOptions extends ExactOptions {
  /** Max batch size B. */
  maxBatch: number;
  /** Timeout T from the first request of a batch, seconds. */
  timeoutSec: number;
  /** Which model. @default {"exact"} */
  method?: ModelMethod;
  /** The `source` column's value. @default {modelSourceName(method)} */
  source?: string;
}

/** Options of {@linkcode modelLatencyCdfFrame}. */
export interface ModelLatencyCdfOptions extends ModelFrameOptions {
  /** Service-time profile S(batch, memory). */
  profile: ServiceProfile;
  /** Lambda memory, MB. */
  memoryMb: number;
  /** Allow the profile outside its fitted range. @default {false} */
  extrapolate?: boolean;
  /**
   * Evenly spaced latencies from `min S_k` to `max S_k + T` (where the CDF
   * goes from 0 to 1). Not with `latenciesSec`.
   * @default {DEFAULT_MODEL_CDF_POINTS}
   */
  points?: number;
  /** The latencies to evaluate the CDF at, seconds (e.g. a measured frame's). Not with `points`. */
  latenciesSec?: ArrayLike<number>;
}

/**
 * The `source` label of a model method's frames.
 *
 * @param method The model method.
 * @returns `"model (exact)"` or `"model (paper)"`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(modelSourceName("paper"), "model (paper)");
 * ```
 */
export function modelSourceName(method: ModelMethod): string {
  return `model (${method})`;
}

function _checkModelOptions(options: ModelFrameOptions, what: string): ModelMethod {
  const { maxBatch, timeoutSec, method = "exact" } = options;
  if (!(Number.isInteger(maxBatch) && maxBatch >= 1)) {
    throw new RangeError(
      `Cannot compute ${what} as 'maxBatch' must be an integer >= 1: current value is ${maxBatch}`,
    );
  }
  if (!(timeoutSec > 0 && Number.isFinite(timeoutSec))) {
    throw new RangeError(
      `Cannot compute ${what} as 'timeoutSec' must be a finite number > 0: ` +
        `current value is ${timeoutSec}`,
    );
  }
  if (!MODEL_METHODS.includes(method)) {
    throw new RangeError(
      `Cannot compute ${what} as 'method' must be one of ${MODEL_METHODS.join(", ")}: ` +
        `current value is ${method}`,
    );
  }
  return method;
}

/**
 * The model's batch-size distribution: columns `batch_size` Int32 (1 to B),
 * `share` Float64 (`P(K = k)`, summing to 1) and `source` Utf8.
 *
 * @param map The arrival process.
 * @param options B, T, the method, a source label, the exact method's numerics.
 * @returns The frame, B rows.
 * @throws {RangeError} If B is not an integer >= 1, T is not a finite number > 0,
 * or the method is unknown.
 *
 * @example Poisson arrivals: 1 + min(N, B - 1) with N ~ Poisson(lambda T)
 * ```ts
 * import assert from "node:assert/strict";
 * import { poissonProcess } from "../map/map_process.ts";
 *
 * const frame = modelBatchSizeFrame(poissonProcess(10), { maxBatch: 2, timeoutSec: 0.1 });
 * const [one, two] = frame.getColumn("share").toArray() as number[];
 * assert.ok(Math.abs(one - Math.exp(-1)) < 1e-9 && Math.abs(two - (1 - Math.exp(-1))) < 1e-9);
 * ```
 */
export function modelBatchSizeFrame(map: MapProcess, options: ModelFrameOptions): DataFrame {
  const method = _checkModelOptions(options, "the model's batch sizes");
  const { maxBatch, timeoutSec, source = modelSourceName(method) } = options;
  const share = method === "exact"
    ? exactBatchStateFor(map, maxBatch, timeoutSec, options).batchSize
    : paperSizeDistributions(map, maxBatch, timeoutSec).batch;
  return pl.DataFrame([
    pl.Series("batch_size", Int32Array.from({ length: maxBatch }, (_, i) => i + 1)),
    pl.Series("share", Float64Array.from(share), pl.Float64),
    pl.Series("source", new Array<string>(maxBatch).fill(source), pl.Utf8),
  ]);
}

/**
 * The model's latency CDF: columns `latency_sec` Float64, `cdf` Float64
 * (`P(latency <= latency_sec)`, right-continuous) and `source` Utf8, at
 * `points` evenly spaced latencies from `min S_k` to `max S_k + T`, or at the
 * given `latenciesSec` in their order.
 *
 * @param map The arrival process.
 * @param options B, T, memory, profile, the method, the points, a source label.
 * @returns The frame.
 * @throws {RangeError} On bad B, T, method, points or latencies, or a memory
 * or batch outside the profile's range without `extrapolate`.
 * @throws {TypeError} If both `points` and `latenciesSec` are given.
 */
export function modelLatencyCdfFrame(map: MapProcess, options: ModelLatencyCdfOptions): DataFrame {
  const what = "the model's latency CDF";
  const method = _checkModelOptions(options, what);
  const {
    maxBatch,
    timeoutSec,
    profile,
    memoryMb,
    extrapolate = false,
    points,
    latenciesSec,
    source = modelSourceName(method),
  } = options;
  if (points !== undefined && latenciesSec !== undefined) {
    throw new TypeError(
      `Cannot compute ${what} with both 'points' and 'latenciesSec': pass one of them`,
    );
  }
  const service = serviceTimesSec(profile, maxBatch, memoryMb, { extrapolate });
  let x: Float64Array;
  if (latenciesSec !== undefined) {
    x = Float64Array.from(latenciesSec);
    const bad = x.findIndex((w) => !Number.isFinite(w));
    if (bad >= 0) {
      throw new RangeError(
        `Cannot compute ${what} as 'latenciesSec' must hold finite numbers: ` +
          `found ${x[bad]} at index ${bad}`,
      );
    }
  } else {
    const n = points ?? DEFAULT_MODEL_CDF_POINTS;
    if (!(Number.isInteger(n) && n >= 2)) {
      throw new RangeError(
        `Cannot compute ${what} as 'points' must be an integer >= 2: current value is ${n}`,
      );
    }
    // With random service, from the 1e-4 quantile of the fastest to the 1 - 1e-4 one of the slowest.
    const dists = profile.variability === undefined
      ? undefined
      : serviceDistributions(profile, maxBatch, memoryMb, { extrapolate });
    const lo = dists ? Math.min(...dists.map((d) => d.quantile(1e-4))) : Math.min(...service);
    const hi = (dists
      ? Math.max(...dists.map((d) => d.quantile(1 - 1e-4)))
      : Math.max(...service)) +
      timeoutSec;
    x = Float64Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));
    x[n - 1] = hi;
  }
  let cdf: (w: number) => number;
  if (method === "exact") {
    const state = exactBatchStateFor(map, maxBatch, timeoutSec, options);
    if (profile.variability === undefined) cdf = (w) => exactLatencyCdf(state, service, w);
    else {
      const model = variableServiceModel(
        state,
        serviceDistributions(profile, maxBatch, memoryMb, { extrapolate }),
      );
      cdf = (w) => variableLatencyCdf(model, w);
    }
  } else {
    if (profile.variability !== undefined) {
      throw new RangeError(
        `Cannot compute ${what} with the paper method: profile '${profile.name}' has service ` +
          "times that vary, and the paper's model has one time per batch size",
      );
    }
    const { d0, d1 } = float32Map(map);
    const tau = paperTau(d0, d1, maxBatch, timeoutSec);
    const request = paperSizeDistributions(map, maxBatch, timeoutSec).request;
    cdf = (w) => Math.min(1, Math.max(0, paperLatencyCdf(w, service, request, timeoutSec, tau)));
  }
  return pl.DataFrame([
    pl.Series("latency_sec", x, pl.Float64),
    pl.Series("cdf", x.map(cdf), pl.Float64),
    pl.Series("source", new Array<string>(x.length).fill(source), pl.Utf8),
  ]);
}

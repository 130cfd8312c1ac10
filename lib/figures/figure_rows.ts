/**
 * Rows for the charts of the paper's figures, from the model and the
 * optimizer: plain objects with snake_case, unit-suffixed keys, the shape the
 * chart builders take. Pure: no I/O, no DOM.
 *
 * @module
 */

import type { MapProcess } from "../map/map_process.ts";
import { arrivalRatePerSec } from "../map/moments.ts";
import { evaluateGrid } from "../model/evaluate.ts";
import type { ModelMethod } from "../model/types.ts";
import { gridIndex } from "../model/types.ts";
import type { HourSolution } from "../optimize/optimize.ts";
import { invocationCostUsd, type Pricing } from "../profile/pricing.ts";
import { type ServiceProfile, serviceTimeSec } from "../profile/service_profile.ts";

/** One hour's arrival rate of a trace. */
export interface HourlyRateRow {
  trace: string;
  hour: number;
  rate_per_sec: number;
}

/**
 * The mean arrival rate of each hour's MAP (paper Figs. 1 and 10).
 *
 * @param trace The trace's name, for the chart's legend.
 * @param hours The hourly MAPs.
 * @returns One row per hour.
 */
export function hourlyRateRows(
  trace: string,
  hours: readonly { hour: number; map: MapProcess }[],
): HourlyRateRow[] {
  return hours.map(({ hour, map }) => ({ trace, hour, rate_per_sec: arrivalRatePerSec(map) }));
}

/** Service time, throughput and cost of one batch size at one memory. */
export interface ServiceRow {
  memory_mb: number;
  batch_size: number;
  service_sec: number;
  /** Requests served per second by one instance: batch size / service time. */
  throughput_per_sec: number;
  /** Cost of the batch's invocation divided by its size. */
  cost_per_request_usd: number;
  /** The series a chart draws it in, e.g. "1792 MB" or "B = 8". */
  series: string;
}

/**
 * The profile's service time, throughput and cost per request over memories
 * and batch sizes (paper Fig. 4, left and middle).
 *
 * @param profile Service-time profile.
 * @param pricing Pricing.
 * @param options Memories (MB) and batch sizes; `seriesBy` names the series by
 *   memory (curves against batch size) or by batch (curves against memory).
 * @returns One row per (memory, batch size).
 */
export function serviceRows(
  profile: ServiceProfile,
  pricing: Pricing,
  options: {
    memoriesMb: readonly number[];
    batchSizes: readonly number[];
    seriesBy: "memory" | "batch";
  },
): ServiceRow[] {
  const rows: ServiceRow[] = [];
  for (const m of options.memoriesMb) {
    for (const b of options.batchSizes) {
      const s = serviceTimeSec(profile, b, m, { extrapolate: true });
      rows.push({
        memory_mb: m,
        batch_size: b,
        service_sec: s,
        throughput_per_sec: b / s,
        cost_per_request_usd: invocationCostUsd(pricing, s, m) / b,
        series: options.seriesBy === "memory" ? `${m} MB` : `B = ${b}`,
      });
    }
  }
  return rows;
}

/** The model's percentile latency and mean cost of one configuration. */
export interface ConfigurationRow {
  memory_mb: number;
  timeout_sec: number;
  max_batch: number;
  /** The latency percentile, s. */
  latency_sec: number;
  /** Long-run mean cost per request, USD. */
  cost_per_request_usd: number;
  /** Whether it meets the SLO (when one is given). */
  feasible: boolean;
  series: string;
}

/**
 * The model on a grid, one row per configuration: latency percentile and mean
 * cost per request (paper Fig. 4 right; the feasible region of one hour).
 *
 * @param map The arrival process.
 * @param grid Memories (MB), timeouts (s), max batch sizes.
 * @param options Profile, pricing, percentile, method; an SLO on latency or
 *   cost marks the feasible rows; `seriesBy` names each row's series.
 * @returns One row per configuration, memory-major.
 */
export function configurationRows(
  map: MapProcess,
  grid: { memoriesMb: number[]; timeoutsSec: number[]; maxBatches: number[] },
  options: {
    profile: ServiceProfile;
    pricing: Pricing;
    percentile: number;
    method?: ModelMethod;
    slo?: { constraint: "latency" | "cost"; value: number };
    seriesBy?: "batch" | "timeout" | "memory";
  },
): ConfigurationRow[] {
  const e = evaluateGrid(map, grid, {
    profile: options.profile,
    pricing: options.pricing,
    percentile: options.percentile,
    method: options.method ?? "exact",
    extrapolate: true,
  });
  const rows: ConfigurationRow[] = [];
  const by = options.seriesBy ?? "batch";
  for (let im = 0; im < grid.memoriesMb.length; im++) {
    for (let it = 0; it < grid.timeoutsSec.length; it++) {
      for (let ib = 0; ib < grid.maxBatches.length; ib++) {
        const i = gridIndex(grid, im, it, ib);
        const latency = e.latencySec[i], cost = e.meanCostUsd[i];
        const slo = options.slo;
        rows.push({
          memory_mb: grid.memoriesMb[im],
          timeout_sec: grid.timeoutsSec[it],
          max_batch: grid.maxBatches[ib],
          latency_sec: latency,
          cost_per_request_usd: cost,
          feasible: slo === undefined ||
            (slo.constraint === "latency" ? latency <= slo.value : cost <= slo.value),
          series: by === "batch"
            ? `B = ${grid.maxBatches[ib]}`
            : by === "timeout"
            ? `T = ${grid.timeoutsSec[it]} s`
            : `${grid.memoriesMb[im]} MB`,
        });
      }
    }
  }
  return rows;
}

/** One hour of a solved day. */
export interface DayRow {
  hour: number;
  rate_per_sec: number;
  feasible: boolean;
  memory_mb?: number;
  max_batch?: number;
  timeout_sec?: number;
  /** The optimum's latency percentile, s. */
  latency_sec?: number;
  /** The optimum's cost per request as the optimizer counts it, USD. */
  cost_per_request_usd?: number;
}

/**
 * The configuration chosen each hour (paper Fig. 15). Among tied optima the
 * first in grid order (smallest memory, then timeout, then batch) is shown.
 *
 * @param solutions The solved hours.
 * @returns One row per hour; an infeasible hour has no configuration.
 */
export function dayRows(solutions: readonly HourSolution[]): DayRow[] {
  return solutions.map((s) => {
    const o = s.optimal[0];
    return o === undefined ? { hour: s.hour, rate_per_sec: s.ratePerSec, feasible: false } : {
      hour: s.hour,
      rate_per_sec: s.ratePerSec,
      feasible: true,
      memory_mb: o.memoryMb,
      max_batch: o.maxBatch,
      timeout_sec: o.timeoutSec,
      latency_sec: o.latencySec,
      cost_per_request_usd: o.costUsd,
    };
  });
}

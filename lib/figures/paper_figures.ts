/**
 * The paper's figures reproduced: each a chart spec with the paper figure it
 * stands for and the settings used. The hourly MAPs come in (the caller reads
 * them); the specs go out (the caller renders them). `deno task figures`
 * writes them as SVG and PNG.
 *
 * @module
 */

import {
  costLatencyVsMemoryChart,
  feasibleRegionChart,
  hourlyConfigChart,
  type PlotSpec,
  policyComparisonChart,
  seriesLineChart,
} from "../charts/chart_specs.ts";
import { compareDayPolicies } from "../adapt/day_policies.ts";
import type { MapProcess } from "../map/map_process.ts";
import type { MilpSolver } from "../optimize/milp.ts";
import { poissonProcess } from "../map/map_process.ts";
import { gridFromRanges } from "../optimize/grid.ts";
import { solveHours } from "../optimize/optimize.ts";
import { pricing } from "../profile/pricing.ts";
import { publishedProfile } from "../profile/service_profile.ts";
import { configurationRows, dayRows, hourlyRateRows, serviceRows } from "./figure_rows.ts";

/** One reproduced figure. */
export interface PaperFigure {
  /** File stem, e.g. "fig04_service_time". */
  id: string;
  /** The paper's figure it reproduces, e.g. "Fig. 4". */
  paperFigure: string;
  /** One line on what it shows. */
  title: string;
  /** The settings used, in one line. */
  settings: string;
  /** The chart: one spec, or several stacked. */
  chart: PlotSpec | PlotSpec[] | Record<string, PlotSpec>;
}

/** The hourly MAPs of the paper's two traces. */
export interface PaperTraces {
  twitter: readonly { hour: number; map: MapProcess }[];
  nys: readonly { hour: number; map: MapProcess }[];
}

/** Ids of the figures {@linkcode paperFigures} makes, in order. */
export const PAPER_FIGURE_IDS = [
  "fig01_10_hourly_rates",
  "fig04_service_time",
  "fig04_throughput",
  "fig04_cost_per_batch_size",
  "fig04_cost_latency_memory",
  "fig04_cost_latency_timeout",
  "fig15_day_nys_resnetv2",
  "fig15_feasible_region_nys_hour8",
  "fig14_17_policies_nys",
  "fig14_17_policies_twitter",
] as const;

const PAPER_PRICING =
  "paper pricing (0.0000166667 USD per GB-s, 0.0000002 USD per invocation, continuous duration)";

/**
 * Makes the reproduced figures.
 *
 * @param traces The hourly MAPs of Twitter and NYS.
 * @param options `only`: ids to make (default all); `onFigure`: called after each.
 * @returns The figures, in {@linkcode PAPER_FIGURE_IDS} order.
 * @throws {RangeError} On an unknown id in `only`.
 */
export function paperFigures(
  traces: PaperTraces,
  options: {
    only?: readonly string[];
    onFigure?: (done: number, total: number) => void;
    /** Solver for the day-plan policy of the policy figures (left out without it). */
    solver?: MilpSolver;
  } = {},
): PaperFigure[] {
  const only = options.only ?? PAPER_FIGURE_IDS;
  for (const id of only) {
    if (!(PAPER_FIGURE_IDS as readonly string[]).includes(id)) {
      throw new RangeError(
        `Cannot make figure '${id}': expected one of ${PAPER_FIGURE_IDS.join(", ")}`,
      );
    }
  }
  const profile = publishedProfile("TF-resnetV2");
  const price = pricing("paper");
  const batchSizes = Array.from({ length: 20 }, (_, i) => i + 1);
  const poisson = poissonProcess(50);
  const memoriesMb = Array.from({ length: 28 }, (_, i) => 1280 + 64 * i);
  let day: ReturnType<typeof solveHours> | undefined;
  const solvedDay = () =>
    day ??= solveHours(traces.nys, gridFromRanges("1280:3008:64", "0.01:0.49:0.01", "1:20:1"), {
      profile,
      pricing: price,
      percentile: 0.95,
      constraint: "latency",
      slo: 5,
    });
  const byMemory = () =>
    serviceRows(profile, price, {
      memoriesMb: [1280, 1792, 2304, 3008],
      batchSizes,
      seriesBy: "memory",
    });

  const policies = (trace: "nys" | "twitter"): PaperFigure => {
    const days = compareDayPolicies(traces[trace], {
      profile,
      pricing: price,
      grid: gridFromRanges("1280:3008:64", "0.01:0.49:0.01", "1:20:1"),
      sloSec: 5,
      seed: 1,
      solver: options.solver,
    });
    const rows = days.flatMap((d) =>
      d.hours.map((h) => ({
        policy: d.name,
        hour: h.hour,
        cost_per_request_usd: h.costPerRequestUsd,
        p95_over_slo: h.p95Sec / 5,
      }))
    );
    const name = trace === "nys" ? "NYS" : "Twitter";
    return {
      id: `fig14_17_policies_${trace}`,
      paperFigure: "Figs. 14 and 17",
      title: `Cost per request and p95 over the SLO, hour by hour, per policy (${name})`,
      settings: `one simulated ${name} day (seed 1, cold starts 0.25 s, 600 s keep-alive), ` +
        `TF-resnetV2, p95 SLO 5 s; grid memory 1280..3008 MB step 64, timeout 0.01..0.49 s, ` +
        `B 1..20; BATCH adaptive fits 1-hour windows; ${PAPER_PRICING}`,
      chart: policyComparisonChart(rows, { title: `${name}, TF-resnetV2, p95 SLO 5 s` }),
    };
  };
  const makers: Record<string, () => PaperFigure> = {
    fig14_17_policies_nys: () => policies("nys"),
    fig14_17_policies_twitter: () => policies("twitter"),
    fig01_10_hourly_rates: () => ({
      id: "fig01_10_hourly_rates",
      paperFigure: "Figs. 1 and 10",
      title: "Arrival rate per hour of the Twitter and NYS traces",
      settings: "mean rate 1 / E[X] of each hour's published MAP",
      chart: seriesLineChart(
        [...hourlyRateRows("Twitter", traces.twitter), ...hourlyRateRows("NYS", traces.nys)]
          .map((r) => ({ ...r, series: r.trace })),
        {
          x: "hour",
          y: "rate_per_sec",
          xLabel: "hour of day (h)",
          yLabel: "arrival rate (requests/s)",
          seriesLabel: "trace",
          step: true,
          title: "Arrival rate per hour",
        },
      ),
    }),
    fig04_service_time: () => ({
      id: "fig04_service_time",
      paperFigure: "Fig. 4",
      title: "Service time of a batch against its size, per memory",
      settings: "TF-resnetV2 published profile; memories 1280, 1792, 2304, 3008 MB",
      chart: seriesLineChart(byMemory(), {
        x: "batch_size",
        y: "service_sec",
        xLabel: "batch size (requests)",
        yLabel: "service time (s)",
        seriesLabel: "memory",
        title: "TF-resnetV2: service time of a batch",
      }),
    }),
    fig04_throughput: () => ({
      id: "fig04_throughput",
      paperFigure: "Fig. 4",
      title: "Throughput of one instance against batch size, per memory",
      settings: "TF-resnetV2 published profile; throughput = batch size / service time",
      chart: seriesLineChart(byMemory(), {
        x: "batch_size",
        y: "throughput_per_sec",
        xLabel: "batch size (requests)",
        yLabel: "throughput of one instance (requests/s)",
        seriesLabel: "memory",
        title: "TF-resnetV2: throughput",
      }),
    }),
    fig04_cost_per_batch_size: () => ({
      id: "fig04_cost_per_batch_size",
      paperFigure: "Fig. 4",
      title: "Cost per request of a full batch against batch size, per memory",
      settings: `TF-resnetV2 published profile; ${PAPER_PRICING}`,
      chart: seriesLineChart(
        byMemory().map((r) => ({ ...r, cost_per_request_uusd: r.cost_per_request_usd * 1e6 })),
        {
          x: "batch_size",
          y: "cost_per_request_uusd",
          xLabel: "batch size (requests)",
          yLabel: "cost per request (µUSD)",
          seriesLabel: "memory",
          title: "TF-resnetV2: cost per request of a full batch",
        },
      ),
    }),
    fig04_cost_latency_memory: () => ({
      id: "fig04_cost_latency_memory",
      paperFigure: "Fig. 4",
      title: "Mean cost per request and p95 latency against memory, per max batch size",
      settings: `TF-resnetV2; exact model, Poisson 50 requests/s, T = 0.1 s; ${PAPER_PRICING}`,
      chart: costLatencyVsMemoryChart(
        configurationRows(poisson, {
          memoriesMb,
          timeoutsSec: [0.1],
          maxBatches: [1, 5, 10, 20],
        }, { profile, pricing: price, percentile: 0.95, seriesBy: "batch" }),
        { seriesLabel: "max batch B", title: "TF-resnetV2, Poisson 50 requests/s, T = 0.1 s" },
      ),
    }),
    fig04_cost_latency_timeout: () => {
      const rows = configurationRows(poisson, {
        memoriesMb: [3008],
        timeoutsSec: Array.from({ length: 25 }, (_, i) => Number((0.02 * (i + 1)).toFixed(2))),
        maxBatches: [5, 10, 20],
      }, { profile, pricing: price, percentile: 0.95, seriesBy: "batch" })
        .map((r) => ({ ...r, cost_per_request_uusd: r.cost_per_request_usd * 1e6 }));
      return {
        id: "fig04_cost_latency_timeout",
        paperFigure: "Fig. 4",
        title: "Mean cost per request and p95 latency against the timeout, per max batch size",
        settings: `TF-resnetV2 at 3008 MB; exact model, Poisson 50 requests/s; ${PAPER_PRICING}`,
        chart: [
          seriesLineChart(rows, {
            x: "timeout_sec",
            y: "cost_per_request_uusd",
            xLabel: "timeout T (s)",
            yLabel: "cost per request (µUSD)",
            seriesLabel: "max batch B",
            title: "TF-resnetV2 at 3008 MB, Poisson 50 requests/s",
          }),
          seriesLineChart(rows, {
            x: "timeout_sec",
            y: "latency_sec",
            xLabel: "timeout T (s)",
            yLabel: "p95 latency (s)",
            seriesLabel: "max batch B",
          }),
        ],
      };
    },
    fig15_day_nys_resnetv2: () => ({
      id: "fig15_day_nys_resnetv2",
      paperFigure: "Fig. 15",
      title: "Memory, max batch size and timeout chosen each hour of the NYS day",
      settings: "TF-resnetV2, p95 latency <= 5 s, minimum mean cost; exact model; memory " +
        `1280..3008 MB step 64, timeout 0.01..0.49 s step 0.01, B 1..20; ${PAPER_PRICING}`,
      chart: hourlyConfigChart(
        dayRows(solvedDay()).filter((r) => r.feasible).map((r) => ({
          hour: r.hour,
          rate_per_sec: r.rate_per_sec,
          memory_mb: r.memory_mb!,
          max_batch: r.max_batch!,
          timeout_sec: r.timeout_sec!,
        })),
        { title: "NYS, TF-resnetV2, p95 <= 5 s" },
      ),
    }),
    fig15_feasible_region_nys_hour8: () => {
      const h8 = dayRows(solvedDay())[7];
      return {
        id: "fig15_feasible_region_nys_hour8",
        paperFigure: "Fig. 15 (one hour)",
        title: "Where the SLO holds in NYS hour 8, and the optimum",
        settings: `TF-resnetV2, B = ${h8.max_batch}, p95 latency <= 5 s; exact model; ` +
          `cost colour is the mean cost per request; ${PAPER_PRICING}`,
        chart: feasibleRegionChart(
          configurationRows(traces.nys[7].map, {
            memoriesMb,
            timeoutsSec: Array.from({ length: 49 }, (_, i) => Number((0.01 * (i + 1)).toFixed(2))),
            maxBatches: [h8.max_batch!],
          }, {
            profile,
            pricing: price,
            percentile: 0.95,
            slo: { constraint: "latency", value: 5 },
          }),
          {
            optimum: { memory_mb: h8.memory_mb!, timeout_sec: h8.timeout_sec! },
            title: `NYS hour 8, B = ${h8.max_batch}: cost per request where p95 <= 5 s`,
          },
        ),
      };
    },
  };
  const ids = PAPER_FIGURE_IDS.filter((id) => only.includes(id));
  return ids.map((id, i) => {
    const figure = makers[id]();
    options.onFigure?.(i + 1, ids.length);
    return figure;
  });
}

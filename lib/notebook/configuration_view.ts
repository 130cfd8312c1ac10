/**
 * One configuration through the model's eyes, for notebooks: its batch-size
 * distribution and latency CDF by each method, with percentiles and the mean
 * cost, displayed as a table and two charts.
 *
 * @module
 */

import pl from "nodejs-polars";
import { batchSizeChart, latencyCdfChart } from "../charts/chart_specs.ts";
import { Chart, JUPYTER_DISPLAY, renderSvg } from "../charts/render.ts";
import { modelBatchSizeFrame, modelLatencyCdfFrame } from "../frames/model_frames.ts";
import type { DataFrame } from "../frames/polars_frames.ts";
import type { MapProcess } from "../map/map_process.ts";
import { evaluateGrid } from "../model/evaluate.ts";
import type { ModelMethod } from "../model/types.ts";
import type { Pricing } from "../profile/pricing.ts";
import type { ServiceProfile } from "../profile/service_profile.ts";
import { type RenderedTable, renderTable } from "./html_table.ts";

/** Options of {@linkcode describeConfiguration}. */
export interface DescribeConfigurationOptions {
  profile: ServiceProfile;
  pricing: Pricing;
  memoryMb: number;
  maxBatch: number;
  timeoutSec: number;
  /** Methods to show. @default {["exact", "paper"]} */
  methods?: readonly ModelMethod[];
  /** Marked on the CDF. */
  sloSec?: number;
  /** Allow the profile outside its fitted range. @default {false} */
  extrapolate?: boolean;
  /** Caption and chart title. */
  title?: string;
}

/** The model's figures of one configuration by one method. */
export interface ConfigurationFigures {
  method: ModelMethod;
  meanBatchSize: number;
  p50Sec: number;
  p95Sec: number;
  p99Sec: number;
  /** Long-run mean cost per request, USD. */
  meanCostUsd: number;
}

/** A configuration as the model sees it; displays itself in a notebook. */
export class ConfigurationView {
  /**
   * @param figures Per method: mean batch size, p50/p95/p99, mean cost.
   * @param batchSizes Frame `batch_size, share, source`.
   * @param latencyCdf Frame `latency_sec, cdf, source`.
   * @param options What was described.
   */
  constructor(
    readonly figures: readonly ConfigurationFigures[],
    readonly batchSizes: DataFrame,
    readonly latencyCdf: DataFrame,
    readonly options: DescribeConfigurationOptions,
  ) {}

  /** The two charts: latency CDF and batch sizes. */
  charts(): Chart {
    const o = this.options;
    return new Chart([
      latencyCdfChart(
        this.latencyCdf.toRecords() as { latency_sec: number; cdf: number; source: string }[],
        { sloSec: o.sloSec, percentile: 0.95, title: o.title },
      ),
      batchSizeChart(
        this.batchSizes.toRecords() as { batch_size: number; share: number; source: string }[],
      ),
    ], { description: `latency CDF and batch sizes: ${this.#caption()}` });
  }

  #caption(): string {
    const o = this.options;
    return o.title ??
      `${o.profile.name}, M = ${o.memoryMb} MB, B = ${o.maxBatch}, T = ${o.timeoutSec} s`;
  }

  /** The table of figures, one row per method. */
  table(): RenderedTable {
    return renderTable(this.figures, [
      { label: "method", value: (r) => r.method },
      { label: "mean batch size (requests)", value: (r) => r.meanBatchSize },
      { label: "p50 latency (s)", value: (r) => r.p50Sec },
      { label: "p95 latency (s)", value: (r) => r.p95Sec },
      { label: "p99 latency (s)", value: (r) => r.p99Sec },
      { label: "mean cost (USD/request)", value: (r) => r.meanCostUsd, digits: "exp" },
    ], { caption: this.#caption() });
  }

  /** Table and charts in the notebook. */
  [JUPYTER_DISPLAY](): Record<string, string> {
    const t = this.table();
    return {
      "text/html": `<div>${t.html}${renderSvg(this.charts().specs)}</div>`,
      "text/plain": t.text,
    };
  }
}

/**
 * The model's view of one configuration under an arrival process: batch-size
 * distribution, latency CDF, p50/p95/p99 and mean cost, by each method.
 *
 * @param map The arrival process.
 * @param options Profile, pricing, memory, B, T, methods.
 * @returns The view, which displays itself in a notebook.
 */
export function describeConfiguration(
  map: MapProcess,
  options: DescribeConfigurationOptions,
): ConfigurationView {
  const { methods = ["exact", "paper"], memoryMb, maxBatch, timeoutSec } = options;
  const grid = { memoriesMb: [memoryMb], timeoutsSec: [timeoutSec], maxBatches: [maxBatch] };
  const figures: ConfigurationFigures[] = [];
  const sizes: DataFrame[] = [], cdfs: DataFrame[] = [];
  for (const method of methods) {
    const at = (percentile: number) =>
      evaluateGrid(map, grid, {
        method,
        profile: options.profile,
        pricing: options.pricing,
        percentile,
        extrapolate: options.extrapolate,
      });
    const p95 = at(0.95);
    const size = modelBatchSizeFrame(map, { maxBatch, timeoutSec, method });
    const k = size.getColumn("batch_size").cast(pl.Float64), share = size.getColumn("share");
    figures.push({
      method,
      meanBatchSize: k.mul(share).sum(),
      p50Sec: at(0.5).latencySec[0],
      p95Sec: p95.latencySec[0],
      p99Sec: at(0.99).latencySec[0],
      meanCostUsd: p95.meanCostUsd[0],
    });
    sizes.push(size);
    cdfs.push(
      modelLatencyCdfFrame(map, {
        profile: options.profile,
        memoryMb,
        maxBatch,
        timeoutSec,
        method,
        extrapolate: options.extrapolate,
        points: 400,
      }),
    );
  }
  return new ConfigurationView(
    figures,
    pl.concat(sizes, { how: "vertical" }),
    pl.concat(cdfs, { how: "vertical" }),
    { ...options, methods },
  );
}

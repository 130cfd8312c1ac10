/**
 * A run (of the buffer or the simulator) for notebooks: its summary beside
 * the model's prediction for the same configuration, its latency CDF and
 * batch sizes against the model's, as a table and two charts.
 *
 * @module
 */

import pl from "nodejs-polars";
import { batchSizeChart, latencyCdfChart } from "../charts/chart_specs.ts";
import { Chart, JUPYTER_DISPLAY, renderSvg } from "../charts/render.ts";
import { modelBatchSizeFrame, modelLatencyCdfFrame } from "../frames/model_frames.ts";
import type { DataFrame } from "../frames/polars_frames.ts";
import {
  batchSizeHistogramFrame,
  latencyCdfFrame,
  MEASURED_SOURCE,
  type RunSummary,
  summarizeRun,
} from "../frames/run_summaries.ts";
import type { MapProcess } from "../map/map_process.ts";
import { evaluateGrid } from "../model/evaluate.ts";
import type { Pricing } from "../profile/pricing.ts";
import type { ServiceProfile } from "../profile/service_profile.ts";
import { type RenderedTable, renderTable } from "./html_table.ts";

/** The configuration a run had, for the model's prediction. */
export interface RunModelInputs {
  /** The arrival process the run's arrivals came from. */
  map: MapProcess;
  profile: ServiceProfile;
  memoryMb: number;
  maxBatch: number;
  timeoutSec: number;
  /** Allow the profile outside its fitted range. @default {false} */
  extrapolate?: boolean;
}

/** Options of {@linkcode viewRun}. */
export interface ViewRunOptions {
  /** Pricing to bill the batches under (and the model's cost). */
  pricing: Pricing;
  /** Memory of batches whose log has none, MB. */
  memoryMb?: number;
  /** The run's configuration: adds the exact model's prediction. */
  model?: RunModelInputs;
  /** Marked on the CDF. */
  sloSec?: number;
  /** Caption and chart title. */
  title?: string;
}

/** The model's prediction for a run's configuration. */
export interface RunPrediction {
  meanBatchSize: number;
  p50Sec: number;
  p95Sec: number;
  p99Sec: number;
  meanCostUsd: number;
}

/** A run's summary, CDF and batch sizes, with the model's; displays itself. */
export class RunView {
  /**
   * @param summary The run's figures.
   * @param prediction The model's, when the configuration was given.
   * @param latencyCdf Frame `latency_sec, cdf, source` (measured, and the model's).
   * @param batchSizes Frame `batch_size, share, source`.
   * @param title Caption.
   * @param sloSec Marked on the CDF.
   */
  constructor(
    readonly summary: RunSummary,
    readonly prediction: RunPrediction | undefined,
    readonly latencyCdf: DataFrame,
    readonly batchSizes: DataFrame,
    readonly title = "run",
    readonly sloSec?: number,
  ) {}

  /** Measured against predicted, one row per figure. */
  table(): RenderedTable & { cost: RenderedTable } {
    const s = this.summary, p = this.prediction;
    const rows: { what: string; measured: number | string; model?: number }[] = [
      { what: "requests (ok / all)", measured: `${s.okRequests} / ${s.requests}` },
      { what: "batches", measured: s.batches },
      { what: "mean batch size (requests)", measured: s.meanBatchSize, model: p?.meanBatchSize },
      { what: "p50 latency (s)", measured: s.latencyP50Sec, model: p?.p50Sec },
      { what: "p95 latency (s)", measured: s.latencyP95Sec, model: p?.p95Sec },
      { what: "p99 latency (s)", measured: s.latencyP99Sec, model: p?.p99Sec },
      {
        what: "dispatch: size / timeout / shutdown (batches)",
        measured: `${s.dispatchReasons.size} / ${s.dispatchReasons.timeout} / ${
          s.dispatchReasons.shutdown ?? 0
        }`,
      },
      { what: "cold-start share of batches", measured: s.coldStartShare },
      { what: "failed share of requests", measured: s.failedRequestShare },
    ];
    const cost = { what: `cost (USD/request, ${s.pricing})`, measured: s.costPerRequestUsd };
    return {
      ...renderTable(rows, [
        { label: "", value: (r) => r.what },
        { label: "measured", value: (r) => r.measured },
        { label: "exact model", value: (r) => r.model },
      ], { caption: this.title }),
      cost: renderTable([{ ...cost, model: p?.meanCostUsd }], [
        { label: "", value: (r) => r.what },
        { label: "measured", value: (r) => r.measured, digits: "exp" },
        { label: "exact model", value: (r) => r.model, digits: "exp" },
      ]),
    };
  }

  /** Latency CDF and batch sizes, measured and modelled. */
  charts(): Chart {
    return new Chart([
      latencyCdfChart(
        this.latencyCdf.toRecords() as { latency_sec: number; cdf: number; source: string }[],
        { sloSec: this.sloSec, percentile: 0.95, title: this.title },
      ),
      batchSizeChart(
        this.batchSizes.toRecords() as { batch_size: number; share: number; source: string }[],
      ),
    ], { description: `latency CDF and batch sizes: ${this.title}` });
  }

  /** Table and charts in the notebook. */
  [JUPYTER_DISPLAY](): Record<string, string> {
    const t = this.table();
    return {
      "text/html": `<div>${t.html}${t.cost.html}${renderSvg(this.charts().specs)}</div>`,
      "text/plain": `${t.text}\n${t.cost.text}`,
    };
  }
}

/**
 * Summarizes a run's frames and, given its configuration, puts the exact
 * model's prediction beside them.
 *
 * @param requests The requests frame (from the run's requests.csv or a simulation).
 * @param batches The batches frame.
 * @param options Pricing, the configuration for the model, SLO, title.
 * @returns The view, which displays itself in a notebook.
 */
export function viewRun(requests: DataFrame, batches: DataFrame, options: ViewRunOptions): RunView {
  const summary = summarizeRun(requests, batches, {
    pricing: options.pricing,
    memoryMb: options.memoryMb ?? options.model?.memoryMb,
  });
  const measuredCdf = latencyCdfFrame(requests, { points: 1000, source: MEASURED_SOURCE });
  const m = options.model;
  const measuredSizes = batchSizeHistogramFrame(batches, {
    maxBatch: m?.maxBatch,
    source: MEASURED_SOURCE,
  }).select("batch_size", "share", "source");
  if (m === undefined) {
    return new RunView(
      summary,
      undefined,
      measuredCdf,
      measuredSizes,
      options.title,
      options.sloSec,
    );
  }
  const grid = { memoriesMb: [m.memoryMb], timeoutsSec: [m.timeoutSec], maxBatches: [m.maxBatch] };
  const at = (percentile: number) =>
    evaluateGrid(m.map, grid, {
      profile: m.profile,
      pricing: options.pricing,
      percentile,
      extrapolate: m.extrapolate,
    });
  const p95 = at(0.95);
  const sizes = modelBatchSizeFrame(m.map, { maxBatch: m.maxBatch, timeoutSec: m.timeoutSec });
  const prediction: RunPrediction = {
    meanBatchSize: sizes.getColumn("batch_size").cast(pl.Float64).mul(sizes.getColumn("share"))
      .sum(),
    p50Sec: at(0.5).latencySec[0],
    p95Sec: p95.latencySec[0],
    p99Sec: at(0.99).latencySec[0],
    meanCostUsd: p95.meanCostUsd[0],
  };
  const modelCdf = modelLatencyCdfFrame(m.map, {
    profile: m.profile,
    memoryMb: m.memoryMb,
    maxBatch: m.maxBatch,
    timeoutSec: m.timeoutSec,
    extrapolate: m.extrapolate,
    points: 400,
  });
  return new RunView(
    summary,
    prediction,
    pl.concat([measuredCdf, modelCdf], { how: "vertical" }),
    pl.concat([
      measuredSizes.withColumns(pl.col("batch_size").cast(pl.Int32)),
      sizes.select("batch_size", "share", "source"),
    ], { how: "vertical" }),
    options.title,
    options.sloSec,
  );
}

/**
 * One configuration through the model's eyes, for notebooks: its batch-size
 * distribution and latency CDF by each method, with percentiles and the mean
 * cost, displayed as a table and two charts.
 *
 * When the profile's service time varies (a `variability`) or it has cold
 * starts (a `coldStart`), the exact model of that profile is shown beside the
 * exact model of the same profile with deterministic service (each batch takes
 * its mean S(k, m), no cold starts): the figures side by side with their
 * change, both latency CDFs in one chart, in fixed colours
 * ({@linkcode SERVICE_MODEL_COLORS}), and the batch sizes once, since they do
 * not depend on the service. The paper's method has no such profile.
 *
 * @module
 */

import pl from "nodejs-polars";
import { batchSizeChart, latencyCdfChart, SERVICE_MODEL_COLORS } from "../charts/chart_specs.ts";
import { Chart, JUPYTER_DISPLAY, renderSvg } from "../charts/render.ts";
import {
  modelBatchSizeFrame,
  modelLatencyCdfFrame,
  modelSourceName,
} from "../frames/model_frames.ts";
import type { DataFrame } from "../frames/polars_frames.ts";
import type { MapProcess } from "../map/map_process.ts";
import { DEFAULT_KEEP_ALIVE_SEC } from "../model/cold_start.ts";
import { evaluateGrid } from "../model/evaluate.ts";
import { predictConfiguration } from "../model/predict.ts";
import type { ModelMethod } from "../model/types.ts";
import type { Pricing } from "../profile/pricing.ts";
import { describeVariability } from "../profile/service_distribution.ts";
import { initSecAt, type ServiceProfile, serviceTimesSec } from "../profile/service_profile.ts";
import { type RenderedTable, renderTable } from "./html_table.ts";

/** Options of {@linkcode describeConfiguration}. */
export interface DescribeConfigurationOptions {
  profile: ServiceProfile;
  pricing: Pricing;
  memoryMb: number;
  maxBatch: number;
  timeoutSec: number;
  /**
   * Methods to show. A profile whose service varies or has cold starts has
   * the exact method only.
   * @default {["exact", "paper"], or ["exact"] when the service varies}
   */
  methods?: readonly ModelMethod[];
  /** Marked on the CDF. */
  sloSec?: number;
  /** Allow the profile outside its fitted range. @default {false} */
  extrapolate?: boolean;
  /** Caption and chart title. */
  title?: string;
  /**
   * Keep-alive of an idle environment, seconds, when the profile has a
   * `coldStart` (see `predictConfiguration`).
   * @default {600}
   */
  keepAliveSec?: number;
}

/** The model's figures of one configuration by one method. */
export interface ConfigurationFigures {
  method: ModelMethod;
  /**
   * The service time the model takes: `deterministic` (each batch its mean
   * S(k, m)), or the profile's variability and cold starts, e.g.
   * `gamma, CV 0.3` or `gamma, CV 0.3, cold starts (Init 0.25 s, keep-alive 600 s)`.
   */
  service: string;
  meanBatchSize: number;
  p50Sec: number;
  p95Sec: number;
  p99Sec: number;
  /** Long-run mean cost per request, USD. */
  meanCostUsd: number;
  /** P(a batch starts cold): 0 without cold starts. */
  coldStartProbability: number;
}

/** The `service` of the figures of a deterministic model. */
const DETERMINISTIC = "deterministic";

/** The `source` of the batch sizes when the service varies: they do not depend on it. */
const SHARED_SIZES = "exact model, either service";

/** Points of each latency CDF drawn. */
const CDF_POINTS = 400;

/** 3 significant digits, for subtitles. */
function _round(x: number): string {
  return String(Number(x.toPrecision(3)));
}

/** A configuration as the model sees it; displays itself in a notebook. */
export class ConfigurationView {
  /**
   * @param figures Per method: mean batch size, p50/p95/p99, mean cost; when
   *   the service varies, the deterministic model's and then the variable one's.
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

  /** Whether a model with variable service is shown beside the deterministic one. */
  get variable(): boolean {
    return this.figures.some((f) => f.service !== DETERMINISTIC);
  }

  /** The two charts: latency CDF and batch sizes. */
  charts(): Chart {
    const o = this.options;
    const rows = this.latencyCdf.toRecords() as {
      latency_sec: number;
      cdf: number;
      source: string;
    }[];
    let cdf;
    if (this.variable) {
      const [fixed, varied] = this.figures;
      const change = 100 * (varied.p99Sec / fixed.p99Sec - 1);
      cdf = latencyCdfChart(rows, {
        sloSec: o.sloSec,
        percentile: 0.95,
        title: o.title,
        subtitle: `p99 latency: ${_round(fixed.p99Sec)} s with deterministic service, ` +
          `${_round(varied.p99Sec)} s with the profile's (${change >= 0 ? "+" : ""}${
            _round(change)
          } %)`,
        colors: {
          [sourceName(fixed, o.profile)]: SERVICE_MODEL_COLORS.deterministic,
          [sourceName(varied, o.profile)]: SERVICE_MODEL_COLORS.variable,
        },
      });
    } else {
      cdf = latencyCdfChart(rows, { sloSec: o.sloSec, percentile: 0.95, title: o.title });
    }
    const sizes = this.batchSizes.toRecords() as {
      batch_size: number;
      share: number;
      source: string;
    }[];
    return new Chart([
      cdf,
      this.variable
        ? batchSizeChart(sizes, { colors: { [SHARED_SIZES]: SERVICE_MODEL_COLORS.shared } })
        : batchSizeChart(sizes),
    ], { description: `latency CDF and batch sizes: ${this.#caption()}` });
  }

  #caption(): string {
    const o = this.options;
    const what =
      `${o.profile.name}, M = ${o.memoryMb} MB, B = ${o.maxBatch}, T = ${o.timeoutSec} s`;
    return o.title ?? (this.variable ? `${what}, service ${this.figures[1].service}` : what);
  }

  /**
   * The table of figures: one row per method; when the service varies, one
   * row per figure with the deterministic and the variable model side by side
   * and the change from the first to the second.
   */
  table(): RenderedTable {
    if (this.variable) return this.#sideBySide();
    return renderTable(this.figures, [
      { label: "method", value: (r) => r.method },
      { label: "mean batch size (requests)", value: (r) => r.meanBatchSize },
      { label: "p50 latency (s)", value: (r) => r.p50Sec },
      { label: "p95 latency (s)", value: (r) => r.p95Sec },
      { label: "p99 latency (s)", value: (r) => r.p99Sec },
      { label: "mean cost (USD/request)", value: (r) => r.meanCostUsd, digits: "exp" },
    ], { caption: this.#caption() });
  }

  #sideBySide(): RenderedTable {
    const [fixed, varied] = this.figures;
    const cold = initSecAt(this.options.profile, this.options.memoryMb) !== undefined;
    type Row = { figure: string; of: (f: ConfigurationFigures) => number; change?: false };
    const rows: Row[] = [
      { figure: "mean batch size (requests)", of: (f) => f.meanBatchSize },
      { figure: "p50 latency (s)", of: (f) => f.p50Sec },
      { figure: "p95 latency (s)", of: (f) => f.p95Sec },
      { figure: "p99 latency (s)", of: (f) => f.p99Sec },
      { figure: "mean cost (µUSD/request)", of: (f) => f.meanCostUsd * 1e6 },
    ];
    if (cold) {
      rows.push({
        figure: "P(batch starts cold)",
        of: (f) => f.coldStartProbability,
        change: false,
      });
    }
    return renderTable(rows, [
      { label: "exact model", value: (r) => r.figure },
      {
        label: cold ? "deterministic, no cold starts" : "deterministic",
        value: (r) => r.of(fixed),
      },
      { label: varied.service, value: (r) => r.of(varied) },
      {
        label: "change (%)",
        value: (r) => r.change === false ? undefined : 100 * (r.of(varied) / r.of(fixed) - 1),
        digits: 3,
      },
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
 * The `source` of a model's latency CDF in a {@linkcode ConfigurationView}:
 * `model (exact)` or `model (paper)` when the service is deterministic;
 * when it varies, `exact model, deterministic service` (`..., no cold starts`)
 * and `exact model, ` with the variable service's description.
 *
 * @param figures The model's figures.
 * @param profile The profile described.
 * @returns The source label.
 */
function sourceName(figures: ConfigurationFigures, profile: ServiceProfile): string {
  if (profile.variability === undefined && profile.coldStart === undefined) {
    return modelSourceName(figures.method);
  }
  if (figures.service !== DETERMINISTIC) return `exact model, ${figures.service}`;
  return profile.coldStart === undefined
    ? "exact model, deterministic service"
    : "exact model, deterministic service, no cold starts";
}

/** How a profile's service varies, for labels: its variability, then its cold starts. */
function serviceName(profile: ServiceProfile, memoryMb: number, keepAliveSec: number): string {
  const parts = profile.variability === undefined ? [] : [describeVariability(profile)];
  const initSec = initSecAt(profile, memoryMb);
  if (initSec !== undefined) {
    parts.push(`cold starts (Init ${_round(initSec)} s, keep-alive ${_round(keepAliveSec)} s)`);
  }
  return parts.length === 0 ? DETERMINISTIC : parts.join(", ");
}

/** One method's figures, batch sizes and latency CDF, with the profile's deterministic service. */
function methodFigures(
  map: MapProcess,
  method: ModelMethod,
  options: DescribeConfigurationOptions,
  frames: { latenciesSec?: Float64Array; cdfSource?: string; sizeSource?: string } = {},
): { figures: ConfigurationFigures; size: DataFrame; cdf: DataFrame } {
  const { memoryMb, maxBatch, timeoutSec } = options;
  const grid = { memoriesMb: [memoryMb], timeoutsSec: [timeoutSec], maxBatches: [maxBatch] };
  const at = (percentile: number) =>
    evaluateGrid(map, grid, {
      method,
      profile: options.profile,
      pricing: options.pricing,
      percentile,
      extrapolate: options.extrapolate,
    });
  const p95 = at(0.95);
  const size = modelBatchSizeFrame(map, {
    maxBatch,
    timeoutSec,
    method,
    ...(frames.sizeSource === undefined ? {} : { source: frames.sizeSource }),
  });
  const k = size.getColumn("batch_size").cast(pl.Float64), share = size.getColumn("share");
  const figures: ConfigurationFigures = {
    method,
    service: DETERMINISTIC,
    meanBatchSize: k.mul(share).sum(),
    p50Sec: at(0.5).latencySec[0],
    p95Sec: p95.latencySec[0],
    p99Sec: at(0.99).latencySec[0],
    meanCostUsd: p95.meanCostUsd[0],
    coldStartProbability: 0,
  };
  const cdf = modelLatencyCdfFrame(map, {
    profile: options.profile,
    memoryMb,
    maxBatch,
    timeoutSec,
    method,
    extrapolate: options.extrapolate,
    ...(frames.latenciesSec === undefined
      ? { points: CDF_POINTS }
      : { latenciesSec: frames.latenciesSec }),
    ...(frames.cdfSource === undefined ? {} : { source: frames.cdfSource }),
  });
  return { figures, size, cdf };
}

/**
 * The exact model of a profile whose service varies (or has cold starts)
 * beside the exact model of the same profile with deterministic service.
 */
function sideBySide(map: MapProcess, options: DescribeConfigurationOptions): ConfigurationView {
  const { memoryMb, maxBatch, timeoutSec, profile, extrapolate = false } = options;
  const keepAliveSec = options.keepAliveSec ?? DEFAULT_KEEP_ALIVE_SEC;
  const { variability: _variability, coldStart: _coldStart, ...rest } = profile;
  const deterministic = rest as ServiceProfile;
  const prediction = predictConfiguration({
    map,
    maxBatch,
    timeoutSec,
    memoryMb,
    profile,
    pricing: options.pricing,
    extrapolate,
    keepAliveSec,
  });
  const varied: ConfigurationFigures = {
    method: "exact",
    service: serviceName(profile, memoryMb, keepAliveSec),
    meanBatchSize: prediction.meanBatchSize,
    p50Sec: prediction.percentile(0.5),
    p95Sec: prediction.percentile(0.95),
    p99Sec: prediction.percentile(0.99),
    meanCostUsd: prediction.costPerRequestUsd,
    coldStartProbability: prediction.coldStartProbability,
  };
  // Both CDFs on one grid: from the lower of the fastest batch's time and the variable
  // model's 1e-4 quantile to the higher of the slowest batch's time plus T and its 1 - 1e-4.
  const serviceSec = serviceTimesSec(deterministic, maxBatch, memoryMb, { extrapolate });
  const lo = Math.min(...serviceSec, prediction.percentile(1e-4));
  const hi = Math.max(Math.max(...serviceSec) + timeoutSec, prediction.percentile(1 - 1e-4));
  const x = Float64Array.from(
    { length: CDF_POINTS },
    (_, i) => lo + ((hi - lo) * i) / (CDF_POINTS - 1),
  );
  x[CDF_POINTS - 1] = hi;
  const fixed = methodFigures(map, "exact", { ...options, profile: deterministic }, {
    latenciesSec: x,
    cdfSource: sourceName({ ...varied, service: DETERMINISTIC }, profile),
    sizeSource: SHARED_SIZES,
  });
  const variedCdf = pl.DataFrame([
    pl.Series("latency_sec", x, pl.Float64),
    pl.Series("cdf", x.map((w) => prediction.cdf(w)), pl.Float64),
    pl.Series("source", new Array<string>(x.length).fill(sourceName(varied, profile)), pl.Utf8),
  ]);
  return new ConfigurationView(
    [fixed.figures, varied],
    fixed.size,
    pl.concat([fixed.cdf, variedCdf], { how: "vertical" }),
    { ...options, methods: ["exact"] },
  );
}

/**
 * The model's view of one configuration under an arrival process: batch-size
 * distribution, latency CDF, p50/p95/p99 and mean cost, by each method.
 *
 * When the profile's service time varies or it has cold starts, the exact
 * model of the profile beside the exact model with each batch's mean service
 * time and no cold starts (the paper's world): p50/p95/p99, the mean cost per
 * request (the expected billed duration, which rounding makes differ from the
 * deterministic one's) and the probability that a batch starts cold, with the
 * change from one to the other, and both latency CDFs in one chart.
 *
 * @param map The arrival process.
 * @param options Profile, pricing, memory, B, T, methods.
 * @returns The view, which displays itself in a notebook.
 * @throws {RangeError} If the profile's service varies or has cold starts and
 *   `methods` has the paper method, or on what the model refuses (a
 *   configuration outside the profile's range without `extrapolate`).
 *
 * @example A gamma service time of CV 0.3 lengthens the p99
 * ```ts
 * import assert from "node:assert/strict";
 * import { poissonProcess } from "../map/map_process.ts";
 * import { pricing } from "../profile/pricing.ts";
 * import { withServiceCv } from "../profile/service_distribution.ts";
 * import { publishedProfile } from "../profile/service_profile.ts";
 *
 * const view = describeConfiguration(poissonProcess(20), {
 *   profile: withServiceCv(publishedProfile("mxnet-resnet50"), 0.3, "gamma"),
 *   pricing: pricing("aws-x86"),
 *   memoryMb: 2048,
 *   maxBatch: 5,
 *   timeoutSec: 0.1,
 * });
 * const [deterministic, gamma] = view.figures;
 * assert.equal(gamma.service, "gamma, CV 0.3");
 * assert.ok(gamma.p99Sec > deterministic.p99Sec);
 * ```
 */
export function describeConfiguration(
  map: MapProcess,
  options: DescribeConfigurationOptions,
): ConfigurationView {
  const { profile } = options;
  if (profile.variability !== undefined || profile.coldStart !== undefined) {
    if (options.methods?.includes("paper")) {
      throw new RangeError(
        `Cannot describe the paper method with profile '${profile.name}': its service time ` +
          `varies or has cold starts (${
            serviceName(profile, options.memoryMb, options.keepAliveSec ?? DEFAULT_KEEP_ALIVE_SEC)
          }), and the ` +
          "paper's model has one time per batch size; the exact method shows it beside " +
          "deterministic service",
      );
    }
    return sideBySide(map, options);
  }
  const { methods = ["exact", "paper"] } = options;
  const shown = methods.map((method) => methodFigures(map, method, options));
  return new ConfigurationView(
    shown.map((s) => s.figures),
    pl.concat(shown.map((s) => s.size), { how: "vertical" }),
    pl.concat(shown.map((s) => s.cdf), { how: "vertical" }),
    { ...options, methods },
  );
}

/**
 * Pure chart builders: rows of plain objects (for example a polars frame's
 * `toRecords()`, with the snake_case, unit-suffixed column names used across
 * this project) plus options in, an Observable Plot spec (the options object
 * passed to `Plot.plot`, marks included) out. No DOM and no I/O here: the
 * document is injected when the spec is rendered (see `render.ts`).
 *
 * Every spec leaves text, axes and rules in `currentColor` (Plot's default) and
 * paints no background, so it reads in light and dark themes; categorical
 * colours use the "observable10" scheme, the memories of a profile sweep
 * {@linkcode MEMORY_COLORS}, a deterministic service model beside a variable
 * one {@linkcode SERVICE_MODEL_COLORS}.
 *
 * @module
 */

import * as Plot from "@observablehq/plot";

/** An Observable Plot spec: the options object passed to `Plot.plot`, marks included. */
export type PlotSpec = Plot.PlotOptions;

/** Size and title options shared by the chart builders. */
export interface ChartSizeOptions {
  /** Outer width of the chart in pixels. @default {640} */
  width?: number;
  /** Outer height of the chart (of each panel, for multi-panel builders) in pixels. @default {400} */
  height?: number;
  /** A title above the chart. @default {undefined} */
  title?: string;
}

/** The categorical colour scheme of every chart: legible on light and dark backgrounds. */
export const CATEGORICAL_SCHEME: Plot.ColorScheme = "observable10";

/** The sequential colour scheme of the heatmaps: legible on light and dark backgrounds. */
export const SEQUENTIAL_SCHEME: Plot.ColorScheme = "viridis";

/** Default outer width of a chart in pixels. */
export const DEFAULT_CHART_WIDTH_PX = 640;

/** Default outer height of a chart in pixels. */
export const DEFAULT_CHART_HEIGHT_PX = 400;

// The first colours of "observable10", used where a panel has a single series.
const _SINGLE_COLORS = ["#4269d0", "#efb118", "#ff725c", "#6cc5b0"] as const;

// ---------------------------------------------------------------------------
// Row types

/** A row of {@linkcode latencyCdfChart}: one point of a latency CDF. */
export interface LatencyCdfRow {
  /** Latency of a request in seconds. */
  latency_sec: number;
  /** P(latency <= latency_sec), in [0, 1]. */
  cdf: number;
  /** Where the curve comes from, e.g. "model (exact)", "measured". */
  source: string;
}

/** A row of {@linkcode batchSizeChart}: the share of batches of one size. */
export interface BatchSizeRow {
  /** Number of requests in a batch. */
  batch_size: number;
  /** Share of batches with that size, in [0, 1]. */
  share: number;
  /** Where the distribution comes from, e.g. "model", "measured". */
  source: string;
}

/** A row of {@linkcode costLatencyVsMemoryChart}: one configuration. */
export interface CostLatencyRow {
  /** Memory of the function in MB. */
  memory_mb: number;
  /** Cost per request in USD. */
  cost_per_request_usd: number;
  /** Latency percentile (e.g. p95) in seconds. */
  latency_sec: number;
  /** The line the point belongs to: a batch size, a timeout, a label. */
  series: string | number;
}

/** A row of {@linkcode feasibleRegionChart}: one cell of a (memory, timeout) grid. */
export interface FeasibleRegionRow {
  /** Memory of the function in MB. */
  memory_mb: number;
  /** Buffer timeout in seconds. */
  timeout_sec: number;
  /** Latency percentile in seconds. */
  latency_sec: number;
  /** Cost per request in USD. */
  cost_per_request_usd: number;
  /** Whether the configuration meets the SLO. */
  feasible: boolean;
}

/** A row of {@linkcode hourlyConfigChart}: one hour of a trace and the configuration chosen for it. */
export interface HourlyConfigRow {
  /** Hour of the day (1..24 for the paper's traces). */
  hour: number;
  /** Mean arrival rate in that hour, requests per second. */
  rate_per_sec: number;
  /** Chosen memory M in MB. */
  memory_mb: number;
  /** Chosen maximum batch size B in requests. */
  max_batch: number;
  /** Chosen buffer timeout T in seconds. */
  timeout_sec: number;
}

/** A row of {@linkcode policyComparisonChart}: one policy in one hour. */
export interface PolicyComparisonRow {
  /** Name of the policy, e.g. "BATCH", "no batching". */
  policy: string;
  /** Hour of the day. */
  hour: number;
  /** Cost per request in USD. */
  cost_per_request_usd: number;
  /** Measured or predicted latency percentile divided by the SLO (1 = at the SLO). */
  p95_over_slo: number;
}

// ---------------------------------------------------------------------------
// Shared helpers

type _ColumnKind = "number" | "string" | "category" | "boolean";

function _checkRows(
  builder: string,
  rows: unknown,
  columns: Readonly<Record<string, _ColumnKind>>,
): void {
  if (!Array.isArray(rows)) {
    throw new TypeError(
      `Cannot build ${builder} as 'rows' must be an array: current value is ${_describe(rows)}`,
    );
  }
  rows.forEach((row, i) => {
    if (row === null || typeof row !== "object") {
      throw new TypeError(
        `Cannot build ${builder} as rows[${i}] must be an object: current value is ${
          _describe(row)
        }`,
      );
    }
    for (const [name, kind] of Object.entries(columns)) {
      const value = (row as Record<string, unknown>)[name];
      const ok = kind === "number"
        ? typeof value === "number" && Number.isFinite(value)
        : kind === "string"
        ? typeof value === "string"
        : kind === "boolean"
        ? typeof value === "boolean"
        : typeof value === "string" || (typeof value === "number" && Number.isFinite(value));
      if (!ok) {
        const expected = kind === "number"
          ? "a finite number"
          : kind === "category"
          ? "a string or a finite number"
          : `a ${kind}`;
        throw new TypeError(
          `Cannot build ${builder} as rows[${i}].${name} must be ${expected}: current value is ${
            _describe(value)
          }`,
        );
      }
    }
  });
}

function _describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return "an array";
  if (value === null) return "null";
  if (typeof value === "object") return "an object";
  return String(value);
}

function _checkSize(builder: string, options: ChartSizeOptions): { width: number; height: number } {
  const { width = DEFAULT_CHART_WIDTH_PX, height = DEFAULT_CHART_HEIGHT_PX } = options;
  for (const [name, value] of [["width", width], ["height", height]] as const) {
    if (!(value > 0) || !Number.isFinite(value)) {
      throw new RangeError(
        `Cannot build ${builder} as '${name}' must be a positive number of pixels: current value is ${value}`,
      );
    }
  }
  return { width, height };
}

function _checkPositive(builder: string, name: string, value: number | undefined): void {
  if (value === undefined) return;
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new RangeError(
      `Cannot build ${builder} as '${name}' must be a positive finite number: current value is ${value}`,
    );
  }
}

/** Distinct values in order of first appearance; numbers sorted ascending when all are numbers. */
function _categories<T>(rows: readonly T[], key: (row: T) => string | number): (string | number)[] {
  const seen = [...new Set(rows.map(key))];
  if (seen.every((v) => typeof v === "number")) {
    return (seen as number[]).sort((a, b) => a - b);
  }
  return seen;
}

/** Shortest decimal text of a number: 5 -> "5", 0.12 -> "0.12", 1/3 -> "0.333333". */
function _num(value: number): string {
  return String(Number(value.toPrecision(6)));
}

/**
 * Formats a cost in USD as micro-dollars (the unit of the cost axes, "µUSD"),
 * to 6 significant digits.
 *
 * @param costUsd A cost in USD.
 * @returns The cost in µUSD as text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatMicroUsd } from "./chart_specs.ts";
 *
 * assert.equal(formatMicroUsd(1.23e-5), "12.3");
 * ```
 */
export function formatMicroUsd(costUsd: number): string {
  return _num(costUsd * 1e6);
}

/**
 * The short label of a percentile.
 *
 * @param percentile A percentile in (0, 1).
 * @returns "p" and the percentile in percent.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { percentileLabel } from "./chart_specs.ts";
 *
 * assert.equal(percentileLabel(0.95), "p95");
 * assert.equal(percentileLabel(0.999), "p99.9");
 * ```
 */
export function percentileLabel(percentile: number): string {
  return `p${_num(percentile * 100)}`;
}

/** The colour scale of the sources: fixed colours when given (every source must have one). */
function _sourceColor(
  builder: string,
  sources: string[],
  colors: Readonly<Record<string, string>> | undefined,
): Plot.ScaleOptions {
  if (colors === undefined) return _categoricalColor(sources, undefined);
  const missing = sources.find((s) => typeof colors[s] !== "string");
  if (missing !== undefined) {
    throw new TypeError(
      `Cannot build ${builder} as 'colors' must give every source a colour: ` +
        `none for ${JSON.stringify(missing)}`,
    );
  }
  return {
    type: "categorical" as const,
    domain: sources,
    range: sources.map((s) => colors[s]),
    legend: true,
  };
}

function _categoricalColor(
  domain: (string | number)[],
  label: string | undefined,
): Plot.ScaleOptions {
  return {
    type: "categorical" as const,
    scheme: CATEGORICAL_SCHEME,
    domain,
    legend: true,
    ...(label === undefined ? {} : { label }),
  };
}

// ---------------------------------------------------------------------------
// 1. Latency CDF

/** Options of {@linkcode latencyCdfChart}. */
export interface LatencyCdfChartOptions extends ChartSizeOptions {
  /** Latency SLO in seconds, drawn as a labelled vertical rule. @default {undefined} */
  sloSec?: number;
  /** Percentile of the SLO in (0, 1), drawn as a labelled horizontal rule. @default {undefined} */
  percentile?: number;
  /**
   * Sources drawn as step curves (empirical CDFs); the others are drawn as
   * straight segments between points.
   * @default {every source whose name contains "measured", "simulat", "empirical" or "observed"}
   */
  stepSources?: readonly string[];
  /**
   * A fixed colour per source (an explicit domain and range, so that a colour
   * keeps its meaning whatever the order of the rows), e.g. from
   * {@linkcode SERVICE_MODEL_COLORS}; every source must have one.
   * @default {"observable10" in the order the sources first appear}
   */
  colors?: Readonly<Record<string, string>>;
  /** A line under the title, e.g. what the curves show or which of them coincide. @default {undefined} */
  subtitle?: string;
  /**
   * Sources drawn first, as wide translucent bands under the other curves: a
   * simulation or a measurement that a model should lie on stays visible
   * around the model's line instead of hiding it.
   * @default {[]}
   */
  underlaySources?: readonly string[];
}

/**
 * One colour per meaning where a model with deterministic service times is
 * put beside one whose service time varies (and a simulation or measurement
 * of the latter): Okabe and Ito's colour-blind-safe palette, as
 * {@linkcode MEMORY_COLORS}, without black and yellow.
 */
export const SERVICE_MODEL_COLORS: Readonly<{
  /** The model with each batch's mean service time (the paper's world). */
  deterministic: string;
  /** The model with the profile's service distribution (and cold starts). */
  variable: string;
  /** A simulation or a measurement drawing the variable service. */
  simulated: string;
  /** What both models share (their batch sizes, which do not depend on the service): grey. */
  shared: string;
}> = Object.freeze({
  deterministic: "#0072b2",
  variable: "#d55e00",
  simulated: "#009e73",
  shared: "#999999",
});

const _MEASURED = /measured|simulat|empirical|observed/i;

/**
 * Latency CDF of the model(s) against the measurements, one curve per source.
 *
 * @param rows Rows with `latency_sec`, `cdf` (in [0, 1]) and `source`.
 * @param options SLO, percentile, size, title, subtitle and a fixed colour per source.
 * @returns A Plot spec: x "latency (s) →", y "↑ P(latency ≤ x)" on [0, 1].
 * @throws {TypeError} If a row lacks a column or has the wrong type, or `colors` misses a source.
 * @throws {RangeError} If `sloSec` is not positive or `percentile` not in (0, 1).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { latencyCdfChart } from "./chart_specs.ts";
 *
 * const spec = latencyCdfChart([
 *   { latency_sec: 0.5, cdf: 0.2, source: "model" },
 *   { latency_sec: 1.0, cdf: 1.0, source: "model" },
 * ], { sloSec: 0.9, percentile: 0.95 });
 * assert.equal(spec.x?.label, "latency (s) →");
 * ```
 */
export function latencyCdfChart(
  rows: readonly LatencyCdfRow[],
  options: LatencyCdfChartOptions = {},
): PlotSpec {
  const builder = "latencyCdfChart";
  _checkRows(builder, rows, { latency_sec: "number", cdf: "number", source: "string" });
  const { width, height } = _checkSize(builder, options);
  const { sloSec, percentile, title, subtitle, colors } = options;
  _checkPositive(builder, "sloSec", sloSec);
  if (percentile !== undefined && !(percentile > 0 && percentile < 1)) {
    throw new RangeError(
      `Cannot build ${builder} as 'percentile' must be in (0, 1): current value is ${percentile}`,
    );
  }
  const sources = _categories(rows, (r) => r.source) as string[];
  const stepSources = new Set(options.stepSources ?? sources.filter((s) => _MEASURED.test(s)));
  const underlay = new Set(options.underlaySources ?? []);
  const stepRows = rows.filter((r) => stepSources.has(r.source) && !underlay.has(r.source));
  const lineRows = rows.filter((r) => !stepSources.has(r.source) && !underlay.has(r.source));
  const maxLatencySec = Math.max(0, sloSec ?? 0, ...rows.map((r) => r.latency_sec));

  const marks: Plot.Markish[] = [Plot.ruleY([0, 1], { strokeOpacity: 0.2 })];
  const channels = { x: "latency_sec", y: "cdf", stroke: "source" } as const;
  for (const source of sources.filter((s) => underlay.has(s))) {
    marks.push(
      Plot.line(rows.filter((r) => r.source === source), {
        ...channels,
        ...(stepSources.has(source) ? { curve: "step-after" as const } : {}),
        strokeWidth: 7,
        strokeOpacity: 0.45,
      }),
    );
  }
  if (lineRows.length > 0) marks.push(Plot.line(lineRows, { ...channels, strokeWidth: 2 }));
  if (stepRows.length > 0) {
    marks.push(Plot.line(stepRows, { ...channels, curve: "step-after", strokeWidth: 1.5 }));
  }
  if (percentile !== undefined) {
    marks.push(
      Plot.ruleY([percentile], { strokeDasharray: "2,3" }),
      Plot.text([percentile], {
        y: (d: number) => d,
        frameAnchor: "left",
        textAnchor: "start",
        dx: 4,
        dy: -7,
        text: () => percentileLabel(percentile),
      }),
    );
  }
  if (sloSec !== undefined) {
    marks.push(
      Plot.ruleX([sloSec], { strokeDasharray: "6,3", strokeWidth: 1.5 }),
      Plot.text([sloSec], {
        x: (d: number) => d,
        frameAnchor: "bottom",
        textAnchor: "end",
        dx: -4,
        dy: -6,
        text: () => `SLO ${_num(sloSec)} s`,
      }),
    );
  }
  return {
    width,
    height,
    ...(title === undefined ? {} : { title }),
    ...(subtitle === undefined ? {} : { subtitle }),
    marginRight: 20,
    x: {
      label: "latency (s) →",
      labelArrow: "none",
      domain: [0, maxLatencySec > 0 ? maxLatencySec : 1],
      nice: true,
      grid: true,
    },
    y: {
      label: "↑ P(latency ≤ x)",
      labelArrow: "none",
      domain: [0, 1],
      grid: true,
    },
    color: _sourceColor(builder, sources, colors),
    marks,
  };
}

// ---------------------------------------------------------------------------
// 2. Batch size distribution

/** Options of {@linkcode batchSizeChart}. */
export interface BatchSizeChartOptions extends ChartSizeOptions {
  /**
   * A fixed colour per source (an explicit domain and range), e.g. from
   * {@linkcode SERVICE_MODEL_COLORS}; every source must have one.
   * @default {"observable10" in the order the sources first appear}
   */
  colors?: Readonly<Record<string, string>>;
}

/**
 * Batch size distribution of the model(s) against the measurements: for each
 * batch size a group of bars, one bar per source.
 *
 * @param rows Rows with `batch_size`, `share` (in [0, 1]) and `source`.
 * @param options Size, title and a fixed colour per source.
 * @returns A Plot spec: facets `fx` by batch size ("batch size (requests) →"),
 *   bars `x` by source, y "↑ share of batches (%)".
 * @throws {TypeError} If a row lacks a column or has the wrong type, or `colors` misses a source.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { batchSizeChart } from "./chart_specs.ts";
 *
 * const spec = batchSizeChart([
 *   { batch_size: 1, share: 0.4, source: "model" },
 *   { batch_size: 2, share: 0.6, source: "model" },
 * ]);
 * assert.equal(spec.fx?.label, "batch size (requests) →");
 * ```
 */
export function batchSizeChart(
  rows: readonly BatchSizeRow[],
  options: BatchSizeChartOptions = {},
): PlotSpec {
  const builder = "batchSizeChart";
  _checkRows(builder, rows, { batch_size: "number", share: "number", source: "string" });
  const { width, height } = _checkSize(builder, options);
  const sources = _categories(rows, (r) => r.source) as string[];
  const sizes = _categories(rows, (r) => r.batch_size) as number[];
  // Whole batch sizes: show every size from the smallest to the largest, gaps included.
  const lo = sizes[0];
  const hi = sizes[sizes.length - 1];
  const domain = sizes.every(Number.isInteger) && sizes.length > 0 && hi - lo <= 500
    ? Array.from({ length: hi - lo + 1 }, (_, i) => lo + i)
    : sizes;
  // At most about 25 labelled batch sizes: every 1, 2, 5, 10, ... requests.
  const every = [1, 2, 5, 10, 20, 50, 100].find((k) => domain.length / k <= 25) ?? 200;
  const ticks = domain.filter((b, i) =>
    Number.isInteger(b) ? b % every === 0 || b === lo : i % every === 0
  );
  return {
    width,
    height,
    ...(options.title === undefined ? {} : { title: options.title }),
    marginRight: 10,
    fx: {
      label: "batch size (requests) →",
      labelArrow: "none",
      domain,
      ticks,
      padding: 0.15,
    },
    x: { axis: null, domain: sources, paddingInner: 0.05 },
    y: { label: "↑ share of batches (%)", labelArrow: "none", percent: true, grid: true },
    color: _sourceColor(builder, sources, options.colors),
    marks: [
      Plot.barY(rows, { fx: "batch_size", x: "source", y: "share", fill: "source" }),
      Plot.ruleY([0]),
    ],
  };
}

// ---------------------------------------------------------------------------
// 3. Cost and latency against memory

/** Options of {@linkcode costLatencyVsMemoryChart}. */
export interface CostLatencyVsMemoryChartOptions extends ChartSizeOptions {
  /** Latency SLO in seconds, drawn as a labelled horizontal rule on the latency chart. @default {undefined} */
  sloSec?: number;
  /** Percentile the `latency_sec` column holds, for the axis label. @default {0.95} */
  percentile?: number;
  /** What the `series` column is, for the legend, e.g. "max batch B (requests)". @default {"series"} */
  seriesLabel?: string;
}

/**
 * The two specs of {@linkcode costLatencyVsMemoryChart} (a type alias, not an
 * interface, so that it is a `Record<string, PlotSpec>` for the renderer).
 */
export type CostLatencySpecs = {
  /** Cost per request against memory. */
  cost: PlotSpec;
  /** Latency percentile against memory, with the SLO. */
  latency: PlotSpec;
};

/**
 * Cost per request and latency percentile against memory, one line per
 * series (batch size or timeout): two charts sharing the x axis and colours.
 *
 * @param rows Rows with `memory_mb`, `cost_per_request_usd`, `latency_sec` and `series`.
 * @param options SLO, percentile, legend label, size and title (on the cost chart).
 * @returns `{cost, latency}`: x "memory (MB) →"; y "↑ cost per request (µUSD)" and
 *   "↑ p95 latency (s)".
 * @throws {TypeError} If a row lacks a column or has the wrong type.
 * @throws {RangeError} If `sloSec` is not positive or `percentile` not in (0, 1).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { costLatencyVsMemoryChart } from "./chart_specs.ts";
 *
 * const { cost, latency } = costLatencyVsMemoryChart([
 *   { memory_mb: 1280, cost_per_request_usd: 2e-5, latency_sec: 1.2, series: 10 },
 *   { memory_mb: 2048, cost_per_request_usd: 3e-5, latency_sec: 0.8, series: 10 },
 * ], { sloSec: 1 });
 * assert.equal(latency.y?.label, "↑ p95 latency (s)");
 * ```
 */
export function costLatencyVsMemoryChart(
  rows: readonly CostLatencyRow[],
  options: CostLatencyVsMemoryChartOptions = {},
): CostLatencySpecs {
  const builder = "costLatencyVsMemoryChart";
  _checkRows(builder, rows, {
    memory_mb: "number",
    cost_per_request_usd: "number",
    latency_sec: "number",
    series: "category",
  });
  const { width, height } = _checkSize(builder, options);
  const { sloSec, percentile = 0.95, seriesLabel = "series", title } = options;
  _checkPositive(builder, "sloSec", sloSec);
  if (!(percentile > 0 && percentile < 1)) {
    throw new RangeError(
      `Cannot build ${builder} as 'percentile' must be in (0, 1): current value is ${percentile}`,
    );
  }
  const series = _categories(rows, (r) => r.series);
  const sorted = [...rows].sort((a, b) => a.memory_mb - b.memory_mb);
  const x = { label: "memory (MB) →", labelArrow: "none" as const, grid: true };
  const color = _categoricalColor(series, seriesLabel);
  const lines = (y: string) => [
    Plot.line(sorted, { x: "memory_mb", y, stroke: "series", strokeWidth: 1.5 }),
    Plot.dot(sorted, { x: "memory_mb", y, stroke: "series", r: 2 }),
  ];
  const cost: PlotSpec = {
    width,
    height,
    ...(title === undefined ? {} : { title }),
    x,
    y: {
      label: "↑ cost per request (µUSD)",
      labelArrow: "none",
      grid: true,
      zero: true,
      tickFormat: formatMicroUsd,
    },
    color,
    marks: lines("cost_per_request_usd"),
  };
  const latencyMarks: Plot.Markish[] = lines("latency_sec");
  if (sloSec !== undefined) {
    latencyMarks.push(
      Plot.ruleY([sloSec], { strokeDasharray: "6,3", strokeWidth: 1.5 }),
      Plot.text([sloSec], {
        y: (d: number) => d,
        frameAnchor: "right",
        textAnchor: "end",
        dy: -7,
        text: () => `SLO ${_num(sloSec)} s`,
      }),
    );
  }
  const latency: PlotSpec = {
    width,
    height,
    x,
    y: {
      label: `↑ ${percentileLabel(percentile)} latency (s)`,
      labelArrow: "none",
      grid: true,
      zero: true,
    },
    color,
    marks: latencyMarks,
  };
  return { cost, latency };
}

// ---------------------------------------------------------------------------
// 3b. A profile sweep: cost and p95 Duration against batch size, a line per memory

/** A row of {@linkcode profileChart}: one cell (memory, batch size) of a profile sweep. */
export interface ProfileChartRow {
  /** Memory of the function in MB. */
  memory_mb: number;
  /** Requests in a batch, k. */
  batch_size: number;
  /** Mean cost per request in USD: the batch's cost over k. */
  cost_per_request_usd: number;
  /** 95th percentile of the batch's Duration in seconds. */
  p95_duration_sec: number;
}

/**
 * Colours of the memories of a {@linkcode profileChart}, smallest memory
 * first: Okabe and Ito's colour-blind-safe palette ("Color Universal Design",
 * 2008) without its black and yellow, which do not read on both themes. A
 * sweep of more memories gets ordered viridis shades instead.
 */
export const MEMORY_COLORS: readonly string[] = [
  "#0072b2",
  "#e69f00",
  "#009e73",
  "#cc79a7",
  "#56b4e9",
  "#d55e00",
];

/** The two specs of {@linkcode profileChart} (a `Record<string, PlotSpec>` for the renderer). */
export type ProfileChartSpecs = {
  /** Cost per request against batch size, the cheapest k marked. */
  cost: PlotSpec;
  /** p95 Duration of the batch against batch size. */
  duration: PlotSpec;
};

/** A colour per memory: {@linkcode MEMORY_COLORS} up to six, viridis shades (0.1..0.85) beyond. */
function _memoryRange(count: number): string[] {
  if (count <= MEMORY_COLORS.length) return MEMORY_COLORS.slice(0, count);
  const viridis = Plot.scale({
    color: { type: "linear", scheme: SEQUENTIAL_SCHEME, domain: [0, 1] },
  });
  return Array.from({ length: count }, (_, i) => viridis.apply(0.1 + (0.75 * i) / (count - 1)));
}

/** Integer ticks from `lo` to `hi`: every 1, 2, 4, 5, 10, ... requests, at most 12, and `lo`. */
function _batchTicks(lo: number, hi: number): number[] {
  const every = [1, 2, 4, 5, 10, 20, 25, 50, 100, 200, 250, 500].find((s) => (hi - lo) / s <= 12) ??
    1000;
  const ticks = [lo];
  for (let k = Math.ceil((lo + 1) / every) * every; k <= hi; k += every) ticks.push(k);
  return ticks;
}

/**
 * What a profile sweep (`deno task profile`) is about: cost per request and
 * p95 Duration of the batch against the batch size k, one line per memory,
 * the cheapest k of each memory ringed and the overall cheapest labelled.
 *
 * @param rows Rows with `memory_mb`, `batch_size`, `cost_per_request_usd` and
 *   `p95_duration_sec`, one per cell of the sweep.
 * @param options Size (of each panel) and title (on the cost chart).
 * @returns `{cost, duration}`: x "batch size k (requests) →" with integer ticks;
 *   y "↑ cost per request (µUSD)" and "↑ p95 Duration of the batch (s)"; the
 *   memories coloured with an explicit domain and range, with a legend only
 *   when there are several.
 * @throws {TypeError} If a row lacks a column or has the wrong type.
 * @throws {RangeError} If a batch size is not a positive integer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { profileChart } from "./chart_specs.ts";
 *
 * const { cost, duration } = profileChart([
 *   { memory_mb: 3008, batch_size: 1, cost_per_request_usd: 2.2e-6, p95_duration_sec: 0.04 },
 *   { memory_mb: 3008, batch_size: 2, cost_per_request_usd: 1.9e-6, p95_duration_sec: 0.08 },
 * ]);
 * assert.equal(cost.x?.label, "batch size k (requests) →");
 * assert.equal(duration.y?.label, "↑ p95 Duration of the batch (s)");
 * ```
 */
export function profileChart(
  rows: readonly ProfileChartRow[],
  options: ChartSizeOptions = {},
): ProfileChartSpecs {
  const builder = "profileChart";
  _checkRows(builder, rows, {
    memory_mb: "number",
    batch_size: "number",
    cost_per_request_usd: "number",
    p95_duration_sec: "number",
  });
  const { width, height } = _checkSize(builder, options);
  rows.forEach((r, i) => {
    if (!(Number.isInteger(r.batch_size) && r.batch_size > 0)) {
      throw new RangeError(
        `Cannot build ${builder} as rows[${i}].batch_size must be a positive integer: current value is ${r.batch_size}`,
      );
    }
  });
  const memories = _categories(rows, (r) => r.memory_mb) as number[];
  const sorted = [...rows].sort((a, b) => a.memory_mb - b.memory_mb || a.batch_size - b.batch_size);
  const cheapest = memories.map((m) =>
    sorted.filter((r) => r.memory_mb === m).reduce((a, b) =>
      b.cost_per_request_usd < a.cost_per_request_usd ? b : a
    )
  );
  const best = cheapest.length > 0
    ? cheapest.reduce((a, b) => (b.cost_per_request_usd < a.cost_per_request_usd ? b : a))
    : undefined;
  const ks = sorted.map((r) => r.batch_size);
  const lo = ks.length > 0 ? Math.min(...ks) : 1;
  const hi = ks.length > 0 ? Math.max(...ks) : 1;
  const x = {
    label: "batch size k (requests) →",
    labelArrow: "none" as const,
    domain: lo < hi ? [lo, hi] : [lo - 1, hi + 1],
    ticks: _batchTicks(lo, hi),
    tickFormat: (k: number) => String(k),
    grid: true,
  };
  const color = (legend: boolean): Plot.ScaleOptions => ({
    type: "ordinal",
    domain: memories,
    range: _memoryRange(memories.length),
    legend: legend && memories.length > 1,
    label: "memory",
    tickFormat: (m: number) => `${_num(m)} MB`,
  });
  // z set explicitly: one series per memory, whatever the number of points.
  const lines = (y: keyof ProfileChartRow): Plot.Markish[] => [
    Plot.line(sorted, {
      x: "batch_size",
      y,
      z: "memory_mb",
      stroke: "memory_mb",
      strokeWidth: 1.5,
    }),
    Plot.dot(sorted, { x: "batch_size", y, fill: "memory_mb", r: 2.5 }),
    Plot.dot(cheapest, { x: "batch_size", y, stroke: "memory_mb", r: 6, strokeWidth: 1.5 }),
  ];
  const costMarks = lines("cost_per_request_usd");
  const durationMarks = lines("p95_duration_sec");
  let subtitle: string | undefined;
  if (best !== undefined) {
    const where = memories.length > 1 ? ` at ${_num(best.memory_mb)} MB` : "";
    const first = sorted.find((r) => r.memory_mb === best.memory_mb)!;
    const saving = 100 * (1 - best.cost_per_request_usd / first.cost_per_request_usd);
    subtitle = `cheapest: k = ${best.batch_size}${where}, ` +
      `${Number((best.cost_per_request_usd * 1e6).toPrecision(4))} µUSD per request` +
      (first.batch_size < best.batch_size
        ? ` (${Number(saving.toPrecision(3))} % below k = ${first.batch_size}${where})`
        : "");
    const rule = Plot.ruleX([best.batch_size], { strokeDasharray: "4,3", strokeOpacity: 0.5 });
    const atRight = best.batch_size > (lo + hi) / 2;
    costMarks.unshift(rule);
    durationMarks.unshift(rule);
    costMarks.push(
      Plot.text([best], {
        x: "batch_size",
        frameAnchor: "top",
        textAnchor: atRight ? "end" : "start",
        dx: atRight ? -4 : 4,
        dy: 2,
        text: () => `cheapest k = ${best.batch_size}`,
      }),
    );
  }
  const cost: PlotSpec = {
    width,
    height,
    ...(options.title === undefined ? {} : { title: options.title }),
    ...(subtitle === undefined ? {} : { subtitle }),
    marginLeft: 50,
    x,
    y: {
      label: "↑ cost per request (µUSD)",
      labelArrow: "none",
      grid: true,
      // Batching moves the cost by a few %: a zero baseline would flatten the minimum.
      zero: false,
      nice: true,
      // Room for the rings at the ends of the axis.
      inset: 8,
      tickFormat: formatMicroUsd,
    },
    color: color(true),
    marks: costMarks,
  };
  const duration: PlotSpec = {
    width,
    height,
    marginLeft: 50,
    x,
    y: { label: "↑ p95 Duration of the batch (s)", labelArrow: "none", grid: true, zero: true },
    color: color(false),
    marks: durationMarks,
  };
  return { cost, duration };
}

// ---------------------------------------------------------------------------
// 4. Feasible region heatmap

/** Options of {@linkcode feasibleRegionChart}. */
export interface FeasibleRegionChartOptions extends ChartSizeOptions {
  /** The chosen configuration, marked with a star and a label. @default {undefined} */
  optimum?: { memory_mb: number; timeout_sec: number } | null;
}

/** Cell edges of a grid axis: midpoints between neighbours, half a step beyond the ends. */
function _cellEdges(values: readonly number[]): Map<number, readonly [number, number]> {
  const v = [...new Set(values)].sort((a, b) => a - b);
  const edges = new Map<number, readonly [number, number]>();
  if (v.length === 1) {
    const half = v[0] === 0 ? 0.5 : Math.abs(v[0]) * 0.05;
    edges.set(v[0], [v[0] - half, v[0] + half]);
    return edges;
  }
  v.forEach((value, i) => {
    const lo = i === 0 ? value - (v[1] - value) / 2 : (v[i - 1] + value) / 2;
    const hi = i === v.length - 1 ? value + (value - v[i - 1]) / 2 : (value + v[i + 1]) / 2;
    edges.set(value, [lo, hi]);
  });
  return edges;
}

/** A heatmap cell of {@linkcode feasibleRegionChart}: a row plus its edges and grid indices. */
interface _Cell extends FeasibleRegionRow {
  memory_lo_mb: number;
  memory_hi_mb: number;
  timeout_lo_sec: number;
  timeout_hi_sec: number;
  i: number;
  j: number;
}

const _HEAT_MARGINS = { marginTop: 24, marginRight: 20, marginBottom: 40, marginLeft: 56 } as const;

/**
 * Cost per request over the (memory, timeout) grid: feasible cells coloured by
 * cost, infeasible cells greyed and hatched, the optimum starred and labelled.
 *
 * @param rows Rows with `memory_mb`, `timeout_sec`, `latency_sec`,
 *   `cost_per_request_usd` and `feasible`, one per grid cell.
 * @param options The optimum, size and title.
 * @returns A Plot spec: x "memory (MB) →", y "↑ timeout (s)", colour
 *   "cost per request (µUSD)".
 * @throws {TypeError} If a row lacks a column or has the wrong type.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { feasibleRegionChart } from "./chart_specs.ts";
 *
 * const spec = feasibleRegionChart([
 *   { memory_mb: 1280, timeout_sec: 0.1, latency_sec: 1, cost_per_request_usd: 2e-5, feasible: true },
 *   { memory_mb: 1344, timeout_sec: 0.1, latency_sec: 6, cost_per_request_usd: 1e-5, feasible: false },
 * ], { optimum: { memory_mb: 1280, timeout_sec: 0.1 } });
 * assert.equal(spec.y?.label, "↑ timeout (s)");
 * ```
 */
export function feasibleRegionChart(
  rows: readonly FeasibleRegionRow[],
  options: FeasibleRegionChartOptions = {},
): PlotSpec {
  const builder = "feasibleRegionChart";
  _checkRows(builder, rows, {
    memory_mb: "number",
    timeout_sec: "number",
    latency_sec: "number",
    cost_per_request_usd: "number",
    feasible: "boolean",
  });
  const { width, height } = _checkSize(builder, options);
  const { optimum, title } = options;
  if (optimum != null) {
    for (const name of ["memory_mb", "timeout_sec"] as const) {
      if (!Number.isFinite(optimum[name])) {
        throw new TypeError(
          `Cannot build ${builder} as 'optimum.${name}' must be a finite number: current value is ${
            _describe(optimum[name])
          }`,
        );
      }
    }
  }
  const memoryEdges = _cellEdges(rows.map((r) => r.memory_mb));
  const timeoutEdges = _cellEdges(rows.map((r) => r.timeout_sec));
  const memoryIndex = new Map([...memoryEdges.keys()].map((m, i) => [m, i]));
  const timeoutIndex = new Map([...timeoutEdges.keys()].map((t, j) => [t, j]));
  const cells: _Cell[] = rows.map((r) => {
    const [memory_lo_mb, memory_hi_mb] = memoryEdges.get(r.memory_mb)!;
    const [timeout_lo_sec, timeout_hi_sec] = timeoutEdges.get(r.timeout_sec)!;
    const i = memoryIndex.get(r.memory_mb)!;
    const j = timeoutIndex.get(r.timeout_sec)!;
    return { ...r, memory_lo_mb, memory_hi_mb, timeout_lo_sec, timeout_hi_sec, i, j };
  });
  const feasible = cells.filter((c) => c.feasible);
  const infeasible = cells.filter((c) => !c.feasible);

  // Hatching without an SVG pattern (no ids to collide): one diagonal per cell,
  // kept on every k-th diagonal so that lines run on across cells about 6 px apart.
  const plotWidth = width - _HEAT_MARGINS.marginLeft - _HEAT_MARGINS.marginRight;
  const plotHeight = height - _HEAT_MARGINS.marginTop - _HEAT_MARGINS.marginBottom;
  const cellWidth = plotWidth / Math.max(1, memoryEdges.size);
  const cellHeight = plotHeight / Math.max(1, timeoutEdges.size);
  const spacing = (cellWidth * cellHeight) / Math.hypot(cellWidth, cellHeight);
  const every = Math.max(1, Math.round(6 / spacing));
  const hatched = infeasible.filter((c) => (((c.i - c.j) % every) + every) % every === 0);

  const xValues = [...memoryEdges.values()];
  const yValues = [...timeoutEdges.values()];
  const xDomain = xValues.length > 0 ? [xValues[0][0], xValues[xValues.length - 1][1]] : [0, 1];
  const yDomain = yValues.length > 0 ? [yValues[0][0], yValues[yValues.length - 1][1]] : [0, 1];

  const marks: Plot.Markish[] = [
    Plot.rect(feasible, {
      x1: "memory_lo_mb",
      x2: "memory_hi_mb",
      y1: "timeout_lo_sec",
      y2: "timeout_hi_sec",
      fill: "cost_per_request_usd",
      inset: 0,
      // No anti-aliased seams between neighbouring cells.
      shapeRendering: "crispEdges",
    }),
    Plot.rect(infeasible, {
      x1: "memory_lo_mb",
      x2: "memory_hi_mb",
      y1: "timeout_lo_sec",
      y2: "timeout_hi_sec",
      fill: "currentColor",
      fillOpacity: 0.12,
      inset: 0,
      shapeRendering: "crispEdges",
    }),
    Plot.link(hatched, {
      x1: "memory_lo_mb",
      x2: "memory_hi_mb",
      y1: "timeout_lo_sec",
      y2: "timeout_hi_sec",
      stroke: "currentColor",
      strokeOpacity: 0.45,
      strokeWidth: 0.75,
    }),
    Plot.frame({ strokeOpacity: 0.4 }),
  ];
  if (optimum != null) {
    const right = optimum.memory_mb > (xDomain[0] + xDomain[1]) / 2;
    const top = optimum.timeout_sec > (yDomain[0] + yDomain[1]) / 2;
    const label = `optimum: ${_num(optimum.memory_mb)} MB, ${_num(optimum.timeout_sec)} s`;
    marks.push(
      Plot.dot([optimum], {
        x: "memory_mb",
        y: "timeout_sec",
        symbol: "star",
        r: 9,
        fill: "#ff725c",
        stroke: "white",
        strokeWidth: 1.5,
      }),
      // White text on a black halo reads on every cell colour and on both themes.
      Plot.text([optimum], {
        x: "memory_mb",
        y: "timeout_sec",
        text: () => label,
        textAnchor: right ? "end" : "start",
        dx: right ? -12 : 12,
        dy: top ? 12 : -12,
        fill: "white",
        stroke: "black",
        strokeWidth: 3,
        paintOrder: "stroke",
        fontWeight: "bold",
      }),
    );
  }
  return {
    width,
    height,
    ...(title === undefined ? {} : { title }),
    ..._HEAT_MARGINS,
    x: { label: "memory (MB) →", labelArrow: "none", domain: xDomain },
    y: { label: "↑ timeout (s)", labelArrow: "none", domain: yDomain },
    color: {
      type: "linear",
      scheme: SEQUENTIAL_SCHEME,
      legend: true,
      label: "cost per request (µUSD) — grey hatched: SLO not met",
      tickFormat: formatMicroUsd,
    },
    marks,
  };
}

// ---------------------------------------------------------------------------
// 5. Hourly arrival rate and chosen configuration

/** Options of {@linkcode hourlyConfigChart}. */
export interface HourlyConfigChartOptions extends ChartSizeOptions {
  /** Height of each of the four panels in pixels (overrides `height`). @default {150} */
  panelHeight?: number;
}

/**
 * The hourly arrival rate of a trace and the configuration (M, B, T) chosen
 * for each hour: four small charts stacked on the same hour axis.
 *
 * @param rows Rows with `hour`, `rate_per_sec`, `memory_mb`, `max_batch` and `timeout_sec`.
 * @param options Size (of each panel) and title (on the first panel).
 * @returns Four specs, top to bottom: arrival rate (requests/s), memory M (MB),
 *   max batch B (requests), timeout T (s); the last has the x label "hour of day (h) →".
 * @throws {TypeError} If a row lacks a column or has the wrong type.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hourlyConfigChart } from "./chart_specs.ts";
 *
 * const specs = hourlyConfigChart([
 *   { hour: 1, rate_per_sec: 40, memory_mb: 2048, max_batch: 10, timeout_sec: 0.1 },
 *   { hour: 2, rate_per_sec: 60, memory_mb: 1920, max_batch: 12, timeout_sec: 0.08 },
 * ]);
 * assert.equal(specs.length, 4);
 * ```
 */
export function hourlyConfigChart(
  rows: readonly HourlyConfigRow[],
  options: HourlyConfigChartOptions = {},
): PlotSpec[] {
  const builder = "hourlyConfigChart";
  _checkRows(builder, rows, {
    hour: "number",
    rate_per_sec: "number",
    memory_mb: "number",
    max_batch: "number",
    timeout_sec: "number",
  });
  const { width } = _checkSize(builder, options);
  const panelHeight = options.panelHeight ?? 150;
  _checkPositive(builder, "panelHeight", panelHeight);
  const sorted = [...rows].sort((a, b) => a.hour - b.hour);
  const hours = _categories(sorted, (r) => r.hour) as number[];
  const lo = hours.length > 0 ? hours[0] : 1;
  const hi = hours.length > 0 ? hours[hours.length - 1] : 24;
  const tickStep = hi - lo + 1 > 24 ? Math.ceil((hi - lo + 1) / 24) : 1;
  const ticks = hours.filter((h) => Number.isInteger(h) && (h - lo) % tickStep === 0);
  const panels = [
    { y: "rate_per_sec", label: "↑ arrival rate (requests/s)", area: true, zero: true },
    // Lambda memory spans 128..10240 MB: a zero baseline would flatten the changes.
    { y: "memory_mb", label: "↑ memory M (MB)", area: false, zero: false },
    { y: "max_batch", label: "↑ max batch B (requests)", area: false, zero: true },
    { y: "timeout_sec", label: "↑ timeout T (s)", area: false, zero: true },
  ] as const;
  return panels.map((panel, k): PlotSpec => {
    const last = k === panels.length - 1;
    const color = _SINGLE_COLORS[k];
    const marks: Plot.Markish[] = [];
    if (panel.area) {
      marks.push(
        Plot.areaY(sorted, {
          x: "hour",
          y: panel.y,
          curve: "step",
          fill: color,
          fillOpacity: 0.25,
        }),
      );
    }
    marks.push(
      Plot.line(sorted, { x: "hour", y: panel.y, curve: "step", stroke: color, strokeWidth: 1.5 }),
      Plot.dot(sorted, { x: "hour", y: panel.y, fill: color, r: 2.5 }),
    );
    if (panel.area) marks.push(Plot.ruleY([0]));
    return {
      width,
      height: panelHeight,
      ...(k === 0 && options.title !== undefined ? { title: options.title } : {}),
      marginLeft: 56,
      marginTop: 22,
      marginBottom: last ? 34 : 22,
      x: {
        domain: [lo - 0.5, hi + 0.5],
        ticks,
        tickFormat: (h: number) => _num(h),
        label: last ? "hour of day (h) →" : null,
        labelArrow: "none",
      },
      y: {
        label: panel.label,
        labelArrow: "none",
        grid: true,
        zero: panel.zero,
        nice: true,
        ticks: 4,
      },
      marks,
    };
  });
}

// ---------------------------------------------------------------------------
// 6. Policy comparison

/** Options of {@linkcode policyComparisonChart}. */
export interface PolicyComparisonChartOptions extends ChartSizeOptions {
  /** Percentile the `p95_over_slo` column refers to, for the axis label. @default {0.95} */
  percentile?: number;
}

/** The two specs of {@linkcode policyComparisonChart} (a `Record<string, PlotSpec>`). */
export type PolicyComparisonSpecs = {
  /** Cost per request by hour, one line per policy. */
  cost: PlotSpec;
  /** Latency percentile over the SLO by hour, one line per policy, with a rule at 1. */
  latency: PlotSpec;
};

/**
 * Hour by hour cost per request and latency percentile over the SLO of
 * several policies (BATCH, no batching, fixed configurations...).
 *
 * @param rows Rows with `policy`, `hour`, `cost_per_request_usd` and `p95_over_slo`.
 * @param options Percentile, size and title (on the cost chart).
 * @returns `{cost, latency}`: x "hour of day (h) →"; y "↑ cost per request (µUSD)"
 *   and "↑ p95 latency / SLO (ratio)" with a rule at 1.
 * @throws {TypeError} If a row lacks a column or has the wrong type.
 * @throws {RangeError} If `percentile` is not in (0, 1).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { policyComparisonChart } from "./chart_specs.ts";
 *
 * const { latency } = policyComparisonChart([
 *   { policy: "BATCH", hour: 1, cost_per_request_usd: 2e-5, p95_over_slo: 0.9 },
 *   { policy: "no batching", hour: 1, cost_per_request_usd: 5e-5, p95_over_slo: 0.4 },
 * ]);
 * assert.equal(latency.y?.label, "↑ p95 latency / SLO (ratio)");
 * ```
 */
export function policyComparisonChart(
  rows: readonly PolicyComparisonRow[],
  options: PolicyComparisonChartOptions = {},
): PolicyComparisonSpecs {
  const builder = "policyComparisonChart";
  _checkRows(builder, rows, {
    policy: "string",
    hour: "number",
    cost_per_request_usd: "number",
    p95_over_slo: "number",
  });
  const { width, height } = _checkSize(builder, options);
  const { percentile = 0.95, title } = options;
  if (!(percentile > 0 && percentile < 1)) {
    throw new RangeError(
      `Cannot build ${builder} as 'percentile' must be in (0, 1): current value is ${percentile}`,
    );
  }
  const policies = _categories(rows, (r) => r.policy);
  const sorted = [...rows].sort((a, b) => a.hour - b.hour);
  const hours = _categories(sorted, (r) => r.hour) as number[];
  const lo = hours.length > 0 ? hours[0] : 1;
  const hi = hours.length > 0 ? hours[hours.length - 1] : 24;
  const tickStep = hi - lo + 1 > 24 ? Math.ceil((hi - lo + 1) / 24) : 1;
  const x = {
    domain: [lo - 0.5, hi + 0.5],
    ticks: hours.filter((h) => Number.isInteger(h) && (h - lo) % tickStep === 0),
    tickFormat: (h: number) => _num(h),
    label: "hour of day (h) →",
    labelArrow: "none" as const,
  };
  const color = _categoricalColor(policies, undefined);
  const lines = (y: string) => [
    Plot.line(sorted, { x: "hour", y, stroke: "policy", strokeWidth: 1.5 }),
    Plot.dot(sorted, { x: "hour", y, fill: "policy", r: 2.5 }),
  ];
  const cost: PlotSpec = {
    width,
    height,
    ...(title === undefined ? {} : { title }),
    x,
    y: {
      label: "↑ cost per request (µUSD)",
      labelArrow: "none",
      grid: true,
      zero: true,
      tickFormat: formatMicroUsd,
    },
    color,
    marks: lines("cost_per_request_usd"),
  };
  const latency: PlotSpec = {
    width,
    height,
    x,
    y: {
      label: `↑ ${percentileLabel(percentile)} latency / SLO (ratio)`,
      labelArrow: "none",
      grid: true,
      zero: true,
    },
    color,
    marks: [
      Plot.ruleY([1], { strokeDasharray: "6,3", strokeWidth: 1.5 }),
      Plot.text([1], {
        y: (d: number) => d,
        frameAnchor: "right",
        textAnchor: "end",
        dy: -7,
        text: () => "SLO",
      }),
      ...lines("p95_over_slo"),
    ],
  };
  return { cost, latency };
}

// ---------------------------------------------------------------------------
// 7. Lines of any two columns

/** Options of {@linkcode seriesLineChart}. */
export interface SeriesLineChartOptions extends ChartSizeOptions {
  /** Column on the x axis. */
  x: string;
  /** Column on the y axis. */
  y: string;
  /** Axis labels, with units, e.g. "batch size (requests)" and "service time (s)". */
  xLabel: string;
  yLabel: string;
  /** What the `series` column is, for the legend. @default {"series"} */
  seriesLabel?: string;
  /** Include 0 on the y axis. @default {true} */
  zero?: boolean;
  /** A horizontal rule (e.g. an SLO) with its label. */
  rule?: { y: number; label: string };
  /** Draw as steps (hourly values) rather than straight segments. @default {false} */
  step?: boolean;
}

/**
 * One line per series of any two numeric columns (paper Figs. 1 and 4: rates
 * per hour, service time, throughput and cost against batch size or timeout).
 *
 * @param rows Rows with the `x` and `y` columns and `series`.
 * @param options The columns, their labels with units, and the rule.
 * @returns The spec: lines and dots coloured by series, a legend when there are several.
 * @throws {TypeError} If a row lacks a column or has the wrong type.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { seriesLineChart } from "./chart_specs.ts";
 *
 * const spec = seriesLineChart([
 *   { batch_size: 1, service_sec: 1.5, series: "3008 MB" },
 *   { batch_size: 10, service_sec: 6.5, series: "3008 MB" },
 * ], { x: "batch_size", y: "service_sec", xLabel: "batch size (requests)", yLabel: "service time (s)" });
 * assert.equal(spec.y?.label, "↑ service time (s)");
 * ```
 */
export function seriesLineChart(
  rows: readonly object[],
  options: SeriesLineChartOptions,
): PlotSpec {
  const builder = "seriesLineChart";
  _checkRows(builder, rows, { [options.x]: "number", [options.y]: "number", series: "category" });
  const { width, height } = _checkSize(builder, options);
  const { x, y, seriesLabel = "series", zero = true, rule, step = false, title } = options;
  const records = rows as readonly Record<string, unknown>[];
  const series = _categories(records, (r) => r.series as string | number);
  const sorted = [...records].sort((a, b) => (a[x] as number) - (b[x] as number));
  const marks: Plot.Markish[] = [
    Plot.line(sorted, {
      x,
      y,
      stroke: "series",
      strokeWidth: 1.5,
      ...(step ? { curve: "step" as const } : {}),
    }),
    Plot.dot(sorted, { x, y, stroke: "series", r: 2 }),
  ];
  if (rule !== undefined) {
    marks.push(
      Plot.ruleY([rule.y], { strokeDasharray: "6,3", strokeWidth: 1.5 }),
      Plot.text([rule.y], {
        y: (d: number) => d,
        frameAnchor: "right",
        textAnchor: "end",
        dy: -7,
        text: () => rule.label,
      }),
    );
  }
  return {
    width,
    height,
    ...(title === undefined ? {} : { title }),
    x: { label: `${options.xLabel} →`, labelArrow: "none", grid: true },
    y: { label: `↑ ${options.yLabel}`, labelArrow: "none", grid: true, zero },
    color: series.length > 1
      ? _categoricalColor(series, seriesLabel)
      : { type: "categorical", scheme: CATEGORICAL_SCHEME },
    marks,
  };
}

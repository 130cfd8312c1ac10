/**
 * Summaries of a run's frames (as {@linkcode requestsFrame} and
 * {@linkcode batchesFrame} read them), computed by polars expressions so that
 * a million rows take milliseconds: latency percentiles, the empirical latency
 * CDF, the batch-size histogram, dispatch reasons, cost per request under a
 * chosen pricing, cold-start and failure shares, and all of them at once in
 * {@linkcode summarizeRun}.
 *
 * Percentiles are those of the empirical distribution (type 1 of Hyndman and
 * Fan, "Sample quantiles in statistical packages", The American Statistician
 * 50, 1996): the smallest sample `x` with `F_n(x) >= p`, the same definition
 * as the model's percentiles and `deno task validate`'s. Latencies are those of
 * the requests with status `ok` unless asked otherwise; null latencies are left
 * out. A NaN latency (only in a frame built by hand: the loaders turn missing
 * values into nulls) sorts above every number, as polars sorts.
 *
 * @module
 */

import pl from "nodejs-polars";
import { invocationCostUsd, type Pricing, type PricingName } from "../profile/pricing.ts";
import type { DispatchReason } from "../sim/batching_policy.ts";
import type { DataFrame } from "./polars_frames.ts";

/** The `source` of measured frames, beside the model's (see `modelSourceName`). */
export const MEASURED_SOURCE = "measured";

/** The percentiles reported when none are asked for: p50, p95, p99. */
export const DEFAULT_PERCENTILES: readonly number[] = [0.5, 0.95, 0.99];

/** Which latencies count. */
export interface LatencySelection {
  /**
   * Only requests with `status` `ok`. Needs a `status` column.
   * @default {true when the frame has a `status` column (buffer.py's request logs have none)}
   */
  okOnly?: boolean;
}

/** One latency percentile. */
export interface LatencyPercentile {
  /** The level, in (0, 1]. */
  percentile: number;
  /** The latency, seconds; NaN when there is no latency to take it from. */
  latencySec: number;
}

/** Options of {@linkcode latencyPercentiles}. */
export interface LatencyPercentilesOptions extends LatencySelection {
  /** Levels in (0, 1]. @default {DEFAULT_PERCENTILES} */
  percentiles?: readonly number[];
}

/** Options of {@linkcode latencyCdfFrame}. */
export interface LatencyCdfOptions extends LatencySelection {
  /**
   * Keep at most this many points: the samples at the levels `j / points`,
   * `j = 1 .. points` (each with its exact `F_n`). @default {every distinct latency}
   */
  points?: number;
  /** Add a Utf8 column `source` with this value (e.g. {@linkcode MEASURED_SOURCE}). */
  source?: string;
}

/** Options of {@linkcode batchSizeHistogramFrame}. */
export interface BatchSizeHistogramOptions {
  /** List every size from 1 to at least this one, with 0 batches where none were seen. */
  maxBatch?: number;
  /** Add a Utf8 column `source` with this value (e.g. {@linkcode MEASURED_SOURCE}). */
  source?: string;
}

/** Options of the cost figures. */
export interface CostOptions {
  /** The pricing to bill the batches under. */
  pricing: Pricing;
  /** Memory for the batches whose `memory_size_mb` is null, MB. */
  memoryMb?: number;
}

/** Options of {@linkcode summarizeRun}. */
export interface SummarizeRunOptions extends CostOptions, LatencySelection {}

/** Figures of a run, from {@linkcode summarizeRun}. */
export interface RunSummary {
  /** Rows of the requests frame. */
  requests: number;
  /** Requests with status `ok`. */
  okRequests: number;
  /** Rows of the batches frame. */
  batches: number;
  /** Median latency of the selected requests (type 1), seconds; NaN if none. */
  latencyP50Sec: number;
  /** 95th percentile latency (type 1), seconds; NaN if none. */
  latencyP95Sec: number;
  /** 99th percentile latency (type 1), seconds; NaN if none. */
  latencyP99Sec: number;
  /** Mean latency, seconds; NaN if none. */
  latencyMeanSec: number;
  /** Largest latency, seconds; NaN if none. */
  latencyMaxSec: number;
  /** Mean requests per batch. */
  meanBatchSize: number;
  /** Batches by why they were dispatched. */
  dispatchReasons: Record<DispatchReason, number>;
  /** Cost of all batches under `pricing`, USD. */
  totalCostUsd: number;
  /** `totalCostUsd` over the requests in the batches, USD. */
  costPerRequestUsd: number;
  /** Name of the pricing of the costs. */
  pricing: PricingName;
  /** Share of batches with `init_duration_ms > 0`. */
  coldStartShare: number;
  /** Share of requests with status `failed`. */
  failedRequestShare: number;
  /** Share of batches with status `failed`. */
  failedBatchShare: number;
  /** From the first arrival to the last completion, seconds. */
  spanSec: number;
}

const _REASONS: readonly DispatchReason[] = ["size", "timeout", "shutdown"];

function _requireColumns(frame: DataFrame, columns: readonly string[], what: string): void {
  const found = frame.columns;
  for (const c of columns) {
    if (!found.includes(c)) {
      throw new TypeError(
        `Cannot compute ${what} as the frame has no '${c}' column: found columns ` +
          (found.length > 0 ? found.join(", ") : "none"),
      );
    }
  }
}

function _checkPercentile(p: number): void {
  if (!(p > 0 && p <= 1)) {
    throw new RangeError(
      `Cannot compute the latency percentile as 'percentile' must be within (0, 1]: ` +
        `current value is ${p}`,
    );
  }
}

function _number(x: unknown): number {
  return typeof x === "number" ? x : typeof x === "bigint" ? Number(x) : NaN;
}

/** The selected latencies, nulls dropped. */
function _latencies(okOnly: boolean): pl.Expr {
  const lat = pl.col("latency_sec");
  return (okOnly ? lat.filter(pl.col("status").eq(pl.lit("ok"))) : lat).dropNulls();
}

function _okOnly(frame: DataFrame, options: LatencySelection, what: string): boolean {
  const okOnly = options.okOnly ?? frame.columns.includes("status");
  _requireColumns(frame, okOnly ? ["latency_sec", "status"] : ["latency_sec"], what);
  return okOnly;
}

/** `p` as a column-name fragment: 0.95 is `95`, 0.999 is `99_9`. */
function _percentLabel(p: number): string {
  return String(Number((p * 100).toPrecision(12))).replace(".", "_");
}

/**
 * A polars expression for one latency percentile (type 1: the smallest
 * latency `x` with `F_n(x) >= p`), named `latency_p95_sec` for 0.95
 * (`latency_p99_9_sec` for 0.999); null when there is no latency. As an
 * aggregation it works per group too (`frame.groupBy("hour").agg(...)`).
 *
 * `p n` is rounded to 12 significant digits before it is rounded up, so that
 * 0.07 of 100 samples is the 7th (0.07 * 100 is 7.000000000000001 in floating
 * point).
 *
 * @param percentile The level, in (0, 1].
 * @param options Whether only `ok` requests count (default true: the frame needs a `status` column).
 * @returns The expression, over the columns `latency_sec` (and `status`).
 * @throws {RangeError} If the percentile is outside (0, 1].
 *
 * @example Per-batch-size p95 latencies
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 *
 * const requests = pl.DataFrame({
 *   batch_size: [1, 1, 2, 2, 2],
 *   latency_sec: [0.5, 0.3, 0.9, 0.7, 0.8],
 * });
 * const p95 = requests.groupBy("batch_size")
 *   .agg(latencyPercentileExpr(0.95, { okOnly: false }))
 *   .sort("batch_size");
 * assert.deepEqual(p95.getColumn("latency_p95_sec").toArray(), [0.5, 0.9]);
 * ```
 */
export function latencyPercentileExpr(
  percentile: number,
  options: LatencySelection = {},
): pl.Expr {
  _checkPercentile(percentile);
  const lat = _latencies(options.okOnly ?? true);
  const index = lat.count().cast(pl.Float64).mul(percentile).mul(1 - 1e-12).ceil().sub(1)
    .clip(0, 2 ** 31).cast(pl.UInt32);
  // The appended null is what an empty selection's index 0 finds.
  return lat.sort().extendConstant(null, 1).gather(index).first()
    .alias(`latency_p${_percentLabel(percentile)}_sec`);
}

/**
 * Latency percentiles of a requests frame (type 1, see
 * {@linkcode latencyPercentileExpr}).
 *
 * @param requests A frame with `latency_sec` (and `status`, to keep the `ok` requests).
 * @param options Levels and which requests count.
 * @returns One entry per level, in the order given.
 * @throws {TypeError} If a needed column is missing.
 * @throws {RangeError} If a level is outside (0, 1].
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 *
 * const requests = pl.DataFrame({ latency_sec: [0.4, 0.1, 0.3, 0.2] });
 * assert.deepEqual(latencyPercentiles(requests, { percentiles: [0.5, 1] }), [
 *   { percentile: 0.5, latencySec: 0.2 },
 *   { percentile: 1, latencySec: 0.4 },
 * ]);
 * ```
 */
export function latencyPercentiles(
  requests: DataFrame,
  options: LatencyPercentilesOptions = {},
): LatencyPercentile[] {
  const { percentiles = DEFAULT_PERCENTILES } = options;
  percentiles.forEach(_checkPercentile);
  if (percentiles.length === 0) return [];
  const okOnly = _okOnly(requests, options, "the latency percentiles");
  const exprs = percentiles.map((p, i) => latencyPercentileExpr(p, { okOnly }).alias(`p${i}`));
  const row = requests.select(...exprs).toRecords()[0];
  return percentiles.map((percentile, i) => ({ percentile, latencySec: _number(row[`p${i}`]) }));
}

function _withSource(frame: DataFrame, source: string | undefined): DataFrame {
  return source === undefined ? frame : frame.withColumns(pl.lit(source).alias("source"));
}

/**
 * The empirical CDF of the latency: columns `latency_sec` Float64 (sorted,
 * distinct) and `cdf` Float64 (`F_n`, the share of the selected requests with
 * a latency at most `latency_sec`), and `source` Utf8 when asked for. With
 * `points`, only the samples at the levels `j / points` are kept: a staircase
 * that is exact where it has points, small enough to chart.
 *
 * @param requests A frame with `latency_sec` (and `status`).
 * @param options Points, which requests count, a source label.
 * @returns The CDF frame (no rows when there is no latency).
 * @throws {TypeError} If a needed column is missing.
 * @throws {RangeError} If `points` is not an integer >= 1.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 *
 * const cdf = latencyCdfFrame(pl.DataFrame({ latency_sec: [0.3, 0.1, 0.3, 0.2] }));
 * assert.deepEqual(cdf.toRecords(), [
 *   { latency_sec: 0.1, cdf: 0.25 },
 *   { latency_sec: 0.2, cdf: 0.5 },
 *   { latency_sec: 0.3, cdf: 1 },
 * ]);
 * ```
 */
export function latencyCdfFrame(requests: DataFrame, options: LatencyCdfOptions = {}): DataFrame {
  const { points, source } = options;
  if (points !== undefined && !(Number.isInteger(points) && points >= 1)) {
    throw new RangeError(
      `Cannot sample the latency CDF as 'points' must be an integer >= 1: current value is ${points}`,
    );
  }
  const okOnly = _okOnly(requests, options, "the latency CDF");
  const sorted = requests.select(_latencies(okOnly).sort().alias("latency_sec"));
  const n = sorted.height;
  // Divided by a column of n, not the literal n: polars multiplies by 1 / n for a
  // scalar divisor, which is 1 ulp off k / n for some k (and 49 * (1 / 49) < 1).
  let cdf = pl.DataFrame([
    sorted.getColumn("latency_sec"),
    pl.Series("n", new Float64Array(n).fill(n), pl.Float64),
  ]).select(
    pl.col("latency_sec"),
    pl.col("latency_sec").rank("max").cast(pl.Float64).div(pl.col("n")).alias("cdf"),
  );
  if (points !== undefined && points < n) {
    const index: number[] = [];
    for (let j = 1; j <= points; j++) {
      const i = Math.ceil((j * n) / points) - 1;
      if (i !== index[index.length - 1]) index.push(i);
    }
    cdf = cdf.select(pl.col("*").gather(index));
  }
  // Ties share their F_n: keep one row per latency.
  cdf = cdf.unique({ subset: "latency_sec", keep: "last", maintainOrder: true });
  return _withSource(cdf, source);
}

/**
 * Mean requests per batch.
 *
 * @param batches A frame with `size`.
 * @returns The mean, NaN for no batches.
 * @throws {TypeError} If `size` is missing.
 */
export function meanBatchSize(batches: DataFrame): number {
  _requireColumns(batches, ["size"], "the mean batch size");
  return _number(batches.select(pl.col("size").cast(pl.Float64).mean()).toRecords()[0]?.size);
}

/**
 * Batches of each size: columns `batch_size` Int32 (ascending), `batches`
 * Int64, `share` Float64 (of all batches with a size; NaN if there are
 * none), and `source` Utf8 when asked for. Sizes no batch had are left out,
 * unless `maxBatch` asks for every size from 1.
 *
 * @param batches A frame with `size`.
 * @param options `maxBatch` and a source label.
 * @returns The histogram frame.
 * @throws {TypeError} If `size` is missing.
 * @throws {RangeError} If `maxBatch` is not an integer >= 1.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 *
 * const histogram = batchSizeHistogramFrame(pl.DataFrame({ size: [3, 1, 3, 3] }), {
 *   maxBatch: 3,
 * });
 * assert.deepEqual(histogram.getColumn("batches").toArray(), [1, 0, 3]);
 * assert.deepEqual(histogram.getColumn("share").toArray(), [0.25, 0, 0.75]);
 * ```
 */
export function batchSizeHistogramFrame(
  batches: DataFrame,
  options: BatchSizeHistogramOptions = {},
): DataFrame {
  const { maxBatch, source } = options;
  if (maxBatch !== undefined && !(Number.isInteger(maxBatch) && maxBatch >= 1)) {
    throw new RangeError(
      `Cannot list the batch sizes as 'maxBatch' must be an integer >= 1: ` +
        `current value is ${maxBatch}`,
    );
  }
  _requireColumns(batches, ["size"], "the batch-size histogram");
  const counts = batches.select(pl.col("size").cast(pl.Int64).alias("size"))
    .filter(pl.col("size").isNotNull())
    .groupBy("size").agg(pl.len().alias("batches")).sort("size");
  const sizes = counts.getColumn("size").toArray() as number[];
  const numbers = (counts.getColumn("batches").toArray() as unknown[]).map(_number);
  const total = numbers.reduce((a, b) => a + b, 0);
  let outSizes = sizes, outCounts = numbers;
  if (maxBatch !== undefined) {
    const largest = Math.max(maxBatch, ...sizes);
    const smallest = Math.min(1, ...sizes);
    outSizes = [];
    outCounts = [];
    let i = 0;
    for (let k = smallest; k <= largest; k++) {
      outSizes.push(k);
      outCounts.push(sizes[i] === k ? numbers[i++] : 0);
    }
  }
  const frame = pl.DataFrame([
    pl.Series("batch_size", Int32Array.from(outSizes)),
    pl.Series("batches", Float64Array.from(outCounts)).cast(pl.Int64),
    pl.Series("share", Float64Array.from(outCounts, (c) => c / total), pl.Float64),
  ]);
  return _withSource(frame, source);
}

function _reasonExprs(): pl.Expr[] {
  return _REASONS.map((r) =>
    pl.col("dispatch_reason").eq(pl.lit(r)).cast(pl.Int64).sum().alias(`reason_${r}`)
  );
}

/**
 * Batches by why they were dispatched: full (`size`), `timeout`, or the end
 * of the run (`shutdown`).
 *
 * @param batches A frame with `dispatch_reason`.
 * @returns The counts, every reason present (0 when none).
 * @throws {TypeError} If `dispatch_reason` is missing.
 */
export function dispatchReasonCounts(batches: DataFrame): Record<DispatchReason, number> {
  _requireColumns(batches, ["dispatch_reason"], "the dispatch reasons");
  const row = batches.select(..._reasonExprs()).toRecords()[0] ?? {};
  return Object.fromEntries(_REASONS.map((r) => [r, _number(row[`reason_${r}`]) || 0])) as Record<
    DispatchReason,
    number
  >;
}

/**
 * Total cost of the batches under `pricing` and the requests they carried.
 * Batches are grouped by (billed ms, memory, ok) in polars, and each group
 * priced once with {@linkcode invocationCostUsd}.
 */
function _costTotals(
  batches: DataFrame,
  options: CostOptions,
): { totalCostUsd: number; requests: number } {
  const { pricing, memoryMb } = options;
  _requireColumns(
    batches,
    ["size", "billed_duration_ms", "duration_ms", "memory_size_mb"],
    "the cost",
  );
  if (memoryMb !== undefined && !(memoryMb > 0 && Number.isFinite(memoryMb))) {
    throw new RangeError(
      `Cannot price the batches as 'memoryMb' must be a positive finite number: ` +
        `current value is ${memoryMb}`,
    );
  }
  const ok = batches.columns.includes("status") ? pl.col("status").eq(pl.lit("ok")) : pl.lit(true);
  const groups = batches.select(
    pl.col("billed_duration_ms").cast(pl.Float64).fillNull(pl.col("duration_ms"))
      .fillNan(null).alias("ms"),
    pl.col("memory_size_mb").cast(pl.Float64).fillNan(null).alias("mb"),
    ok.alias("ok"),
  ).groupBy(["ms", "mb", "ok"]).agg(pl.len().alias("n")).sort(["ms", "mb", "ok"]);
  const ms = groups.getColumn("ms").toArray() as (number | null)[];
  const mb = groups.getColumn("mb").toArray() as (number | null)[];
  const oks = groups.getColumn("ok").toArray() as (boolean | null)[];
  const counts = (groups.getColumn("n").toArray() as unknown[]).map(_number);
  let total = 0;
  for (let i = 0; i < ms.length; i++) {
    const billedMs = ms[i];
    if (billedMs === null) {
      // No duration: the function was not run (no charge), or ran without a REPORT
      // (the invocation fee, as the buffer charges it).
      if (oks[i]) total += counts[i] * pricing.usdPerRequest;
      continue;
    }
    const memory = mb[i] ?? memoryMb;
    if (memory === undefined) {
      throw new RangeError(
        "Cannot price a batch with a null memory_size_mb: pass 'memoryMb' for such batches",
      );
    }
    total += counts[i] * invocationCostUsd(pricing, billedMs / 1000, memory);
  }
  const requests = _number(
    batches.select(pl.col("size").cast(pl.Float64).sum()).toRecords()[0]?.size,
  ) || 0;
  return { totalCostUsd: total, requests };
}

/**
 * Cost per request under a chosen pricing: the cost of every batch, from its
 * billed duration and memory through {@linkcode invocationCostUsd} (so the
 * billed duration is rounded up to the pricing's granularity: a run billed
 * per ms costs what it would have under `aws-2020`'s 100 ms), over the
 * requests in the batches. A batch without a billed duration is billed its
 * `duration_ms`; one without either costs nothing if it failed (the function
 * did not run) and the invocation fee if it is ok, as the buffer charges it.
 *
 * @param batches A frame with `size`, `billed_duration_ms`, `duration_ms`,
 * `memory_size_mb` (and `status`).
 * @param options The pricing, and the memory of batches without one.
 * @returns USD per request, NaN for no requests.
 * @throws {TypeError} If a needed column is missing.
 * @throws {RangeError} If a batch to bill has no memory and `memoryMb` is not given.
 */
export function costPerRequestUsd(batches: DataFrame, options: CostOptions): number {
  const { totalCostUsd, requests } = _costTotals(batches, options);
  return requests > 0 ? totalCostUsd / requests : NaN;
}

/**
 * Share of batches that started a new instance (`init_duration_ms > 0`; a
 * null init duration counts as warm).
 *
 * @param batches A frame with `init_duration_ms`.
 * @returns The share, NaN for no batches.
 * @throws {TypeError} If `init_duration_ms` is missing.
 */
export function coldStartShare(batches: DataFrame): number {
  _requireColumns(batches, ["init_duration_ms"], "the cold-start share");
  return _number(batches.select(_coldExpr()).toRecords()[0]?.cold);
}

function _coldExpr(): pl.Expr {
  return pl.col("init_duration_ms").gt(0).fillNull(false).cast(pl.Float64).mean().alias("cold");
}

function _failedExpr(): pl.Expr {
  return pl.col("status").eq(pl.lit("failed")).cast(pl.Float64).mean().alias("failed");
}

/**
 * Share of rows with status `failed`, of a requests or a batches frame.
 *
 * @param frame A frame with `status`.
 * @returns The share, NaN for no rows.
 * @throws {TypeError} If `status` is missing.
 */
export function failedShare(frame: DataFrame): number {
  _requireColumns(frame, ["status"], "the failed share");
  return _number(frame.select(_failedExpr()).toRecords()[0]?.failed);
}

/**
 * The figures of a run at once: counts, latency p50/p95/p99/mean/max, mean
 * batch size, dispatch reasons, cost under a chosen pricing, cold-start and
 * failure shares, span.
 *
 * @param requests The requests frame (`latency_sec`, `status`, `arrival_sec`, `completion_sec`).
 * @param batches The batches frame (`size`, `dispatch_reason`, `billed_duration_ms`,
 * `duration_ms`, `memory_size_mb`, `init_duration_ms`, `status`).
 * @param options The pricing (and the memory of batches without one), which requests count.
 * @returns The summary.
 * @throws {TypeError} If a needed column is missing.
 * @throws {RangeError} If a batch to bill has no memory and `memoryMb` is not given.
 */
export function summarizeRun(
  requests: DataFrame,
  batches: DataFrame,
  options: SummarizeRunOptions,
): RunSummary {
  const okOnly = _okOnly(requests, options, "the run summary");
  _requireColumns(requests, ["status", "arrival_sec", "completion_sec"], "the run summary");
  _requireColumns(
    batches,
    ["size", "dispatch_reason", "init_duration_ms", "status"],
    "the run summary",
  );
  const lat = _latencies(okOnly);
  const r = requests.select(
    pl.len().alias("requests"),
    pl.col("status").eq(pl.lit("ok")).cast(pl.Int64).sum().alias("ok"),
    ...DEFAULT_PERCENTILES.map((p, i) => latencyPercentileExpr(p, { okOnly }).alias(`p${i}`)),
    lat.mean().alias("mean"),
    lat.max().alias("max"),
    _failedExpr(),
    pl.col("arrival_sec").min().alias("first"),
    pl.col("completion_sec").max().alias("last"),
  ).toRecords()[0];
  const b = batches.select(
    pl.len().alias("batches"),
    pl.col("size").cast(pl.Float64).mean().alias("mean_size"),
    _coldExpr(),
    _failedExpr(),
    ..._reasonExprs(),
  ).toRecords()[0];
  const cost = _costTotals(batches, options);
  return {
    requests: _number(r.requests),
    okRequests: _number(r.ok) || 0,
    batches: _number(b.batches),
    latencyP50Sec: _number(r.p0),
    latencyP95Sec: _number(r.p1),
    latencyP99Sec: _number(r.p2),
    latencyMeanSec: _number(r.mean),
    latencyMaxSec: _number(r.max),
    meanBatchSize: _number(b.mean_size),
    dispatchReasons: Object.fromEntries(
      _REASONS.map((reason) => [reason, _number(b[`reason_${reason}`]) || 0]),
    ) as Record<DispatchReason, number>,
    totalCostUsd: cost.totalCostUsd,
    costPerRequestUsd: cost.requests > 0 ? cost.totalCostUsd / cost.requests : NaN,
    pricing: options.pricing.name,
    coldStartShare: _number(b.cold),
    failedRequestShare: _number(r.failed),
    failedBatchShare: _number(b.failed),
    spanSec: _number(r.last) - _number(r.first),
  };
}

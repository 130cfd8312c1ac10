import assert from "node:assert/strict";
import * as Plot from "@observablehq/plot";
import {
  batchSizeChart,
  CATEGORICAL_SCHEME,
  costLatencyVsMemoryChart,
  feasibleRegionChart,
  formatMicroUsd,
  hourlyConfigChart,
  latencyCdfChart,
  type LatencyCdfRow,
  MEMORY_COLORS,
  percentileLabel,
  type PlotSpec,
  policyComparisonChart,
  profileChart,
  seriesLineChart,
  SERVICE_MODEL_COLORS,
} from "../../lib/charts/chart_specs.ts";
import {
  batchRows,
  cdfRows,
  costLatencyRows,
  feasibleOptimum,
  feasibleRows,
  hourlyRows,
  policyRows,
  profileRows,
} from "./_chart_data.ts";

/** What the tests read of a Plot mark (its fields are public at run time, not in the types). */
interface MarkView {
  constructor: { name: string };
  data: unknown[] | null | undefined;
  channels: Record<string, { value: unknown }>;
  curve?: unknown;
  strokeDasharray?: string;
  fill?: string;
  symbol?: unknown;
  fx?: unknown;
}

function marksOf(spec: PlotSpec): MarkView[] {
  return ((spec.marks ?? []) as unknown[]).flat(Infinity) as MarkView[];
}

function marksNamed(spec: PlotSpec, name: string): MarkView[] {
  return marksOf(spec).filter((m) => m.constructor.name === name);
}

/**
 * The column a channel reads: its value when a field name, else the label a
 * transform (such as the stack of barY) keeps from the field it wraps.
 */
function columnOf(mark: MarkView, name: string): unknown {
  const value = mark.channels[name]?.value;
  return typeof value === "object" && value !== null ? (value as { label?: unknown }).label : value;
}

/** The value of a function channel for datum `d` (Plot calls it with (d, i, data)). */
function channelAt(mark: MarkView, name: string, d: unknown): unknown {
  const value = mark.channels[name]?.value;
  return typeof value === "function" ? value(d, 0, [d]) : value;
}

/** The text a text mark writes for its first datum. */
function textOf(mark: MarkView): unknown {
  return channelAt(mark, "text", mark.data?.[0]);
}

const STEP_AFTER = (Plot.line([], { curve: "step-after" }) as unknown as MarkView).curve;

// ---------------------------------------------------------------------------
// latencyCdfChart

Deno.test("latencyCdfChart() maps latency_sec, cdf and source, model as a line, measured as steps", () => {
  const rows = cdfRows();
  const spec = latencyCdfChart(rows, { sloSec: 1.5, percentile: 0.95 });
  const lines = marksNamed(spec, "Line");
  assert.equal(lines.length, 2);
  for (const line of lines) {
    assert.equal(line.channels.x.value, "latency_sec");
    assert.equal(line.channels.y.value, "cdf");
    assert.equal(line.channels.stroke.value, "source");
  }
  const [model, measured] = lines;
  assert.notEqual(model.curve, STEP_AFTER);
  assert.equal(measured.curve, STEP_AFTER);
  assert.ok(model.data!.every((r) => (r as LatencyCdfRow).source === "model (exact)"));
  assert.ok(measured.data!.every((r) => (r as LatencyCdfRow).source === "measured"));
  assert.equal(model.data!.length + measured.data!.length, rows.length);
});

Deno.test("latencyCdfChart() puts the CDF on [0, 1] and labels both axes with units", () => {
  const spec = latencyCdfChart(cdfRows());
  assert.deepEqual(spec.y?.domain, [0, 1]);
  assert.equal(spec.x?.label, "latency (s) →");
  assert.equal(spec.y?.label, "↑ P(latency ≤ x)");
  // The x domain starts at 0 and reaches the largest latency (2.5 s on the model grid).
  const maxLatency = Math.max(...cdfRows().map((r) => r.latency_sec));
  assert.deepEqual(spec.x?.domain, [0, maxLatency]);
  assert.equal(spec.color?.legend, true);
  assert.equal(spec.color?.scheme, CATEGORICAL_SCHEME);
  assert.deepEqual(spec.color?.domain, ["model (exact)", "measured"]);
  assert.equal(spec.width, 640);
  assert.equal(spec.height, 400);
});

Deno.test("latencyCdfChart() draws the SLO as a labelled vertical rule at sloSec", () => {
  const spec = latencyCdfChart(cdfRows(), { sloSec: 1.5 });
  const [rule] = marksNamed(spec, "RuleX");
  assert.deepEqual(rule.data, [1.5]);
  assert.ok(rule.strokeDasharray !== undefined);
  const labels = marksNamed(spec, "Text").map(textOf);
  assert.deepEqual(labels, ["SLO 1.5 s"]);
  // An SLO beyond every latency widens the x domain to show the rule.
  assert.deepEqual(latencyCdfChart(cdfRows(), { sloSec: 4 }).x?.domain, [0, 4]);
});

Deno.test("latencyCdfChart() draws the percentile as a labelled horizontal rule", () => {
  const spec = latencyCdfChart(cdfRows(), { percentile: 0.95 });
  const rules = marksNamed(spec, "RuleY");
  // The first rule marks 0 and 1, the frame of a CDF.
  assert.deepEqual(rules.map((r) => r.data), [[0, 1], [0.95]]);
  assert.deepEqual(marksNamed(spec, "Text").map(textOf), ["p95"]);
  assert.equal(marksNamed(spec, "RuleX").length, 0);
});

Deno.test("latencyCdfChart() honours stepSources, width, height and title", () => {
  const spec = latencyCdfChart(cdfRows(), {
    stepSources: [],
    width: 500,
    height: 300,
    title: "CDF",
  });
  assert.equal(marksNamed(spec, "Line").length, 1);
  assert.notEqual(marksNamed(spec, "Line")[0].curve, STEP_AFTER);
  assert.equal(spec.width, 500);
  assert.equal(spec.height, 300);
  assert.equal(spec.title, "CDF");
});

Deno.test("latencyCdfChart() rejects bad rows and options", () => {
  assert.throws(() => latencyCdfChart("rows" as unknown as LatencyCdfRow[]), {
    name: "TypeError",
    message: `Cannot build latencyCdfChart as 'rows' must be an array: current value is "rows"`,
  });
  assert.throws(
    () => latencyCdfChart([{ latency_sec: NaN, cdf: 0, source: "model" }]),
    {
      name: "TypeError",
      message:
        "Cannot build latencyCdfChart as rows[0].latency_sec must be a finite number: current value is NaN",
    },
  );
  assert.throws(
    () => latencyCdfChart([{ latency_sec: 1, cdf: 0 } as LatencyCdfRow]),
    {
      name: "TypeError",
      message:
        "Cannot build latencyCdfChart as rows[0].source must be a string: current value is undefined",
    },
  );
  assert.throws(() => latencyCdfChart([], { sloSec: 0 }), {
    name: "RangeError",
    message:
      "Cannot build latencyCdfChart as 'sloSec' must be a positive finite number: current value is 0",
  });
  assert.throws(() => latencyCdfChart([], { percentile: 1 }), {
    name: "RangeError",
    message: "Cannot build latencyCdfChart as 'percentile' must be in (0, 1): current value is 1",
  });
  assert.throws(() => latencyCdfChart([], { width: -1 }), {
    name: "RangeError",
    message:
      "Cannot build latencyCdfChart as 'width' must be a positive number of pixels: current value is -1",
  });
});

Deno.test("latencyCdfChart() gives each source its fixed colour whatever the rows' order, and a subtitle", () => {
  const colors = { "model (exact)": SERVICE_MODEL_COLORS.variable, measured: "#009e73" };
  const rows = cdfRows();
  const forward = latencyCdfChart(rows, { colors, subtitle: "the model lies on the measurement" });
  const backward = latencyCdfChart([...rows].reverse(), { colors });
  for (const spec of [forward, backward]) {
    const domain = spec.color?.domain as string[];
    const range = spec.color?.range as string[];
    assert.deepEqual(
      domain.map((source, i) => [source, range[i]]).sort(),
      [["measured", "#009e73"], ["model (exact)", SERVICE_MODEL_COLORS.variable]],
    );
    assert.equal(spec.color?.legend, true);
    assert.equal(spec.color?.scheme, undefined);
  }
  assert.equal(forward.subtitle, "the model lies on the measurement");
  assert.equal(backward.subtitle, undefined);
  // One per meaning: Okabe and Ito's three and a grey.
  assert.equal(new Set(Object.values(SERVICE_MODEL_COLORS)).size, 4);
  assert.throws(() => latencyCdfChart(rows, { colors: { measured: "#009e73" } }), {
    name: "TypeError",
    message: "Cannot build latencyCdfChart as 'colors' must give every source a colour: " +
      'none for "model (exact)"',
  });
});

Deno.test("latencyCdfChart() draws underlaySources first, as wide translucent bands", () => {
  const spec = latencyCdfChart(cdfRows(), { underlaySources: ["measured"] });
  const lines = marksNamed(spec, "Line") as (MarkView & {
    strokeWidth?: number;
    strokeOpacity?: number;
  })[];
  assert.equal(lines.length, 2);
  const [band, model] = lines;
  assert.ok(band.data!.every((r) => (r as LatencyCdfRow).source === "measured"));
  assert.equal(band.curve, STEP_AFTER);
  assert.ok(band.strokeWidth! > model.strokeWidth! && band.strokeOpacity! < 1);
  assert.ok(model.data!.every((r) => (r as LatencyCdfRow).source === "model (exact)"));
  // Without it, the model's line first and the measured steps over it, as before.
  const plain = marksNamed(latencyCdfChart(cdfRows()), "Line");
  assert.deepEqual(plain.map((l) => (l.data![0] as LatencyCdfRow).source), [
    "model (exact)",
    "measured",
  ]);
});

// ---------------------------------------------------------------------------
// batchSizeChart

Deno.test("batchSizeChart() groups bars by batch size (fx) with one bar per source", () => {
  const spec = batchSizeChart(batchRows());
  const [bars] = marksNamed(spec, "BarY");
  // Plot keeps the facet channel on the mark and stacks y into y1, y2.
  assert.equal(bars.fx, "batch_size");
  assert.equal(columnOf(bars, "x"), "source");
  assert.equal(columnOf(bars, "y1"), "share");
  assert.equal(columnOf(bars, "y2"), "share");
  assert.equal(bars.channels.fill.value, "source");
  assert.deepEqual(spec.fx?.domain, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.deepEqual(spec.x?.domain, ["model", "measured"]);
  assert.equal(spec.fx?.label, "batch size (requests) →");
  assert.equal(spec.y?.label, "↑ share of batches (%)");
  assert.equal(spec.y?.percent, true);
  assert.equal(spec.color?.legend, true);
});

Deno.test("batchSizeChart() fills gaps between batch sizes and thins the labels of many", () => {
  const gappy = batchSizeChart([
    { batch_size: 1, share: 0.5, source: "model" },
    { batch_size: 4, share: 0.5, source: "model" },
  ]);
  assert.deepEqual(gappy.fx?.domain, [1, 2, 3, 4]);
  const many = batchSizeChart(
    Array.from({ length: 100 }, (_, k) => ({ batch_size: k + 1, share: 0.01, source: "model" })),
  );
  // 100 sizes: a label every 5 requests (20 labels), and the first size.
  assert.deepEqual(many.fx?.ticks, [1, ...Array.from({ length: 20 }, (_, i) => 5 * (i + 1))]);
});

Deno.test("batchSizeChart() gives each source its fixed colour when colors are given", () => {
  const rows = batchRows();
  const sources = [...new Set(rows.map((r) => r.source))];
  const colors = Object.fromEntries(sources.map((s, i) => [s, MEMORY_COLORS[i]]));
  const spec = batchSizeChart(rows, { colors });
  assert.deepEqual(spec.color?.domain, sources);
  assert.deepEqual(spec.color?.range, sources.map((s) => colors[s]));
  assert.equal(spec.color?.scheme, undefined);
  assert.throws(() => batchSizeChart(rows, { colors: {} }), {
    name: "TypeError",
    message: "Cannot build batchSizeChart as 'colors' must give every source a colour: " +
      `none for ${JSON.stringify(sources[0])}`,
  });
  // Without them, the categorical scheme as before.
  assert.equal(batchSizeChart(rows).color?.scheme, CATEGORICAL_SCHEME);
});

// ---------------------------------------------------------------------------
// costLatencyVsMemoryChart

Deno.test("costLatencyVsMemoryChart() returns a cost and a latency chart over memory_mb, one line per series", () => {
  const { cost, latency } = costLatencyVsMemoryChart(costLatencyRows(), {
    sloSec: 1.2,
    seriesLabel: "max batch B (requests)",
  });
  for (const [spec, y] of [[cost, "cost_per_request_usd"], [latency, "latency_sec"]] as const) {
    const [line] = marksNamed(spec, "Line");
    assert.equal(line.channels.x.value, "memory_mb");
    assert.equal(line.channels.y.value, y);
    assert.equal(line.channels.stroke.value, "series");
    assert.equal(spec.x?.label, "memory (MB) →");
    assert.deepEqual(spec.color?.domain, [1, 5, 10, 20]);
    assert.equal(spec.color?.type, "categorical");
    assert.equal(spec.color?.label, "max batch B (requests)");
  }
  assert.equal(cost.y?.label, "↑ cost per request (µUSD)");
  assert.equal(latency.y?.label, "↑ p95 latency (s)");
  // Lines are drawn in memory order.
  const memories = marksNamed(cost, "Line")[0].data!.map((r) =>
    (r as { memory_mb: number }).memory_mb
  );
  assert.deepEqual(memories, [...memories].sort((a, b) => a - b));
});

Deno.test("costLatencyVsMemoryChart() rules the SLO on the latency chart only", () => {
  const { cost, latency } = costLatencyVsMemoryChart(costLatencyRows(), { sloSec: 1.2 });
  assert.deepEqual(marksNamed(latency, "RuleY").map((r) => r.data), [[1.2]]);
  assert.deepEqual(marksNamed(latency, "Text").map(textOf), ["SLO 1.2 s"]);
  assert.equal(marksNamed(cost, "RuleY").length, 0);
  const p99 = costLatencyVsMemoryChart(costLatencyRows(), { percentile: 0.99 });
  assert.equal(p99.latency.y?.label, "↑ p99 latency (s)");
  assert.equal(marksNamed(p99.latency, "RuleY").length, 0);
});

Deno.test("costLatencyVsMemoryChart() rejects a series that is neither text nor number", () => {
  assert.throws(
    () =>
      costLatencyVsMemoryChart([
        { memory_mb: 1280, cost_per_request_usd: 1e-5, latency_sec: 1, series: null! },
      ]),
    {
      name: "TypeError",
      message:
        "Cannot build costLatencyVsMemoryChart as rows[0].series must be a string or a finite number: current value is null",
    },
  );
});

// ---------------------------------------------------------------------------
// feasibleRegionChart

Deno.test("feasibleRegionChart() colours feasible cells by cost and greys and hatches the others", () => {
  const { rows } = feasibleRows();
  const spec = feasibleRegionChart(rows);
  const [feasible, infeasible] = marksNamed(spec, "Rect");
  assert.equal(feasible.channels.fill.value, "cost_per_request_usd");
  assert.equal(infeasible.channels.fill, undefined);
  assert.equal(feasible.data!.length, rows.filter((r) => r.feasible).length);
  assert.equal(infeasible.data!.length, rows.filter((r) => !r.feasible).length);
  assert.ok(infeasible.data!.length > 0 && feasible.data!.length > 0);
  // Cells are centred on the grid points: 1280 MB spans 1216..1344, 0.02 s spans 0.01..0.03.
  const first = feasible.data![0] as Record<string, number>;
  assert.equal(first.memory_mb, 1280);
  assert.equal(first.memory_lo_mb, 1216);
  assert.equal(first.memory_hi_mb, 1344);
  assert.ok(Math.abs(first.timeout_lo_sec - 0.01) < 1e-12);
  assert.ok(Math.abs(first.timeout_hi_sec - 0.03) < 1e-12);
  // The last memory is 2944 MB (1280 + 13 * 128), so its cell ends at 3008 MB.
  assert.deepEqual(spec.x?.domain, [1216, 3008]);
  // The hatch: diagonals over a subset of the infeasible cells, none over feasible ones.
  const [hatch] = marksNamed(spec, "Link");
  assert.ok(hatch.data!.length > 0 && hatch.data!.length <= infeasible.data!.length);
  assert.ok(hatch.data!.every((c) => !(c as { feasible: boolean }).feasible));
  assert.equal(spec.x?.label, "memory (MB) →");
  assert.equal(spec.y?.label, "↑ timeout (s)");
  assert.equal(spec.color?.label, "cost per request (µUSD) — grey hatched: SLO not met");
  assert.equal(spec.color?.legend, true);
});

Deno.test("feasibleRegionChart() marks the optimum with a star and a label", () => {
  const { rows } = feasibleRows();
  const optimum = feasibleOptimum(rows);
  const spec = feasibleRegionChart(rows, { optimum });
  const [star] = marksNamed(spec, "Dot");
  assert.deepEqual(star.data, [optimum]);
  assert.equal(star.channels.x.value, "memory_mb");
  assert.equal(star.channels.y.value, "timeout_sec");
  assert.equal(star.symbol, (Plot.dot([], { symbol: "star" }) as unknown as MarkView).symbol);
  assert.deepEqual(marksNamed(spec, "Text").map(textOf), [
    `optimum: ${optimum.memory_mb} MB, ${optimum.timeout_sec} s`,
  ]);
  assert.equal(marksNamed(feasibleRegionChart(rows), "Dot").length, 0);
});

Deno.test("feasibleRegionChart() rejects a non-boolean feasible column and a bad optimum", () => {
  assert.throws(
    () => feasibleRegionChart([], { optimum: { memory_mb: 1280, timeout_sec: NaN } }),
    {
      name: "TypeError",
      message:
        "Cannot build feasibleRegionChart as 'optimum.timeout_sec' must be a finite number: current value is NaN",
    },
  );
  assert.throws(
    () =>
      feasibleRegionChart([{
        memory_mb: 1280,
        timeout_sec: 0.1,
        latency_sec: 1,
        cost_per_request_usd: 1e-5,
        feasible: 1 as unknown as boolean,
      }]),
    {
      name: "TypeError",
      message:
        "Cannot build feasibleRegionChart as rows[0].feasible must be a boolean: current value is 1",
    },
  );
});

// ---------------------------------------------------------------------------
// hourlyConfigChart

Deno.test("hourlyConfigChart() stacks rate, M, B and T over the same hours", () => {
  const specs = hourlyConfigChart(hourlyRows(), { title: "Day" });
  assert.equal(specs.length, 4);
  const columns = ["rate_per_sec", "memory_mb", "max_batch", "timeout_sec"];
  const labels = [
    "↑ arrival rate (requests/s)",
    "↑ memory M (MB)",
    "↑ max batch B (requests)",
    "↑ timeout T (s)",
  ];
  specs.forEach((spec, k) => {
    const [line] = marksNamed(spec, "Line");
    assert.equal(line.channels.x.value, "hour");
    assert.equal(line.channels.y.value, columns[k]);
    assert.equal(spec.y?.label, labels[k]);
    assert.deepEqual(spec.x?.domain, [0.5, 24.5]);
    assert.deepEqual(spec.x?.ticks, Array.from({ length: 24 }, (_, i) => i + 1));
    assert.equal(spec.title, k === 0 ? "Day" : undefined);
  });
  // Only the bottom panel carries the x label.
  assert.deepEqual(specs.map((s) => s.x?.label), [null, null, null, "hour of day (h) →"]);
  assert.deepEqual(specs.map((s) => s.height), [150, 150, 150, 150]);
});

// ---------------------------------------------------------------------------
// policyComparisonChart

Deno.test("policyComparisonChart() draws cost and p95/SLO per hour, one line per policy, a rule at 1", () => {
  const { cost, latency } = policyComparisonChart(policyRows());
  for (const [spec, y] of [[cost, "cost_per_request_usd"], [latency, "p95_over_slo"]] as const) {
    const [line] = marksNamed(spec, "Line");
    assert.equal(line.channels.x.value, "hour");
    assert.equal(line.channels.y.value, y);
    assert.equal(line.channels.stroke.value, "policy");
    assert.equal(spec.x?.label, "hour of day (h) →");
    assert.deepEqual(spec.color?.domain, ["BATCH", "no batching", "fixed B=20, T=0.2 s"]);
    assert.equal(spec.color?.legend, true);
  }
  assert.deepEqual(marksNamed(latency, "RuleY").map((r) => r.data), [[1]]);
  assert.deepEqual(marksNamed(latency, "Text").map(textOf), ["SLO"]);
  assert.equal(cost.y?.label, "↑ cost per request (µUSD)");
  assert.equal(latency.y?.label, "↑ p95 latency / SLO (ratio)");
});

// ---------------------------------------------------------------------------
// profileChart

Deno.test("profileChart() draws cost and p95 Duration against batch size, one line per memory with fixed colours", () => {
  const rows = profileRows([3008, 1280, 2048], [1, 2, 4, 8, 12, 16, 20]);
  const { cost, duration } = profileChart(rows);
  for (
    const [spec, y] of [[cost, "cost_per_request_usd"], [duration, "p95_duration_sec"]] as const
  ) {
    const [line] = marksNamed(spec, "Line");
    assert.equal(line.channels.x.value, "batch_size");
    assert.equal(line.channels.y.value, y);
    assert.equal(line.channels.stroke.value, "memory_mb");
    assert.equal(line.channels.z.value, "memory_mb");
    assert.equal(spec.x?.label, "batch size k (requests) →");
    // Integer ticks: every 2 requests from 1 to 20 is at most 12 of them.
    assert.deepEqual(spec.x?.ticks, [1, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
    // The memories sorted, each with its colour whatever the order of the rows.
    assert.equal(spec.color?.type, "ordinal");
    assert.deepEqual(spec.color?.domain, [1280, 2048, 3008]);
    assert.deepEqual(spec.color?.range, MEMORY_COLORS.slice(0, 3));
  }
  assert.equal(cost.color?.legend, true);
  assert.equal(duration.color?.legend, false);
  assert.equal(cost.y?.label, "↑ cost per request (µUSD)");
  assert.equal(duration.y?.label, "↑ p95 Duration of the batch (s)");
  // Each line is drawn left to right.
  const drawn = marksNamed(cost, "Line")[0].data as { memory_mb: number; batch_size: number }[];
  assert.deepEqual(
    drawn.filter((r) => r.memory_mb === 1280).map((r) => r.batch_size),
    [1, 2, 4, 8, 12, 16, 20],
  );
});

Deno.test("profileChart() rings the cheapest k of each memory and names the cheapest cell", () => {
  // Costs of k = 1, 2, 3 at two memories: 1024 MB is cheapest at k = 2, 2048 MB at k = 3.
  const rows = [
    [1024, 1, 3e-6],
    [1024, 2, 2e-6],
    [1024, 3, 2.5e-6],
    [2048, 1, 4e-6],
    [2048, 2, 3.5e-6],
    [2048, 3, 3e-6],
  ].map(([memory_mb, batch_size, cost_per_request_usd]) => ({
    memory_mb,
    batch_size,
    cost_per_request_usd,
    p95_duration_sec: batch_size * 0.1,
  }));
  const { cost, duration } = profileChart(rows);
  for (const spec of [cost, duration]) {
    const rings = marksNamed(spec, "Dot").find((d) => d.data?.length === 2)!;
    assert.deepEqual(
      (rings.data as { memory_mb: number; batch_size: number }[]).map((r) => [
        r.memory_mb,
        r.batch_size,
      ]),
      [[1024, 2], [2048, 3]],
    );
    assert.deepEqual(marksNamed(spec, "RuleX").map((r) => r.data), [[2]]);
  }
  // 2 µUSD is 33.3 % below the 3 µUSD of k = 1 at the same memory.
  assert.equal(
    cost.subtitle,
    "cheapest: k = 2 at 1024 MB, 2 µUSD per request (33.3 % below k = 1 at 1024 MB)",
  );
  assert.deepEqual(marksNamed(cost, "Text").map(textOf), ["cheapest k = 2"]);
});

Deno.test("profileChart() with one memory draws a single line without a legend", () => {
  const rows = profileRows([3008], Array.from({ length: 32 }, (_, i) => i + 1));
  const { cost, duration } = profileChart(rows);
  for (const spec of [cost, duration]) {
    assert.deepEqual(spec.color?.domain, [3008]);
    assert.deepEqual(spec.color?.range, [MEMORY_COLORS[0]]);
    assert.equal(spec.color?.legend, false);
    // 1..32: a tick every 4 requests, and the first size.
    assert.deepEqual(spec.x?.ticks, [1, 4, 8, 12, 16, 20, 24, 28, 32]);
  }
  // The made-up cost falls with k all the way: the largest batch is the cheapest.
  assert.match(String(cost.subtitle), /^cheapest: k = 32, [0-9.]+ µUSD per request \(/);
});

Deno.test("profileChart() gives more than six memories distinct ordered viridis shades", () => {
  const memories = Array.from({ length: 10 }, (_, i) => 1280 + 192 * i);
  const { cost } = profileChart(profileRows(memories, [1, 2, 4]));
  const range = cost.color?.range as string[];
  assert.equal(range.length, 10);
  assert.equal(new Set(range).size, 10);
  assert.deepEqual(cost.color?.domain, memories);
});

Deno.test("profileChart() rejects a batch size that is not a positive integer", () => {
  assert.throws(
    () =>
      profileChart([
        { memory_mb: 3008, batch_size: 1.5, cost_per_request_usd: 1e-6, p95_duration_sec: 1 },
      ]),
    {
      name: "RangeError",
      message:
        "Cannot build profileChart as rows[0].batch_size must be a positive integer: current value is 1.5",
    },
  );
  assert.throws(
    () => profileChart([{ memory_mb: 3008, batch_size: 1, cost_per_request_usd: 1e-6 }] as never),
    {
      name: "TypeError",
      message:
        "Cannot build profileChart as rows[0].p95_duration_sec must be a finite number: current value is undefined",
    },
  );
});

// ---------------------------------------------------------------------------
// Shared properties

Deno.test("every builder's axis labels carry a unit and no spec paints a background", () => {
  const { rows } = feasibleRows();
  const specs: PlotSpec[] = [
    latencyCdfChart(cdfRows(), { sloSec: 1.5, percentile: 0.95 }),
    batchSizeChart(batchRows()),
    ...Object.values(costLatencyVsMemoryChart(costLatencyRows(), { sloSec: 1.2 })),
    ...Object.values(profileChart(profileRows([1280, 3008], [1, 2, 4, 8]))),
    feasibleRegionChart(rows, { optimum: feasibleOptimum(rows) }),
    ...hourlyConfigChart(hourlyRows()),
    ...Object.values(policyComparisonChart(policyRows())),
  ];
  for (const spec of specs) {
    for (const label of [spec.x?.label, spec.y?.label, spec.fx?.label]) {
      if (typeof label === "string") assert.match(label, /\([^)]+\)/, label);
    }
    assert.equal(spec.style, undefined);
    // Area-filling marks take their colours from data or currentColor, never black or white.
    for (const mark of marksOf(spec)) {
      if (!["Rect", "BarY", "Area", "Frame"].includes(mark.constructor.name)) continue;
      assert.ok(!/^(white|black|#fff(fff)?|#000(000)?)$/i.test(String(mark.fill ?? "")));
    }
  }
});

Deno.test("formatMicroUsd() and percentileLabel() format ticks and labels", () => {
  assert.equal(formatMicroUsd(1.23e-5), "12.3");
  assert.equal(formatMicroUsd(3e-6), "3");
  assert.equal(percentileLabel(0.95), "p95");
  assert.equal(percentileLabel(0.999), "p99.9");
  assert.equal(percentileLabel(0.5), "p50");
});

// seriesLineChart

Deno.test("seriesLineChart() maps the named columns, one coloured line per series, rule labelled", () => {
  const rows = [1, 5, 10].flatMap((b) =>
    [1536, 3008].map((m) => ({ batch_size: b, service_sec: b / m * 1000, series: `${m} MB` }))
  );
  const spec = seriesLineChart(rows, {
    x: "batch_size",
    y: "service_sec",
    xLabel: "batch size (requests)",
    yLabel: "service time (s)",
    seriesLabel: "memory",
    rule: { y: 2, label: "SLO 2 s" },
  });
  const [line] = marksNamed(spec, "Line");
  assert.equal(line.channels.x.value, "batch_size");
  assert.equal(line.channels.y.value, "service_sec");
  assert.equal(line.channels.stroke.value, "series");
  // Sorted by x, so each series is drawn left to right.
  assert.deepEqual((line.data as { batch_size: number }[]).map((r) => r.batch_size), [
    1,
    1,
    5,
    5,
    10,
    10,
  ]);
  assert.equal(spec.x?.label, "batch size (requests) →");
  assert.equal(spec.y?.label, "↑ service time (s)");
  assert.deepEqual(spec.color?.domain, ["1536 MB", "3008 MB"]);
  assert.equal(spec.color?.legend, true);
  const [rule] = marksNamed(spec, "RuleY");
  assert.deepEqual(rule.data, [2]);
  assert.throws(
    () =>
      seriesLineChart([{ batch_size: 1, series: "a" }], {
        x: "batch_size",
        y: "service_sec",
        xLabel: "",
        yLabel: "",
      }),
    TypeError,
  );
});

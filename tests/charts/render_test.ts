import assert from "node:assert/strict";
import * as Plot from "@observablehq/plot";
import {
  batchSizeChart,
  costLatencyVsMemoryChart,
  feasibleRegionChart,
  hourlyConfigChart,
  latencyCdfChart,
  type PlotSpec,
  policyComparisonChart,
  profileChart,
} from "../../lib/charts/chart_specs.ts";
import {
  Chart,
  JUPYTER_DISPLAY,
  renderPng,
  renderSvg,
  specsOf,
  svgSize,
} from "../../lib/charts/render.ts";
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

const SNAPSHOT_DIR = new URL("../testdata/charts/", import.meta.url);
const UPDATE = Deno.env.get("UPDATE_SNAPSHOTS") === "1";

/** The six charts of the paper's story on the synthetic data, as rendered by the tests. */
function charts(): Record<string, PlotSpec | PlotSpec[] | Record<string, PlotSpec>> {
  const { rows, sloSec } = feasibleRows();
  return {
    latency_cdf: latencyCdfChart(cdfRows(), {
      sloSec: 1.5,
      percentile: 0.95,
      title: "Latency CDF, model vs measured",
    }),
    batch_size: batchSizeChart(batchRows(), { title: "Batch size distribution" }),
    cost_latency_vs_memory: costLatencyVsMemoryChart(costLatencyRows(), {
      sloSec: 1.2,
      seriesLabel: "max batch B (requests)",
      title: "Cost and p95 latency against memory",
    }),
    feasible_region: feasibleRegionChart(rows, {
      optimum: feasibleOptimum(rows),
      title: `Cost per request over (M, T), SLO ${sloSec} s`,
    }),
    hourly_config: hourlyConfigChart(hourlyRows(), {
      title: "Hourly arrival rate and chosen configuration",
    }),
    policy_comparison: policyComparisonChart(policyRows(), { title: "Policies hour by hour" }),
  };
}

async function assertSnapshot(name: string, svg: string): Promise<void> {
  const url = new URL(`${name}.svg`, SNAPSHOT_DIR);
  if (UPDATE) {
    await Deno.mkdir(SNAPSHOT_DIR, { recursive: true });
    await Deno.writeTextFile(url, svg + "\n");
    return;
  }
  let expected: string;
  try {
    expected = await Deno.readTextFile(url);
  } catch (error) {
    throw new Error(
      `Missing snapshot ${url.pathname}: run with UPDATE_SNAPSHOTS=1 to write it`,
      { cause: error },
    );
  }
  assert.equal(svg + "\n", expected, `${name}.svg differs; UPDATE_SNAPSHOTS=1 rewrites it`);
}

for (const [name, spec] of Object.entries(charts())) {
  Deno.test(`renderSvg() matches the snapshot ${name}.svg`, async () => {
    await assertSnapshot(name, renderSvg(spec));
  });
}

Deno.test("renderSvg() gives the same bytes when called twice in one process", () => {
  // Plot numbers clip paths with a process-wide counter; the ids must not show it.
  const spec: PlotSpec = {
    width: 300,
    height: 200,
    marks: [Plot.line([[0, 0], [1, 2], [2, 1]], { clip: true })],
  };
  const first = renderSvg(spec);
  const second = renderSvg(spec);
  assert.equal(first, second);
  assert.match(first, /<clipPath id="batch-[0-9a-f]{8}-0">/);
  assert.match(first, /clip-path="url\(#batch-[0-9a-f]{8}-0\)"/);
  // Another chart gets other ids, so both can be inlined in one page.
  const other = renderSvg({ ...spec, height: 210 });
  const idOf = (svg: string) => /id="([^"]+)"/.exec(svg)![1];
  assert.notEqual(idOf(first), idOf(other));
});

Deno.test("renderSvg() writes one standalone SVG: xmlns, no stylesheet, no HTML, currentColor", () => {
  const svg = renderSvg(charts().latency_cdf);
  assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="640" '));
  assert.equal((svg.match(/<svg\b/g) ?? []).length, 1);
  assert.ok(!svg.includes("<style"));
  assert.ok(!/<(div|span|figure|h2|figcaption)\b/.test(svg));
  assert.ok(svg.includes('fill="currentColor"'));
  assert.ok(!/background|fill="(white|black|#fff|#000)"/i.test(svg));
  // The title, the legend's entries and the axis labels are SVG text.
  for (const text of ["Latency CDF, model vs measured", "model (exact)", "measured", "SLO 1.5 s"]) {
    assert.ok(svg.includes(`>${text}</text>`), text);
  }
  assert.ok(svg.includes("latency (s) →"));
});

Deno.test("renderSvg() draws a continuous colour legend as a gradient (linkedom has no canvas)", () => {
  const svg = renderSvg(charts().feasible_region);
  assert.match(
    svg,
    /<linearGradient id="batch-[0-9a-f]{8}-0">(<stop [^>]+\/>){33}<\/linearGradient>/,
  );
  assert.match(svg, /fill="url\(#batch-[0-9a-f]{8}-0\)"/);
  assert.ok(!svg.includes("<image"));
});

Deno.test("renderSvg() stacks specs top to bottom; an object of specs renders as its values", () => {
  const { cost, latency } = policyComparisonChart(policyRows());
  const one = svgSize(renderSvg(cost));
  const both = renderSvg({ cost, latency });
  assert.equal(both, renderSvg([cost, latency]));
  assert.deepEqual(svgSize(both), { width: 640, height: 2 * one.height + 12 });
  assert.deepEqual(svgSize(renderSvg([cost, latency], { gapPx: 0 })).height, 2 * one.height);
});

Deno.test("renderSvg() draws profileChart without Plot's warning sign, one memory or ten", () => {
  const ks = Array.from({ length: 32 }, (_, i) => i + 1);
  const memories = Array.from({ length: 10 }, (_, i) => 1280 + 192 * i);
  for (const rows of [profileRows([3008], ks), profileRows(memories, [1, 2, 4, 8, 12, 16, 20])]) {
    const svg = renderSvg(profileChart(rows));
    assert.ok(!svg.includes("⚠"));
    // No long decimals on any tick (the memory axis of the old chart showed "3,008.000000").
    assert.ok(!/>[0-9,]+\.[0-9]{5,}</.test(svg));
  }
});

Deno.test("renderSvg() escapes text", () => {
  const svg = renderSvg({ title: "A & B <C>", width: 200, height: 100, marks: [Plot.ruleY([0])] });
  assert.ok(svg.includes(">A &amp; B &lt;C&gt;</text>"));
});

Deno.test("renderSvg() rejects what is not a spec and a negative gap", () => {
  assert.throws(() => renderSvg(42 as unknown as PlotSpec), {
    name: "TypeError",
    message:
      "Cannot render a chart as the input must be a Plot spec, an array or an object of specs: current value is 42",
  });
  assert.throws(() => renderSvg({ marks: [] }, { gapPx: -1 }), {
    name: "RangeError",
    message: "Cannot render a chart as 'gapPx' must be a non-negative number: current value is -1",
  });
});

Deno.test("specsOf() reads a spec, an array and an object of specs", () => {
  const a: PlotSpec = { marks: [] };
  const b: PlotSpec = { marks: [Plot.ruleY([0])] };
  assert.deepEqual(specsOf(a), [a]);
  assert.deepEqual(specsOf([a, b]), [a, b]);
  assert.deepEqual(specsOf({ cost: a, latency: b }), [a, b]);
});

// ---------------------------------------------------------------------------
// PNG

/** Width and height from the IHDR chunk (bytes 16..23, big endian), after the magic. */
function pngHeader(
  png: Uint8Array,
): { magic: number[]; chunk: string; width: number; height: number } {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return {
    magic: [...png.subarray(0, 8)],
    chunk: new TextDecoder().decode(png.subarray(12, 16)),
    width: view.getUint32(16),
    height: view.getUint32(20),
  };
}

/**
 * The RGBA of the top-left pixel. In the first row every PNG filter leaves
 * the first pixel as is (its left and upper neighbours count as 0), so it is
 * bytes 1..4 of the inflated IDAT data, after the row's filter byte.
 */
async function topLeftPixel(png: Uint8Array): Promise<number[]> {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const parts: Uint8Array[] = [];
  for (let offset = 8; offset < png.length;) {
    const length = view.getUint32(offset);
    const type = new TextDecoder().decode(png.subarray(offset + 4, offset + 8));
    if (type === "IDAT") parts.push(png.subarray(offset + 8, offset + 8 + length));
    offset += 12 + length;
  }
  const stream = new Blob(parts as BlobPart[]).stream().pipeThrough(
    new DecompressionStream("deflate"),
  );
  const data = new Uint8Array(await new Response(stream).arrayBuffer());
  return [...data.subarray(1, 5)];
}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

Deno.test("renderPng() returns a PNG as large as the SVG times the scale", async () => {
  for (const [name, spec] of Object.entries(charts())) {
    const svg = renderSvg(spec);
    const { width, height } = svgSize(svg);
    const png = await renderPng(svg);
    assert.ok(png instanceof Uint8Array);
    assert.deepEqual(pngHeader(png), { magic: PNG_MAGIC, chunk: "IHDR", width, height }, name);
  }
  const svg = renderSvg(charts().batch_size);
  const { width, height } = svgSize(svg);
  const header = pngHeader(await renderPng(svg, { scale: 2 }));
  assert.deepEqual([header.width, header.height], [2 * width, 2 * height]);
});

Deno.test("renderPng() paints an opaque white background unless told otherwise", async () => {
  const svg = renderSvg({ width: 120, height: 80, marks: [Plot.ruleY([0])] });
  assert.deepEqual(await topLeftPixel(await renderPng(svg)), [255, 255, 255, 255]);
  assert.deepEqual(
    await topLeftPixel(await renderPng(svg, { background: "#102030", color: "white" })),
    [0x10, 0x20, 0x30, 255],
  );
});

Deno.test("renderPng() rejects what is not SVG and a bad scale", async () => {
  await assert.rejects(() => renderPng("<html></html>"), {
    name: "TypeError",
    message:
      "Cannot render a PNG as 'svg' must be SVG markup starting with <svg: current start is \"<html></html>\"",
  });
  const svg = renderSvg({ width: 120, height: 80, marks: [] });
  await assert.rejects(() => renderPng(svg, { scale: 0 }), {
    name: "RangeError",
    message: "Cannot render a PNG as 'scale' must be a positive number: current value is 0",
  });
});

// ---------------------------------------------------------------------------
// Chart

Deno.test("Chart displays in Jupyter as SVG, inline HTML and a one-line description", () => {
  assert.equal(JUPYTER_DISPLAY, Symbol.for("Jupyter.display"));
  const chart = new Chart(charts().cost_latency_vs_memory);
  const bundle = chart[JUPYTER_DISPLAY]();
  assert.deepEqual(Object.keys(bundle).sort(), ["image/svg+xml", "text/html", "text/plain"]);
  assert.equal(bundle["image/svg+xml"], chart.toSvg());
  assert.equal(bundle["image/svg+xml"], renderSvg(charts().cost_latency_vs_memory));
  assert.equal(bundle["text/html"], `<div class="batch-chart">${chart.toSvg()}</div>`);
  const { width, height } = svgSize(chart.toSvg());
  assert.equal(
    bundle["text/plain"],
    `Chart "Cost and p95 latency against memory": 2 panels, ${width}×${height} px`,
  );
  assert.ok(!bundle["text/plain"].includes("\n"));
});

Deno.test("Chart takes a description and renders PNGs", async () => {
  const chart = new Chart(hourlyConfigChart(hourlyRows()), { description: "M, B, T by hour" });
  assert.equal(chart.specs.length, 4);
  assert.equal(chart[JUPYTER_DISPLAY]()["text/plain"], "M, B, T by hour");
  assert.deepEqual(pngHeader(await chart.toPng()).magic, PNG_MAGIC);
});

Deno.test("renderSvg() declares the xlink prefix when a mark writes xlink:href", () => {
  const svg = renderSvg({
    width: 120,
    height: 80,
    marks: [
      (_index: unknown, _scales: unknown, _values: unknown, _dimensions: unknown, context: {
        document: {
          createElementNS(ns: string, name: string): { setAttribute(n: string, v: string): void };
        };
      }) => {
        const image = context.document.createElementNS("http://www.w3.org/2000/svg", "image");
        image.setAttribute("xlink:href", "data:,");
        return image;
      },
    ] as unknown as PlotSpec["marks"],
  });
  assert.ok(svg.startsWith(
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" ',
  ));
  assert.ok(svg.includes('xlink:href="data:,"'));
  assert.ok(!renderSvg({ width: 120, height: 80, marks: [] }).includes("xmlns:xlink"));
});

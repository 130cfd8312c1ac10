import assert from "node:assert/strict";
import { specsOf } from "../../lib/charts/render.ts";
import { PAPER_FIGURE_IDS, paperFigures } from "../../lib/figures/paper_figures.ts";
import { readMapDirectory } from "../../lib/io/map_files.ts";
import { arrivalRatePerSec } from "../../lib/map/moments.ts";
import { gridFromRanges } from "../../lib/optimize/grid.ts";
import { solveHours } from "../../lib/optimize/optimize.ts";
import { pricing } from "../../lib/profile/pricing.ts";
import { publishedProfile } from "../../lib/profile/service_profile.ts";

const traces = {
  twitter: await readMapDirectory("traces/twitter"),
  nys: await readMapDirectory("traces/nys"),
};

/** A mark's data and channels (public at run time, not in the types). */
interface MarkView {
  constructor: { name: string };
  data: Record<string, unknown>[];
  channels: Record<string, { value: unknown }>;
}
const marks = (
  spec: unknown,
) => (((spec as { marks?: unknown[] }).marks ?? []).flat(Infinity) as MarkView[]);

Deno.test("paperFigures() makes every figure, each naming its paper figure and settings", () => {
  const figures = paperFigures(traces);
  assert.deepEqual(figures.map((f) => f.id), [...PAPER_FIGURE_IDS]);
  // Without a solver the policy figures leave the day plan out; the others are there.
  const nys = figures.find((f) => f.id === "fig14_17_policies_nys")!;
  assert.match(JSON.stringify(specsOf(nys.chart)[0].color?.domain), /BATCH adaptive/);
  for (const f of figures) {
    assert.match(f.paperFigure, /^Figs?\. \d/);
    assert.ok(f.settings.length > 20, f.id);
    for (const spec of specsOf(f.chart)) assert.ok(marks(spec).length > 0, f.id);
  }
  assert.throws(() => paperFigures(traces, { only: ["fig99"] }), /Cannot make figure 'fig99'/);
});

Deno.test("the hourly-rate figure plots each hour's MAP rate, both traces", () => {
  const [f] = paperFigures(traces, { only: ["fig01_10_hourly_rates"] });
  const line = marks(specsOf(f.chart)[0]).find((m) => m.constructor.name === "Line")!;
  assert.equal(line.channels.y.value, "rate_per_sec");
  const nys8 = line.data.find((r) => r.trace === "NYS" && r.hour === 8)!;
  assert.ok(Math.abs((nys8.rate_per_sec as number) - arrivalRatePerSec(traces.nys[7].map)) < 1e-12);
  assert.equal(line.data.length, 48);
});

Deno.test("the day figure shows the optimizer's choice for every NYS hour", () => {
  const [f] = paperFigures(traces, { only: ["fig15_day_nys_resnetv2"] });
  const specs = specsOf(f.chart);
  assert.equal(specs.length, 4);
  // Independently solved: the same settings the figure states.
  const solved = solveHours(
    traces.nys,
    gridFromRanges("1280:3008:64", "0.01:0.49:0.01", "1:20:1"),
    {
      profile: publishedProfile("TF-resnetV2"),
      pricing: pricing("paper"),
      percentile: 0.95,
      constraint: "latency",
      slo: 5,
    },
  );
  const memory = marks(specs[1]).find((m) => m.constructor.name === "Line")!;
  assert.equal(memory.channels.y.value, "memory_mb");
  assert.deepEqual(
    memory.data.map((r) => r.memory_mb),
    solved.map((s) => s.optimal[0].memoryMb),
  );
});

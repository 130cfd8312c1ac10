import assert from "node:assert/strict";
import { readMapDirectory } from "../../lib/io/map_files.ts";
import { gridFromRanges } from "../../lib/optimize/grid.ts";
import { selectOptimal } from "../../lib/optimize/optimize.ts";
import { pricing } from "../../lib/profile/pricing.ts";
import { publishedProfile } from "../../lib/profile/service_profile.ts";
import { solveDay } from "../../lib/notebook/solved_day.ts";

const hours = (await readMapDirectory("traces/nys")).slice(0, 4);
const grid = gridFromRanges("1280:3008:256", "0.05:0.45:0.1", "10:20:10");
const base = {
  profile: publishedProfile("TF-resnetV2"),
  pricing: pricing("paper"),
  percentile: 0.95,
  constraint: "latency" as const,
};

Deno.test("SolvedDay's rows are each hour's optimum, and it displays a table and a chart", () => {
  const day = solveDay(hours, grid, {
    ...base,
    slo: 5,
    context: "NYS, TF-resnetV2, p95 <= 5 s",
  });
  assert.equal(day.rows.length, 4);
  for (const [i, h] of day.hours.entries()) {
    // Independent of the display: the optimizer on the hour's evaluation.
    const best = selectOptimal(h.evaluation, { constraint: "latency", slo: 5 }).optimal[0];
    assert.equal(day.rows[i].memory_mb, best.memoryMb);
    assert.ok(Math.abs(day.rows[i].timeout_sec! - best.timeoutSec) < 1e-12);
    assert.equal(day.rows[i].max_batch, best.maxBatch);
    assert.ok(day.rows[i].latency_sec! <= 5);
  }
  const shown = (day as unknown as Record<symbol, () => Record<string, string>>)[
    Symbol.for("Jupyter.display")
  ]();
  assert.match(shown["text/html"], /<table>.*<th[^>]*>memory \(MB\)<\/th>.*<\/table>/s);
  assert.match(shown["text/html"], /<svg[^>]*>.*memory M \(MB\).*<\/svg>/s);
  assert.match(shown["text/plain"], /^NYS, TF-resnetV2, p95 <= 5 s\nhour +rate \(requests\/s\)/);
  assert.equal(shown["text/plain"].split("\n").length, 2 + 4);
});

Deno.test("SolvedDay names the hours where nothing meets the SLO", () => {
  // 10 ms is below every service time: no hour is feasible.
  const day = solveDay(hours, grid, { ...base, slo: 0.01 });
  assert.deepEqual(day.infeasibleHours, [1, 2, 3, 4]);
  const shown = (day as unknown as Record<symbol, () => Record<string, string>>)[
    Symbol.for("Jupyter.display")
  ]();
  assert.match(shown["text/html"], /No configuration meets the SLO in hours 1, 2, 3, 4/);
  assert.match(shown["text/plain"], /infeasible/);
});

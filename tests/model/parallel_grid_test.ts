import assert from "node:assert/strict";
import { readMapDirectory } from "../../lib/io/map_files.ts";
import { evaluateGrid } from "../../lib/model/evaluate.ts";
import { evaluateHoursInWorkers } from "../../lib/model/parallel_grid.ts";
import { gridFromRanges } from "../../lib/optimize/grid.ts";
import { pricing } from "../../lib/profile/pricing.ts";
import { profileFromJson, publishedProfile } from "../../lib/profile/service_profile.ts";

const hours = await readMapDirectory("traces/nys");
const variable = profileFromJson({
  ...publishedProfile("TF-resnetV2"),
  variability: { distribution: "gamma", cv: 0.2 },
});
const options = { profile: variable, pricing: pricing("aws-x86"), percentile: 0.95 };
const FIELDS = [
  "latencySec",
  "costUsd",
  "meanCostUsd",
  "percentileCostUsd",
  "percentileBatchSize",
] as const;

Deno.test("evaluateHoursInWorkers() gives evaluateGrid's evaluation of each hour, bit for bit, with progress to the total", async () => {
  const grid = gridFromRanges("1536:3008:256", "0.05:0.45:0.1", "1,4,8");
  const some = hours.slice(6, 9);
  const seen: number[] = [];
  const par = await evaluateHoursInWorkers(some, grid, options, {
    workers: 2,
    onProgress: (done, total) => {
      assert.equal(total, some.length * grid.timeoutsSec.length);
      seen.push(done);
    },
  });
  some.forEach((h, i) => {
    const seq = evaluateGrid(h.map, grid, options);
    for (const f of FIELDS) {
      assert.deepEqual(Array.from(par[i][f]), Array.from(seq[f]), `hour ${h.hour} ${f}`);
    }
  });
  assert.equal(Math.max(...seen), some.length * grid.timeoutsSec.length);
});

Deno.test("evaluateHoursInWorkers() splits one hour's timeouts among the Workers: the same evaluation, bit for bit", async () => {
  // Each group's lattice is planned for the whole grid (planTimeoutsSec).
  const grid = gridFromRanges("1280:3008:192", "0.01:0.49:0.01", "2,8,20");
  const [par] = await evaluateHoursInWorkers([hours[7]], grid, options, { workers: 2 });
  const seq = evaluateGrid(hours[7].map, grid, options);
  for (const f of FIELDS) {
    seq[f].forEach((x, j) =>
      assert.ok(Math.abs(x - par[f][j]) <= 1e-12 * Math.abs(x), `${f}[${j}]: ${x} vs ${par[f][j]}`)
    );
  }
});

Deno.test("evaluateHoursInWorkers() rejects with the Worker's error, and ends its Workers", async () => {
  const grid = gridFromRanges("8000", "0.1", "4");
  await assert.rejects(
    () => evaluateHoursInWorkers(hours.slice(0, 2), grid, options, { workers: 2 }),
    {
      name: "ProfileRangeError",
      message: /Cannot evaluate profile 'TF-resnetV2' at memory 8000 MB/,
    },
  );
});

import assert from "node:assert/strict";
import {
  executeWithDeno,
  executeWithJupyter,
  jupyterAvailable,
} from "../../lib/notebook/run_notebook.ts";

const DIR = new URL("../testdata/notebooks/", import.meta.url).pathname;

Deno.test("executeWithDeno() runs the code cells and names the cell that failed", async () => {
  const ok = await executeWithDeno(`${DIR}ok.ipynb`);
  assert.deepEqual(ok.errors, []);
  assert.equal(ok.via, "deno");
  const broken = await executeWithDeno(`${DIR}broken.ipynb`);
  assert.equal(broken.errors.length, 1);
  assert.equal(broken.errors[0].cell, 1);
  assert.match(broken.errors[0].message, /broken on purpose/);
  // The module written beside the notebook is gone.
  assert.deepEqual(
    [...Deno.readDirSync(DIR)].map((e) => e.name).filter((n) => n.startsWith(".cells_")),
    [],
  );
});

Deno.test("executeWithJupyter() finds the error outputs of a kernel run", {
  ignore: !(await jupyterAvailable()),
}, async (t) => {
  await t.step("a clean notebook", async () => {
    const ok = await executeWithJupyter(`${DIR}ok.ipynb`);
    assert.deepEqual(ok.errors, []);
    assert.equal(ok.via, "jupyter");
  });
  await t.step("a broken one", async () => {
    const broken = await executeWithJupyter(`${DIR}broken.ipynb`);
    assert.equal(broken.errors.length, 1);
    assert.equal(broken.errors[0].cell, 1);
    assert.match(broken.errors[0].message, /broken on purpose/);
  });
});

Deno.test(
  "executeWithJupyter() keeps every cell's result though the kernel may send it after the cell's idle",
  {
    ignore: !(await jupyterAvailable()),
  },
  async () => {
    // The Deno kernel sends a cell's result and its `status: idle` from two threads, unordered:
    // nbconvert alone lost 1 to 12 of 80 such results per run (8, 1, 2 in three runs), so a
    // plain run of these sixty would lose about two. The fence after each cell keeps them all.
    const run = await executeWithJupyter(`${DIR}sixty_results.ipynb`);
    assert.deepEqual(run.errors, []);
    assert.deepEqual(run.lostOutputs, [], "cells whose committed output the run did not give");
  },
);

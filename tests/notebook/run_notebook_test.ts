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

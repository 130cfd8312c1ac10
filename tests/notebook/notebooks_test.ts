/**
 * Every notebook in notebooks/ is committed with the outputs of a clean run,
 * and runs clean now: on the Deno kernel through Jupyter when it is installed
 * (.ci/install-jupyter), otherwise its code cells through Deno.
 */

import assert from "node:assert/strict";
import {
  notebookAsModule,
  notebookErrors,
  parseNotebook,
  unexecutedCells,
} from "../../lib/notebook/notebook_file.ts";
import {
  executeWithDeno,
  executeWithJupyter,
  jupyterAvailable,
} from "../../lib/notebook/run_notebook.ts";

const DIR = new URL("../../notebooks/", import.meta.url).pathname;
const names = [...Deno.readDirSync(DIR)].map((e) => e.name).filter((n) => n.endsWith(".ipynb"))
  .sort();
const kernel = await jupyterAvailable();

Deno.test("notebooks/ holds the eight notebooks", () => {
  assert.equal(names.length, 8, names.join(", "));
});

for (const name of names) {
  const on = kernel ? "on the Deno kernel" : "through Deno (no Jupyter with the Deno kernel)";
  Deno.test(`notebook ${name} is committed executed and runs clean ${on}`, async () => {
    const path = `${DIR}${name}`;
    const committed = parseNotebook(await Deno.readTextFile(path), name);
    assert.deepEqual(unexecutedCells(committed), [], "cells without outputs of a run");
    assert.deepEqual(notebookErrors(committed), [], "error outputs committed");
    // Notebooks use the library as a user would: through mod.ts only.
    const specifiers = [...notebookAsModule(committed).matchAll(/\bfrom\s+"([^"]+)"/g)].map((m) =>
      m[1]
    );
    assert.ok(specifiers.length > 0);
    assert.deepEqual([...new Set(specifiers)], ["../mod.ts"]);
    const run = kernel ? await executeWithJupyter(path) : await executeWithDeno(path);
    assert.deepEqual(run.errors, [], `${name} (${run.via})`);
  });
}

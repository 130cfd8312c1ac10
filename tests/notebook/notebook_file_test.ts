import assert from "node:assert/strict";
import {
  cellsThatLostOutput,
  notebookAsModule,
  notebookErrors,
  parseNotebook,
  unexecutedCells,
} from "../../lib/notebook/notebook_file.ts";

const nb = {
  cells: [
    { cell_type: "markdown", source: ["# Title"] },
    { cell_type: "code", source: ["const x = 1;\n", "x"], execution_count: 1, outputs: [] },
    {
      cell_type: "code",
      source: "throw new Error('no')",
      execution_count: 2,
      outputs: [{ output_type: "error", ename: "Error", evalue: "no", traceback: [] }],
    },
    { cell_type: "code", source: "", execution_count: null, outputs: [] },
    { cell_type: "code", source: "x + 1", execution_count: null, outputs: [] },
  ],
  metadata: {},
  nbformat: 4,
  nbformat_minor: 5,
};

Deno.test("parseNotebook() accepts nbformat 4 and names the file in its errors", () => {
  assert.equal(parseNotebook(JSON.stringify(nb), "a.ipynb").cells.length, 5);
  assert.throws(() => parseNotebook("{", "b.ipynb"), /^SyntaxError: b\.ipynb: not JSON/);
  assert.throws(
    () => parseNotebook('{"nbformat": 3, "worksheets": []}', "c.ipynb"),
    /c\.ipynb: not an nbformat 4 notebook/,
  );
});

Deno.test("notebookAsModule() keeps code cells in order, each after a marker", () => {
  const m = notebookAsModule(parseNotebook(JSON.stringify(nb), "a.ipynb"));
  assert.equal(
    m,
    "// ---- cell 1\nconst x = 1;\nx\n\n// ---- cell 2\nthrow new Error('no')\n\n" +
      "// ---- cell 3\n\n\n// ---- cell 4\nx + 1\n",
  );
});

Deno.test("notebookErrors() and unexecutedCells() find what a clean run must not have", () => {
  const parsed = parseNotebook(JSON.stringify(nb), "a.ipynb");
  assert.deepEqual(notebookErrors(parsed), [{ cell: 2, message: "Error: no" }]);
  // Cell 3 is empty, so only cell 4 counts as never executed.
  assert.deepEqual(unexecutedCells(parsed), [4]);
});

Deno.test("cellsThatLostOutput() names the code cells a run left without their outputs", () => {
  const before = parseNotebook(JSON.stringify(nb), "a.ipynb");
  const after = structuredClone(before);
  // Cell 2 (with an output before) comes back empty; cell 1 had none and stays so.
  after.cells[2].outputs = [];
  assert.deepEqual(cellsThatLostOutput(before, after), [2]);
  assert.deepEqual(cellsThatLostOutput(before, before), []);
});

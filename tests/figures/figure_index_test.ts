import assert from "node:assert/strict";
import { figureIndexRow, mergeFigureIndex } from "../../lib/figures/figure_index.ts";

const entry = (id: string, title = "t") => ({ id, paperFigure: "Fig. 4", title, settings: "s" });
const rowsOf = (index: string) => index.split("\n").filter((l) => l.startsWith("| ["));

Deno.test("mergeFigureIndex() replaces rows by id, keeps the others, and orders them as the paper's figures", () => {
  const first = mergeFigureIndex(undefined, [
    entry("fig04_throughput"),
    entry("fig01_10_hourly_rates"),
    entry("my_own_figure"),
  ]);
  assert.match(first, /^# Figures of the BATCH paper, reproduced\n/);
  assert.ok(first.endsWith("|\n"));
  assert.deepEqual(rowsOf(first), [
    figureIndexRow(entry("fig01_10_hourly_rates")),
    figureIndexRow(entry("fig04_throughput")),
    figureIndexRow(entry("my_own_figure")),
  ]);
  // `--only fig04_throughput` again: its row is new, the others stay.
  const again = mergeFigureIndex(first, [entry("fig04_throughput", "redrawn")]);
  assert.deepEqual(rowsOf(again), [
    figureIndexRow(entry("fig01_10_hourly_rates")),
    figureIndexRow(entry("fig04_throughput", "redrawn")),
    figureIndexRow(entry("my_own_figure")),
  ]);
  // Rows whose files are gone can be dropped.
  const kept = mergeFigureIndex(again, [], { keep: (id) => id !== "my_own_figure" });
  assert.equal(rowsOf(kept).length, 2);
  // Merging is idempotent.
  assert.equal(mergeFigureIndex(again, []), again);
});

Deno.test("figureIndexRow() escapes the table's bars and keeps one line", () => {
  assert.equal(
    figureIndexRow({ id: "f", paperFigure: "Fig. 1", title: "a | b", settings: "x\ny" }),
    "| [f.png](f.png) ([svg](f.svg)) | Fig. 1 | a \\| b | x y |",
  );
});

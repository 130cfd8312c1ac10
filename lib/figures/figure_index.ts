/**
 * The index.md that `deno task figures` writes beside the figures: one table
 * row per figure, merged by id with the index already there, so that drawing
 * some figures again (`--only`) keeps the others' entries.
 *
 * @module
 */

import { PAPER_FIGURE_IDS } from "./paper_figures.ts";

/** What the index says of one figure. */
export interface FigureIndexEntry {
  /** File stem: the figure is `<id>.png` and `<id>.svg`. */
  id: string;
  /** The paper's figure it reproduces, e.g. "Fig. 4". */
  paperFigure: string;
  /** One line on what it shows. */
  title: string;
  /** The settings used, in one line. */
  settings: string;
}

/** Options of {@linkcode mergeFigureIndex}. */
export interface MergeFigureIndexOptions {
  /**
   * Whether an entry of the existing index is kept (e.g. only if its files
   * are still there). @default {every entry is kept}
   */
  keep?: (id: string) => boolean;
  /** Order of the rows: these ids first, in this order, then any others. @default {PAPER_FIGURE_IDS} */
  order?: readonly string[];
}

const _HEADER = [
  "# Figures of the BATCH paper, reproduced",
  "",
  "Made by `deno task figures` from the published hourly MAPs (traces/) and service-time",
  'profiles; see each line for the settings. Ali, Pinciroli, Yan, Smirni, "BATCH: Machine',
  "Learning Inference Serving on Serverless Platforms with Adaptive Batching\", SC'20.",
  "",
  "| file | paper | what it shows | settings |",
  "|---|---|---|---|",
];

/** A row of the index's table, starting `| [<id>.png](<id>.png)`. */
const _ROW = /^\| \[([^\]/]+)\.png\]\(\1\.png\)/;

/**
 * The index row of a figure.
 *
 * @param entry The figure.
 * @returns One Markdown table row.
 */
export function figureIndexRow(entry: FigureIndexEntry): string {
  const cell = (text: string) => text.replaceAll("|", "\\|").replaceAll("\n", " ");
  return `| [${entry.id}.png](${entry.id}.png) ([svg](${entry.id}.svg)) | ` +
    `${cell(entry.paperFigure)} | ${cell(entry.title)} | ${cell(entry.settings)} |`;
}

/**
 * The index with `entries` in it: their rows replace those of the same id in
 * `existing`, whose other rows stay (unless `options.keep` says not).
 *
 * @param existing The index there now, or `undefined` when there is none.
 * @param entries The figures just written.
 * @param options Which existing rows to keep, the order of the rows.
 * @returns The whole index.md text, ending in a newline.
 *
 * @example Drawing one figure again keeps the other's row
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const a = { id: "fig04_service_time", paperFigure: "Fig. 4", title: "old", settings: "s" };
 * const b = { id: "fig01_10_hourly_rates", paperFigure: "Figs. 1 and 10", title: "t", settings: "s" };
 * const both = mergeFigureIndex(undefined, [a, b]);
 * const again = mergeFigureIndex(both, [{ ...a, title: "new" }]);
 * const rows = again.split("\n").filter((l) => l.startsWith("| ["));
 * assert.deepEqual(rows, [figureIndexRow(b), figureIndexRow({ ...a, title: "new" })]);
 * ```
 */
export function mergeFigureIndex(
  existing: string | undefined,
  entries: readonly FigureIndexEntry[],
  options: MergeFigureIndexOptions = {},
): string {
  const { keep = () => true, order = PAPER_FIGURE_IDS } = options;
  const rows = new Map<string, string>();
  for (const line of (existing ?? "").split("\n")) {
    const id = _ROW.exec(line)?.[1];
    if (id !== undefined && keep(id)) rows.set(id, line);
  }
  for (const e of entries) rows.set(e.id, figureIndexRow(e));
  const rank = (id: string) => {
    const i = order.indexOf(id);
    return i < 0 ? order.length : i;
  };
  const ids = [...rows.keys()].sort((x, y) => rank(x) - rank(y));
  return [..._HEADER, ...ids.map((id) => rows.get(id)!)].join("\n") + "\n";
}

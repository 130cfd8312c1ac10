/**
 * Tables for notebook displays: rows of plain values as an HTML table and as
 * aligned plain text. Pure.
 *
 * @module
 */

/** A column of a {@linkcode renderTable} table. */
export interface TableColumn<T> {
  /** Heading, with its unit (e.g. "p95 latency (s)"). */
  label: string;
  /** The cell's value of a row. */
  value: (row: T) => string | number | undefined;
  /** Digits for numbers: a count of significant digits, or "exp" for x.xxxe-y. @default {4} */
  digits?: number | "exp";
}

/** A table in the two forms a notebook display offers. */
export interface RenderedTable {
  html: string;
  text: string;
}

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
};

/** Escapes text for HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ESCAPES[c]);
}

function formatCell(v: string | number | undefined, digits: number | "exp"): string {
  if (v === undefined) return "";
  if (typeof v === "string") return v;
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  if (digits === "exp") return v.toExponential(3);
  return Number(v.toPrecision(digits)).toString();
}

/**
 * Renders rows as a table.
 *
 * @param rows The rows.
 * @param columns The columns, with headings carrying units.
 * @param options `caption` above the table.
 * @returns HTML (numbers right-aligned) and plain text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderTable } from "./html_table.ts";
 *
 * const rows = [{ hour: 1, p95: 0.123456 }];
 * const t = renderTable(rows, [
 *   { label: "hour", value: (r) => r.hour },
 *   { label: "p95 latency (s)", value: (r) => r.p95, digits: 3 },
 * ]);
 * assert.equal(t.text, "hour  p95 latency (s)\n   1            0.123");
 * ```
 */
export function renderTable<T>(
  rows: readonly T[],
  columns: readonly TableColumn<T>[],
  options: { caption?: string } = {},
): RenderedTable {
  const cells = rows.map((r) => columns.map((c) => formatCell(c.value(r), c.digits ?? 4)));
  const numeric = columns.map((c) =>
    rows.every((r) => {
      const v = c.value(r);
      return v === undefined || typeof v === "number";
    })
  );
  const widths = columns.map((c, j) =>
    Math.max(c.label.length, ...cells.map((row) => row[j].length))
  );
  const pad = (s: string, j: number) => numeric[j] ? s.padStart(widths[j]) : s.padEnd(widths[j]);
  const text = [
    ...(options.caption ? [options.caption] : []),
    columns.map((c, j) => pad(c.label, j)).join("  ").trimEnd(),
    ...cells.map((row) => row.map(pad).join("  ").trimEnd()),
  ].join("\n");
  const align = (j: number) => numeric[j] ? ' style="text-align:right"' : "";
  const html = [
    "<table>",
    options.caption ? `<caption>${escapeHtml(options.caption)}</caption>` : "",
    "<thead><tr>",
    ...columns.map((c, j) => `<th${align(j)}>${escapeHtml(c.label)}</th>`),
    "</tr></thead><tbody>",
    ...cells.map((row) =>
      `<tr>${row.map((v, j) => `<td${align(j)}>${escapeHtml(v)}</td>`).join("")}</tr>`
    ),
    "</tbody></table>",
  ].join("");
  return { html, text };
}

/** A table that displays itself in a notebook (HTML, and text elsewhere). */
export class TableView<T> {
  readonly #table: RenderedTable;

  /**
   * @param rows The rows.
   * @param columns The columns, with headings carrying units.
   * @param options `caption` above the table.
   */
  constructor(
    readonly rows: readonly T[],
    columns: readonly TableColumn<T>[],
    options: { caption?: string } = {},
  ) {
    this.#table = renderTable(rows, columns, options);
  }

  /** The table as aligned plain text. */
  toString(): string {
    return this.#table.text;
  }

  /** The table in the notebook. */
  [Symbol.for("Jupyter.display")](): Record<string, string> {
    return { "text/html": this.#table.html, "text/plain": this.#table.text };
  }
}

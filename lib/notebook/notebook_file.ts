/**
 * Jupyter notebook files (nbformat 4) as data: their code cells, and the errors
 * an executed notebook carries in its outputs. Pure: no I/O.
 *
 * @module
 */

/** One cell of a notebook (the fields used here). */
export interface NotebookCell {
  cell_type: "code" | "markdown" | "raw";
  source: string | string[];
  outputs?: NotebookOutput[];
}

/** One output of a code cell (the fields used here). */
export interface NotebookOutput {
  output_type: "stream" | "display_data" | "execute_result" | "error";
  name?: string;
  text?: string | string[];
  ename?: string;
  evalue?: string;
  data?: Record<string, unknown>;
}

/** A notebook (the fields used here). */
export interface Notebook {
  cells: NotebookCell[];
  metadata: Record<string, unknown>;
  nbformat: number;
  nbformat_minor: number;
}

/** An error found in an executed notebook's outputs. */
export interface NotebookError {
  /** Index of the cell, from 0. */
  cell: number;
  /** What went wrong: the error's name and value, or the stderr text. */
  message: string;
}

/**
 * Parses a notebook file's text.
 *
 * @param text The `.ipynb` file's content.
 * @param name The file's name, for messages.
 * @returns The notebook.
 * @throws {SyntaxError} When the text is not an nbformat 4 notebook.
 */
export function parseNotebook(text: string, name: string): Notebook {
  let nb: Notebook;
  try {
    nb = JSON.parse(text);
  } catch (e) {
    throw new SyntaxError(`${name}: not JSON (${(e as Error).message})`);
  }
  if (nb?.nbformat !== 4 || !Array.isArray(nb.cells)) {
    throw new SyntaxError(`${name}: not an nbformat 4 notebook (no 'cells' or nbformat != 4)`);
  }
  return nb;
}

/** A cell's source as one string. */
export function cellSource(cell: NotebookCell): string {
  return Array.isArray(cell.source) ? cell.source.join("") : cell.source;
}

/**
 * The notebook's code cells as one TypeScript module, each cell in its own
 * block preceded by a comment with its index, so a stack trace names the cell.
 * Cells share top-level names, as in the kernel, so declarations stay at the
 * top level rather than in blocks.
 *
 * @param nb The notebook.
 * @returns The module's source.
 */
export function notebookAsModule(nb: Notebook): string {
  const parts: string[] = [];
  nb.cells.forEach((cell, i) => {
    if (cell.cell_type !== "code") return;
    parts.push(`// ---- cell ${i}\n${cellSource(cell)}\n`);
  });
  return parts.join("\n");
}

/**
 * The errors an executed notebook carries (its `error` outputs).
 *
 * @param nb An executed notebook.
 * @returns One entry per error output, in cell order.
 */
export function notebookErrors(nb: Notebook): NotebookError[] {
  const errors: NotebookError[] = [];
  nb.cells.forEach((cell, i) => {
    for (const o of cell.outputs ?? []) {
      if (o.output_type === "error") {
        errors.push({ cell: i, message: `${o.ename ?? "Error"}: ${o.evalue ?? ""}`.trim() });
      }
    }
  });
  return errors;
}

/**
 * Whether every code cell of a notebook has been executed (has an execution
 * count): a committed notebook carries the outputs of a full run.
 *
 * @param nb The notebook.
 * @returns The indexes of code cells never executed.
 */
export function unexecutedCells(nb: Notebook): number[] {
  const out: number[] = [];
  nb.cells.forEach((cell, i) => {
    const count = (cell as { execution_count?: number | null }).execution_count;
    if (cell.cell_type === "code" && cellSource(cell).trim() !== "" && !(count! > 0)) out.push(i);
  });
  return out;
}

/**
 * Code cells that had outputs in `before` and have none in `after`: a run
 * that lost what the committed notebook shows (the Deno kernel now and then
 * drops a cell's result under nbconvert).
 *
 * @param before The notebook as committed.
 * @param after The same notebook executed again.
 * @returns Indexes of the cells, in order.
 */
export function cellsThatLostOutput(before: Notebook, after: Notebook): number[] {
  const out: number[] = [];
  before.cells.forEach((cell, i) => {
    const now = after.cells[i];
    if (
      cell.cell_type === "code" && (cell.outputs?.length ?? 0) > 0 &&
      now?.cell_type === "code" && (now.outputs?.length ?? 0) === 0
    ) out.push(i);
  });
  return out;
}

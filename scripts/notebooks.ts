/**
 * `deno task notebooks`: executes every notebook in notebooks/ headless through
 * Jupyter (nbconvert on the Deno kernel) and fails on any error output. With
 * `--write` the executed notebooks replace the committed ones (their outputs
 * are what a fresh run shows). `--deno` runs the code cells through Deno
 * instead, for machines without Jupyter.
 *
 * @module
 */

import { basename, join } from "node:path";
import {
  flagAsTyped,
  numberInRange,
  oneOfFlag,
  parseFlags,
  reportUserError,
} from "../lib/cli/flags.ts";
import { UsageError } from "../lib/cli/usage_error.ts";
import {
  executeWithDeno,
  executeWithJupyter,
  jupyterAvailable,
  type NotebookRun,
} from "../lib/notebook/run_notebook.ts";

const NOTEBOOKS_DIR = new URL("../notebooks/", import.meta.url).pathname;

const HELP = `Usage: deno task notebooks [options] [NAME...]

Executes the notebooks in notebooks/ (or those named, e.g. 01_quick_start)
headless with jupyter nbconvert on the Deno kernel, and fails when any cell
leaves an error output or loses the output its committed copy has. Install
Jupyter and the kernel with .ci/install-jupyter.

Options:
  --write          replace each notebook with its executed copy (outputs to commit)
  --deno           run the code cells through Deno instead of Jupyter (no
                   outputs, so neither --write nor --timeout)
  --timeout S      longest a cell may run on the kernel, s              [600]
  --format FORMAT  table, json or csv                                   [table]
  -h, --help       this text

Cells are numbered from 0, markdown cells included, as in the .ipynb file.

Exit codes: 0 every notebook ran clean; 1 a notebook has an error output or
a cell lost its output; 2 bad options, an unknown notebook or no Jupyter.
`;

/** "cell 3" or "cells 3, 4" and the verb that agrees with it. */
function cellsPhrase(cells: readonly number[], verb: { one: string; many: string }): string {
  return cells.length === 1
    ? `cell ${cells[0]} ${verb.one}`
    : `cells ${cells.join(", ")} ${verb.many}`;
}

/** One notebook's line of the table. */
function statusOf(run: NotebookRun): string {
  const problems: string[] = [];
  if (run.errors.length > 0) {
    problems.push(`${run.errors.length} error${run.errors.length === 1 ? "" : "s"}`);
  }
  if (run.lostOutputs.length > 0) {
    problems.push(
      `${
        cellsPhrase(run.lostOutputs, { one: "has", many: "have" })
      } no output (the committed copy has)`,
    );
  }
  return problems.length === 0 ? "ok" : problems.join("; ");
}

/** A CSV field, quoted when it must be. */
function csvField(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * Runs the notebooks CLI.
 *
 * @param args Command-line arguments.
 * @returns The exit code.
 */
export async function main(args: string[]): Promise<number> {
  const runs: NotebookRun[] = [];
  let format: "table" | "json" | "csv" = "table";
  try {
    const { values, positionals, typed } = parseFlags({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        write: { type: "boolean" },
        deno: { type: "boolean" },
        timeout: { type: "string" },
        format: { type: "string", default: "table" },
        help: { type: "boolean", short: "h" },
      },
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    format = oneOfFlag("format", values.format!, ["table", "json", "csv"] as const);
    const timeoutSec = numberInRange(flagAsTyped(typed, "timeout"), values.timeout ?? "600", {
      min: 0,
      minExclusive: true,
      unit: "s",
    });
    if (values.deno) {
      for (const name of ["write", "timeout"] as const) {
        if (values[name] !== undefined) {
          throw new UsageError(
            `${flagAsTyped(typed, name)} needs Jupyter: it does nothing with ` +
              `${flagAsTyped(typed, "deno")}, which runs the code cells without the kernel`,
          );
        }
      }
    }
    const all = [...Deno.readDirSync(NOTEBOOKS_DIR)]
      .filter((e) => e.isFile && e.name.endsWith(".ipynb"))
      .map((e) => e.name)
      .sort();
    const names = positionals.length === 0 ? all : positionals.map((p) => {
      const name = basename(p).endsWith(".ipynb") ? basename(p) : `${basename(p)}.ipynb`;
      if (!all.includes(name)) {
        throw new UsageError(`No notebook ${name} in notebooks/ (there are: ${all.join(", ")})`);
      }
      return name;
    });
    if (!values.deno && !(await jupyterAvailable())) {
      throw new UsageError(
        "Jupyter nbconvert or the Deno kernel is missing: run .ci/install-jupyter (or use --deno)",
      );
    }
    const tty = format === "table" && Deno.stderr.isTerminal();
    if (format === "csv") console.log("notebook,via,elapsed_sec,errors,lost_output_cells,status");
    for (const name of names) {
      if (tty) Deno.stderr.writeSync(new TextEncoder().encode(`\rnotebooks: ${name}...\x1b[K`));
      const path = join(NOTEBOOKS_DIR, name);
      const run = values.deno
        ? await executeWithDeno(path)
        : await executeWithJupyter(path, { write: values.write, timeoutSec });
      runs.push(run);
      if (tty) Deno.stderr.writeSync(new TextEncoder().encode("\r\x1b[K"));
      if (format === "table") {
        console.log(
          `${name.padEnd(32)} ${run.via.padEnd(7)} ${run.elapsedSec.toFixed(1).padStart(6)} s  ${
            statusOf(run)
          }`,
        );
        for (const e of run.errors) console.log(`  cell ${e.cell}: ${e.message}`);
      } else if (format === "csv") {
        console.log(
          [
            name,
            run.via,
            String(run.elapsedSec),
            String(run.errors.length),
            run.lostOutputs.join(" "),
            statusOf(run),
          ].map(csvField).join(","),
        );
      }
    }
  } catch (e) {
    return reportUserError("notebooks", e);
  }
  if (format === "json") {
    console.log(JSON.stringify({
      notebooks: runs.map((r) => ({ ...r, path: basename(r.path) })),
    }));
  }
  return runs.every((r) => r.errors.length === 0 && r.lostOutputs.length === 0) ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));

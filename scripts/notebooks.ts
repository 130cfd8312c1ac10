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
import { parseFlags, reportUserError } from "../lib/cli/flags.ts";
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
leaves an error output. Install Jupyter and the kernel with .ci/install-jupyter.

Options:
  --write          replace each notebook with its executed copy (outputs to commit)
  --deno           run the code cells through Deno instead of Jupyter
  --timeout S      longest a cell may run, s                        [600]
  --format FORMAT  table or json                                    [table]
  -h, --help       this text

Exit codes: 0 all ran clean, 1 a notebook had errors, 2 bad options or no Jupyter.
`;

/**
 * Runs the notebooks CLI.
 *
 * @param args Command-line arguments.
 * @returns The exit code.
 */
export async function main(args: string[]): Promise<number> {
  let runs: NotebookRun[] = [];
  let json = false;
  try {
    const { values, positionals } = parseFlags({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        write: { type: "boolean" },
        deno: { type: "boolean" },
        timeout: { type: "string", default: "600" },
        format: { type: "string", default: "table" },
        help: { type: "boolean", short: "h" },
      },
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    if (values.format !== "table" && values.format !== "json") {
      throw new UsageError(`--format must be table or json: found '${values.format}'`);
    }
    json = values.format === "json";
    const timeoutSec = Number(values.timeout);
    if (!(timeoutSec > 0)) {
      throw new UsageError(
        `--timeout must be a positive number of seconds: found '${values.timeout}'`,
      );
    }
    if (values.write && values.deno) {
      throw new UsageError("--write needs Jupyter: it cannot go with --deno");
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
    const tty = !json && Deno.stderr.isTerminal();
    for (const name of names) {
      if (tty) Deno.stderr.writeSync(new TextEncoder().encode(`\rnotebooks: ${name}...\x1b[K`));
      const path = join(NOTEBOOKS_DIR, name);
      const committed = await Deno.readTextFile(path);
      let run = values.deno
        ? await executeWithDeno(path)
        : await executeWithJupyter(path, { write: values.write, timeoutSec });
      // The Deno kernel now and then drops a cell's result: with --write, run
      // again (twice at most) rather than commit a notebook that lost outputs.
      for (let retry = 0; values.write && run.lostOutputs.length > 0 && retry < 2; retry++) {
        if (!json) {
          console.error(
            `${name}: cells ${run.lostOutputs.join(", ")} lost their output; running again`,
          );
        }
        await Deno.writeTextFile(path, committed);
        run = await executeWithJupyter(path, { write: true, timeoutSec });
      }
      runs.push(run);
      if (tty) Deno.stderr.writeSync(new TextEncoder().encode("\r\x1b[K"));
      if (!json) {
        const status = run.errors.length > 0
          ? `${run.errors.length} error(s)`
          : run.lostOutputs.length > 0
          ? `ok, but cells ${run.lostOutputs.join(", ")} have no output (the committed ones did)`
          : "ok";
        console.log(
          `${name.padEnd(32)} ${run.via.padEnd(7)} ${
            run.elapsedSec.toFixed(1).padStart(6)
          } s  ${status}`,
        );
        for (const e of run.errors) console.log(`  cell ${e.cell}: ${e.message}`);
      }
    }
  } catch (e) {
    return reportUserError("notebooks", e);
  }
  if (json) {
    console.log(JSON.stringify({
      notebooks: runs.map((r) => ({ ...r, path: basename(r.path) })),
    }));
  }
  runs = runs.filter((r) => r.errors.length > 0);
  return runs.length === 0 ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));

/**
 * Executing notebooks headless: through Jupyter (nbconvert on the Deno kernel)
 * when it is installed, or their code cells through Deno as one module. The
 * edge where processes and files enter; the notebook format is in
 * `notebook_file.ts`.
 *
 * @module
 */

import { basename, dirname, join } from "node:path";
import {
  cellsThatLostOutput,
  notebookAsModule,
  type NotebookError,
  notebookErrors,
  parseNotebook,
} from "./notebook_file.ts";

/** What running one notebook gave. */
export interface NotebookRun {
  path: string;
  /** "jupyter" (nbconvert on the Deno kernel) or "deno" (code cells as a module). */
  via: "jupyter" | "deno";
  elapsedSec: number;
  /** Errors in the outputs (Jupyter) or the module's failure (Deno). */
  errors: NotebookError[];
  /** Code cells that had outputs before the run and have none after it (Jupyter). */
  lostOutputs: number[];
}

/**
 * Whether `jupyter nbconvert` and the Deno kernel are installed.
 *
 * @returns True when both are.
 */
export async function jupyterAvailable(): Promise<boolean> {
  try {
    const nb = await new Deno.Command("jupyter", {
      args: ["nbconvert", "--version"],
      stdout: "null",
      stderr: "null",
    }).output();
    if (!nb.success) return false;
    const specs = await new Deno.Command("jupyter", {
      args: ["kernelspec", "list", "--json"],
      stdout: "piped",
      stderr: "null",
    }).output();
    const list = JSON.parse(new TextDecoder().decode(specs.stdout));
    return "deno" in (list.kernelspecs ?? {});
  } catch {
    return false;
  }
}

/**
 * nbconvert's configuration (Python, as traitlets reads `--config` files): an
 * ExecutePreprocessor that does not take a cell's `status: idle` for the end
 * of its outputs.
 *
 * The Deno kernel (2.9) sends a cell's `execute_result` and `display_data`
 * from the JavaScript runtime's thread and `status: idle` from its server
 * thread, and they are not ordered: in stress runs of 80 one-line cells, 1 to
 * 12 cells per run had their output arrive about 0.2 ms after their idle, for
 * `execute_result` as for `Deno.jupyter.display`. nbclient (under nbconvert)
 * ends a cell at its idle and drops any later message of that cell, so the
 * output was lost. Here each cell is followed by a fence, a
 * `kernel_info_request`, and the cell's messages that arrive before the
 * fence's `status: idle` are kept: in the runs measured every late message
 * came before it (720 fenced cells, none lost), though the kernel does not
 * promise that order. This overrides nbclient's `_async_poll_output_msg` (a
 * private method: checked with nbclient 0.7.2, Debian's).
 */
const _FENCED_EXECUTE_CONFIG = `
from jupyter_core.utils import ensure_async
from nbconvert.preprocessors import ExecutePreprocessor


class FencedExecutePreprocessor(ExecutePreprocessor):
    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        await super()._async_poll_output_msg(parent_msg_id, cell, cell_index)
        fence = self.kc.kernel_info()
        while True:
            msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=None))
            parent = msg["parent_header"].get("msg_id")
            if parent == parent_msg_id and msg["msg_type"] != "status":
                self.process_message(msg, cell, cell_index)
            elif (parent == fence and msg["msg_type"] == "status"
                  and msg["content"]["execution_state"] == "idle"):
                return


c.Exporter.preprocessors = [FencedExecutePreprocessor]
`;

/**
 * Executes a notebook with `jupyter nbconvert` on the Deno kernel, each cell
 * fenced so that no output the kernel sends after the cell's idle is lost
 * (see `_FENCED_EXECUTE_CONFIG`).
 *
 * @param path The notebook.
 * @param options `write`: replace the notebook with the executed one (its
 *   outputs committed); `timeoutSec`: per cell.
 * @returns The run, with the error outputs found.
 */
export async function executeWithJupyter(
  path: string,
  options: { write?: boolean; timeoutSec?: number } = {},
): Promise<NotebookRun> {
  const { write = false, timeoutSec = 600 } = options;
  const work = await Deno.makeTempDir({ prefix: "notebook_" });
  const outDir = write ? dirname(path) : work;
  const config = join(work, "fenced_execute.py");
  await Deno.writeTextFile(config, _FENCED_EXECUTE_CONFIG);
  const before = parseNotebook(await Deno.readTextFile(path), path);
  const started = performance.now();
  try {
    const out = await new Deno.Command("jupyter", {
      args: [
        "nbconvert",
        "--to",
        "notebook",
        `--config=${config}`,
        "--ExecutePreprocessor.allow_errors=True",
        `--ExecutePreprocessor.timeout=${timeoutSec}`,
        "--ExecutePreprocessor.kernel_name=deno",
        "--output-dir",
        outDir,
        "--output",
        basename(path),
        path,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const elapsedSec = (performance.now() - started) / 1000;
    if (!out.success) {
      const lines = new TextDecoder().decode(out.stderr).trim().split("\n");
      return {
        path,
        via: "jupyter",
        elapsedSec,
        errors: [{ cell: -1, message: `nbconvert failed: ${lines.at(-1)}` }],
        lostOutputs: [],
      };
    }
    const executed = join(outDir, basename(path));
    const nb = parseNotebook(await Deno.readTextFile(executed), executed);
    return {
      path,
      via: "jupyter",
      elapsedSec,
      errors: notebookErrors(nb),
      lostOutputs: cellsThatLostOutput(before, nb),
    };
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

/**
 * Runs a notebook's code cells through Deno as one module (beside the notebook,
 * so its relative imports resolve), for machines without Jupyter.
 *
 * @param path The notebook.
 * @returns The run; an error names the module's failure.
 */
export async function executeWithDeno(path: string): Promise<NotebookRun> {
  const nb = parseNotebook(await Deno.readTextFile(path), path);
  const module = join(dirname(path), `.cells_${basename(path, ".ipynb")}_${Deno.pid}.ts`);
  const source = notebookAsModule(nb);
  await Deno.writeTextFile(module, source);
  const started = performance.now();
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", "--quiet", module],
      cwd: dirname(path),
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    const elapsedSec = (performance.now() - started) / 1000;
    const stderr = new TextDecoder().decode(out.stderr);
    const errors = out.success ? [] : [{
      cell: cellOfLine(source, Number(stderr.match(/\.cells_[^:\s]*:(\d+)/)?.[1] ?? 0)),
      message: stderr.trim().split("\n").slice(0, 6).join("\n"),
    }];
    return { path, via: "deno", elapsedSec, errors, lostOutputs: [] };
  } finally {
    await Deno.remove(module);
  }
}

/** The cell a line of the module came from (its `// ---- cell i` marker), or -1. */
function cellOfLine(source: string, line: number): number {
  let cell = -1;
  source.split("\n").slice(0, line).forEach((l) => {
    const m = l.match(/^\/\/ ---- cell (\d+)$/);
    if (m) cell = Number(m[1]);
  });
  return cell;
}

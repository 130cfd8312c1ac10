/**
 * `deno task figures`: writes each reproduced figure of the paper as SVG and
 * PNG into a folder, with an index.md naming the paper figure each one
 * reproduces and the settings used.
 *
 * @module
 */

import { join } from "node:path";
import { renderPng, renderSvg } from "../lib/charts/render.ts";
import { parseFlags, reportUserError } from "../lib/cli/flags.ts";
import { createProgress } from "../lib/cli/progress.ts";
import { UsageError } from "../lib/cli/usage_error.ts";
import { PAPER_FIGURE_IDS, paperFigures } from "../lib/figures/paper_figures.ts";
import { readMapDirectory } from "../lib/io/map_files.ts";
import { glpkSolver } from "../lib/optimize/milp.ts";

const TRACES_DIR = new URL("../traces/", import.meta.url).pathname;

const HELP = `Usage: deno task figures [options]

Reproduces the paper's figures from the published MAPs and profiles, and
writes each as SVG and PNG, with an index.md that names the paper figure each
reproduces and the settings used.

Options:
  --out DIR        where to write                                   [figures]
  --only ID,...    only these figures (ids below)
  --scale X        PNG pixels per SVG pixel                          [2]
  --format FORMAT  table or json (the files written, on stdout)      [table]
  -h, --help       this text

Figures: ${PAPER_FIGURE_IDS.join(", ")}

Exit codes: 0 written, 2 bad options.
`;

/**
 * Runs the figures CLI.
 *
 * @param args Command-line arguments.
 * @returns The exit code.
 */
export async function main(args: string[]): Promise<number> {
  try {
    const { values } = parseFlags({
      args,
      strict: true,
      options: {
        out: { type: "string", default: "figures" },
        only: { type: "string" },
        scale: { type: "string", default: "2" },
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
    const scale = Number(values.scale);
    if (!(scale > 0 && scale <= 8)) {
      throw new UsageError(`--scale must be a number in (0, 8]: found '${values.scale}'`);
    }
    const only = values.only?.split(",").map((s) => s.trim()).filter((s) => s !== "");
    for (const id of only ?? []) {
      if (!(PAPER_FIGURE_IDS as readonly string[]).includes(id)) {
        throw new UsageError(
          `--only: no figure '${id}' (there are: ${PAPER_FIGURE_IDS.join(", ")})`,
        );
      }
    }
    const json = values.format === "json";
    const tty = !json && Deno.stderr.isTerminal();
    const progress = tty
      ? createProgress({
        label: "figures",
        write: (t) => Deno.stderr.writeSync(new TextEncoder().encode(t)),
      })
      : undefined;
    const traces = {
      twitter: await readMapDirectory(join(TRACES_DIR, "twitter")),
      nys: await readMapDirectory(join(TRACES_DIR, "nys")),
    };
    const out = values.out!;
    await Deno.mkdir(out, { recursive: true });
    const written: { id: string; svg: string; png: string }[] = [];
    const index = [
      "# Figures of the BATCH paper, reproduced",
      "",
      "Made by `deno task figures` from the published hourly MAPs (traces/) and service-time",
      'profiles; see each line for the settings. Ali, Pinciroli, Yan, Smirni, "BATCH: Machine',
      "Learning Inference Serving on Serverless Platforms with Adaptive Batching\", SC'20.",
      "",
      "| file | paper | what it shows | settings |",
      "|---|---|---|---|",
    ];
    const figures = paperFigures(traces, {
      only,
      solver: await glpkSolver(),
      onFigure: (done, total) => progress?.update(done, total),
    });
    for (const f of figures) {
      // Each figure is written as soon as it is drawn: a failure later keeps it.
      const svg = renderSvg(f.chart);
      const svgPath = join(out, `${f.id}.svg`), pngPath = join(out, `${f.id}.png`);
      await Deno.writeTextFile(svgPath, svg + "\n");
      await Deno.writeFile(pngPath, await renderPng(svg, { scale }));
      written.push({ id: f.id, svg: svgPath, png: pngPath });
      index.push(
        `| [${f.id}.png](${f.id}.png) ([svg](${f.id}.svg)) | ${f.paperFigure} | ${f.title} | ${f.settings} |`,
      );
      await Deno.writeTextFile(join(out, "index.md"), index.join("\n") + "\n");
    }
    progress?.done();
    if (json) console.log(JSON.stringify({ out, figures: written }));
    else {
      for (const w of written) console.log(`${w.png}  ${w.svg}`);
      console.log(`${written.length} figures in ${out} (index: ${join(out, "index.md")})`);
    }
    return 0;
  } catch (e) {
    return reportUserError("figures", e);
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));

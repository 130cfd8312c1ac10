/**
 * `deno task figures`: writes each reproduced figure of the paper as SVG and
 * PNG into a folder, with an index.md naming the paper figure each one
 * reproduces and the settings used.
 *
 * @module
 */

import { join } from "node:path";
import { renderPng, renderSvg } from "../lib/charts/render.ts";
import { explainFileError } from "../lib/cli/file_errors.ts";
import {
  flagAsTyped,
  numberInRange,
  oneOfFlag,
  parseFlags,
  reportUserError,
} from "../lib/cli/flags.ts";
import { createProgress } from "../lib/cli/progress.ts";
import { UsageError } from "../lib/cli/usage_error.ts";
import { type FigureIndexEntry, mergeFigureIndex } from "../lib/figures/figure_index.ts";
import { PAPER_FIGURE_IDS, paperFigures } from "../lib/figures/paper_figures.ts";
import { readMapDirectory } from "../lib/io/map_files.ts";
import { glpkSolver } from "../lib/optimize/milp.ts";

const TRACES_DIR = new URL("../traces/", import.meta.url).pathname;

const HELP = `Usage: deno task figures [options]

Reproduces the paper's figures from the published MAPs and profiles, and
writes each as SVG and PNG, with an index.md that names the paper figure each
reproduces and the settings used. With --only, the index keeps the entries of
the figures already in the folder.

Options:
  --out DIR        where to write, created if missing               [figures]
  --only ID,...    only these figures (ids below)                   [all]
  --scale X        PNG pixels per SVG pixel, within (0, 8]           [2]
  --format FORMAT  table, json or csv (the files written, on stdout) [table]
  -h, --help       this text

Figures: ${PAPER_FIGURE_IDS.join(", ")}

Exit codes: 0 written; 2 bad options or a folder that cannot be written.
`;

/** A CSV field, quoted when it must be. */
function csvField(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * Runs the figures CLI.
 *
 * @param args Command-line arguments.
 * @returns The exit code.
 */
export async function main(args: string[]): Promise<number> {
  try {
    const { values, typed } = parseFlags({
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
    const format = oneOfFlag(
      flagAsTyped(typed, "format"),
      values.format!,
      [
        "table",
        "json",
        "csv",
      ] as const,
    );
    const scale = numberInRange(flagAsTyped(typed, "scale"), values.scale!, {
      min: 0,
      minExclusive: true,
      max: 8,
    });
    const onlyFlag = flagAsTyped(typed, "only");
    const only = values.only?.split(",").map((s) => s.trim());
    for (const id of only ?? []) {
      if (!(PAPER_FIGURE_IDS as readonly string[]).includes(id)) {
        throw new UsageError(
          `${onlyFlag}: no figure '${id}' (there are: ${PAPER_FIGURE_IDS.join(", ")})`,
        );
      }
    }
    const tty = format === "table" && Deno.stderr.isTerminal();
    const progress = tty
      ? createProgress({
        label: "figures",
        write: (t) => Deno.stderr.writeSync(new TextEncoder().encode(t)),
      })
      : undefined;
    const out = values.out!;
    const outFlag = flagAsTyped(typed, "out");
    const written: { id: string; paperFigure: string; svg: string; png: string }[] = [];
    const indexPath = join(out, "index.md");
    /** Writes into --out, with an error that names it and says what to do. */
    const writing = async (body: () => Promise<void>) => {
      try {
        await body();
      } catch (e) {
        throw explainFileError(e, { path: out, flag: outFlag, kind: "directory", access: "write" });
      }
    };
    await writing(() => Deno.mkdir(out, { recursive: true }));
    let existing: string | undefined;
    try {
      existing = await Deno.readTextFile(indexPath);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) {
        throw explainFileError(e, { path: indexPath, kind: "file", access: "read" });
      }
    }
    const traces = {
      twitter: await readMapDirectory(join(TRACES_DIR, "twitter")),
      nys: await readMapDirectory(join(TRACES_DIR, "nys")),
    };
    const figures = paperFigures(traces, {
      only,
      solver: await glpkSolver(),
      onFigure: (done, total) => progress?.update(done, total),
    });
    const entries: FigureIndexEntry[] = [];
    /** Whether a figure of the existing index still has its files. */
    const hasFiles = (id: string) => {
      try {
        return Deno.statSync(join(out, `${id}.png`)).isFile;
      } catch {
        return false;
      }
    };
    for (const f of figures) {
      // Each figure is written as soon as it is drawn: a failure later keeps it.
      const svg = renderSvg(f.chart);
      const svgPath = join(out, `${f.id}.svg`), pngPath = join(out, `${f.id}.png`);
      const png = await renderPng(svg, { scale });
      await writing(async () => {
        await Deno.writeTextFile(svgPath, svg + "\n");
        await Deno.writeFile(pngPath, png);
      });
      written.push({ id: f.id, paperFigure: f.paperFigure, svg: svgPath, png: pngPath });
      entries.push(f);
      const index = mergeFigureIndex(existing, entries, { keep: hasFiles });
      await writing(() => Deno.writeTextFile(indexPath, index));
    }
    progress?.done();
    if (format === "json") console.log(JSON.stringify({ out, index: indexPath, figures: written }));
    else if (format === "csv") {
      console.log("id,paper_figure,png,svg");
      for (const w of written) {
        console.log([w.id, w.paperFigure, w.png, w.svg].map(csvField).join(","));
      }
    } else {
      for (const w of written) console.log(`${w.png}  ${w.svg}`);
      console.log(
        `${written.length} figure${
          written.length === 1 ? "" : "s"
        } in ${out} (index: ${indexPath})`,
      );
    }
    return 0;
  } catch (e) {
    return reportUserError("figures", e);
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));

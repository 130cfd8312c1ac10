/**
 * `deno task fit`: a MAP(2) for each window (an hour by default) of an arrival
 * trace, fitted to the first three moments and the lag-1 autocorrelation of
 * its inter-arrival times, optionally written as `MAP<i>_D0` / `MAP<i>_D1`
 * files that `deno task solve --trace DIR` reads.
 *
 * @module
 */

import { replayArrivals, takeArrivals } from "../lib/arrivals/streams.ts";
import { createProgress, SILENT_PROGRESS } from "../lib/cli/progress.ts";
import { numberFlag, parseFlags, reportUserError } from "../lib/cli/flags.ts";
import { UsageError } from "../lib/cli/usage_error.ts";
import { readInterArrivalFile, readTimestampFile, writeMapFiles } from "../lib/io/trace_files.ts";
import { fitMapWindows, type MapWindowFit } from "../lib/map/map2_fit.ts";
import { mapProcess } from "../lib/map/map_process.ts";

const HELP = `Usage: deno task fit <trace> [options]

Fits a MAP(2) to each window of an arrival trace: the first three moments of
the inter-arrival time and its lag-1 autocorrelation are matched exactly when a
MAP(2) can have them (Bodrog, Heindl, Horvath, Telek, EJOR 2008), else the
closest feasible values are used and the note column says what was moved.
A window's sample is the gaps between its own arrivals.

<trace> is a file of inter-arrival times in seconds, one per line (as
traces/samples/*.txt, or MMPP_arrival of the paper's code release), or of
absolute arrival times with --timestamps. Blank lines and lines starting with
# are ignored.

Options:
  --window S         window length, seconds                          [3600]
  --start S          start of the first window, seconds              [0; with
                     --timestamps the first time rounded down to a multiple
                     of --window]
  --timestamps       the file holds absolute arrival times
  --min-arrivals N   fewest arrivals in a window to fit it (>= 4)    [10]
  --out DIR          write MAP<i>_D0 and MAP<i>_D1 for each fitted window i
                     (1 = the first window) into DIR, created if missing
  --format FORMAT    table or json                                   [table]
  -h, --help         this text

Exit codes: 0 at least one window fitted, 1 none could be fitted, 2 bad
options or input file.
`;

interface Options {
  trace: string;
  windowSec: number;
  startSec?: number;
  timestamps: boolean;
  minArrivals: number;
  out?: string;
  format: "table" | "json";
}

function parseOptions(args: string[]): Options | "help" {
  const parsed = parseFlags({
    args,
    strict: true,
    allowPositionals: true,
    options: {
      window: { type: "string", default: "3600" },
      start: { type: "string" },
      timestamps: { type: "boolean", default: false },
      "min-arrivals": { type: "string", default: "10" },
      out: { type: "string" },
      format: { type: "string", default: "table" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const v = parsed.values;
  if (v.help) return "help";
  if (parsed.positionals.length !== 1) {
    throw new UsageError(
      parsed.positionals.length === 0
        ? "a trace file is required"
        : `expected one trace file: found ${parsed.positionals.length} ` +
          `(${parsed.positionals.join(", ")})`,
    );
  }
  const windowSec = numberFlag("window", v.window)!;
  if (!(windowSec > 0)) throw new UsageError(`--window must be > 0 s: found ${windowSec}`);
  const minArrivals = numberFlag("min-arrivals", v["min-arrivals"])!;
  if (!(Number.isInteger(minArrivals) && minArrivals >= 4)) {
    throw new UsageError(`--min-arrivals must be an integer >= 4: found ${minArrivals}`);
  }
  const format = v.format!.toLowerCase();
  if (format !== "table" && format !== "json") {
    throw new UsageError(`--format must be one of table, json: found '${v.format}'`);
  }
  return {
    trace: parsed.positionals[0],
    windowSec,
    startSec: numberFlag("start", v.start),
    timestamps: v.timestamps!,
    minArrivals,
    out: v.out,
    format,
  };
}

function fmt(x: number, digits: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(digits))) : "-";
}

function tableOutput(o: Options, arrivals: number, windows: MapWindowFit[]): string {
  const fitted = windows.filter((w) => w.fitted).length;
  const lines = [
    `Trace ${o.trace}: ${arrivals} arrivals, ${windows.length} window` +
    `${windows.length === 1 ? "" : "s"} of ${o.windowSec} s, ${fitted} fitted with a MAP(2)`,
  ];
  const head = [
    "window (s)",
    "count",
    "rate (req/s)",
    "SCV",
    "lag-1",
    "MAP rate (req/s)",
    "MAP SCV",
    "MAP lag-1",
    "note",
  ];
  const rows = windows.map((w) => [
    `${fmt(w.startSec, 12)}-${fmt(w.endSec, 12)}`,
    String(w.count),
    fmt(w.ratePerSec, 6),
    fmt(w.scv, 5),
    fmt(w.lag1, 4),
    w.fitted ? fmt(w.fitted.ratePerSec, 6) : "-",
    w.fitted ? fmt(w.fitted.scv, 5) : "-",
    w.fitted ? fmt(w.fitted.lag1, 4) : "-",
    w.fitted ? w.adjusted.join("; ") : `not fitted: ${w.reason}`,
  ]);
  const widths = head.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i].length)));
  const last = head.length - 1;
  const line = (r: string[]) =>
    r.map((c, i) => (i === last ? c : c.padStart(widths[i]))).join("  ").trimEnd();
  lines.push(line(head), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line));
  return lines.join("\n");
}

function jsonOutput(windows: MapWindowFit[]): string {
  return JSON.stringify({
    windows: windows.map((w) => ({
      startSec: w.startSec,
      endSec: w.endSec,
      count: w.count,
      ratePerSec: w.ratePerSec,
      scv: w.scv,
      lag1: w.lag1,
      fitted: w.fitted ?? null,
      exact: w.exact,
      adjusted: w.adjusted,
      ...(w.reason === undefined ? {} : { reason: w.reason }),
    })),
  });
}

/**
 * Runs the fitting CLI.
 *
 * @param args Command-line arguments.
 * @returns The exit code: 0 if a window was fitted, 1 if none could be, 2 on a
 *   bad option or input file.
 *
 * @example Usage
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(await main(["--help"]), 0); // prints the usage
 * ```
 */
export async function main(args: string[]): Promise<number> {
  let o: Options;
  try {
    const parsed = parseOptions(args);
    if (parsed === "help") {
      console.log(HELP);
      return 0;
    }
    o = parsed;
  } catch (e) {
    return reportUserError("fit", e);
  }
  let windows: MapWindowFit[];
  let arrivals: Float64Array;
  try {
    if (o.timestamps) {
      arrivals = await readTimestampFile(o.trace);
    } else {
      const gaps = await readInterArrivalFile(o.trace);
      arrivals = takeArrivals(replayArrivals(gaps), { count: gaps.length });
    }
    const progress = o.format !== "json" && Deno.stderr.isTerminal()
      ? createProgress({
        label: "fit",
        write: (t) => Deno.stderr.writeSync(new TextEncoder().encode(t)),
      })
      : SILENT_PROGRESS;
    windows = fitMapWindows(arrivals, {
      windowSec: o.windowSec,
      startSec: o.startSec ?? (o.timestamps ? undefined : 0),
      minArrivals: o.minArrivals,
      onProgress: (done, total) => progress.update(done, total, `window ${done}/${total}`),
    });
    progress.done();
    if (o.out !== undefined) {
      for (const [i, w] of windows.entries()) {
        if (w.fitted) await writeMapFiles(o.out, i + 1, mapProcess(w.fitted.d0, w.fitted.d1));
      }
    }
  } catch (e) {
    return reportUserError("fit", e);
  }
  if (o.format === "json") {
    console.log(jsonOutput(windows));
  } else {
    console.log(tableOutput(o, arrivals.length, windows));
    const written = windows.filter((w) => w.fitted).length;
    if (o.out !== undefined && written > 0) {
      console.log(`Wrote MAP<i>_D0 and MAP<i>_D1 for ${written} window(s) to ${o.out}`);
    }
  }
  return windows.some((w) => w.fitted) ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));

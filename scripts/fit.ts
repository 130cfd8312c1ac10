/**
 * `deno task fit`: a MAP(2) for each window (an hour by default) of an arrival
 * trace, fitted to the first three moments and the lag-1 autocorrelation of
 * its inter-arrival times, optionally written as `MAP<i>_D0` / `MAP<i>_D1`
 * files that `deno task solve --trace DIR` reads.
 *
 * @module
 */

import { replayArrivals, takeArrivals } from "../lib/arrivals/streams.ts";
import { explainFileError } from "../lib/cli/file_errors.ts";
import { createProgress, SILENT_PROGRESS } from "../lib/cli/progress.ts";
import {
  flagAsTyped,
  numberFlag,
  numberInRange,
  oneOfFlag,
  parseFlags,
  reportUserError,
} from "../lib/cli/flags.ts";
import { UsageError } from "../lib/cli/usage_error.ts";
import { readInterArrivalFile, readTimestampFile, writeMapFiles } from "../lib/io/trace_files.ts";
import { fitMapWindows, type MapWindowFit } from "../lib/map/map2_fit.ts";
import { mapProcess } from "../lib/map/map_process.ts";

const HELP = `Usage: deno task fit <trace> [options]

Fits a MAP(2) to each window of an arrival trace: the first three moments of
the inter-arrival time and its lag-1 autocorrelation are matched exactly when a
MAP(2) can have them (Bodrog, Heindl, Horvath, Telek, EJOR 2008), else the
closest feasible values are used and the note column says what was moved.
A window's sample is the gaps between its own arrivals. A window whose gaps
are all equal (up to the rounding of the times) is reported as degenerate and
not fitted: no MAP(2) has an SCV below 0.5.

<trace> is a file of inter-arrival times in seconds, one per line (as
traces/samples/*.txt, or MMPP_arrival of the paper's code release), or of
absolute arrival times with --timestamps. Blank lines and lines starting with
# are ignored.

Options:
  --window S         window length, seconds                          [3600]
  --origin S         start of the first window, seconds, at most the first
                     arrival   [0; with --timestamps the first time rounded
                     down to a multiple of --window]
  --timestamps       the file holds absolute arrival times
  --min-arrivals N   fewest arrivals in a window to fit it (>= 4)    [10]
  --out DIR          write MAP<i>_D0 and MAP<i>_D1 for each fitted window i
                     (1 = the first window) into DIR, created if missing
  --format FORMAT    table, json or csv                              [table]
  -h, --help         this text

(--start is an hour in solve, plan and compare; here the first window's start,
in seconds, is --origin.)

Exit codes: 0 at least one window fitted; 1 none could be fitted (too few
arrivals, or degenerate); 2 bad options or input file.
`;

interface Options {
  trace: string;
  windowSec: number;
  originSec?: number;
  timestamps: boolean;
  minArrivals: number;
  out?: string;
  format: "table" | "json" | "csv";
  typed: Record<string, string>;
}

function parseOptions(args: string[]): Options | "help" {
  const parsed = parseFlags({
    args,
    strict: true,
    allowPositionals: true,
    options: {
      window: { type: "string", default: "3600" },
      origin: { type: "string" },
      // Refused with a hint: --start is an hour in the other tasks.
      start: { type: "string" },
      timestamps: { type: "boolean", default: false },
      "min-arrivals": { type: "string", default: "10" },
      out: { type: "string" },
      format: { type: "string", default: "table" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const { values: v, typed } = parsed;
  if (v.help) return "help";
  if (v.start !== undefined) {
    throw new UsageError(
      `${flagAsTyped(typed, "start")} is an hour in solve, plan and compare; fit's first ` +
        `window starts at --origin S (seconds): --origin ${v.start}`,
    );
  }
  if (parsed.positionals.length !== 1) {
    throw new UsageError(
      parsed.positionals.length === 0
        ? "a trace file is required"
        : `expected one trace file: found ${parsed.positionals.length} ` +
          `(${parsed.positionals.join(", ")})`,
    );
  }
  return {
    trace: parsed.positionals[0],
    windowSec: numberInRange(flagAsTyped(typed, "window"), v.window!, {
      min: 0,
      minExclusive: true,
      unit: "s",
    }),
    originSec: numberFlag(flagAsTyped(typed, "origin"), v.origin),
    timestamps: v.timestamps!,
    minArrivals: numberInRange(flagAsTyped(typed, "min-arrivals"), v["min-arrivals"]!, {
      min: 4,
      integer: true,
    }),
    out: v.out,
    format: oneOfFlag(flagAsTyped(typed, "format"), v.format!, ["table", "json", "csv"] as const),
    typed,
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

/** A CSV field, quoted when it must be. */
function csvField(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One row per window at full precision, the fitted MAP's matrices by entry. */
function csvOutput(windows: MapWindowFit[]): string {
  const entries = ["d0", "d1"].flatMap((k) => ["11", "12", "21", "22"].map((ij) => `${k}_${ij}`));
  const head = [
    "start_sec",
    "end_sec",
    "count",
    "rate_per_sec",
    "scv",
    "lag1",
    "fitted",
    "exact",
    "map_rate_per_sec",
    "map_scv",
    "map_lag1",
    ...entries,
    "note",
  ];
  const num = (x: number | undefined) => x === undefined || Number.isNaN(x) ? "" : String(x);
  const rows = windows.map((w) => {
    const f = w.fitted;
    const matrix = f ? [...f.d0.flat(), ...f.d1.flat()].map(num) : entries.map(() => "");
    return [
      num(w.startSec),
      num(w.endSec),
      String(w.count),
      num(w.ratePerSec),
      num(w.scv),
      num(w.lag1),
      String(f !== undefined),
      String(w.exact),
      num(f?.ratePerSec),
      num(f?.scv),
      num(f?.lag1),
      ...matrix,
      w.reason ?? w.adjusted.join("; "),
    ].map(csvField).join(",");
  });
  return [head.join(","), ...rows].join("\n");
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
    try {
      if (o.timestamps) {
        arrivals = await readTimestampFile(o.trace);
      } else {
        const gaps = await readInterArrivalFile(o.trace);
        arrivals = takeArrivals(replayArrivals(gaps), { count: gaps.length });
      }
    } catch (e) {
      throw explainFileError(e, { path: o.trace, kind: "file", access: "read" });
    }
    if (o.originSec !== undefined && arrivals.length > 0 && !(o.originSec <= arrivals[0])) {
      throw new UsageError(
        `${flagAsTyped(o.typed, "origin")} ${o.originSec} s is after the first arrival, at ` +
          `${arrivals[0]} s: the first window must hold it`,
      );
    }
    const progress = o.format === "table" && Deno.stderr.isTerminal()
      ? createProgress({
        label: "fit",
        write: (t) => Deno.stderr.writeSync(new TextEncoder().encode(t)),
      })
      : SILENT_PROGRESS;
    windows = fitMapWindows(arrivals, {
      windowSec: o.windowSec,
      startSec: o.originSec ?? (o.timestamps ? undefined : 0),
      minArrivals: o.minArrivals,
      onProgress: (done, total) => progress.update(done, total, `window ${done}/${total}`),
    });
    progress.done();
    if (o.out !== undefined) {
      try {
        for (const [i, w] of windows.entries()) {
          if (w.fitted) await writeMapFiles(o.out, i + 1, mapProcess(w.fitted.d0, w.fitted.d1));
        }
      } catch (e) {
        throw explainFileError(e, {
          path: o.out,
          flag: flagAsTyped(o.typed, "out"),
          kind: "directory",
          access: "write",
        });
      }
    }
  } catch (e) {
    return reportUserError("fit", e);
  }
  if (o.format === "json") {
    console.log(jsonOutput(windows));
  } else if (o.format === "csv") {
    console.log(csvOutput(windows));
  } else {
    console.log(tableOutput(o, arrivals.length, windows));
    const written = windows.filter((w) => w.fitted).length;
    if (o.out !== undefined && written > 0) {
      console.log(
        `Wrote MAP<i>_D0 and MAP<i>_D1 for ${written} window${written === 1 ? "" : "s"} to ` +
          o.out,
      );
    }
  }
  return windows.some((w) => w.fitted) ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));

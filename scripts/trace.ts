/**
 * `deno task trace`: a file of inter-arrival times drawn from a MAP (one of the
 * paper's hourly MAPs, or any pair of `D0` / `D1` files) with a seeded
 * generator, so that the same options always write the same file.
 *
 * @module
 */

import { interArrivals, mapArrivals, takeArrivals } from "../lib/arrivals/streams.ts";
import { explainFileError } from "../lib/cli/file_errors.ts";
import {
  flagAsTyped,
  hourFlag,
  numberInRange,
  oneOfFlag,
  parseFlags,
  reportUserError,
} from "../lib/cli/flags.ts";
import { UsageError } from "../lib/cli/usage_error.ts";
import { readMapDirectory, readMapHour, readMapPair } from "../lib/io/map_files.ts";
import { writeInterArrivalFile } from "../lib/io/trace_files.ts";
import type { MapProcess } from "../lib/map/map_process.ts";
import { arrivalRatePerSec, stationaryPhases } from "../lib/map/moments.ts";
import { seededPrng } from "../lib/random/prng.ts";

const TRACES_DIR = new URL("../traces/", import.meta.url);

const HELP = `Usage: deno task trace (--map D0,D1 | --trace NAME --hour H) --out FILE [options]

Simulates a MAP from a time-stationary start (the initial phase drawn from the
stationary distribution of D0 + D1) with a seeded Mersenne Twister and writes
the inter-arrival times in seconds, one per line with 9 significant digits,
after '#' lines that say how the file was made. The first time is from 0 to the
first arrival. The same options always give the same file.

Options:
  --map D0,D1        the two matrix files of a MAP, such as
                     traces/synthetic/W14_D0,traces/synthetic/W14_D1
                     (--map D0 D1, with a space, is read the same)
  --trace NAME|DIR   twitter, nys, or a directory of MAP<h>_D0/_D1 files
  --hour H           the hour of --trace, 1..24 (hour h covers h-1..h)
  --duration S       seconds of traffic to generate                 [3600]
  --seed N           seed of the generator, an integer              [1]
  --out FILE         the file to write (required)
  --format FORMAT    text (a one-line summary on stderr) or json
                     (a JSON summary on stdout)                     [text]
  -h, --help         this text

Exit codes: 0 written; 2 bad options, a MAP file that cannot be read or is not
a valid (irreducible) MAP, or a file that cannot be written.
`;

interface Options {
  mapFiles?: [string, string];
  trace?: string;
  hour?: number;
  durationSec: number;
  seed: number;
  out: string;
  format: "text" | "json";
  typed: Record<string, string>;
}

function parseOptions(args: string[]): Options | "help" {
  const parsed = parseFlags({
    args,
    strict: true,
    allowPositionals: true,
    options: {
      map: { type: "string" },
      trace: { type: "string" },
      hour: { type: "string" },
      duration: { type: "string", default: "3600" },
      seed: { type: "string", default: "1" },
      out: { type: "string" },
      format: { type: "string", default: "text" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const { values: v, positionals: rest, typed } = parsed;
  if (v.help) return "help";
  const flag = (name: string) => flagAsTyped(typed, name);
  let mapFiles: [string, string] | undefined;
  if (v.map !== undefined) {
    if (v.trace !== undefined || v.hour !== undefined) {
      const other = v.trace !== undefined ? flag("trace") : flag("hour");
      throw new UsageError(`${flag("map")} and ${other} are exclusive: give one MAP`);
    }
    // D0,D1 as elsewhere; or D0 D1, the D1 file being the one positional argument.
    const files = v.map.includes(",") ? v.map.split(",") : [v.map, ...rest];
    if (v.map.includes(",") && rest.length > 0) {
      throw new UsageError(`unexpected argument '${rest[0]}' after ${flag("map")} ${v.map}`);
    }
    if (files.length !== 2 || files.some((f) => f === "")) {
      throw new UsageError(
        `${flag("map")} takes two files, D0,D1: found ${files.filter((f) => f !== "").length} ` +
          `(${files.join(", ")})`,
      );
    }
    mapFiles = [files[0], files[1]];
  } else {
    if (rest.length) throw new UsageError(`unexpected argument '${rest[0]}'`);
    if (v.trace === undefined) {
      throw new UsageError(
        v.hour !== undefined
          ? `${flag("hour")} needs --trace NAME (twitter, nys or a directory of hourly MAPs)`
          : "a MAP is required: --map D0,D1, or --trace NAME with --hour H",
      );
    }
    if (v.hour === undefined) {
      throw new UsageError(`--hour H (1..24) is required with ${flag("trace")}`);
    }
  }
  if (v.out === undefined) throw new UsageError("--out FILE is required");
  return {
    mapFiles,
    trace: v.trace,
    hour: hourFlag(flag("hour"), v.hour),
    durationSec: numberInRange(flag("duration"), v.duration!, {
      min: 0,
      minExclusive: true,
      unit: "s",
    }),
    seed: numberInRange(flag("seed"), v.seed!, { integer: true }),
    out: v.out,
    format: oneOfFlag(flag("format"), v.format!, ["text", "json"] as const),
    typed,
  };
}

/**
 * Why hour `hour` of a trace directory could not be read: the hours it has, or
 * why it has none.
 */
async function missingHour(o: Options, dir: string): Promise<string> {
  const trace = flagAsTyped(o.typed, "trace");
  try {
    const has = (await readMapDirectory(dir)).map((h) => h.hour);
    return `${trace} ${o.trace} has no hour ${o.hour} (it has ${has.join(", ")})`;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    const why = e.message.replace(/^Cannot read the MAPs as (the directory )?/, "");
    return `${trace} ${o.trace}: not twitter or nys, and ${
      why.startsWith(dir) ? `${o.trace}${why.slice(dir.length)}` : why
    }`;
  }
}

/** The MAP and how to name it in the file's header (paths as given, for reproducibility). */
async function readSource(o: Options): Promise<{ map: MapProcess; source: string }> {
  let map: MapProcess, source: string;
  if (o.mapFiles) {
    const [d0, d1] = o.mapFiles;
    map = await readMapPair(d0, d1);
    source = `${d0} and ${d1}`;
  } else {
    const name = o.trace!.toLowerCase();
    const paper = name === "twitter" || name === "nys";
    const dir = paper ? new URL(`${name}/`, TRACES_DIR).pathname : o.trace!;
    const label = paper ? `traces/${name}` : o.trace;
    try {
      map = await readMapHour(dir, o.hour!);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
      throw new UsageError(await missingHour(o, dir), { cause: e });
    }
    source = `hour ${o.hour} of ${label} (MAP${o.hour}_D0, MAP${o.hour}_D1)`;
  }
  try {
    stationaryPhases(map);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new RangeError(
      `the MAP of ${source} has no stationary phase distribution (${e.message}): ` +
        "D0 + D1 must be an irreducible generator",
      { cause: e },
    );
  }
  return { map, source };
}

/**
 * Runs the trace generator CLI.
 *
 * @param args Command-line arguments.
 * @returns The exit code: 0 when the file was written, 2 on a bad option or input file.
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
    return reportUserError("trace", e);
  }
  let summary;
  try {
    const { map, source } = await readSource(o);
    const stream = mapArrivals(map, { prng: seededPrng(o.seed) });
    const gaps = interArrivals(takeArrivals(stream, { untilSec: o.durationSec }));
    try {
      await writeInterArrivalFile(o.out, gaps, {
        comments: [
          "Inter-arrival times in seconds, one per line (deno task trace).",
          `MAP: ${source}.`,
          `Simulated for ${o.durationSec} s from a stationary start, seed ${o.seed} ` +
          "(MT19937, lib/random/prng.ts).",
        ],
      });
    } catch (e) {
      throw explainFileError(e, {
        path: o.out,
        flag: flagAsTyped(o.typed, "out"),
        kind: "file",
        access: "write",
      });
    }
    summary = {
      out: o.out,
      source,
      seed: o.seed,
      durationSec: o.durationSec,
      count: gaps.length,
      ratePerSec: gaps.length / o.durationSec,
      mapRatePerSec: arrivalRatePerSec(map),
    };
  } catch (e) {
    return reportUserError("trace", e);
  }
  if (o.format === "json") {
    console.log(JSON.stringify(summary));
  } else {
    console.error(
      `trace: wrote ${summary.count} inter-arrival times to ${o.out}: ` +
        `${summary.ratePerSec.toFixed(3)} req/s over ${o.durationSec} s ` +
        `(the MAP's rate is ${summary.mapRatePerSec.toFixed(3)} req/s; seed ${o.seed})`,
    );
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));

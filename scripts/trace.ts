/**
 * `deno task trace`: a file of inter-arrival times drawn from a MAP (one of the
 * paper's hourly MAPs, or any pair of `D0` / `D1` files) with a seeded
 * generator, so that the same options always write the same file.
 *
 * @module
 */

import { interArrivals, mapArrivals, takeArrivals } from "../lib/arrivals/streams.ts";
import { numberFlag, parseFlags, reportUserError } from "../lib/cli/flags.ts";
import { UsageError } from "../lib/cli/usage_error.ts";
import { readMapHour, readMapPair } from "../lib/io/map_files.ts";
import { writeInterArrivalFile } from "../lib/io/trace_files.ts";
import type { MapProcess } from "../lib/map/map_process.ts";
import { arrivalRatePerSec } from "../lib/map/moments.ts";
import { seededPrng } from "../lib/random/prng.ts";

const TRACES_DIR = new URL("../traces/", import.meta.url);

const HELP = `Usage: deno task trace (--map D0 D1 | --trace NAME --hour H) --out FILE [options]

Simulates a MAP from a time-stationary start (the initial phase drawn from the
stationary distribution of D0 + D1) with a seeded Mersenne Twister and writes
the inter-arrival times in seconds, one per line with 9 significant digits,
after '#' lines that say how the file was made. The first time is from 0 to the
first arrival. The same options always give the same file.

Options:
  --map D0 D1        the two matrix files of a MAP, such as
                     traces/synthetic/W14_D0 traces/synthetic/W14_D1
  --trace NAME|DIR   twitter, nys, or a directory of MAP<h>_D0/_D1 files
  --hour H           the hour of --trace (hour h covers h-1..h)
  --duration S       seconds of traffic to generate                 [3600]
  --seed N           seed of the generator, an integer              [1]
  --out FILE         the file to write (required)
  --format FORMAT    text (a one-line summary on stderr) or json
                     (a JSON summary on stdout)                     [text]
  -h, --help         this text

Exit codes: 0 written, 2 bad options or input files.
`;

interface Options {
  mapFiles?: [string, string];
  trace?: string;
  hour?: number;
  durationSec: number;
  seed: number;
  out: string;
  format: "text" | "json";
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
  const v = parsed.values, rest = parsed.positionals;
  if (v.help) return "help";
  // --map takes two values: the D1 file is the one positional argument.
  if (v.map !== undefined) {
    if (v.trace !== undefined || v.hour !== undefined) {
      throw new UsageError("--map and --trace/--hour are exclusive: give one MAP");
    }
    if (rest.length !== 1) {
      throw new UsageError(
        rest.length === 0
          ? "--map takes two files, D0 and D1: found one"
          : `--map takes two files, D0 and D1: found ${rest.length + 1} (${
            [v.map, ...rest].join(", ")
          })`,
      );
    }
  } else {
    if (rest.length) throw new UsageError(`unexpected argument '${rest[0]}'`);
    if (v.trace === undefined) {
      throw new UsageError("a MAP is required: --map D0 D1, or --trace NAME with --hour H");
    }
    if (v.hour === undefined) throw new UsageError("--hour is required with --trace");
  }
  const hour = numberFlag("hour", v.hour);
  if (hour !== undefined && !(Number.isInteger(hour) && hour >= 1)) {
    throw new UsageError(`--hour must be an hour >= 1: found ${v.hour}`);
  }
  const durationSec = numberFlag("duration", v.duration)!;
  if (!(durationSec > 0)) throw new UsageError(`--duration must be > 0 s: found ${durationSec}`);
  const seed = numberFlag("seed", v.seed)!;
  if (!Number.isInteger(seed)) throw new UsageError(`--seed must be an integer: found ${v.seed}`);
  if (v.out === undefined) throw new UsageError("--out FILE is required");
  const format = v.format!.toLowerCase();
  if (format !== "text" && format !== "json") {
    throw new UsageError(`--format must be one of text, json: found '${v.format}'`);
  }
  return {
    mapFiles: v.map !== undefined ? [v.map, rest[0]] : undefined,
    trace: v.trace,
    hour,
    durationSec,
    seed,
    out: v.out,
    format,
  };
}

/** The MAP and how to name it in the file's header (paths as given, for reproducibility). */
async function readSource(o: Options): Promise<{ map: MapProcess; source: string }> {
  if (o.mapFiles) {
    const [d0, d1] = o.mapFiles;
    return { map: await readMapPair(d0, d1), source: `${d0} and ${d1}` };
  }
  const name = o.trace!.toLowerCase();
  const dir = name === "twitter" || name === "nys"
    ? new URL(`${name}/`, TRACES_DIR).pathname
    : o.trace!;
  const label = dir === o.trace ? o.trace : `traces/${name}`;
  return {
    map: await readMapHour(dir, o.hour!),
    source: `hour ${o.hour} of ${label} (MAP${o.hour}_D0, MAP${o.hour}_D1)`,
  };
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
    await writeInterArrivalFile(o.out, gaps, {
      comments: [
        "Inter-arrival times in seconds, one per line (deno task trace).",
        `MAP: ${source}.`,
        `Simulated for ${o.durationSec} s from a stationary start, seed ${o.seed} ` +
        "(MT19937, lib/random/prng.ts).",
      ],
    });
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

/**
 * Arrival flags shared by `deno task simulate` and `deno task buffer`
 * (`--arrival-process exp|map|trace|day` and their sources, the run's limits
 * and seed): checked once, with every combination that would do nothing
 * refused, then turned into an arrival stream. Reads MAP and trace files: an
 * edge.
 *
 * The kind of arrivals follows from the source given when
 * `--arrival-process` is left out: `--map` or `--trace`/`--hour` is `map`,
 * `--day` is `day`, `--trace-path` is `trace`, else `exp` (Poisson, at
 * `--inter-arrival` or buffer.py's 20 requests/s).
 *
 * @module
 */

import {
  type ArrivalStream,
  dayArrivals,
  mapArrivals,
  poissonArrivals,
  replayArrivals,
  timestampArrivals,
} from "../arrivals/streams.ts";
import { type HourlyMap, readMapDirectory, readMapHour, readMapPair } from "../io/map_files.ts";
import { readInterArrivalFile, readTimestampFile } from "../io/trace_files.ts";
import { type MapProcess, poissonProcess } from "../map/map_process.ts";
import { arrivalRatePerSec, stationaryPhases } from "../map/moments.ts";
import { seededPrng } from "../random/prng.ts";
import { explainFileError, type PathUse } from "./file_errors.ts";
import { flagAsTyped, hourFlag, numberInRange, oneOfFlag } from "./flags.ts";
import { UsageError } from "./usage_error.ts";

const TRACES_DIR = new URL("../../traces/", import.meta.url).pathname;

/**
 * The arrival flags as `parseFlags` options. None has a default, so that a
 * flag given can be told from one left out; see {@linkcode ARRIVAL_DEFAULTS}.
 */
export const ARRIVAL_FLAG_OPTIONS = {
  "arrival-process": { type: "string" },
  "inter-arrival": { type: "string" },
  map: { type: "string" },
  trace: { type: "string" },
  hour: { type: "string" },
  day: { type: "string" },
  "trace-path": { type: "string" },
  timestamps: { type: "boolean" },
  loop: { type: "boolean" },
  requests: { type: "string" },
  duration: { type: "string" },
  seed: { type: "string" },
} as const;

/** The arrival flags' defaults: Poisson at buffer.py's 20 requests/s, seed 1. */
export const ARRIVAL_DEFAULTS = { ratePerSec: 20, seed: 1 } as const;

/** The kinds of arrivals, as `--arrival-process` names them. */
export const ARRIVAL_KINDS = ["exp", "map", "trace", "day"] as const;

/** A kind of arrivals. */
export type ArrivalKind = typeof ARRIVAL_KINDS[number];

/** Flag values as `parseFlags` returns them. */
export type FlagValues = Record<string, string | boolean | undefined>;

/** The arrival flags, checked (see {@linkcode checkArrivalFlags}). */
export interface ArrivalFlags {
  kind: ArrivalKind;
  /** `exp`: the rate, requests/s. */
  ratePerSec: number;
  /** `map` from files: the two paths. */
  mapFiles?: [string, string];
  /** `map` from a trace: its name or directory, and the hour (1..24). */
  trace?: string;
  hour?: number;
  /** `day`: the trace's name or directory. */
  day?: string;
  /** `trace`: the file, of absolute times with `timestamps`, replayed again and again with `loop`. */
  tracePath?: string;
  timestamps: boolean;
  loop: boolean;
  /** Stop after this many requests. */
  requests?: number;
  /** Stop the arrivals after this time, seconds. */
  durationSec?: number;
  seed: number;
  /** Whether the arrivals end by themselves (a day, a trace not looped). */
  finite: boolean;
}

/** What each source flag gives, for messages. */
const _SOURCES: Record<string, { kind: ArrivalKind; what: string }> = {
  "inter-arrival": { kind: "exp", what: "Poisson arrivals at a rate" },
  map: { kind: "map", what: "a MAP from two files" },
  trace: { kind: "map", what: "the MAP of one hour of a trace" },
  hour: { kind: "map", what: "the MAP of one hour of a trace" },
  day: { kind: "day", what: "a day of hourly MAPs" },
  "trace-path": { kind: "trace", what: "a recorded trace" },
};

/** How a flag was given, with its value, for messages (`--day nys`). */
function _given(v: FlagValues, typed: Record<string, string>, name: string): string {
  const value = v[name];
  return typeof value === "string"
    ? `${flagAsTyped(typed, name)} ${value}`
    : flagAsTyped(typed, name);
}

/**
 * The kind of arrivals the flags ask for: `--arrival-process`, or the one its
 * source implies.
 *
 * @throws {UsageError} When two sources of different kinds are given, or a
 *   source that `--arrival-process` does not use.
 */
function _kind(v: FlagValues, typed: Record<string, string>): ArrivalKind {
  // In the order typed, for the message.
  const order = Object.keys(typed);
  const rank = (n: string) => (order.includes(n) ? order.indexOf(n) : order.length);
  const sources = Object.keys(_SOURCES).filter((name) => v[name] !== undefined)
    .sort((a, b) => rank(a) - rank(b));
  const kinds = [...new Set(sources.map((name) => _SOURCES[name].kind))];
  if (kinds.length > 1) {
    const a = sources.find((n) => _SOURCES[n].kind === kinds[0])!;
    const b = sources.find((n) => _SOURCES[n].kind === kinds[1])!;
    throw new UsageError(
      `${_given(v, typed, a)} (${_SOURCES[a].what}) and ${_given(v, typed, b)} ` +
        `(${_SOURCES[b].what}) are two sources of arrivals: give one`,
    );
  }
  const process = flagAsTyped(typed, "arrival-process");
  if (v["arrival-process"] === undefined) return kinds[0] ?? "exp";
  const kind = oneOfFlag(process, String(v["arrival-process"]), ARRIVAL_KINDS);
  const other = sources.find((name) => _SOURCES[name].kind !== kind);
  if (other !== undefined) {
    throw new UsageError(
      `${flagAsTyped(typed, other)} does nothing with ${process} ${kind}: it needs ` +
        `${process} ${_SOURCES[other].kind} (implied when ${process} is left out)`,
    );
  }
  return kind;
}

/**
 * Checks the arrival flags: their values, and every combination in which a
 * flag would do nothing (a source of another kind, `--hour` without
 * `--trace`, `--loop` without a trace, ...). Reads no file.
 *
 * @param v The values, as `parseFlags` returns them for
 *   {@linkcode ARRIVAL_FLAG_OPTIONS} (no defaults).
 * @param typed How each flag was typed, for messages.
 * @returns The checked flags, the defaults filled in.
 * @throws {UsageError} One line naming the flags as typed and what they need.
 *
 * @example The kind follows from the source
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const flags = checkArrivalFlags({ trace: "nys", hour: "8" }, {});
 * assert.equal(flags.kind, "map");
 * assert.equal(flags.hour, 8);
 * assert.throws(
 *   () => checkArrivalFlags({ day: "nys", trace: "twitter" }, { day: "--day", trace: "--trace" }),
 *   { message: /--day nys \(a day of hourly MAPs\) and --trace twitter .* two sources of arrivals/ },
 * );
 * ```
 */
export function checkArrivalFlags(v: FlagValues, typed: Record<string, string>): ArrivalFlags {
  const name = (n: string) => flagAsTyped(typed, n);
  const kind = _kind(v, typed);
  const process = name("arrival-process");
  const flags: ArrivalFlags = {
    kind,
    ratePerSec: v["inter-arrival"] === undefined
      ? ARRIVAL_DEFAULTS.ratePerSec
      : numberInRange(name("inter-arrival"), String(v["inter-arrival"]), {
        min: 0,
        minExclusive: true,
        unit: "requests/s",
      }),
    timestamps: Boolean(v.timestamps),
    loop: Boolean(v.loop),
    seed: v.seed === undefined
      ? ARRIVAL_DEFAULTS.seed
      : numberInRange(name("seed"), String(v.seed), { integer: true }),
    finite: kind === "day" || (kind === "trace" && !v.loop),
  };
  if (kind === "map") {
    if (v.map !== undefined) {
      const other = ["trace", "hour"].find((n) => v[n] !== undefined);
      if (other !== undefined) {
        throw new UsageError(
          `${_given(v, typed, "map")} and ${_given(v, typed, other)} are two sources of the ` +
            "MAP: give one",
        );
      }
      const files = String(v.map).split(",");
      if (files.length !== 2 || files.some((f) => f.trim() === "")) {
        throw new UsageError(`${name("map")} must be D0FILE,D1FILE: found '${v.map}'`);
      }
      flags.mapFiles = [files[0], files[1]];
    } else if (v.trace !== undefined) {
      if (v.hour === undefined) {
        throw new UsageError(
          `${
            name("trace")
          } needs --hour H (1..24; hour h covers h-1..h), or --day for the whole day`,
        );
      }
      flags.trace = String(v.trace);
      flags.hour = hourFlag(name("hour"), String(v.hour));
    } else if (v.hour !== undefined) {
      throw new UsageError(`${name("hour")} needs --trace NAME|DIR, the trace whose hour it is`);
    } else {
      throw new UsageError(`${process} map needs --map D0,D1 or --trace NAME --hour H`);
    }
  }
  if (kind === "day") {
    if (v.day === undefined) throw new UsageError(`${process} day needs --day NAME|DIR`);
    flags.day = String(v.day);
  }
  if (kind === "trace") {
    if (v["trace-path"] === undefined) {
      throw new UsageError(`${process} trace needs --trace-path FILE`);
    }
    flags.tracePath = String(v["trace-path"]);
  }
  for (const b of ["timestamps", "loop"]) {
    if (v[b] && kind !== "trace") {
      throw new UsageError(`${name(b)} needs --trace-path FILE: it is about a recorded trace`);
    }
  }
  if (v.timestamps && v.loop) {
    throw new UsageError(
      `${name("loop")} does nothing with ${
        name("timestamps")
      }: absolute times are not replayed again`,
    );
  }
  if (v.requests !== undefined) {
    flags.requests = numberInRange(name("requests"), String(v.requests), {
      min: 1,
      integer: true,
    });
  }
  if (v.duration !== undefined) {
    flags.durationSec = numberInRange(name("duration"), String(v.duration), {
      min: 0,
      minExclusive: true,
      unit: "s",
    });
  }
  return flags;
}

/**
 * A flag's value as a number > 0 (an integer with `integer`).
 *
 * @throws {UsageError} Otherwise.
 */
export function positive(name: string, text: string, integer = false): number {
  const v = Number(text);
  if (text.trim() === "" || !(v > 0) || !Number.isFinite(v) || (integer && !Number.isInteger(v))) {
    throw new UsageError(
      `--${name} must be ${integer ? "an integer" : "a number"} > 0: found '${text}'`,
    );
  }
  return v;
}

/** A paper trace's directory (twitter, nys) or the path as given. */
export function traceDir(name: string): string {
  const lower = name.toLowerCase();
  return lower === "twitter" || lower === "nys" ? `${TRACES_DIR}${lower}` : name;
}

/** The arrivals the flags describe, read from their files. */
export interface Arrivals {
  stream: ArrivalStream;
  /** The arrival process when it is one MAP (Poisson included), for the model's prediction. */
  map?: MapProcess;
  /** `day`: the hourly MAPs. */
  hours?: HourlyMap[];
  /** A short description (`nys hour 8`, `Poisson 20/s`). */
  description: string;
  /** Mean arrival rate, requests/s (a trace's: its count over its span). */
  ratePerSec: number;
  /** When the arrivals end by themselves: the time of their end, seconds. */
  endSec?: number;
  /** A trace not looped: how many arrivals it holds. */
  count?: number;
}

/** The MAP, after a check that it has one stationary phase distribution (the model and the stream need it). */
function _checked(map: MapProcess, what: string): MapProcess {
  try {
    stationaryPhases(map);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new UsageError(
      `${what}: the MAP has no single stationary phase distribution ` +
        `(its phases do not all communicate): ${e.message}`,
    );
  }
  return map;
}

/** What `read` gives, or its file system error said in the user's words (which flag, which path). */
async function _reading<T>(read: () => Promise<T>, use: PathUse): Promise<T> {
  try {
    return await read();
  } catch (e) {
    throw explainFileError(e, use);
  }
}

/** The MAP of two files; a directory among them is named. */
async function _readMapFiles(d0: string, d1: string, flag: string): Promise<MapProcess> {
  try {
    return await readMapPair(d0, d1);
  } catch (e) {
    if (!(e instanceof Deno.errors.IsADirectory)) throw e;
    const dir = [d0, d1].find((f) => {
      try {
        return Deno.statSync(f).isDirectory;
      } catch {
        return false;
      }
    }) ?? d0;
    throw explainFileError(e, { path: dir, flag, kind: "file", access: "read" });
  }
}

/**
 * The arrival stream the checked flags describe, with what is known of it.
 *
 * @param flags From {@linkcode checkArrivalFlags}.
 * @param typed How each flag was typed, for messages.
 * @returns The stream (seeded with `flags.seed`), the MAP when there is one, and a description.
 * @throws {UsageError} On a MAP with no single stationary distribution, naming the files.
 * @throws {Deno.errors.NotFound} On a missing file, and the file system's
 *   other errors (a directory for a file, ...), naming the flag and the path.
 */
export async function arrivalsFrom(
  flags: ArrivalFlags,
  typed: Record<string, string> = {},
): Promise<Arrivals> {
  const prng = seededPrng(flags.seed);
  const name = (n: string) => flagAsTyped(typed, n);
  switch (flags.kind) {
    case "exp": {
      const rate = flags.ratePerSec;
      return {
        stream: poissonArrivals(rate, { prng }),
        map: poissonProcess(rate),
        description: `Poisson ${rate}/s`,
        ratePerSec: rate,
      };
    }
    case "map": {
      let map: MapProcess, description: string;
      if (flags.mapFiles) {
        const [d0, d1] = flags.mapFiles;
        map = _checked(await _readMapFiles(d0, d1, name("map")), `${name("map")} ${d0},${d1}`);
        description = `MAP ${d0},${d1}`;
      } else {
        const dir = traceDir(flags.trace!);
        map = _checked(
          await _reading(() => readMapHour(dir, flags.hour!), {
            path: flags.trace!,
            flag: name("trace"),
            kind: "directory",
            access: "read",
          }),
          `${name("trace")} ${flags.trace} ${name("hour")} ${flags.hour}`,
        );
        description = `${flags.trace} hour ${flags.hour}`;
      }
      return {
        stream: mapArrivals(map, { prng }),
        map,
        description,
        ratePerSec: arrivalRatePerSec(map),
      };
    }
    case "day": {
      const hours = await _reading(() => readMapDirectory(traceDir(flags.day!)), {
        path: flags.day!,
        flag: name("day"),
        kind: "directory",
        access: "read",
      });
      for (const { hour, map } of hours) _checked(map, `${name("day")} ${flags.day}, hour ${hour}`);
      const hourSec = 3600;
      const total = hours.reduce((s, { map }) => s + arrivalRatePerSec(map) * hourSec, 0);
      const span = hours.length === 24 && hours[23].hour === 24
        ? "hours 1..24"
        : `${hours.length} hours`;
      return {
        stream: dayArrivals(hours, { prng, hourSec }),
        hours,
        description: `${flags.day} day (${span})`,
        ratePerSec: total / (hours.length * hourSec),
        endSec: hours.length * hourSec,
      };
    }
    case "trace": {
      const path = flags.tracePath!;
      const use: PathUse = { path, flag: name("trace-path"), kind: "file", access: "read" };
      if (flags.timestamps) {
        const times = await _reading(() => readTimestampFile(path), use);
        const end = times[times.length - 1];
        return {
          stream: timestampArrivals(times),
          description: `timestamps ${path}`,
          ratePerSec: end > 0 ? times.length / end : Infinity,
          endSec: end,
          count: times.length,
        };
      }
      const gaps = await _reading(() => readInterArrivalFile(path), use);
      let end = 0;
      for (const g of gaps) end += g;
      return {
        stream: replayArrivals(gaps, { loop: flags.loop }),
        description: `trace ${path}${flags.loop ? " (looped)" : ""}`,
        ratePerSec: end > 0 ? gaps.length / end : Infinity,
        ...(flags.loop ? {} : { endSec: end, count: gaps.length }),
      };
    }
  }
}

/**
 * Arrival flags shared by `deno task simulate` and `deno task buffer`
 * (`--arrival_process exp|map|trace|day` and their options), turned into an
 * arrival stream. Reads MAP and trace files: an edge.
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
import { readMapDirectory, readMapHour, readMapPair } from "../io/map_files.ts";
import { readInterArrivalFile, readTimestampFile } from "../io/trace_files.ts";
import { type MapProcess, poissonProcess } from "../map/map_process.ts";
import { seededPrng } from "../random/prng.ts";
import { UsageError } from "./usage_error.ts";

const TRACES_DIR = new URL("../../traces/", import.meta.url).pathname;

/**
 * The arrival flags (snake_case) with their defaults, for `parseArgs`:
 * Poisson at buffer.py's 20 requests/s unless told otherwise.
 */
export const ARRIVAL_STRING_FLAGS: Readonly<Record<string, string | undefined>> = {
  arrival_process: "exp",
  inter_arrival: "20",
  map: undefined,
  trace: undefined,
  hour: undefined,
  day: undefined,
  trace_path: undefined,
  requests: undefined,
  duration: undefined,
  seed: "1",
};

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

/**
 * The arrival stream the flags describe and, when it is one MAP, that MAP
 * (for the model's prediction).
 *
 * @throws {UsageError} On missing or contradictory flags.
 */
export async function arrivalsFrom(
  v: Record<string, string | boolean | undefined>,
  seed: number,
): Promise<{ stream: ArrivalStream; map?: MapProcess; description: string }> {
  const prng = seededPrng(seed);
  const kind = String(v.arrival_process);
  switch (kind) {
    case "exp": {
      const rate = positive("inter_arrival", String(v.inter_arrival));
      return {
        stream: poissonArrivals(rate, { prng }),
        map: poissonProcess(rate),
        description: `Poisson ${rate}/s`,
      };
    }
    case "map": {
      let map: MapProcess, description: string;
      if (v.map !== undefined) {
        const files = String(v.map).split(",");
        if (files.length !== 2) {
          throw new UsageError(`--map must be D0FILE,D1FILE: found '${v.map}'`);
        }
        map = await readMapPair(files[0], files[1]);
        description = `MAP ${v.map}`;
      } else if (v.trace !== undefined) {
        if (v.hour === undefined) throw new UsageError("--trace needs --hour H (1..24)");
        const hour = positive("hour", String(v.hour), true);
        map = await readMapHour(traceDir(String(v.trace)), hour);
        description = `${v.trace} hour ${hour}`;
      } else {throw new UsageError(
          "--arrival_process map needs --map D0,D1 or --trace NAME --hour H",
        );}
      return { stream: mapArrivals(map, { prng }), map, description };
    }
    case "day": {
      if (v.day === undefined) throw new UsageError("--arrival_process day needs --day NAME|DIR");
      const hours = await readMapDirectory(traceDir(String(v.day)));
      return {
        stream: dayArrivals(hours, { prng }),
        description: `${v.day} day (${hours.length} h)`,
      };
    }
    case "trace": {
      if (v.trace_path === undefined) {
        throw new UsageError("--arrival_process trace needs --trace_path FILE");
      }
      const path = String(v.trace_path);
      if (v.timestamps) {
        return {
          stream: timestampArrivals(await readTimestampFile(path)),
          description: `timestamps ${path}`,
        };
      }
      return {
        stream: replayArrivals(await readInterArrivalFile(path), { loop: Boolean(v.loop) }),
        description: `trace ${path}${v.loop ? " (looped)" : ""}`,
      };
    }
    default:
      throw new UsageError(
        `--arrival_process must be one of exp, map, trace, day: found '${kind}'`,
      );
  }
}

/**
 * Ctrl-C and SIGTERM for long runs: the first signal stops the run gently, a
 * later one forces it out. A signal sent to a process group (what a terminal's
 * Ctrl-C, systemd's default `KillMode=control-group` and most supervisors do)
 * reaches every process of the group, and `deno task` also forwards the one it
 * gets to its child: the run then sees the same stop twice, microseconds
 * apart. Signals that close together are one.
 *
 * @module
 */

/**
 * What a signal means to a run: `stop` (the first), `repeat` (the same stop
 * delivered again, within the window of the first) or `force` (a later one).
 */
export type SignalMeaning = "stop" | "repeat" | "force";

/** Options of {@linkcode signalSequence}. */
export interface SignalSequenceOptions {
  /** Signals this close to the first are the same stop, ms (>= 0). @default {500} */
  windowMs?: number;
  /** Milliseconds, monotonic. @default {performance.now} */
  nowMs?: () => number;
}

/**
 * A classifier of a run's signals, in the order they arrive.
 *
 * @param options The window and the clock.
 * @returns A function to call on each signal; it says what the signal means.
 * @throws {RangeError} If `windowMs` is not a number >= 0.
 *
 * @example A repeat of Ctrl-C through `deno task`, then a second Ctrl-C
 * ```ts
 * import assert from "node:assert/strict";
 *
 * let t = 0;
 * const meaning = signalSequence({ windowMs: 500, nowMs: () => t });
 * assert.equal(meaning(), "stop");
 * t = 0.2;
 * assert.equal(meaning(), "repeat");
 * t = 1800;
 * assert.equal(meaning(), "force");
 * ```
 */
export function signalSequence(options: SignalSequenceOptions = {}): () => SignalMeaning {
  const { windowMs = 500, nowMs = () => performance.now() } = options;
  if (!(windowMs >= 0)) {
    throw new RangeError(
      `Cannot tell signals apart as 'windowMs' must be a number >= 0: current value is ${windowMs}`,
    );
  }
  let firstMs: number | undefined;
  return () => {
    const t = nowMs();
    if (firstMs === undefined) {
      firstMs = t;
      return "stop";
    }
    return t - firstMs <= windowMs ? "repeat" : "force";
  };
}

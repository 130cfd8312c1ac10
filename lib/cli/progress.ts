/**
 * A progress line for long jobs, written to an injected sink (stderr in the
 * CLIs, only when it is a terminal).
 *
 * @module
 */

/** Options of {@linkcode createProgress}. */
export interface ProgressOptions {
  /** Where the text goes (e.g. a function writing to stderr). */
  write: (text: string) => void;
  /** Label in front of the bar. */
  label: string;
  /** Width of the bar in characters. @default {30} */
  width?: number;
  /** Clock for the elapsed time, ms. @default {performance.now} */
  now?: () => number;
}

/** A progress bar that redraws one line. */
export interface Progress {
  /** Shows `done` of `total`, with an optional note. */
  update(done: number, total: number, note?: string): void;
  /** Clears the line. */
  done(): void;
}

/**
 * Creates a progress bar that redraws a single line with `\r`, at most ten
 * times a second.
 */
export function createProgress(options: ProgressOptions): Progress {
  const { write, label, width = 30, now = () => performance.now() } = options;
  const start = now();
  let last = -Infinity;
  let drawn = false;
  return {
    update(done, total, note = "") {
      const t = now();
      if (done < total && t - last < 100) return;
      last = t;
      const share = total > 0 ? Math.min(1, done / total) : 1;
      const filled = Math.round(share * width);
      const bar = "#".repeat(filled) + "-".repeat(width - filled);
      const secs = ((t - start) / 1000).toFixed(1);
      write(`\r${label} [${bar}] ${(share * 100).toFixed(0).padStart(3)}% ${note} ${secs} s\x1b[K`);
      drawn = true;
    },
    done() {
      if (drawn) write("\r\x1b[K");
    },
  };
}

/** A progress bar that shows nothing (for pipes and `--format json`). */
export const SILENT_PROGRESS: Progress = { update() {}, done() {} };

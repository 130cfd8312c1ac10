/**
 * Quantiles of a long stream of latencies in constant memory: a histogram on
 * logarithmic bins of relative width `1e-4` from 1 microsecond to 1e5 s (as
 * in DDSketch, Masson, Rim and Lee, VLDB 2019), so every quantile it returns is
 * within 0.01 % of the exact sample quantile.
 *
 * @module
 */

const MIN_SEC = 1e-6;
const MAX_SEC = 1e5;
const GAMMA = 1 + 1e-4;
const LOG_GAMMA = Math.log(GAMMA);
const BINS = Math.ceil(Math.log(MAX_SEC / MIN_SEC) / LOG_GAMMA) + 2;

/** Streaming latency statistics: count, mean, min, max and quantiles to 0.01 %. */
export class LatencyHistogram {
  #counts = new Float64Array(BINS);
  #n = 0;
  #sum = 0;
  #min = Infinity;
  #max = -Infinity;

  /** Adds one latency, seconds (must be >= 0 and finite). */
  add(latencySec: number): void {
    let bin: number;
    if (latencySec <= MIN_SEC) bin = 0;
    else if (latencySec >= MAX_SEC) bin = BINS - 1;
    else bin = Math.ceil(Math.log(latencySec / MIN_SEC) / LOG_GAMMA);
    this.#counts[bin]++;
    this.#n++;
    this.#sum += latencySec;
    if (latencySec < this.#min) this.#min = latencySec;
    if (latencySec > this.#max) this.#max = latencySec;
  }

  /** Number of latencies added. */
  get count(): number {
    return this.#n;
  }

  /** Mean latency, seconds (NaN when empty). */
  get meanSec(): number {
    return this.#sum / this.#n;
  }

  /**
   * The `q`-quantile (smallest bin whose cumulative count reaches `q n`),
   * reported as the bin's geometric midpoint clamped to the observed range.
   *
   * @throws {RangeError} If `q` is outside [0, 1].
   */
  quantile(q: number): number {
    if (!(q >= 0 && q <= 1)) throw new RangeError(`Cannot take quantile ${q}: expected 0..1`);
    if (this.#n === 0) return NaN;
    const rank = Math.max(1, Math.ceil(q * this.#n));
    let acc = 0;
    for (let b = 0; b < BINS; b++) {
      acc += this.#counts[b];
      if (acc >= rank) {
        const hi = MIN_SEC * Math.pow(GAMMA, b);
        const mid = hi * 2 / (1 + GAMMA);
        return Math.min(this.#max, Math.max(this.#min, mid));
      }
    }
    return this.#max;
  }
}

/**
 * The adaptive part of BATCH: watch the arrivals over a sliding window, fit a
 * MAP(2) to the window's inter-arrival times, solve for the next window and
 * reconfigure the buffer (B and T at once, memory through the function's
 * configuration). Pure: time comes in with the arrivals, so the same
 * controller drives the simulator (virtual time) and the real buffer (a clock).
 *
 * The rule, per window:
 * 1. Fewer than `minArrivals` arrivals: keep the configuration (nothing to fit).
 * 2. Fit a MAP(2) to the window (three moments and the lag-1 autocorrelation),
 *    or a Poisson process when the window's SCV and lag-1 autocorrelation are
 *    within three standard errors of Poisson's.
 * 3. Safety margin: traffic changes between windows, and the fit is noisy, so
 *    a configuration must meet the SLO not only under the fitted MAP but also
 *    under the same MAP sped up and slowed down by `rateMargin` (time scaled:
 *    the shape kept, the rate times `1 ± rateMargin`). Among the
 *    configurations meeting it under all three, the cheapest under the fitted
 *    MAP is the candidate.
 * 4. Hysteresis: the current configuration stays when it still meets the SLO
 *    under all three and the candidate saves less than `minGain` of its cost.
 * 5. When no configuration meets the SLO under all three, the one with the
 *    least worst-case latency (latency SLO) or cost (cost SLO) is used.
 *
 * @module
 */

import { fitMap2 } from "../map/map2_fit.ts";
import { type MapProcess, mapProcess, poissonProcess } from "../map/map_process.ts";
import { arrivalRatePerSec, lagCorrelationsFromMap, scvFromMap } from "../map/moments.ts";
import { evaluateGrid } from "../model/evaluate.ts";
import {
  type ConfigurationGrid,
  type GridEvaluation,
  gridIndex,
  type ModelMethod,
} from "../model/types.ts";
import { configurationAt, type ConstraintKind } from "../optimize/optimize.ts";
import type { Pricing } from "../profile/pricing.ts";
import type { ServiceProfile } from "../profile/service_profile.ts";
import type { AdaptHook, Reconfiguration } from "../sim/simulator.ts";

/** A buffer and function configuration. */
export interface BufferConfiguration {
  memoryMb: number;
  maxBatch: number;
  timeoutSec: number;
}

/** Options of {@linkcode AdaptiveController}. */
export interface AdaptiveOptions {
  /** Length of the observation window, seconds. @default {3600} */
  windowSec?: number;
  /** Configurations to choose from. */
  grid: ConfigurationGrid;
  profile: ServiceProfile;
  pricing: Pricing;
  /** Percentile of the latency, in (0, 1). */
  percentile: number;
  /** What the SLO bounds: the latency percentile (s) or the cost (USD/request). */
  constraint: ConstraintKind;
  slo: number;
  /** @default {"exact"} */
  method?: ModelMethod;
  /** Allow the profile outside its fitted range. @default {false} */
  extrapolate?: boolean;
  /** Keep-alive for a profile's cold starts, s. @default {600} */
  keepAliveSec?: number;
  /** Configuration before the first decision. */
  initial: BufferConfiguration;
  /** Relative rate change a choice must withstand (step 3 of the rule). @default {0.25} */
  rateMargin?: number;
  /** Relative saving needed to leave a still-compliant configuration. @default {0.02} */
  minGain?: number;
  /** Fewest arrivals in a window to fit it. @default {50} */
  minArrivals?: number;
  /** Start of the first window, seconds. @default {the first arrival} */
  startSec?: number;
}

/** What the controller decided at the end of a window. */
export interface AdaptiveDecision {
  /** Window index from 0. */
  window: number;
  startSec: number;
  endSec: number;
  arrivals: number;
  /** The fitted MAP's statistics, when the window was fitted. */
  fitted?: {
    ratePerSec: number;
    scv: number;
    lag1: number;
    /** What the fit had to move to get a MAP(2) (empty when exact). */
    adjusted: string[];
  };
  /** The configuration for the next window. */
  config: BufferConfiguration;
  /** Its latency percentile and mean cost per request under the fitted MAP (NaN unfitted). */
  predictedLatencySec: number;
  predictedCostUsd: number;
  /** Its worst latency percentile under the rate margin. */
  worstLatencySec: number;
  changed: boolean;
  /** Why: one short sentence. */
  reason: string;
}

/**
 * The buffer configuration at index `i` of an evaluated grid.
 *
 * @param evaluation The evaluated grid.
 * @param i The configuration's index (see `gridIndex`).
 * @returns Its memory, max batch and timeout.
 */
export function bufferConfigurationAt(evaluation: GridEvaluation, i: number): BufferConfiguration {
  const { memoryMb, maxBatch, timeoutSec } = configurationAt(evaluation, i);
  return { memoryMb, maxBatch, timeoutSec };
}

/** A MAP with its time scaled: rates times `factor` (the same shape, `factor` times the rate). */
function scaledMap(map: MapProcess, factor: number): MapProcess {
  const scale = (m: number[][]) => m.map((row) => row.map((x) => x * factor));
  return mapProcess(scale(map.d0 as number[][]), scale(map.d1 as number[][]));
}

/**
 * Re-optimizes the buffer window by window from the arrivals it sees. Give it
 * every arrival (`onArrival`); at the first arrival past a window's end it
 * decides, logs the decision, and returns the new configuration when it
 * changes.
 */
export class AdaptiveController implements AdaptHook {
  readonly #o:
    & Required<Omit<AdaptiveOptions, "startSec" | "method" | "extrapolate" | "keepAliveSec">>
    & {
      method: ModelMethod;
      extrapolate: boolean;
      keepAliveSec?: number;
    };
  #config: BufferConfiguration;
  #decisions: AdaptiveDecision[] = [];
  #windowStart: number | undefined;
  #window = 0;
  #last = NaN;
  #gaps: number[] = [];
  #arrivals = 0;

  /**
   * @throws {RangeError} On a window that is not > 0, margins outside [0, 1),
   *   or an SLO that is not > 0.
   */
  constructor(options: AdaptiveOptions) {
    this.#o = {
      ...options,
      windowSec: options.windowSec ?? 3600,
      rateMargin: options.rateMargin ?? 0.25,
      minGain: options.minGain ?? 0.02,
      minArrivals: options.minArrivals ?? 50,
      method: options.method ?? "exact",
      extrapolate: options.extrapolate ?? false,
    };
    const o = this.#o;
    if (!(o.windowSec > 0)) {
      throw new RangeError(`Cannot adapt with window ${o.windowSec} s: it must be > 0`);
    }
    for (const [name, v] of [["rateMargin", o.rateMargin], ["minGain", o.minGain]] as const) {
      if (!(v >= 0 && v < 1)) {
        throw new RangeError(`Cannot adapt with ${name} ${v}: it must be within [0, 1)`);
      }
    }
    if (!(o.slo > 0)) throw new RangeError(`Cannot adapt to SLO ${o.slo}: it must be > 0`);
    this.#config = { ...options.initial };
    this.#windowStart = options.startSec;
  }

  /** The configuration in force. */
  get config(): Readonly<BufferConfiguration> {
    return this.#config;
  }

  /** Every decision so far, in order. */
  get decisions(): readonly AdaptiveDecision[] {
    return this.#decisions;
  }

  /**
   * Takes an arrival. When it falls past the end of the current window, the
   * windows that ended are decided first (an empty one keeps the configuration).
   *
   * @param arrivalSec The arrival time, seconds, nondecreasing.
   * @returns The new configuration when a decision changed it.
   */
  onArrival(arrivalSec: number): Reconfiguration | undefined {
    if (this.#windowStart === undefined) this.#windowStart = arrivalSec;
    let change: Reconfiguration | undefined;
    while (arrivalSec >= this.#windowStart + this.#o.windowSec) {
      const before = this.#config;
      this.#decide(this.#windowStart, this.#windowStart + this.#o.windowSec);
      if (this.#config !== before) change = { ...this.#config };
      this.#windowStart += this.#o.windowSec;
      this.#window++;
      this.#gaps = [];
      this.#arrivals = 0;
    }
    if (!Number.isNaN(this.#last) && this.#arrivals > 0) this.#gaps.push(arrivalSec - this.#last);
    this.#last = arrivalSec;
    this.#arrivals++;
    return change;
  }

  #decide(startSec: number, endSec: number): void {
    const o = this.#o;
    const base = { window: this.#window, startSec, endSec, arrivals: this.#arrivals };
    if (this.#gaps.length + 1 < o.minArrivals || this.#gaps.length < 2) {
      this.#decisions.push({
        ...base,
        config: this.#config,
        predictedLatencySec: NaN,
        predictedCostUsd: NaN,
        worstLatencySec: NaN,
        changed: false,
        reason: `${this.#arrivals} arrivals, fewer than ${o.minArrivals}: nothing to fit, kept`,
      });
      return;
    }
    const fit = fitMap2(this.#gaps);
    // A window whose SCV and lag-1 autocorrelation are within three standard
    // errors of a Poisson process's (1 and 0) is taken as Poisson: a MAP(2)
    // fitted to the noise can have a phase millions of times faster than the
    // mean rate, which says nothing about the traffic and slows the model.
    const gaps = this.#gaps.length, s = fit.sample;
    const poissonLike = Math.abs(s.scv - 1) <= 3 * Math.sqrt(8 / gaps) &&
      Math.abs(s.lag1) <= 3 / Math.sqrt(gaps);
    // A fit whose fastest phase is over 10^4 times the mean rate is as
    // degenerate (the model's work grows with the fastest rate): Poisson too.
    const fastest = Math.max(...fit.map.d0.map((row, i) => -row[i]));
    const degenerate = fastest > 1e4 * s.ratePerSec;
    const map = poissonLike || degenerate ? poissonProcess(s.ratePerSec) : fit.map;
    const fitted = {
      ratePerSec: arrivalRatePerSec(map),
      scv: scvFromMap(map),
      lag1: lagCorrelationsFromMap(map)[0],
      adjusted: poissonLike
        ? [
          `the window is consistent with Poisson (SCV ${s.scv.toFixed(3)}, lag-1 ` +
          `${s.lag1.toFixed(4)}, ${gaps} gaps): a Poisson process of its rate is used`,
        ]
        : degenerate
        ? [
          `the MAP(2) fit has a phase ${(fastest / s.ratePerSec).toExponential(1)} times ` +
          `faster than the mean rate: a Poisson process of the window's rate is used`,
        ]
        : fit.adjusted,
    };
    const maps = [map];
    if (o.rateMargin > 0) {
      maps.push(scaledMap(map, 1 - o.rateMargin), scaledMap(map, 1 + o.rateMargin));
    }
    const current = this.#config;
    // The current configuration joins the grid so it is judged alike.
    const grid: ConfigurationGrid = {
      memoriesMb: [...new Set([...o.grid.memoriesMb, current.memoryMb])].sort((a, b) => a - b),
      timeoutsSec: [...new Set([...o.grid.timeoutsSec, current.timeoutSec])].sort((a, b) => a - b),
      maxBatches: [...new Set([...o.grid.maxBatches, current.maxBatch])].sort((a, b) => a - b),
    };
    const evaluations = maps.map((map) =>
      evaluateGrid(map, grid, {
        method: o.method,
        profile: o.profile,
        pricing: o.pricing,
        percentile: o.percentile,
        extrapolate: o.extrapolate,
        keepAliveSec: o.keepAliveSec,
      })
    );
    const nominal = evaluations[0];
    const n = nominal.latencySec.length;
    const worstLatency = new Float64Array(n), worstCost = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let l = 0, c = 0;
      for (const e of evaluations) {
        l = Math.max(l, e.latencySec[i]);
        c = Math.max(c, e.costUsd[i]);
      }
      worstLatency[i] = l;
      worstCost[i] = c;
    }
    const latencySlo = o.constraint === "latency";
    const meets = (i: number) => (latencySlo ? worstLatency[i] : worstCost[i]) <= o.slo;
    const objective = (i: number) => latencySlo ? nominal.costUsd[i] : nominal.latencySec[i];
    let best = -1, fallback = 0;
    for (let i = 0; i < n; i++) {
      if (meets(i) && (best < 0 || objective(i) < objective(best))) best = i;
      const bound = latencySlo ? worstLatency : worstCost;
      if (bound[i] < bound[fallback]) fallback = i;
    }
    const currentIndex = gridIndex(
      grid,
      grid.memoriesMb.indexOf(current.memoryMb),
      grid.timeoutsSec.indexOf(current.timeoutSec),
      grid.maxBatches.indexOf(current.maxBatch),
    );
    let chosen: number, reason: string;
    if (best < 0) {
      chosen = fallback;
      reason = `no configuration meets the SLO at ±${o.rateMargin * 100} % of the fitted rate: ` +
        `the one with the least worst-case ${latencySlo ? "latency" : "cost"}`;
    } else if (
      meets(currentIndex) &&
      objective(currentIndex) - objective(best) < o.minGain * objective(currentIndex)
    ) {
      chosen = currentIndex;
      reason = `the current configuration still meets the SLO and the best saves less than ` +
        `${o.minGain * 100} %`;
    } else {
      chosen = best;
      reason = meets(currentIndex)
        ? `the best saves ${
          (100 * (1 - objective(best) / objective(currentIndex))).toFixed(1)
        } % over the current one`
        : "the current configuration would break the SLO";
    }
    const config = bufferConfigurationAt(nominal, chosen);
    const changed = config.memoryMb !== current.memoryMb || config.maxBatch !== current.maxBatch ||
      config.timeoutSec !== current.timeoutSec;
    if (changed) this.#config = config;
    this.#decisions.push({
      ...base,
      fitted,
      config: this.#config,
      predictedLatencySec: nominal.latencySec[chosen],
      predictedCostUsd: nominal.meanCostUsd[chosen],
      worstLatencySec: worstLatency[chosen],
      changed,
      reason: changed ? reason : chosen === currentIndex ? reason : `${reason} (no change)`,
    });
  }
}

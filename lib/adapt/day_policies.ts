/**
 * Policies compared over a simulated day (paper Figs. 14 and 17, in
 * simulation): each policy is a way to configure the buffer hour by hour (or
 * from what it observes), and the same seeded day of arrivals is simulated
 * under each, with cold starts, so that per hour and over the day the cost per
 * request and the p95 latency against the SLO can be set side by side.
 *
 * @module
 */

import { dayArrivals } from "../arrivals/streams.ts";
import type { MapProcess } from "../map/map_process.ts";
import type { ConfigurationGrid, ModelMethod } from "../model/types.ts";
import { type DayPlan, dayPlanHoursFromSolutions, planDay } from "../optimize/day_plan.ts";
import type { MilpSolver } from "../optimize/milp.ts";
import { type HourSolution, solveHours } from "../optimize/optimize.ts";
import {
  expectedInvocationCostUsd,
  serviceDistributions,
} from "../profile/service_distribution.ts";
import type { Pricing } from "../profile/pricing.ts";
import type { ServiceProfile } from "../profile/service_profile.ts";
import { seededPrng } from "../random/prng.ts";
import { LatencyHistogram } from "../sim/latency_histogram.ts";
import {
  type AdaptHook,
  type ColdStartModel,
  type Reconfiguration,
  simulateBuffer,
} from "../sim/simulator.ts";
import {
  AdaptiveController,
  type AdaptiveDecision,
  type BufferConfiguration,
  bufferConfigurationAt,
} from "./adaptive_controller.ts";

/** One hour of a policy's day. */
export interface PolicyHour {
  hour: number;
  requests: number;
  /**
   * Measured latency at the comparison's percentile (`percentile`, p95 by
   * default) of the requests that arrived in the hour, s.
   */
  latencySec: number;
  /** Measured p95 latency of the requests that arrived in the hour, s. */
  p95Sec: number;
  /** Cost of the batches opened in the hour over their requests, USD. */
  costPerRequestUsd: number;
  /** The configuration at the start of the hour. */
  config: BufferConfiguration;
  /** Whether any configuration of the grid meets the SLO under the hour's true MAP. */
  feasible: boolean;
  /**
   * The latency at the percentile over the SLO (under a budget: the cost per
   * request over the budget) by more than the tolerance.
   */
  violated: boolean;
}

/** A policy's day. */
export interface PolicyDay {
  name: string;
  /** The day's cost over its requests, USD. */
  costPerRequestUsd: number;
  /** Hours that broke the SLO (beyond the tolerance) although a configuration met it. */
  hoursViolated: number;
  /** Hours that broke the SLO where no configuration of the grid meets it. */
  hoursInfeasibleViolated: number;
  hours: PolicyHour[];
  /** The adaptive controller's decisions. */
  decisions?: AdaptiveDecision[];
}

/** Options of {@linkcode compareDayPolicies}. */
export interface ComparePoliciesOptions {
  profile: ServiceProfile;
  pricing: Pricing;
  grid: ConfigurationGrid;
  /**
   * Latency SLO at `percentile`, s: the comparison is under it unless
   * `budgetUsd` is given (then it is not used, and may be left out).
   */
  sloSec?: number;
  /**
   * The percentile of the SLO: the policies plan for it, and each hour's
   * latency is measured at it. @default {0.95}
   */
  percentile?: number;
  /**
   * Evaluate the profile outside the memory and batch range it was fitted on
   * (the grid's configurations and batch 1). @default {false}
   */
  extrapolate?: boolean;
  /** @default {"exact"} */
  method?: ModelMethod;
  /** Seed of the day's arrivals (the same day for every policy). @default {1} */
  seed?: number;
  /** Cold starts. @default {{ initSec: 0.25, keepAliveSec }} */
  coldStart?: ColdStartModel;
  /**
   * Keep-alive of an idle environment, s: the simulated pool's (unless
   * `coldStart` says otherwise) and the model's, for a profile with a
   * `coldStart`. @default {600}
   */
  keepAliveSec?: number;
  /**
   * Compare under a budget instead (a cost SLO): BATCH minimizes the latency
   * at `percentile` subject to at most this cost per request, USD. An hour
   * violates the budget when its measured cost per request exceeds it by more
   * than the tolerance.
   */
  budgetUsd?: number;
  /**
   * A measured latency (cost, under a budget) counts as a violation above the SLO
   * (budget) times `1 + tolerance`. @default {0.01}
   */
  tolerance?: number;
  /** The adaptive controller's window, s. @default {3600} */
  adaptiveWindowSec?: number;
  /** The adaptive controller's rate margin. @default {0.25} */
  rateMargin?: number;
  /** Solver for the day plan (glpk.js); without it the plan policy is left out. */
  solver?: MilpSolver;
  /** Memory changes the day plan may make. @default {2} */
  planMaxMemoryChanges?: number;
  /** Which policies to run (names as in {@linkcode POLICY_NAMES}). @default {all} */
  only?: readonly string[];
  /** Called after each policy's simulation. */
  onPolicy?: (done: number, total: number, name: string) => void;
}

/** Name of the second no-batching policy under a budget (the fastest memory it affords). */
export const BUDGET_NO_BATCHING_NAME = "no batching, fastest memory within the budget";

/** The policies, in the order compared (under a latency SLO). */
export const POLICY_NAMES = [
  "no batching, max memory",
  "no batching, cheapest memory meeting the SLO",
  "best static (M, B, T) for the day",
  "BATCH hourly (true MAPs)",
  "BATCH adaptive (fitted windows)",
  "day plan (glpk.js)",
] as const;

/** Switches to a given configuration at each hour's start. */
function scheduleHook(
  schedule: readonly BufferConfiguration[],
  hourSec = 3600,
): AdaptHook {
  let hour = 0;
  return {
    onArrival(t: number): Reconfiguration | undefined {
      const h = Math.min(schedule.length - 1, Math.floor(t / hourSec));
      if (h === hour) return undefined;
      hour = h;
      return { ...schedule[h] };
    },
  };
}

/**
 * Simulates a day under a configuration hook and measures it per hour.
 *
 * @returns Per-hour requests, p95 and cost, and the configuration at each hour's start.
 */
function simulateDay(
  hours: readonly { hour: number; map: MapProcess }[],
  initial: BufferConfiguration,
  adapt: AdaptHook & { readonly config?: Readonly<BufferConfiguration> },
  schedule: ((hourIndex: number) => BufferConfiguration) | undefined,
  options: ComparePoliciesOptions,
) {
  const n = hours.length;
  const histograms = Array.from({ length: n }, () => new LatencyHistogram());
  const requests = new Float64Array(n),
    cost = new Float64Array(n),
    batchRequests = new Float64Array(n);
  const configs: BufferConfiguration[] = Array.from(
    { length: n },
    (_, h) => schedule?.(h) ?? initial,
  );
  let current = { ...initial };
  const hookWithLog: AdaptHook = {
    onArrival(t) {
      const change = adapt.onArrival(t);
      if (change) current = { ...current, ...change } as BufferConfiguration;
      const h = Math.min(n - 1, Math.floor(t / 3600));
      if (!schedule && requests[h] === 0) configs[h] = { ...current };
      return change;
    },
  };
  simulateBuffer(dayArrivals(hours, { prng: seededPrng(options.seed ?? 1) }), {
    ...initial,
    profile: options.profile,
    pricing: options.pricing,
    extrapolate: options.extrapolate ?? false,
    coldStart: options.coldStart ?? { initSec: 0.25, keepAliveSec: options.keepAliveSec ?? 600 },
    // Service times that vary are drawn on a stream of their own.
    ...(options.profile.variability === undefined
      ? {}
      : { prng: seededPrng((options.seed ?? 1) + 1_000_003) }),
    adapt: hookWithLog,
    sink: {
      request(r) {
        const h = Math.min(n - 1, Math.floor(r.arrivalSec / 3600));
        histograms[h].add(r.latencySec);
        requests[h]++;
      },
      batch(b) {
        const h = Math.min(n - 1, Math.floor(b.firstArrivalSec / 3600));
        cost[h] += b.costUsd;
        batchRequests[h] += b.size;
      },
    },
  });
  return hours.map((x, h) => ({
    hour: x.hour,
    requests: requests[h],
    latencySec: histograms[h].count > 0 ? histograms[h].quantile(options.percentile ?? 0.95) : NaN,
    p95Sec: histograms[h].count > 0 ? histograms[h].quantile(0.95) : NaN,
    costUsd: cost[h],
    costPerRequestUsd: cost[h] / batchRequests[h],
    config: configs[h],
  }));
}

/**
 * The best single configuration for the whole day. Under a latency SLO: the
 * cheapest in expected daily cost among those meeting the SLO in every
 * feasible hour (or, if none does, in the most hours). Under a budget: the one
 * with the least traffic-weighted latency among those within the budget in
 * every feasible hour (or the most hours).
 */
function bestStatic(
  solutions: readonly HourSolution[],
  constraint: "latency" | "cost",
  bound: number,
): BufferConfiguration {
  const n = solutions[0].evaluation.latencySec.length;
  let best = -1, bestMet = -1, bestObjective = Infinity;
  for (let i = 0; i < n; i++) {
    let met = 0, objective = 0;
    for (const s of solutions) {
      const e = s.evaluation;
      const value = constraint === "latency" ? e.latencySec[i] : e.costUsd[i];
      if (value <= bound || !s.feasible) met++;
      objective += s.ratePerSec * 3600 *
        (constraint === "latency" ? e.costUsd[i] : e.latencySec[i]);
    }
    if (met > bestMet || (met === bestMet && objective < bestObjective)) {
      best = i;
      bestMet = met;
      bestObjective = objective;
    }
  }
  return bufferConfigurationAt(solutions[0].evaluation, best);
}

/**
 * Simulates one seeded day under each policy and measures it per hour.
 *
 * @param hours The day's hourly MAPs (the truth the arrivals are drawn from).
 * @param options Profile, pricing, grid, SLO, seed, cold starts, controller settings.
 * @returns One day per policy, in {@linkcode POLICY_NAMES} order.
 */
export function compareDayPolicies(
  hours: readonly { hour: number; map: MapProcess }[],
  options: ComparePoliciesOptions,
): PolicyDay[] {
  const {
    profile,
    pricing,
    grid,
    sloSec,
    percentile = 0.95,
    method = "exact",
    tolerance = 0.01,
    extrapolate = false,
  } = options;
  const budget = options.budgetUsd;
  if (budget !== undefined && !(budget > 0)) {
    throw new RangeError(`Cannot compare with budget ${budget} USD: it must be > 0`);
  }
  if (budget === undefined && !(sloSec !== undefined && sloSec > 0)) {
    throw new RangeError(`Cannot compare with SLO ${sloSec} s: it must be > 0`);
  }
  const constraint = budget === undefined ? "latency" as const : "cost" as const;
  const bound = budget ?? sloSec!;
  const solutions = solveHours(hours, grid, {
    profile,
    pricing,
    percentile,
    method,
    constraint,
    slo: bound,
    extrapolate,
    keepAliveSec: options.keepAliveSec,
  });
  const feasible = solutions.map((s) => s.feasible);
  const maxMemory = Math.max(...grid.memoriesMb);
  const minTimeout = Math.min(...grid.timeoutsSec);
  const noBatching = (memoryMb: number) => ({ memoryMb, maxBatch: 1, timeoutSec: minTimeout });
  // One request per invocation: its latency is S_1, at the percentile when S_1 varies, and
  // its cost the expectation under the pricing's rounding.
  const one = (m: number) => serviceDistributions(profile, 1, m, { extrapolate })[0];
  const s1 = (m: number) => one(m).quantile(percentile);
  const c1 = (m: number) => expectedInvocationCostUsd(pricing, one(m), m);
  const ascending = [...grid.memoriesMb].sort((a, b) => a - b);
  // Without batching: the cheapest memory meeting the SLO, or under a budget the
  // fastest one it affords (S_1 and its cost do not depend on the traffic).
  const cheapestMemory = budget === undefined
    ? ascending.find((m) => s1(m) <= bound) ?? maxMemory
    : ascending.filter((m) => c1(m) <= budget).at(-1) ??
      ascending.reduce((a, m) => c1(m) < c1(a) ? m : a);
  const names = [...POLICY_NAMES] as string[];
  if (budget !== undefined) names[1] = BUDGET_NO_BATCHING_NAME;
  const hourly = solutions.map((s) =>
    s.optimal[0]
      ? {
        memoryMb: s.optimal[0].memoryMb,
        maxBatch: s.optimal[0].maxBatch,
        timeoutSec: s.optimal[0].timeoutSec,
      }
      : constraint === "latency"
      ? bufferConfigurationAt(
        s.evaluation,
        s.evaluation.latencySec.indexOf(Math.min(...s.evaluation.latencySec)),
      )
      : bufferConfigurationAt(
        s.evaluation,
        s.evaluation.costUsd.indexOf(Math.min(...s.evaluation.costUsd)),
      )
  );
  const wanted = (name: string) => !options.only || options.only.includes(name);
  const jobs: { name: string; run: () => PolicyDay }[] = [];
  const measure = (
    name: string,
    initial: BufferConfiguration,
    adapt: AdaptHook,
    schedule?: (h: number) => BufferConfiguration,
    decisions?: AdaptiveDecision[],
  ): PolicyDay => {
    const measured = simulateDay(hours, initial, adapt, schedule, options);
    const policyHours = measured.map((m, h) => ({
      hour: m.hour,
      requests: m.requests,
      latencySec: m.latencySec,
      p95Sec: m.p95Sec,
      costPerRequestUsd: m.costPerRequestUsd,
      config: m.config,
      feasible: feasible[h],
      violated: budget === undefined
        ? m.latencySec > bound * (1 + tolerance)
        : m.costPerRequestUsd > budget * (1 + tolerance),
    }));
    const total = measured.reduce((a, m) => a + m.costUsd, 0);
    const count = measured.reduce((a, m) => a + m.requests, 0);
    return {
      name,
      costPerRequestUsd: total / count,
      hoursViolated: policyHours.filter((h) => h.violated && h.feasible).length,
      hoursInfeasibleViolated: policyHours.filter((h) => h.violated && !h.feasible).length,
      hours: policyHours,
      ...(decisions ? { decisions } : {}),
    };
  };
  const fixed = (name: string, config: BufferConfiguration) =>
    jobs.push({
      name,
      run: () => measure(name, config, { onArrival: () => undefined }, () => config),
    });
  if (wanted(POLICY_NAMES[0])) fixed(names[0], noBatching(maxMemory));
  if (wanted(POLICY_NAMES[1])) fixed(names[1], noBatching(cheapestMemory));
  if (wanted(POLICY_NAMES[2])) fixed(names[2], bestStatic(solutions, constraint, bound));
  if (wanted(POLICY_NAMES[3])) {
    jobs.push({
      name: names[3],
      run: () => measure(names[3], hourly[0], scheduleHook(hourly), (h) => hourly[h]),
    });
  }
  if (wanted(POLICY_NAMES[4])) {
    jobs.push({
      name: names[4],
      run: () => {
        // Before its first window it knows nothing of the traffic, but without
        // batching latency and cost are S_1(M)'s whatever the traffic: it starts
        // there, at the cheapest memory meeting the SLO (under a budget, the
        // fastest memory it affords).
        const controller = new AdaptiveController({
          windowSec: options.adaptiveWindowSec ?? 3600,
          grid,
          profile,
          pricing,
          percentile,
          method,
          constraint,
          slo: bound,
          extrapolate,
          keepAliveSec: options.keepAliveSec,
          initial: noBatching(cheapestMemory),
          rateMargin: options.rateMargin,
          startSec: 0,
        });
        const day = measure(names[4], noBatching(cheapestMemory), controller);
        return { ...day, decisions: [...controller.decisions] };
      },
    });
  }
  if (wanted(POLICY_NAMES[5]) && options.solver) {
    const solver = options.solver;
    jobs.push({
      name: names[5],
      run: () => {
        const plan: DayPlan = planDay(dayPlanHoursFromSolutions(solutions), {
          constraint,
          slo: bound,
          maxMemoryChanges: options.planMaxMemoryChanges ?? 2,
          solver,
        });
        const schedule = plan.hours.map((h) => ({
          memoryMb: h.memoryMb,
          maxBatch: h.maxBatch,
          timeoutSec: h.timeoutSec,
        }));
        return measure(names[5], schedule[0], scheduleHook(schedule), (h) => schedule[h]);
      },
    });
  }
  return jobs.map((j, i) => {
    const day = j.run();
    options.onPolicy?.(i + 1, jobs.length, j.name);
    return day;
  });
}

import assert from "node:assert/strict";
import { readMapDirectory } from "../../lib/io/map_files.ts";
import { readProfileArgument } from "../../lib/io/profile_files.ts";
import { allocateEvaluation, type ConfigurationGrid } from "../../lib/model/types.ts";
import {
  buildDayModel,
  type DayPlan,
  type DayPlanHour,
  dayPlanHoursFromSolutions,
  type DayPlanOptions,
  planCandidates,
  planDay,
} from "../../lib/optimize/day_plan.ts";
import { gridFromRanges } from "../../lib/optimize/grid.ts";
import {
  glpkSolver,
  type LinearModel,
  type MilpSolver,
  modelSize,
} from "../../lib/optimize/milp.ts";
import { configurationAt, solveHours } from "../../lib/optimize/optimize.ts";
import { pricing } from "../../lib/profile/pricing.ts";
import { type Prng, seededPrng } from "../../lib/random/prng.ts";

const solver = await glpkSolver();

const SMALL_GRID: ConfigurationGrid = {
  memoriesMb: [1024, 1536, 2048],
  timeoutsSec: [0.1, 0.2, 0.3],
  maxBatches: [10],
};

/** Random hours on a small grid: latencies in [1, 6] s, costs in [1, 5]e-5 USD. */
function randomHours(prng: Prng, count: number, grid = SMALL_GRID): DayPlanHour[] {
  return Array.from({ length: count }, (_, h) => {
    const evaluation = allocateEvaluation("exact", grid);
    for (let i = 0; i < evaluation.latencySec.length; i++) {
      evaluation.latencySec[i] = 1 + 5 * prng.nextFloat();
      evaluation.costUsd[i] = (1 + 4 * prng.nextFloat()) * 1e-5;
    }
    return { hour: h + 1, evaluation, expectedRequests: Math.round(1e4 + 1e5 * prng.nextFloat()) };
  });
}

function handMade(grid: ConfigurationGrid, hours: { latency: number[]; cost: number[] }[]) {
  return hours.map(({ latency, cost }, h): DayPlanHour => {
    const evaluation = allocateEvaluation("exact", grid);
    evaluation.latencySec.set(latency);
    evaluation.costUsd.set(cost);
    return { hour: h + 1, evaluation, expectedRequests: 1000 };
  });
}

interface Brute {
  costUsd: number;
  worstLatencySec: number;
  meanLatencySec: number;
}

/**
 * The optimum by enumerating every combination of configurations (no
 * pruning), for hours where some configuration meets the SLO. For the
 * worst latency: the least worst latency, then the least cost.
 */
function bruteForce(hours: DayPlanHour[], o: DayPlanOptions): Brute | undefined {
  const objective = o.objective ?? (o.constraint === "latency" ? "cost" : "latency");
  const kind = objective === "cost" ? "cost" : o.latencyObjective ?? "worst";
  const maxChanges = o.singleMemory ? 0 : o.maxMemoryChanges ?? Infinity;
  const total = hours.reduce((s, h) => s + h.expectedRequests, 0);
  const allowed = hours.map((h) => {
    const e = h.evaluation;
    const bound = o.constraint === "latency" ? e.latencySec : e.costUsd;
    const ok = [...bound.keys()].filter((i) => o.strict ? bound[i] < o.slo : bound[i] <= o.slo);
    assert.ok(ok.length > 0, "bruteForce() needs every hour feasible");
    return ok.map((i) => configurationAt(e, i));
  });
  let best: Brute | undefined;
  const better = (a: Brute, b: Brute | undefined) => {
    if (b === undefined) return true;
    if (kind === "cost") return a.costUsd < b.costUsd;
    if (kind === "mean") return a.meanLatencySec < b.meanLatencySec;
    return a.worstLatencySec < b.worstLatencySec ||
      (a.worstLatencySec === b.worstLatencySec && a.costUsd < b.costUsd);
  };
  const pick = new Array<number>(hours.length).fill(0);
  for (;;) {
    const chosen = pick.map((k, h) => allowed[h][k]);
    let changes = 0;
    for (let h = 1; h < chosen.length; h++) {
      if (chosen[h].memoryMb !== chosen[h - 1].memoryMb) changes++;
    }
    const costUsd = chosen.reduce((s, c, h) => s + hours[h].expectedRequests * c.costUsd, 0);
    if (changes <= maxChanges && costUsd <= (o.dailyBudgetUsd ?? Infinity)) {
      const candidate = {
        costUsd,
        worstLatencySec: Math.max(...chosen.map((c) => c.latencySec)),
        meanLatencySec: chosen.reduce((s, c, h) =>
          s + hours[h].expectedRequests * c.latencySec, 0) /
          total,
      };
      if (better(candidate, best)) best = candidate;
    }
    let h = 0;
    while (h < pick.length && ++pick[h] === allowed[h].length) pick[h++] = 0;
    if (h === pick.length) break;
  }
  return best;
}

function assertPlanMatches(
  plan: DayPlan,
  brute: Brute | undefined,
  o: DayPlanOptions,
  what: string,
) {
  if (brute === undefined) {
    assert.equal(plan.status, "infeasible", what);
    assert.deepEqual(plan.hours, [], what);
    return;
  }
  assert.equal(plan.status, "optimal", what);
  const objective = o.objective ?? "cost";
  // GLPK's optimum is exact up to its tolerances (about 1e-7 relative); the
  // random instances have no near-ties that close, so 1e-9 relative holds.
  const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.abs(b);
  if (objective === "cost") {
    assert.ok(
      close(plan.dailyCostUsd, brute.costUsd),
      `${what}: ${plan.dailyCostUsd} vs ${brute.costUsd}`,
    );
  } else if ((o.latencyObjective ?? "worst") === "worst") {
    assert.equal(plan.worstLatencySec, brute.worstLatencySec, what);
    assert.ok(
      close(plan.dailyCostUsd, brute.costUsd),
      `${what}: ${plan.dailyCostUsd} vs ${brute.costUsd}`,
    );
  } else {
    assert.ok(close(plan.meanLatencySec, brute.meanLatencySec), `${what}: mean latency`);
  }
  // The plan itself meets every constraint.
  const maxChanges = o.singleMemory ? 0 : o.maxMemoryChanges ?? Infinity;
  assert.ok(plan.memoryChanges <= maxChanges, what);
  assert.ok(plan.dailyCostUsd <= (o.dailyBudgetUsd ?? Infinity) * (1 + 1e-9), what);
  for (const h of plan.hours) {
    assert.ok((o.constraint === "latency" ? h.latencySec : h.costUsd) <= o.slo, what);
  }
}

Deno.test("planDay() equals brute force on random 4-hour days, every constraint and objective", () => {
  // 4 hours x 9 configurations: 9^4 = 6561 combinations enumerated per case.
  const cases: [string, Partial<DayPlanOptions>][] = [
    ["free", {}],
    ["single memory", { singleMemory: true }],
    ["K = 0", { maxMemoryChanges: 0 }],
    ["K = 1", { maxMemoryChanges: 1 }],
    ["K = 2", { maxMemoryChanges: 2 }],
    ["budget", { dailyBudgetUsd: 0 }], // set per instance below
    ["budget, K = 1", { dailyBudgetUsd: 0, maxMemoryChanges: 1 }],
    ["worst latency, budget", { objective: "latency", dailyBudgetUsd: 0 }],
    ["worst latency, budget, single", {
      objective: "latency",
      dailyBudgetUsd: 0,
      singleMemory: true,
    }],
    ["worst latency, budget, K = 1", {
      objective: "latency",
      dailyBudgetUsd: 0,
      maxMemoryChanges: 1,
    }],
    ["worst latency, no budget, K = 1", { objective: "latency", maxMemoryChanges: 1 }],
    [
      "mean latency, budget, K = 1",
      { objective: "latency", latencyObjective: "mean", dailyBudgetUsd: 0, maxMemoryChanges: 1 },
    ],
    ["mean latency, budget", { objective: "latency", latencyObjective: "mean", dailyBudgetUsd: 0 }],
  ];
  let infeasibleSeen = 0;
  for (let seed = 1; seed <= 12; seed++) {
    const hours = randomHours(seededPrng(seed), 4);
    const base: DayPlanOptions = { constraint: "latency", slo: 5 };
    const free = bruteForce(hours, base)!;
    const single = bruteForce(hours, { ...base, singleMemory: true });
    // A budget between the free optimum and the single-memory optimum, so it binds.
    const budget = single ? (free.costUsd + single.costUsd) / 2 : free.costUsd * 1.01;
    for (const [name, extra] of cases) {
      const o: DayPlanOptions = {
        ...base,
        ...extra,
        ...("dailyBudgetUsd" in extra ? { dailyBudgetUsd: budget } : {}),
      };
      const plan = planDay(hours, { ...o, solver });
      const brute = bruteForce(hours, o);
      if (brute === undefined) infeasibleSeen++;
      assertPlanMatches(plan, brute, o, `seed ${seed}, ${name}`);
    }
  }
  assert.ok(infeasibleSeen > 0, "some budgets should make a case infeasible");
});

Deno.test("planDay() equals brute force with the paper method's strict SLO and a cost SLO", () => {
  for (let seed = 20; seed <= 25; seed++) {
    const hours = randomHours(seededPrng(seed), 3);
    // The SLO equal to an existing latency: strict excludes it.
    const slo = hours[1].evaluation.latencySec[4];
    for (const extra of [{}, { singleMemory: true }, { maxMemoryChanges: 1 }]) {
      const o: DayPlanOptions = {
        constraint: "latency",
        slo: Math.max(slo, 4),
        strict: true,
        ...extra,
      };
      assertPlanMatches(planDay(hours, { ...o, solver }), bruteForce(hours, o), o, `seed ${seed}`);
    }
    // Cost SLO: minimize the worst latency with every hour's cost <= 4e-5 USD.
    const c: DayPlanOptions = { constraint: "cost", slo: 4e-5, maxMemoryChanges: 1 };
    assertPlanMatches(planDay(hours, { ...c, solver }), bruteForce(hours, c), {
      ...c,
      objective: "latency",
    }, `cost seed ${seed}`);
  }
});

Deno.test("buildDayModel()'s minimax model of the worst latency, solved by GLPK, equals brute force", () => {
  for (let seed = 30; seed <= 34; seed++) {
    const hours = randomHours(seededPrng(seed), 4);
    const o: DayPlanOptions = {
      constraint: "latency",
      slo: 5,
      objective: "latency",
      maxMemoryChanges: 1,
    };
    const model = buildDayModel(hours, planCandidates(hours, o), o);
    assert.ok(model.objective.length === 1 && model.objective[0].name === "L");
    const solution = solver(model);
    assert.equal(solution.status, "optimal");
    const brute = bruteForce(hours, o)!;
    assert.ok(Math.abs(solution.objective - brute.worstLatencySec) < 1e-9);
  }
});

/** The 24 hours of traces/nys with TF-resnetV2 on solver.py's grid (1372 configurations an hour). */
async function nysSolutions(method: "exact" | "paper") {
  const maps = await readMapDirectory("traces/nys");
  const profile = await readProfileArgument("TF-resnetV2");
  return solveHours(maps, gridFromRanges(), {
    method,
    profile,
    pricing: pricing("paper"),
    percentile: 0.95,
    constraint: "latency",
    slo: 5,
  });
}

Deno.test("planDay() without day constraints picks selectOptimal's cost in every hour (NYS, TF-resnetV2)", async () => {
  for (const method of ["exact", "paper"] as const) {
    const solutions = await nysSolutions(method);
    const hours = dayPlanHoursFromSolutions(solutions);
    const plan = planDay(hours, {
      constraint: "latency",
      slo: 5,
      strict: method === "paper",
      solver,
    });
    assert.equal(plan.status, "optimal");
    assert.equal(plan.hours.length, 24);
    assert.equal(plan.prunedFrom, 24 * 1372);
    assert.equal(plan.candidates, 24); // free memory, cost objective: one candidate an hour
    plan.hours.forEach((p, h) => {
      const best = solutions[h].optimal;
      assert.ok(best.length > 0);
      // Same cost (exactly: the same double); ties may pick another configuration.
      assert.equal(p.costUsd, best[0].costUsd, `${method} hour ${p.hour}`);
      assert.ok(best.some((b) => b.memoryMb === p.memoryMb && b.timeoutSec === p.timeoutSec));
      assert.equal(p.expectedRequests, solutions[h].ratePerSec * 3600);
    });
    const perHour = solutions.reduce(
      (s, h, i) => s + hours[i].expectedRequests * h.optimal[0].costUsd,
      0,
    );
    assert.ok(Math.abs(plan.dailyCostUsd - perHour) <= 1e-12 * perHour);
  }
});

/**
 * The cheapest plan with at most `maxChanges` memory changes by dynamic
 * programming over (hour, memory, changes used): an independent exact method.
 */
function cheapestByDynamicProgramming(
  hours: DayPlanHour[],
  slo: number,
  maxChanges: number,
): number {
  const memories = hours[0].evaluation.grid.memoriesMb;
  // best[h][m]: the least cost of hour h at memory m under the SLO (Infinity if none).
  const best = hours.map((h) =>
    memories.map((m) => {
      let least = Infinity;
      for (let i = 0; i < h.evaluation.latencySec.length; i++) {
        const c = configurationAt(h.evaluation, i);
        if (c.memoryMb === m && c.latencySec <= slo) least = Math.min(least, c.costUsd);
      }
      return h.expectedRequests * least;
    })
  );
  let dp = memories.map((_, m) => Array.from({ length: maxChanges + 1 }, () => best[0][m]));
  for (let h = 1; h < hours.length; h++) {
    dp = memories.map((_, m) =>
      Array.from({ length: maxChanges + 1 }, (_, k) => {
        let prev = dp[m][k];
        if (k > 0) {
          for (let q = 0; q < memories.length; q++) {
            if (q !== m) prev = Math.min(prev, dp[q][k - 1]);
          }
        }
        return prev + best[h][m];
      })
    );
  }
  return Math.min(...dp.flat());
}

Deno.test("planDay() with one memory or K changes equals dynamic programming on 24 NYS hours", async () => {
  const hours = dayPlanHoursFromSolutions(await nysSolutions("exact"));
  for (const k of [0, 1, 2, 4]) {
    const plan = planDay(hours, { constraint: "latency", slo: 5, maxMemoryChanges: k, solver });
    const expected = cheapestByDynamicProgramming(hours, 5, k);
    assert.equal(plan.status, "optimal");
    assert.ok(plan.memoryChanges <= k);
    // GLPK's tolerances: 1e-7 relative (the costs of the plans differ by more).
    assert.ok(
      Math.abs(plan.dailyCostUsd - expected) <= 1e-9 * expected,
      `K ${k}: ${plan.dailyCostUsd} vs ${expected}`,
    );
  }
  const single = planDay(hours, { constraint: "latency", slo: 5, singleMemory: true, solver });
  assert.equal(
    single.dailyCostUsd,
    planDay(hours, { constraint: "latency", slo: 5, maxMemoryChanges: 0, solver }).dailyCostUsd,
  );
});

Deno.test("planCandidates() prunes per memory when one memory couples the hours, keeping the optimum", () => {
  // Grid: 1024 MB then 2048 MB, timeouts 0.1 and 0.2 (index = memory * 2 + timeout).
  const grid = { memoriesMb: [1024, 2048], timeoutsSec: [0.1, 0.2], maxBatches: [10] };
  const hours = handMade(grid, [
    // Hour 1: 1024 MB is cheapest; the 2048 MB configurations are dominated by it.
    { latency: [2, 3, 2.5, 3.5], cost: [1, 2, 3, 4] },
    // Hour 2: only 2048 MB meets the SLO of 5 s.
    { latency: [6, 7, 4, 4.5], cost: [1, 1, 5, 4] },
  ]);
  const latencyObjective: DayPlanOptions = { constraint: "latency", slo: 5, objective: "latency" };
  // Free memory: the global Pareto front of hour 1 is its cheapest and fastest configuration.
  const free = planCandidates(hours, latencyObjective);
  assert.deepEqual(free.hours[0].map((c) => c.index), [0]);
  // One memory: per-memory fronts; 2048 MB keeps index 2 (faster) and 3 is dominated by 2.
  const single = planCandidates(hours, { ...latencyObjective, singleMemory: true });
  assert.equal(single.memoryCoupled, true);
  assert.deepEqual(single.hours[0].map((c) => c.index), [2]); // 1024 MB: hour 2 cannot use it
  assert.deepEqual(single.hours[1].map((c) => c.index), [3, 2]); // sorted by cost
  const plan = planDay(hours, { constraint: "latency", slo: 5, singleMemory: true, solver });
  assert.deepEqual(plan.hours.map((h) => h.memoryMb), [2048, 2048]);
  assert.equal(plan.dailyCostUsd, 1000 * 3 + 1000 * 4);
  assert.equal(
    plan.dailyCostUsd,
    bruteForce(hours, { constraint: "latency", slo: 5, singleMemory: true })!.costUsd,
  );
});

Deno.test("planCandidates() keeps an optimal plan on random days (pruned plan = brute force on all)", () => {
  for (let seed = 40; seed <= 45; seed++) {
    const hours = randomHours(seededPrng(seed), 4);
    for (const extra of [{ singleMemory: true }, { maxMemoryChanges: 1 }, {}]) {
      for (const objective of ["cost", "latency"] as const) {
        const o: DayPlanOptions = { constraint: "latency", slo: 5, objective, ...extra };
        const c = planCandidates(hours, o);
        assert.ok(c.kept < c.prunedFrom);
        assertPlanMatches(
          planDay(hours, { ...o, solver }),
          bruteForce(hours, o),
          o,
          `seed ${seed}`,
        );
      }
    }
  }
});

Deno.test("planDay() plans an hour that no configuration meets with its least latency, flagged", () => {
  const grid = { memoriesMb: [1024, 2048], timeoutsSec: [0.1, 0.2], maxBatches: [10] };
  const hours = handMade(grid, [
    { latency: [2, 3, 2.5, 3.5], cost: [1, 2, 3, 4] },
    { latency: [7, 8, 6, 9], cost: [1, 1, 5, 4] }, // nothing <= 5 s
    { latency: [2, 3, 2.5, 3.5], cost: [1, 2, 3, 4] },
  ]);
  const plan = planDay(hours, { constraint: "latency", slo: 5, solver });
  assert.equal(plan.status, "optimal");
  assert.deepEqual(plan.infeasibleHours, [2]);
  assert.deepEqual(plan.hours.map((h) => h.feasible), [true, false, true]);
  assert.equal(plan.hours[1].latencySec, 6); // the least latency of the hour
  // With one memory, the infeasible hour takes the least latency of each memory
  // (7 s at 1024 MB), so the day can stay at the cheap 1024 MB.
  const single = planDay(hours, { constraint: "latency", slo: 5, singleMemory: true, solver });
  assert.deepEqual(single.hours.map((h) => h.memoryMb), [1024, 1024, 1024]);
  assert.equal(single.hours[1].latencySec, 7);
  assert.equal(single.hours[1].feasible, false);
});

Deno.test("planDay() reports an infeasible day without a plan", () => {
  const grid = { memoriesMb: [1024, 2048], timeoutsSec: [0.1], maxBatches: [10] };
  const hours = handMade(grid, [
    { latency: [1, 9], cost: [1, 1] }, // only 1024 MB meets 5 s
    { latency: [9, 1], cost: [1, 1] }, // only 2048 MB
  ]);
  const single = planDay(hours, { constraint: "latency", slo: 5, singleMemory: true, solver });
  assert.equal(single.status, "infeasible");
  assert.deepEqual(single.hours, []);
  assert.ok(Number.isNaN(single.dailyCostUsd));
  assert.equal(single.solves.length, 0); // no memory both hours can use: no solve needed
  const poor = planDay(hours, { constraint: "latency", slo: 5, dailyBudgetUsd: 1999, solver });
  assert.equal(poor.status, "infeasible");
  assert.equal(poor.solves.length, 1);
  const enough = planDay(hours, { constraint: "latency", slo: 5, dailyBudgetUsd: 2000, solver });
  assert.equal(enough.status, "optimal");
  assert.equal(enough.dailyCostUsd, 2000);
});

Deno.test("planDay() hands buildDayModel()'s model to the injected solver", () => {
  const hours = randomHours(seededPrng(50), 3);
  const o: DayPlanOptions = {
    constraint: "latency",
    slo: 5,
    maxMemoryChanges: 1,
    dailyBudgetUsd: 100,
  };
  const seen: LinearModel[] = [];
  const recording: MilpSolver = (model, options) => {
    seen.push(model);
    return solver(model, options);
  };
  const plan = planDay(hours, { ...o, solver: recording });
  assert.equal(seen.length, 1);
  assert.deepEqual(seen[0], buildDayModel(hours, planCandidates(hours, o), o));
  assert.equal(plan.variables, modelSize(seen[0]).variables);
  assert.equal(plan.constraints, seen[0].constraints.length);
  assert.equal(plan.binaries, seen[0].binaries.length);
});

Deno.test("planDay() counts the model and the time with an injected clock", () => {
  const hours = randomHours(seededPrng(51), 2);
  let t = 0;
  const plan = planDay(hours, { constraint: "latency", slo: 5, solver, now: () => (t += 250) });
  assert.equal(plan.elapsedSec, 0.75); // start, solve start, solve end, finish: 4 ticks of 0.25 s
  assert.equal(plan.solves[0].elapsedSec, 0.25);
  assert.equal(plan.binaries, 2);
});

Deno.test("planDay() and planCandidates() reject bad options with a RangeError or TypeError", () => {
  const hours = randomHours(seededPrng(60), 2);
  const base: DayPlanOptions = { constraint: "latency", slo: 5 };
  const bad: [Partial<DayPlanOptions>, RegExp][] = [
    [{ slo: 0 }, /SLO 0: it must be > 0/],
    [{ slo: NaN }, /SLO NaN: it must be > 0/],
    [{ maxMemoryChanges: -1 }, /'maxMemoryChanges' must be an integer >= 0: current value is -1/],
    [{ maxMemoryChanges: 1.5 }, /'maxMemoryChanges' must be an integer >= 0: current value is 1.5/],
    [{ singleMemory: true, maxMemoryChanges: 2 }, /both 'singleMemory' and 'maxMemoryChanges' 2/],
    [{ dailyBudgetUsd: 0 }, /'dailyBudgetUsd' must be > 0: current value is 0/],
    [{ objective: "speed" as "cost" }, /'objective' must be one of cost, latency: found 'speed'/],
    [{ latencyObjective: "p99" as "mean" }, /'latencyObjective' must be one of worst, mean/],
    [{ constraint: "memory" as "cost" }, /'constraint' must be one of latency, cost/],
  ];
  for (const [extra, message] of bad) {
    assert.throws(() => planCandidates(hours, { ...base, ...extra }), {
      name: "RangeError",
      message,
    });
    assert.throws(() => planDay(hours, { ...base, ...extra, solver }), {
      name: "RangeError",
      message,
    });
  }
  assert.throws(() => planDay([], { ...base, solver }), {
    name: "RangeError",
    message: /'hours' must not be empty/,
  });
  const nan = [{ ...hours[0], expectedRequests: NaN }];
  assert.throws(() => planDay(nan, { ...base, solver }), {
    name: "RangeError",
    message: /hour 1 as 'expectedRequests' must be a finite number >= 0: current value is NaN/,
  });
  const broken = randomHours(seededPrng(61), 1);
  broken[0].evaluation.latencySec[3] = NaN;
  assert.throws(() => planDay(broken, { ...base, solver }), {
    name: "RangeError",
    message: /hour 1 as configuration 1536 MB, 0.1 s, B 10 has latency NaN s/,
  });
  assert.throws(() => planDay(hours, { ...base, solver: undefined as unknown as MilpSolver }), {
    name: "TypeError",
    message: /'solver' must be a function/,
  });
  assert.throws(() => dayPlanHoursFromSolutions([{ ...hours[0], ratePerSec: -1 }]), {
    name: "RangeError",
    message: /hour 1 as its arrival rate must be a finite number >= 0: current value is -1/,
  });
});

import assert from "node:assert/strict";
import { compareDayPolicies, POLICY_NAMES } from "../../lib/adapt/day_policies.ts";
import { readMapDirectory } from "../../lib/io/map_files.ts";
import { glpkSolver } from "../../lib/optimize/milp.ts";
import { solveHours } from "../../lib/optimize/optimize.ts";
import { invocationCostUsd, pricing } from "../../lib/profile/pricing.ts";
import { publishedProfile, serviceTimeSec } from "../../lib/profile/service_profile.ts";

// Three NYS night hours (10 to 16 requests/s) keep the simulated day small.
const hours = (await readMapDirectory("traces/nys")).slice(0, 3);
const profile = publishedProfile("TF-resnetV2");
const price = pricing("paper");
const grid = {
  memoriesMb: [1536, 2048, 2560, 3008],
  timeoutsSec: [0.05, 0.1, 0.2, 0.4],
  maxBatches: [1, 2, 4, 6],
};
const days = compareDayPolicies(hours, {
  profile,
  pricing: price,
  grid,
  sloSec: 5,
  seed: 2,
  solver: await glpkSolver(),
  planMaxMemoryChanges: 3,
});
const byName = Object.fromEntries(days.map((d) => [d.name, d]));

Deno.test("compareDayPolicies() runs every policy on the same day's requests", () => {
  assert.deepEqual(days.map((d) => d.name), [...POLICY_NAMES]);
  const counts = days.map((d) => d.hours.map((h) => h.requests));
  for (const c of counts) assert.deepEqual(c, counts[0]);
  assert.ok(counts[0].every((n) => n > 30_000));
});

Deno.test("no batching costs one invocation of S_1 per request", () => {
  const max = byName[POLICY_NAMES[0]];
  const s1 = serviceTimeSec(profile, 1, 3008);
  for (const h of max.hours) {
    assert.equal(h.config.maxBatch, 1);
    assert.ok(Math.abs(h.costPerRequestUsd / invocationCostUsd(price, s1, 3008) - 1) < 1e-9);
    // Every request takes S_1 (a few take the 0.25 s cold start on top).
    assert.ok(Math.abs(h.p95Sec - s1) < 0.01 * s1, `${h.p95Sec} vs ${s1}`);
  }
  // The cheapest memory whose S_1 meets the SLO, computed here from the profile.
  const cheapest = [...grid.memoriesMb].find((m) => serviceTimeSec(profile, 1, m) <= 5)!;
  assert.ok(byName[POLICY_NAMES[1]].hours.every((h) => h.config.memoryMb === cheapest));
});

Deno.test("BATCH hourly uses each hour's optimum; the day plan with room to change matches it", () => {
  const solved = solveHours(hours, grid, {
    profile,
    pricing: price,
    percentile: 0.95,
    constraint: "latency",
    slo: 5,
    extrapolate: true,
  });
  const hourly = byName[POLICY_NAMES[3]];
  hourly.hours.forEach((h, i) => {
    const o = solved[i].optimal[0];
    assert.deepEqual(h.config, {
      memoryMb: o.memoryMb,
      maxBatch: o.maxBatch,
      timeoutSec: o.timeoutSec,
    });
  });
  // 3 hours, up to 3 memory changes: the plan is free to pick each hour's optimum's cost.
  const plan = byName[POLICY_NAMES[5]];
  assert.ok(Math.abs(plan.costPerRequestUsd / hourly.costPerRequestUsd - 1) < 0.01);
});

Deno.test("BATCH costs less than no batching and keeps the SLO; adaptive starts unbatched at the cheapest memory meeting the SLO", () => {
  const none = byName[POLICY_NAMES[0]].costPerRequestUsd;
  for (const name of [POLICY_NAMES[3], POLICY_NAMES[4]]) {
    const d = byName[name];
    assert.ok(d.costPerRequestUsd < none, name);
    assert.equal(d.hoursViolated, 0, name);
  }
  const adaptive = byName[POLICY_NAMES[4]];
  const cheapest = [...grid.memoriesMb].find((m) => serviceTimeSec(profile, 1, m) <= 5)!;
  assert.deepEqual(adaptive.hours[0].config, { memoryMb: cheapest, maxBatch: 1, timeoutSec: 0.05 });
  assert.equal(adaptive.decisions!.length, 2);
  assert.ok(adaptive.hours[1].config.maxBatch > 1);
});

Deno.test("compareDayPolicies() under a budget: BATCH minimizes latency within it", () => {
  // 40 µUSD per request: no memory affords it without batching (S_1 costs more).
  const budgetUsd = 40e-6;
  const s1Cost = (m: number) => invocationCostUsd(price, serviceTimeSec(profile, 1, m), m);
  assert.ok(grid.memoriesMb.every((m) => s1Cost(m) > budgetUsd));
  const under = compareDayPolicies(hours, {
    profile,
    pricing: price,
    grid,
    sloSec: 5,
    budgetUsd,
    seed: 2,
    only: [POLICY_NAMES[1], POLICY_NAMES[3]],
  });
  assert.deepEqual(under.map((d) => d.name), [
    "no batching, fastest memory within the budget",
    POLICY_NAMES[3],
  ]);
  // Unaffordable without batching: it falls back to the cheapest memory and is over every hour.
  const cheapest = grid.memoriesMb.reduce((a, m) => s1Cost(m) < s1Cost(a) ? m : a);
  assert.ok(under[0].hours.every((h) => h.config.memoryMb === cheapest));
  assert.equal(under[0].hoursViolated, 3);
  // BATCH hourly: each hour's least-latency configuration within the budget, kept.
  const solved = solveHours(hours, grid, {
    profile,
    pricing: price,
    percentile: 0.95,
    constraint: "cost",
    slo: budgetUsd,
    extrapolate: true,
  });
  under[1].hours.forEach((h, i) => {
    const o = solved[i].optimal[0];
    assert.deepEqual(h.config, {
      memoryMb: o.memoryMb,
      maxBatch: o.maxBatch,
      timeoutSec: o.timeoutSec,
    });
    assert.ok(h.costPerRequestUsd <= budgetUsd * 1.01, `${h.costPerRequestUsd}`);
  });
  assert.equal(under[1].hoursViolated, 0);
});

Deno.test("compareDayPolicies() plans for and measures the percentile it is given", () => {
  const p50 = compareDayPolicies(hours.slice(0, 1), {
    profile,
    pricing: price,
    grid,
    sloSec: 5,
    percentile: 0.5,
    seed: 2,
    only: [POLICY_NAMES[0], POLICY_NAMES[3]],
  });
  // BATCH hourly: the hour's optimum under a p50 SLO, as solveHours finds it.
  const [solved] = solveHours(hours.slice(0, 1), grid, {
    profile,
    pricing: price,
    percentile: 0.5,
    constraint: "latency",
    slo: 5,
  });
  const o = solved.optimal[0];
  assert.deepEqual(p50[1].hours[0].config, {
    memoryMb: o.memoryMb,
    maxBatch: o.maxBatch,
    timeoutSec: o.timeoutSec,
  });
  for (const d of p50) {
    for (const h of d.hours) {
      // The median of the same requests whose p95 is p95Sec.
      assert.ok(h.latencySec > 0 && h.latencySec <= h.p95Sec, `${d.name}: ${h.latencySec}`);
      assert.equal(h.violated, h.latencySec > 5 * 1.01);
    }
  }
  // At p95, latencySec is p95Sec.
  for (const d of days) for (const h of d.hours) assert.equal(h.latencySec, h.p95Sec);
});

Deno.test("compareDayPolicies() keeps to the profile's fitted range unless extrapolate", () => {
  const wide = { ...grid, memoriesMb: [1024, 2048] };
  const options = { profile, pricing: price, grid: wide, sloSec: 5, only: [POLICY_NAMES[0]] };
  assert.throws(() => compareDayPolicies(hours.slice(0, 1), options), {
    name: "ProfileRangeError",
    message: /Cannot evaluate profile 'TF-resnetV2' at memory 1024 MB/,
  });
  const [day] = compareDayPolicies(hours.slice(0, 1), { ...options, extrapolate: true });
  assert.equal(day.hours[0].config.memoryMb, 2048);
});

Deno.test("compareDayPolicies() under a budget needs no latency SLO", () => {
  const [day] = compareDayPolicies(hours.slice(0, 1), {
    profile,
    pricing: price,
    grid,
    budgetUsd: 40e-6,
    seed: 2,
    only: [POLICY_NAMES[3]],
  });
  assert.ok(day.hours[0].costPerRequestUsd <= 40e-6 * 1.01);
  assert.throws(
    () => compareDayPolicies(hours, { profile, pricing: price, grid }),
    { name: "RangeError", message: "Cannot compare with SLO undefined s: it must be > 0" },
  );
});

Deno.test("compareDayPolicies() with a profile whose service varies: the simulated day draws it (seeded, reproducible), no batching's p95 is the service's own", async () => {
  const { profileFromJson } = await import("../../lib/profile/service_profile.ts");
  const { serviceDistributions } = await import("../../lib/profile/service_distribution.ts");
  const varied = profileFromJson({ ...profile, variability: { distribution: "gamma", cv: 0.2 } });
  const one = hours.slice(0, 1);
  const small = { memoriesMb: [2048, 3008], timeoutsSec: [0.1, 0.4], maxBatches: [1, 4] };
  const run = async () =>
    compareDayPolicies(one, {
      profile: varied,
      pricing: price,
      grid: small,
      sloSec: 5,
      seed: 4,
      solver: await glpkSolver(),
    });
  const a = await run(), b = await run();
  assert.deepEqual(a.map((d) => d.hours[0].p95Sec), b.map((d) => d.hours[0].p95Sec));
  // No batching at 3008 MB: the latency is S_1 (plus a few cold starts), gamma of CV 0.2,
  // whose p95 is about 1.35 times the mean (the simulated p95 within 2 %).
  const s1 = serviceDistributions(varied, 1, 3008)[0];
  const p95 = a[0].hours[0].p95Sec;
  assert.ok(Math.abs(p95 / s1.quantile(0.95) - 1) < 0.02, `${p95} vs ${s1.quantile(0.95)}`);
});

Deno.test("no batching's cheapest memory meeting the SLO judges S_1 at the percentile when it varies", async () => {
  const { profileFromJson } = await import("../../lib/profile/service_profile.ts");
  const { serviceDistributions } = await import("../../lib/profile/service_distribution.ts");
  // A gamma of CV 0.3 puts S_1's p95 about 1.5 times its mean: an SLO between the two at some
  // memory must pick a larger memory than the mean alone would.
  const varied = profileFromJson({ ...profile, variability: { distribution: "gamma", cv: 0.3 } });
  const small = { memoriesMb: [1536, 2048, 2560, 3008], timeoutsSec: [0.1], maxBatches: [1, 4] };
  const p95 = (m: number) => serviceDistributions(varied, 1, m)[0].quantile(0.95);
  const mean = (m: number) => serviceTimeSec(profile, 1, m);
  const slo = (mean(1536) + p95(1536)) / 2; // met by 1536 MB's mean, not by its p95
  const want = small.memoriesMb.find((m) => p95(m) <= slo);
  const days = compareDayPolicies(hours.slice(0, 1), {
    profile: varied,
    pricing: price,
    grid: small,
    sloSec: slo,
    seed: 5,
    only: [POLICY_NAMES[1]],
  });
  assert.equal(days[0].hours[0].config.memoryMb, want ?? 3008);
  assert.notEqual(days[0].hours[0].config.memoryMb, 1536);
});

Deno.test("compareDayPolicies() keepAliveSec is the simulated pool's: a keep-alive of 1 ms makes nearly every invocation cold", () => {
  const run = (keepAliveSec: number) =>
    compareDayPolicies(hours.slice(0, 1), {
      profile,
      pricing: price,
      grid,
      sloSec: 5,
      seed: 6,
      keepAliveSec,
      only: [POLICY_NAMES[0]],
    })[0].hours[0];
  const warm = run(600), cold = run(0.001);
  // No batching at max memory: S_1 warm, S_1 + 0.25 s of Init when every start is cold.
  const s1 = serviceTimeSec(profile, 1, 3008);
  assert.ok(Math.abs(warm.p95Sec - s1) < 0.01 * s1, `${warm.p95Sec}`);
  assert.ok(Math.abs(cold.p95Sec - (s1 + 0.25)) < 0.01 * (s1 + 0.25), `${cold.p95Sec}`);
});

import assert from "node:assert/strict";
import { pricing } from "../../lib/profile/pricing.ts";
import {
  describeVariability,
  deterministicService,
  empiricalService,
  expectedBilledSec,
  gammaService,
  lognormalService,
  serviceDistributions,
} from "../../lib/profile/service_distribution.ts";
import { profileFromJson } from "../../lib/profile/service_profile.ts";
import { seededPrng } from "../../lib/random/prng.ts";

/** Composite Simpson on [a, b] with n (even) intervals. */
function simpson(f: (x: number) => number, a: number, b: number, n = 200_000): number {
  const h = (b - a) / n;
  let s = f(a) + f(b);
  for (let i = 1; i < n; i++) s += (i % 2 === 1 ? 4 : 2) * f(a + i * h);
  return (s * h) / 3;
}

const shapes = [
  ["gamma", 0.1],
  ["gamma", 0.3],
  ["gamma", 1],
  ["lognormal", 0.1],
  ["lognormal", 0.3],
  ["lognormal", 1],
] as const;

Deno.test("gamma and lognormal services have the given mean, CV and mean excess (their CDFs integrated), and quantiles invert the CDF", () => {
  for (const [kind, cv] of shapes) {
    const d = (kind === "gamma" ? gammaService : lognormalService)(0.4, cv);
    // E[S] = int (1 - H), E[S^2] = int 2 s (1 - H) over the distribution's mass.
    const mean = simpson((s) => 1 - d.cdf(s), 0, d.highSec);
    const second = simpson((s) => 2 * s * (1 - d.cdf(s)), 0, d.highSec);
    const sd = Math.sqrt(second - mean * mean);
    assert.ok(Math.abs(mean / 0.4 - 1) < 1e-6, `${kind} ${cv}: mean ${mean}`);
    assert.ok(Math.abs(sd / mean / cv - 1) < 1e-4, `${kind} ${cv}: CV ${sd / mean}`);
    // The mean excess E[(S - x)^+] is int_x (1 - H).
    for (const x of [0.2, 0.4, 0.9]) {
      const tail = simpson((s) => 1 - d.cdf(s), x, Math.max(x, d.highSec), 100_000);
      assert.ok(Math.abs(d.excessSec(x) - tail) < 1e-9, `${kind} ${cv}: excess over ${x}`);
    }
    // The density is the CDF's derivative.
    const s = d.quantile(0.7), h = 1e-6 * s;
    const slope = (d.cdf(s + h) - d.cdf(s - h)) / (2 * h);
    assert.ok(Math.abs(slope / d.density(s) - 1) < 1e-6, `${kind} ${cv}: density`);
    for (const p of [1e-9, 0.05, 0.5, 0.95, 1 - 1e-9]) {
      assert.ok(
        Math.abs(d.cdf(d.quantile(p)) - p) < 1e-12 * Math.max(1, 1 / p),
        `${kind} ${cv} p ${p}`,
      );
    }
    assert.ok(d.cdf(d.lowSec) <= 2e-16 && 1 - d.cdf(d.highSec) <= 2e-16, `${kind} ${cv}: tails`);
  }
});

Deno.test("a gamma of a tiny CV (shape 1e10) keeps its accuracy: P(S <= mean) = 1/2 + 1 / (3 sqrt(2 pi a))", () => {
  // The first terms of the gamma's median asymptotics (Choi, 1994): the error is O(1/a).
  for (const cv of [1e-3, 1e-5]) {
    const a = 1 / (cv * cv);
    const want = 0.5 + 1 / (3 * Math.sqrt(2 * Math.PI * a));
    const got = gammaService(2, cv).cdf(2);
    assert.ok(Math.abs(got - want) < 10 / a + 1e-12, `CV ${cv}: ${got} vs ${want}`);
  }
  // Below 1e-6 it is deterministic.
  assert.equal(gammaService(2, 1e-7).kind, "deterministic");
});

Deno.test("draws have the distribution's mean and CV (200,000 draws, seed 3, within 5 standard errors)", () => {
  for (const [kind, cv] of shapes) {
    const d = (kind === "gamma" ? gammaService : lognormalService)(0.4, cv);
    const prng = seededPrng(3);
    const n = 200_000;
    let sum = 0, sum2 = 0;
    for (let i = 0; i < n; i++) {
      const x = d.sample(prng);
      sum += x;
      sum2 += x * x;
    }
    const mean = sum / n, sd = Math.sqrt(sum2 / n - mean * mean);
    assert.ok(Math.abs(mean - 0.4) < 5 * (0.4 * cv) / Math.sqrt(n), `${kind} ${cv}: mean ${mean}`);
    assert.ok(Math.abs(sd / mean / cv - 1) < 0.03, `${kind} ${cv}: CV ${sd / mean}`);
  }
});

Deno.test("expectedBilledSec() is the expectation of the rounded duration, not the rounding of the mean", () => {
  const aws2020 = pricing("aws-2020"), x86 = pricing("aws-x86");
  // Deterministic: the rounding of the value. Empirical: the mean of the rounded atoms.
  assert.equal(expectedBilledSec(deterministicService(0.05), aws2020), 0.1);
  assert.ok(Math.abs(expectedBilledSec(empiricalService(0.1, [0.5, 1.5]), aws2020) - 0.15) < 1e-15);
  // Gamma of mean 50 ms and CV 1 (exponential): E[ceil(S / g) g] = g / (1 - e^(-g / mean)).
  const exp = gammaService(0.05, 1);
  const want = 0.1 / (1 - Math.exp(-0.1 / 0.05));
  assert.ok(
    Math.abs(expectedBilledSec(exp, aws2020) - want) < 1e-14,
    `${expectedBilledSec(exp, aws2020)}`,
  );
  assert.ok(Math.abs(expectedBilledSec(exp, x86) - 0.001 / (1 - Math.exp(-0.001 / 0.05))) < 1e-14);
  // Monte Carlo of a lognormal at 100 ms (seed 9, 400,000 draws, 5 standard errors).
  const ln = lognormalService(0.12, 0.5), prng = seededPrng(9);
  let sum = 0, sum2 = 0;
  const n = 400_000;
  for (let i = 0; i < n; i++) {
    const billed = Math.ceil(ln.sample(prng) / 0.1) * 0.1;
    sum += billed;
    sum2 += billed * billed;
  }
  const mc = sum / n, se = Math.sqrt((sum2 / n - mc * mc) / n);
  assert.ok(
    Math.abs(expectedBilledSec(ln, aws2020) - mc) < 5 * se,
    `${expectedBilledSec(ln, aws2020)} vs ${mc}`,
  );
  // Continuous billing: the mean.
  assert.equal(expectedBilledSec(ln, pricing("paper")), 0.12);
});

Deno.test("a profile's variability is read from JSON and gives one distribution per batch size", () => {
  const base = {
    name: "fast",
    terms: ["1", "k"],
    coefficients: [0.01, 0.034],
    memoryRangeMb: [1024, 3008],
    batchRange: [1, 20],
  };
  const perBatch = profileFromJson({
    ...base,
    variability: { distribution: "lognormal", cv: { batches: [1, 5, 10], cvs: [0.4, 0.2, 0.1] } },
  });
  const d = serviceDistributions(perBatch, 12, 2048);
  assert.deepEqual(d.map((x) => Number(x.cv.toFixed(6))), [
    0.4,
    0.35,
    0.3,
    0.25,
    0.2,
    0.18,
    0.16,
    0.14,
    0.12,
    0.1,
    0.1,
    0.1,
  ]);
  assert.ok(
    d.every((x, i) =>
      x.kind === "lognormal" && Math.abs(x.meanSec - (0.01 + 0.034 * (i + 1))) < 1e-15
    ),
  );
  assert.equal(describeVariability(perBatch), "lognormal, CV per batch size 0.1..0.4");
  const poly = profileFromJson({
    ...base,
    variability: { distribution: "gamma", cv: { terms: ["1", "k"], coefficients: [0.3, -0.01] } },
  });
  assert.ok(Math.abs(serviceDistributions(poly, 20, 1024)[19].cv - 0.1) < 1e-15);
  assert.throws(
    () => serviceDistributions(poly, 40, 1024, { extrapolate: true }),
    /CV polynomial of profile 'fast': it is -0\.0[0-9]* at k = 31, 1024 MB/,
  );
  const empirical = profileFromJson({
    ...base,
    variability: {
      distribution: "empirical",
      batches: [1, 8],
      ratios: [[0.9, 1.1], [0.5, 1, 1.5]],
    },
  });
  const e = serviceDistributions(empirical, 8, 3008);
  assert.deepEqual(Array.from(e[3].atomsSec!), [0.9, 1.1].map((r) => r * (0.01 + 0.034 * 4)));
  assert.equal(e[4].atomsSec!.length, 3); // 5 is nearer to 8 than to 1
  // The profile without variability is deterministic.
  const det = serviceDistributions(profileFromJson(base), 3, 2048);
  assert.ok(det.every((x) => x.kind === "deterministic"));
  // JSON round trip.
  assert.deepEqual(profileFromJson(JSON.parse(JSON.stringify(perBatch))), perBatch);
});

Deno.test("a bad variability is refused with one line naming the field", () => {
  const base = {
    name: "p",
    terms: ["1"],
    coefficients: [1],
    memoryRangeMb: [1, 2],
    batchRange: [1, 2],
  };
  const bad: [unknown, RegExp][] = [
    ["gamma", /'variability' must be an object: found "gamma"/],
    [
      { distribution: "weibull", cv: 1 },
      /'variability.distribution' must be 'gamma', 'lognormal' or 'empirical': found "weibull"/,
    ],
    [
      { distribution: "gamma", cv: -0.1 },
      /'variability.cv' must be a finite number >= 0: found -0.1/,
    ],
    [
      { distribution: "gamma", cv: { batches: [1, 1], cvs: [0.1, 0.2] } },
      /'variability.cv.batches' must be ascending batch sizes/,
    ],
    [
      { distribution: "gamma", cv: { batches: [1, 2], cvs: [0.1] } },
      /'variability.cv.cvs' must be one number per batch size \(2\)/,
    ],
    [
      { distribution: "lognormal", cv: { terms: ["q"], coefficients: [1] } },
      /'variability.cv.terms\[0\]'/,
    ],
    [
      { distribution: "empirical", batches: [1], ratios: [[1, 0]] },
      /'variability.ratios\[0\]\[1\]' must be a positive number: found 0/,
    ],
  ];
  for (const [variability, message] of bad) {
    assert.throws(() => profileFromJson({ ...base, variability }, { source: "p.json" }), message);
  }
});

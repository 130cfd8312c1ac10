import assert from "node:assert/strict";
import {
  cellStatistics,
  coldStartStatistics,
  type DurationSample,
  fitPolynomial,
  fitProfile,
  tableProfileJson,
  termName,
} from "../../lib/profile/profile_fit.ts";
import { CUBIC_TERMS, QUARTIC_TERMS } from "../../lib/profile/published_profiles.ts";
import {
  describeVariability,
  gammaService,
  serviceDistributions,
} from "../../lib/profile/service_distribution.ts";
import {
  profileFromJson,
  publishedProfile,
  serviceTimeSec,
} from "../../lib/profile/service_profile.ts";
import {
  VARIABILITY_METHODS,
  variabilityFromDurations,
} from "../../lib/profile/variability_fit.ts";
import { type Prng, seededPrng } from "../../lib/random/prng.ts";

const MEMORIES = [1280, 1472, 1664, 1856, 2048, 2240, 2432, 2624, 2816, 3008];
const BATCHES = [1, 2, 4, 8, 12, 16, 20];

/** A standard normal draw (Box-Muller). */
function normal(prng: Prng): number {
  const u1 = prng.nextFloat() || Number.MIN_VALUE, u2 = prng.nextFloat();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

function grid(
  memories: readonly number[],
  batches: readonly number[],
  repeat: number,
  sec: (k: number, m: number) => number,
): DurationSample[] {
  const out: DurationSample[] = [];
  for (const memoryMb of memories) {
    for (const batch of batches) {
      for (let r = 0; r < repeat; r++) {
        out.push({ batch, memoryMb, durationSec: sec(batch, memoryMb) });
      }
    }
  }
  return out;
}

Deno.test("fitPolynomial() recovers the published cubic and quartic exactly (1e-9) from noise-free samples", () => {
  for (
    const [name, terms] of [["TF-inceptionV4", CUBIC_TERMS], [
      "mxnet-resnet50",
      QUARTIC_TERMS,
    ]] as const
  ) {
    const published = publishedProfile(name);
    const samples = grid(MEMORIES, BATCHES, 2, (k, m) => serviceTimeSec(published, k, m));
    const fit = fitPolynomial(samples);
    // The paper's own term set is the one chosen: nothing smaller fits exactly.
    assert.deepEqual(fit.terms, [...terms], name);
    const fitted = profileFromJson({
      name,
      terms: fit.terms,
      coefficients: fit.coefficients,
      memoryRangeMb: [1280, 3008],
      batchRange: [1, 20],
    });
    // On the grid and between its points (batch 3, memory 2000), to 1e-9 relative.
    for (const m of [...MEMORIES, 2000]) {
      for (let k = 1; k <= 20; k++) {
        const want = serviceTimeSec(published, k, m), got = serviceTimeSec(fitted, k, m);
        assert.ok(Math.abs(got - want) <= 1e-9 * want, `${name} S(${k}, ${m}): ${got} vs ${want}`);
      }
    }
    // The coefficients too (relative to each term's size over the range).
    for (const [t, c] of fit.coefficients.entries()) {
      const want = published.coefficients[t];
      const size = Math.abs(want) * 3008 ** 4 + 1e-12;
      assert.ok(Math.abs(c - want) <= 1e-9 * Math.max(1, size), `${name} ${fit.terms[t]}`);
    }
    assert.ok(fit.rmseSec < 1e-9 && fit.heldOutRmseSec < 1e-9, `${name}: ${fit.heldOutRmseSec}`);
  }
});

Deno.test("fitPolynomial() on noisy a + b k: picks {1, k}, recovers a and b within 5 %, held-out error matches fresh samples", () => {
  // A handler computing for a + b k with Gaussian noise of 5 ms, swept as
  // deno task profile does by default: 9 memories x 6 batch sizes x 10 repeats.
  const a = 0.12, b = 0.035, sigma = 0.005;
  const prng = seededPrng(42);
  const memories = [1024, 1280, 1536, 1792, 2048, 2304, 2560, 2816, 3008];
  const batches = [1, 2, 4, 8, 16, 32];
  const truth = (k: number) => a + b * k;
  const samples = grid(memories, batches, 10, (k) => truth(k) + sigma * normal(prng));
  const fit = fitPolynomial(samples);
  assert.deepEqual(fit.terms, ["1", "k"]);
  assert.ok(Math.abs(fit.coefficients[0] / a - 1) < 0.05, `a = ${fit.coefficients[0]}`);
  assert.ok(Math.abs(fit.coefficients[1] / b - 1) < 0.05, `b = ${fit.coefficients[1]}`);
  // Fresh samples anywhere in the range (off the grid too), 20000 of them: the
  // reported held-out error is within 10 % of the error measured on them.
  const profile = profileFromJson({
    name: "fit",
    terms: fit.terms,
    coefficients: fit.coefficients,
    memoryRangeMb: [1024, 3008],
    batchRange: [1, 32],
  });
  let ss = 0;
  const fresh = 20_000;
  for (let i = 0; i < fresh; i++) {
    const k = 1 + Math.floor(prng.nextFloat() * 32), m = 1024 + prng.nextFloat() * 1984;
    const y = truth(k) + sigma * normal(prng);
    ss += (y - serviceTimeSec(profile, k, m)) ** 2;
  }
  const freshRmse = Math.sqrt(ss / fresh);
  assert.ok(
    Math.abs(fit.heldOutRmseSec / freshRmse - 1) < 0.1,
    `held out ${fit.heldOutRmseSec} vs fresh ${freshRmse}`,
  );
  // The in-sample error is close to the noise too, and below the held-out one.
  assert.ok(fit.rmseSec <= fit.heldOutRmseSec);
  assert.ok(Math.abs(fit.rmseSec / sigma - 1) < 0.1);
});

Deno.test("fitPolynomial() picks a term in k^2 on curved data and a constant on flat data", () => {
  const prng = seededPrng(7);
  const memories = [1024, 1536, 2048, 2560, 3008];
  const batches = [1, 2, 4, 8, 16, 32];
  const curved = fitPolynomial(
    grid(memories, batches, 5, (k) => 0.1 + 0.02 * k + 0.002 * k * k + 0.003 * normal(prng)),
  );
  assert.ok(curved.terms.includes("k^2"), curved.terms.join(","));
  assert.ok(!curved.terms.includes("m^2"), curved.terms.join(","));
  const flat = fitPolynomial(grid(memories, batches, 5, () => 0.3 + 0.003 * normal(prng)));
  assert.deepEqual(flat.terms, ["1"]);
});

Deno.test("fitPolynomial() with one memory fits k only; with one cell, a constant of unknown held-out error", () => {
  const one = fitPolynomial(grid([2048], [1, 2, 4, 8], 3, (k) => 0.5 + 0.25 * k));
  assert.deepEqual(one.terms, ["1", "k"]);
  assert.ok(one.candidates.every((c) => c.terms.every((t) => !t.includes("m"))));
  const single = fitPolynomial(grid([2048], [4], 3, () => 0.5));
  assert.deepEqual(single.terms, ["1"]);
  assert.deepEqual(single.coefficients, [0.5]);
  assert.equal(single.heldOutRmseSec, Infinity);
});

Deno.test("fitPolynomial() lists its candidates fewest terms first, the paper's cubic among them", () => {
  const fit = fitPolynomial(grid(MEMORIES, BATCHES, 1, (k, m) => 1 + k + m / 1000));
  const sizes = fit.candidates.map((c) => c.terms.length);
  assert.deepEqual(sizes, [...sizes].sort((x, y) => x - y));
  assert.ok(fit.candidates.some((c) => c.terms.join() === CUBIC_TERMS.join()));
  assert.ok(fit.candidates.some((c) => c.terms.join() === QUARTIC_TERMS.join()));
  assert.deepEqual(fit.terms, ["1", "k", "m"]);
  assert.equal(fit.candidates[fit.chosen].terms.join(), "1,k,m");
});

Deno.test("fitPolynomial() refuses no samples, bad samples and a bad degree", () => {
  assert.throws(() => fitPolynomial([]), {
    name: "RangeError",
    message: "Cannot fit a profile as 'samples' must not be empty: found none",
  });
  assert.throws(() => fitPolynomial([{ batch: 1.5, memoryMb: 1024, durationSec: 1 }]), {
    name: "RangeError",
    message:
      "Cannot fit a profile as 'samples[0].batch' must be a positive integer: current value is 1.5",
  });
  assert.throws(() => fitPolynomial([{ batch: 1, memoryMb: 1024, durationSec: NaN }]), {
    name: "RangeError",
    message:
      "Cannot fit a profile as 'samples[0].durationSec' must be a finite number > 0: current value is NaN",
  });
  assert.throws(() => fitPolynomial([{ batch: 1, memoryMb: 0, durationSec: 1 }]), {
    name: "RangeError",
    message:
      "Cannot fit a profile as 'samples[0].memoryMb' must be a finite number > 0: current value is 0",
  });
  assert.throws(
    () => fitPolynomial([{ batch: 1, memoryMb: 1, durationSec: 1 }], { maxDegree: 9 }),
    {
      name: "RangeError",
      message:
        "Cannot fit a profile as 'maxDegree' must be an integer within 0..8: current value is 9",
    },
  );
});

Deno.test("cellStatistics() gives mean, CV and p95 per cell (values as numpy computes them)", () => {
  // Durations 1..10 s: mean 5.5, sample sd sqrt(55/6) = 3.0276503540974917,
  // numpy.percentile(range(1, 11), 95) = 9.55.
  const samples: DurationSample[] = [];
  for (let d = 1; d <= 10; d++) {
    samples.push({
      batch: 2,
      memoryMb: 2048,
      durationSec: d,
      billedDurationSec: d + 0.001,
      maxMemoryUsedMb: 300 + d,
    });
  }
  samples.push({ batch: 1, memoryMb: 2048, durationSec: 0.5 });
  const [c1, c2] = cellStatistics(samples);
  assert.equal(c1.batch, 1);
  assert.ok(
    Number.isNaN(c1.cv) && Number.isNaN(c1.meanBilledSec) && Number.isNaN(c1.maxMemoryUsedMb),
  );
  assert.equal(c2.count, 10);
  assert.equal(c2.meanSec, 5.5);
  assert.ok(Math.abs(c2.cv - 3.0276503540974917 / 5.5) < 1e-15);
  assert.ok(Math.abs(c2.p95Sec - 9.55) < 1e-12);
  assert.equal(c2.minSec, 1);
  assert.equal(c2.maxSec, 10);
  assert.ok(Math.abs(c2.meanBilledSec - 5.501) < 1e-12);
  assert.equal(c2.maxMemoryUsedMb, 310);
});

Deno.test("coldStartStatistics() groups by memory and refuses a negative Init Duration", () => {
  assert.deepEqual(
    coldStartStatistics([
      { memoryMb: 3008, initSec: 1 },
      { memoryMb: 1024, initSec: 2 },
      { memoryMb: 3008, initSec: 3 },
    ]),
    [
      { memoryMb: 1024, count: 1, meanInitSec: 2, maxInitSec: 2 },
      { memoryMb: 3008, count: 2, meanInitSec: 2, maxInitSec: 3 },
    ],
  );
  assert.throws(() => coldStartStatistics([{ memoryMb: 1024, initSec: -1 }]), {
    name: "RangeError",
    message:
      "Cannot fit a profile as 'coldStarts[0].initSec' must be a finite number >= 0: current value is -1",
  });
});

Deno.test("fitProfile() writes a document profileFromJson reads as the polynomial, with its table usable too", () => {
  const published = publishedProfile("TF-resnetV2");
  const samples = grid(MEMORIES, BATCHES, 1, (k, m) => serviceTimeSec(published, k, m));
  const doc = fitProfile(samples, {
    name: "resnet-measured",
    coldStarts: [{ memoryMb: 1280, initSec: 0.25 }],
    variability: "none",
  });
  // --variability none: no variability anywhere; the cold start measured is the model's Init.
  assert.deepEqual(Object.keys(doc), [
    "name",
    "kind",
    "terms",
    "coefficients",
    "memoryRangeMb",
    "batchRange",
    "coldStart",
    "fit",
    "measurements",
  ]);
  assert.deepEqual(doc.coldStart, { initSec: 0.25 });
  assert.equal(doc.fit.variability, undefined);
  const text = JSON.stringify(doc);
  const profile = profileFromJson(JSON.parse(text), { source: "out.json" });
  assert.deepEqual(profile.coldStart, { initSec: 0.25 });
  assert.equal(profile.kind, "polynomial");
  assert.equal(profile.name, "resnet-measured");
  assert.deepEqual(profile.memoryRangeMb, [1280, 3008]);
  assert.deepEqual(profile.batchRange, [1, 20]);
  const s = serviceTimeSec(profile, 10, 2000), want = serviceTimeSec(published, 10, 2000);
  assert.ok(Math.abs(s - want) < 1e-9 * want);
  const table = profileFromJson(JSON.parse(text).measurements.table);
  assert.equal(table.kind, "table");
  assert.equal(serviceTimeSec(table, 4, 2048), serviceTimeSec(published, 4, 2048));
  assert.equal(doc.measurements.cells.length, MEMORIES.length * BATCHES.length);
  assert.deepEqual(doc.measurements.coldStarts, [
    { memoryMb: 1280, count: 1, meanInitSec: 0.25, maxInitSec: 0.25 },
  ]);
  assert.equal(doc.fit.samples, samples.length);
  assert.throws(() => fitProfile(samples, { name: "" }), {
    name: "TypeError",
    message: "Cannot fit a profile as 'name' must be a non-empty string: current value is \"\"",
  });
});

/** Gamma draws of CV `cv` around TF-resnetV2's S(k, m): MEMORIES x BATCHES x `repeat`, seeded. */
function gammaSweep(seed: number, repeat: number, cv: number): DurationSample[] {
  const published = publishedProfile("TF-resnetV2");
  const prng = seededPrng(seed);
  const out: DurationSample[] = [];
  for (const memoryMb of MEMORIES) {
    for (const batch of BATCHES) {
      const d = gammaService(serviceTimeSec(published, batch, memoryMb), cv);
      for (let r = 0; r < repeat; r++) out.push({ batch, memoryMb, durationSec: d.sample(prng) });
    }
  }
  return out;
}

Deno.test("fitProfile() writes a gamma CV per batch size, near the one drawn, says how, and round-trips", () => {
  // Seed 31, 10 memories x 30 gamma draws of CV 0.25 per batch size: 290
  // degrees of freedom; tolerance 4 standard errors of the delta method,
  // 4 sqrt((kurtosis - 1) / 290) / 2 with kurtosis 3 + 6 cv^2: 18 % (see
  // variability_fit_test.ts).
  const cv = 0.25;
  const samples = gammaSweep(31, 30, cv);
  const doc = fitProfile(samples, { name: "resnet-variable" }); // gamma by default
  assert.deepEqual(doc.variability, variabilityFromDurations(samples, "gamma"));
  const v = doc.variability!;
  assert.ok(v.distribution === "gamma" && typeof v.cv === "object" && "cvs" in v.cv);
  assert.deepEqual(v.cv.batches, BATCHES);
  const cvs = v.cv.cvs;
  const tolerance = 4 * Math.sqrt((3 + 6 * cv * cv - 1) / 290) / 2;
  for (const c of cvs) assert.ok(Math.abs(c / cv - 1) < tolerance, `CV ${c}`);
  // How it was estimated, and from what.
  const e = doc.fit.variability!;
  assert.equal(e.distribution, "gamma");
  assert.equal(e.method, VARIABILITY_METHODS.gamma);
  assert.match(e.method, /d \/ mean\(cell\)/);
  assert.deepEqual(
    [e.samples, e.cells, e.leftOut, e.deterministic],
    [samples.length, 70, 0, false],
  );
  assert.deepEqual(e.batches.map((b) => [b.batch, b.samples, b.cells, b.cv]), [
    ...BATCHES.map((k, i) => [k, 300, 10, cvs[i]]),
  ]);
  // Through JSON text and profileFromJson: the same variability, the mean
  // S(k, m), the CV at a measured batch size and linear between two.
  const profile = profileFromJson(JSON.parse(JSON.stringify(doc)), { source: "out.json" });
  assert.deepEqual(profile.variability, v);
  const ds = serviceDistributions(profile, 20, 2000);
  const k4 = cvs[BATCHES.indexOf(4)], k8 = cvs[BATCHES.indexOf(8)];
  assert.equal(ds[3].kind, "gamma");
  assert.equal(ds[3].cv, k4);
  assert.ok(Math.abs(ds[5].cv - (k4 + (k8 - k4) / 2)) < 1e-15);
  assert.ok(Math.abs(ds[5].meanSec / serviceTimeSec(profile, 6, 2000) - 1) < 1e-15);
  assert.match(describeVariability(profile), /^gamma, CV per batch size 0\.\d+\.\.0\.\d+$/);
});

Deno.test("fitProfile() writes empirical ratios that round-trip, each batch size drawing from the nearest measured", () => {
  // Seed 32, 10 memories x 6 draws per batch size.
  const samples = gammaSweep(32, 6, 0.3);
  const doc = fitProfile(samples, { name: "resnet-empirical", variability: "empirical" });
  const v = doc.variability!;
  assert.ok(v.distribution === "empirical");
  assert.deepEqual(v.batches, BATCHES);
  assert.ok(v.ratios.every((row) => row.length === 60));
  assert.equal(doc.fit.variability!.method, VARIABILITY_METHODS.empirical);
  const profile = profileFromJson(JSON.parse(JSON.stringify(doc)));
  assert.deepEqual(profile.variability, v);
  const ds = serviceDistributions(profile, 20, 1500);
  // k = 3 lies between 2 and 4: the smaller one on a tie. Its 60 atoms are
  // S(3, 1500) times the ratios of k = 2, whose mean is 1.
  const want = v.ratios[BATCHES.indexOf(2)].map((r) => r * serviceTimeSec(profile, 3, 1500));
  assert.equal(ds[2].kind, "empirical");
  const atoms = [...ds[2].atomsSec!];
  for (let i = 0; i < 60; i++) assert.ok(Math.abs(atoms[i] / want[i] - 1) < 1e-12);
  assert.ok(Math.abs(ds[2].meanSec / serviceTimeSec(profile, 3, 1500) - 1) < 1e-15);
});

Deno.test("fitProfile() writes no variability for a deterministic function, and needs two samples per cell for one", () => {
  const published = publishedProfile("TF-resnetV2");
  const exact = grid(MEMORIES, BATCHES, 2, (k, m) => serviceTimeSec(published, k, m));
  for (const variability of ["gamma", "lognormal", "empirical"] as const) {
    const doc = fitProfile(exact, { name: "flat", variability });
    assert.equal("variability" in doc, false, variability);
    assert.equal(doc.fit.variability!.deterministic, true);
    assert.equal(profileFromJson(doc).variability, undefined);
  }
  const once = grid(MEMORIES, BATCHES, 1, (k, m) => serviceTimeSec(published, k, m));
  assert.throws(() => fitProfile(once, { name: "once" }), {
    name: "RangeError",
    message: "Cannot estimate a gamma variability as no (memory, batch) cell has two durations: " +
      "one duration per cell shows no spread",
  });
  assert.throws(() => fitProfile(exact, { name: "x", variability: "normal" as "gamma" }), {
    name: "RangeError",
    message: "Cannot fit a profile as 'variability' must be one of gamma, lognormal, empirical, " +
      "none: current value is normal",
  });
});

Deno.test("termName() spells terms as the paper does up to degree 4, generically above", () => {
  assert.deepEqual(
    [[1, 0], [0, 1], [2, 1], [1, 2], [2, 2], [3, 1], [0, 5], [2, 3]].map(([i, j]) =>
      termName(i, j)
    ),
    ["k", "m", "m*k^2", "k*m^2", "k^2*m^2", "m*k^3", "m^5", "k^2*m^3"],
  );
  const cells = cellStatistics([{ batch: 1, memoryMb: 1024, durationSec: 1 }]);
  assert.equal(tableProfileJson("t", cells).points.length, 1);
});

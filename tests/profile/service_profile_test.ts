import assert from "node:assert/strict";
import {
  type PolynomialProfile,
  profileFromJson,
  ProfileRangeError,
  PUBLISHED_PROFILE_NAMES,
  publishedProfile,
  serviceTimeSec,
  serviceTimesSec,
  type TableProfile,
} from "../../lib/profile/service_profile.ts";

// Coefficients typed out again from shared/reference/service_time_profiles.json
// (solver.py batchServiceTime), independently of lib/profile/published_profiles.ts.
const INCEPTION = [
  4.98785373866948,
  2.21290624531453,
  -0.006302148424865,
  0.01220707314674,
  -0.001078252966917,
  0.00000293842054489054,
  -0.000136439880153,
  -0.00000238944435771044,
  0.00000016826351295629,
  -0.000000000444821512957105,
];
const RESNET = [
  4.10287326093357,
  2.44209348386686,
  -0.003744827715921,
  0.00146578966951,
  -0.001200716327886,
  0.00000154147156981117,
  0.000169790388555,
  -0.00000169402238148543,
  0.000000193096097179588,
  -0.000000000214320561298109,
];
const MXNET = [
  4.159625107884683,
  2.6042179469237112,
  -0.010825805019675406,
  0.009138187816342925,
  -0.0028596859100282783,
  0.00000969154925319072,
  -0.0010892145857441117,
  0.0000017781522992577246,
  0.000001226979037160046,
  -0.000000003604767989748986,
  0.000052168371220458194,
  -0.00000030873547472152034,
  0.000000001335682942382537,
  -0.00000000017570492803764548,
  0.0000000000004756195437494171,
];

/** Python's `x**n` for an integer x: an exact integer power, then rounded to float. */
function pw(x: number, n: number): number {
  return Number(BigInt(x) ** BigInt(n));
}

/** solver.py's cubic expression, typed out term by term. */
function pythonCubic(t: number[], k: number, m: number): number {
  return t[0] + t[1] * k + t[2] * m + t[3] * pw(k, 2) + t[4] * k * m + t[5] * pw(m, 2) +
    t[6] * pw(k, 3) + t[7] * m * pw(k, 2) + t[8] * k * pw(m, 2) + t[9] * pw(m, 3);
}

/** solver.py's quartic expression (mxnet-resnet50), typed out term by term. */
function pythonQuartic(t: number[], k: number, m: number): number {
  return t[0] + t[1] * k + t[2] * m + t[3] * pw(k, 2) + t[4] * k * m + t[5] * pw(m, 2) +
    t[6] * pw(k, 3) + t[7] * m * pw(k, 2) + t[8] * k * pw(m, 2) + t[9] * pw(m, 3) +
    t[10] * pw(k, 4) + t[11] * m * pw(k, 3) + t[12] * pw(k, 2) * pw(m, 2) +
    t[13] * k * pw(m, 3) + t[14] * pw(m, 4);
}

const DIRECT: Record<string, (k: number, m: number) => number> = {
  "TF-inceptionV4": (k, m) => pythonCubic(INCEPTION, k, m),
  "TF-resnetV2": (k, m) => pythonCubic(RESNET, k, m),
  "mxnet-resnet50": (k, m) => pythonQuartic(MXNET, k, m),
};

const MEMORIES_MB = [1280, 1536, 1792, 2112, 2688, 3008];

Deno.test("serviceTimeSec() matches solver.py bit for bit on the published profiles", () => {
  for (const name of PUBLISHED_PROFILE_NAMES) {
    const profile = publishedProfile(name);
    for (const m of MEMORIES_MB) {
      for (let k = 1; k <= 20; k++) {
        assert.strictEqual(serviceTimeSec(profile, k, m), DIRECT[name](k, m), `${name} ${k} ${m}`);
      }
    }
  }
});

Deno.test("serviceTimesSec() returns S(1..B) equal bit for bit to solver.py's expression", () => {
  for (const name of PUBLISHED_PROFILE_NAMES) {
    const profile = publishedProfile(name);
    for (const m of MEMORIES_MB) {
      const times = serviceTimesSec(profile, 20, m);
      assert.ok(times instanceof Float64Array);
      assert.strictEqual(times.length, 20);
      for (let k = 1; k <= 20; k++) {
        assert.strictEqual(times[k - 1], DIRECT[name](k, m), `${name} ${k} ${m}`);
      }
    }
  }
});

Deno.test("serviceTimeSec() reproduces values printed by CPython for solver.py", () => {
  // repr() of solver.py's expression evaluated by CPython 3.11.7 with m a float.
  const printed: [string, number, number, number][] = [
    ["TF-inceptionV4", 20, 2688, 12.468237397346037],
    ["TF-inceptionV4", 1, 1280, 1.919991181826994],
    ["TF-inceptionV4", 20, 1792, 19.069550935946044],
    ["TF-resnetV2", 1, 1280, 2.6065904719674395],
    ["TF-resnetV2", 20, 3008, 12.408776501789175],
    ["mxnet-resnet50", 20, 3008, 9.386000161073127],
    ["mxnet-resnet50", 7, 1792, 3.279560488845547],
  ];
  for (const [name, k, m, sec] of printed) {
    assert.strictEqual(serviceTimeSec(publishedProfile(name), k, m), sec, `${name} ${k} ${m}`);
  }
});

Deno.test("serviceTimeSec() multiplies each term's factors in written order", () => {
  // (c k) m^2 and (c m^2) k differ in the last bit here (found by search).
  const c = 0.000000193096097179588;
  const profile = (term: string) =>
    profileFromJson({
      name: term,
      terms: [term],
      coefficients: [c],
      memoryRangeMb: [1280, 3008],
      batchRange: [1, 20],
    });
  const kFirst = serviceTimeSec(profile("k*m^2"), 3, 1280);
  const mFirst = serviceTimeSec(profile("m^2*k"), 3, 1280);
  assert.strictEqual(kFirst, (c * 3) * (1280 * 1280));
  assert.strictEqual(mFirst, (c * (1280 * 1280)) * 3);
  assert.notStrictEqual(kFirst, mFirst);
});

Deno.test("serviceTimeSec() evaluates a user polynomial 0.1 + 0.05 k as its closed form", () => {
  const profile = profileFromJson({
    name: "linear",
    terms: ["1", "k"],
    coefficients: [0.1, 0.05],
    memoryRangeMb: [512, 4096],
    batchRange: [1, 32],
  }, { source: "linear.json" });
  for (const m of [512, 1000, 4096]) {
    const times = serviceTimesSec(profile, 32, m);
    for (let k = 1; k <= 32; k++) {
      assert.strictEqual(serviceTimeSec(profile, k, m), 0.1 + 0.05 * k);
      assert.strictEqual(times[k - 1], 0.1 + 0.05 * k);
    }
  }
});

Deno.test("profileFromJson() round-trips a published profile through JSON.stringify", () => {
  for (const name of PUBLISHED_PROFILE_NAMES) {
    const original = publishedProfile(name);
    const copy = profileFromJson(JSON.parse(JSON.stringify(original)));
    assert.deepStrictEqual(copy, original);
    assert.deepStrictEqual(serviceTimesSec(copy, 20, 2048), serviceTimesSec(original, 20, 2048));
  }
});

Deno.test("profileFromJson() ignores fields it does not know, such as a fitted profile's fit and measurements", () => {
  const profile = profileFromJson({
    name: "measured",
    kind: "polynomial",
    terms: ["1", "k"],
    coefficients: [0.1, 0.05],
    memoryRangeMb: [1024, 3008],
    batchRange: [1, 32],
    fit: { heldOutRmseSec: 0.004, candidates: [{ terms: ["1"] }] },
    measurements: { cells: [], table: { name: "t", points: [] } },
  });
  assert.deepEqual(Object.keys(profile).sort(), [
    "batchRange",
    "coefficients",
    "kind",
    "memoryRangeMb",
    "name",
    "terms",
  ]);
  assert.equal(serviceTimeSec(profile, 2, 2048), 0.1 + 0.05 * 2);
});

Deno.test("publishedProfile() returns the same frozen profile with the published ranges", () => {
  for (const name of PUBLISHED_PROFILE_NAMES) {
    const profile = publishedProfile(name);
    assert.strictEqual(publishedProfile(name), profile);
    assert.ok(Object.isFrozen(profile));
    assert.strictEqual(profile.name, name);
    assert.strictEqual(profile.kind, "polynomial");
    assert.deepStrictEqual(profile.memoryRangeMb, [1280, 3008]);
    assert.deepStrictEqual(profile.batchRange, [1, 20]);
    assert.strictEqual(profile.coefficients.length, profile.terms.length);
  }
  assert.deepStrictEqual(publishedProfile("TF-resnetV2").coefficients, RESNET);
  assert.deepStrictEqual(publishedProfile("TF-inceptionV4").coefficients, INCEPTION);
  assert.deepStrictEqual(publishedProfile("mxnet-resnet50").coefficients, MXNET);
});

Deno.test("publishedProfile() throws a RangeError listing the known names", () => {
  assert.throws(() => publishedProfile("resnet"), {
    name: "RangeError",
    message: "Cannot find published profile 'resnet': expected one of 'TF-inceptionV4', " +
      "'TF-resnetV2', 'mxnet-resnet50'",
  });
});

Deno.test("serviceTimeSec() throws ProfileRangeError outside the fitted range", () => {
  const profile = publishedProfile("TF-resnetV2");
  const cases: [() => unknown, "memory" | "batch", number, [number, number], string][] = [
    [
      () => serviceTimeSec(profile, 1, 4096),
      "memory",
      4096,
      [1280, 3008],
      "Cannot evaluate profile 'TF-resnetV2' at memory 4096 MB: it was fitted on 1280..3008 MB " +
      "(pass extrapolate to allow it)",
    ],
    [
      () => serviceTimeSec(profile, 1, 1024),
      "memory",
      1024,
      [1280, 3008],
      "Cannot evaluate profile 'TF-resnetV2' at memory 1024 MB: it was fitted on 1280..3008 MB " +
      "(pass extrapolate to allow it)",
    ],
    [
      () => serviceTimeSec(profile, 21, 2048),
      "batch",
      21,
      [1, 20],
      "Cannot evaluate profile 'TF-resnetV2' at batch 21: it was fitted on batch 1..20 " +
      "(pass extrapolate to allow it)",
    ],
    [
      () => serviceTimesSec(profile, 32, 2048),
      "batch",
      32,
      [1, 20],
      "Cannot evaluate profile 'TF-resnetV2' at batch 32: it was fitted on batch 1..20 " +
      "(pass extrapolate to allow it)",
    ],
    [
      () => serviceTimesSec(profile, 20, 3009),
      "memory",
      3009,
      [1280, 3008],
      "Cannot evaluate profile 'TF-resnetV2' at memory 3009 MB: it was fitted on 1280..3008 MB " +
      "(pass extrapolate to allow it)",
    ],
  ];
  for (const [call, quantity, value, range, message] of cases) {
    assert.throws(call, (error: unknown) => {
      assert.ok(error instanceof ProfileRangeError);
      assert.ok(error instanceof RangeError);
      assert.strictEqual(error.name, "ProfileRangeError");
      assert.strictEqual(error.message, message);
      assert.strictEqual(error.profileName, "TF-resnetV2");
      assert.strictEqual(error.quantity, quantity);
      assert.strictEqual(error.value, value);
      assert.deepStrictEqual(error.range, range);
      return true;
    });
  }
});

Deno.test("serviceTimeSec() evaluates the polynomial outside the range with extrapolate", () => {
  const profile = publishedProfile("mxnet-resnet50");
  // 4096 = 2^12 and 1024 = 2^10: every power is exact, so bit equality still holds.
  for (const m of [1024, 4096]) {
    for (const k of [1, 20, 21, 32]) {
      assert.strictEqual(
        serviceTimeSec(profile, k, m, { extrapolate: true }),
        pythonQuartic(MXNET, k, m),
      );
    }
    const times = serviceTimesSec(profile, 32, m, { extrapolate: true });
    assert.strictEqual(times[31], pythonQuartic(MXNET, 32, m));
  }
});

Deno.test("serviceTimeSec() and serviceTimesSec() reject invalid batch and memory", () => {
  const profile = publishedProfile("TF-inceptionV4");
  const prefix = "Cannot evaluate profile 'TF-inceptionV4' as";
  for (const batch of [0, -1, 1.5, NaN]) {
    assert.throws(() => serviceTimeSec(profile, batch, 2048, { extrapolate: true }), {
      name: "RangeError",
      message: `${prefix} 'batch' must be a positive integer: current value is ${batch}`,
    });
    assert.throws(() => serviceTimesSec(profile, batch, 2048, { extrapolate: true }), {
      name: "RangeError",
      message: `${prefix} 'maxBatch' must be a positive integer: current value is ${batch}`,
    });
  }
  for (const memoryMb of [0, -128, NaN, Infinity]) {
    assert.throws(() => serviceTimeSec(profile, 1, memoryMb, { extrapolate: true }), {
      name: "RangeError",
      message:
        `${prefix} 'memoryMb' must be a positive finite number: current value is ${memoryMb}`,
    });
    assert.throws(() => serviceTimesSec(profile, 1, memoryMb, { extrapolate: true }), {
      name: "RangeError",
      message:
        `${prefix} 'memoryMb' must be a positive finite number: current value is ${memoryMb}`,
    });
  }
});

Deno.test("serviceTimeSec() validates hand-built polynomial profiles on first use", () => {
  const base = {
    kind: "polynomial",
    memoryRangeMb: [1, 10],
    batchRange: [1, 10],
  } as const;
  const badTerm: PolynomialProfile = {
    ...base,
    name: "bad-term",
    terms: ["1", "k*x"],
    coefficients: [1, 2],
  };
  assert.throws(() => serviceTimeSec(badTerm, 1, 1), {
    name: "SyntaxError",
    message: "Cannot evaluate profile 'bad-term' as 'terms[1]' must be '1' or factors k, m, " +
      `k^n, m^n (n = 1..16) joined by '*': found "k*x"`,
  });
  const badLength: PolynomialProfile = {
    ...base,
    name: "bad-length",
    terms: ["1", "k"],
    coefficients: [1],
  };
  assert.throws(() => serviceTimesSec(badLength, 1, 1), {
    name: "RangeError",
    message: "Cannot evaluate profile 'bad-length' as 'coefficients' must have one entry per " +
      "term (2): current length is 1",
  });
});

// A 2 x 3 grid; values chosen so that midpoints are exact in binary.
// memory 1024: batch 1 -> 1.0, batch 3 -> 2.0, batch 5 -> 4.0
// memory 2048: batch 1 -> 0.5, batch 3 -> 1.0, batch 5 -> 2.5
const GRID_POINTS = [
  { memoryMb: 2048, batch: 5, sec: 2.5 },
  { memoryMb: 1024, batch: 3, sec: 2.0 },
  { memoryMb: 2048, batch: 1, sec: 0.5 },
  { memoryMb: 1024, batch: 1, sec: 1.0 },
  { memoryMb: 2048, batch: 3, sec: 1.0 },
  { memoryMb: 1024, batch: 5, sec: 4.0 },
];

Deno.test("profileFromJson() builds a table profile with sorted axes and the grid's extent", () => {
  const profile = profileFromJson({ name: "grid", points: GRID_POINTS }) as TableProfile;
  assert.strictEqual(profile.kind, "table");
  assert.ok(Object.isFrozen(profile));
  assert.deepStrictEqual(profile.memoriesMb, [1024, 2048]);
  assert.deepStrictEqual(profile.batches, [1, 3, 5]);
  assert.deepStrictEqual(profile.valuesSec, [1.0, 2.0, 4.0, 0.5, 1.0, 2.5]);
  assert.deepStrictEqual(profile.memoryRangeMb, [1024, 2048]);
  assert.deepStrictEqual(profile.batchRange, [1, 5]);
});

Deno.test("serviceTimeSec() reproduces the points of a table profile exactly", () => {
  const profile = profileFromJson({ name: "grid", points: GRID_POINTS });
  for (const { memoryMb, batch, sec } of GRID_POINTS) {
    assert.strictEqual(serviceTimeSec(profile, batch, memoryMb), sec);
  }
});

Deno.test("serviceTimeSec() interpolates a table profile bilinearly", () => {
  const profile = profileFromJson({ name: "grid", points: GRID_POINTS });
  // Closed forms: midpoints are averages of the two or four neighbours.
  assert.strictEqual(serviceTimeSec(profile, 2, 1024), (1.0 + 2.0) / 2);
  assert.strictEqual(serviceTimeSec(profile, 4, 2048), (1.0 + 2.5) / 2);
  assert.strictEqual(serviceTimeSec(profile, 1, 1536), (1.0 + 0.5) / 2);
  assert.strictEqual(serviceTimeSec(profile, 2, 1536), (1.0 + 2.0 + 0.5 + 1.0) / 4);
  // batch 4 (halfway 3..5), memory 1792 (3/4 of 1024..2048):
  // 0.25 * (2.0 + 4.0) / 2 + 0.75 * (1.0 + 2.5) / 2 = 0.75 + 1.3125
  assert.strictEqual(serviceTimeSec(profile, 4, 1792), 2.0625);
  assert.deepStrictEqual(
    serviceTimesSec(profile, 5, 1536),
    Float64Array.from([0.75, 1.125, 1.5, 2.375, 3.25]),
  );
});

Deno.test("serviceTimeSec() reproduces a bilinear function, also extrapolated", () => {
  // Any f(b, m) = a + c b + d m + e b m is reproduced by bilinear interpolation and
  // by linear extrapolation from the edge cells.
  const f = (b: number, m: number) => 0.2 + 0.03 * b + 0.0001 * m + 0.00002 * b * m;
  const points = [];
  for (const memoryMb of [1024, 1536, 3008]) {
    for (const batch of [1, 2, 4, 8]) points.push({ memoryMb, batch, sec: f(batch, memoryMb) });
  }
  const profile = profileFromJson({ name: "bilinear", points });
  for (const m of [512, 1024, 1100, 2000, 3008, 4000]) {
    const times = serviceTimesSec(profile, 12, m, { extrapolate: true });
    for (let k = 1; k <= 12; k++) {
      const expected = f(k, m);
      assert.ok(Math.abs(times[k - 1] - expected) <= 1e-12 * expected, `${k} ${m}`);
      assert.strictEqual(serviceTimeSec(profile, k, m, { extrapolate: true }), times[k - 1]);
    }
  }
});

Deno.test("serviceTimeSec() interpolates linearly on a single memory or batch", () => {
  const oneMemory = profileFromJson({
    name: "one-memory",
    points: [
      { memoryMb: 2048, batch: 1, sec: 1 },
      { memoryMb: 2048, batch: 5, sec: 3 },
    ],
  });
  assert.deepStrictEqual(oneMemory.memoryRangeMb, [2048, 2048]);
  assert.strictEqual(serviceTimeSec(oneMemory, 3, 2048), 2);
  assert.strictEqual(serviceTimeSec(oneMemory, 2, 2048), 1.5);
  // extrapolating along the single-value axis keeps the value; along the other it is linear
  assert.strictEqual(serviceTimeSec(oneMemory, 3, 1024, { extrapolate: true }), 2);
  assert.strictEqual(serviceTimeSec(oneMemory, 7, 2048, { extrapolate: true }), 4);

  const oneBatch = profileFromJson({
    name: "one-batch",
    points: [
      { memoryMb: 1024, batch: 4, sec: 2 },
      { memoryMb: 3072, batch: 4, sec: 1 },
    ],
  });
  assert.deepStrictEqual(oneBatch.batchRange, [4, 4]);
  assert.strictEqual(serviceTimeSec(oneBatch, 4, 2048), 1.5);
  assert.strictEqual(serviceTimeSec(oneBatch, 4, 1536), 1.75);
  assert.strictEqual(serviceTimeSec(oneBatch, 1, 2048, { extrapolate: true }), 1.5);

  const onePoint = profileFromJson({
    name: "one-point",
    points: [{ memoryMb: 1024, batch: 1, sec: 0.25 }],
  });
  assert.deepStrictEqual(
    serviceTimesSec(onePoint, 3, 4096, { extrapolate: true }),
    Float64Array.from([0.25, 0.25, 0.25]),
  );
});

Deno.test("serviceTimeSec() throws ProfileRangeError outside a table's grid", () => {
  const profile = profileFromJson({ name: "grid", points: GRID_POINTS });
  assert.throws(() => serviceTimeSec(profile, 6, 1024), {
    name: "ProfileRangeError",
    message: "Cannot evaluate profile 'grid' at batch 6: it was fitted on batch 1..5 " +
      "(pass extrapolate to allow it)",
  });
  assert.throws(() => serviceTimesSec(profile, 5, 3008), {
    name: "ProfileRangeError",
    message: "Cannot evaluate profile 'grid' at memory 3008 MB: it was fitted on 1024..2048 MB " +
      "(pass extrapolate to allow it)",
  });
  // batch 6 extrapolates linearly from the cell 3..5: 4 + (4 - 2) / 2 at 1024 MB
  assert.strictEqual(serviceTimeSec(profile, 6, 1024, { extrapolate: true }), 5);

  const fromTwo = profileFromJson({
    name: "from-two",
    points: [
      { memoryMb: 1024, batch: 2, sec: 1 },
      { memoryMb: 1024, batch: 4, sec: 2 },
    ],
  });
  assert.throws(() => serviceTimesSec(fromTwo, 4, 1024), {
    name: "ProfileRangeError",
    message: "Cannot evaluate profile 'from-two' at batch 1: it was fitted on batch 2..4 " +
      "(pass extrapolate to allow it)",
  });
  assert.deepStrictEqual(
    serviceTimesSec(fromTwo, 4, 1024, { extrapolate: true }),
    Float64Array.from([0.5, 1, 1.5, 2]),
  );
});

const POLY = {
  name: "poly",
  terms: ["1", "k"],
  coefficients: [0.1, 0.05],
  memoryRangeMb: [1024, 3008],
  batchRange: [1, 20],
};

Deno.test("profileFromJson() rejects malformed profiles with the source, field and value", () => {
  const pre = "Cannot load service profile from 'model.json' as";
  const cases: [unknown, string, string][] = [
    [null, "TypeError", `${pre} the value must be an object: found null`],
    [[1, 2], "TypeError", `${pre} the value must be an object: found [1, 2]`],
    ["x", "TypeError", `${pre} the value must be an object: found "x"`],
    [
      { ...POLY, name: undefined },
      "TypeError",
      `${pre} 'name' must be a non-empty string: found nothing`,
    ],
    [{ ...POLY, name: "" }, "TypeError", `${pre} 'name' must be a non-empty string: found ""`],
    [{ ...POLY, name: 7 }, "TypeError", `${pre} 'name' must be a non-empty string: found 7`],
    [
      { name: "x" },
      "TypeError",
      `${pre} it must have either 'terms' and 'coefficients' (a polynomial) or 'points' ` +
      "(a table): found neither",
    ],
    [
      { ...POLY, points: GRID_POINTS },
      "TypeError",
      `${pre} it must have either 'terms' and 'coefficients' (a polynomial) or 'points' ` +
      "(a table): found both",
    ],
    [
      { ...POLY, kind: "spline" },
      "TypeError",
      `${pre} 'kind' must be 'polynomial' or 'table': found "spline"`,
    ],
    [
      { ...POLY, kind: "table" },
      "TypeError",
      `${pre} 'points' must be an array of objects: found nothing`,
    ],
    [
      { ...POLY, terms: "1 + k" },
      "TypeError",
      `${pre} 'terms' must be an array of strings: found "1 + k"`,
    ],
    [
      { ...POLY, terms: [], coefficients: [] },
      "RangeError",
      `${pre} 'terms' must be a non-empty array: found []`,
    ],
    [{ ...POLY, terms: ["1", 2] }, "TypeError", `${pre} 'terms[1]' must be a string: found 2`],
    [
      { ...POLY, coefficients: undefined },
      "TypeError",
      `${pre} 'coefficients' must be an array of numbers: found nothing`,
    ],
    [
      { ...POLY, coefficients: [0.1] },
      "RangeError",
      `${pre} 'coefficients' must be an array with one number per term (2): found [0.1]`,
    ],
    [
      { ...POLY, coefficients: [0.1, "0.05"] },
      "TypeError",
      `${pre} 'coefficients[1]' must be a number: found "0.05"`,
    ],
    [
      { ...POLY, coefficients: [0.1, NaN] },
      "RangeError",
      `${pre} 'coefficients[1]' must be a finite number: found NaN`,
    ],
    [
      { ...POLY, memoryRangeMb: undefined },
      "TypeError",
      `${pre} 'memoryRangeMb' must be a pair [lo, hi] of numbers: found nothing`,
    ],
    [
      { ...POLY, memoryRangeMb: [1024, 2048, 3008] },
      "TypeError",
      `${pre} 'memoryRangeMb' must be a pair [lo, hi] of numbers: found [1024, 2048, 3008]`,
    ],
    [
      { ...POLY, memoryRangeMb: [3008, 1024] },
      "RangeError",
      `${pre} 'memoryRangeMb' must be a pair of finite numbers with 0 < lo <= hi: ` +
      "found [3008, 1024]",
    ],
    [
      { ...POLY, memoryRangeMb: [0, 1024] },
      "RangeError",
      `${pre} 'memoryRangeMb' must be a pair of finite numbers with 0 < lo <= hi: found [0, 1024]`,
    ],
    [
      { ...POLY, batchRange: undefined },
      "TypeError",
      `${pre} 'batchRange' must be a pair [lo, hi] of numbers: found nothing`,
    ],
    [
      { ...POLY, batchRange: [0, 20] },
      "RangeError",
      `${pre} 'batchRange' must be a pair of integers with 1 <= lo <= hi: found [0, 20]`,
    ],
    [
      { ...POLY, batchRange: [1, 2.5] },
      "RangeError",
      `${pre} 'batchRange' must be a pair of integers with 1 <= lo <= hi: found [1, 2.5]`,
    ],
  ];
  for (const [value, name, message] of cases) {
    assert.throws(() => profileFromJson(value, { source: "model.json" }), { name, message });
  }
});

Deno.test("profileFromJson() rejects malformed terms with a SyntaxError naming the term", () => {
  for (const term of ["k*x", "k^0", "k^17", "k^", "k**2", "2*k", "", "k*", "m^-1"]) {
    assert.throws(
      () => profileFromJson({ ...POLY, terms: ["1", term] }),
      {
        name: "SyntaxError",
        message: "Cannot load service profile from JSON as 'terms[1]' must be '1' or factors " +
          `k, m, k^n, m^n (n = 1..16) joined by '*': found ${JSON.stringify(term)}`,
      },
    );
  }
  // accepted spellings: spaces around factors, repeated variables, explicit ^1
  const profile = profileFromJson({
    ...POLY,
    terms: ["1", " k * k^1 "],
    coefficients: [0.5, 0.25],
  });
  assert.strictEqual(serviceTimeSec(profile, 4, 2048), 0.5 + 0.25 * 4 * 4);
});

Deno.test("profileFromJson() rejects malformed table points with the field path", () => {
  const pre = "Cannot load service profile from 'table.json' as";
  const withPoint = (i: number, point: unknown) => {
    const points: unknown[] = GRID_POINTS.slice();
    points[i] = point;
    return { name: "grid", points };
  };
  const good = GRID_POINTS[3];
  const cases: [unknown, string, string][] = [
    [
      { name: "grid", points: {} },
      "TypeError",
      `${pre} 'points' must be an array of objects: found an object`,
    ],
    [
      { name: "grid", points: [] },
      "RangeError",
      `${pre} 'points' must be a non-empty array: found []`,
    ],
    [withPoint(3, 5), "TypeError", `${pre} 'points[3]' must be an object: found 5`],
    [withPoint(3, [1, 2, 3]), "TypeError", `${pre} 'points[3]' must be an object: found [1, 2, 3]`],
    [
      withPoint(3, { ...good, memoryMb: undefined }),
      "TypeError",
      `${pre} 'points[3].memoryMb' must be a number: found nothing`,
    ],
    [
      withPoint(3, { ...good, memoryMb: -1024 }),
      "RangeError",
      `${pre} 'points[3].memoryMb' must be a finite number > 0: found -1024`,
    ],
    [
      withPoint(3, { ...good, batch: "1" }),
      "TypeError",
      `${pre} 'points[3].batch' must be a number: found "1"`,
    ],
    [
      withPoint(3, { ...good, batch: 0 }),
      "RangeError",
      `${pre} 'points[3].batch' must be a positive integer: found 0`,
    ],
    [
      withPoint(3, { ...good, batch: 1.5 }),
      "RangeError",
      `${pre} 'points[3].batch' must be a positive integer: found 1.5`,
    ],
    [
      withPoint(3, { ...good, sec: null }),
      "TypeError",
      `${pre} 'points[3].sec' must be a number: found null`,
    ],
    [
      withPoint(3, { ...good, sec: -1 }),
      "RangeError",
      `${pre} 'points[3].sec' must be a finite number > 0: found -1`,
    ],
    [
      withPoint(3, { ...good, sec: 0 }),
      "RangeError",
      `${pre} 'points[3].sec' must be a finite number > 0: found 0`,
    ],
    [
      withPoint(3, { ...good, sec: Infinity }),
      "RangeError",
      `${pre} 'points[3].sec' must be a finite number > 0: found Infinity`,
    ],
    [
      { name: "grid", points: [...GRID_POINTS, { memoryMb: 1024, batch: 3, sec: 2.1 }] },
      "RangeError",
      `${pre} 'points[6]' repeats 'points[1]' at memory 1024 MB, batch 3: ` +
      "each (memoryMb, batch) pair must appear once",
    ],
    [
      { name: "grid", points: GRID_POINTS.filter((_, i) => i !== 4) },
      "RangeError",
      `${pre} 'points' must form a full grid over 2 memories x 3 batch sizes: ` +
      "found no point at memory 2048 MB, batch 3",
    ],
    [
      { name: "grid", points: [...GRID_POINTS, { memoryMb: 3008, batch: 1, sec: 0.4 }] },
      "RangeError",
      `${pre} 'points' must form a full grid over 3 memories x 3 batch sizes: ` +
      "found no point at memory 3008 MB, batch 3",
    ],
  ];
  for (const [value, name, message] of cases) {
    assert.throws(() => profileFromJson(value, { source: "table.json" }), { name, message });
  }
});

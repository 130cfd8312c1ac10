import assert from "node:assert/strict";
import type { DurationSample } from "../../lib/profile/profile_fit.ts";
import { BATCH_COLUMNS } from "../../lib/io/run_logs.ts";
import { parseBatchesCsv } from "../../lib/logs/run_csv.ts";
import {
  gammaService,
  lognormalService,
  type ServiceDistribution,
} from "../../lib/profile/service_distribution.ts";
import {
  batchSpreads,
  hasNoSpread,
  variabilityFromDurations,
  warmSamplesFromBatches,
} from "../../lib/profile/variability_fit.ts";
import { seededPrng } from "../../lib/random/prng.ts";

const MEMORIES = [1024, 1536, 2048, 3008];
const BATCHES = [1, 4, 16];
/** A CV per batch size, different so that a mix-up between batch sizes shows. */
const CVS = [0.1, 0.2, 0.4];
const PER_CELL = 500;

/** S(k, m) = (0.1 + 0.05 k) 1024 / m: the memories' means differ up to threefold. */
function meanSec(k: number, m: number): number {
  return (0.1 + 0.05 * k) * 1024 / m;
}

/** PER_CELL draws per (memory, batch) cell from `make(mean, cv)`, seeded. */
function draws(
  seed: number,
  make: (meanSec: number, cv: number) => ServiceDistribution,
): DurationSample[] {
  const prng = seededPrng(seed);
  const out: DurationSample[] = [];
  for (const memoryMb of MEMORIES) {
    for (const [b, batch] of BATCHES.entries()) {
      const d = make(meanSec(batch, memoryMb), CVS[b]);
      for (let i = 0; i < PER_CELL; i++) out.push({ batch, memoryMb, durationSec: d.sample(prng) });
    }
  }
  return out;
}

/**
 * The standard error of a CV estimated from `df` degrees of freedom, relative
 * to the CV, by the delta method: var(s^2) ~ sigma^4 (kurtosis - 1) / df and
 * cv = sqrt(s^2) / mean, so se(cv) / cv ~ sqrt((kurtosis - 1) / df) / 2. A
 * Monte Carlo of this very estimator (200 seeds, 4 memories x 500 draws)
 * gave standard deviations of 0.015 to 0.021 where this says 0.016 to 0.025:
 * slightly conservative.
 */
function relativeSe(kurtosis: number, df: number): number {
  return Math.sqrt((kurtosis - 1) / df) / 2;
}

/** Kurtosis (not excess) of a gamma of CV c: 3 + 6 c^2. */
const gammaKurtosis = (c: number) => 3 + 6 * c * c;
/** Kurtosis of a lognormal of CV c: w^4 + 2 w^3 + 3 w^2 - 3 with w = 1 + c^2. */
const lognormalKurtosis = (c: number) => {
  const w = 1 + c * c;
  return w ** 4 + 2 * w ** 3 + 3 * w ** 2 - 3;
};

Deno.test("batchSpreads() recovers gamma and lognormal CVs per batch size within 4 standard errors, whatever each memory's mean", () => {
  // Seed 2013, 4 memories x 500 draws per batch size: 1,996 degrees of freedom
  // per batch size; tolerance 4 standard errors of the delta method (6.4 % to 9.9 %).
  for (
    const [name, make, kurtosis] of [
      ["gamma", gammaService, gammaKurtosis],
      ["lognormal", lognormalService, lognormalKurtosis],
    ] as const
  ) {
    const samples = draws(2013, make);
    const spreads = batchSpreads(samples);
    assert.deepEqual(spreads.map((s) => s.batch), BATCHES);
    for (const [b, s] of spreads.entries()) {
      assert.equal(s.samples, MEMORIES.length * PER_CELL);
      assert.equal(s.cells, MEMORIES.length);
      assert.equal(s.leftOut, 0);
      const tolerance = 4 * relativeSe(kurtosis(CVS[b]), MEMORIES.length * (PER_CELL - 1));
      assert.ok(
        Math.abs(s.cv / CVS[b] - 1) < tolerance,
        `${name} k = ${s.batch}: CV ${s.cv}, drawn with ${CVS[b]} (tolerance ${tolerance})`,
      );
      // Pooling the durations themselves over memories would mistake the
      // memories' threefold spread of means for variability: off by 44 % to 360 %.
      const ds = samples.filter((x) => x.batch === s.batch).map((x) => x.durationSec);
      const mean = ds.reduce((a, d) => a + d, 0) / ds.length;
      const naive = Math.sqrt(ds.reduce((a, d) => a + (d - mean) ** 2, 0) / (ds.length - 1)) /
        mean;
      assert.ok(naive / CVS[b] - 1 > 0.4, `${name} k = ${s.batch}: naive CV ${naive}`);
    }
    // The gamma and lognormal variabilities carry those CVs, per batch size.
    const v = variabilityFromDurations(samples, name);
    assert.deepEqual(v, {
      distribution: name,
      cv: { batches: BATCHES, cvs: spreads.map((s) => s.cv) },
    });
  }
});

Deno.test("batchSpreads() does not change when one memory's durations are all scaled (1e-12)", () => {
  // Invariance: a memory twice as slow spreads its durations no more.
  const samples = draws(7, gammaService).filter((_, i) => i % 25 === 0);
  const scaled = samples.map((s) =>
    s.memoryMb === 2048 ? { ...s, durationSec: 3.7 * s.durationSec } : s
  );
  const a = batchSpreads(samples), b = batchSpreads(scaled);
  for (let i = 0; i < a.length; i++) {
    assert.ok(Math.abs(a[i].cv / b[i].cv - 1) < 1e-12, `${a[i].cv} vs ${b[i].cv}`);
  }
});

Deno.test("variabilityFromDurations() empirical: per batch size, ratios of mean 1 whose spread is the pooled CV", () => {
  // Seed 11, gamma draws, 20 per cell.
  const samples = draws(11, gammaService).filter((_, i) => i % 25 === 0);
  const v = variabilityFromDurations(samples, "empirical");
  assert.equal(v.distribution, "empirical");
  if (v.distribution !== "empirical") return;
  assert.deepEqual(v.batches, BATCHES);
  const spreads = batchSpreads(samples);
  for (const [b, row] of v.ratios.entries()) {
    assert.equal(row.length, MEMORIES.length * 20);
    // Each cell's ratios d / mean(cell) average 1, so their pool does too.
    const mean = row.reduce((a, r) => a + r, 0) / row.length;
    assert.ok(Math.abs(mean - 1) < 1e-12, `k = ${v.batches[b]}: mean ratio ${mean}`);
    // sum (r - 1)^2 is the pooled CV^2 times the degrees of freedom, 4 x 19.
    const ss = row.reduce((a, r) => a + (r - 1) ** 2, 0);
    assert.ok(Math.abs(ss / (MEMORIES.length * 19) / spreads[b].cv ** 2 - 1) < 1e-12);
    assert.ok(row.every((r, i) => i === 0 || r >= row[i - 1]), "ascending");
  }
});

Deno.test("variabilityFromDurations() leaves out cells of one duration, and refuses when every cell has one", () => {
  const samples: DurationSample[] = [
    { batch: 1, memoryMb: 1024, durationSec: 0.8 },
    { batch: 1, memoryMb: 1024, durationSec: 1.2 },
    { batch: 1, memoryMb: 2048, durationSec: 0.5 },
    { batch: 2, memoryMb: 1024, durationSec: 1.5 },
    { batch: 2, memoryMb: 2048, durationSec: 0.9 },
  ];
  // Only k = 1 at 1024 MB shows spread: ratios 0.8 and 1.2, CV sqrt(0.08 / 1).
  const spreads = batchSpreads(samples);
  assert.deepEqual(
    spreads.map(({ batch, samples, cells, leftOut }) => ({
      batch,
      samples,
      cells,
      leftOut,
    })),
    [
      { batch: 1, samples: 2, cells: 1, leftOut: 1 },
      { batch: 2, samples: 0, cells: 0, leftOut: 2 },
    ],
  );
  assert.ok(Math.abs(spreads[0].cv - Math.sqrt(0.08)) < 1e-15);
  assert.ok(Number.isNaN(spreads[1].cv));
  assert.deepEqual(variabilityFromDurations(samples, "lognormal"), {
    distribution: "lognormal",
    cv: { batches: [1], cvs: [spreads[0].cv] },
  });
  const e = variabilityFromDurations(samples, "empirical");
  assert.deepEqual(e.distribution === "empirical" && e.batches, [1]);
  for (const kind of ["gamma", "empirical"] as const) {
    assert.throws(() => variabilityFromDurations(samples.slice(2), kind), {
      name: "RangeError",
      message: `Cannot estimate a ${kind} variability as no (memory, batch) cell has two ` +
        "durations: one duration per cell shows no spread",
    });
  }
});

Deno.test("variabilityFromDurations() refuses bad samples and an unknown kind", () => {
  const ok = { batch: 1, memoryMb: 1024, durationSec: 1 };
  const cases: [DurationSample, string][] = [
    [{ ...ok, batch: 0 }, "'samples[1].batch' must be a positive integer: current value is 0"],
    [{ ...ok, batch: 1.5 }, "'samples[1].batch' must be a positive integer: current value is 1.5"],
    [
      { ...ok, memoryMb: NaN },
      "'samples[1].memoryMb' must be a finite number > 0: current value is NaN",
    ],
    [
      { ...ok, durationSec: -1 },
      "'samples[1].durationSec' must be a finite number > 0: current value is -1",
    ],
    [
      { ...ok, durationSec: Infinity },
      "'samples[1].durationSec' must be a finite number > 0: current value is Infinity",
    ],
  ];
  for (const [bad, message] of cases) {
    assert.throws(() => variabilityFromDurations([ok, bad], "gamma"), {
      name: "RangeError",
      message: `Cannot estimate the variability as ${message}`,
    });
  }
  assert.throws(() => variabilityFromDurations([ok, ok], "normal" as "gamma"), {
    name: "RangeError",
    message: "Cannot estimate the variability as 'kind' must be one of gamma, lognormal, " +
      "empirical: current value is normal",
  });
});

Deno.test("hasNoSpread() is true only when every CV is 0 or every ratio 1", () => {
  const samples: DurationSample[] = [0.3, 0.3, 0.3].map((durationSec) => ({
    batch: 2,
    memoryMb: 1024,
    durationSec,
  }));
  // Identical durations: exactly 0 and exactly 1 (the running mean is exact).
  assert.ok(hasNoSpread(variabilityFromDurations(samples, "gamma")));
  assert.ok(hasNoSpread(variabilityFromDurations(samples, "empirical")));
  assert.ok(!hasNoSpread({ distribution: "gamma", cv: { batches: [1, 2], cvs: [0, 1e-9] } }));
  assert.ok(!hasNoSpread({ distribution: "empirical", batches: [1], ratios: [[0.5, 1.5]] }));
  assert.ok(hasNoSpread({ distribution: "lognormal", cv: { terms: ["1"], coefficients: [0] } }));
});

Deno.test("warmSamplesFromBatches() takes a run's batches.csv without cold starts, failures or missing Durations", () => {
  // Columns as CsvRunLog writes them; only size, duration_ms, init_duration_ms,
  // memory_size_mb and status matter here.
  const row = (size: number, durationMs: string, initMs: string, status: string) => {
    const f: Record<string, string | number> = {
      batch_id: 0,
      size,
      first_arrival_sec: 0,
      deadline_sec: 1,
      dispatch_sec: 0.5,
      dispatch_reason: "size",
      completion_sec: 1,
      latency_sec: 1,
      duration_ms: durationMs,
      billed_duration_ms: durationMs,
      init_duration_ms: initMs,
      memory_size_mb: 2048,
      max_memory_used_mb: "",
      client_wait_ms: "",
      cost_usd: 1e-6,
      status,
      error: "",
    };
    return BATCH_COLUMNS.map((c) => f[c]).join(",");
  };
  const text = [
    BATCH_COLUMNS.join(","),
    row(4, "400", "0", "ok"),
    row(4, "440", "0", "ok"),
    row(4, "900", "250", "ok"), // a cold start
    row(8, "", "0", "failed"),
    row(8, "", "", "abandoned"),
    row(8, "", "0", "ok"), // no REPORT line
    row(8, "700", "", "ok"),
  ].join("\n") + "\n";
  const { records, skipped } = parseBatchesCsv(text);
  assert.deepEqual(skipped, []);
  const out = warmSamplesFromBatches(records);
  assert.deepEqual(out, {
    samples: [
      { batch: 4, memoryMb: 2048, durationSec: 0.4 },
      { batch: 4, memoryMb: 2048, durationSec: 0.44 },
      { batch: 8, memoryMb: 2048, durationSec: 0.7 },
    ],
    cold: 1,
    failed: 2,
    unmeasured: 1,
  });
  // The batch of 4 shows spread (0.4 and 0.44 s, mean 0.42: CV sqrt(2) 0.02 / 0.42
  // on one degree of freedom); the batch of 8, measured once, none.
  const v = variabilityFromDurations(out.samples, "gamma");
  assert.ok(v.distribution === "gamma" && typeof v.cv === "object" && "cvs" in v.cv);
  assert.deepEqual(v.cv.batches, [4]);
  assert.ok(Math.abs(v.cv.cvs[0] - Math.SQRT2 * 0.02 / 0.42) < 1e-12, `${v.cv.cvs[0]}`);
});

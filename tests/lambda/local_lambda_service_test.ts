/**
 * The local Lambda's service times follow the profile's service-time
 * distribution (`service_distribution.ts`), and `jitterCv` replaces it with a
 * lognormal: checked on the REPORT lines of invocations on a fake clock.
 */

import assert from "node:assert/strict";
import { LambdaApiError, LocalLambda } from "../../lib/lambda/local_lambda.ts";
import { profileFromJson, type ServiceProfile } from "../../lib/profile/service_profile.ts";
import { seededPrng } from "../../lib/random/prng.ts";

/** S(k, m) = 0.1 + 0.2 k s: a batch of 4 takes 0.9 s on average. */
const LINEAR = {
  name: "linear",
  terms: ["1", "k"],
  coefficients: [0.1, 0.2],
  memoryRangeMb: [128, 10240],
  batchRange: [1, 100],
};

/** The same profile with a gamma service time of CV 0.3 (shape 1 / 0.09). */
const GAMMA = profileFromJson({ ...LINEAR, variability: { distribution: "gamma", cv: 0.3 } });

/** Invocations per sample: the tolerances below are 4 standard errors at this size. */
const N = 4000;

/**
 * Invokes a batch of 4 `n` times one after the other on a fake clock and
 * returns the REPORT lines' Durations (ms), the timed-out count and the time
 * the clock advanced (ms).
 */
async function durations(
  profile: ServiceProfile,
  options: { jitterCv?: number; timeoutSec?: number; timeScale?: number; seed?: number } = {},
) {
  let nowMs = 0;
  const lambda = new LocalLambda({
    profileFor: () => profile,
    prng: seededPrng(options.seed ?? 13),
    now: () => nowMs,
    sleep: (ms) => Promise.resolve(void (nowMs += ms)),
    jitterCv: options.jitterCv ?? 0,
    timeScale: options.timeScale ?? 1,
    initSec: 0,
  });
  lambda.createFunction({
    FunctionName: "f",
    MemorySize: 2048,
    Timeout: options.timeoutSec ?? 900,
  });
  const payload = new TextEncoder().encode('{"batch_size": 4}');
  const out: number[] = [];
  let timedOut = 0;
  for (let i = 0; i < N; i++) {
    const r = await lambda.invoke("f", payload, { logType: "Tail" });
    const report = atob(r.logResult!).split("\n").find((l) => l.startsWith("REPORT"))!;
    out.push(Number(/\tDuration: ([\d.]+) ms/.exec(report)![1]));
    if (report.includes("Status: timeout")) timedOut++;
  }
  lambda.close();
  return { durationsMs: out, timedOut, elapsedMs: nowMs };
}

/** Mean, coefficient of variation and skewness of a sample (population moments). */
function moments(xs: number[]) {
  const n = xs.length, mean = xs.reduce((s, x) => s + x, 0) / n;
  let m2 = 0, m3 = 0;
  for (const x of xs) {
    m2 += (x - mean) ** 2;
    m3 += (x - mean) ** 3;
  }
  m2 /= n;
  m3 /= n;
  return { mean, sd: Math.sqrt(m2), cv: Math.sqrt(m2) / mean, skewness: m3 / m2 ** 1.5 };
}

Deno.test("LocalLambda draws a profile's gamma service time: REPORT Durations with its mean and CV", async () => {
  const { durationsMs, timedOut } = await durations(GAMMA);
  assert.equal(timedOut, 0);
  const d = moments(durationsMs);
  // Seed 13, 4000 batches of 4 at 2048 MB: mean S(4) = 900 ms, CV 0.3. Tolerances are 4
  // standard errors: of the mean, 0.3 x 900 / sqrt(4000) = 4.3 ms; of the sample CV, by the
  // delta method sqrt((CV^2 (kurtosis - 1) / 4 + CV^4 - CV^3 skewness) / n) with the gamma's
  // skewness 2 CV = 0.6 and kurtosis 3 + 6 CV^2 = 3.54: sqrt(0.0491 / 4000) = 0.0035.
  assert.ok(Math.abs(d.mean - 900) < 4 * 4.3, `mean ${d.mean}`);
  assert.ok(Math.abs(d.cv - 0.3) < 4 * 0.0035, `CV ${d.cv}`);
  // Its shape is the gamma's, not a lognormal's: ln S of a gamma of shape a has skewness
  // psi''(a) / psi'(a)^1.5 = -0.3066 at a = 1 / 0.09 (scipy.special.polygamma),
  // where a lognormal's ln S is normal (skewness 0). Standard error sqrt(6 / 4000) = 0.039.
  const ln = moments(durationsMs.map(Math.log));
  assert.ok(Math.abs(ln.skewness - -0.3066) < 4 * 0.039, `skewness of ln S ${ln.skewness}`);
});

Deno.test("LocalLambda with jitterCv replaces the profile's variability with a lognormal of that CV", async () => {
  const { durationsMs } = await durations(GAMMA, { jitterCv: 0.3 });
  const d = moments(durationsMs);
  // Lognormal with mean 900 ms and CV 0.3: ln S is normal with sd sqrt(ln(1 + 0.09)) = 0.2936
  // and mean ln(900) - 0.2936^2 / 2. Seed 13, 4000 draws; 4 standard errors: of the sd of a
  // normal sample, 0.2936 / sqrt(2 x 4000) = 0.0033; of its skewness, sqrt(6 / 4000) = 0.039.
  const ln = moments(durationsMs.map(Math.log));
  const sigma = Math.sqrt(Math.log(1.09));
  assert.ok(Math.abs(ln.sd - sigma) < 4 * 0.0033, `sd of ln S ${ln.sd}`);
  assert.ok(Math.abs(ln.mean - (Math.log(900) - sigma ** 2 / 2)) < 4 * sigma / Math.sqrt(N));
  assert.ok(Math.abs(ln.skewness) < 4 * 0.039, `skewness of ln S ${ln.skewness}`);
  assert.ok(Math.abs(d.cv - 0.3) < 0.02, `CV ${d.cv}`);
});

Deno.test("LocalLambda without variability or jitterCv runs every batch for exactly S(k, m)", async () => {
  const { durationsMs } = await durations(profileFromJson(LINEAR));
  assert.ok(durationsMs.every((ms) => ms === 900), `${new Set(durationsMs)}`);
});

Deno.test("LocalLambda cuts a drawn service time at the Timeout and sleeps the drawn time over timeScale", async () => {
  // Timeout 1 s against a gamma of mean 0.9 s and CV 0.3: P(S > 1 s) = Q(a, a / 0.9) at
  // a = 1 / 0.09, 0.3239 (regularized upper incomplete gamma, scipy.special.gammaincc);
  // 4 standard errors of a proportion over 4000: 4 sqrt(0.3239 x 0.6761 / 4000) = 0.030.
  const { durationsMs, timedOut, elapsedMs } = await durations(GAMMA, {
    timeoutSec: 1,
    timeScale: 4,
  });
  assert.ok(Math.abs(timedOut / N - 0.3239) < 0.030, `timed out ${timedOut / N}`);
  assert.ok(durationsMs.every((ms) => ms <= 1000));
  assert.equal(durationsMs.filter((ms) => ms === 1000).length, timedOut);
  // The clock advanced by each Duration over the time scale (no cold start: initSec 0);
  // Durations are printed to 0.01 ms.
  const total = durationsMs.reduce((s, ms) => s + ms, 0);
  assert.ok(Math.abs(elapsedMs - total / 4) < N * 0.005, `${elapsedMs} against ${total / 4}`);
});

Deno.test("LocalLambda refuses a jitterCv that is not a finite number >= 0", () => {
  for (const jitterCv of [-0.1, NaN, Infinity]) {
    assert.throws(
      () => new LocalLambda({ profileFor: () => GAMMA, prng: seededPrng(1), jitterCv }),
      {
        name: "RangeError",
        message:
          `Cannot create the local Lambda as 'jitterCv' must be a finite number >= 0: current value is ${jitterCv}`,
      },
    );
  }
});

Deno.test("LocalLambda refuses, at Invoke, a batch whose CV polynomial is negative", async () => {
  // CV 0.5 - 0.1 k: negative from k = 6 on.
  const profile = profileFromJson({
    ...LINEAR,
    variability: {
      distribution: "lognormal",
      cv: { terms: ["1", "k"], coefficients: [0.5, -0.1] },
    },
  });
  let nowMs = 0;
  const lambda = new LocalLambda({
    profileFor: () => profile,
    prng: seededPrng(1),
    now: () => nowMs,
    sleep: (ms) => Promise.resolve(void (nowMs += ms)),
  });
  lambda.createFunction({ FunctionName: "f", MemorySize: 2048 });
  const ok = await lambda.invoke("f", new TextEncoder().encode('{"batch_size": 5}'));
  assert.equal(ok.functionError, undefined);
  await assert.rejects(
    () => lambda.invoke("f", new TextEncoder().encode('{"batch_size": 7}')),
    (e: unknown) => {
      assert.ok(e instanceof LambdaApiError);
      assert.equal(e.type, "InvalidRequestContentException");
      assert.match(
        e.message,
        /^Profile 'linear' gives batch 7 at 2048 MB no service-time distribution: Cannot use the CV polynomial of profile 'linear': it is -0\.1\d* at k = 6, 2048 MB/,
      );
      return true;
    },
  );
  lambda.close();
});

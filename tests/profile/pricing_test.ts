import assert from "node:assert/strict";
import {
  billedDurationSec,
  durationCostUsd,
  invocationCostUsd,
  pricing,
  PRICING_NAMES,
} from "../../lib/profile/pricing.ts";
import { publishedProfile, serviceTimeSec } from "../../lib/profile/service_profile.ts";

/** |actual - expected| <= 1e-12 relative: the hand computations are decimal. */
function assertClose(actual: number, expected: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= 1e-12 * Math.abs(expected),
    `${what}: expected ${expected}, found ${actual}`,
  );
}

Deno.test("pricing() returns every named pricing, frozen, with its published prices", () => {
  // Prices from the brief: solver.py getCostRequest (paper) and the AWS Lambda price
  // page (0.20 USD per million requests = 0.0000002 USD per request).
  const expected = {
    "paper": [0.0000166667, 0.0000002, 0],
    "aws-x86": [0.0000166667, 0.0000002, 1],
    "aws-arm64": [0.0000133334, 0.0000002, 1],
    "aws-2020": [0.0000166667, 0.0000002, 100],
  };
  assert.deepStrictEqual([...PRICING_NAMES], Object.keys(expected));
  for (const name of PRICING_NAMES) {
    const p = pricing(name);
    assert.ok(Object.isFrozen(p));
    assert.strictEqual(p.name, name);
    assert.deepStrictEqual(
      [p.usdPerGbSecond, p.usdPerRequest, p.billingGranularityMs],
      expected[name],
    );
    assert.ok(p.description.length > 0);
  }
});

Deno.test("pricing() throws a RangeError listing the valid names", () => {
  for (const name of ["gcp", "", "toString"]) {
    assert.throws(() => pricing(name), {
      name: "RangeError",
      message: `Cannot find pricing '${name}': expected one of 'paper', 'aws-x86', ` +
        "'aws-arm64', 'aws-2020'",
    });
  }
});

Deno.test("billedDurationSec() rounds up to whole milliseconds without float noise", () => {
  const p = pricing("aws-x86");
  assert.strictEqual(billedDurationSec(p, 0.123), 0.123);
  assert.strictEqual(billedDurationSec(p, 0.1231), 0.124);
  assert.strictEqual(billedDurationSec(p, 0.0001), 0.001);
  assert.ok(Object.is(billedDurationSec(p, 0), 0));
  // every whole number of milliseconds bills itself (0.1 * 3 style noise included)
  for (let ms = 1; ms <= 5000; ms++) {
    assert.strictEqual(billedDurationSec(p, ms / 1000), ms / 1000, `${ms} ms`);
    assert.strictEqual(billedDurationSec(p, ms * 0.001), ms / 1000, `${ms} ms`);
  }
});

Deno.test("billedDurationSec() rounds up to 100 ms for aws-2020", () => {
  const p = pricing("aws-2020");
  assert.strictEqual(billedDurationSec(p, 0.05), 0.1);
  assert.strictEqual(billedDurationSec(p, 0.1), 0.1);
  assert.strictEqual(billedDurationSec(p, 0.1000001), 0.2);
  assert.strictEqual(billedDurationSec(p, 0.3), 0.3);
  assert.strictEqual(billedDurationSec(p, 0.1 + 0.2), 0.3);
  assert.strictEqual(billedDurationSec(p, 12.468237397346037), 12.5);
});

Deno.test("billedDurationSec() bills within one granule above the duration", () => {
  for (const name of ["aws-x86", "aws-2020"] as const) {
    const p = pricing(name);
    const granuleSec = p.billingGranularityMs / 1000;
    for (let i = 0; i < 2000; i++) {
      const durationSec = i * 0.0037 + 0.00011;
      const billed = billedDurationSec(p, durationSec);
      assert.ok(billed >= durationSec - 1e-12 && billed - durationSec < granuleSec, `${name} ${i}`);
    }
  }
});

Deno.test("billedDurationSec() leaves the duration unchanged for the paper's pricing", () => {
  const p = pricing("paper");
  for (const d of [0, 0.1231, 0.1000001, 12.468237397346037]) {
    assert.strictEqual(billedDurationSec(p, d), d);
  }
});

Deno.test("billedDurationSec() rejects negative and non-finite durations", () => {
  for (const d of [-0.001, NaN, Infinity]) {
    assert.throws(() => billedDurationSec(pricing("aws-x86"), d), {
      name: "RangeError",
      message: "Cannot bill the duration as 'durationSec' must be a finite number >= 0: " +
        `current value is ${d}`,
    });
  }
});

Deno.test("invocationCostUsd() matches hand-computed costs", () => {
  // Computed by hand (decimal arithmetic):
  // paper, 1 s at 1024 MB: 1 GB-s x 0.0000166667 + 0.0000002 = 0.0000168667
  assertClose(invocationCostUsd(pricing("paper"), 1, 1024), 0.0000168667, "paper");
  // aws-x86, 0.1231 s -> 0.124 s at 2048 MB: 0.248 GB-s x 0.0000166667 = 0.0000041333416,
  // plus 0.0000002
  assertClose(invocationCostUsd(pricing("aws-x86"), 0.1231, 2048), 0.0000043333416, "x86");
  // aws-arm64, 1 s at 2048 MB: 2 GB-s x 0.0000133334 + 0.0000002 = 0.0000268668
  assertClose(invocationCostUsd(pricing("aws-arm64"), 1, 2048), 0.0000268668, "arm64");
  // aws-2020, 0.05 s -> 0.1 s at 3008 MB (2.9375 GB): 0.29375 GB-s x 0.0000166667
  // = 0.000004895843125, plus 0.0000002
  assertClose(invocationCostUsd(pricing("aws-2020"), 0.05, 3008), 0.000005095843125, "2020");
  // the same run billed continuously costs less
  assertClose(
    invocationCostUsd(pricing("paper"), 0.05, 3008),
    0.0000024479215625 + 0.0000002,
    "paper 0.05 s",
  );
});

Deno.test("invocationCostUsd() is the duration cost plus the request price", () => {
  for (const name of PRICING_NAMES) {
    const p = pricing(name);
    for (const [d, m] of [[0.1231, 1280], [2.5, 3008], [0, 128]]) {
      assert.strictEqual(invocationCostUsd(p, d, m), durationCostUsd(p, d, m) + p.usdPerRequest);
      assert.strictEqual(
        durationCostUsd(p, d, m),
        billedDurationSec(p, d) * (m / 1024) * p.usdPerGbSecond,
      );
    }
  }
});

Deno.test("durationCostUsd() reproduces solver.py's per-request costs bit for bit", () => {
  // Per-request cost of solver.py getCostRequest for a batch of k at memory M:
  // durationCost / k + requestCost / k. Expected values: the regression table of
  // shared/reference/README.md (TF-inceptionV4). The README gives the cost, not the
  // p95 batch size; k is the only size in 1..20 that reproduces it.
  const p = pricing("paper");
  const profile = publishedProfile("TF-inceptionV4");
  const perRequestUsd = (k: number, memoryMb: number) =>
    durationCostUsd(p, serviceTimeSec(profile, k, memoryMb), memoryMb) / k +
    p.usdPerRequest / k;
  // Twitter hour 1, p95 latency <= 5 s: M = 2112 MB, p95 batch size 6
  assert.strictEqual(perRequestUsd(6, 2112), 2.8332953981728888e-05);
  // NYS hour 8, p95 latency <= 5 s: M = 1792 MB, p95 batch size 5
  assert.strictEqual(perRequestUsd(5, 1792), 2.837160475914105e-05);
  // Twitter hour 1, cost <= 3e-5: the README's cost is that of M = 3008 MB and a batch
  // of 20, the last compliant configuration solver.py scans (its minimizeLatency
  // reports the cost of the last compliant configuration, not of the optimum).
  assert.strictEqual(perRequestUsd(20, 3008), 2.759177885082183e-05);
});

Deno.test("durationCostUsd() and invocationCostUsd() reject invalid memory", () => {
  for (const m of [0, -1024, NaN, Infinity]) {
    const message = "Cannot price the invocation as 'memoryMb' must be a positive finite " +
      `number: current value is ${m}`;
    assert.throws(() => durationCostUsd(pricing("paper"), 1, m), { name: "RangeError", message });
    assert.throws(() => invocationCostUsd(pricing("paper"), 1, m), { name: "RangeError", message });
  }
  assert.throws(() => invocationCostUsd(pricing("paper"), -1, 1024), { name: "RangeError" });
});

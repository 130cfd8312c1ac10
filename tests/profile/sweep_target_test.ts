import assert from "node:assert/strict";
import { runSweep, sweepSamples } from "../../lib/profile/profile_sweep.ts";
import { publishedProfile } from "../../lib/profile/service_profile.ts";
import { openSweepTarget } from "../../lib/profile/sweep_target.ts";

Deno.test("openSweepTarget() runs a handler module in-process: a cold start per memory, Durations measured", async () => {
  const target = openSweepTarget({
    functionName: "linear",
    functionCode: "tests/testdata/handlers/linear_time.mjs",
  });
  try {
    assert.equal(target.inProcess, true);
    assert.equal(target.description, "the in-process local Lambda");
    const result = await runSweep({
      functionName: "linear",
      memoriesMb: [1024, 2048],
      batches: [1, 2],
      repeat: 1,
      invoke: target.invoke,
      updateMemory: target.updateMemory,
    });
    const { warm, coldStarts, failed } = sweepSamples(result.records);
    assert.equal(failed, 0);
    assert.deepEqual(coldStarts.map((c) => c.memoryMb), [1024, 2048]);
    // linear_time.mjs is busy for 100 + 10 k ms; the local Lambda adds its overhead.
    for (const s of warm) {
      const want = 0.1 + 0.01 * s.batch;
      assert.ok(s.durationSec >= want && s.durationSec < want + 0.05, `${s.durationSec} s`);
    }
  } finally {
    await target.close();
  }
});

Deno.test("openSweepTarget() refuses what cannot go together", () => {
  assert.throws(() => openSweepTarget({ functionName: "" }), {
    name: "TypeError",
    message: "Cannot open the sweep's target as 'functionName' must be a non-empty string: " +
      'current value is ""',
  });
  assert.throws(() => openSweepTarget({ functionName: "f", aws: true, endpoint: "http://x" }), {
    name: "TypeError",
    message: "Cannot open the sweep's target with both 'aws' and 'endpoint'",
  });
  assert.throws(() => openSweepTarget({ functionName: "f", aws: true, functionCode: "h.mjs" }), {
    name: "TypeError",
    message: "Cannot open the sweep's target as 'functionCode' is for the in-process local Lambda",
  });
  assert.throws(() => openSweepTarget({ functionName: "f" }), {
    name: "TypeError",
    message:
      "Cannot open the in-process local Lambda without a 'profile' to serve or a 'functionCode' to run",
  });
  const profile = publishedProfile("TF-resnetV2");
  for (
    const [patch, message] of [
      [{ timeScale: 0 }, "'timeScale' must be a finite number > 0: current value is 0"],
      [{ coldStartSec: -1 }, "'coldStartSec' must be a finite number >= 0: current value is -1"],
      [{ jitterCv: NaN }, "'jitterCv' must be a finite number >= 0: current value is NaN"],
      [{ seed: 1.5 }, "'seed' must be an integer: current value is 1.5"],
      [{ pollMs: 0 }, "'pollMs' must be a number > 0: current value is 0"],
    ] as const
  ) {
    assert.throws(() => openSweepTarget({ functionName: "f", profile, ...patch }), {
      name: "RangeError",
      message: `Cannot open the sweep's target as ${message}`,
    });
  }
});

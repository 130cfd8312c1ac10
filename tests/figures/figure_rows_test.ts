import assert from "node:assert/strict";
import { configurationRows, hourlyRateRows, serviceRows } from "../../lib/figures/figure_rows.ts";
import { poissonProcess } from "../../lib/map/map_process.ts";
import { pricing } from "../../lib/profile/pricing.ts";
import { publishedProfile, serviceTimeSec } from "../../lib/profile/service_profile.ts";

Deno.test("hourlyRateRows() gives each hour's mean rate (Poisson: its rate)", () => {
  const rows = hourlyRateRows("t", [
    { hour: 1, map: poissonProcess(3) },
    { hour: 2, map: poissonProcess(40) },
  ]);
  assert.deepEqual(rows.map((r) => [r.trace, r.hour]), [["t", 1], ["t", 2]]);
  assert.ok(Math.abs(rows[0].rate_per_sec - 3) < 1e-12);
  assert.ok(Math.abs(rows[1].rate_per_sec - 40) < 1e-12);
});

Deno.test("serviceRows(): throughput is B / S and cost per request is the invocation's over B", () => {
  const p = publishedProfile("TF-resnetV2");
  const rows = serviceRows(p, pricing("paper"), {
    memoriesMb: [1536, 3008],
    batchSizes: [1, 10],
    seriesBy: "memory",
  });
  assert.equal(rows.length, 4);
  for (const r of rows) {
    const s = serviceTimeSec(p, r.batch_size, r.memory_mb);
    assert.equal(r.service_sec, s);
    assert.ok(Math.abs(r.throughput_per_sec - r.batch_size / s) < 1e-12);
    // The paper's price: 0.0000166667 USD per GB-s (GB = 1024 MB) and 0.0000002 per invocation.
    const usd = (0.0000166667 * s * r.memory_mb / 1024 + 0.0000002) / r.batch_size;
    assert.ok(Math.abs(r.cost_per_request_usd - usd) < 1e-15);
    assert.equal(r.series, `${r.memory_mb} MB`);
  }
});

Deno.test("configurationRows(): Poisson, B = 1: latency percentile is S_1, feasibility follows the SLO", () => {
  // With B = 1 every request is served alone at once: latency = S_1 exactly.
  const p = publishedProfile("TF-resnetV2");
  const rows = configurationRows(poissonProcess(5), {
    memoriesMb: [1536, 3008],
    timeoutsSec: [0.1],
    maxBatches: [1],
  }, {
    profile: p,
    pricing: pricing("paper"),
    percentile: 0.95,
    slo: { constraint: "latency", value: 2 },
  });
  for (const r of rows) {
    const s1 = serviceTimeSec(p, 1, r.memory_mb);
    assert.ok(Math.abs(r.latency_sec - s1) < 1e-6, `${r.latency_sec} vs ${s1}`);
    assert.equal(r.feasible, s1 <= 2);
    assert.ok(
      Math.abs(r.cost_per_request_usd - (0.0000166667 * s1 * r.memory_mb / 1024 + 0.0000002)) <
        1e-15,
    );
  }
  assert.deepEqual(rows.map((r) => r.feasible), [
    serviceTimeSec(p, 1, 1536) <= 2,
    serviceTimeSec(p, 1, 3008) <= 2,
  ]);
});

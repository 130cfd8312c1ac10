import assert from "node:assert/strict";
import { replayArrivals } from "../../lib/arrivals/streams.ts";
import { columnsToDataFrame } from "../../lib/frames/polars_frames.ts";
import { pricing } from "../../lib/profile/pricing.ts";
import { profileFromJson } from "../../lib/profile/service_profile.ts";
import { ColumnSink } from "../../lib/sim/column_sink.ts";
import { simulateBuffer } from "../../lib/sim/simulator.ts";

Deno.test("columnsToDataFrame() turns a simulated run into DataFrames with the log columns", () => {
  const profile = profileFromJson({
    name: "linear",
    terms: ["1", "k"],
    coefficients: [0.1, 0.01],
    memoryRangeMb: [128, 10240],
    batchRange: [1, 64],
  });
  const sink = new ColumnSink();
  simulateBuffer(replayArrivals([0.1, 0.1, 0.1, 0.7, 0.2, 0.8]), {
    maxBatch: 3,
    timeoutSec: 0.5,
    memoryMb: 1024,
    profile,
    pricing: pricing("paper"),
    sink,
  });
  const requests = columnsToDataFrame(sink.requests());
  assert.deepEqual(requests.shape, { height: 6, width: 9 });
  assert.deepEqual(requests.columns, [
    "request_id",
    "arrival_sec",
    "dispatch_sec",
    "completion_sec",
    "latency_sec",
    "batch_id",
    "batch_size",
    "status",
    "error",
  ]);
  assert.deepEqual(requests.getColumn("batch_size").toArray(), [3, 3, 3, 2, 2, 1]);
  const batches = columnsToDataFrame(sink.batches());
  assert.equal(batches.height, 3);
  assert.deepEqual(batches.getColumn("dispatch_reason").toArray(), ["size", "timeout", "timeout"]);
  // Latency of the first batch's requests: completion 0.43 s minus arrivals 0.1, 0.2, 0.3
  // (hand-checked in simulator_test.ts).
  const lat = requests.getColumn("latency_sec").toArray() as number[];
  [0.33, 0.23, 0.13].forEach((x, i) => assert.ok(Math.abs(lat[i] - x) < 1e-12));
});

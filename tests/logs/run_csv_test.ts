import assert from "node:assert/strict";
import { join } from "node:path";
import { replayArrivals } from "../../lib/arrivals/streams.ts";
import { BATCH_COLUMNS, CsvRunLog, REQUEST_COLUMNS } from "../../lib/io/run_logs.ts";
import { parseBatchesCsv, parseRequestsCsv } from "../../lib/logs/run_csv.ts";
import { pricing } from "../../lib/profile/pricing.ts";
import { profileFromJson } from "../../lib/profile/service_profile.ts";
import { seededPrng } from "../../lib/random/prng.ts";
import { ColumnSink } from "../../lib/sim/column_sink.ts";
import { type BatchRecord, type RequestRecord, simulateBuffer } from "../../lib/sim/simulator.ts";

const REQUEST_HEADER = REQUEST_COLUMNS.join(",");
const BATCH_HEADER = BATCH_COLUMNS.join(",");

async function withTempDir(body: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "run_csv_test_" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("parseRequestsCsv() reads hand-written rows: empty numbers, quoted errors", () => {
  const csv = [
    REQUEST_HEADER,
    "0,0.1,0.30000000000000004,0.43,0.33,0,3,ok,",
    '1,1e-7,0.3,,,0,3,failed,"bad ""input"", then\nretry"',
    "",
  ].join("\n");
  const { records, skipped } = parseRequestsCsv(csv);
  assert.deepEqual(skipped, []);
  assert.deepEqual(records, [
    {
      requestId: 0,
      arrivalSec: 0.1,
      dispatchSec: 0.30000000000000004,
      completionSec: 0.43,
      latencySec: 0.33,
      batchId: 0,
      batchSize: 3,
      status: "ok",
      error: "",
    },
    {
      requestId: 1,
      arrivalSec: 1e-7,
      dispatchSec: 0.3,
      completionSec: NaN,
      latencySec: NaN,
      batchId: 0,
      batchSize: 3,
      status: "failed",
      error: 'bad "input", then\nretry',
    },
  ]);
});

Deno.test("parseRequestsCsv() skips malformed rows with their starting line and the reason", () => {
  const csv = [
    REQUEST_HEADER, // 1
    "0,0.1,0.3,0.4,0.3,0,1,ok,", // 2
    "1,0.1,0.3,0.4,0.3,0,1,ok", // 3: 8 fields
    '2,0.1,0.3,0.4,0.3,0,1,failed,"two\nlines"', // 4-5: fine
    "3,abc,0.3,0.4,0.3,0,1,ok,", // 6
    "4.5,0.1,0.3,0.4,0.3,0,1,ok,", // 7
    "5,0.1,0.3,0.4,0.3,0,1,done,", // 8
    '6,0.1,0.3,0.4,0.3,0,1,ok,"x"y', // 9
    '7,0.1,0.3,0.4,0.3,0,1,ok,"never closed', // 10
    "8,0.1,0.3,0.4,0.3,0,1,ok,",
  ].join("\r\n");
  const { records, skipped } = parseRequestsCsv(csv);
  assert.deepEqual(records.map((r) => r.requestId), [0, 2]);
  assert.deepEqual(skipped.map((s) => [s.line, s.reason]), [
    [3, "Expected 9 fields, found 8"],
    [6, 'Column arrival_sec: expected a number or an empty field, found "abc"'],
    [7, 'Column request_id: expected an integer, found "4.5"'],
    [8, 'Column status: expected one of ok, failed, abandoned, found "done"'],
    [9, 'Expected "," or a line end after a closing quote, found "y"'],
    [10, "Unterminated quoted field: the file ends inside quotes"],
  ]);
  assert.equal(skipped[0].text, "1,0.1,0.3,0.4,0.3,0,1,ok");
});

Deno.test("parseBatchesCsv() reports a wrong header as line 1, expected vs found", () => {
  const { records, skipped } = parseBatchesCsv(`${REQUEST_HEADER}\n0,0.1,0.3,0.4,0.3,0,1,ok,\n`);
  assert.deepEqual(records, []);
  assert.deepEqual(skipped, [{
    line: 1,
    text: REQUEST_HEADER,
    reason: `Wrong header: expected columns "${BATCH_HEADER}", found "${REQUEST_HEADER}"`,
  }]);
  assert.deepEqual(parseRequestsCsv("").skipped, [{
    line: 1,
    text: "",
    reason: `Wrong header: expected columns "${REQUEST_HEADER}", found an empty file`,
  }]);
});

Deno.test("parseBatchesCsv() skips an unknown dispatch_reason", () => {
  const row = "0,3,0.1,0.6,0.3,full,0.43,0.33,130,130,0,1024,,,0.0000023,ok,";
  const { records, skipped } = parseBatchesCsv(`${BATCH_HEADER}\n${row}\n`);
  assert.deepEqual(records, []);
  assert.deepEqual(skipped, [{
    line: 2,
    text: row,
    reason: 'Column dispatch_reason: expected one of size, timeout, shutdown, found "full"',
  }]);
});

// S_k = 0.1 + 0.01 k seconds at any memory.
const profile = profileFromJson({
  name: "linear",
  terms: ["1", "k"],
  coefficients: [0.1, 0.01],
  memoryRangeMb: [128, 10240],
  batchRange: [1, 64],
});

Deno.test("parseRequestsCsv() and parseBatchesCsv() read back what CsvRunLog wrote", async () => {
  await withTempDir(async (dir) => {
    const log = new CsvRunLog(join(dir, "run"));
    const columns = new ColumnSink();
    const requests: RequestRecord[] = [], batches: BatchRecord[] = [];
    // Gamma service times (seed 3) and cold starts give unrounded floats in every column;
    // the simulator leaves maxMemoryUsedMb NaN, written empty.
    simulateBuffer(replayArrivals([0.1, 0.1, 0.1, 0.7, 0.2, 0.8, 0.05, 0.05, 3, 0.3]), {
      maxBatch: 3,
      timeoutSec: 0.5,
      memoryMb: 1024,
      profile,
      pricing: pricing("aws-x86"),
      serviceCv: 0.5,
      prng: seededPrng(3),
      coldStart: { initSec: 0.25, keepAliveSec: 1 },
      sink: {
        request(r) {
          log.request(r);
          columns.request(r);
          requests.push({ ...r });
        },
        batch(b) {
          log.batch(b);
          columns.batch(b);
          batches.push({ ...b });
        },
      },
    });
    // A failed request whose error needs quoting, written straight to the log.
    const failed: RequestRecord = {
      ...requests[0],
      requestId: 10,
      completionSec: NaN,
      latencySec: NaN,
      status: "failed",
      error: 'Lambda said "no", twice\nthen gave up',
    };
    log.request(failed);
    log.close();

    const req = parseRequestsCsv(await Deno.readTextFile(join(dir, "run", "requests.csv")));
    const bat = parseBatchesCsv(await Deno.readTextFile(join(dir, "run", "batches.csv")));
    assert.deepEqual(req.skipped, []);
    assert.deepEqual(bat.skipped, []);
    assert.equal(req.records.length, 11);
    assert.deepEqual(req.records, [...requests, failed]);
    assert.deepEqual(bat.records, batches);
    assert.ok(bat.records.some((b) => b.initDurationMs > 0), "a cold start was simulated");

    // The same values, column by column, as the ColumnSink kept them.
    const reqCols = columns.requests();
    const reqNumeric = REQUEST_COLUMNS.slice(0, 7);
    const reqFields = [
      "requestId",
      "arrivalSec",
      "dispatchSec",
      "completionSec",
      "latencySec",
      "batchId",
      "batchSize",
    ] as const;
    reqNumeric.forEach((c, j) => {
      const parsed = Float64Array.from(req.records.slice(0, 10), (r) => r[reqFields[j]]);
      assert.deepEqual(parsed, reqCols[c], c);
    });
    assert.deepEqual(req.records.slice(0, 10).map((r) => r.status), reqCols.status);
    const batCols = columns.batches();
    assert.deepEqual(Float64Array.from(bat.records, (b) => b.durationMs), batCols.duration_ms);
    assert.deepEqual(Float64Array.from(bat.records, (b) => b.costUsd), batCols.cost_usd);
    assert.deepEqual(
      Float64Array.from(bat.records, (b) => b.maxMemoryUsedMb),
      batCols.max_memory_used_mb,
    );
    assert.deepEqual(bat.records.map((b) => b.dispatchReason), batCols.dispatch_reason);
  });
});

import assert from "node:assert/strict";
import { join } from "node:path";
import { replayArrivals } from "../../lib/arrivals/streams.ts";
import type { DataFrame } from "../../lib/frames/polars_frames.ts";
import {
  batchesFrame,
  batchesFrameFromColumns,
  bufferPyBatchesFrame,
  bufferPyLambdaReportsFrame,
  bufferPyRequestsFrame,
  lambdaReportsFrame,
  readRunFrames,
  requestsFrame,
  requestsFrameFromColumns,
} from "../../lib/frames/run_frames.ts";
import { BATCH_COLUMNS, CsvRunLog, REQUEST_COLUMNS, writeRunJson } from "../../lib/io/run_logs.ts";
import { parseBatchesCsv, parseRequestsCsv } from "../../lib/logs/run_csv.ts";
import { pricing } from "../../lib/profile/pricing.ts";
import { profileFromJson } from "../../lib/profile/service_profile.ts";
import { type Prng, seededPrng } from "../../lib/random/prng.ts";
import { ColumnSink } from "../../lib/sim/column_sink.ts";
import { type BatchRecord, type RequestRecord, simulateBuffer } from "../../lib/sim/simulator.ts";

const REQUEST_HEADER = REQUEST_COLUMNS.join(",");
const BATCH_HEADER = BATCH_COLUMNS.join(",");

const REQUEST_SCHEMA = {
  request_id: "Int64",
  arrival_sec: "Float64",
  dispatch_sec: "Float64",
  completion_sec: "Float64",
  latency_sec: "Float64",
  batch_id: "Int64",
  batch_size: "Int32",
  status: "String",
  error: "String",
};

const BATCH_SCHEMA = {
  batch_id: "Int64",
  size: "Int32",
  first_arrival_sec: "Float64",
  deadline_sec: "Float64",
  dispatch_sec: "Float64",
  dispatch_reason: "String",
  completion_sec: "Float64",
  latency_sec: "Float64",
  duration_ms: "Float64",
  billed_duration_ms: "Float64",
  init_duration_ms: "Float64",
  memory_size_mb: "Float64",
  max_memory_used_mb: "Float64",
  client_wait_ms: "Float64",
  cost_usd: "Float64",
  status: "String",
  error: "String",
};

const REPORT_SCHEMA = {
  request_id: "String",
  duration_ms: "Float64",
  billed_duration_ms: "Float64",
  memory_size_mb: "Float64",
  max_memory_used_mb: "Float64",
  init_duration_ms: "Float64",
  time_sec: "Float64",
};

/** Column name to dtype name ("Int64", "String", ...). */
function schemaOf(frame: DataFrame): Record<string, string> {
  return Object.fromEntries(
    Object.entries(frame.schema).map(([name, dtype]) => [
      name,
      String(dtype).replace(/^DataType\((.*)\)$/, "$1"),
    ]),
  );
}

/** Frame rows, as plain objects. */
function rows(frame: DataFrame): Record<string, unknown>[] {
  return frame.toRecords() as Record<string, unknown>[];
}

const nullIfNaN = (x: number) => (Number.isNaN(x) ? null : x);

/** What a requests frame row must be for a parsed record: snake_case, NaN as null, -0 as 0 in integer columns. */
function requestRow(r: RequestRecord): Record<string, unknown> {
  return {
    request_id: r.requestId + 0,
    arrival_sec: nullIfNaN(r.arrivalSec),
    dispatch_sec: nullIfNaN(r.dispatchSec),
    completion_sec: nullIfNaN(r.completionSec),
    latency_sec: nullIfNaN(r.latencySec),
    batch_id: r.batchId + 0,
    batch_size: r.batchSize + 0,
    status: r.status,
    error: r.error,
  };
}

function batchRow(b: BatchRecord): Record<string, unknown> {
  return {
    batch_id: b.batchId + 0,
    size: b.size + 0,
    first_arrival_sec: nullIfNaN(b.firstArrivalSec),
    deadline_sec: nullIfNaN(b.deadlineSec),
    dispatch_sec: nullIfNaN(b.dispatchSec),
    dispatch_reason: b.dispatchReason,
    completion_sec: nullIfNaN(b.completionSec),
    latency_sec: nullIfNaN(b.latencySec),
    duration_ms: nullIfNaN(b.durationMs),
    billed_duration_ms: nullIfNaN(b.billedDurationMs),
    init_duration_ms: nullIfNaN(b.initDurationMs),
    memory_size_mb: nullIfNaN(b.memorySizeMb),
    max_memory_used_mb: nullIfNaN(b.maxMemoryUsedMb),
    client_wait_ms: nullIfNaN(b.clientWaitMs),
    cost_usd: nullIfNaN(b.costUsd),
    status: b.status,
    error: b.error,
  };
}

async function withTempDir(body: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "run_frames_test_" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

// S_k = 0.1 + 0.01 k seconds at any memory.
const profile = profileFromJson({
  name: "linear",
  terms: ["1", "k"],
  coefficients: [0.1, 0.01],
  memoryRangeMb: [128, 10240],
  batchRange: [1, 64],
});

Deno.test("readRunFrames() reads what CsvRunLog wrote, value for value as ColumnSink kept it", async () => {
  await withTempDir(async (dir) => {
    const log = new CsvRunLog(dir);
    const sink = new ColumnSink();
    // Gamma service times (seed 3) and cold starts give unrounded floats in every column;
    // the simulator leaves max_memory_used_mb NaN (written empty, read as null).
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
          sink.request(r);
        },
        batch(b) {
          log.batch(b);
          sink.batch(b);
        },
      },
    });
    log.close();
    writeRunJson(dir, { status: "done", seed: 3 });

    const run = await readRunFrames(dir);
    assert.deepEqual(run.run, { status: "done", seed: 3 });
    assert.deepEqual(run.skipped, { requests: [], batches: [] });
    assert.deepEqual(schemaOf(run.requests), REQUEST_SCHEMA);
    assert.deepEqual(schemaOf(run.batches), BATCH_SCHEMA);

    const req = sink.requests(), bat = sink.batches();
    assert.equal(run.requests.height, 10);
    for (const c of REQUEST_COLUMNS) {
      const expected = Array.from(
        req[c] as ArrayLike<number | string>,
        (x) => typeof x === "number" ? nullIfNaN(x) : x,
      );
      assert.deepEqual(run.requests.getColumn(c).toArray(), expected, c);
    }
    assert.equal(run.batches.height, bat.batch_id.length);
    for (const c of BATCH_COLUMNS) {
      const expected = Array.from(
        bat[c] as ArrayLike<number | string>,
        (x) => typeof x === "number" ? nullIfNaN(x) : x,
      );
      assert.deepEqual(run.batches.getColumn(c).toArray(), expected, c);
    }
    assert.equal(run.batches.getColumn("max_memory_used_mb").nullCount(), run.batches.height);
    assert.ok(
      (run.batches.getColumn("init_duration_ms").toArray() as number[]).some((x) => x > 0),
      "a cold start was simulated",
    );

    // The same frames from the columns in memory.
    assert.ok(requestsFrameFromColumns(req).frameEqual(run.requests, true));
    assert.ok(batchesFrameFromColumns(bat).frameEqual(run.batches, true));
  });
});

Deno.test("readRunFrames() without run.json gives run undefined; bad files throw", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "requests.csv"), `${REQUEST_HEADER}\n`);
    await Deno.writeTextFile(join(dir, "batches.csv"), `${BATCH_HEADER}\n`);
    const run = await readRunFrames(dir);
    assert.equal(run.run, undefined);
    assert.equal(run.requests.height, 0);
    assert.deepEqual(schemaOf(run.requests), REQUEST_SCHEMA);
    assert.deepEqual(schemaOf(run.batches), BATCH_SCHEMA);

    await Deno.writeTextFile(join(dir, "run.json"), "{ not json");
    await assert.rejects(readRunFrames(dir), (e: Error) => {
      assert.ok(e instanceof SyntaxError);
      assert.match(e.message, /^Cannot read .*run\.json: /);
      return true;
    });
    await Deno.writeTextFile(join(dir, "run.json"), "[1, 2]");
    await assert.rejects(readRunFrames(dir), {
      name: "SyntaxError",
      message: `Cannot read ${dir}/run.json: expected a JSON object, found [1, 2]`,
    });
    await Deno.remove(join(dir, "requests.csv"));
    await assert.rejects(readRunFrames(dir), Deno.errors.NotFound);
  });
});

Deno.test("requestsFrame() skips malformed rows with the lines and reasons parseRequestsCsv() gives", () => {
  const csv = [
    REQUEST_HEADER, // 1
    "0,0.1,0.3,0.4,0.3,0,1,ok,", // 2
    "1,0.1,0.3,0.4,0.3,0,1,ok", // 3: 8 fields
    '2,0.1,0.3,,,0,1,failed,"two\nlines"', // 4-5: fine
    "3,abc,0.3,0.4,0.3,0,1,ok,", // 6
    "4.5,0.1,0.3,0.4,0.3,0,1,ok,", // 7
    "5,0.1,0.3,0.4,0.3,0,1,done,", // 8
    '6,0.1,0.3,0.4,0.3,0,1,ok,"x"y', // 9
    '7,0.1,0.3,0.4,0.3,0,1,ok,"never closed', // 10
    "8,0.1,0.3,0.4,0.3,0,1,ok,",
  ].join("\r\n");
  const { frame, skipped } = requestsFrame(csv);
  // Lines and reasons as tests/logs/run_csv_test.ts checks them by hand.
  assert.deepEqual(skipped.map((s) => [s.line, s.reason]), [
    [3, "Expected 9 fields, found 8"],
    [6, 'Column arrival_sec: expected a number or an empty field, found "abc"'],
    [7, 'Column request_id: expected an integer, found "4.5"'],
    [8, 'Column status: expected one of ok, failed, abandoned, found "done"'],
    [9, 'Expected "," or a line end after a closing quote, found "y"'],
    [10, "Unterminated quoted field: the file ends inside quotes"],
  ]);
  assert.deepEqual(skipped, parseRequestsCsv(csv).skipped);
  assert.deepEqual(rows(frame), [
    {
      request_id: 0,
      arrival_sec: 0.1,
      dispatch_sec: 0.3,
      completion_sec: 0.4,
      latency_sec: 0.3,
      batch_id: 0,
      batch_size: 1,
      status: "ok",
      error: "",
    },
    {
      request_id: 2,
      arrival_sec: 0.1,
      dispatch_sec: 0.3,
      completion_sec: null,
      latency_sec: null,
      batch_id: 0,
      batch_size: 1,
      status: "failed",
      error: "two\nlines",
    },
  ]);
});

Deno.test("requestsFrame() and batchesFrame() give an empty frame with the schema for a wrong header", () => {
  const requests = requestsFrame(`${BATCH_HEADER}\n0,3\n`);
  assert.equal(requests.frame.height, 0);
  assert.deepEqual(schemaOf(requests.frame), REQUEST_SCHEMA);
  assert.deepEqual(requests.skipped, [{
    line: 1,
    text: BATCH_HEADER,
    reason: `Wrong header: expected columns "${REQUEST_HEADER}", found "${BATCH_HEADER}"`,
  }]);
  const batches = batchesFrame("");
  assert.equal(batches.frame.height, 0);
  assert.deepEqual(schemaOf(batches.frame), BATCH_SCHEMA);
  assert.deepEqual(batches.skipped, parseBatchesCsv("").skipped);
  // A header the fast path does not take (after a blank line, with a BOM) still reads.
  const row = "0,0.1,0.3,0.4,0.3,0,1,ok,";
  const late = requestsFrame(`\uFEFF\n${REQUEST_HEADER}\n${row}\n`);
  assert.deepEqual(late.skipped, []);
  assert.deepEqual(
    rows(late.frame),
    parseRequestsCsv(`\n${REQUEST_HEADER}\n${row}`).records.map(
      requestRow,
    ),
  );
});

/** A random field that the CSV parsers may or may not take. */
function oddField(prng: Prng): string {
  const odd = [
    "",
    " 1",
    "1 ",
    "0x10",
    "0b1",
    "0o7",
    "Infinity",
    "-Infinity",
    "1e5",
    "1E-3",
    ".5",
    "5.",
    ".",
    "+3",
    "-0",
    "1e",
    "1e+",
    "e5",
    "00012",
    "1.5e3",
    "2147483647",
    "1_000",
    "--1",
    "abc",
    '"quoted, with comma"',
    '"multi\nline"',
    '"bad"quote',
    '"',
    "ok",
    "failed",
    "size",
    "timeout",
    "shutdown",
    "done",
    "a\rb",
  ];
  return odd[Math.floor(prng.nextFloat() * odd.length)];
}

/** Seeded CSV text: good rows with some fields replaced, dropped or doubled, blank lines. */
function mutatedCsv(prng: Prng, header: string, good: (i: number) => string[], n: number) {
  const u = prng.nextFloat();
  // Now and then a header in another form the parsers take: after a blank line, or quoted.
  const lines = [u < 0.1 ? `\n${header}` : u < 0.2 ? `"${header.replace(",", '",')}` : header];
  for (let i = 0; i < n; i++) {
    const fields = good(i);
    const u = prng.nextFloat();
    if (u < 0.3) fields[Math.floor(prng.nextFloat() * fields.length)] = oddField(prng);
    else if (u < 0.34) fields.pop();
    else if (u < 0.38) fields.push("extra");
    else if (u < 0.4) lines.push("");
    lines.push(fields.join(","));
  }
  return lines.join(prng.nextFloat() < 0.5 ? "\n" : "\r\n") + (prng.nextFloat() < 0.5 ? "\n" : "");
}

Deno.test("requestsFrame() equals parseRequestsCsv() on 40 seeded files of mutated rows", () => {
  // The fast path reads plain rows itself: checked here against the parser on rows with
  // every kind of odd field (hex, white space, Infinity, quotes, bare CR), seed 11.
  const prng = seededPrng(11);
  for (let file = 0; file < 40; file++) {
    const text = mutatedCsv(prng, REQUEST_HEADER, (i) => [
      String(i),
      String(i * 0.1 + prng.nextFloat()),
      String(i * 0.1 + 0.5),
      String(i * 0.1 + 0.75),
      String(0.25 + prng.nextFloat()),
      String(i >> 2),
      "4",
      prng.nextFloat() < 0.9 ? "ok" : "failed",
      prng.nextFloat() < 0.9 ? "" : `error ${i}`,
    ], 200);
    const expected = parseRequestsCsv(text);
    const { frame, skipped } = requestsFrame(text);
    assert.deepEqual(skipped, expected.skipped, `file ${file}`);
    assert.deepEqual(rows(frame), expected.records.map(requestRow), `file ${file}`);
  }
});

Deno.test("batchesFrame() equals parseBatchesCsv() on 40 seeded files of mutated rows", () => {
  const prng = seededPrng(12);
  const reasons = ["size", "timeout", "shutdown"];
  for (let file = 0; file < 40; file++) {
    const text = mutatedCsv(prng, BATCH_HEADER, (i) => [
      String(i),
      String(1 + (i % 5)),
      String(i * 0.5),
      String(i * 0.5 + 0.1),
      String(i * 0.5 + 0.05),
      reasons[i % 3],
      String(i * 0.5 + 0.2),
      String(0.2),
      String(100 + prng.nextFloat()),
      String(101),
      i % 7 === 0 ? "250.5" : "0",
      "1024",
      prng.nextFloat() < 0.5 ? "" : "300",
      String(1.7e-6 + prng.nextFloat() * 1e-7),
      prng.nextFloat() < 0.9 ? "ok" : "failed",
      "",
    ], 200);
    const expected = parseBatchesCsv(text);
    const { frame, skipped } = batchesFrame(text);
    assert.deepEqual(skipped, expected.skipped, `file ${file}`);
    assert.deepEqual(rows(frame), expected.records.map(batchRow), `file ${file}`);
  }
});

Deno.test("requestsFrame() and batchesFrame() skip ids and sizes their integer columns cannot hold", () => {
  const csv = [
    REQUEST_HEADER,
    "9007199254740991,0.1,0.3,0.4,0.3,0,1,ok,", // 2: the largest exact id
    "12345678901234567890,0.1,0.3,0.4,0.3,0,1,ok,", // 3
    '1,0.1,0.3,0.4,0.3,9007199254740993,1,ok,"quoted"', // 4: read by the parser first
    "2,0.1,0.3,0.4,0.3,0,4294967296,ok,", // 5
  ].join("\n");
  const { frame, skipped } = requestsFrame(csv);
  assert.deepEqual(frame.getColumn("request_id").toArray(), [9007199254740991]);
  assert.deepEqual(skipped, [
    {
      line: 3,
      text: "12345678901234567890,0.1,0.3,0.4,0.3,0,1,ok,",
      reason: "Column request_id: expected an integer within ±9007199254740991 " +
        "(exact as a JavaScript number), found 12345678901234567000",
    },
    {
      line: 4,
      text: '1,0.1,0.3,0.4,0.3,9007199254740993,1,ok,"quoted"',
      reason: "Column batch_id: expected an integer within ±9007199254740991 " +
        "(exact as a JavaScript number), found 9007199254740992",
    },
    {
      line: 5,
      text: "2,0.1,0.3,0.4,0.3,0,4294967296,ok,",
      reason: "Column batch_size: expected an integer within the Int32 range, found 4294967296",
    },
  ]);
  const row = "0,3000000000,0.1,0.6,0.3,size,0.43,0.33,130,130,0,1024,,,0.0000023,ok,";
  assert.deepEqual(batchesFrame(`${BATCH_HEADER}\n${row}\n`).skipped, [{
    line: 2,
    text: row,
    reason: "Column size: expected an integer within the Int32 range, found 3000000000",
  }]);
});

Deno.test("requestsFrameFromColumns() and batchesFrameFromColumns() reject bad columns", () => {
  const sink = new ColumnSink();
  simulateBuffer(replayArrivals([0.1, 0.2]), {
    maxBatch: 2,
    timeoutSec: 0.5,
    memoryMb: 1024,
    profile,
    pricing: pricing("paper"),
    sink,
  });
  const columns = sink.requests();
  assert.throws(
    () => requestsFrameFromColumns({ ...columns, error: undefined } as never),
    {
      name: "TypeError",
      message: "Cannot build the requests frame as column 'error' is missing: found columns " +
        "request_id, arrival_sec, dispatch_sec, completion_sec, latency_sec, batch_id, " +
        "batch_size, status, error",
    },
  );
  assert.throws(
    () => requestsFrameFromColumns({ ...columns, latency_sec: new Float64Array(3) }),
    {
      name: "TypeError",
      message: "Cannot build the requests frame as column 'latency_sec' has 3 values: " +
        "expected 2, as the columns before it",
    },
  );
  assert.throws(
    () => requestsFrameFromColumns({ ...columns, status: ["ok", "done"] }),
    {
      name: "TypeError",
      message:
        "Cannot build the requests frame as column 'status' must hold one of ok, failed, abandoned: found \"done\" at row 1",
    },
  );
  assert.throws(
    () => requestsFrameFromColumns({ ...columns, batch_size: Float64Array.of(2, 1.5) }),
    {
      name: "RangeError",
      message: "Cannot build the requests frame as column 'batch_size' must hold integers: " +
        "found 1.5 at row 1",
    },
  );
  assert.throws(
    () => requestsFrameFromColumns({ ...columns, request_id: Float64Array.of(0, 2 ** 53) }),
    {
      name: "RangeError",
      message: "Cannot build the requests frame as column 'request_id' must hold integers " +
        "within ±(2^53 - 1): found 9007199254740992 at row 1",
    },
  );
  assert.throws(
    () => batchesFrameFromColumns({ ...sink.batches(), dispatch_reason: ["full"] }),
    {
      name: "TypeError",
      message: "Cannot build the batches frame as column 'dispatch_reason' must hold one of " +
        'size, timeout, shutdown: found "full" at row 0',
    },
  );
});

Deno.test("lambdaReportsFrame() reads text and JSON REPORTs, init null when warm, skips bad ones", () => {
  const time = "2024-05-01T12:00:00.250Z";
  const json = JSON.stringify({
    time,
    type: "platform.report",
    record: {
      requestId: "j1",
      metrics: { durationMs: 50.5, billedDurationMs: 51, memorySizeMB: 1024, maxMemoryUsedMB: 90 },
    },
  });
  const log = [
    "START RequestId: a Version: $LATEST", // 1
    "predicting 5 images", // 2
    "END RequestId: a", // 3
    "REPORT RequestId: a\tDuration: 102.25 ms\tBilled Duration: 103 ms\t" + // 4
    "Memory Size: 3008 MB\tMax Memory Used: 512 MB\tInit Duration: 250.12 ms",
    "REPORT RequestId: b\tDuration: x ms", // 5: malformed
    json, // 6
    "REPORT RequestId: c Duration: 99.50 ms Billed Duration: 100 ms " + // 7
    "Memory Size: 3008 MB Max Memory Used: 515 MB",
  ].join("\n");
  const { frame, skipped } = lambdaReportsFrame(log);
  assert.deepEqual(schemaOf(frame), REPORT_SCHEMA);
  assert.deepEqual(skipped.map((s) => s.line), [5]);
  assert.deepEqual(rows(frame), [
    {
      request_id: "a",
      duration_ms: 102.25,
      billed_duration_ms: 103,
      memory_size_mb: 3008,
      max_memory_used_mb: 512,
      init_duration_ms: 250.12,
      time_sec: null,
    },
    {
      request_id: "j1",
      duration_ms: 50.5,
      billed_duration_ms: 51,
      memory_size_mb: 1024,
      max_memory_used_mb: 90,
      init_duration_ms: null,
      // 2024-05-01T12:00:00.250Z in seconds since the epoch.
      time_sec: Date.UTC(2024, 4, 1, 12, 0, 0, 250) / 1000,
    },
    {
      request_id: "c",
      duration_ms: 99.5,
      billed_duration_ms: 100,
      memory_size_mb: 3008,
      max_memory_used_mb: 515,
      init_duration_ms: null,
      time_sec: null,
    },
  ]);
  const none = lambdaReportsFrame("hello\n");
  assert.equal(none.frame.height, 0);
  assert.deepEqual(schemaOf(none.frame), REPORT_SCHEMA);
});

Deno.test("bufferPy*Frame() read buffer.py's three logs, in seconds, with skipped lines", () => {
  // Lines as serverless.py of rickypinci/BATCH writes them; values made up, in ms.
  const batches = bufferPyBatchesFrame(
    "batch\t5\tlatency\t3934.34\nbatch\t5\nbatch\t1\tlatency\t1734\n",
  );
  assert.deepEqual(schemaOf(batches.frame), { size: "Int32", latency_sec: "Float64" });
  assert.deepEqual(rows(batches.frame), [
    { size: 5, latency_sec: 3934.34 / 1000 },
    { size: 1, latency_sec: 1.734 },
  ]);
  assert.deepEqual(batches.skipped.map((s) => s.line), [2]);

  const requests = bufferPyRequestsFrame(
    "Request_latency\t1834.26\tbatch_size\t1\t\ttimestamp\t160000000010\n" +
      "Request_latency\t2000\tbatch_size\t2\n" +
      "Request_latency\tslow\tbatch_size\t2\n",
  );
  assert.deepEqual(schemaOf(requests.frame), {
    latency_sec: "Float64",
    batch_size: "Int32",
    timestamp_raw: "Float64",
  });
  assert.deepEqual(rows(requests.frame), [
    { latency_sec: 1834.26 / 1000, batch_size: 1, timestamp_raw: 160000000010 },
    { latency_sec: 2, batch_size: 2, timestamp_raw: null },
  ]);
  assert.deepEqual(requests.skipped.map((s) => s.line), [3]);

  // A Python 3 bytes repr per invocation; the second has a broken REPORT.
  const lambda = bufferPyLambdaReportsFrame(
    "b'START RequestId: r1 Version: $LATEST\\nEND RequestId: r1\\nREPORT RequestId: r1\\t" +
      "Duration: 10.5 ms\\tBilled Duration: 11 ms\\tMemory Size: 2048 MB\\t" +
      "Max Memory Used: 300 MB\\n'\n" +
      "b'REPORT RequestId: r2\\tDuration: 1 ms\\n'\n",
  );
  assert.deepEqual(schemaOf(lambda.frame), REPORT_SCHEMA);
  assert.deepEqual(rows(lambda.frame), [{
    request_id: "r1",
    duration_ms: 10.5,
    billed_duration_ms: 11,
    memory_size_mb: 2048,
    max_memory_used_mb: 300,
    init_duration_ms: null,
    time_sec: null,
  }]);
  assert.deepEqual(lambda.skipped.map((s) => s.line), [2]);
});

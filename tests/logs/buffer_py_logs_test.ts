import assert from "node:assert/strict";
import {
  parseBufferPyBatchLog,
  parseBufferPyLambdaLog,
  parseBufferPyLogFileName,
  parseBufferPyRequestLog,
} from "../../lib/logs/buffer_py_logs.ts";

// Lines as serverless.py of rickypinci/BATCH writes them ("batch\t{}\tlatency\t{}\n" and
// "Request_latency\t{}\tbatch_size\t{}\t\ttimestamp\t{}\n"); values made up, in ms.

Deno.test("parseBufferPyBatchLog() reads batch lines and converts the latency from ms to s", () => {
  const text = "batch\t5\tlatency\t3934.34\nbatch\t1\tlatency\t1734.0\n" +
    "batch\t2\tlatency\t10.5\tmax_req\t3\tcontent\t12,24\ttime\t55.5\n";
  const { records, skipped } = parseBufferPyBatchLog(text);
  assert.deepEqual(skipped, []);
  assert.deepEqual(records, [
    { batchSize: 5, latencySec: 3934.34 / 1000 },
    { batchSize: 1, latencySec: 1.734 },
    { batchSize: 2, latencySec: 0.0105 },
  ]);
});

Deno.test("parseBufferPyBatchLog() skips malformed lines with their numbers and reasons", () => {
  const text = [
    "batch\t5\tlatency\t3934.34", // 1
    "batch\t5", // 2
    "batch\t0\tlatency\t1", // 3
    "batch\t5\tlatency\tnan", // 4
    "Request_latency\t1\tbatch_size\t1", // 5
    "batch\t5\tlatency", // 6
  ].join("\n");
  const { records, skipped } = parseBufferPyBatchLog(text);
  assert.equal(records.length, 1);
  assert.deepEqual(skipped.map((s) => [s.line, s.reason]), [
    [2, 'Expected a "latency" field, found none'],
    [3, 'Field batch: expected an integer >= 1, found "0"'],
    [4, 'Field latency: expected a number >= 0, found "nan"'],
    [5, 'Expected a line starting with "batch" and a tab'],
    [6, "Expected tab-separated key/value pairs, found an odd number of fields"],
  ]);
  assert.equal(skipped[0].text, "batch\t5");
});

Deno.test("parseBufferPyRequestLog() reads lines with the empty field before timestamp", () => {
  const text = "Request_latency\t1834.26\tbatch_size\t2\t\ttimestamp\t160000000110\r\n" +
    "Request_latency\t1734.26\tbatch_size\t2\t\ttimestamp\t160000000010\r\n" +
    "Request_latency\t1.5e3\tbatch_size\t1\n" +
    "Request_latency\t-1\tbatch_size\t1\n";
  const { records, skipped } = parseBufferPyRequestLog(text);
  assert.deepEqual(records, [
    { latencySec: 1834.26 / 1000, batchSize: 2, timestampRaw: 160000000110 },
    { latencySec: 1734.26 / 1000, batchSize: 2, timestampRaw: 160000000010 },
    { latencySec: 1.5, batchSize: 1, timestampRaw: undefined },
  ]);
  assert.deepEqual(skipped, [{
    line: 4,
    text: "Request_latency\t-1\tbatch_size\t1",
    reason: 'Field Request_latency: expected a number >= 0, found "-1"',
  }]);
});

const PY2_TAIL = [
  "START RequestId: r1 Version: $LATEST",
  "loading model",
  "END RequestId: r1",
  "REPORT RequestId: r1\tDuration: 1734.26 ms\tBilled Duration: 1800 ms\t" +
  "Memory Size: 3008 MB\tMax Memory Used: 400 MB\tInit Duration: 250.12 ms\t",
  "",
].join("\n");

Deno.test("parseBufferPyLambdaLog() reads Python 2 text and Python 3 bytes reprs alike", () => {
  const py3 = "b'" + PY2_TAIL.replaceAll("\n", "\\n").replaceAll("\t", "\\t") + "'";
  const expected = [
    { kind: "start", requestId: "r1", version: "$LATEST" },
    { kind: "end", requestId: "r1" },
    {
      kind: "report",
      requestId: "r1",
      durationMs: 1734.26,
      billedDurationMs: 1800,
      memorySizeMb: 3008,
      maxMemoryUsedMb: 400,
      initDurationMs: 250.12,
    },
  ];
  assert.deepEqual(parseBufferPyLambdaLog(PY2_TAIL + "\n"), { records: expected, skipped: [] });
  assert.deepEqual(parseBufferPyLambdaLog(py3 + "\n"), { records: expected, skipped: [] });
});

Deno.test("parseBufferPyLambdaLog() unescapes quotes and UTF-8 bytes, skips a bad REPORT", () => {
  // Python 3 writes a repr in double quotes when the bytes hold a single quote.
  const file = [
    'b"it\'s \\xe2\\x9c\\x93\\nEND RequestId: r1\\n"',
    "b'ration: 1 ms\\nREPORT RequestId: r2\\tDuration: 5 ms\\tBilled Duration: x ms\\n'",
  ].join("\n");
  const { records, skipped } = parseBufferPyLambdaLog(file);
  assert.deepEqual(records, [{ kind: "end", requestId: "r1" }]);
  assert.deepEqual(skipped, [{
    line: 2,
    text: "REPORT RequestId: r2\tDuration: 5 ms\tBilled Duration: x ms",
    reason:
      'REPORT line has a bad Billed Duration: expected "Billed Duration: <number >= 0> ms", ' +
      'found "Billed Duration: x ms"',
  }]);
});

Deno.test("parseBufferPyLogFileName() reads the three names, undefined for others", () => {
  assert.deepEqual(
    parseBufferPyLogFileName(
      "logs/Latency_per_request_batch_20_inter_arrival_20.0_time_out0.1_.log",
    ),
    { kind: "requests", maxBatch: 20, ratePerSec: 20, timeoutSec: 0.1 },
  );
  assert.deepEqual(
    parseBufferPyLogFileName("Lambda_logs_batch_1_inter_arrival_50_time_out1.0_.log"),
    { kind: "lambda", maxBatch: 1, ratePerSec: 50, timeoutSec: 1 },
  );
  assert.equal(parseBufferPyLogFileName("requests.csv"), undefined);
  assert.equal(
    parseBufferPyLogFileName("Latency_perbatch_batch_5_inter_arrival_x_time_out1.0_.log"),
    undefined,
  );
});

import assert from "node:assert/strict";
import {
  formatReportLine,
  inspectLambdaLogLine,
  type LambdaReportRecord,
  parseLambdaLog,
  parseLambdaLogLine,
} from "../../lib/logs/lambda_log_lines.ts";
import { seededPrng } from "../../lib/random/prng.ts";

const ID = "3f1c2b9e-8d4a-4f6b-9c1e-2a7d5e0b4c13";
const COLD = `REPORT RequestId: ${ID}\tDuration: 102.25 ms\tBilled Duration: 103 ms\t` +
  "Memory Size: 3008 MB\tMax Memory Used: 512 MB\tInit Duration: 250.12 ms";

Deno.test("parseLambdaLogLine() reads START, END and a cold REPORT line, hand-checked", () => {
  assert.deepEqual(parseLambdaLogLine(`START RequestId: ${ID} Version: $LATEST`), {
    kind: "start",
    requestId: ID,
    version: "$LATEST",
  });
  assert.deepEqual(parseLambdaLogLine(`END RequestId: ${ID}`), { kind: "end", requestId: ID });
  assert.deepEqual(parseLambdaLogLine(COLD), {
    kind: "report",
    requestId: ID,
    durationMs: 102.25,
    billedDurationMs: 103,
    memorySizeMb: 3008,
    maxMemoryUsedMb: 512,
    initDurationMs: 250.12,
  });
});

Deno.test("parseLambdaLogLine() reads a warm REPORT with spaces for tabs, trailing tab", () => {
  const expected = {
    kind: "report",
    requestId: "r1",
    durationMs: 3.5,
    billedDurationMs: 4,
    memorySizeMb: 128,
    maxMemoryUsedMb: 40,
    initDurationMs: undefined,
  };
  const runs = "REPORT RequestId: r1    Duration: 3.50 ms   Billed Duration: 4 ms  " +
    "Memory Size: 128 MB  Max Memory Used: 40 MB\t\r";
  assert.deepEqual(parseLambdaLogLine(runs), expected);
  const single = "REPORT RequestId: r1 Duration: 3.50 ms Billed Duration: 4 ms " +
    "Memory Size: 128 MB Max Memory Used: 40 MB Status: timeout";
  assert.deepEqual(parseLambdaLogLine(single), expected);
});

Deno.test("parseLambdaLogLine() reads JSON platform.start, runtimeDone and report", () => {
  const time = "2024-05-01T12:00:00.000Z";
  const report = {
    time,
    type: "platform.report",
    record: {
      requestId: "r2",
      status: "success",
      metrics: {
        durationMs: 102.25,
        billedDurationMs: 103,
        memorySizeMB: 3008,
        maxMemoryUsedMB: 512,
        initDurationMs: 250.12,
      },
    },
  };
  assert.deepEqual(parseLambdaLogLine(JSON.stringify(report)), {
    kind: "report",
    requestId: "r2",
    durationMs: 102.25,
    billedDurationMs: 103,
    memorySizeMb: 3008,
    maxMemoryUsedMb: 512,
    initDurationMs: 250.12,
    time,
  });
  delete (report.record.metrics as { initDurationMs?: number }).initDurationMs;
  assert.equal(
    (parseLambdaLogLine(JSON.stringify(report)) as LambdaReportRecord).initDurationMs,
    undefined,
  );
  const start = { time, type: "platform.start", record: { requestId: "r2", version: "$LATEST" } };
  assert.deepEqual(parseLambdaLogLine(JSON.stringify(start)), {
    kind: "start",
    requestId: "r2",
    version: "$LATEST",
    time,
  });
  const done = {
    time,
    type: "platform.runtimeDone",
    record: { requestId: "r2", status: "success", metrics: { durationMs: 101 } },
  };
  assert.deepEqual(parseLambdaLogLine(JSON.stringify(done)), {
    kind: "end",
    requestId: "r2",
    time,
    status: "success",
  });
});

Deno.test("parseLambdaLogLine() is undefined for function output, other platform lines", () => {
  for (
    const line of [
      "",
      "loading model",
      "START of the handler",
      "INIT_START Runtime Version: python:3.12.v20",
      "XRAY TraceId: 1-5e1b4151-5ac6c58f5b2e0d6c\tSegmentId: 6b0f\tSampled: true",
      '{"level":"INFO","msg":"REPORT RequestId: r1"}',
      '{"time":"t","type":"platform.initStart","record":{}}',
    ]
  ) assert.equal(parseLambdaLogLine(line), undefined, line);
});

Deno.test("inspectLambdaLogLine() gives the reason for malformed platform lines", () => {
  const cases: [string, string][] = [
    ["START RequestId:", 'START line has no request id after "RequestId:"'],
    [
      "REPORT RequestId: r1\tBilled Duration: 3 ms\tMemory Size: 128 MB\tMax Memory Used: 1 MB",
      'REPORT line has no Duration: expected "Duration: <number> ms"',
    ],
    [
      "REPORT RequestId: r1\tDuration: abc ms\tBilled Duration: 3 ms",
      'REPORT line has a bad Duration: expected "Duration: <number >= 0> ms", ' +
      'found "Duration: abc ms"',
    ],
    [
      "REPORT RequestId: r1\tDuration: 1 ms\tBilled Duration: 3 ms\tMemory Size: 128 GB",
      'REPORT line has a bad Memory Size: expected "Memory Size: <number >= 0> MB", ' +
      'found "Memory Size: 128"',
    ],
    [
      '{"type":"platform.report","record":{"requestId":"r1","metrics":{"durationMs":"1"}}}',
      'platform.report event has a bad "metrics.durationMs": expected a number >= 0, found "1"',
    ],
    [
      '{"type":"platform.start","record":{}}',
      'platform.start event has no "record.requestId" string',
    ],
  ];
  for (const [line, reason] of cases) {
    assert.deepEqual(inspectLambdaLogLine(line), { reason }, line);
  }
  const truncated = inspectLambdaLogLine('{"type":"platform.report","record":{"requestId"');
  assert.ok(truncated && "reason" in truncated);
  assert.match(truncated.reason, /^Platform event is not valid JSON: /);
});

Deno.test("parseLambdaLog() returns records in order, skipped lines 1-based", () => {
  const log = [
    `START RequestId: ${ID} Version: $LATEST`,
    "[INFO] predicting 5 images",
    `END RequestId: ${ID}`,
    COLD,
    "",
    "REPORT RequestId: r9\tDuration: 1.00 ms",
    "START RequestId: r10 Version: 3",
  ].join("\r\n");
  const { records, skipped } = parseLambdaLog(log);
  assert.deepEqual(records.map((r) => [r.kind, r.requestId]), [
    ["start", ID],
    ["end", ID],
    ["report", ID],
    ["start", "r10"],
  ]);
  assert.deepEqual(skipped, [{
    line: 6,
    text: "REPORT RequestId: r9\tDuration: 1.00 ms",
    reason: 'REPORT line has no Billed Duration: expected "Billed Duration: <number> ms"',
  }]);
});

Deno.test("formatReportLine() writes the text format, Init Duration only when defined", () => {
  const record: LambdaReportRecord = {
    kind: "report",
    requestId: ID,
    durationMs: 102.25,
    billedDurationMs: 103,
    memorySizeMb: 3008,
    maxMemoryUsedMb: 512,
    initDurationMs: 250.12,
  };
  assert.equal(formatReportLine(record), COLD);
  assert.equal(
    formatReportLine({ ...record, durationMs: 7, initDurationMs: undefined }),
    `REPORT RequestId: ${ID}\tDuration: 7.00 ms\tBilled Duration: 103 ms\t` +
      "Memory Size: 3008 MB\tMax Memory Used: 512 MB",
  );
});

Deno.test("formatReportLine() then parseLambdaLogLine() round trips 1000 seeded reports", () => {
  const prng = seededPrng(7);
  for (let i = 0; i < 1000; i++) {
    const durationMs = Math.round(prng.nextFloat() * 1e6) / 100; // 2 decimals, as formatted
    const record: LambdaReportRecord = {
      kind: "report",
      requestId: `req-${i}`,
      durationMs,
      billedDurationMs: Math.ceil(durationMs),
      memorySizeMb: 128 + Math.floor(prng.nextFloat() * 10113),
      maxMemoryUsedMb: Math.floor(prng.nextFloat() * 128),
      initDurationMs: i % 3 === 0 ? Math.round(prng.nextFloat() * 1e5) / 100 : undefined,
    };
    const line = formatReportLine(record);
    assert.deepEqual(parseLambdaLogLine(line), record, line);
  }
});

Deno.test("formatReportLine() throws on a NaN metric or a request id with white space", () => {
  const record: LambdaReportRecord = {
    kind: "report",
    requestId: "r1",
    durationMs: 1,
    billedDurationMs: 1,
    memorySizeMb: 128,
    maxMemoryUsedMb: NaN,
    initDurationMs: undefined,
  };
  assert.throws(() => formatReportLine(record), {
    name: "RangeError",
    message: "Cannot format a REPORT line: expected maxMemoryUsedMb >= 0, found NaN",
  });
  assert.throws(() => formatReportLine({ ...record, maxMemoryUsedMb: 1, requestId: "a b" }), {
    name: "TypeError",
    message: 'Cannot format a REPORT line: expected a request id without white space, found "a b"',
  });
});

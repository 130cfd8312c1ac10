import assert from "node:assert/strict";
import type { SweepRecord } from "../../lib/profile/profile_sweep.ts";
import {
  parseSweepCsv,
  SWEEP_COLUMNS,
  sweepCsvHeader,
  sweepCsvLine,
} from "../../lib/profile/sweep_csv.ts";

const RECORD: SweepRecord = {
  startedMs: 1_700_000_000_123,
  functionName: "my-fn",
  memoryMb: 1536,
  batch: 16,
  phase: "measure",
  repeat: 7,
  status: "ok",
  durationMs: 1234.56,
  billedDurationMs: 1235,
  initDurationMs: NaN,
  memorySizeMb: 1536,
  maxMemoryUsedMb: 412,
  roundTripMs: 1290.25,
  requestId: "6f1c2c1e-8a3b-4b8e-9f51-0f3c3f0c1a22",
  error: "",
};

Deno.test("sweepCsvLine() and parseSweepCsv() round-trip records, a quoted error with a line end made one line", () => {
  const failed: SweepRecord = {
    ...RECORD,
    status: "failed",
    durationMs: NaN,
    error: 'FunctionError Unhandled: {"errorMessage":"a, b"}\nstack',
  };
  const text = [sweepCsvHeader(), sweepCsvLine(RECORD), sweepCsvLine(failed)].join("\n") + "\n";
  assert.equal(text.split("\n").length, 4);
  const { records, skipped } = parseSweepCsv(text);
  assert.deepEqual(skipped, []);
  assert.deepEqual(records[0], RECORD);
  assert.deepEqual(records[1], {
    ...failed,
    error: 'FunctionError Unhandled: {"errorMessage":"a, b"} stack',
  });
  assert.equal(sweepCsvHeader().split(",").length, SWEEP_COLUMNS.length);
});

Deno.test("parseSweepCsv() skips malformed rows with their line and reason, and everything under a wrong header", () => {
  const good = sweepCsvLine(RECORD);
  const rows = [
    sweepCsvHeader(),
    good,
    good.replace(",measure,", ",hot,"),
    good.replace(",ok,", ",maybe,"),
    good.replace(",1536,16,", ",1536,x,"),
    good.replace(",1536,16,", ",1536,0,"),
    good.split(",").slice(0, 5).join(","),
    good.replace(",1234.56,", ',"1234.56"x,'),
    good.replace(/,$/, ',"unterminated'),
  ];
  const { records, skipped } = parseSweepCsv(rows.join("\r\n"));
  assert.equal(records.length, 1);
  assert.deepEqual(skipped.map((s) => [s.line, s.reason]), [
    [3, 'Column phase: expected one of cold, warmup, measure, found "hot"'],
    [4, 'Column status: expected ok or failed, found "maybe"'],
    [5, 'Column batch_size: expected a number, found "x"'],
    [6, 'Column batch_size: expected an integer >= 1, found "0"'],
    [7, "Expected 15 fields, found 5"],
    [8, 'Expected "," after a closing quote, found "x"'],
    [9, "Unterminated quoted field"],
  ]);
  const wrong = parseSweepCsv("memory,batch\n1,2\n");
  assert.equal(wrong.records.length, 0);
  assert.equal(wrong.skipped.length, 1);
  assert.match(wrong.skipped[0].reason, /^Wrong header: expected columns "started_ms,/);
  assert.match(parseSweepCsv("").skipped[0].reason, /found an empty file$/);
});

import assert from "node:assert/strict";
import { runScript } from "./_run_script.ts";

const plan = (...args: string[]) => runScript("plan", ...args);

Deno.test("plan --format json prints the documented document (NYS hours 7-10, one memory)", async () => {
  const r = await plan(
    "--trace",
    "nys",
    "--model",
    "TF-resnetV2",
    "--start",
    "7",
    "--end",
    "10",
    "--single-memory",
    "--format",
    "json",
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
  const doc = JSON.parse(r.stdout);
  for (const key of ["hours", "dailyCostUsd", "status", "variables", "constraints", "elapsedSec"]) {
    assert.ok(key in doc, key);
  }
  assert.equal(doc.status, "optimal");
  assert.deepEqual(doc.hours.map((h: { hour: number }) => h.hour), [7, 8, 9, 10]);
  for (const h of doc.hours) {
    for (
      const key of [
        "hour",
        "memoryMb",
        "timeoutSec",
        "maxBatch",
        "latencySec",
        "costUsd",
        "expectedRequests",
      ]
    ) {
      assert.equal(typeof h[key], "number", key);
    }
    assert.ok(h.latencySec <= 5);
  }
  assert.equal(new Set(doc.hours.map((h: { memoryMb: number }) => h.memoryMb)).size, 1);
  const sum = doc.hours.reduce(
    (s: number, h: { costUsd: number; expectedRequests: number }) =>
      s + h.costUsd * h.expectedRequests,
    0,
  );
  assert.ok(Math.abs(doc.dailyCostUsd - sum) <= 1e-12 * sum);
  // One memory costs at least as much as the per-hour optima.
  assert.ok(doc.dailyCostUsd >= doc.perHourDailyCostUsd);
  assert.ok(doc.variables > 0 && doc.constraints > 0);
});

Deno.test("plan prints a table with units in the headers and the totals", async () => {
  const r = await plan("--start", "1", "--end", "2", "--max-memory-changes", "0");
  assert.equal(r.code, 0, r.stderr);
  for (
    const head of [
      "requests (req/h)",
      "memory (MB)",
      "timeout (s)",
      "p95 latency (s)",
      "cost (USD/req)",
    ]
  ) {
    assert.ok(r.stdout.includes(head), head);
  }
  assert.match(r.stdout, /Daily cost \(USD\): \d+\.\d{4}/);
  assert.match(r.stdout, /Model: \d+ variables, \d+ constraints, \d+ binaries/);
});

Deno.test("plan exits 1 and says why when the budget cannot be met", async () => {
  const r = await plan("--start", "1", "--end", "2", "--daily-budget", "0.01", "--format", "json");
  assert.equal(r.code, 1, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.status, "infeasible");
  assert.deepEqual(doc.hours, []);
  assert.equal(doc.dailyCostUsd, null);
  assert.ok(doc.cheapestWithoutBudgetUsd > 0.01);
});

Deno.test("plan rejects bad flags with one line on stderr and exit code 2", async () => {
  const cases: [string[], RegExp][] = [
    [["--max-memory-changes=-1"], /--max-memory-changes must be an integer >= 0: found -1/],
    [["--max-memory-changes", "1.5"], /--max-memory-changes must be an integer >= 0/],
    [["--single-memory", "--max-memory-changes", "2"], /exclude each other/],
    [["--daily-budget", "0"], /--daily-budget must be > 0 USD: found 0/],
    [["--daily-budget", "lots"], /--daily-budget must be a number: found 'lots'/],
    [["--objective", "speed"], /--objective must be one of cost, latency: found 'speed'/],
    [["--latency-objective", "p99"], /--latency-objective must be one of worst, mean/],
    [["--constraint", "cost"], /--slo \(USD per request\) is required with --constraint cost/],
    [["--format", "csv"], /--format must be one of table, json: found 'csv'/],
    [["--no-such-flag"], /Unknown option '--no-such-flag'/],
    [["--trace", "/no/such/dir"], /does not exist/],
  ];
  for (const [args, pattern] of cases) {
    const r = await plan(...args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, pattern);
    assert.match(r.stderr, /^plan: /);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.equal(r.stdout, "");
  }
});

Deno.test("plan --help prints the usage and exits 0", async () => {
  const r = await plan("--help");
  assert.equal(r.code, 0);
  assert.match(r.stdout, /--single-memory/);
  assert.match(r.stdout, /--max-memory-changes K/);
});

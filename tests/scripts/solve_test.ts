import assert from "node:assert/strict";
import { runScript } from "./_run_script.ts";

const solve = (...args: string[]) => runScript("solve", ...args);

Deno.test("solve --format json prints the documented document (paper, NYS hour 8)", async () => {
  const r = await solve(
    "--method",
    "paper",
    "--trace",
    "nys",
    "--start",
    "8",
    "--end",
    "8",
    "--format",
    "json",
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
  const doc = JSON.parse(r.stdout);
  for (
    const key of [
      "trace",
      "model",
      "method",
      "pricing",
      "percentile",
      "constraint",
      "slo",
      "hours",
      "elapsedSec",
    ]
  ) {
    assert.ok(key in doc, key);
  }
  assert.equal(doc.hours.length, 1);
  const h = doc.hours[0];
  assert.equal(h.hour, 8);
  assert.equal(h.feasible, true);
  assert.equal(h.evaluated, 1372);
  // Expected optimum: ../shared/reference/README.md (solver.py, NYS hour 8).
  assert.deepEqual(Object.keys(h.optimal[0]).sort(), [
    "costUsd",
    "latencySec",
    "maxBatch",
    "memoryMb",
    "timeoutSec",
  ]);
  assert.equal(h.optimal[0].memoryMb, 1792);
  assert.equal(h.optimal[0].latencySec, 4.866943359375);
  assert.equal("all" in h, false);
});

Deno.test("solve --all lists every configuration memory-major, then timeout, then batch", async () => {
  const r = await solve(
    "--start",
    "2",
    "--end",
    "2",
    "--memory",
    "2048,3008",
    "--timeout",
    "0.05:0.1:0.05",
    "--batch",
    "4:5",
    "--format",
    "json",
    "--all",
  );
  assert.equal(r.code, 0, r.stderr);
  const h = JSON.parse(r.stdout).hours[0];
  assert.equal(h.all.length, 8);
  assert.deepEqual(
    h.all.map((
      c: { memoryMb: number; timeoutSec: number; maxBatch: number },
    ) => [c.memoryMb, c.timeoutSec, c.maxBatch]),
    [
      [2048, 0.05, 4],
      [2048, 0.05, 5],
      [2048, 0.1, 4],
      [2048, 0.1, 5],
      [3008, 0.05, 4],
      [3008, 0.05, 5],
      [3008, 0.1, 4],
      [3008, 0.1, 5],
    ],
  );
});

Deno.test("solve reports an infeasible hour and exits 1", async () => {
  const r = await solve("--start", "3", "--end", "3", "--slo", "0.5", "--format", "json");
  assert.equal(r.code, 1);
  const h = JSON.parse(r.stdout).hours[0];
  assert.equal(h.feasible, false);
  assert.deepEqual(h.optimal, []);
  assert.equal(h.compliant, 0);
});

Deno.test("solve rejects bad flags with one line and exit code 2", async () => {
  const cases: [string[], RegExp][] = [
    [["--bogus"], /Unknown option '--bogus'/],
    [["--percentile", "1.5"], /--percentile must be within \(0, 1\): found 1.5/],
    [["--method", "fast"], /--method must be one of exact, paper: found 'fast'/],
    [["--model", "nope"], /Cannot find model 'nope'/],
    [["--memory", "3008:1280:64"], /--memory '3008:1280:64': hi is below lo/],
    [["--constraint", "cost"], /--slo \(USD per request\) is required with --constraint cost/],
    [["--trace", "/nonexistent-dir"], /nonexistent-dir/],
    [["--start", "5", "--end", "2"], /--end \(2\) must not be before --start \(5\)/],
    [["--memory", "4096"], /Cannot evaluate profile 'TF-inceptionV4' at memory 4096 MB/],
  ];
  for (const [args, pattern] of cases) {
    const r = await solve(...args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, pattern);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.equal(r.stdout, "");
  }
});

Deno.test("solve --help lists every flag with its default", async () => {
  const r = await solve("--help");
  assert.equal(r.code, 0);
  for (
    const flag of [
      "--model",
      "--percentile",
      "--constraint",
      "--slo",
      "--trace",
      "--start",
      "--end",
      "--method",
      "--pricing",
      "--memory",
      "--timeout",
      "--batch",
      "--format",
      "--all",
      "--extrapolate",
    ]
  ) {
    assert.ok(r.stdout.includes(flag), flag);
  }
});

Deno.test("solve --format csv prints one row per optimal configuration", async () => {
  const r = await solve("--method", "paper", "--start", "1", "--end", "2", "--format", "csv");
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split("\n");
  assert.equal(
    lines[0],
    "hour,rate_per_sec,feasible,memory_mb,timeout_sec,max_batch,latency_sec,cost_usd,compliant,evaluated",
  );
  assert.match(lines[1], /^1,35\.\d+,true,2112,0\.06,20,4\.998779296875,/);
  assert.equal(lines.length, 3);
});

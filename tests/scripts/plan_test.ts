import assert from "node:assert/strict";
import { runScript } from "./_run_script.ts";
import { type BadCase, checkBadCases, withoutTimes } from "./_cli_table.ts";

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
  assert.match(
    r.stderr,
    /^plan: no plan meets the day constraints \(status infeasible\): the cheapest plan .* over --daily-budget 0\.01; exit code 1\n$/,
  );
});

/** Bad command lines of plan, by kind (issue 11's acceptance table). */
const PLAN_USAGE_CASES: BadCase[] = [
  { kind: "unknown flag", args: ["--no-such-flag"], message: /Unknown option '--no-such-flag'/ },
  { kind: "unknown flag", args: ["--budget", "3"], message: /Unknown option '--budget'/ },
  {
    kind: "missing value",
    args: ["--daily-budget"],
    message: /'--daily-budget <value>' argument missing/,
  },
  {
    kind: "not a number",
    args: ["--time_limit", "ten"],
    message: /--time_limit must be a number: found 'ten'/,
  },
  {
    kind: "not a number",
    args: ["--max_memory_changes", "0x2"],
    message: /--max_memory_changes must be a number: found '0x2'/,
  },
  {
    kind: "out of range",
    args: ["--max_memory_changes", "-1"],
    message: /--max_memory_changes must be an integer >= 0: found '-1'/,
  },
  {
    kind: "out of range",
    args: ["--time-limit", "0"],
    message: /--time-limit must be a number > 0 s/,
  },
  {
    kind: "out of range",
    args: ["--slo", "-1"],
    message: /--slo must be a number > 0 s: found '-1'/,
  },
  {
    kind: "out of range",
    args: ["--end", "25"],
    message: /--end must be an hour within 1\.\.24 \(hour h covers h-1\.\.h\): found '25'/,
  },
  {
    kind: "ignored combination",
    args: ["--latency-objective", "mean"],
    message:
      /--latency-objective needs --objective latency \(the objective is cost with a latency SLO unless told\)/,
  },
  {
    kind: "ignored combination",
    args: ["--latency_objective", "worst", "--objective", "cost"],
    message: /--latency_objective needs --objective latency \(the objective is cost\)/,
  },
  {
    kind: "ignored combination",
    args: ["--hour", "8", "--single-memory"],
    message: /--single-memory needs more than one hour: hour 8 alone has no memory change/,
  },
  {
    kind: "ignored combination",
    args: ["--extrapolate"],
    message: /--extrapolate does nothing here: the grid lies within/,
  },
  {
    kind: "conflicting flags",
    args: ["--single_memory", "--max-memory-changes", "1"],
    message: /--single_memory and --max-memory-changes exclude each other/,
  },
  {
    kind: "bad file",
    args: ["--model", "lib"],
    message: /--model lib is a directory/,
  },
];

Deno.test("plan answers every kind of bad command line with exit 2 and one line", async () => {
  const cases: BadCase[] = [
    ...PLAN_USAGE_CASES,
    {
      kind: "out of range",
      args: ["--workers", "65"],
      message: /--workers must be an integer within 1\.\.64: found '65'/,
    },
    {
      kind: "ignored combination",
      args: ["--keep-alive", "60"],
      message: /--keep-alive does nothing here: --model TF-inceptionV4 has no coldStart/,
    },
  ];
  assert.equal(await checkBadCases("plan", "plan", cases), 17);
});

Deno.test("plan --workers 2 plans the day one process plans", async () => {
  const args = [
    "--trace",
    "nys",
    "--start",
    "1",
    "--end",
    "4",
    "--model",
    "TF-resnetV2",
    "--format",
    "json",
  ];
  const one = await plan(...args, "--workers", "1");
  const two = await plan(...args, "--workers", "2");
  assert.equal(one.code, 0, one.stderr);
  assert.equal(two.code, 0, two.stderr);
  assert.equal(withoutTimes(two.stdout), withoutTimes(one.stdout));
});

Deno.test("plan takes every flag in kebab-case, snake_case and solver.py's grid names alike", async () => {
  const run = async (...args: string[]) => {
    const r = await plan("--start", "1", "--end", "3", ...args, "--format", "json");
    assert.equal(r.code, 0, r.stderr);
    return withoutTimes(r.stdout);
  };
  const kebab = await run(
    "--max-memory-changes",
    "0",
    "--daily-budget",
    "20",
    "--time-limit",
    "30",
    "--grid-batch",
    "10,20",
    "--objective",
    "latency",
    "--latency-objective",
    "mean",
  );
  assert.equal(
    await run(
      "--max_memory_changes",
      "0",
      "--daily_budget",
      "20",
      "--time_limit",
      "30",
      "--batch",
      "10,20",
      "--objective",
      "latency",
      "--latency_objective",
      "mean",
    ),
    kebab,
  );
  assert.equal(JSON.parse(kebab).latencyObjective, "mean");
});

Deno.test("plan --format csv prints one row per hour, numbered 1..24, as the table", async () => {
  const csv = await plan("--start", "1", "--end", "2", "--format", "csv");
  assert.equal(csv.code, 0, csv.stderr);
  const [head, ...rows] = csv.stdout.trim().split("\n");
  assert.equal(
    head,
    "hour,expected_requests,memory_mb,timeout_sec,max_batch,latency_sec,cost_usd,hour_cost_usd," +
      "slo_met",
  );
  assert.deepEqual(rows.map((r) => r.split(",")[0]), ["1", "2"]);
  const table = await plan("--start", "1", "--end", "2");
  const tableRows = table.stdout.split("\n").filter((l) => /^\s*\d+\s{2}/.test(l));
  assert.deepEqual(tableRows.map((l) => l.trim().split(/\s+/)[0]), ["1", "2"]);
});

Deno.test("plan says on stderr which hours no configuration serves when it exits 1", async () => {
  const r = await plan(
    "--trace",
    "nys",
    "--model",
    "TF-resnetV2",
    "--slo",
    "3",
    "--start",
    "7",
    "--end",
    "8",
    "--format",
    "csv",
  );
  assert.equal(r.code, 1, r.stderr);
  assert.equal(
    r.stderr,
    "plan: no configuration of the grid meets p95 latency <= 3 s in 2 of 2 hours (hours 7, 8): " +
      "planned with the least latency there and flagged; exit code 1\n",
  );
  assert.match(r.stdout, /^7,.*,false$/m);
});

Deno.test("plan rejects bad flags with one line on stderr and exit code 2", async () => {
  const cases: BadCase[] = [
    {
      kind: "out of range",
      args: ["--max-memory-changes=-1"],
      message: /--max-memory-changes must be an integer >= 0: found '-1'/,
    },
    {
      kind: "out of range",
      what: "not an integer",
      args: ["--max-memory-changes", "1.5"],
      message: /--max-memory-changes must be an integer >= 0/,
    },
    {
      kind: "conflicting flags",
      args: ["--single-memory", "--max-memory-changes", "2"],
      message: /exclude each other/,
    },
    {
      kind: "out of range",
      args: ["--daily-budget", "0"],
      message: /--daily-budget must be a number > 0 USD: found '0'/,
    },
    {
      kind: "not a number",
      args: ["--daily-budget", "lots"],
      message: /--daily-budget must be a number: found 'lots'/,
    },
    {
      kind: "bad value",
      args: ["--objective", "speed"],
      message: /--objective must be one of cost, latency: found 'speed'/,
    },
    {
      kind: "bad value",
      args: ["--latency-objective", "p99"],
      message: /--latency-objective must be one of worst, mean/,
    },
    {
      kind: "required flag",
      args: ["--constraint", "cost"],
      message: /--slo \(USD per request\) is required with --constraint cost/,
    },
    {
      kind: "bad value",
      args: ["--format", "xml"],
      message: /--format must be one of table, json, csv: found 'xml'/,
    },
    { kind: "unknown flag", args: ["--no-such-flag"], message: /Unknown option '--no-such-flag'/ },
    { kind: "bad file", args: ["--trace", "/no/such/dir"], message: /does not exist/ },
  ];
  assert.equal(await checkBadCases("plan", "plan", cases), 11);
});

Deno.test("plan --help prints the usage and exits 0", async () => {
  const r = await plan("--help");
  assert.equal(r.code, 0);
  assert.match(r.stdout, /--single-memory/);
  assert.match(r.stdout, /--max-memory-changes K/);
  assert.match(r.stdout, /--latency-objective AGG {2}only with --objective latency/);
  assert.match(r.stdout, /--format FORMAT +table, json or csv/);
  assert.match(r.stdout, /hour h covering h-1\.\.h/);
  assert.match(r.stdout, /Exit codes: 0 planned; 1 no plan/);
});

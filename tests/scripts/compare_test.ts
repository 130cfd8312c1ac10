import assert from "node:assert/strict";
import { ROOT, type ScriptRun, withTempDir } from "./_run_script.ts";
import { type BadCase, checkBadCases, withoutTimes } from "./_cli_table.ts";

/** The permissions of `deno task compare`. */
const COMPARE_PERMISSIONS = ["--allow-read", "--allow-env", "--allow-ffi"];

async function compare(...args: string[]): Promise<ScriptRun> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...COMPARE_PERMISSIONS, "scripts/compare.ts", ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** A small grid, so that a two-hour day takes well under a second per policy. */
const SMALL = ["--memory", "2048:3008:480", "--timeout", "0.1,0.4", "--batch", "1,3,6"];

Deno.test("deno task compare --format json: every policy, every hour", async () => {
  await withTempDir(async (dir) => {
    // A two-hour trace: NYS hours 1 and 2.
    for (const h of [1, 2]) {
      for (const m of ["D0", "D1"]) {
        await Deno.copyFile(`${ROOT}traces/nys/MAP${h}_${m}`, `${dir}/MAP${h}_${m}`);
      }
    }
    const out = await compare("--trace", dir, ...SMALL, "--format", "json");
    assert.equal(out.code, 0, out.stderr);
    const report = JSON.parse(out.stdout);
    assert.equal(report.policies.length, 6);
    for (const p of report.policies) {
      assert.deepEqual(
        Object.keys(p).slice(0, 4),
        ["name", "costPerRequestUsd", "hoursViolated", "hoursInfeasibleViolated"],
      );
      assert.ok(p.costPerRequestUsd > 0);
      assert.deepEqual(p.hours.map((h: { hour: number }) => h.hour), [1, 2]);
      for (const h of p.hours) assert.ok(h.p95Sec > 0 && h.costPerRequestUsd > 0);
    }
    const adaptive = report.policies.find((p: { name: string }) =>
      p.name.startsWith("BATCH adaptive")
    );
    assert.equal(adaptive.decisions.length, 1);
    assert.equal(typeof adaptive.decisions[0].reason, "string");
    // The same two hours of the NYS trace, chosen with --start and --end: the same day.
    const hours = await compare("--start", "1", "--end", "2", ...SMALL, "--format", "json");
    assert.equal(hours.code, 0, hours.stderr);
    const byHours = JSON.parse(hours.stdout);
    assert.deepEqual(
      { ...byHours, trace: dir, elapsedSec: 0 },
      { ...report, elapsedSec: 0 },
    );
  });
});

Deno.test("deno task compare rejects bad flags with one line and exit code 2", async () => {
  const cases: BadCase[] = [
    {
      kind: "out of range",
      args: ["--slo", "0"],
      message: /--slo must be a number > 0 s: found '0'/,
    },
    {
      kind: "out of range",
      args: ["--rate-margin", "1"],
      message: /--rate-margin must be a number within \[0, 1\): found '1'/,
    },
    {
      kind: "bad file",
      args: ["--trace", "nowhere"],
      message: /--trace: .*nowhere does not exist/,
    },
    { kind: "unknown flag", args: ["--bogus"], message: /Unknown option '--bogus'/ },
  ];
  assert.equal(
    await checkBadCases("compare", "compare", cases, { permissions: COMPARE_PERMISSIONS }),
    4,
  );
});

/** Bad command lines of compare, by kind (issue 11's acceptance table). */
const COMPARE_USAGE_CASES: BadCase[] = [
  { kind: "unknown flag", args: ["--bogus"], message: /Unknown option '--bogus'/ },
  { kind: "unknown flag", args: ["--adaptive"], message: /Unknown option '--adaptive'/ },
  { kind: "missing value", args: ["--window"], message: /'--window <value>' argument missing/ },
  { kind: "missing value", args: ["--budget"], message: /'--budget <value>' argument missing/ },
  {
    kind: "not a number",
    args: ["--seed", "one"],
    message: /--seed must be a number: found 'one'/,
  },
  {
    kind: "not a number",
    args: ["--rate_margin", "0x1"],
    message: /--rate_margin must be a number: found '0x1'/,
  },
  {
    kind: "out of range",
    args: ["--slo", "-1"],
    message: /--slo must be a number > 0 s: found '-1'/,
  },
  {
    kind: "out of range",
    args: ["--budget", "0"],
    message: /--budget must be a number > 0 USD per request: found '0'/,
  },
  {
    kind: "out of range",
    args: ["--percentile", "1"],
    message: /--percentile must be a number within \(0, 1\): found '1'/,
  },
  {
    kind: "out of range",
    args: ["--rate-margin", "1"],
    message: /--rate-margin must be a number within \[0, 1\): found '1'/,
  },
  {
    kind: "out of range",
    args: ["--start", "25"],
    message: /--start must be an hour within 1\.\.24 \(hour h covers h-1\.\.h\): found '25'/,
  },
  { kind: "out of range", args: ["--seed", "1.5"], message: /--seed must be an integer: found/ },
  {
    kind: "out of range",
    args: ["--plan_memory_changes", "-1"],
    message: /--plan_memory_changes must be an integer >= 0: found '-1'/,
  },
  {
    kind: "out of range",
    args: ["--tolerance", "-0.1"],
    message: /--tolerance must be a number >= 0/,
  },
  {
    kind: "out of range",
    args: ["--grid_memory", "4096"],
    message: /--grid_memory 4096 MB is outside the 1280\.\.3008 MB profile 'TF-resnetV2'/,
  },
  {
    kind: "ignored combination",
    args: ["--hour", "3", "--window", "3600"],
    message: /--window must be shorter than the 3600 s simulated \(1 hour\)/,
  },
  {
    kind: "ignored combination",
    args: ["--hour", "3", "--rate-margin", "0.1"],
    message: /--rate-margin needs a --window shorter than the 3600 s simulated \(1 hour\)/,
  },
  {
    kind: "ignored combination",
    args: ["--hour", "3", "--plan_memory_changes", "1"],
    message: /--plan_memory_changes needs more than one hour/,
  },
  {
    kind: "ignored combination",
    args: ["--extrapolate"],
    message:
      /--extrapolate does nothing here: the grid lies within the 1280\.\.3008 MB .* 'TF-resnetV2'/,
  },
  {
    kind: "conflicting flags",
    args: ["--budget", "3e-5", "--slo", "5"],
    message: /--budget and --slo exclude each other: --budget USD is --constraint cost --slo USD/,
  },
  {
    kind: "conflicting flags",
    args: ["--budget", "3e-5", "--constraint", "latency"],
    message: /--budget is a cost SLO and excludes --constraint latency/,
  },
  {
    kind: "required flag",
    args: ["--constraint", "cost"],
    message: /--slo \(USD per request\) is required with --constraint cost/,
  },
  { kind: "bad file", args: ["--trace", "nowhere"], message: /--trace: .*nowhere does not exist/ },
];

Deno.test("compare answers every kind of bad command line with exit 2 and one line", async () => {
  assert.equal(
    await checkBadCases("compare", "compare", COMPARE_USAGE_CASES, {
      permissions: COMPARE_PERMISSIONS,
    }),
    23,
  );
});

Deno.test("compare --help says every flag, the outputs and the exit codes", async () => {
  const r = await compare("--help");
  assert.equal(r.code, 0);
  assert.equal(r.stderr, "");
  for (
    const flag of [
      "--constraint",
      "--slo",
      "--budget",
      "--percentile",
      "--hour",
      "--start",
      "--end",
      "--extrapolate",
      "--grid-memory",
      "--grid-timeout",
      "--grid-batch",
      "--rate-margin",
      "table, json or csv",
      "hour h covering h-1..h",
      "Exit codes: 0 compared",
    ]
  ) {
    assert.ok(r.stdout.includes(flag), flag);
  }
});

Deno.test("compare takes kebab-case, snake_case and solver.py's grid names alike", async () => {
  const kebab = await compare(
    "--start=1",
    "--end=2",
    "--grid-memory",
    "2048:3008:480",
    "--grid-timeout",
    "0.1,0.4",
    "--grid-batch",
    "1,3,6",
    "--rate-margin",
    "0.2",
    "--plan-memory-changes",
    "1",
    "--format",
    "json",
  );
  assert.equal(kebab.code, 0, kebab.stderr);
  const snake = await compare(
    "--start=1",
    "--end=2",
    ...SMALL,
    "--rate_margin",
    "0.2",
    "--plan_memory_changes",
    "1",
    "--format",
    "json",
  );
  assert.equal(snake.code, 0, snake.stderr);
  assert.equal(withoutTimes(snake.stdout), withoutTimes(kebab.stdout));
});

Deno.test("compare --budget USD is --constraint cost --slo USD", async () => {
  const budget = await compare("--hour", "1", ...SMALL, "--budget", "40e-6", "--format", "json");
  const cost = await compare(
    "--hour",
    "1",
    ...SMALL,
    "--constraint",
    "cost",
    "--slo",
    "40e-6",
    "--format",
    "json",
  );
  assert.equal(budget.code, 0, budget.stderr);
  assert.equal(withoutTimes(budget.stdout), withoutTimes(cost.stdout));
  const doc = JSON.parse(cost.stdout);
  assert.deepEqual([doc.constraint, doc.slo, doc.budgetUsd], ["cost", 40e-6, 40e-6]);
  assert.equal("sloSec" in doc, false);
});

Deno.test("compare --percentile: planned for and measured at that percentile", async () => {
  const r = await compare("--hour", "1", ...SMALL, "--percentile", "0.5", "--format", "json");
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.percentile, 0.5);
  for (const p of doc.policies) {
    for (const h of p.hours) assert.ok(h.latencySec <= h.p95Sec, `${p.name}: ${h.latencySec}`);
  }
  const table = await compare("--hour", "1", ...SMALL, "--percentile", "0.5");
  assert.match(table.stdout, /p50 latency SLO 5 s/);
  assert.match(table.stdout, /worst p50\/SLO/);
  // One hour and the default window: the table says the controller never acted.
  assert.match(table.stdout, /BATCH adaptive never reconfigured: its window \(3600 s\)/);
});

Deno.test("compare --format csv: the table's rows at full precision, one per policy", async () => {
  const r = await compare("--hour", "1", ...SMALL, "--format", "csv");
  assert.equal(r.code, 0, r.stderr);
  const [head, ...rows] = r.stdout.trim().split("\n");
  assert.equal(
    head,
    "policy,cost_per_request_usd,cost_vs_no_batching,cost_vs_batch_hourly,hours_violated," +
      "hours_infeasible_violated,mean_latency_sec,worst_latency_sec",
  );
  assert.equal(rows.length, 6);
  // Policy names with commas are quoted.
  assert.match(rows[0], /^"no batching, max memory",[0-9.e-]+,1,/);
});

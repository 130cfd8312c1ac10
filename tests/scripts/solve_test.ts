import assert from "node:assert/strict";
import { runScript } from "./_run_script.ts";
import { type BadCase, checkBadCases, withoutTimes } from "./_cli_table.ts";

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
  const cases: BadCase[] = [
    { kind: "unknown flag", args: ["--bogus"], message: /Unknown option '--bogus'/ },
    {
      kind: "out of range",
      args: ["--percentile", "1.5"],
      message: /--percentile must be a number within \(0, 1\): found '1.5'/,
    },
    {
      kind: "bad value",
      args: ["--method", "fast"],
      message: /--method must be one of exact, paper: found 'fast'/,
    },
    { kind: "bad file", args: ["--model", "nope"], message: /Cannot find model 'nope'/ },
    {
      kind: "bad value",
      args: ["--memory", "3008:1280:64"],
      message: /--memory '3008:1280:64': hi is below lo/,
    },
    {
      kind: "required flag",
      args: ["--constraint", "cost"],
      message: /--slo \(USD per request\) is required with --constraint cost/,
    },
    { kind: "bad file", args: ["--trace", "/nonexistent-dir"], message: /nonexistent-dir/ },
    {
      kind: "out of range",
      args: ["--start", "5", "--end", "2"],
      message: /--end \(2\) must not be before --start \(5\)/,
    },
    {
      kind: "out of range",
      args: ["--memory", "4096"],
      message: /--memory 4096 MB is outside the 1280\.\.3008 MB profile 'TF-inceptionV4'/,
    },
  ];
  assert.equal(await checkBadCases("solve", "solve", cases), 9);
});

/** Bad command lines of solve, by kind (issue 11's acceptance table). */
const SOLVE_USAGE_CASES: BadCase[] = [
  { kind: "unknown flag", args: ["--bogus"], message: /Unknown option '--bogus'/ },
  { kind: "unknown flag", args: ["--hours", "3"], message: /Unknown option '--hours'/ },
  { kind: "missing value", args: ["--slo"], message: /'--slo <value>' argument missing/ },
  { kind: "missing value", args: ["--start"], message: /'--start <value>' argument missing/ },
  {
    kind: "not a number",
    args: ["--slo", "fast"],
    message: /--slo must be a number: found 'fast'/,
  },
  {
    kind: "not a number",
    args: ["--slo", "0x10"],
    message: /--slo must be a number: found '0x10'/,
  },
  {
    kind: "not a number",
    args: ["--grid_timeout", "0.1:x"],
    message: /--grid_timeout '0\.1:x': 'x' is not a number/,
  },
  {
    kind: "out of range",
    args: ["--slo", "-1"],
    message: /--slo must be a number > 0 s: found '-1'/,
  },
  {
    kind: "out of range",
    args: ["--percentile=0"],
    message: /--percentile must be a number within \(0, 1\): found '0'/,
  },
  {
    kind: "out of range",
    args: ["--hour", "25"],
    message: /--hour must be an hour within 1\.\.24 \(hour h covers h-1\.\.h\): found '25'/,
  },
  {
    kind: "out of range",
    args: ["--start", "0"],
    message: /--start must be an hour within 1\.\.24/,
  },
  {
    kind: "out of range",
    args: ["--memory", "64"],
    message: /--memory 64 MB: it must be within 128\.\.10240 MB/,
  },
  {
    kind: "out of range",
    args: ["--batch", "0"],
    message: /--batch 0: it must be within 1\.\.1000/,
  },
  {
    kind: "out of range",
    args: ["--grid-memory", "4096"],
    message:
      /--grid-memory 4096 MB is outside the 1280\.\.3008 MB profile 'TF-inceptionV4' .*--extrapolate/,
  },
  {
    kind: "out of range",
    args: ["--memory", "8000", "--extrapolate", "--hour", "1"],
    message:
      /profile 'TF-inceptionV4' gives a service time of -80\.77 s at memory 8000 MB and batch 1/,
  },
  {
    kind: "ignored combination",
    args: ["--all"],
    message: /--all needs --format json or --format csv/,
  },
  {
    kind: "ignored combination",
    args: ["--extrapolate", "--hour", "3"],
    message:
      /--extrapolate does nothing here: the grid lies within the 1280\.\.3008 MB and batches 1\.\.20/,
  },
  {
    kind: "conflicting flags",
    args: ["--hour", "3", "--start", "2"],
    message: /--hour selects one hour: give it or --start, not both/,
  },
  {
    kind: "bad file",
    args: ["--model", "lib"],
    message: /--model lib is a directory: expected TF-inceptionV4/,
  },
  {
    kind: "bad file",
    args: ["--trace", "README.md"],
    message: /--trace README\.md is not a directory/,
  },
];

Deno.test("solve answers every kind of bad command line with exit 2 and one line", async () => {
  const cases: BadCase[] = [
    ...SOLVE_USAGE_CASES,
    {
      kind: "out of range",
      args: ["--workers", "0"],
      message: /--workers must be an integer within 1\.\.64: found '0'/,
    },
    {
      kind: "not a number",
      args: ["--workers", "two"],
      message: /--workers must be a number: found 'two'/,
    },
    {
      kind: "ignored combination",
      args: ["--hour", "8", "--keep-alive", "60"],
      message: /--keep-alive does nothing here: --model TF-inceptionV4 has no coldStart/,
    },
    {
      kind: "out of range",
      args: ["--keep-alive", "-1"],
      message: /--keep-alive must be a number >= 0 s: found '-1'/,
    },
  ];
  assert.equal(await checkBadCases("solve", "solve", cases), 24);
});

Deno.test("solve --keep-alive with a profile's coldStart: a short keep-alive, more cold starts, a longer p95", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const base = JSON.parse(await Deno.readTextFile("traces/profiles/TF-resnetV2.json"));
    const file = `${dir}/resnet-cold.json`;
    await Deno.writeTextFile(file, JSON.stringify({ ...base, coldStart: { initSec: 1 } }));
    const grid = [
      "--trace",
      "nys",
      "--hour",
      "3",
      "--memory",
      "3008",
      "--timeout",
      "0.1",
      "--batch",
      "1",
      "--slo",
      "100",
    ];
    const p95 = async (...more: string[]) => {
      const r = await solve(...grid, "--model", file, "--format", "json", ...more);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout).hours[0].optimal[0].latencySec as number;
    };
    const long = await p95(), short = await p95("--keep-alive", "0.5");
    // One request per invocation at a night hour's rate: with a keep-alive shorter than the gaps
    // many starts are cold, and the p95 carries the 1 s Init.
    assert.ok(short > long + 0.5, `p95 ${short} against ${long}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("solve --workers 2 gives what one process gives (one hour split by timeouts, and several hours)", async () => {
  for (const hours of [["--hour", "24"], ["--start", "7", "--end", "9"]]) {
    const args = [
      ...hours,
      "--memory",
      "1536:3008:128",
      "--timeout",
      "0.01:0.49:0.02",
      "--batch",
      "1:12",
      "--format",
      "json",
      "--all",
    ];
    const one = await solve(...args, "--workers", "1");
    const two = await solve(...args, "--workers", "2");
    assert.equal(one.code, 0, one.stderr);
    assert.equal(two.code, 0, two.stderr);
    assert.equal(withoutTimes(two.stdout), withoutTimes(one.stdout));
  }
});

Deno.test("solve takes every flag in kebab-case, snake_case and solver.py's grid names alike", async () => {
  const kebab = await solve(
    "--hour=2",
    "--grid-memory",
    "2048,3008",
    "--grid-timeout",
    "0.1",
    "--grid-batch",
    "4:5",
    "--format",
    "json",
  );
  assert.equal(kebab.code, 0, kebab.stderr);
  for (
    const args of [
      ["--hour=2", "--grid_memory", "2048,3008", "--grid_timeout", "0.1", "--grid_batch", "4:5"],
      ["--hour=2", "--memory", "2048,3008", "--timeout", "0.1", "--batch", "4:5"],
    ]
  ) {
    const r = await solve(...args, "--format", "json");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(withoutTimes(r.stdout), withoutTimes(kebab.stdout), args.join(" "));
  }
});

Deno.test("solve says on stderr which hours have no compliant configuration when it exits 1", async () => {
  // The README's NYS example at a 3 s SLO: TF-resnetV2 cannot serve the busy
  // hours 7..21 under 3 s at any memory of the grid.
  for (const format of ["table", "json", "csv"]) {
    const r = await solve(
      "--trace",
      "nys",
      "--model",
      "TF-resnetV2",
      "--slo",
      "3",
      "--format",
      format,
    );
    assert.equal(r.code, 1, r.stderr);
    assert.equal(
      r.stderr.trim(),
      "solve: no configuration of the grid meets p95 latency <= 3 s in 15 of 24 hours " +
        "(hours 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21): exit code 1; " +
        "a larger --slo or a wider grid may find one",
    );
  }
});

Deno.test("solve prints hours as numbers 1..24 in the table, as in JSON and CSV", async () => {
  const r = await solve("--start", "23", "--end", "24");
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout.split("\n").filter((l) => /^\s*\d+\s{2}/.test(l));
  assert.deepEqual(rows.map((l) => l.trim().split(/\s+/)[0]), ["23", "24"]);
  assert.doesNotMatch(r.stdout, /\b22-23\b/);
  assert.match(r.stdout, /2 hours \(hour h covers h-1\.\.h\)/);
});

Deno.test("solve --format csv --all: one schema, every configuration, the optima marked", async () => {
  const grid = ["--memory", "2048,3008", "--timeout", "0.05:0.1:0.05", "--batch", "4:5"];
  const all = await solve("--start", "1", "--end", "2", ...grid, "--format", "csv", "--all");
  const optima = await solve("--start", "1", "--end", "2", ...grid, "--format", "csv");
  assert.equal(all.code, 0, all.stderr);
  const [head, ...rows] = all.stdout.trim().split("\n");
  const [optimaHead, ...optimaRows] = optima.stdout.trim().split("\n");
  assert.equal(head, `${optimaHead},meets_slo,optimal`);
  assert.equal(rows.length, 2 * 8);
  // The rows marked optimal are the rows without --all, with the two columns added.
  assert.deepEqual(
    rows.filter((r) => r.endsWith(",true")).map((r) => r.split(",").slice(0, -2).join(",")),
    optimaRows,
  );
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
      "--grid-memory",
      "--grid-timeout",
      "--grid-batch",
      "--hour",
      "--format",
      "--all",
      "--extrapolate",
      "Exit codes:",
      "hour h covering h-1..h",
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

Deno.test("solve with a profile whose service time varies: the exact method's wider p95, the same mean cost under continuous billing, and paper refused", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const base = JSON.parse(await Deno.readTextFile("traces/profiles/TF-resnetV2.json"));
    const file = `${dir}/resnet-cv.json`;
    await Deno.writeTextFile(
      file,
      JSON.stringify({ ...base, variability: { distribution: "gamma", cv: 0.2 } }),
    );
    const grid = [
      "--hour",
      "8",
      "--memory",
      "2048",
      "--timeout",
      "0.1",
      "--batch",
      "10",
      "--slo",
      "100",
    ];
    const fixed = await solve(
      ...grid,
      "--model",
      "traces/profiles/TF-resnetV2.json",
      "--format",
      "json",
    );
    const varied = await solve(...grid, "--model", file, "--format", "json");
    assert.equal(fixed.code, 0, fixed.stderr);
    assert.equal(varied.code, 0, varied.stderr);
    const a = JSON.parse(fixed.stdout).hours[0].optimal[0],
      b = JSON.parse(varied.stdout).hours[0].optimal[0];
    assert.ok(b.latencySec > a.latencySec * 1.01, `p95 ${b.latencySec} vs ${a.latencySec}`);
    // The paper pricing bills the duration as it is: the expected cost is the mean's.
    assert.ok(Math.abs(b.costUsd / a.costUsd - 1) < 1e-12);
    const table = await solve(...grid, "--model", file);
    assert.match(
      table.stdout,
      /^Trace twitter, model .*resnet-cv\.json \(gamma, CV 0\.2\), method exact/,
    );
    const paper = await solve(...grid, "--model", file, "--method", "paper");
    assert.equal(paper.code, 2);
    assert.match(
      paper.stderr,
      /^solve: --model .*resnet-cv\.json has service times that vary \(gamma, CV 0\.2\): the paper method \(solver\.py\) has one time per batch size; use --method exact/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

import assert from "node:assert/strict";
import { join } from "node:path";
import { withTempDir } from "./_run_script.ts";
import { type BadCase, checkBadCases, checkHelp, runCli } from "./_cli_table.ts";

const validate = (...args: string[]) => runCli("validate", args);

/** A fast run: one hour, solver.py's manual model, 1000 requests. */
const SMALL = ["--requests", "1000", "--min-batches", "0", "--configs", "5:0.05"];

Deno.test("validate --help documents the one vocabulary's flags and the exit codes", async () => {
  const help = await checkHelp("validate");
  for (
    const flag of [
      "--trace LIST",
      "(also --traces)",
      "--hour LIST",
      "(also --hours)",
      "--model LIST",
      "(also --models)",
      "--extrapolate",
      "--memory M",
      "--configs LIST",
      "table, csv, json, or markdown",
    ]
  ) {
    assert.ok(help.stdout.includes(flag), flag);
  }
  assert.match(help.stdout, /Exit codes: 0 validated; 2 bad options/);
});

Deno.test("validate --format csv gives one row per case, the same for every spelling of the flags", async () => {
  const kebab = await validate(
    "--trace",
    "nys",
    "--hour",
    "1:2,8",
    "--model",
    "manual",
    "--min-batches",
    "0",
    "--requests",
    "1000",
    "--configs",
    "5:0.05",
    "--format",
    "csv",
  );
  assert.equal(kebab.code, 0, kebab.stderr);
  assert.equal(kebab.stderr, "");
  const lines = kebab.stdout.trim().split("\n");
  assert.match(
    lines[0],
    /^trace,hour,model,service,memory_mb,max_batch,timeout_sec,simulated_requests,/,
  );
  assert.deepEqual(lines.slice(1).map((l) => l.split(",").slice(0, 7).join(",")), [
    "nys,1,manual,deterministic,3008,5,0.05",
    "nys,2,manual,deterministic,3008,5,0.05",
    "nys,8,manual,deterministic,3008,5,0.05",
  ]);
  const snake = await validate(
    "--traces=nys",
    "--hours",
    "8,1:2",
    "--models",
    "manual",
    "--min_batches",
    "0",
    "--requests=1000",
    "--configs",
    "5:0.05",
    "--format",
    "CSV",
  );
  assert.equal(snake.code, 0, snake.stderr);
  assert.equal(snake.stdout, kebab.stdout);
});

Deno.test("validate --service gamma:0.3 on the synthetic poisson and bursty arrivals: the exact method only, paper columns empty", async () => {
  const r = await runCli("validate", [
    "--trace",
    "poisson,bursty",
    "--model",
    "manual",
    "--service",
    "deterministic,gamma:0.3",
    "--configs",
    "5:0.05",
    "--requests",
    "200000",
    "--min-batches",
    "0",
    "--format",
    "json",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const { results } = JSON.parse(r.stdout);
  assert.deepEqual(
    results.map((x: { label: string; service: string }) => [x.label, x.service]),
    [
      ["poisson 20/s", "deterministic"],
      ["poisson 20/s", "gamma, CV 0.3"],
      ["bursty MAP(2)", "deterministic"],
      ["bursty MAP(2)", "gamma, CV 0.3"],
    ],
  );
  for (const x of results) {
    // 200,000 requests in about 40,000 batches: KS below 1.36 / sqrt(40,000) = 0.007.
    assert.ok(x.exact.kolmogorov < 0.007, JSON.stringify(x));
    assert.equal(x.paper === undefined, x.service !== "deterministic");
  }
});

Deno.test("validate refuses bad command lines and unusable profiles in one line with exit code 2, before simulating", async () => {
  await withTempDir(async (dir) => {
    // S_k = 0.5 - 0.2 k s, fitted (it says) on 128..10240 MB: S_3 = -0.1 s.
    const falling = join(dir, "falling.json");
    await Deno.writeTextFile(
      falling,
      JSON.stringify({
        name: "falling",
        terms: ["1", "k"],
        coefficients: [0.5, -0.2],
        memoryRangeMb: [128, 10240],
        batchRange: [1, 20],
      }),
    );
    const one = ["--trace", "nys", "--hour", "1", ...SMALL];
    const hourOne = join(dir, "one");
    await Deno.mkdir(hourOne);
    for (const d of ["D0", "D1"]) {
      await Deno.copyFile(`traces/nys/MAP1_${d}`, join(hourOne, `MAP1_${d}`));
    }
    const cases: BadCase[] = [
      { kind: "unknown flag", args: ["--bogus"], message: /Unknown option '--bogus'/ },
      { kind: "missing value", args: ["--memory"], message: /--memory/ },
      { kind: "missing value", args: ["--min_batches"], message: /'--min_batches/ },
      {
        kind: "not a number",
        args: ["--memory", "x"],
        message: /--memory must be a number: found 'x'/,
      },
      {
        kind: "not a number",
        what: "hexadecimal",
        args: ["--seed", "0x10"],
        message: /--seed must be a number: found '0x10'/,
      },
      {
        kind: "out of range",
        args: ["--memory", "0"],
        message: /--memory must be an integer within 128\.\.10240 MB: found '0'/,
      },
      {
        kind: "out of range",
        args: ["--requests", "-5"],
        message: /--requests must be an integer >= 1000: found '-5'/,
      },
      {
        kind: "out of range",
        args: ["--hours", "25"],
        message: /--hours must be hours within 1\.\.24 \(hour h covers h-1\.\.h\).*found '25'/,
      },
      {
        kind: "out of range",
        what: "outside the profile's memories",
        args: ["--memory", "4000", ...one],
        message:
          /--memory 4000 MB is outside the 1280\.\.3008 MB profile 'TF-inceptionV4' was fitted on: narrow --memory or add --extrapolate/,
      },
      {
        kind: "out of range",
        what: "outside the profile's batches",
        args: ["--configs", "100:0.1", "--trace", "nys", "--hour", "1"],
        message:
          /--configs 100 is beyond the batches 1\.\.20 profile 'TF-inceptionV4' was fitted on/,
      },
      {
        kind: "out of range",
        what: "negative service time, with --extrapolate",
        args: ["--memory", "4000", "--extrapolate", ...one],
        message:
          /profile 'TF-inceptionV4' gives a service time of -1\.08 s at memory 4000 MB and batch 1/,
      },
      {
        kind: "bad file",
        what: "a profile file with negative times",
        args: ["--model", falling, ...one],
        message: /profile 'falling' gives a service time of -0\.1 s at memory 3008 MB and batch 3/,
      },
      {
        kind: "ignored combination",
        args: ["--extrapolate", ...one],
        message:
          /--extrapolate does nothing here: --memory 3008 MB and the batches of --configs lie within/,
      },
      {
        kind: "bad value",
        what: "bad pair",
        args: ["--configs", "5"],
        message: /--configs must be B:T pairs, such as 20:0\.1: found '5'/,
      },
      {
        kind: "bad value",
        what: "bad format",
        args: ["--format", "xml"],
        message: /--format must be one of table, csv, json, markdown: found 'xml'/,
      },
      {
        kind: "bad file",
        what: "no such trace",
        args: ["--traces", join(dir, "none"), "--model", "manual", ...SMALL],
        message: /--traces .*none: not twitter or nys, and the directory .*none does not exist/,
      },
      {
        kind: "bad file",
        what: "a directory without MAPs",
        args: ["--trace", dir, "--model", "manual", ...SMALL],
        message: /--trace .*: not twitter or nys, and .* holds no MAP<h>_D0 and MAP<h>_D1 files/,
      },
      {
        kind: "bad file",
        what: "a trace without the hour asked",
        args: ["--trace", hourOne, "--hour", "1,3:4", "--model", "manual", ...SMALL],
        message: /--trace .*one has no hour 3, 4 of --hour \(it has 1\)/,
      },
      {
        kind: "bad file",
        what: "a model that is a directory",
        args: ["--models", dir, ...one],
        message: /--models .* is a directory: give the path of a file to read/,
      },
    ];
    cases.push(
      {
        kind: "bad value",
        args: ["--service", "weibull:1", ...one],
        message: /--service takes deterministic, gamma:CV or lognormal:CV: found 'weibull:1'/,
      },
      {
        kind: "bad value",
        args: ["--service", "gamma", ...one],
        message: /--service takes deterministic, gamma:CV or lognormal:CV: found 'gamma'/,
      },
      {
        kind: "out of range",
        args: ["--service", "gamma:0", ...one],
        message: /--service must be a number within \(0, 10\]: found '0'/,
      },
      {
        kind: "not a number",
        args: ["--services", "deterministic,lognormal:wide", ...one],
        message: /--services must be a number: found 'wide'/,
      },
    );
    assert.equal(await checkBadCases("validate", "validate", cases), 23);
  });
});

/** A CSV line's fields, split at the commas outside quotes ("gamma, CV 1" is quoted). */
function csvFields(line: string): string[] {
  const fields: string[] = [];
  let field = "", quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted && ch === '"' && line[i + 1] === '"') {
      field += '"';
      i++;
    } else if (ch === '"') quoted = !quoted;
    else if (ch === "," && !quoted) {
      fields.push(field);
      field = "";
    } else field += ch;
  }
  return [...fields, field];
}

/** A fast cold-start run: the manual model, B = 1, two keep-alives, about 20,000 batches each. */
const COLD = [
  "--cold-starts",
  "--model",
  "manual",
  "--rates",
  "1",
  "--keep-alive",
  "1,10",
  "--configs",
  "1:0.1",
  "--service",
  "gamma:1",
];

Deno.test("validate --help documents --cold-starts and the flags only it takes", async () => {
  const help = await checkHelp("validate");
  for (
    const flag of [
      "--cold-starts",
      "--rates LIST",
      "(also\n                       --rate)",
      "--keep-alive LIST",
      "--cold-start S",
      "(also --init)",
      "[0.1,1,10,50,200]",
      "[1,10,60,600]",
      "[1:0.1,5:0.05,20:0.5]",
      "[10000000]",
    ]
  ) {
    assert.ok(help.stdout.includes(flag), flag);
  }
  assert.match(help.stdout, /too small for a cold-start case's warm-up/);
});

Deno.test("validate --cold-starts: a table row per case and a CSV with every figure, the same for every spelling", async () => {
  const table = await validate(...COLD);
  assert.equal(table.code, 0, table.stderr);
  const lines = table.stdout.trimEnd().split("\n");
  assert.match(
    lines[0],
    /^case +model +service +B +T \(s\) +keep-alive \(s\) +rho +predicted % +simulated % +se % +block se % +ratio +z +within +batches +cold$/,
  );
  assert.equal(lines.length, 5);
  assert.match(lines[1], /^poisson 1\/s +manual +gamma, CV 1 +1 +- +1 +0\.\d+ +\d+(\.\d+)? +/);
  assert.match(lines[2], /^poisson 1\/s +manual +gamma, CV 1 +1 +- +10 +/);
  assert.match(lines[3], /^within 10 %: \d of 2; within noise \(\|z\| <= 3\): \d of 2$/);
  assert.match(lines[4], /^2 cases in \d+\.\d s$/);

  const csv = await validate(...COLD, "--format", "csv", "--cold-start", "0.25");
  assert.equal(csv.code, 0, csv.stderr);
  const rows = csv.stdout.trim().split("\n").map(csvFields);
  assert.equal(rows.length, 3);
  const head = rows[0];
  assert.deepEqual(head.slice(0, 9), [
    "case",
    "arrival_rate_per_sec",
    "model",
    "service",
    "memory_mb",
    "max_batch",
    "timeout_sec",
    "keep_alive_sec",
    "init_sec",
  ]);
  assert.equal(rows[1].length, head.length);
  const at = (row: string[], name: string) => row[head.indexOf(name)];
  assert.equal(at(rows[1], "service"), "gamma, CV 1");
  // The default Init (0.25 s) is --cold-start 0.25; the rows' keep-alives as asked.
  assert.deepEqual(rows.slice(1).map((r) => [at(r, "keep_alive_sec"), at(r, "init_sec")]), [
    ["1", "0.25"],
    ["10", "0.25"],
  ]);
  for (const r of rows.slice(1)) {
    const p = Number(at(r, "predicted")), f = Number(at(r, "simulated"));
    assert.ok(Math.abs(Number(at(r, "ratio")) - f / p) < 1e-12);
    assert.ok(Number(at(r, "counted_batches")) >= 20_000);
    assert.ok(Number(at(r, "all_cold_starts")) >= Number(at(r, "cold_starts")));
    assert.equal(at(r, "capped"), "false");
  }
  const snake = await validate(
    "--cold_starts",
    "--models=manual",
    "--rate",
    "1",
    "--keep_alive",
    "1,10",
    "--configs",
    "1:0.1",
    "--services",
    "gamma:1",
    "--init",
    "0.25",
    "--format",
    "csv",
  );
  assert.equal(snake.code, 0, snake.stderr);
  assert.equal(snake.stdout, csv.stdout);
});

Deno.test("validate --cold-starts refuses bad values of its flags, and its flags without it, in one line with exit code 2", async () => {
  const cases: BadCase[] = [
    {
      kind: "out of range",
      args: [...COLD, "--rates", "0"],
      message: /--rates must be a number > 0 requests\/s: found '0'/,
    },
    {
      kind: "not a number",
      args: [...COLD, "--rate", "1,fast"],
      message: /--rate must be a number: found 'fast'/,
    },
    {
      kind: "bad value",
      args: [...COLD, "--rates", "1,,10"],
      message: /--rates must be a comma-separated list: found '1,,10'/,
    },
    {
      kind: "out of range",
      args: [...COLD, "--keep-alive", "-1"],
      message: /--keep-alive must be a number > 0 s: found '-1'/,
    },
    {
      kind: "out of range",
      args: [...COLD, "--cold-start", "0"],
      message: /--cold-start must be a number within \(0, 900\] s: found '0'/,
    },
    {
      kind: "out of range",
      args: [...COLD, "--init", "1000"],
      message: /--init must be a number within \(0, 900\] s: found '1000'/,
    },
    {
      kind: "bad value",
      args: [...COLD, "--trace", "poisson,nys"],
      message:
        /--trace with --cold-starts takes poisson or bursty \(scaled to each of --rates\): found 'nys'/,
    },
    {
      kind: "ignored combination",
      args: [...COLD, "--hour", "8"],
      message: /--hour does nothing with --cold-starts: its arrivals are poisson or bursty/,
    },
    {
      kind: "ignored combination",
      args: [...COLD, "--min_batches", "10"],
      message: /--min_batches does nothing with --cold-starts: its runs count 50 keep-alive/,
    },
    {
      kind: "ignored combination",
      args: ["--keep-alive", "10", "--model", "manual"],
      message: /--keep-alive needs --cold-starts: without it the cases are the traces' hours/,
    },
    {
      kind: "ignored combination",
      args: ["--rate", "10"],
      message: /--rate needs --cold-starts/,
    },
    {
      kind: "ignored combination",
      args: ["--init", "1"],
      message: /--init needs --cold-starts/,
    },
    {
      kind: "out of range",
      what: "a cap below a case's warm-up",
      args: [...COLD, "--keep-alive", "600", "--requests", "10000"],
      message:
        /--requests 10000 is too small for poisson 1\/s \(manual, B = 1, keep-alive 600 s\): its warm-up of 1206 s and 20,000 counted batches take about 21206 requests/,
    },
  ];
  assert.equal(await checkBadCases("validate", "validate", cases), 13);
});

import assert from "node:assert/strict";
import { join } from "node:path";
import { readMapDirectory, readMapHour } from "../../lib/io/map_files.ts";
import { arrivalRatePerSec } from "../../lib/map/moments.ts";
import { runScript, withTempDir } from "./_run_script.ts";
import { type BadCase, checkBadCases, checkHelp } from "./_cli_table.ts";

const run = runScript;

const fit = (...args: string[]) => run("fit", ...args);

Deno.test("fit --format json prints the documented windows, recovers the MAP rate", async () => {
  // Two hours of Twitter hour 1 (seed 3) from deno task trace, fitted per hour. The MAP is
  // nearly Poisson (SCV 1.007) at 35.08/s: an hour holds about 126000 gaps, so the sample rate
  // has a standard error of 0.3 %; the fitted MAP's rate (which is the sample's) must be within
  // 2 % of the MAP's.
  await withTempDir(async (dir) => {
    const trace = join(dir, "twitter.txt");
    const t = await run(
      "trace",
      "--trace",
      "twitter",
      "--hour",
      "1",
      "--duration",
      "7200",
      "--seed",
      "3",
      "--out",
      trace,
    );
    assert.equal(t.code, 0, t.stderr);
    const r = await fit(trace, "--format", "json");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    const doc = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(doc), ["windows"]);
    assert.equal(doc.windows.length, 2);
    const truth = arrivalRatePerSec(await readMapHour("traces/twitter", 1));
    for (const [i, w] of doc.windows.entries()) {
      assert.deepEqual(Object.keys(w), [
        "startSec",
        "endSec",
        "count",
        "ratePerSec",
        "scv",
        "lag1",
        "fitted",
        "exact",
        "adjusted",
      ]);
      assert.deepEqual([w.startSec, w.endSec], [3600 * i, 3600 * (i + 1)]);
      assert.deepEqual(Object.keys(w.fitted), ["d0", "d1", "ratePerSec", "scv", "lag1"]);
      assert.equal(typeof w.exact, "boolean");
      assert.equal(w.exact, w.adjusted.length === 0);
      assert.ok(Math.abs(w.fitted.ratePerSec / truth - 1) < 0.02, `${w.fitted.ratePerSec}`);
      assert.ok(Math.abs(w.fitted.ratePerSec / w.ratePerSec - 1) < 1e-9);
      assert.ok(Math.abs(w.fitted.scv / w.scv - 1) < 1e-9);
    }
  });
});

Deno.test("fit --out writes MAP<i> files that the MAP readers (and solve) accept", async () => {
  await withTempDir(async (dir) => {
    const out = join(dir, "maps");
    const r = await fit(
      "traces/samples/mmpp-w14-600s-seed1.txt",
      "--window",
      "300",
      "--out",
      out,
      "--format",
      "json",
    );
    assert.equal(r.code, 0, r.stderr);
    const windows = JSON.parse(r.stdout).windows;
    const maps = await readMapDirectory(out);
    assert.deepEqual(maps.map((m) => m.hour), [1, 2]);
    for (const [i, { map }] of maps.entries()) {
      for (const k of ["d0", "d1"] as const) {
        for (let a = 0; a < 2; a++) {
          for (let b = 0; b < 2; b++) {
            const want = windows[i].fitted[k][a][b];
            assert.ok(Math.abs(map[k][a][b] - want) <= 5e-9 * Math.abs(want)); // 9 digits
          }
        }
      }
    }
  });
});

Deno.test("fit prints a table with a note for adjusted and unfitted windows", async () => {
  await withTempDir(async (dir) => {
    // 12 arrivals in [0, 1) s (0.08 s, then gaps of 0.07 and 0.09 s in turn, up to 0.96 s),
    // then one at 1.46 s and two at 2.16 and 2.36 s: windows too small to fit.
    const gaps = [0.08, ...Array(5).fill([0.07, 0.09]).flat(), 0.08, 0.5, 0.7, 0.2];
    const path = join(dir, "small.txt");
    await Deno.writeTextFile(path, gaps.join("\n") + "\n");
    const r = await fit(path, "--window", "1");
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split("\n");
    assert.match(lines[0], /^Trace .*small\.txt: 15 arrivals, 3 windows of 1 s, 1 fitted/);
    assert.match(lines[1], /window \(s\) +count +rate \(req\/s\) +SCV +lag-1 +MAP rate/);
    // Gaps of 0.07 and 0.09 s have an SCV of 1/64, below 0.5: the note says it was raised.
    assert.match(lines[3], /^ +0-1 +12 .*SCV .* raised to the order-2 minimum 0\.5/);
    assert.match(lines[4], /^ +1-2 +1 .*not fitted: 1 arrival \(at least 10 needed\)$/);
    assert.match(lines[5], /^ +2-3 +2 .*not fitted: 2 arrivals \(at least 10 needed\)$/);
  });
});

Deno.test("fit --timestamps windows absolute times from the hour they start in", async () => {
  await withTempDir(async (dir) => {
    // 40 arrivals from 1496275200.25 s (a UTC hour + 0.25 s), 0.5 s apart, the odd ones
    // 0.1 s later (equal gaps would be degenerate): windows of 10 s from 1496275200.
    const path = join(dir, "times.txt");
    const times = Array.from({ length: 40 }, (_, i) => 1496275200.25 + i / 2 + (i % 2) / 10);
    await Deno.writeTextFile(path, "# epoch seconds\n" + times.join("\n") + "\n");
    const r = await fit(path, "--timestamps", "--window", "10", "--format", "json");
    assert.equal(r.code, 0, r.stderr);
    const windows = JSON.parse(r.stdout).windows;
    assert.deepEqual(
      windows.map((w: { startSec: number; count: number }) => [w.startSec - 1496275200, w.count]),
      [[0, 20], [10, 20]],
    );
  });
});

Deno.test("fit exits 1 when no window can be fitted", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "tiny.txt");
    await Deno.writeTextFile(path, "0.1\n0.2\n0.3\n");
    const r = await fit(path, "--format", "json");
    assert.equal(r.code, 1);
    const [w] = JSON.parse(r.stdout).windows;
    assert.deepEqual([w.fitted, w.exact, w.reason], [
      null,
      false,
      "3 arrivals (at least 10 needed)",
    ]);
  });
});

Deno.test("fit reports a constant series as degenerate, not fitted, and exits 1", async () => {
  await withTempDir(async (dir) => {
    // 30 gaps of 0.1 s: summed, equal up to rounding (the sample's SCV was 4e-30 and its lag-1
    // 0.96, fitted as a MAP(2) of SCV 0.5 before).
    const path = join(dir, "constant.txt");
    await Deno.writeTextFile(path, "0.1\n".repeat(30));
    const r = await fit(path, "--format", "json");
    assert.equal(r.code, 1, r.stderr);
    const [w] = JSON.parse(r.stdout).windows;
    assert.deepEqual([w.count, w.scv, w.lag1, w.fitted], [30, 0, null, null]);
    assert.equal(
      w.reason,
      "degenerate (every gap is 0.1 s up to rounding): no MAP(2) matches a deterministic " +
        "series, its SCV is at least 0.5",
    );
    const table = await fit(path);
    assert.equal(table.code, 1);
    assert.match(table.stdout, /^Trace .*constant\.txt: 30 arrivals, 1 window of 3600 s, 0 fitted/);
    assert.match(table.stdout, /\n +0-3600 +30 +10 +0 +- +- +- +- +not fitted: degenerate/);
  });
});

Deno.test("fit --format csv has a row per window; snake and kebab flags give the same output", async () => {
  const sample = "traces/samples/mmpp-w14-600s-seed1.txt";
  const kebab = await fit(sample, "--window", "300", "--min-arrivals", "10", "--format", "csv");
  assert.equal(kebab.code, 0, kebab.stderr);
  const lines = kebab.stdout.trim().split("\n");
  assert.equal(
    lines[0],
    "start_sec,end_sec,count,rate_per_sec,scv,lag1,fitted,exact,map_rate_per_sec,map_scv," +
      "map_lag1,d0_11,d0_12,d0_21,d0_22,d1_11,d1_12,d1_21,d1_22,note",
  );
  assert.deepEqual(lines.slice(1).map((l) => l.split(",").slice(0, 2).join("-")), [
    "0-300",
    "300-600",
  ]);
  const json = JSON.parse((await fit(sample, "--window", "300", "--format", "json")).stdout);
  for (const [i, w] of json.windows.entries()) {
    const row = lines[i + 1].split(",");
    assert.equal(Number(row[3]), w.ratePerSec);
    assert.equal(Number(row[11]), w.fitted.d0[0][0]);
    assert.equal(Number(row[18]), w.fitted.d1[1][1]);
  }
  const snake = await fit(
    sample,
    "--window=300",
    "--min_arrivals",
    "10",
    "--origin",
    "0",
    "--format",
    "CSV",
  );
  assert.equal(snake.code, 0, snake.stderr);
  assert.equal(snake.stdout, kebab.stdout);
});

Deno.test("fit rejects bad flags and files with one line and exit code 2", async () => {
  await withTempDir(async (dir) => {
    const bad = join(dir, "bad.txt");
    await Deno.writeTextFile(bad, "0.1\n0.2\nx\n");
    const down = join(dir, "down.txt");
    await Deno.writeTextFile(down, "5\n4\n");
    const file = join(dir, "file");
    await Deno.writeTextFile(file, "");
    const sample = "traces/samples/nys-hour1-seed1.txt";
    const cases: BadCase[] = [
      { kind: "required flag", what: "no trace", args: [], message: /a trace file is required/ },
      {
        kind: "conflicting flags",
        what: "two traces",
        args: ["a.txt", "b.txt"],
        message: /expected one trace file: found 2 \(a\.txt, b\.txt\)/,
      },
      { kind: "unknown flag", args: [sample, "--bogus"], message: /Unknown option '--bogus'/ },
      { kind: "missing value", args: [sample, "--window"], message: /'--window/ },
      {
        kind: "not a number",
        args: [sample, "--window", "x"],
        message: /--window must be a number: found 'x'/,
      },
      {
        kind: "not a number",
        what: "hexadecimal",
        args: [sample, "--origin", "0x10"],
        message: /--origin must be a number: found '0x10'/,
      },
      {
        kind: "out of range",
        args: [sample, "--window", "0"],
        message: /--window must be a number > 0 s: found '0'/,
      },
      {
        kind: "out of range",
        args: [sample, "--min_arrivals", "2"],
        message: /--min_arrivals must be an integer >= 4: found '2'/,
      },
      {
        kind: "out of range",
        args: [sample, "--origin", "5"],
        message:
          /--origin 5 s is after the first arrival, at 0\.\d+ s: the first window must hold it/,
      },
      {
        kind: "unknown flag",
        what: "the other tasks' --start",
        args: [sample, "--start", "5"],
        message:
          /--start is an hour in solve, plan and compare; fit's first window starts at --origin S \(seconds\): --origin 5/,
      },
      {
        kind: "bad value",
        what: "bad format",
        args: [sample, "--format", "xml"],
        message: /--format must be one of table, json, csv: found 'xml'/,
      },
      {
        kind: "bad file",
        what: "missing file",
        args: [join(dir, "missing.txt")],
        message: /^fit: \/.*missing\.txt does not exist$/,
      },
      {
        kind: "bad file",
        what: "bad line",
        args: [bad],
        message: /bad\.txt:3: expected a decimal number, found "x"/,
      },
      {
        kind: "bad file",
        what: "decreasing times",
        args: [down, "--timestamps"],
        message: /down\.txt:2: expected a time >= the previous one \(5 s on line 1\)/,
      },
      {
        kind: "bad file",
        what: "a directory as the trace",
        args: [dir],
        message: new RegExp(`^fit: ${dir} is a directory: give the path of a file to read$`),
      },
      {
        kind: "bad file",
        what: "a file as --out",
        args: [sample, "--out", file],
        message:
          /--out .*file is a file: give a directory \(created if missing\), or move the file away/,
      },
    ];
    assert.equal(await checkBadCases("fit", "fit", cases), 16);
  });
});

Deno.test("fit --help lists every flag and the exit codes", async () => {
  const help = await checkHelp("fit");
  for (
    const flag of ["--window", "--origin", "--timestamps", "--min-arrivals", "--out", "--format"]
  ) {
    assert.ok(help.stdout.includes(flag), flag);
  }
  assert.match(help.stdout, /table, json or csv/);
  assert.match(help.stdout, /--start is an hour in solve, plan and compare/);
});

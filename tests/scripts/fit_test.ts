import assert from "node:assert/strict";
import { join } from "node:path";
import { readMapDirectory, readMapHour } from "../../lib/io/map_files.ts";
import { arrivalRatePerSec } from "../../lib/map/moments.ts";
import { runScript, withTempDir } from "./_run_script.ts";

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
    // 12 arrivals in [0, 1) s (gaps 0.08 s, up to 0.96 s), then one at 1.46 s and two at
    // 2.16 and 2.36 s: windows too small to fit.
    const gaps = [...Array(12).fill(0.08), 0.5, 0.7, 0.2];
    const path = join(dir, "small.txt");
    await Deno.writeTextFile(path, gaps.join("\n") + "\n");
    const r = await fit(path, "--window", "1");
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split("\n");
    assert.match(lines[0], /^Trace .*small\.txt: 15 arrivals, 3 windows of 1 s, 1 fitted/);
    assert.match(lines[1], /window \(s\) +count +rate \(req\/s\) +SCV +lag-1 +MAP rate/);
    // Equal gaps (up to rounding) have an SCV below 0.5: the note says it was raised.
    assert.match(lines[3], /^ +0-1 +12 .*SCV .* raised to the order-2 minimum 0\.5/);
    assert.match(lines[4], /^ +1-2 +1 .*not fitted: 1 arrival \(at least 10 needed\)$/);
    assert.match(lines[5], /^ +2-3 +2 .*not fitted: 2 arrivals \(at least 10 needed\)$/);
  });
});

Deno.test("fit --timestamps windows absolute times from the hour they start in", async () => {
  await withTempDir(async (dir) => {
    // 40 arrivals from 1496275200.25 s (a UTC hour + 0.25 s), 0.5 s apart: windows of 10 s
    // from 1496275200.
    const path = join(dir, "times.txt");
    const times = Array.from({ length: 40 }, (_, i) => 1496275200.25 + i / 2);
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

Deno.test("fit rejects bad flags and files with one line and exit code 2", async () => {
  await withTempDir(async (dir) => {
    const bad = join(dir, "bad.txt");
    await Deno.writeTextFile(bad, "0.1\n0.2\nx\n");
    const down = join(dir, "down.txt");
    await Deno.writeTextFile(down, "5\n4\n");
    const sample = "traces/samples/nys-hour1-seed1.txt";
    const cases: [string[], RegExp][] = [
      [[], /a trace file is required/],
      [["a.txt", "b.txt"], /expected one trace file: found 2 \(a\.txt, b\.txt\)/],
      [[sample, "--bogus"], /Unknown option '--bogus'/],
      [[sample, "--window", "0"], /--window must be > 0 s: found 0/],
      [[sample, "--window", "x"], /--window must be a number: found 'x'/],
      [[sample, "--min-arrivals", "2"], /--min-arrivals must be an integer >= 4: found 2/],
      [[sample, "--format", "csv"], /--format must be one of table, json: found 'csv'/],
      [[sample, "--start", "5"], /expected 'startSec' to be a finite number <= the first arrival/],
      [[join(dir, "missing.txt")], /Cannot read the trace as .*missing\.txt does not exist/],
      [[bad], /bad\.txt:3: expected a decimal number, found "x"/],
      [
        [down, "--timestamps"],
        /down\.txt:2: expected a time >= the previous one \(5 s on line 1\)/,
      ],
      [[dir], /Is a directory|directory/],
    ];
    for (const [args, pattern] of cases) {
      const r = await fit(...args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, pattern);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.equal(r.stdout, "");
    }
  });
});

Deno.test("fit --help lists every flag", async () => {
  const r = await fit("--help");
  assert.equal(r.code, 0);
  for (
    const flag of ["--window", "--start", "--timestamps", "--min-arrivals", "--out", "--format"]
  ) {
    assert.ok(r.stdout.includes(flag), flag);
  }
});

import assert from "node:assert/strict";
import { join } from "node:path";
import { readInterArrivalFile } from "../../lib/io/trace_files.ts";
import { ROOT, runScript, withTempDir } from "./_run_script.ts";

const trace = (...args: string[]) => runScript("trace", ...args);

Deno.test("trace --seed is reproducible: the same seed writes the same bytes", async () => {
  await withTempDir(async (dir) => {
    const run = (seed: string, name: string) =>
      trace(
        "--trace",
        "nys",
        "--hour",
        "3",
        "--duration",
        "300",
        "--seed",
        seed,
        "--out",
        join(
          dir,
          name,
        ),
      );
    for (const [seed, name] of [["7", "a.txt"], ["7", "b.txt"], ["8", "c.txt"]]) {
      const r = await run(seed, name);
      assert.equal(r.code, 0, r.stderr);
    }
    const [a, b, c] = await Promise.all(
      ["a.txt", "b.txt", "c.txt"].map((n) => Deno.readFile(join(dir, n))),
    );
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });
});

Deno.test("trace regenerates the committed samples byte for byte (README commands)", async () => {
  // The commands of traces/samples/README.md, writing to a temporary directory.
  await withTempDir(async (dir) => {
    const samples: [string, string[]][] = [
      ["twitter-hour1-seed1.txt", ["--trace", "twitter", "--hour", "1", "--duration", "3600"]],
      ["nys-hour1-seed1.txt", ["--trace", "nys", "--hour", "1", "--duration", "3600"]],
      [
        "mmpp-w14-600s-seed1.txt",
        ["--map", "traces/synthetic/W14_D0", "traces/synthetic/W14_D1", "--duration", "600"],
      ],
    ];
    for (const [name, args] of samples) {
      const r = await trace(...args, "--seed", "1", "--out", join(dir, name));
      assert.equal(r.code, 0, r.stderr);
      const committed = await Deno.readFile(join(ROOT, "traces", "samples", name));
      assert.deepEqual(await Deno.readFile(join(dir, name)), committed, name);
    }
  });
});

Deno.test("trace --format json prints a summary on stdout and writes the header", async () => {
  await withTempDir(async (dir) => {
    const out = join(dir, "w14.txt");
    const r = await trace(
      "--map",
      "traces/synthetic/W14_D0",
      "traces/synthetic/W14_D1",
      "--duration",
      "60",
      "--seed",
      "4",
      "--out",
      out,
      "--format",
      "json",
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    const summary = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(summary).sort(), [
      "count",
      "durationSec",
      "mapRatePerSec",
      "out",
      "ratePerSec",
      "seed",
      "source",
    ]);
    assert.equal(summary.source, "traces/synthetic/W14_D0 and traces/synthetic/W14_D1");
    assert.equal(summary.seed, 4);
    assert.equal(summary.durationSec, 60);
    assert.ok(Math.abs(summary.mapRatePerSec - 65) < 1e-9); // (10 + 120) / 2
    const gaps = await readInterArrivalFile(out);
    assert.equal(gaps.length, summary.count);
    assert.equal(summary.ratePerSec, summary.count / 60);
    let sum = 0;
    for (const g of gaps) sum += g;
    assert.ok(sum <= 60 && sum > 59, `${sum}`); // the last arrival is within the 60 s
    const text = await Deno.readTextFile(out);
    assert.equal(
      text.split("\n").slice(0, 3).join("\n"),
      "# Inter-arrival times in seconds, one per line (deno task trace).\n" +
        "# MAP: traces/synthetic/W14_D0 and traces/synthetic/W14_D1.\n" +
        "# Simulated for 60 s from a stationary start, seed 4 (MT19937, lib/random/prng.ts).",
    );
  });
});

Deno.test("trace prints a one-line summary on stderr by default", async () => {
  await withTempDir(async (dir) => {
    const r = await trace(
      "--trace",
      "twitter",
      "--hour",
      "2",
      "--duration",
      "10",
      "--out",
      join(
        dir,
        "t.txt",
      ),
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "");
    assert.match(
      r.stderr,
      new RegExp(
        String.raw`^trace: wrote \d+ inter-arrival times to .*t\.txt: [\d.]+ req/s over 10 s ` +
          String.raw`\(the MAP's rate is 35\.051 req/s; seed 1\)\n$`,
      ),
    );
  });
});

Deno.test("trace rejects bad flags and files with one line and exit code 2", async () => {
  await withTempDir(async (dir) => {
    const out = join(dir, "x.txt");
    const cases: [string[], RegExp][] = [
      [["--bogus"], /Unknown option '--bogus'/],
      [["--trace", "twitter", "--hour", "1"], /--out FILE is required/],
      [["--out", out], /a MAP is required: --map D0 D1, or --trace NAME with --hour H/],
      [["--trace", "twitter", "--out", out], /--hour is required with --trace/],
      [["--map", "traces/synthetic/W14_D0", "--out", out], /--map takes two files, D0 and D1/],
      [
        ["--map", "a", "b", "--trace", "nys", "--hour", "1", "--out", out],
        /--map and --trace\/--hour are exclusive/,
      ],
      [["--trace", "nys", "--hour", "0", "--out", out], /--hour must be an hour >= 1: found 0/],
      [["--trace", "nys", "--hour", "25", "--out", out], /MAP25_D0 does not exist/],
      [["--trace", "nys", "--hour", "1", "--duration=0", "--out", out], /--duration must be > 0/],
      [["--trace", "nys", "--hour", "1", "--duration", "-5", "--out", out], /--duration must be > 0/],
      [
        ["--trace", "nys", "--hour", "1", "--seed", "1.5", "--out", out],
        /--seed must be an integer/,
      ],
      [
        ["--trace", "nys", "--hour", "1", "--format", "xml", "--out", out],
        /--format must be one of/,
      ],
      [["--map", "nope_D0", "nope_D1", "--out", out], /nope_D0 does not exist/],
      [["--trace", "nys", "--hour", "1", "--out", join(dir, "no", "dir", "x.txt")], /No such file/],
    ];
    for (const [args, pattern] of cases) {
      const r = await trace(...args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, pattern);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.equal(r.stdout, "");
    }
  });
});

Deno.test("trace --help lists every flag", async () => {
  const r = await trace("--help");
  assert.equal(r.code, 0);
  for (const flag of ["--map", "--trace", "--hour", "--duration", "--seed", "--out", "--format"]) {
    assert.ok(r.stdout.includes(flag), flag);
  }
});

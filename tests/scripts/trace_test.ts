import assert from "node:assert/strict";
import { join } from "node:path";
import { readInterArrivalFile } from "../../lib/io/trace_files.ts";
import { ROOT, runScript, withTempDir } from "./_run_script.ts";
import { type BadCase, checkBadCases, checkHelp } from "./_cli_table.ts";

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

Deno.test("trace --map D0,D1 and --map D0 D1 write the same file", async () => {
  await withTempDir(async (dir) => {
    const w14 = ["traces/synthetic/W14_D0", "traces/synthetic/W14_D1"];
    const forms = [["--map", w14.join(",")], ["--map", ...w14], [`--map=${w14.join(",")}`]];
    const files: string[] = [];
    for (const [i, form] of forms.entries()) {
      const out = join(dir, `w14_${i}.txt`);
      const r = await trace(...form, "--duration", "60", "--out", out);
      assert.equal(r.code, 0, r.stderr);
      files.push(await Deno.readTextFile(out));
    }
    assert.match(files[0], /^# MAP: traces\/synthetic\/W14_D0 and traces\/synthetic\/W14_D1\.$/m);
    assert.equal(files[1], files[0]);
    assert.equal(files[2], files[0]);
  });
});

Deno.test("trace rejects bad flags and files with one line and exit code 2", async () => {
  await withTempDir(async (dir) => {
    const out = join(dir, "x.txt");
    // A reducible MAP: two phases that never meet (D0 + D1 = 0).
    await Deno.writeTextFile(join(dir, "R_D0"), "-1,0\n0,-1\n");
    await Deno.writeTextFile(join(dir, "R_D1"), "1,0\n0,1\n");
    const reducible = `${join(dir, "R_D0")},${join(dir, "R_D1")}`;
    const hourOne = join(dir, "one");
    await Deno.mkdir(hourOne);
    for (const d of ["D0", "D1"]) {
      await Deno.copyFile(`traces/nys/MAP1_${d}`, join(hourOne, `MAP1_${d}`));
    }
    const nys = ["--trace", "nys", "--hour", "1"];
    const cases: BadCase[] = [
      { kind: "unknown flag", args: ["--bogus"], message: /Unknown option '--bogus'/ },
      { kind: "missing value", args: [...nys, "--out"], message: /'--out/ },
      {
        kind: "not a number",
        args: [...nys, "--duration", "x", "--out", out],
        message: /--duration must be a number: found 'x'/,
      },
      {
        kind: "not a number",
        what: "hexadecimal",
        args: [...nys, "--seed", "0x10", "--out", out],
        message: /--seed must be a number: found '0x10'/,
      },
      {
        kind: "required flag",
        args: ["--trace", "twitter", "--hour", "1"],
        message: /--out FILE is required/,
      },
      {
        kind: "required flag",
        args: ["--out", out],
        message: /a MAP is required: --map D0,D1, or --trace NAME with --hour H/,
      },
      {
        kind: "required flag",
        args: ["--trace", "twitter", "--out", out],
        message: /--hour H \(1\.\.24\) is required with --trace/,
      },
      {
        kind: "ignored combination",
        args: ["--hour", "3", "--out", out],
        message: /--hour needs --trace NAME/,
      },
      {
        kind: "bad value",
        what: "one file",
        args: ["--map", "traces/synthetic/W14_D0", "--out", out],
        message: /--map takes two files, D0,D1: found 1 \(traces\/synthetic\/W14_D0\)/,
      },
      {
        kind: "conflicting flags",
        what: "conflicting sources",
        args: ["--map", "a,b", "--trace", "nys", "--hour", "1", "--out", out],
        message: /--map and --trace are exclusive: give one MAP/,
      },
      {
        kind: "out of range",
        args: ["--trace", "nys", "--hour", "0", "--out", out],
        message: /--hour must be an hour within 1\.\.24 \(hour h covers h-1\.\.h\): found '0'/,
      },
      {
        kind: "out of range",
        args: ["--trace", "nys", "--hour", "25", "--out", out],
        message: /--hour must be an hour within 1\.\.24 \(hour h covers h-1\.\.h\): found '25'/,
      },
      {
        kind: "bad file",
        what: "an hour the directory lacks",
        args: ["--trace", hourOne, "--hour", "2", "--out", out],
        message: /--trace .*one has no hour 2 \(it has 1\)/,
      },
      {
        kind: "bad file",
        what: "no such trace",
        args: ["--trace", join(dir, "none"), "--hour", "2", "--out", out],
        message: /--trace .*none: not twitter or nys, and .*none does not exist/,
      },
      {
        kind: "out of range",
        args: [...nys, "--duration=0", "--out", out],
        message: /--duration must be a number > 0 s: found '0'/,
      },
      {
        kind: "out of range",
        args: [...nys, "--duration", "-5", "--out", out],
        message: /--duration must be a number > 0 s: found '-5'/,
      },
      {
        kind: "out of range",
        what: "not an integer",
        args: [...nys, "--seed", "1.5", "--out", out],
        message: /--seed must be an integer: found '1\.5'/,
      },
      {
        kind: "bad value",
        what: "bad format",
        args: [...nys, "--format", "xml", "--out", out],
        message: /--format must be one of text, json: found 'xml'/,
      },
      {
        kind: "bad file",
        what: "missing MAP file",
        args: ["--map", "nope_D0", "nope_D1", "--out", out],
        message: /nope_D0 does not exist/,
      },
      {
        kind: "bad file",
        what: "a reducible MAP",
        args: ["--map", reducible, "--out", out],
        message:
          /the MAP of .*R_D0 and .*R_D1 has no stationary phase distribution \(.*singular at column 1\): D0 \+ D1 must be an irreducible generator/,
      },
      {
        kind: "bad file",
        what: "a directory as --out",
        args: [...nys, "--out", dir],
        message: /--out .* is a directory: give the path of a file to write/,
      },
      {
        kind: "bad file",
        what: "--out in a missing directory",
        args: [...nys, "--out", join(dir, "no", "dir", "x.txt")],
        message:
          /--out .*x\.txt: its directory does not exist: create it first, or give another path/,
      },
    ];
    assert.equal(await checkBadCases("trace", "trace", cases), 22);
  });
});

Deno.test("trace --help lists every flag and the exit codes", async () => {
  const help = await checkHelp("trace");
  for (
    const flag of ["--map D0,D1", "--trace", "--hour", "--duration", "--seed", "--out", "--format"]
  ) {
    assert.ok(help.stdout.includes(flag), flag);
  }
  assert.match(help.stdout, /1\.\.24 \(hour h covers h-1\.\.h\)/);
});

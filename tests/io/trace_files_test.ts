import assert from "node:assert/strict";
import { join } from "node:path";
import { readMapHour } from "../../lib/io/map_files.ts";
import {
  readInterArrivalFile,
  readTimestampFile,
  TraceFileSyntaxError,
  writeInterArrivalFile,
  writeMapFiles,
} from "../../lib/io/trace_files.ts";
import { mmpp2 } from "../../lib/map/map_process.ts";
import { map2FromMoments } from "../../lib/map/map2_fit.ts";
import { seededPrng } from "../../lib/random/prng.ts";

async function withTempDir(body: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "trace_files_test_" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("readInterArrivalFile() skips blank and # lines, CRLF and a BOM", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "gaps.txt");
    await Deno.writeTextFile(path, "\uFEFF# from MMPP_arrival\r\n0.5\r\n\r\n  1e-3 \n#x\n.25\n7");
    assert.deepEqual(Array.from(await readInterArrivalFile(path)), [0.5, 0.001, 0.25, 7]);
  });
});

Deno.test("readInterArrivalFile() rejects a bad line with TraceFileSyntaxError", async () => {
  await withTempDir(async (dir) => {
    const cases: [string, number, string, string][] = [
      ["0.5\nabc\n", 2, "abc", 'expected a decimal number, found "abc"'],
      ["0.5\n0.1 0.2\n", 2, "0.1 0.2", "expected one number per line, found 2 fields"],
      ["0.5\n\n-0.25\n", 3, "-0.25", "expected an inter-arrival time >= 0 s, found -0.25"],
      ["1e999\n", 1, "1e999", 'expected a finite number, found "1e999"'],
      ["NaN\n", 1, "NaN", 'expected a decimal number, found "NaN"'],
      ["# nothing\n\n", 2, "", "expected at least one inter-arrival time, found none"],
    ];
    for (const [content, line, text, reason] of cases) {
      const path = join(dir, "bad.txt");
      await Deno.writeTextFile(path, content);
      const error = await readInterArrivalFile(path).then(
        () => assert.fail(`no error for ${JSON.stringify(content)}`),
        (e) => e,
      );
      assert.ok(error instanceof TraceFileSyntaxError && error instanceof SyntaxError);
      assert.equal(error.name, "TraceFileSyntaxError");
      assert.deepEqual([error.file, error.line, error.text, error.reason], [
        path,
        line,
        text,
        reason,
      ]);
      assert.equal(error.message, `${path}:${line}: ${reason}`);
    }
    await assert.rejects(() => readInterArrivalFile(join(dir, "missing.txt")), {
      name: "NotFound",
      message: `Cannot read the trace as ${join(dir, "missing.txt")} does not exist`,
    });
  });
});

Deno.test("readTimestampFile() accepts equal and negative times, rejects a decrease", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "times.txt");
    await Deno.writeTextFile(path, "-1\n0\n0\n# gap\n2.5\n");
    assert.deepEqual(Array.from(await readTimestampFile(path)), [-1, 0, 0, 2.5]);
    await Deno.writeTextFile(path, "1\n# note\n3\n2.5\n");
    await assert.rejects(() => readTimestampFile(path), {
      name: "TraceFileSyntaxError",
      message: `${path}:4: expected a time >= the previous one (3 s on line 3), found 2.5`,
    });
  });
});

Deno.test("writeInterArrivalFile() round-trips 200000 gaps at 9 significant digits", async () => {
  // More than three chunks of 65536 lines; gaps spanning 1e-9 .. 1e3 s (seed 2).
  await withTempDir(async (dir) => {
    const prng = seededPrng(2);
    const gaps = Float64Array.from({ length: 200_000 }, () => 10 ** (12 * prng.nextFloat() - 9));
    gaps[0] = 0;
    const path = join(dir, "out.txt");
    await writeInterArrivalFile(path, gaps, { comments: ["MAP twitter hour 1", "seed 1\nmore"] });
    const text = await Deno.readTextFile(path);
    assert.ok(text.startsWith("# MAP twitter hour 1\n# seed 1\n# more\n0\n"));
    assert.equal(text.split("\n").length, 200_000 + 3 + 1);
    const back = await readInterArrivalFile(path);
    assert.equal(back.length, gaps.length);
    for (let i = 0; i < gaps.length; i++) {
      // 9 significant digits: relative rounding error at most 5e-9.
      assert.ok(Math.abs(back[i] - gaps[i]) <= 5e-9 * gaps[i], `${i}: ${back[i]} vs ${gaps[i]}`);
    }
  });
});

Deno.test("writeInterArrivalFile() checks every gap before writing", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "never.txt");
    await assert.rejects(() => writeInterArrivalFile(path, [0.1, NaN]), {
      name: "RangeError",
      message: `Cannot write the inter-arrival file ${path}: expected times that are finite ` +
        "numbers >= 0 s, found NaN at index 1",
    });
    await assert.rejects(() => Deno.stat(path), Deno.errors.NotFound);
  });
});

Deno.test("writeMapFiles() writes the traces/ format and readMapHour() reads it back", async () => {
  await withTempDir(async (dir) => {
    const out = join(dir, "fitted", "maps");
    // traces/synthetic/W14 has short decimals: they are written as they are.
    const w14 = mmpp2({
      rate1PerSec: 10,
      rate2PerSec: 120,
      switch12PerSec: 0.05,
      switch21PerSec: 0.05,
    });
    const paths = await writeMapFiles(out, 14, w14);
    assert.deepEqual(paths, { d0Path: join(out, "MAP14_D0"), d1Path: join(out, "MAP14_D1") });
    assert.equal(await Deno.readTextFile(paths.d0Path), "-10.05,0.05\n0.05,-120.05\n");
    assert.equal(await Deno.readTextFile(paths.d1Path), "10,0\n0,120\n");
    // A fitted MAP with full-precision rates: 9 digits, validated on reading.
    const { map } = map2FromMoments([0.02, 0.0012, 0.0001], 0.05);
    await writeMapFiles(out, 1, map);
    const back = await readMapHour(out, 1);
    for (const k of ["d0", "d1"] as const) {
      for (let i = 0; i < 2; i++) {
        for (let j = 0; j < 2; j++) {
          const want = map[k][i][j];
          assert.ok(Math.abs(back[k][i][j] - want) <= 5e-9 * Math.abs(want), `${k}[${i}][${j}]`);
        }
      }
    }
  });
});

Deno.test("writeMapFiles() rejects a bad hour or an invalid MAP", async () => {
  const map = mmpp2({ rate1PerSec: 1, rate2PerSec: 2, switch12PerSec: 1, switch21PerSec: 1 });
  await assert.rejects(() => writeMapFiles("unused", 0, map), {
    name: "RangeError",
    message: "Cannot write the MAP files: expected 'hour' to be a positive integer, found 0",
  });
  await assert.rejects(
    () => writeMapFiles("unused", 1, { d0: [[-1, 0], [0, -1]], d1: [[2, 0], [0, 1]] }),
    { name: "RangeError", message: /row 1 of D0 \+ D1 sums to 1/ },
  );
});

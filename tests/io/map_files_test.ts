import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readMapDirectory, readMapHour, readMapPair } from "../../lib/io/map_files.ts";
import { mmpp2 } from "../../lib/map/map_process.ts";
import { MapFileSyntaxError } from "../../lib/map/map_text.ts";
import { arrivalRatePerSec } from "../../lib/map/moments.ts";

const TRACES = fileURLToPath(new URL("../../traces/", import.meta.url));
const HOURS = Array.from({ length: 24 }, (_, i) => i + 1);

function assertRejectsWith(
  promise: Promise<unknown>,
  errorClass: new (...args: never[]) => Error,
  message: string,
): Promise<void> {
  return assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof errorClass, `expected a ${errorClass.name}, got ${error}`);
    assert.equal(error.message, message);
    return true;
  });
}

/** Runs `fn` on a fresh temporary directory holding `files`, then removes it. */
async function withFiles(
  files: Record<string, string>,
  fn: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "map_files_test_" });
  try {
    for (const [name, text] of Object.entries(files)) {
      await Deno.writeTextFile(join(dir, name), text);
    }
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const VALID_D0 = "-3,1\n0.5,-6\n";
const VALID_D1 = "1.5,0.5\n1,4.5\n";

Deno.test("readMapDirectory() reads the 24 hourly MAPs of the Twitter trace", async () => {
  const maps = await readMapDirectory(join(TRACES, "twitter"));
  assert.deepEqual(maps.map(({ hour }) => hour), HOURS);
  // traces/twitter/MAP1_D0 and MAP1_D1 as published.
  assert.deepEqual(maps[0].map, {
    d0: [[-14.625001, 0], [0, -35.171226]],
    d1: [[0.05102, 14.573981], [0.063796, 35.107429]],
  });
  assert.equal(maps[0].map.d0[0][0], -14.625001);
  // shared/reference/README.md: "Mean rates 35-78 requests/s" (computed 35.05 to 77.76).
  for (const { hour, map } of maps) {
    const rate = arrivalRatePerSec(map);
    assert.ok(rate >= 35 && rate <= 78, `hour ${hour}: rate ${rate}`);
  }
});

Deno.test("readMapDirectory() reads the 24 hourly MAPs of the NYS trace", async () => {
  const maps = await readMapDirectory(join(TRACES, "nys"));
  assert.deepEqual(maps.map(({ hour }) => hour), HOURS);
  // shared/reference/README.md: "Mean rates 9.6-168 requests/s" (computed 9.59 to 168.37).
  for (const { hour, map } of maps) {
    const rate = arrivalRatePerSec(map);
    assert.ok(rate >= 9.55 && rate <= 168.5, `hour ${hour}: rate ${rate}`);
  }
});

Deno.test("readMapHour() reads MAP<hour>_D0 and MAP<hour>_D1 of a directory", async () => {
  const dir = join(TRACES, "twitter");
  const maps = await readMapDirectory(dir);
  assert.deepEqual(await readMapHour(dir, 1), maps[0].map);
  assert.deepEqual(await readMapHour(dir, 24), maps[23].map);
  assert.deepEqual(await readMapHour(`${dir}/`, 13), maps[12].map);
});

Deno.test("readMapPair() reads a pair of files of any names, as the synthetic traces", async () => {
  const dir = join(TRACES, "synthetic");
  // traces/synthetic/W14_D* as published: an MMPP(2).
  assert.deepEqual(
    await readMapPair(join(dir, "W14_D0"), join(dir, "W14_D1")),
    mmpp2({ rate1PerSec: 10, rate2PerSec: 120, switch12PerSec: 0.05, switch21PerSec: 0.05 }),
  );
  const w21 = await readMapPair(join(dir, "W21_D0"), join(dir, "W21_D1"));
  assert.deepEqual(w21, { d0: [[-10.1, 0], [0, -202]], d1: [[0.1, 10], [200, 2]] });
});

Deno.test("readMapDirectory() sorts hours numerically and ignores other files", async () => {
  const files = {
    MAP10_D0: VALID_D0,
    MAP10_D1: VALID_D1,
    MAP2_D0: "-1\n",
    MAP2_D1: "1\n",
    "notes.txt": "not a matrix",
    MAP01_D0: "not a matrix",
    MAP3_D2: "not a matrix",
  };
  await withFiles(files, async (dir) => {
    const maps = await readMapDirectory(dir);
    assert.deepEqual(maps, [
      { hour: 2, map: { d0: [[-1]], d1: [[1]] } },
      { hour: 10, map: { d0: [[-3, 1], [0.5, -6]], d1: [[1.5, 0.5], [1, 4.5]] } },
    ]);
  });
});

Deno.test("readMapDirectory() throws NotFound when a D0 or a D1 file has no partner", async () => {
  await withFiles(
    { MAP1_D0: VALID_D0, MAP1_D1: VALID_D1, MAP2_D0: VALID_D0 },
    (dir) =>
      assertRejectsWith(
        readMapDirectory(dir),
        Deno.errors.NotFound,
        `Cannot read the MAPs as ${join(dir, "MAP2_D0")} has no matching ${join(dir, "MAP2_D1")}`,
      ),
  );
  await withFiles({ MAP5_D1: VALID_D1 }, (dir) =>
    assertRejectsWith(
      readMapDirectory(dir),
      Deno.errors.NotFound,
      `Cannot read the MAPs as ${join(dir, "MAP5_D1")} has no matching ${join(dir, "MAP5_D0")}`,
    ));
});

Deno.test("readMapDirectory() throws NotFound when no hourly MAP or directory exists", async () => {
  await withFiles({ W14_D0: VALID_D0, W14_D1: VALID_D1 }, (dir) =>
    assertRejectsWith(
      readMapDirectory(dir),
      Deno.errors.NotFound,
      `Cannot read the MAPs as ${dir} holds no MAP<h>_D0 and MAP<h>_D1 files`,
    ));
  await withFiles({}, async (dir) => {
    const missing = join(dir, "absent");
    await assertRejectsWith(
      readMapDirectory(missing),
      Deno.errors.NotFound,
      `Cannot read the MAPs as the directory ${missing} does not exist`,
    );
  });
});

Deno.test("readMapHour() throws NotFound naming the path when a file is missing", async () => {
  await withFiles({ MAP1_D0: VALID_D0 }, async (dir) => {
    await assertRejectsWith(
      readMapHour(dir, 1),
      Deno.errors.NotFound,
      `Cannot read the MAP as ${join(dir, "MAP1_D1")} does not exist`,
    );
    await assertRejectsWith(
      readMapHour(dir, 2),
      Deno.errors.NotFound,
      `Cannot read the MAP as ${join(dir, "MAP2_D0")} does not exist`,
    );
  });
});

Deno.test("readMapHour() throws a RangeError when the hour is not a positive integer", async () => {
  for (const [hour, shown] of [[0, "0"], [1.5, "1.5"], [NaN, "NaN"], [-3, "-3"]]) {
    await assertRejectsWith(
      readMapHour(join(TRACES, "twitter"), hour as number),
      RangeError,
      `Cannot read the MAP as 'hour' must be a positive integer: current value is ${shown}`,
    );
  }
});

Deno.test("readMapHour() throws a MapFileSyntaxError naming the file and line", async () => {
  await withFiles({ MAP1_D0: VALID_D0, MAP1_D1: "1.5,0.5\n1,4.5x\n" }, async (dir) => {
    const path = join(dir, "MAP1_D1");
    await assert.rejects(readMapHour(dir, 1), (error: unknown) => {
      assert.ok(error instanceof MapFileSyntaxError);
      assert.equal(error.message, `${path}:2: field 2 must be a decimal number: found "4.5x"`);
      assert.deepEqual([error.file, error.line, error.text], [path, 2, "1,4.5x"]);
      return true;
    });
  });
});

Deno.test("readMapHour() prefixes the file names to MAP validation errors", async () => {
  await withFiles({ MAP1_D0: "-3,1\n0.5,-6\n", MAP1_D1: "1.5,0.5\n1,5.5\n" }, async (dir) => {
    const prefix = `${join(dir, "MAP1_D0")}, ${join(dir, "MAP1_D1")}: `;
    await assert.rejects(readMapHour(dir, 1), (error: unknown) => {
      assert.ok(error instanceof RangeError);
      assert.equal(
        error.message,
        `${prefix}Cannot use the MAP as row 2 of D0 + D1 sums to 1 instead of 0 ` +
          "(tolerance 1.3e-5)",
      );
      assert.ok(error.cause instanceof RangeError);
      return true;
    });
  });
  await withFiles(
    { MAP1_D0: "-1,1\n1,-1\n", MAP1_D1: "1,0,0\n0,1,0\n0,0,1\n" },
    (dir) =>
      assertRejectsWith(
        readMapHour(dir, 1),
        TypeError,
        `${join(dir, "MAP1_D0")}, ${join(dir, "MAP1_D1")}: ` +
          "Cannot use the MAP as D1 must have the same size as D0 (2x2): found 3x3",
      ),
  );
});

Deno.test("readMapPair() passes options.rowSumTolerance to mapProcess()", async () => {
  await withFiles({ A: "-1.01\n", B: "1\n" }, async (dir) => {
    await assertRejectsWith(
      readMapPair(join(dir, "A"), join(dir, "B")),
      RangeError,
      `${join(dir, "A")}, ${join(dir, "B")}: ` +
        "Cannot use the MAP as row 1 of D0 + D1 sums to -0.01 instead of 0 (tolerance 2.01e-6)",
    );
    const map = await readMapPair(join(dir, "A"), join(dir, "B"), { rowSumTolerance: 0.01 });
    assert.deepEqual(map, { d0: [[-1.01]], d1: [[1]] });
  });
});

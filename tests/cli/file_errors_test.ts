import assert from "node:assert/strict";
import { explainFileError } from "../../lib/cli/file_errors.ts";

Deno.test("explainFileError() names the path and the flag and says what to do, keeping the class", async (t) => {
  // The errors Deno raises (Deno 2.9, Linux), caught from the calls that raise them.
  const caught = async (f: () => Promise<unknown>) => {
    try {
      await f();
    } catch (e) {
      return e;
    }
    throw new Error("no error");
  };
  const dir = await Deno.makeTempDir({ prefix: "file_errors_" });
  try {
    const file = `${dir}/a.txt`;
    await Deno.writeTextFile(file, "x");
    const cases: [string, unknown, Parameters<typeof explainFileError>[1], string][] = [
      [
        "a file to write that is a directory",
        await caught(() => Deno.writeTextFile(dir, "x")),
        { path: dir, flag: "--out", kind: "file", access: "write" },
        `--out ${dir} is a directory: give the path of a file to write (e.g. ${dir}/out.txt)`,
      ],
      [
        "a file to read that is a directory",
        await caught(() => Deno.readTextFile(dir)),
        { path: dir, kind: "file", access: "read" },
        `${dir} is a directory: give the path of a file to read`,
      ],
      [
        "a directory to create that is a file",
        await caught(() => Deno.mkdir(file, { recursive: true })),
        { path: file, flag: "--out", kind: "directory", access: "write" },
        `--out ${file} is a file: give a directory (created if missing), or move the file away`,
      ],
      [
        "a path under a file",
        await caught(() => Deno.mkdir(`${file}/x`, { recursive: true })),
        { path: `${file}/x`, flag: "--out", kind: "directory", access: "write" },
        `--out ${file}/x: a part of the path is a file, not a directory: give another path`,
      ],
      [
        "a file in a directory that does not exist",
        await caught(() => Deno.writeTextFile(`${dir}/no/x.txt`, "x")),
        { path: `${dir}/no/x.txt`, flag: "--out", kind: "file", access: "write" },
        `--out ${dir}/no/x.txt: its directory does not exist: create it first, or give another path`,
      ],
    ];
    for (const [what, raw, use, message] of cases) {
      await t.step(what, () => {
        const e = explainFileError(raw, use) as Error;
        assert.equal(e.constructor, (raw as Error).constructor);
        assert.equal(e.message, message);
        assert.equal(e.cause, raw);
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  await t.step("other errors pass through", () => {
    const bug = new Error("a bug");
    assert.equal(explainFileError(bug, { path: "x", kind: "file", access: "read" }), bug);
  });
});

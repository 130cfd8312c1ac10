import assert from "node:assert/strict";
import { type BadCase, checkBadCases, checkHelp } from "./_cli_table.ts";

// Only --help and refused command lines: the benchmark itself takes minutes.
const PERMISSIONS = [
  "--allow-read",
  "--allow-write",
  "--allow-run",
  "--allow-env",
  "--allow-sys",
  "--allow-ffi",
];

Deno.test("bench --help documents --only, --long, --format, the cases and the exit codes", async () => {
  const help = await checkHelp("bench", { permissions: PERMISSIONS });
  for (const text of ["--only TEXT", "--long", "--format FORMAT", "table, json or csv"]) {
    assert.ok(help.stdout.includes(text), text);
  }
  assert.match(help.stdout, /Cases:\n {2}paper, 24 Twitter hours/);
  assert.match(help.stdout, /Exit codes: 0 done; 1 a benchmarked command failed/);
});

Deno.test("bench refuses bad command lines in one line with exit code 2, before timing anything", async () => {
  const cases: BadCase[] = [
    { kind: "unknown flag", args: ["--bogus"], message: /Unknown option '--bogus'/ },
    { kind: "missing value", args: ["--only"], message: /'--only/ },
    {
      kind: "bad value",
      what: "bad format",
      args: ["--format", "xml"],
      message: /--format must be one of table, json, csv: found 'xml'/,
    },
    {
      kind: "bad value",
      what: "a filter that matches nothing",
      args: ["--only", "nothing"],
      message: /--only 'nothing' matches no case and no section/,
    },
    {
      kind: "bad value",
      what: "an empty filter",
      args: ["--only="],
      message: /--only '' matches no case and no section/,
    },
    {
      kind: "ignored combination",
      args: ["--only", "exact", "--long"],
      message: /--long adds a buffer run, and --only 'exact' leaves out the buffer section/,
    },
  ];
  assert.equal(await checkBadCases("bench", "bench", cases, { permissions: PERMISSIONS }), 6);
});

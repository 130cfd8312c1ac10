import assert from "node:assert/strict";
import { type BadCase, checkBadCases, checkHelp } from "./_cli_table.ts";

const PERMISSIONS = ["--allow-read", "--allow-write", "--allow-run", "--allow-env"];

Deno.test("notebooks --help documents the flags, the cell numbering and the exit codes", async () => {
  const help = await checkHelp("notebooks", { permissions: PERMISSIONS });
  for (const flag of ["--write", "--deno", "--timeout S", "--format FORMAT"]) {
    assert.ok(help.stdout.includes(flag), flag);
  }
  assert.match(help.stdout, /table, json or csv/);
  assert.match(help.stdout, /Exit codes: 0 every notebook ran clean; 1 .*\n.*; 2 bad options/);
});

Deno.test("notebooks refuses bad command lines in one line with exit code 2, before running anything", async () => {
  const cases: BadCase[] = [
    { kind: "unknown flag", args: ["--bogus"], message: /Unknown option '--bogus'/ },
    { kind: "missing value", args: ["--timeout"], message: /--timeout/ },
    {
      kind: "not a number",
      args: ["--timeout", "x"],
      message: /--timeout must be a number: found 'x'/,
    },
    {
      kind: "not a number",
      what: "hexadecimal",
      args: ["--timeout", "0x10"],
      message: /--timeout must be a number/,
    },
    {
      kind: "out of range",
      args: ["--timeout", "0"],
      message: /--timeout must be a number > 0 s: found '0'/,
    },
    {
      kind: "out of range",
      what: "negative",
      args: ["--timeout", "-5"],
      message: /--timeout must be a number > 0 s: found '-5'/,
    },
    {
      kind: "bad value",
      what: "bad format",
      args: ["--format", "xml"],
      message: /--format must be one of table, json, csv: found 'xml'/,
    },
    {
      kind: "bad value",
      what: "unknown notebook",
      args: ["--deno", "99_nothing"],
      message: /No notebook 99_nothing\.ipynb in notebooks\//,
    },
    {
      kind: "ignored combination",
      args: ["--deno", "--timeout", "5"],
      message: /--timeout needs Jupyter: it does nothing with --deno/,
    },
    {
      kind: "ignored combination",
      args: ["--write", "--deno"],
      message: /--write needs Jupyter: it does nothing with --deno/,
    },
  ];
  assert.equal(
    await checkBadCases("notebooks", "notebooks", cases, { permissions: PERMISSIONS }),
    10,
  );
});

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
    { what: "unknown flag", args: ["--bogus"], message: /Unknown option '--bogus'/ },
    { what: "missing value", args: ["--timeout"], message: /--timeout/ },
    {
      what: "non-number",
      args: ["--timeout", "x"],
      message: /--timeout must be a number: found 'x'/,
    },
    { what: "hexadecimal", args: ["--timeout", "0x10"], message: /--timeout must be a number/ },
    {
      what: "out of range",
      args: ["--timeout", "0"],
      message: /--timeout must be a number > 0 s: found '0'/,
    },
    {
      what: "negative",
      args: ["--timeout", "-5"],
      message: /--timeout must be a number > 0 s: found '-5'/,
    },
    {
      what: "bad format",
      args: ["--format", "xml"],
      message: /--format must be one of table, json, csv: found 'xml'/,
    },
    {
      what: "unknown notebook",
      args: ["--deno", "99_nothing"],
      message: /No notebook 99_nothing\.ipynb in notebooks\//,
    },
    {
      what: "ignored combination",
      args: ["--deno", "--timeout", "5"],
      message: /--timeout needs Jupyter: it does nothing with --deno/,
    },
    {
      what: "ignored combination",
      args: ["--write", "--deno"],
      message: /--write needs Jupyter: it does nothing with --deno/,
    },
  ];
  assert.equal(
    await checkBadCases("notebooks", "notebooks", cases, { permissions: PERMISSIONS }),
    10,
  );
});

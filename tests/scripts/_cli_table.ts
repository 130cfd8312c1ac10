/**
 * Table-driven checks of a task's command line (issue 11): `--help` exits 0
 * and states the exit codes; each bad input is one line on stderr, exit code 2,
 * no stack frame; spellings of the same flags give the same output.
 */

import assert from "node:assert/strict";
import { ROOT } from "./_run_script.ts";

/** What a run printed and returned. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `scripts/<script>.ts` from the project root with the given permissions. */
export async function runCli(
  script: string,
  args: readonly string[],
  options: { permissions?: readonly string[]; env?: Record<string, string> } = {},
): Promise<CliRun> {
  const { permissions = ["--allow-read", "--allow-write", "--allow-env"], env = {} } = options;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...permissions, `scripts/${script}.ts`, ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...env },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** A bad command line and what its one line must say. */
export interface BadCase {
  /** What the case is, for the failure message (e.g. "unknown flag"). */
  what: string;
  args: string[];
  message: RegExp;
}

/**
 * Asserts a run is a user error: exit code 2, nothing on stdout, one line on
 * stderr matching `message`, and no stack frame.
 */
export function assertUserError(run: CliRun, c: BadCase, command: string): void {
  const label = `${command} ${c.args.join(" ")} (${c.what})`;
  assert.equal(run.code, 2, `${label}: exit ${run.code}\n${run.stderr}`);
  assert.equal(run.stdout, "", `${label}: stdout`);
  const lines = run.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `${label}: ${run.stderr}`);
  assert.ok(!/^\s+at /m.test(run.stderr), `${label}: a stack frame\n${run.stderr}`);
  assert.match(lines[0], new RegExp(`^${command}: `), label);
  assert.match(lines[0], c.message, `${label}: ${lines[0]}`);
}

/**
 * Runs every case and asserts each is a user error.
 *
 * @returns The number of cases checked.
 */
export async function checkBadCases(
  script: string,
  command: string,
  cases: readonly BadCase[],
  options: { permissions?: readonly string[]; env?: Record<string, string> } = {},
): Promise<number> {
  for (const c of cases) assertUserError(await runCli(script, c.args, options), c, command);
  return cases.length;
}

/** Asserts `--help` exits 0 with the usage and the exit codes on stdout. */
export async function checkHelp(
  script: string,
  options: { permissions?: readonly string[] } = {},
): Promise<CliRun> {
  const help = await runCli(script, ["--help"], options);
  assert.equal(help.code, 0, help.stderr);
  assert.equal(help.stderr, "");
  assert.match(help.stdout, /^Usage: deno task /);
  assert.match(help.stdout, /Exit codes: 0 /);
  const short = await runCli(script, ["-h"], options);
  assert.equal(short.stdout, help.stdout);
  return help;
}

/**
 * Table-driven checks of a task's command line (issue 11): `--help` exits 0
 * and states the exit codes; each bad input is one line on stderr, exit code 2,
 * no stack frame; spellings of the same flags give the same output (compared
 * {@linkcode withoutTimes}).
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

/** The kinds of bad command line issue 11 asks every task to refuse. */
export type BadCaseKind =
  | "unknown flag"
  | "missing value"
  | "not a number"
  | "out of range"
  | "ignored combination"
  | "conflicting flags"
  /** A required flag or operand left out. */
  | "required flag"
  /** Not one of the choices, or not of the form expected (a list, a pair, a time). */
  | "bad value"
  /** A path that does not exist, is of the wrong type, or holds what cannot be read. */
  | "bad file";

/** A bad command line and what its one line must say. */
export interface BadCase {
  kind: BadCaseKind;
  /** What the case is within its kind (e.g. "hexadecimal"), for the failure message. */
  what?: string;
  args: string[];
  message: RegExp;
}

/**
 * Asserts a run is a user error: exit code 2, nothing on stdout, one line on
 * stderr matching `message`, and no stack frame.
 */
export function assertUserError(run: CliRun, c: BadCase, command: string): void {
  const label = `${command} ${c.args.join(" ")} (${c.kind}${c.what ? `: ${c.what}` : ""})`;
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
 * @param options.parallel How many cases run at once, each a process of its own
 *   (default 1).
 * @returns The number of cases checked.
 */
export async function checkBadCases(
  script: string,
  command: string,
  cases: readonly BadCase[],
  options: {
    permissions?: readonly string[];
    env?: Record<string, string>;
    parallel?: number;
  } = {},
): Promise<number> {
  const { parallel = 1 } = options;
  for (let i = 0; i < cases.length; i += parallel) {
    await Promise.all(
      cases.slice(i, i + parallel).map(async (c) =>
        assertUserError(await runCli(script, c.args, options), c, command)
      ),
    );
  }
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

/** Removes what differs between two runs of the same command (elapsed times). */
export function withoutTimes(text: string): string {
  return text
    .replace(/"(elapsedSec|evaluationSec)":[0-9.e+-]+/g, '"$1":0')
    .replace(/ in \d+(\.\d+)? s/g, " in 0 s")
    .replace(/\(evaluation \d+(\.\d+)? s\)/g, "(evaluation 0 s)");
}

/**
 * The adaptive controller's flags given without `--adaptive`, each refused by
 * `task` (simulate and buffer) as an ignored combination.
 */
export function adaptiveOnlyCases(task: string): BadCase[] {
  return [
    "--window 60",
    "--slo 3",
    "--constraint cost",
    "--percentile 0.9",
    "--method paper",
    "--rate_margin 0.1",
    "--grid_memory 2048",
    "--grid-timeout 0.1",
    "--grid-batch 1:4",
  ].map((a) => ({
    kind: "ignored combination",
    args: a.split(" "),
    message: new RegExp(`^${task}: ${a.split(" ")[0]} needs --adaptive`),
  }));
}

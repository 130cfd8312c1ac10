/**
 * Table-driven checks of a CLI's answers to bad command lines (issue 11): exit
 * code 2, one line on stderr that starts with the task's name and matches what
 * is expected, no stack frame, nothing on stdout.
 */

import assert from "node:assert/strict";
import type { ScriptRun } from "./_run_script.ts";

/** One bad command line: what kind of mistake, the arguments, what stderr must say. */
export interface UsageCase {
  kind:
    | "unknown flag"
    | "missing value"
    | "not a number"
    | "out of range"
    | "ignored combination"
    | "conflicting flags"
    | "bad file";
  args: string[];
  stderr: RegExp;
}

/**
 * Runs every case and asserts the CLI refuses it as a user error.
 *
 * @param task The task's name, the prefix of its error line.
 * @param run Runs the task with arguments.
 * @param cases The bad command lines.
 * @returns How many cases ran.
 */
export async function assertUsageCases(
  task: string,
  run: (...args: string[]) => Promise<ScriptRun>,
  cases: readonly UsageCase[],
): Promise<number> {
  for (const c of cases) {
    const r = await run(...c.args);
    const what = `${c.kind}: ${task} ${c.args.join(" ")}\n${r.stderr}`;
    assert.equal(r.code, 2, what);
    assert.equal(r.stdout, "", what);
    const lines = r.stderr.trimEnd().split("\n");
    assert.equal(lines.length, 1, what);
    assert.doesNotMatch(r.stderr, /^\s+at /m, what);
    assert.ok(lines[0].startsWith(`${task}: `), what);
    assert.match(lines[0], c.stderr, what);
  }
  return cases.length;
}

/** Removes what differs between two runs of the same command (elapsed times). */
export function withoutTimes(text: string): string {
  return text
    .replace(/"(elapsedSec|evaluationSec)":[0-9.e+-]+/g, '"$1":0')
    .replace(/ in \d+(\.\d+)? s/g, " in 0 s")
    .replace(/\(evaluation \d+(\.\d+)? s\)/g, "(evaluation 0 s)");
}

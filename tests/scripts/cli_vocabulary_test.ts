/**
 * Every task of deno.json (but "test") answers the one vocabulary's two
 * common questions the same way (issue 11): `--help` exits 0 and states the
 * exit codes; an unknown flag exits 2 with one line on stderr that starts with
 * the task's name, and no stack frame. Each task runs with the permissions its
 * deno.json task grants, so a permission the task lacks shows up here.
 */

import assert from "node:assert/strict";
import { ROOT } from "./_run_script.ts";
import { assertUserError, runCli } from "./_cli_table.ts";

/** A task of deno.json: its name, the script it runs and the permissions it grants. */
interface Task {
  name: string;
  script: string;
  permissions: string[];
}

/** Reads the tasks of deno.json that run a script of scripts/, all but "test". */
async function readTasks(): Promise<Task[]> {
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  const tasks: Task[] = [];
  for (const [name, command] of Object.entries(config.tasks as Record<string, string>)) {
    if (name === "test") continue;
    const words = command.split(/\s+/);
    const script = name.replaceAll("-", "_");
    assert.deepEqual(
      [words[0], words[1], words.at(-1)],
      ["deno", "run", `scripts/${script}.ts`],
      `deno.json task ${name}: ${command}`,
    );
    const permissions = words.slice(2, -1);
    for (const p of permissions) assert.match(p, /^--allow-[a-z]+$/, `task ${name}: ${p}`);
    tasks.push({ name, script, permissions });
  }
  return tasks;
}

Deno.test("every task: --help exits 0 with the exit codes; an unknown flag exits 2 in one line", async () => {
  const tasks = await readTasks();
  // The tasks issue 11 names are all there; a task added later is checked as well.
  const names = tasks.map((t) => t.name);
  for (
    const name of [
      "bench",
      "buffer",
      "compare",
      "figures",
      "fit",
      "lambda-local",
      "logs",
      "notebooks",
      "plan",
      "simulate",
      "solve",
      "trace",
      "validate",
    ]
  ) assert.ok(names.includes(name), name);
  await Promise.all(tasks.map(async ({ name, script, permissions }) => {
    const help = await runCli(script, ["--help"], { permissions });
    assert.equal(help.code, 0, `${name} --help: exit ${help.code}\n${help.stderr}`);
    assert.equal(help.stderr, "", `${name} --help: stderr`);
    assert.match(help.stdout, /Exit codes/, `${name} --help`);
    assertUserError(
      await runCli(script, ["--no-such-flag"], { permissions }),
      {
        kind: "unknown flag",
        args: ["--no-such-flag"],
        message: /Unknown option '--no-such-flag'/,
      },
      name,
    );
  }));
});

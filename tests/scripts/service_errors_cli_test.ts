/**
 * What the buffer and logs tasks say when the world outside fails them: an
 * endpoint nobody listens on, AWS credentials that are missing, a function or
 * a memory the Lambda API refuses. One line on stderr, exit code 2, no stack.
 */

import assert from "node:assert/strict";
import { seededPrng } from "../../lib/random/prng.ts";
import { setUpLocalLambda } from "../lambda/_local_lambda.ts";
import { ROOT, withTempDir } from "./_run_script.ts";

/** A loopback port with nothing listening on it (bound, then released). */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function run(script: string, args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", `scripts/${script}.ts`, ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...env },
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

function assertOneLine(out: { code: number; stderr: string }, pattern: RegExp) {
  assert.equal(out.code, 2, out.stderr);
  assert.match(out.stderr, pattern);
  assert.equal(out.stderr.trim().split("\n").length, 1, out.stderr);
  assert.doesNotMatch(out.stderr, /^\s+at /m);
}

Deno.test("buffer and logs say in one line that nothing listens at --endpoint", async () => {
  const url = `http://127.0.0.1:${closedPort()}`;
  await withTempDir(async (dir) => {
    assertOneLine(
      await run("buffer", ["--endpoint", url, "--duration", "1", "--out", dir]),
      new RegExp(`^buffer: cannot reach the Lambda API at ${url}: connection refused`),
    );
  });
  assertOneLine(
    await run("logs", ["--function", "f", "--endpoint", url]),
    new RegExp(`^logs: cannot reach the Logs API at ${url}: connection refused`),
  );
});

Deno.test("buffer --aws without credentials says so in one line", async () => {
  await withTempDir(async (dir) => {
    const out = await run("buffer", ["--aws", "--duration", "1", "--out", dir], {
      AWS_ACCESS_KEY_ID: "",
      AWS_SECRET_ACCESS_KEY: "",
      AWS_SESSION_TOKEN: "",
      AWS_PROFILE: "",
      AWS_SHARED_CREDENTIALS_FILE: `${dir}/none`,
      AWS_CONFIG_FILE: `${dir}/none`,
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_CONTAINER_CREDENTIALS_FULL_URI: "",
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "",
      AWS_WEB_IDENTITY_TOKEN_FILE: "",
    });
    assertOneLine(out, /^buffer: no AWS credentials for AWS Lambda in us-east-1/);
  });
});

Deno.test("buffer reports a memory out of Lambda's range or a function name the Lambda API refuses in one line", async () => {
  await withTempDir(async (dir) => {
    // Lambda's memory range is checked before anything is sent.
    assertOneLine(
      await run("buffer", ["--memory", "99999", "--duration", "1", "--out", `${dir}/m`]),
      /^buffer: --memory must be an integer within 128\.\.10240 MB: found '99999'/,
    );
    assertOneLine(
      await run("buffer", ["--function_name", "bad name!", "--duration", "1", "--out", `${dir}/f`]),
      /^buffer: the in-process local Lambda refused the request: \w+Exception \(HTTP 400\): .*functionName/,
    );
  });
});

Deno.test("logs --function of a function that never ran says which log group is missing", async () => {
  const { server, client } = setUpLocalLambda({ prng: seededPrng(3) });
  try {
    assertOneLine(
      await run("logs", ["--function", "nosuch", "--endpoint", server.url]),
      /^logs: no log group \/aws\/lambda\/nosuch: the function does not exist there or has not run yet \(the Logs API at http/,
    );
  } finally {
    client.destroy();
    await server.close();
  }
});

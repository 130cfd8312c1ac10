import assert from "node:assert/strict";
import {
  CreateFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  LambdaClient,
  ListFunctionsCommand,
} from "@aws-sdk/client-lambda";
import { ROOT } from "./_run_script.ts";

/** `deno task lambda-local`'s permissions, with the given arguments and environment. */
function lambdaLocal(args: string[], env: Record<string, string> = {}) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-net", "--allow-env", "scripts/lambda_local.ts", ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...env },
    clearEnv: false,
  });
}

/** Runs lambda-local to its end (for runs that exit by themselves). */
async function runToEnd(args: string[], env: Record<string, string> = {}) {
  const out = await lambdaLocal(args, env).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/**
 * Starts lambda-local on a free port, runs `body` with a client for it once it
 * listens, then stops it with SIGTERM and returns its exit code.
 */
async function whileServing(
  args: string[],
  body: (client: LambdaClient, banner: string) => Promise<void>,
): Promise<number> {
  const child = lambdaLocal(["--port", "0", ...args]).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let banner = "";
  while (!banner.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    banner += value;
  }
  const url = /http:\/\/127\.0\.0\.1:\d+/.exec(banner)?.[0];
  const client = new LambdaClient({
    region: "us-east-1",
    endpoint: url,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 1,
  });
  try {
    assert.ok(url, `no URL in ${JSON.stringify(banner)}`);
    await body(client, banner);
  } finally {
    client.destroy();
    child.kill("SIGTERM");
    await reader.cancel();
    await child.stderr.cancel();
  }
  return (await child.status).code;
}

Deno.test("lambda-local starts with the function deno task buffer uses, inception-v4 at 3008 MB", async () => {
  const code = await whileServing(["--time-scale", "1000"], async (client, banner) => {
    assert.match(banner, /function inception-v4 \(TF-inceptionV4, 3008 MB\)/);
    const list = await client.send(new ListFunctionsCommand({}));
    assert.deepEqual(list.Functions?.map((f) => f.FunctionName), ["inception-v4"]);
    const config = await client.send(
      new GetFunctionConfigurationCommand({ FunctionName: "inception-v4" }),
    );
    assert.equal(config.MemorySize, 3008);
    assert.equal(config.Timeout, 900);
    assert.deepEqual(config.Environment?.Variables, { MODEL: "TF-inceptionV4" });
    // A batch of 20 (11.3 s at 3008 MB) is not cut by the Timeout.
    const r = await client.send(
      new InvokeCommand({
        FunctionName: "inception-v4",
        LogType: "Tail",
        Payload: new TextEncoder().encode('{"BS": 20}'),
      }),
    );
    assert.equal(r.FunctionError, undefined);
    assert.ok(JSON.parse(new TextDecoder().decode(r.Payload)) > 11_000);
    assert.doesNotMatch(atob(r.LogResult!), /Status: timeout/);
    // A function created without Timeout gets Lambda's 3 s.
    const created = await client.send(
      new CreateFunctionCommand({
        FunctionName: "g",
        Role: "r",
        Code: { ZipFile: new Uint8Array([0]) },
        MemorySize: 2048,
      }),
    );
    assert.equal(created.Timeout, 3);
  });
  assert.equal(code, 0);
});

Deno.test("lambda-local --no-default-function starts empty; --extrapolate takes memories outside the fitted range", async () => {
  const code = await whileServing(["--no-default-function", "--extrapolate"], async (client) => {
    assert.deepEqual((await client.send(new ListFunctionsCommand({}))).Functions, []);
    const created = await client.send(
      new CreateFunctionCommand({
        FunctionName: "f",
        Role: "r",
        Code: { ZipFile: new Uint8Array([0]) },
        MemorySize: 1024,
      }),
    );
    assert.equal(created.MemorySize, 1024);
  });
  assert.equal(code, 0);
  // Without --extrapolate the same function is refused, naming the profile and its range.
  await whileServing(["--no-default-function"], async (client) => {
    await assert.rejects(
      () =>
        client.send(
          new CreateFunctionCommand({
            FunctionName: "f",
            Role: "r",
            Code: { ZipFile: new Uint8Array([0]) },
            MemorySize: 1024,
          }),
        ),
      {
        name: "InvalidParameterValueException",
        message: /profile 'TF-inceptionV4' was fitted on \(1280\.\.3008 MB\)/,
      },
    );
  });
});

Deno.test("lambda-local refuses a port in use, an unknown MODEL or --model in one line with exit code 2", async () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = (taken.addr as Deno.NetAddr).port;
    const inUse = await runToEnd(["--port", String(port)]);
    assert.equal(inUse.code, 2);
    assert.equal(
      inUse.stderr,
      `lambda-local: port ${port} on 127.0.0.1 is in use: stop what holds it, or pick another with --port (0 picks a free one)\n`,
    );
  } finally {
    taken.close();
  }
  const fromEnv = await runToEnd([], { MODEL: "TF-inceptionV5" });
  assert.equal(fromEnv.code, 2);
  assert.equal(
    fromEnv.stderr,
    "lambda-local: MODEL (environment variable) names no service-time profile: Cannot find published profile 'TF-inceptionV5': expected one of 'TF-inceptionV4', 'TF-resnetV2', 'mxnet-resnet50' (see --help)\n",
  );
  const fromFlag = await runToEnd(["--model", "x"], { MODEL: "TF-resnetV2" });
  assert.equal(fromFlag.code, 2);
  assert.match(
    fromFlag.stderr,
    /^lambda-local: --model names no service-time profile: Cannot find published profile 'x'/,
  );
  assert.equal(fromFlag.stderr.split("\n").length, 2);
});

Deno.test("lambda-local --help says how to create functions, and its exit codes", async () => {
  const help = await runToEnd(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /aws lambda create-function --endpoint-url/);
  assert.match(help.stdout, /--no-default-function/);
  assert.match(help.stdout, /--extrapolate/);
  assert.match(help.stdout, /Exit codes: 0 .*; 2 /);
});

import assert from "node:assert/strict";
import {
  CreateFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  LambdaClient,
  ListFunctionsCommand,
} from "@aws-sdk/client-lambda";
import { ROOT, withTempDir } from "./_run_script.ts";
import { type BadCase, checkBadCases } from "./_cli_table.ts";

/** `deno task lambda-local`'s permissions, with the given arguments and environment. */
function lambdaLocal(args: string[], env: Record<string, string> = {}) {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-net",
      "--allow-env",
      "scripts/lambda_local.ts",
      ...args,
    ],
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

Deno.test("lambda-local --cold-start, --init and --cold_start are one flag, as are --billing-ms and --billing_ms", async () => {
  // The REPORT line of the first (cold) invocation says the initialisation and the billed
  // duration: the same bytes under every spelling (seed 1, 1000 times faster than real).
  const spellings = [
    ["--cold-start", "0.5", "--billing-ms", "100", "--service-cv", "0.1", "--keep-alive", "60"],
    ["--init", "0.5", "--billing_ms", "100", "--jitter", "0.1", "--idle", "60"],
    ["--cold_start=0.5", "--billing-ms=100", "--service_cv", "0.1", "--keep_alive", "60"],
  ];
  const reports: string[] = [];
  for (const flags of spellings) {
    await whileServing(["--time-scale", "1000", ...flags], async (client) => {
      const r = await client.send(
        new InvokeCommand({
          FunctionName: "inception-v4",
          LogType: "Tail",
          Payload: new TextEncoder().encode('{"BS": 2}'),
        }),
      );
      const report = atob(r.LogResult!).split("\n").find((l) => l.startsWith("REPORT"))!;
      reports.push(report.replace(/RequestId: \S+/, "RequestId: -"));
    });
  }
  assert.match(reports[0], /Billed Duration: \d+00 ms/);
  assert.match(reports[0], /Init Duration: 500(\.0+)? ms/);
  assert.equal(reports[1], reports[0]);
  assert.equal(reports[2], reports[0]);
});

Deno.test("lambda-local refuses bad flags in one line with exit code 2", async () => {
  const cases: BadCase[] = [
    { kind: "unknown flag", args: ["--bogus"], message: /Unknown option '--bogus'/ },
    { kind: "missing value", args: ["--cold-start"], message: /'--cold-start/ },
    {
      kind: "not a number",
      args: ["--jitter", "x"],
      message: /--jitter must be a number: found 'x'/,
    },
    {
      kind: "not a number",
      what: "hexadecimal",
      args: ["--port", "0x10"],
      message: /--port must be a number: found '0x10'/,
    },
    {
      kind: "out of range",
      args: ["--billing-ms", "7"],
      message: /--billing-ms must be one of 1, 100: found '7'/,
    },
    {
      kind: "out of range",
      args: ["--cold_start", "-1"],
      message: /--cold_start must be a number within 0\.\.900 s: found '-1'/,
    },
    {
      kind: "out of range",
      args: ["--idle", "0"],
      message: /--idle must be a number > 0 s: found '0'/,
    },
    {
      kind: "out of range",
      args: ["--time_scale", "0"],
      message: /--time_scale must be a number > 0: found '0'/,
    },
    {
      kind: "out of range",
      args: ["--error-rate", "2"],
      message: /--error-rate must be a number within 0\.\.1: found '2'/,
    },
    {
      kind: "out of range",
      args: ["--port", "70000"],
      message: /--port must be an integer within 0\.\.65535: found '70000'/,
    },
    {
      kind: "ignored combination",
      args: ["--access-key-id", "a"],
      message: /--access-key-id needs --secret-access-key: the two keys go together/,
    },
    {
      kind: "bad value",
      args: ["--cpu_model", "vcpu"],
      message: /--cpu_model must be one of host, memory-share: found 'vcpu'/,
    },
    {
      kind: "bad value",
      what: "--function without NAME=",
      args: ["--function", "tests/testdata/handlers/hello.ts"],
      message:
        /--function must be NAME=PATH, a function name .*: found 'tests\/testdata\/handlers\/hello\.ts'/,
    },
    {
      kind: "bad file",
      args: ["--function-code", "f=no/such.ts"],
      message: /--function-code f=no\/such\.ts: no\/such\.ts is not a file/,
    },
    {
      kind: "conflicting flags",
      what: "--function named as the default function",
      args: ["--function", "inception-v4=tests/testdata/handlers/hello.ts"],
      message:
        /inception-v4 is the default function's name; add --no-default-function to replace it/,
    },
  ];
  assert.equal(
    await checkBadCases("lambda_local", "lambda-local", cases, {
      permissions: ["--allow-read", "--allow-write", "--allow-net", "--allow-env"],
    }),
    15,
  );
});

Deno.test("lambda-local --function-code NAME=PATH (also --function) serves a handler module; --cpu-model is in the banner", async () => {
  const code = await whileServing(
    [
      "--no-default-function",
      "--function",
      "hello=tests/testdata/handlers/hello.ts",
      "--function_code=echo=tests/testdata/handlers/echo.mjs",
      "--cpu-model",
      "memory-share",
    ],
    async (client, banner) => {
      assert.match(banner, /function hello \(code tests\/testdata\/handlers\/hello\.ts, 3008 MB\)/);
      assert.match(banner, /CPU model memory-share \(durations measured here x max\(1, 1769/);
      const list = await client.send(new ListFunctionsCommand({}));
      assert.deepEqual(list.Functions?.map((f) => f.FunctionName), ["echo", "hello"]);
      const r = await client.send(
        new InvokeCommand({
          FunctionName: "hello",
          LogType: "Tail",
          Payload: new TextEncoder().encode('{"name": "CLI"}'),
        }),
      );
      assert.equal(r.FunctionError, undefined);
      assert.deepEqual(JSON.parse(new TextDecoder().decode(r.Payload)), {
        hello: "CLI",
        from: "hello",
      });
      const tail = atob(r.LogResult!);
      assert.match(tail, /\tINFO\thello from hello\nEND RequestId: /);
      assert.match(tail, /Memory Size: 3008 MB\tMax Memory Used: \d+ MB\tInit Duration: /);
    },
  );
  assert.equal(code, 0);
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
    "lambda-local: MODEL (environment variable) names no service-time profile: Cannot find model 'TF-inceptionV5': expected one of TF-inceptionV4, TF-resnetV2, mxnet-resnet50 or a JSON profile file (see --help)\n",
  );
  const fromFlag = await runToEnd(["--model", "x"], { MODEL: "TF-resnetV2" });
  assert.equal(fromFlag.code, 2);
  assert.match(
    fromFlag.stderr,
    /^lambda-local: --model names no service-time profile: Cannot find model 'x'/,
  );
  assert.equal(fromFlag.stderr.split("\n").length, 2);
});

Deno.test("lambda-local refuses a --model file that is no profile, or whose range leaves out the default function", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/bad.json`, '{"name": "q"}');
    const bad = await runToEnd(["--model", `${dir}/bad.json`]);
    assert.equal(bad.code, 2);
    assert.match(
      bad.stderr,
      /^lambda-local: --model names no service-time profile: Cannot load service profile from '.*bad\.json' as it must have either 'terms' and 'coefficients'/,
    );
    const folder = await runToEnd(["--model", dir]);
    assert.equal(folder.code, 2);
    assert.equal(
      folder.stderr,
      `lambda-local: --model ${dir} is a directory: give the path of a file to read (see --help)\n`,
    );
    await Deno.writeTextFile(
      `${dir}/small.json`,
      JSON.stringify({ ...FAST, memoryRangeMb: [1024, 2048] }),
    );
    const small = await runToEnd(["--model", `${dir}/small.json`]);
    assert.equal(small.code, 2);
    assert.equal(
      small.stderr,
      "lambda-local: the default function inception-v4 cannot be created: MemorySize 3008 MB is " +
        "outside the memories profile 'fast' was fitted on (1024..2048 MB); the local Lambda " +
        "refuses it unless it extrapolates (lambda-local --extrapolate); or start without it " +
        "(--no-default-function) (see --help)\n",
    );
  });
});

/** A fast linear profile, S(k) = 0.01 + 0.034 k s. */
const FAST = {
  name: "fast",
  terms: ["1", "k"],
  coefficients: [0.01, 0.034],
  memoryRangeMb: [1024, 3008],
  batchRange: [1, 20],
};

Deno.test("lambda-local --model FILE.json serves the file's profile under its name, durations varying as its variability says", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/fast.json`;
    await Deno.writeTextFile(
      path,
      JSON.stringify({ ...FAST, variability: { distribution: "gamma", cv: 0.3 } }),
    );
    const invokeAll = async (client: LambdaClient, n: number) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        const r = await client.send(
          new InvokeCommand({
            FunctionName: "inception-v4",
            Payload: new TextEncoder().encode('{"BS": 4}'),
          }),
        );
        out.push(JSON.parse(new TextDecoder().decode(r.Payload)));
      }
      return out;
    };
    const code = await whileServing(
      ["--model", path, "--time-scale", "100"],
      async (client, banner) => {
        assert.ok(banner.includes(`function inception-v4 (fast from ${path}, 3008 MB)`), banner);
        assert.match(banner, /; service times gamma, CV 0\.3;/);
        const config = await client.send(
          new GetFunctionConfigurationCommand({ FunctionName: "inception-v4" }),
        );
        assert.deepEqual(config.Environment?.Variables, { MODEL: "fast" });
        // 30 batches of 4 (seed 1): their durations are draws around S(4) = 146 ms, no two alike.
        // Each lies within 0.2..2.8 S(4) but for a chance of 5e-4 (below) and 4e-4 (above)
        // in 30 gamma draws of CV 0.3 (scipy.special.gammainc); their mean within 4 standard
        // errors, 4 x 0.3 x 146 / sqrt(30) = 32 ms.
        const ms = await invokeAll(client, 30);
        assert.equal(new Set(ms).size, 30);
        assert.ok(ms.every((x) => x > 0.2 * 146 && x < 2.8 * 146), String(ms));
        const mean = ms.reduce((s, x) => s + x, 0) / ms.length;
        assert.ok(Math.abs(mean - 146) < 32, String(mean));
      },
    );
    assert.equal(code, 0);
    // --service-cv replaces the file's variability (the banner says which applies).
    await whileServing(
      ["--model", path, "--service-cv", "0.2", "--time-scale", "100"],
      (_, banner) => {
        assert.match(banner, /; service times lognormal, CV 0\.2;/);
        return Promise.resolve();
      },
    );
    // Without a variability, every batch takes S(k).
    await Deno.writeTextFile(path, JSON.stringify(FAST));
    await whileServing(["--model", path, "--time-scale", "100"], async (client, banner) => {
      assert.doesNotMatch(banner, /service times/);
      const ms = await invokeAll(client, 3);
      for (const x of ms) assert.ok(Math.abs(x - 146) < 1e-9, String(x));
    });
  });
});

Deno.test("lambda-local --help says how to create functions, and its exit codes", async () => {
  const help = await runToEnd(["--help"]);
  assert.equal(help.code, 0);
  for (
    const text of [
      "--cold-start S",
      "(also --init)",
      "--keep-alive S",
      "(also --idle)",
      "--service-cv CV",
      "(also --jitter)",
      "1 or 100",
      "--function-code NAME=PATH",
      "also --function",
      "--cpu-model MODEL",
      "max(1, 1769 / memory MB)",
      "Max Memory Used is the",
    ]
  ) {
    assert.ok(help.stdout.includes(text), text);
  }
  assert.match(help.stdout, /aws lambda create-function --endpoint-url/);
  assert.match(help.stdout, /--no-default-function/);
  assert.match(help.stdout, /--extrapolate/);
  assert.match(help.stdout, /Exit codes: 0 .*; 2 /);
});

import assert from "node:assert/strict";
import { CloudWatchLogsClient, FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import {
  CreateFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from "@aws-sdk/client-lambda";
import { strToU8, zipSync } from "fflate";
import type { LocalLambdaOptions } from "../../lib/lambda/local_lambda.ts";
import { setUpLocalLambda } from "./_local_lambda.ts";

const HANDLERS = new URL("../testdata/handlers/", import.meta.url).pathname;
const ROLE = "arn:aws:iam::000000000000:role/lambda";

const encode = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const decode = (b?: Uint8Array) => JSON.parse(new TextDecoder().decode(b));

/** A zip holding one test handler as `index.mjs`. */
function zipOf(handler: string, name = "index.mjs"): Uint8Array {
  return zipSync({ [name]: strToU8(Deno.readTextFileSync(`${HANDLERS}${handler}`)) });
}

/**
 * A local Lambda on loopback with the SDK, closed (Workers terminated) at the
 * end. Its time scale (1000) speeds up profile-driven functions only: code
 * runs in real time.
 */
/**
 * Creates a nodejs22.x function from one handler file of tests/testdata/handlers
 * (as index.mjs; `Handler: "index.handler"` unless `input` says otherwise).
 */
function deploy(
  local: { client: ReturnType<typeof setUpLocalLambda>["client"] },
  name: string,
  handlerFile: string,
  input: Record<string, unknown> = {},
) {
  return local.client.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Role: ROLE,
      Runtime: "nodejs22.x",
      Handler: "index.handler",
      Code: { ZipFile: zipOf(handlerFile) },
      ...input,
    }),
  );
}

function setUp(options: Partial<LocalLambdaOptions> = {}) {
  const local = setUpLocalLambda(options);
  const logs = new CloudWatchLogsClient({
    region: "us-east-1",
    endpoint: local.server.url,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 1,
  });
  return {
    ...local,
    logs,
    async [Symbol.asyncDispose]() {
      local.lambda.close();
      await local.server.close();
    },
  };
}

/** Invokes with `LogType: Tail` and returns the decoded answer and tail lines. */
async function invoke(
  local: ReturnType<typeof setUp>,
  name: string,
  event: unknown,
) {
  const r = await local.client.send(
    new InvokeCommand({ FunctionName: name, Payload: encode(event), LogType: "Tail" }),
  );
  return {
    functionError: r.FunctionError,
    body: decode(r.Payload),
    tail: atob(r.LogResult!).trimEnd().split("\n"),
  };
}

Deno.test("CreateFunction with a ZipFile runs its index.mjs handler, with Lambda's context and the function's variables", async () => {
  await using local = setUp();
  const created = await local.client.send(
    new CreateFunctionCommand({
      FunctionName: "echo",
      Role: ROLE,
      Runtime: "nodejs20.x",
      Handler: "index.handler",
      Code: { ZipFile: zipOf("echo.mjs") },
      MemorySize: 512,
      Timeout: 30,
      Environment: { Variables: { GREETING: "hello" } },
    }),
  );
  assert.equal(created.Runtime, "nodejs20.x");
  assert.equal(created.CodeSize, zipOf("echo.mjs").length);
  assert.match(created.CodeSha256!, /^[A-Za-z0-9+/]{43}=$/); // base64 of 32 bytes
  assert.equal(local.lambda.hasCode("echo"), true);

  const r = await invoke(local, "echo", { x: 1 });
  assert.equal(r.functionError, undefined);
  assert.deepEqual(r.body.event, { x: 1 });
  const ctx = r.body.context;
  const requestId = /^START RequestId: (\S+) /.exec(r.tail.find((l) => l.startsWith("START"))!)![1];
  assert.equal(ctx.awsRequestId, requestId);
  assert.equal(ctx.functionName, "echo");
  assert.equal(ctx.functionVersion, "$LATEST");
  assert.equal(ctx.memoryLimitInMB, "512"); // a string, as in Lambda's Node.js runtime
  assert.equal(ctx.invokedFunctionArn, "arn:aws:lambda:us-east-1:000000000000:function:echo");
  assert.equal(ctx.logGroupName, "/aws/lambda/echo");
  assert.match(ctx.logStreamName, /^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
  // getRemainingTimeInMillis() counts down from the 30 s Timeout.
  assert.ok(ctx.remainingMs > 29_000 && ctx.remainingMs <= 30_000, `${ctx.remainingMs}`);
  assert.deepEqual(r.body.env, { name: "echo", memory: "512", greeting: "hello" });
});

Deno.test("A cold start runs the module's top level once and reports Init Duration; a warm invoke reuses it", async () => {
  await using local = setUp();
  await deploy(local, "echo", "echo.mjs");
  const cold = await invoke(local, "echo", {});
  const warm = await invoke(local, "echo", {});
  assert.equal(cold.body.calls, 1);
  assert.equal(warm.body.calls, 2); // the same module instance
  assert.equal(local.lambda.environmentCount("echo"), 1);

  assert.match(cold.tail[0], /^INIT_START Runtime Version: deno:/);
  assert.match(cold.tail[1], /^\S+Z\tundefined\tINFO\tinit: top-level code ran$/);
  assert.match(cold.tail[2], /^START RequestId: /);
  const coldReport = cold.tail.at(-1)!;
  assert.match(coldReport, /\tMax Memory Used: [1-9]\d* MB\tInit Duration: \d+\.\d\d ms$/);
  assert.ok(!warm.tail.some((l) => l.includes("init: top-level code ran")));
  assert.ok(!warm.tail.some((l) => l.startsWith("INIT_START")));
  assert.doesNotMatch(warm.tail.at(-1)!, /Init Duration/);
});

Deno.test("console lines go between START and END in Node's format, in the Tail and in CloudWatch Logs", async () => {
  await using local = setUp();
  await deploy(local, "echo", "echo.mjs");
  const r = await invoke(local, "echo", { a: "b" });
  const start = r.tail.findIndex((l) => l.startsWith("START RequestId: "));
  const end = r.tail.findIndex((l) => l.startsWith("END RequestId: "));
  const id = /^START RequestId: (\S+)/.exec(r.tail[start])![1];
  const between = r.tail.slice(start + 1, end);
  assert.equal(between.length, 2);
  const [info, error] = between.map((l) => l.split("\t"));
  assert.match(info[0], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.deepEqual(info.slice(1), [id, "INFO", 'event {"a":"b"}']);
  assert.deepEqual(error.slice(1), [id, "ERROR", "to stderr"]);
  assert.match(r.tail[end + 1], new RegExp(`^REPORT RequestId: ${id}\tDuration: `));

  const found = await local.logs.send(
    new FilterLogEventsCommand({ logGroupName: "/aws/lambda/echo", filterPattern: `"${id}"` }),
  );
  const messages = found.events!.map((e) => e.message!);
  assert.equal(messages.length, 5); // START, two console lines, END, REPORT
  assert.match(messages[0], /^START /);
  assert.match(messages[1], /\tINFO\tevent \{"a":"b"\}$/);
  assert.match(messages[2], /\tERROR\tto stderr$/);
  assert.match(messages[3], /^END /);
  assert.match(messages[4], /^REPORT /);
});

Deno.test("A handler's exception is Unhandled with Node's errorType, errorMessage and trace; the environment stays warm", async () => {
  await using local = setUp();
  await deploy(local, "throws", "throws.mjs");
  const r = await invoke(local, "throws", {});
  assert.equal(r.functionError, "Unhandled");
  assert.deepEqual(Object.keys(r.body), ["errorType", "errorMessage", "trace"]);
  assert.equal(r.body.errorType, "TypeError");
  assert.equal(r.body.errorMessage, "bad input 1");
  assert.equal(r.body.trace[0], "TypeError: bad input 1");
  assert.match(r.body.trace[1], /index\.mjs:\d+:\d+/); // in the unpacked zip
  const logged = r.tail.find((l) => l.includes("\tERROR\tInvoke Error \t"))!;
  const record = JSON.parse(logged.split("Invoke Error \t")[1]);
  assert.equal(record.errorType, "TypeError");
  assert.equal(record.stack[0], "TypeError: bad input 1");
  assert.doesNotMatch(r.tail.at(-1)!, /Status:/);

  // Lambda's Node.js runtime reports the error and takes the next event: warm.
  const next = await invoke(local, "throws", { ok: true });
  assert.equal(next.functionError, undefined);
  assert.deepEqual(next.body, { calls: 2 });
  assert.doesNotMatch(next.tail.at(-1)!, /Init Duration/);
});

Deno.test("A handler past its Timeout is stopped: Sandbox.Timedout, Status: timeout, and the next invoke is cold", async () => {
  await using local = setUp();
  await deploy(local, "sleeps", "sleeps.mjs", { Timeout: 1 });
  const r = await invoke(local, "sleeps", { ms: 5000 });
  assert.equal(r.functionError, "Unhandled");
  assert.equal(r.body.errorType, "Sandbox.Timedout");
  assert.match(r.body.errorMessage, /^RequestId: \S+ Error: Task timed out after 1\.00 seconds$/);
  assert.ok(r.tail.some((l) => /^\S+Z \S+ Task timed out after 1\.00 seconds$/.test(l)));
  assert.match(
    r.tail.at(-1)!,
    /\tDuration: 1000\.00 ms\tBilled Duration: 1000 ms\t.*\tStatus: timeout$/,
  );
  assert.equal(local.lambda.environmentCount("sleeps"), 0); // its Worker was terminated

  const next = await invoke(local, "sleeps", { ms: 1 });
  assert.deepEqual(next.body, { sleptMs: 1 });
  assert.match(next.tail.at(-1)!, /Init Duration/);
});

Deno.test("An exception outside the handler ends the environment (Runtime.ExitError); a failed init is reported and retried cold", async () => {
  await using local = setUp();
  local.lambda.createFunction({ FunctionName: "crashes", CodePath: `${HANDLERS}crashes.mjs` });
  const crash = await invoke(local, "crashes", {});
  assert.equal(crash.functionError, "Unhandled");
  assert.equal(crash.body.errorType, "RangeError");
  assert.equal(crash.body.errorMessage, "thrown in a timer");
  assert.ok(crash.tail.some((l) => l.includes("\tERROR\tUncaught Exception \t")));
  assert.match(crash.tail.at(-1)!, /\tStatus: error\tError Type: Runtime\.ExitError$/);
  assert.equal(local.lambda.environmentCount("crashes"), 0);

  local.lambda.createFunction({ FunctionName: "init", CodePath: `${HANDLERS}init_throws.mjs` });
  for (let i = 0; i < 2; i++) {
    const r = await invoke(local, "init", {});
    assert.equal(r.functionError, "Unhandled");
    assert.deepEqual([r.body.errorType, r.body.errorMessage], ["Error", "cannot load the model"]);
    // The error is logged during Init, before START, with no request id yet.
    assert.match(r.tail[1], /^\S+Z\tundefined\tERROR\tUncaught Exception \t\{"errorType":"Error"/);
    assert.match(r.tail.at(-1)!, /\tInit Duration: \S+ ms\tStatus: error\tError Type: Error$/);
  }
});

Deno.test("A ZipFile without the Handler's module fails at Invoke with Runtime.ImportModuleError; a Handler naming no export with Runtime.HandlerNotFound", async () => {
  await using local = setUp();
  await deploy(local, "f", "echo.mjs", { Handler: "app.handler" });
  let r = await invoke(local, "f", {});
  assert.equal(r.functionError, "Unhandled");
  assert.equal(r.body.errorType, "Runtime.ImportModuleError");
  assert.match(r.body.errorMessage, /^Error: Cannot find module 'app'/);

  await local.client.send(
    new UpdateFunctionConfigurationCommand({ FunctionName: "f", Handler: "index.main" }),
  );
  r = await invoke(local, "f", {});
  assert.equal(r.body.errorType, "Runtime.HandlerNotFound");
  assert.equal(r.body.errorMessage, "index.main is undefined or not exported");

  await local.client.send(
    new UpdateFunctionConfigurationCommand({ FunctionName: "f", Handler: "index.handler" }),
  );
  r = await invoke(local, "f", { ok: 1 });
  assert.equal(r.functionError, undefined);
  assert.deepEqual(r.body.event, { ok: 1 });
});

Deno.test("CreateFunction with a Node.js runtime refuses a ZipFile that is not a zip; other runtimes keep a placeholder zip profile-driven", async () => {
  await using local = setUp();
  await assert.rejects(
    () =>
      local.client.send(
        new CreateFunctionCommand({
          FunctionName: "f",
          Role: ROLE,
          Runtime: "nodejs22.x",
          Handler: "index.handler",
          Code: { ZipFile: new Uint8Array([0]) },
        }),
      ),
    {
      name: "InvalidParameterValueException",
      message: "Could not unzip uploaded file. Please check your file, then try to upload again.",
    },
  );
  // A Python zip (no index module) and a non-zip both leave the profile in charge.
  const python = zipSync({ "handler.py": strToU8("def handler(e, c): return 1\n") });
  for (const [name, zip] of [["py", python], ["placeholder", new Uint8Array([0])]] as const) {
    await local.client.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Role: ROLE,
        Code: { ZipFile: zip },
        MemorySize: 2048,
      }),
    );
    assert.equal(local.lambda.hasCode(name), false);
    const r = await invoke(local, name, { requests: [1, 2] });
    assert.equal(r.body.batchSize, 2); // the profile's answer
  }
});

Deno.test("UpdateFunctionCode replaces the code: new environments run it", async () => {
  await using local = setUp();
  await deploy(local, "f", "throws.mjs");
  assert.equal((await invoke(local, "f", {})).functionError, "Unhandled");
  const updated = await local.client.send(
    new UpdateFunctionCodeCommand({ FunctionName: "f", ZipFile: zipOf("echo.mjs") }),
  );
  assert.equal(updated.CodeSize, zipOf("echo.mjs").length);
  assert.equal(local.lambda.environmentCount("f"), 0);
  const r = await invoke(local, "f", { v: 2 });
  assert.equal(r.functionError, undefined);
  assert.deepEqual(r.body.event, { v: 2 });
  assert.match(r.tail.at(-1)!, /Init Duration/);
  const config = await local.client.send(
    new GetFunctionConfigurationCommand({ FunctionName: "f" }),
  );
  assert.equal(config.CodeSha256, updated.CodeSha256);
});

Deno.test("An idle environment's Worker is terminated after the keep-alive, without another invocation", async () => {
  await using local = setUp({ idleTimeoutSec: 0.2 });
  local.lambda.createFunction({ FunctionName: "hello", CodePath: `${HANDLERS}hello.ts` });
  const r = await invoke(local, "hello", { name: "Deno" });
  assert.deepEqual(r.body, { hello: "Deno", from: "hello" });
  assert.equal(local.lambda.environmentCount("hello"), 1);
  // The sweep runs every quarter of the keep-alive: well within a second.
  const deadline = Date.now() + 5000;
  while (local.lambda.environmentCount("hello") > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.equal(local.lambda.environmentCount("hello"), 0);
  assert.match((await invoke(local, "hello", {})).tail.at(-1)!, /Init Duration/);
});

Deno.test("CodePath runs a TypeScript module; its Handler defaults to the file's name and export handler", async () => {
  await using local = setUp();
  const config = local.lambda.createFunction({
    FunctionName: "hello",
    CodePath: `${HANDLERS}hello.ts`,
  });
  assert.equal(config.Handler, "hello.handler");
  assert.equal(config.Runtime, "nodejs22.x");
  assert.deepEqual((await invoke(local, "hello", { name: "TS" })).body, {
    hello: "TS",
    from: "hello",
  });
  assert.throws(
    () => local.lambda.createFunction({ FunctionName: "g", CodePath: `${HANDLERS}missing.ts` }),
    {
      name: "InvalidParameterValueException",
      message: /^CodePath '.*missing\.ts' is not a readable file: /,
    },
  );
});

Deno.test("Under the memory-share CPU model Duration is the measured time x 1769/memory, and the call lasts that long", async () => {
  await using local = setUp({ cpuModel: "memory-share" });
  assert.equal(local.lambda.cpuModel, "memory-share");
  local.lambda.createFunction({
    FunctionName: "busy",
    CodePath: `${HANDLERS}busy.mjs`,
    MemorySize: 442, // 1769 / 442 = 4.002
  });
  await invoke(local, "busy", { n: 1e5 }); // the cold start out of the way
  const t0 = performance.now();
  const r = await invoke(local, "busy", { n: 2e6 });
  const wallMs = performance.now() - t0;
  const durationMs = Number(/\tDuration: (\S+) ms/.exec(r.tail.at(-1)!)![1]);
  // The runtime's measurement encloses the handler's own loop, and the reply
  // waits out the stretched Duration: inequalities by construction, not timings.
  assert.ok(durationMs >= (1769 / 442) * r.body.loopMs, `${durationMs} vs ${r.body.loopMs}`);
  assert.ok(wallMs >= durationMs, `${wallMs} < ${durationMs}`);

  // At 1769 MB and above the factor is 1.
  await local.client.send(
    new UpdateFunctionConfigurationCommand({ FunctionName: "busy", MemorySize: 3008 }),
  );
  const fast = await invoke(local, "busy", { n: 2e6 });
  const fastMs = Number(/\tDuration: (\S+) ms/.exec(fast.tail.at(-1)!)![1]);
  assert.ok(fastMs >= fast.body.loopMs);
});

Deno.test("Concurrent invocations of a function with code take one Worker each; an Event invocation returns 202 and still runs", async () => {
  await using local = setUp();
  local.lambda.createFunction({ FunctionName: "sleeps", CodePath: `${HANDLERS}sleeps.mjs` });
  const both = await Promise.all([
    invoke(local, "sleeps", { ms: 200 }),
    invoke(local, "sleeps", { ms: 200 }),
  ]);
  assert.equal(local.lambda.environmentCount("sleeps"), 2);
  for (const r of both) assert.match(r.tail.at(-1)!, /Init Duration/);
  const streams = new Set(both.map((r) => r.tail.join("\n")));
  assert.equal(streams.size, 2);

  const event = await local.client.send(
    new InvokeCommand({
      FunctionName: "sleeps",
      InvocationType: "Event",
      Payload: encode({ ms: 1 }),
    }),
  );
  assert.equal(event.StatusCode, 202);
  const deadline = Date.now() + 5000;
  const reports = () =>
    [...local.lambda.logGroups.get("/aws/lambda/sleeps")!.streams]
      .flatMap((s) => s.events)
      .filter((e) => e.message.startsWith("REPORT")).length;
  while (reports() < 3 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.equal(reports(), 3);
  assert.equal(local.lambda.environmentCount("sleeps"), 2); // the Event call ran warm
});

Deno.test("An Init phase past initLimitSec ends the invocation as a timeout and discards the environment", async () => {
  await using local = setUp({ initLimitSec: 0.2 });
  local.lambda.createFunction({ FunctionName: "slow", CodePath: `${HANDLERS}slow_init.mjs` });
  const r = await invoke(local, "slow", {});
  assert.equal(r.functionError, "Unhandled");
  assert.equal(r.body.errorType, "Sandbox.Timedout");
  assert.match(r.body.errorMessage, /Task timed out after 0\.20 seconds$/);
  assert.match(r.tail.at(-1)!, /\tDuration: 0\.00 ms\t.*\tInit Duration: \S+ ms\tStatus: timeout$/);
  assert.equal(local.lambda.environmentCount("slow"), 0);
});

Deno.test("LocalLambda refuses an unknown cpuModel and an initLimitSec that is not positive", () => {
  assert.throws(() => setUpLocalLambda({ cpuModel: "turbo" as never }), {
    name: "TypeError",
    message:
      "Cannot scale a duration as the CPU model must be one of host, memory-share: found 'turbo'",
  });
  for (const bad of [0, -1, NaN]) {
    assert.throws(() => setUpLocalLambda({ initLimitSec: bad }), {
      name: "RangeError",
      message:
        `Cannot create the local Lambda as 'initLimitSec' must be a positive number of seconds: current value is ${bad}`,
    });
  }
});

import assert from "node:assert/strict";
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  InvokeCommand,
  ListFunctionsCommand,
  paginateListFunctions,
  UpdateFunctionConfigurationCommand,
} from "@aws-sdk/client-lambda";
import { LocalLambda, type LocalLambdaOptions } from "../../lib/lambda/local_lambda.ts";
import { publishedProfile, serviceTimeSec } from "../../lib/profile/service_profile.ts";
import { seededPrng } from "../../lib/random/prng.ts";
import { setUpLocalLambda } from "./_local_lambda.ts";

const setUp = setUpLocalLambda;

const decode = (b?: Uint8Array) => JSON.parse(new TextDecoder().decode(b));

Deno.test("LocalLambda serves the real SDK: create, get, list, update, invoke, delete", async () => {
  const { server, client, lambda } = setUp();
  try {
    const created = await client.send(
      new CreateFunctionCommand({
        FunctionName: "inception-v4",
        Role: "arn:aws:iam::000000000000:role/lambda",
        Code: { ZipFile: new Uint8Array([0]) },
        MemorySize: 2048,
        Environment: { Variables: { MODEL: "TF-inceptionV4" } },
      }),
    );
    assert.equal(created.FunctionName, "inception-v4");
    assert.equal(created.MemorySize, 2048);
    const got = await client.send(new GetFunctionCommand({ FunctionName: "inception-v4" }));
    assert.equal(got.Configuration?.MemorySize, 2048);
    const list = await client.send(new ListFunctionsCommand({}));
    assert.deepEqual(list.Functions?.map((f) => f.FunctionName), ["inception-v4"]);

    const first = await client.send(
      new InvokeCommand({
        FunctionName: "inception-v4",
        Payload: new TextEncoder().encode(JSON.stringify({ requests: [1, 2, 3] })),
        LogType: "Tail",
      }),
    );
    assert.equal(first.StatusCode, 200);
    assert.equal(first.FunctionError, undefined);
    const body = decode(first.Payload);
    assert.equal(body.batchSize, 3);
    // The function's time is the profile's S(3, 2048 MB).
    const s3 = publishedProfile("TF-inceptionV4");
    const { serviceTimeSec } = await import("../../lib/profile/service_profile.ts");
    assert.ok(Math.abs(body.durationMs - 1000 * serviceTimeSec(s3, 3, 2048)) < 1e-6);
    const tail = atob(first.LogResult!);
    assert.match(tail, /^START RequestId: \S+ Version: \$LATEST\nEND RequestId: \S+\nREPORT /);
    assert.match(
      tail,
      /Billed Duration: \d+ ms\tMemory Size: 2048 MB\tMax Memory Used: \d+ MB\tInit Duration: 250\.00 ms/,
    );

    // Warm the second time: no Init Duration, the same environment.
    const second = await client.send(
      new InvokeCommand({
        FunctionName: "inception-v4",
        Payload: new TextEncoder().encode("{}"),
        LogType: "Tail",
      }),
    );
    assert.doesNotMatch(atob(second.LogResult!), /Init Duration/);
    assert.equal(lambda.environmentCount("inception-v4"), 1);

    // A configuration change retires the warm environments: the next call is cold.
    const updated = await client.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: "inception-v4", MemorySize: 3008 }),
    );
    assert.equal(updated.MemorySize, 3008);
    assert.equal(lambda.environmentCount("inception-v4"), 0);
    const third = await client.send(
      new InvokeCommand({
        FunctionName: "inception-v4",
        Payload: new TextEncoder().encode("{}"),
        LogType: "Tail",
      }),
    );
    assert.match(atob(third.LogResult!), /Memory Size: 3008 MB.*Init Duration/);

    await client.send(new DeleteFunctionCommand({ FunctionName: "inception-v4" }));
    assert.deepEqual((await client.send(new ListFunctionsCommand({}))).Functions, []);
  } finally {
    client.destroy();
    await server.close();
  }
});

Deno.test("LocalLambda answers with AWS-shaped errors the SDK recognises", async () => {
  const { server, client } = setUp({ concurrencyLimit: 0 });
  try {
    await assert.rejects(
      () => client.send(new InvokeCommand({ FunctionName: "missing" })),
      (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
        assert.equal(e.name, "ResourceNotFoundException");
        assert.equal(e.$metadata?.httpStatusCode, 404);
        assert.match(
          e.message,
          /Function not found: arn:aws:lambda:us-east-1:000000000000:function:missing/,
        );
        return true;
      },
    );
    await client.send(
      new CreateFunctionCommand({
        FunctionName: "f",
        Role: "r",
        Code: { ZipFile: new Uint8Array([0]) },
      }),
    );
    await assert.rejects(
      () =>
        client.send(
          new InvokeCommand({ FunctionName: "f", Payload: new TextEncoder().encode("{not json") }),
        ),
      { name: "InvalidRequestContentException" },
    );
    // Concurrency limit 0: every invocation is throttled.
    await assert.rejects(
      () =>
        client.send(
          new InvokeCommand({ FunctionName: "f", Payload: new TextEncoder().encode("{}") }),
        ),
      (
        e: Error & {
          Reason?: string;
          retryAfterSeconds?: string;
          $metadata?: { httpStatusCode?: number };
        },
      ) => {
        assert.equal(e.name, "TooManyRequestsException");
        assert.equal(e.$metadata?.httpStatusCode, 429);
        assert.equal(e.Reason, "ReservedFunctionConcurrentInvocationLimitExceeded");
        assert.equal(e.retryAfterSeconds, "1");
        return true;
      },
    );
    await assert.rejects(
      () =>
        client.send(
          new InvokeCommand({
            FunctionName: "f",
            Payload: new Uint8Array(6 * 1024 * 1024 + 1).fill(32),
          }),
        ),
      { name: "RequestTooLargeException" },
    );
    // Lambda's own wording for a value outside its API model's constraints.
    await assert.rejects(
      () =>
        client.send(new UpdateFunctionConfigurationCommand({ FunctionName: "f", MemorySize: 64 })),
      {
        name: "ValidationException",
        message:
          "1 validation error detected: Value '64' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128",
      },
    );
  } finally {
    client.destroy();
    await server.close();
  }
});

Deno.test("LocalLambda's Event invocations return 202 and still run; DryRun returns 204", async () => {
  const { server, client, lambda } = setUp();
  try {
    await client.send(
      new CreateFunctionCommand({
        FunctionName: "f",
        Role: "r",
        Code: { ZipFile: new Uint8Array([0]) },
      }),
    );
    const dry = await client.send(
      new InvokeCommand({ FunctionName: "f", InvocationType: "DryRun" }),
    );
    assert.equal(dry.StatusCode, 204);
    assert.equal(lambda.environmentCount("f"), 0);
    const event = await client.send(
      new InvokeCommand({
        FunctionName: "f",
        InvocationType: "Event",
        Payload: new TextEncoder().encode("{}"),
      }),
    );
    assert.equal(event.StatusCode, 202);
    // The asynchronous run takes an environment and ends in the function's log.
    assert.equal(lambda.environmentCount("f"), 1);
    await new Promise((r) => setTimeout(r, 50));
    const group = lambda.logGroups.get("/aws/lambda/f")!;
    assert.match(group.streams[0].events.map((e) => e.message).join("\n"), /REPORT RequestId/);
  } finally {
    client.destroy();
    await server.close();
  }
});

Deno.test("LocalLambda keeps at most about maxLogEvents per group, dropping the oldest", async () => {
  const { LocalLambda } = await import("../../lib/lambda/local_lambda.ts");
  const { seededPrng } = await import("../../lib/random/prng.ts");
  let clock = 1_700_000_000_000;
  const lambda = new LocalLambda({
    profileFor: (m) => publishedProfile(m),
    prng: seededPrng(3),
    now: () => clock,
    sleep: (ms) => {
      clock += Math.ceil(ms);
      return Promise.resolve();
    },
    maxLogEvents: 30,
  });
  lambda.createFunction({ FunctionName: "f", MemorySize: 2048 });
  const stampsOf = () =>
    lambda.logGroups.get("/aws/lambda/f")!.streams.flatMap((s) => s.events.map((e) => e.timestamp));
  let seen: number[] = [];
  for (let i = 0; i < 100; i++) {
    await lambda.invoke("f", new TextEncoder().encode('{"requests":[1]}'));
    clock += 1000;
    const stamps = stampsOf();
    // Whatever is kept is the newest: nothing kept is older than something dropped.
    const dropped = seen.filter((t) => !stamps.includes(t));
    if (dropped.length > 0 && stamps.length > 0) {
      assert.ok(Math.max(...dropped) < Math.min(...stamps));
    }
    seen = stamps;
  }
  const group = lambda.logGroups.get("/aws/lambda/f")!;
  // Three lines per invocation: 300 events in all, between 30 and 33 kept.
  assert.equal(group.storedEvents + group.droppedEvents, 300);
  assert.equal(group.storedEvents, stampsOf().length);
  assert.ok(group.storedEvents >= 30 && group.storedEvents <= 33, `${group.storedEvents}`);
  // The last invocation's REPORT line is still there.
  assert.match(group.streams.at(-1)!.events.at(-1)!.message, /^REPORT RequestId: /);
});

Deno.test("LocalLambda reports the memory an invocation started with when an update comes while it runs, and the next one starts cold", async () => {
  const { LocalLambda } = await import("../../lib/lambda/local_lambda.ts");
  const { seededPrng } = await import("../../lib/random/prng.ts");
  // Sleeps resolve only when released, so the update lands mid-invocation.
  let clock = 1_700_000_000_000;
  const waiting: (() => void)[] = [];
  const lambda = new LocalLambda({
    profileFor: (m) => publishedProfile(m),
    prng: seededPrng(4),
    now: () => clock,
    sleep: (ms) =>
      new Promise<void>((r) =>
        waiting.push(() => {
          clock += Math.ceil(ms);
          r();
        })
      ),
  });
  lambda.createFunction({ FunctionName: "f", MemorySize: 3008 });
  const payload = new TextEncoder().encode('{"requests":[1,2]}');
  const report = (r: { logResult?: string }) =>
    atob(r.logResult!).split("\n").find((l) => l.startsWith("REPORT"))!;
  const first = lambda.invoke("f", payload, { logType: "Tail" });
  await Promise.resolve();
  lambda.updateFunctionConfiguration("f", { MemorySize: 1536 });
  waiting.shift()!();
  const old = report(await first);
  assert.match(old, /Memory Size: 3008 MB/);
  assert.match(old, /Init Duration/);
  const second = lambda.invoke("f", payload, { logType: "Tail" });
  await Promise.resolve();
  waiting.shift()!();
  const now = report(await second);
  assert.match(now, /Memory Size: 1536 MB/);
  // The update retired the environment: the next invocation starts cold.
  assert.match(now, /Init Duration/);
});

/** A local Lambda on a fake clock: every wait moves the clock on at once. */
function onFakeClock(options: Partial<LocalLambdaOptions> = {}) {
  const clock = { ms: 1_700_000_000_000 };
  const lambda = new LocalLambda({
    profileFor: (m) => publishedProfile(m),
    prng: seededPrng(5),
    now: () => clock.ms,
    sleep: (ms) => {
      clock.ms += ms;
      return Promise.resolve();
    },
    ...options,
  });
  return { lambda, clock };
}

const encode = (body: unknown) => new TextEncoder().encode(JSON.stringify(body));

const reportOf = (r: { logResult?: string }) =>
  atob(r.logResult!).split("\n").find((l) => l.startsWith("REPORT"))!;

/** RFC 9562 version 4: the version nibble 4, the variant bits 10. */
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

Deno.test("LocalLambda.invoke() gives its concurrency slot back when the profile lookup throws", async () => {
  // Concurrency 3; the profile of model "flaky" resolves at CreateFunction and
  // throws afterwards. Before the fix each failure kept its slot: after three
  // of them every invocation of any function was throttled (429).
  let broken = false;
  const { lambda } = onFakeClock({
    concurrencyLimit: 3,
    profileFor: (m) => {
      if (m === "flaky" && broken) throw new RangeError("Cannot find profile 'flaky'");
      return publishedProfile(m === "flaky" ? "TF-resnetV2" : m);
    },
  });
  lambda.createFunction({
    FunctionName: "bad",
    MemorySize: 2048,
    Environment: { Variables: { MODEL: "flaky" } },
  });
  lambda.createFunction({ FunctionName: "good", MemorySize: 2048 });
  broken = true;
  for (let i = 0; i < 5; i++) {
    await assert.rejects(() => lambda.invoke("bad", encode({ requests: [1] })), {
      name: "RangeError",
    });
  }
  assert.equal(lambda.running, 0);
  const ok = await lambda.invoke("good", encode({ requests: [1, 2] }));
  assert.equal(ok.statusCode, 200);
});

Deno.test("LocalLambda.invoke() gives its slot and environment back when the wait fails", async () => {
  let failing = true;
  const lambda = new LocalLambda({
    profileFor: (m) => publishedProfile(m),
    prng: seededPrng(6),
    concurrencyLimit: 3,
    sleep: () => failing ? Promise.reject(new Error("the clock broke")) : Promise.resolve(),
  });
  lambda.createFunction({ FunctionName: "f", MemorySize: 2048 });
  for (let i = 0; i < 4; i++) {
    await assert.rejects(() => lambda.invoke("f", encode({ requests: [1] })), {
      message: "the clock broke",
    });
  }
  assert.equal(lambda.running, 0);
  failing = false;
  assert.equal((await lambda.invoke("f", encode({ requests: [1] }))).statusCode, 200);
  // The failed invocations' environments are idle again: one serves, none is busy.
  assert.equal(lambda.environmentCount("f"), 1);
});

Deno.test("LocalLambda with concurrency 3 still serves after many refused invocations, over the SDK", async () => {
  const { server, client, lambda } = setUp({ concurrencyLimit: 3, extrapolate: false });
  try {
    await client.send(
      new CreateFunctionCommand({
        FunctionName: "f",
        Role: "r",
        Code: { ZipFile: new Uint8Array([0]) },
        MemorySize: 2048,
      }),
    );
    // Batches the profile cannot time (fitted on 1..20) and payloads that are not JSON.
    for (const payload of [{ batch_size: 1000 }, { BS: 21 }, { BS: 1e308 }, "{x", "{y"]) {
      await assert.rejects(
        () =>
          client.send(
            new InvokeCommand({
              FunctionName: "f",
              Payload: typeof payload === "string"
                ? new TextEncoder().encode(payload)
                : encode(payload),
            }),
          ),
        { name: "InvalidRequestContentException" },
      );
    }
    assert.equal(lambda.running, 0);
    const r = await client.send(new InvokeCommand({ FunctionName: "f", Payload: encode({}) }));
    assert.equal(r.StatusCode, 200);
  } finally {
    client.destroy();
    await server.close();
  }
});

Deno.test("CreateFunction and UpdateFunctionConfiguration refuse a MODEL that names no profile", async () => {
  const { server, client, lambda } = setUp({ extrapolate: false });
  try {
    await assert.rejects(
      () =>
        client.send(
          new CreateFunctionCommand({
            FunctionName: "f",
            Role: "r",
            Code: { ZipFile: new Uint8Array([0]) },
            MemorySize: 2048,
            Environment: { Variables: { MODEL: "TF-inceptionV5" } },
          }),
        ),
      (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
        assert.equal(e.name, "InvalidParameterValueException");
        assert.equal(e.$metadata?.httpStatusCode, 400);
        assert.match(
          e.message,
          /^The function's MODEL 'TF-inceptionV5' names no service-time profile: Cannot find published profile 'TF-inceptionV5'/,
        );
        return true;
      },
    );
    assert.deepEqual(lambda.listFunctions(), []);
    lambda.createFunction({ FunctionName: "f", MemorySize: 2048 });
    await assert.rejects(
      () =>
        client.send(
          new UpdateFunctionConfigurationCommand({
            FunctionName: "f",
            Environment: { Variables: { MODEL: "nope" } },
          }),
        ),
      { name: "InvalidParameterValueException" },
    );
    // Nothing of a refused update is applied.
    assert.equal(lambda.getFunctionConfiguration("f").Environment, undefined);
  } finally {
    client.destroy();
    await server.close();
  }
});

Deno.test("LocalLambda refuses a memory outside the profile's fitted range, naming the profile and its range", () => {
  const { lambda } = onFakeClock();
  const outside = (memoryMb: number) =>
    new RegExp(
      `^MemorySize ${memoryMb} MB is outside the memories profile 'TF-inceptionV4' was fitted on \\(1280\\.\\.3008 MB\\)`,
    );
  for (const memoryMb of [4096, 1024, 128]) {
    assert.throws(() => lambda.createFunction({ FunctionName: "f", MemorySize: memoryMb }), {
      name: "InvalidParameterValueException",
      message: outside(memoryMb),
    });
  }
  // MemorySize defaults to 128 MB, as on Lambda: outside too.
  assert.throws(() => lambda.createFunction({ FunctionName: "f" }), { message: outside(128) });
  lambda.createFunction({ FunctionName: "f", MemorySize: 1280 });
  assert.throws(() => lambda.updateFunctionConfiguration("f", { MemorySize: 3009 }), {
    name: "InvalidParameterValueException",
    message: outside(3009),
  });
  assert.equal(lambda.getFunctionConfiguration("f").MemorySize, 1280);
  assert.equal(lambda.updateFunctionConfiguration("f", { MemorySize: 3008 }).MemorySize, 3008);
});

Deno.test("LocalLambda refuses a batch outside the profile's range at Invoke, with no log line", async () => {
  const { lambda } = onFakeClock();
  lambda.createFunction({ FunctionName: "f", MemorySize: 2048 });
  for (const body of [{ batch_size: 1000 }, { requests: Array(21).fill(0) }, { BS: 1e308 }]) {
    await assert.rejects(() => lambda.invoke("f", encode(body)), {
      name: "InvalidRequestContentException",
      message:
        /^Batch \S+ at 2048 MB is outside what profile 'TF-inceptionV4' was fitted on \(batch 1\.\.20, 1280\.\.3008 MB\)/,
    });
  }
  assert.equal(lambda.logGroups.get("/aws/lambda/f"), undefined);
  assert.equal(lambda.environmentCount("f"), 0);
});

Deno.test("LocalLambda with extrapolate still refuses non-positive and non-finite service times", async () => {
  const { lambda } = onFakeClock({ extrapolate: true });
  // TF-inceptionV4's polynomial at 4096 MB is -1.47 s for batch 1 (the issue's -1473.47 ms).
  assert.throws(() => lambda.createFunction({ FunctionName: "g", MemorySize: 4096 }), {
    name: "InvalidParameterValueException",
    message: /gives batch 1 a service time of -1\.47\d+ s, not a positive time$/,
  });
  // 1024 MB is outside the fitted range but extrapolates to a positive time.
  lambda.createFunction({ FunctionName: "f", MemorySize: 1024 });
  const r = await lambda.invoke("f", encode({ batch_size: 4 }), { logType: "Tail" });
  assert.ok(JSON.parse(new TextDecoder().decode(r.payload)).durationMs > 0);
  // Batch 1000 at 2048 MB is -128415411.86 ms; 1e308 overflows to a non-finite time.
  lambda.updateFunctionConfiguration("f", { MemorySize: 2048 });
  for (
    const [body, time] of [[{ batch_size: 1000 }, /-128415\.41\d* s/], [
      { BS: 1e308 },
      /NaN|Infinity/,
    ]] as const
  ) {
    await assert.rejects(() => lambda.invoke("f", encode(body)), {
      name: "InvalidRequestContentException",
      message: time,
    });
  }
  // Only the one invocation that ran wrote a REPORT line, with a positive duration.
  const reports = lambda.logGroups.get("/aws/lambda/f")!.streams.flatMap((s) =>
    s.events.filter((e) => e.message.startsWith("REPORT"))
  );
  assert.equal(reports.length, 1);
  assert.match(reports[0].message, /Duration: \d+\.\d\d ms/);
  assert.doesNotMatch(reports[0].message, /NaN|Duration: -/);
});

Deno.test("LocalLambda ends an invocation at the function's Timeout: Sandbox.Timedout, Status: timeout, billed the Timeout, environment discarded", async () => {
  const { lambda, clock } = onFakeClock();
  lambda.createFunction({ FunctionName: "f", MemorySize: 2048, Timeout: 3 });
  // S(10, 2048 MB) of TF-inceptionV4 is 8.28 s (the issue's "Duration: 8283.53 ms").
  assert.ok(serviceTimeSec(publishedProfile("TF-inceptionV4"), 10, 2048) > 3);
  const t0 = clock.ms;
  const r = await lambda.invoke("f", encode({ batch_size: 10 }), { logType: "Tail" });
  // The cold start's 250 ms init, then the 3 s the Timeout allows.
  assert.equal(clock.ms - t0, 3250);
  assert.equal(r.statusCode, 200);
  assert.equal(r.functionError, "Unhandled");
  assert.deepEqual(JSON.parse(new TextDecoder().decode(r.payload)), {
    errorMessage: `RequestId: ${r.requestId} Error: Task timed out after 3.00 seconds`,
    errorType: "Sandbox.Timedout",
  });
  assert.equal(
    reportOf(r),
    `REPORT RequestId: ${r.requestId}\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\t` +
      "Memory Size: 2048 MB\tMax Memory Used: 400 MB\tInit Duration: 250.00 ms\tStatus: timeout",
  );
  assert.equal(lambda.environmentCount("f"), 0);
  // The next invocation starts cold, and a batch within the Timeout succeeds.
  const next = await lambda.invoke("f", encode({ batch_size: 1 }), { logType: "Tail" });
  assert.equal(next.functionError, undefined);
  assert.match(reportOf(next), /Init Duration: 250\.00 ms$/);
  assert.equal(lambda.environmentCount("f"), 1);
});

Deno.test("LocalLambda takes a Timeout of 1..900 whole seconds and defaults it to defaultTimeoutSec", async () => {
  const { server, client, lambda } = setUp({ defaultTimeoutSec: 3, extrapolate: false });
  try {
    const create = (Timeout?: number) =>
      client.send(
        new CreateFunctionCommand({
          FunctionName: "f",
          Role: "r",
          Code: { ZipFile: new Uint8Array([0]) },
          MemorySize: 2048,
          Timeout,
        }),
      );
    // Lambda's wording (its answer to Timeout 3000 quoted in covidatlas/li#575).
    await assert.rejects(() => create(3000), {
      name: "ValidationException",
      message:
        "1 validation error detected: Value '3000' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900",
    });
    await assert.rejects(() => create(0), {
      name: "ValidationException",
      message: /Value '0' at 'timeout' .* greater than or equal to 1$/,
    });
    await assert.rejects(() => create(1.5), {
      name: "InvalidParameterValueException",
      message: "Timeout must be an integer from 1 to 900 seconds: found 1.5",
    });
    assert.equal((await create()).Timeout, 3);
    await assert.rejects(
      () =>
        client.send(new UpdateFunctionConfigurationCommand({ FunctionName: "f", Timeout: 901 })),
      { name: "ValidationException" },
    );
    assert.equal(
      (await client.send(
        new UpdateFunctionConfigurationCommand({ FunctionName: "f", Timeout: 900 }),
      ))
        .Timeout,
      900,
    );
    assert.equal(lambda.getFunctionConfiguration("f").Timeout, 900);
  } finally {
    client.destroy();
    await server.close();
  }
  assert.throws(
    () =>
      new LocalLambda({ profileFor: publishedProfile, prng: seededPrng(1), defaultTimeoutSec: 0 }),
    {
      name: "RangeError",
      message:
        "Cannot create the local Lambda as 'defaultTimeoutSec' must be an integer from 1 to 900: current value is 0",
    },
  );
});

Deno.test('LocalLambda answers buffer.py\'s {"BS": n} with the duration in ms, a JSON number, for a batch of n', async () => {
  const { server, client } = setUp({ extrapolate: false });
  try {
    await client.send(
      new CreateFunctionCommand({
        FunctionName: "f",
        Role: "r",
        Code: { ZipFile: new Uint8Array([0]) },
        MemorySize: 2048,
        Timeout: 60,
      }),
    );
    // buffer.py: RequestResponse, LogType Tail, the payload read as a number.
    const r = await client.send(
      new InvokeCommand({
        FunctionName: "f",
        InvocationType: "RequestResponse",
        LogType: "Tail",
        Payload: encode({ BS: 10 }),
      }),
    );
    const text = new TextDecoder().decode(r.Payload);
    const durationMs = JSON.parse(text);
    assert.equal(typeof durationMs, "number");
    // S(10, 2048 MB), not S(1, 2048 MB): the batch is served as 10 requests.
    const want = 1000 * serviceTimeSec(publishedProfile("TF-inceptionV4"), 10, 2048);
    assert.ok(Math.abs(durationMs - want) < 1e-9, `${durationMs} vs ${want}`);
    assert.match(atob(r.LogResult!), new RegExp(`Duration: ${want.toFixed(2)} ms`));
    // Our own buffer's payload keeps its object answer.
    const ours = await client.send(
      new InvokeCommand({ FunctionName: "f", Payload: encode({ batch_id: 3, requests: [1, 2] }) }),
    );
    assert.equal(decode(ours.Payload).batchSize, 2);
    for (const BS of [0, 2.5, "5", null]) {
      await assert.rejects(
        () => client.send(new InvokeCommand({ FunctionName: "f", Payload: encode({ BS }) })),
        {
          name: "InvalidRequestContentException",
          message: `BS must be the batch size, a positive integer: found ${JSON.stringify(BS)}`,
        },
      );
    }
  } finally {
    client.destroy();
    await server.close();
  }
});

Deno.test("LocalLambda stamps START when the invocation starts and END and REPORT when it ends", async () => {
  const { lambda, clock } = onFakeClock();
  lambda.createFunction({ FunctionName: "f", MemorySize: 2048 });
  const t0 = clock.ms;
  await lambda.invoke("f", encode({ batch_size: 2 }));
  const serviceMs = 1000 * serviceTimeSec(publishedProfile("TF-inceptionV4"), 2, 2048);
  const events = lambda.logGroups.get("/aws/lambda/f")!.streams[0].events;
  // START after the cold start's 250 ms init; END and REPORT a service time later.
  assert.deepEqual(events.map((e) => e.timestamp), [t0 + 250, clock.ms, clock.ms]);
  assert.ok(Math.abs(clock.ms - (t0 + 250 + serviceMs)) < 1e-6);
});

Deno.test("LocalLambda's request ids are version 4 UUIDs (version nibble and variant bits)", async () => {
  const { lambda } = onFakeClock();
  lambda.createFunction({ FunctionName: "f", MemorySize: 2048 });
  const ids = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const r = await lambda.invoke("f", encode({}), { logType: "Tail" });
    assert.match(r.requestId, UUID_V4);
    assert.ok(reportOf(r).startsWith(`REPORT RequestId: ${r.requestId}\t`));
    ids.add(r.requestId);
  }
  assert.equal(ids.size, 200);
});

Deno.test("ListFunctions pages at most 50 functions with NextMarker, honouring MaxItems, over the SDK's paginator", async () => {
  const { server, client, lambda } = setUp();
  try {
    const names = Array.from({ length: 120 }, (_, i) => `fn-${String(i).padStart(3, "0")}`);
    for (const name of [...names].reverse()) {
      lambda.createFunction({ FunctionName: name, MemorySize: 2048 });
    }
    const first = await client.send(new ListFunctionsCommand({}));
    assert.equal(first.Functions?.length, 50);
    assert.equal(typeof first.NextMarker, "string");
    // MaxItems above 50 still gives 50 a page; below, that many.
    const pageSizes = async (MaxItems?: number) => {
      const sizes: number[] = [], seen: string[] = [];
      for await (
        const page of paginateListFunctions({ client }, MaxItems ? { MaxItems } : {})
      ) {
        sizes.push(page.Functions!.length);
        seen.push(...page.Functions!.map((f) => f.FunctionName!));
      }
      assert.deepEqual(seen, names);
      return sizes;
    };
    assert.deepEqual(await pageSizes(), [50, 50, 20]);
    assert.deepEqual(await pageSizes(1000), [50, 50, 20]);
    assert.deepEqual(await pageSizes(7), [...Array(17).fill(7), 1]);
    await assert.rejects(() => client.send(new ListFunctionsCommand({ MaxItems: 0 })), {
      name: "ValidationException",
      message: /Value '0' at 'maxItems' failed to satisfy constraint/,
    });
    await assert.rejects(() => client.send(new ListFunctionsCommand({ Marker: "nonsense" })), {
      name: "InvalidParameterValueException",
    });
  } finally {
    client.destroy();
    await server.close();
  }
});

Deno.test("Every response of the local Lambda carries x-amzn-RequestId; Invoke's is its log lines' RequestId", async () => {
  const { server, lambda } = setUp();
  try {
    lambda.createFunction({ FunctionName: "f", MemorySize: 2048 });
    const base = `${server.url}/2015-03-31/functions`;
    const responses = [
      await fetch(base),
      await fetch(`${base}/f`),
      await fetch(`${base}/f/configuration`),
      await fetch(`${base}/missing/configuration`),
      await fetch(`${base}/f/invocations`, { method: "POST", body: "{x" }),
      await fetch(`${server.url}/nowhere`),
      await fetch(server.url, {
        method: "POST",
        body: "{}",
        headers: { "x-amz-target": "Nope.X" },
      }),
      await fetch(server.url, {
        method: "POST",
        body: "{}",
        headers: { "x-amz-target": "Logs_20140328.DescribeLogGroups" },
      }),
    ];
    for (const r of responses) {
      await r.body?.cancel();
      assert.match(r.headers.get("x-amzn-requestid") ?? "", UUID_V4, `${r.url} ${r.status}`);
    }
    const invoked = await fetch(`${base}/f/invocations`, {
      method: "POST",
      body: '{"requests":[1]}',
      headers: { "X-Amz-Log-Type": "Tail" },
    });
    await invoked.body?.cancel();
    const id = invoked.headers.get("x-amzn-requestid")!;
    assert.match(id, UUID_V4);
    assert.match(
      atob(invoked.headers.get("x-amz-log-result")!),
      new RegExp(`^START RequestId: ${id} `),
    );
    const event = await fetch(`${base}/f/invocations`, {
      method: "POST",
      body: "{}",
      headers: { "X-Amz-Invocation-Type": "Event" },
    });
    assert.equal(event.status, 202);
    await new Promise((r) => setTimeout(r, 20));
    const messages = lambda.logGroups.get("/aws/lambda/f")!.streams.flatMap((s) =>
      s.events.map((e) => e.message)
    );
    assert.ok(messages.includes(`END RequestId: ${event.headers.get("x-amzn-requestid")}`));
  } finally {
    await server.close();
  }
});

Deno.test("Invoke refuses unknown invocation and log types with Lambda's ValidationException", async () => {
  const { server, client, lambda } = setUp();
  try {
    lambda.createFunction({ FunctionName: "f", MemorySize: 2048 });
    const invoke = (headers: Record<string, string>) =>
      fetch(`${server.url}/2015-03-31/functions/f/invocations`, {
        method: "POST",
        body: "{}",
        headers,
      });
    const sync = await invoke({ "X-Amz-Invocation-Type": "Sync" });
    assert.equal(sync.status, 400);
    assert.equal(sync.headers.get("x-amzn-errortype"), "ValidationException");
    assert.equal(
      (await sync.json()).message,
      "1 validation error detected: Value 'Sync' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]",
    );
    await assert.rejects(
      () =>
        client.send(
          new InvokeCommand({ FunctionName: "f", LogType: "Full" as "Tail", Payload: encode({}) }),
        ),
      {
        name: "ValidationException",
        message: /Value 'Full' at 'logType' .* enum value set: \[None, Tail\]$/,
      },
    );
    assert.equal(lambda.environmentCount("f"), 0);
  } finally {
    client.destroy();
    await server.close();
  }
});

Deno.test("Invoke resolves Qualifier $LATEST and name:$LATEST; any other version is not found", async () => {
  const { server, client, lambda } = setUp();
  try {
    lambda.createFunction({ FunctionName: "f", MemorySize: 2048 });
    const payload = encode({ requests: [1] });
    for (
      const input of [
        { FunctionName: "f", Qualifier: "$LATEST" },
        { FunctionName: "f:$LATEST" },
        { FunctionName: "arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST" },
        { FunctionName: "000000000000:function:f" },
      ]
    ) {
      const r = await client.send(new InvokeCommand({ ...input, Payload: payload }));
      assert.equal(r.StatusCode, 200, JSON.stringify(input));
      assert.equal(r.ExecutedVersion, "$LATEST");
    }
    for (const input of [{ FunctionName: "f", Qualifier: "1" }, { FunctionName: "f:prod" }]) {
      await assert.rejects(() => client.send(new InvokeCommand({ ...input, Payload: payload })), {
        name: "ResourceNotFoundException",
        message: /^Function not found: arn:aws:lambda:us-east-1:000000000000:function:f:(1|prod)$/,
      });
    }
    await assert.rejects(
      () => client.send(new GetFunctionCommand({ FunctionName: "f", Qualifier: "7" })),
      { name: "ResourceNotFoundException" },
    );
    await assert.rejects(
      () =>
        client.send(
          new InvokeCommand({ FunctionName: "f:$LATEST", Qualifier: "2", Payload: payload }),
        ),
      { name: "InvalidParameterValueException" },
    );
    await assert.rejects(
      () => client.send(new InvokeCommand({ FunctionName: "bad name!", Payload: payload })),
      { name: "ValidationException", message: /at 'functionName' failed to satisfy constraint/ },
    );
  } finally {
    client.destroy();
    await server.close();
  }
});

Deno.test("Event invocations take at most 1 MB, synchronous ones 6 MB", async () => {
  const { server, client, lambda } = setUp();
  try {
    lambda.createFunction({ FunctionName: "f", MemorySize: 2048 });
    // A JSON payload of 1 MB + 1 byte.
    const head = '{"requests":[1],"pad":"', tail = '"}';
    const big = head + "x".repeat(1024 * 1024 + 1 - head.length - tail.length) + tail;
    const payload = new TextEncoder().encode(big);
    assert.equal(payload.length, 1024 * 1024 + 1);
    await assert.rejects(
      () =>
        client.send(
          new InvokeCommand({ FunctionName: "f", InvocationType: "Event", Payload: payload }),
        ),
      (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
        assert.equal(e.name, "RequestTooLargeException");
        assert.equal(e.$metadata?.httpStatusCode, 413);
        assert.equal(
          e.message,
          "Request must be smaller than 1048576 bytes for the InvokeFunction operation",
        );
        return true;
      },
    );
    const sync = await client.send(new InvokeCommand({ FunctionName: "f", Payload: payload }));
    assert.equal(sync.StatusCode, 200);
    const event = await client.send(
      new InvokeCommand({
        FunctionName: "f",
        InvocationType: "Event",
        Payload: payload.subarray(0, 0),
      }),
    );
    assert.equal(event.StatusCode, 202);
  } finally {
    client.destroy();
    await server.close();
  }
});

Deno.test("The local Lambda answers unknown operations with UnknownOperationException and bad percent-encoding with 400", async () => {
  const { server, client, lambda } = setUp();
  try {
    lambda.createFunction({ FunctionName: "f", MemorySize: 2048 });
    for (
      const [method, path] of [
        ["GET", "/"],
        ["GET", "/2015-03-31/functions/f/aliases"],
        ["PATCH", "/2015-03-31/functions/f"],
        ["POST", "/2015-03-31/functions/f/configuration"],
      ]
    ) {
      const r = await fetch(server.url + path, { method });
      assert.equal(r.status, 404, `${method} ${path}`);
      assert.equal(r.headers.get("x-amzn-errortype"), "UnknownOperationException");
      assert.match((await r.json()).message, /^No operation of the Lambda API is /);
    }
    // A JSON-protocol call without X-Amz-Target.
    const noTarget = await fetch(server.url, {
      method: "POST",
      body: "{}",
      headers: { "content-type": "application/x-amz-json-1.1" },
    });
    assert.equal(noTarget.status, 400);
    assert.equal((await noTarget.json()).__type, "UnknownOperationException");
    const badEncoding = await fetch(`${server.url}/2015-03-31/functions/%E0%A4%A/configuration`);
    assert.equal(badEncoding.status, 400);
    assert.equal(badEncoding.headers.get("x-amzn-errortype"), "ValidationException");
    await badEncoding.body?.cancel();
    // The SDK does not mistake an unknown operation for a missing function.
    const { LambdaClient } = await import("@aws-sdk/client-lambda");
    const wrongPrefix = new LambdaClient({
      region: "us-east-1",
      endpoint: `${server.url}/v2`,
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
      maxAttempts: 1,
    });
    try {
      await assert.rejects(() => wrongPrefix.send(new ListFunctionsCommand({})), {
        name: "UnknownOperationException",
      });
    } finally {
      wrongPrefix.destroy();
    }
  } finally {
    client.destroy();
    await server.close();
  }
});

Deno.test("UpdateFunctionConfiguration and CreateFunction refuse an Environment not shaped {Variables: {name: string}}", async () => {
  const { server, client, lambda } = setUp();
  try {
    lambda.createFunction({
      FunctionName: "f",
      MemorySize: 2048,
      Environment: { Variables: { MODEL: "TF-resnetV2" } },
    });
    for (
      const environment of [
        "x",
        ["a"],
        { Variables: "x" },
        { Variables: { MODEL: 5 } },
        { Variables: { "bad-name": "v" } },
      ]
    ) {
      const r = await fetch(`${server.url}/2015-03-31/functions/f/configuration`, {
        method: "PUT",
        body: JSON.stringify({ Environment: environment }),
      });
      assert.equal(r.status, 400, JSON.stringify(environment));
      assert.equal(r.headers.get("x-amzn-errortype"), "InvalidParameterValueException");
      assert.match((await r.json()).message, /^Environment/);
    }
    const created = await fetch(`${server.url}/2015-03-31/functions`, {
      method: "POST",
      body: JSON.stringify({ FunctionName: "g", MemorySize: 2048, Environment: "x" }),
    });
    assert.equal(created.status, 400);
    await created.body?.cancel();
    // Nothing stored: the list still has the shape SDK clients parse.
    const list = await client.send(new ListFunctionsCommand({}));
    assert.deepEqual(list.Functions?.map((f) => f.Environment), [
      { Variables: { MODEL: "TF-resnetV2" } },
    ]);
  } finally {
    client.destroy();
    await server.close();
  }
});

Deno.test("LocalLambda's injected dropped connection fails the SDK's Invoke while it reads the answer, quietly", async () => {
  const { server, client } = setUp({ faults: { dropRate: 1 } });
  try {
    await client.send(
      new CreateFunctionCommand({
        FunctionName: "d",
        Role: "arn:aws:iam::000000000000:role/lambda",
        Code: { ZipFile: new Uint8Array([0]) },
        MemorySize: 2048,
      }),
    );
    // The status line came (200), the body did not: no HTTP status on the error
    // or a 2xx one, which the dispatcher retries as a lost connection.
    const e = await client.send(
      new InvokeCommand({
        FunctionName: "d",
        Payload: new TextEncoder().encode('{"requests":[1]}'),
      }),
    ).then(() => undefined, (e) => e);
    assert.ok(e instanceof Error, "the invoke should fail");
    const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    assert.ok(status === undefined || status < 300, `status ${status}`);
  } finally {
    client.destroy();
    await server.close();
  }
});

import assert from "node:assert/strict";
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  InvokeCommand,
  ListFunctionsCommand,
  UpdateFunctionConfigurationCommand,
} from "@aws-sdk/client-lambda";
import { publishedProfile } from "../../lib/profile/service_profile.ts";
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
    await assert.rejects(
      () =>
        client.send(new UpdateFunctionConfigurationCommand({ FunctionName: "f", MemorySize: 64 })),
      { name: "InvalidParameterValueException" },
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
  lambda.createFunction({ FunctionName: "f", MemorySize: 1024 });
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

import assert from "node:assert/strict";
import {
  CreateFunctionCommand,
  type FunctionConfiguration,
  GetFunctionConfigurationCommand,
  UpdateFunctionConfigurationCommand,
} from "@aws-sdk/client-lambda";
import { type FunctionSetupClient, prepareFunction } from "../../lib/buffer/function_setup.ts";
import { setUpLocalLambda } from "../lambda/_local_lambda.ts";

/**
 * A stand-in for AWS: the function exists at 1024 MB; after an update its
 * status reads InProgress for `pollsInProgress` reads, then `finalStatus`.
 */
function stubAws(pollsInProgress: number, finalStatus: "Successful" | "Failed" = "Successful") {
  const calls: string[] = [];
  let memory = 1024, inProgressLeft = 0;
  const config = (): FunctionConfiguration => ({
    FunctionName: "f",
    MemorySize: memory,
    State: "Active",
    LastUpdateStatus: inProgressLeft > 0 ? "InProgress" : finalStatus,
    ...(inProgressLeft === 0 && finalStatus === "Failed"
      ? { LastUpdateStatusReason: "Out of capacity", LastUpdateStatusReasonCode: "InternalError" }
      : {}),
  });
  const client: FunctionSetupClient = {
    send(command) {
      if (command instanceof GetFunctionConfigurationCommand) {
        calls.push("get");
        const c = config();
        if (inProgressLeft > 0) inProgressLeft--;
        return Promise.resolve(c);
      }
      if (command instanceof UpdateFunctionConfigurationCommand) {
        calls.push(`update ${command.input.MemorySize}`);
        memory = command.input.MemorySize!;
        inProgressLeft = pollsInProgress;
        return Promise.resolve({ ...config(), LastUpdateStatus: "InProgress" });
      }
      calls.push("create");
      return Promise.reject(new Error("unexpected CreateFunction"));
    },
  };
  return { client, calls };
}

Deno.test("prepareFunction() updates the memory and polls until the update is Successful", async () => {
  const { client, calls } = stubAws(3);
  const sleeps: number[] = [];
  const outcome = await prepareFunction(client, {
    functionName: "f",
    memoryMb: 3008,
    model: "m",
    create: false,
    sleep: (ms) => (sleeps.push(ms), Promise.resolve()),
    pollMs: 250,
  });
  assert.equal(outcome, "updated");
  // One read, the update, then reads until the fourth says Successful.
  assert.deepEqual(calls, ["get", "update 3008", "get", "get", "get", "get"]);
  assert.deepEqual(sleeps, [250, 250, 250, 250]);
});

Deno.test("prepareFunction() leaves a function at the right memory alone", async () => {
  const { client, calls } = stubAws(3);
  const outcome = await prepareFunction(client, {
    functionName: "f",
    memoryMb: 1024,
    model: "m",
    create: false,
    sleep: () => Promise.resolve(),
  });
  assert.equal(outcome, "unchanged");
  assert.deepEqual(calls, ["get"]);
});

Deno.test("prepareFunction() reports a failed update with its reason", async () => {
  const { client } = stubAws(1, "Failed");
  await assert.rejects(
    prepareFunction(client, {
      functionName: "f",
      memoryMb: 2048,
      model: "m",
      create: false,
      sleep: () => Promise.resolve(),
    }),
    (e: Error) =>
      e instanceof RangeError &&
      /the update failed \(InternalError: Out of capacity\)/.test(e.message),
  );
});

Deno.test("prepareFunction() gives up on an update that never finishes", async () => {
  const { client, calls } = stubAws(1_000_000);
  await assert.rejects(
    prepareFunction(client, {
      functionName: "f",
      memoryMb: 2048,
      model: "m",
      create: false,
      sleep: () => Promise.resolve(),
      pollMs: 500,
      maxWaitMs: 5000,
    }),
    /still in progress after 5 s/,
  );
  // The update, then ten polls of 500 ms.
  assert.equal(calls.filter((c) => c === "get").length, 1 + 10);
});

Deno.test("prepareFunction() does not create functions on AWS", async () => {
  const client: FunctionSetupClient = {
    send(command) {
      if (command instanceof CreateFunctionCommand) throw new Error("must not create");
      const e = new Error("Function not found: arn:aws:lambda:us-east-1:1:function:f");
      e.name = "ResourceNotFoundException";
      return Promise.reject(e);
    },
  };
  await assert.rejects(
    prepareFunction(client, { functionName: "f", memoryMb: 2048, model: "m", create: false }),
    { name: "ResourceNotFoundException" },
  );
});

Deno.test("prepareFunction() against the local Lambda with 2 s updates, over the real SDK", async () => {
  let clock = 1_700_000_000_000;
  const { client, server, lambda } = setUpLocalLambda({
    now: () => clock,
    timeScale: 1,
    updateSec: 2,
    // As lambda-local and AWS: a function created without a Timeout gets 3 s.
    defaultTimeoutSec: 3,
  });
  const sleep = (ms: number) => {
    clock += ms;
    return Promise.resolve();
  };
  try {
    const created = await prepareFunction(client, {
      functionName: "g",
      memoryMb: 1024,
      model: "TF-resnetV2",
      create: true,
      sleep,
    });
    assert.equal(created, "created");
    assert.equal(lambda.getFunctionConfiguration("g").Environment?.Variables?.MODEL, "TF-resnetV2");
    // Created with Lambda's longest Timeout: the default 3 s would cut batches short.
    assert.equal(lambda.getFunctionConfiguration("g").Timeout, 900);

    const started = clock;
    assert.equal(
      await prepareFunction(client, {
        functionName: "g",
        memoryMb: 3008,
        model: "x",
        create: true,
        sleep,
      }),
      "updated",
    );
    // It waited the 2 s the update takes (polls every 500 ms).
    assert.equal(clock - started, 2000);
    assert.equal(lambda.getFunctionConfiguration("g").LastUpdateStatus, "Successful");
    assert.equal(lambda.getFunctionConfiguration("g").MemorySize, 3008);

    // A second update while one is in progress is refused, as on Lambda...
    await client.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: "g", MemorySize: 2048 }),
    );
    await assert.rejects(
      client.send(new UpdateFunctionConfigurationCommand({ FunctionName: "g", MemorySize: 1536 })),
      { name: "ResourceConflictException" },
    );
    // ...so prepareFunction() lets it finish before its own.
    const before = clock;
    assert.equal(
      await prepareFunction(client, {
        functionName: "g",
        memoryMb: 1536,
        model: "x",
        create: true,
        sleep,
      }),
      "updated",
    );
    assert.equal(clock - before, 4000);
    assert.equal(lambda.getFunctionConfiguration("g").MemorySize, 1536);
  } finally {
    client.destroy();
    await server.close();
  }
});

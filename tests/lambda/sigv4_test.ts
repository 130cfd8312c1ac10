import assert from "node:assert/strict";
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import {
  CreateFunctionCommand,
  InvokeCommand,
  LambdaClient,
  ListFunctionsCommand,
} from "@aws-sdk/client-lambda";
import { startLocalLambdaServer } from "../../lib/lambda/http_server.ts";
import { LocalLambda } from "../../lib/lambda/local_lambda.ts";
import { publishedProfile } from "../../lib/profile/service_profile.ts";
import { seededPrng } from "../../lib/random/prng.ts";

Deno.test("LocalLambda with credentials accepts the SDK's SigV4 signatures and refuses bad ones", async () => {
  const lambda = new LocalLambda({
    profileFor: (m) => publishedProfile(m),
    prng: seededPrng(1),
    timeScale: 1000,
  });
  const keys = { accessKeyId: "AKIDLOCALTEST", secretAccessKey: "local/secret+key=" };
  const server = startLocalLambdaServer(lambda, { credentials: keys });
  const make = (credentials: typeof keys) => ({
    region: "eu-west-1",
    endpoint: server.url,
    credentials,
    maxAttempts: 1,
  });
  const good = new LambdaClient(make(keys));
  const wrongSecret = new LambdaClient(make({ ...keys, secretAccessKey: "nope" }));
  const wrongKey = new LambdaClient(make({ ...keys, accessKeyId: "AKIDOTHER" }));
  const logs = new CloudWatchLogsClient(make(keys));
  const badLogs = new CloudWatchLogsClient(make({ ...keys, secretAccessKey: "nope" }));
  try {
    await good.send(
      new CreateFunctionCommand({
        FunctionName: "fn-1",
        Role: "r",
        Code: { ZipFile: new Uint8Array([1, 2]) },
        MemorySize: 2048,
      }),
    );
    const r = await good.send(
      new InvokeCommand({
        FunctionName: "fn-1",
        Payload: new TextEncoder().encode('{"requests": [1, 2]}'),
      }),
    );
    assert.equal(r.StatusCode, 200);
    assert.equal((await good.send(new ListFunctionsCommand({}))).Functions?.length, 1);
    assert.equal((await logs.send(new DescribeLogGroupsCommand({}))).logGroups?.length, 1);
    await assert.rejects(
      () => wrongSecret.send(new ListFunctionsCommand({})),
      (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
        assert.equal(e.name, "InvalidSignatureException");
        assert.equal(e.$metadata?.httpStatusCode, 403);
        return true;
      },
    );
    await assert.rejects(() => wrongKey.send(new ListFunctionsCommand({})), {
      name: "UnrecognizedClientException",
    });
    await assert.rejects(() => badLogs.send(new DescribeLogGroupsCommand({})), {
      name: "InvalidSignatureException",
    });
  } finally {
    for (const c of [good, wrongSecret, wrongKey, logs, badLogs]) c.destroy();
    await server.close();
  }
});

Deno.test("startLocalLambdaServer() answers a refused CloudWatch Logs request with an x-amzn-RequestId", async () => {
  const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  const lambda = new LocalLambda({ profileFor: (m) => publishedProfile(m), prng: seededPrng(1) });
  const keys = { accessKeyId: "AKIDLOCALTEST", secretAccessKey: "local/secret+key=" };
  const server = startLocalLambdaServer(lambda, { credentials: keys });
  const badLogs = new CloudWatchLogsClient({
    region: "eu-west-1",
    endpoint: server.url,
    credentials: { ...keys, secretAccessKey: "nope" },
    maxAttempts: 1,
  });
  try {
    // Unsigned: the raw 403 in the Logs (JSON 1.1) shape, with a request id.
    const res = await fetch(server.url, {
      method: "POST",
      headers: {
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": "Logs_20140328.DescribeLogGroups",
      },
      body: "{}",
    });
    assert.equal(res.status, 403);
    assert.equal(res.headers.get("x-amzn-ErrorType"), "MissingAuthenticationTokenException");
    assert.match(res.headers.get("x-amzn-RequestId") ?? "", UUID_V4);
    assert.deepEqual(await res.json(), {
      __type: "MissingAuthenticationTokenException",
      message: "Missing Authentication Token",
    });
    // Signed with the wrong secret: the SDK reads the id into $metadata.requestId.
    await assert.rejects(
      () => badLogs.send(new DescribeLogGroupsCommand({})),
      (e: Error & { $metadata?: { httpStatusCode?: number; requestId?: string } }) => {
        assert.equal(e.name, "InvalidSignatureException");
        assert.equal(e.$metadata?.httpStatusCode, 403);
        assert.match(e.$metadata?.requestId ?? "", UUID_V4);
        return true;
      },
    );
  } finally {
    badLogs.destroy();
    await server.close();
  }
});

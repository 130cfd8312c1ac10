/**
 * Clients we did not write against the local Lambda: boto3 and the AWS CLI (v1),
 * from Python's registry (`.ci/run` installs them; without them these tests
 * are reported as ignored, passing nothing off as checked). They list (paged),
 * get, update and wait with the documented waiter, invoke with the log tail
 * (our buffer's payload and buffer.py's `{"BS": n}`), and read the logs
 * through their paginators.
 */

import assert from "node:assert/strict";
import { startLocalLambdaServer } from "../../lib/lambda/http_server.ts";
import { LocalLambda } from "../../lib/lambda/local_lambda.ts";
import { parseLambdaLog } from "../../lib/logs/lambda_log_lines.ts";
import { publishedProfile, serviceTimeSec } from "../../lib/profile/service_profile.ts";
import { seededPrng } from "../../lib/random/prng.ts";

const HERE = new URL(".", import.meta.url).pathname;
const PROFILE = publishedProfile("TF-inceptionV4");

/**
 * A local Lambda with `inception-v4` and 55 more functions (two pages of
 * ListFunctions), functions 100 times faster than real and configuration
 * updates that stay InProgress 1.5 s (real time).
 */
function localLambda() {
  const lambda = new LocalLambda({
    profileFor: (m) => publishedProfile(m),
    prng: seededPrng(5),
    timeScale: 100,
    updateSec: 150,
  });
  lambda.createFunction({
    FunctionName: "inception-v4",
    MemorySize: 3008,
    Timeout: 60,
    Environment: { Variables: { MODEL: "TF-inceptionV4" } },
  });
  for (let i = 0; i < 55; i++) lambda.createFunction({ FunctionName: `f${i}`, MemorySize: 2048 });
  const server = startLocalLambdaServer(lambda);
  return { lambda, server };
}

/** The environment of a client pointed at the local Lambda, with dummy keys. */
function clientEnv(url: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: url,
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    AWS_DEFAULT_REGION: "us-east-1",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    PYTHONDONTWRITEBYTECODE: "1",
  };
}

async function has(command: string, args: string[]): Promise<boolean> {
  try {
    return (await new Deno.Command(command, { args, stdout: "null", stderr: "null" }).output())
      .success;
  } catch {
    return false;
  }
}

/** The REPORT line's duration in a log tail, ms. */
function reportDurationMs(tail: string): number {
  const report = parseLambdaLog(tail).records.find((r) => r.kind === "report");
  assert.ok(report && report.kind === "report", tail);
  return report.durationMs;
}

const HAVE_BOTO3 = await has("python3", ["-c", "import boto3"]);
const HAVE_AWS_CLI = await has("aws", ["--version"]);

Deno.test({
  name:
    "boto3 against lambda-local: paged list, get, update + waiter, invoke with Tail, buffer.py's BS, logs paginators",
  ignore: !HAVE_BOTO3,
}, async () => {
  const { server } = localLambda();
  try {
    const out = await new Deno.Command("python3", {
      args: [`${HERE}_boto3_client.py`],
      env: clientEnv(server.url),
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr);
    const seen = JSON.parse(new TextDecoder().decode(out.stdout));
    // 56 functions: a page of 50 and one of 6.
    assert.equal(seen.list.pages, 2);
    assert.equal(seen.list.names.length, 56);
    assert.equal(new Set(seen.list.names).size, 56);
    assert.deepEqual(seen.get, { memory: 3008, state: "Active" });
    assert.deepEqual(seen.update, {
      statusRightAfter: "InProgress",
      statusAfterWait: "Successful",
      memory: 2048,
    });
    // Our payload: an object back, the REPORT at the new memory, its id the response's.
    assert.equal(seen.invoke.status, 200);
    assert.equal(seen.invoke.functionError, null);
    assert.equal(seen.invoke.payload.batchSize, 3);
    assert.match(seen.invoke.tail, new RegExp(`^START RequestId: ${seen.invoke.requestId} `));
    assert.match(seen.invoke.tail, /Memory Size: 2048 MB/);
    assert.ok(
      Math.abs(reportDurationMs(seen.invoke.tail) - 1000 * serviceTimeSec(PROFILE, 3, 2048)) < 0.01,
    );
    // buffer.py's payload: the batch of BS requests, the answer its duration in ms.
    assert.equal(typeof seen.invokeBS.payload, "number");
    const expectedMs = 1000 * serviceTimeSec(PROFILE, 4, 2048);
    assert.ok(Math.abs(seen.invokeBS.payload - expectedMs) < 0.01, `${seen.invokeBS.payload}`);
    assert.ok(Math.abs(reportDurationMs(seen.invokeBS.tail) - expectedMs) < 0.01);
    // Logs: both invocations' REPORT lines, two a page.
    assert.ok(seen.logs.streams.length >= 1);
    assert.equal(seen.logs.reports.length, 2);
    assert.ok(seen.logs.reports.every((m: string) => m.startsWith("REPORT RequestId: ")));
    assert.ok(seen.logs.filterPages >= 1);
  } finally {
    await server.close();
  }
});

Deno.test({
  name:
    "AWS CLI against lambda-local: list-functions, get, update + wait, invoke --log-type Tail, logs filter-log-events",
  ignore: !HAVE_AWS_CLI,
}, async () => {
  const { server } = localLambda();
  const env = clientEnv(server.url);
  const aws = async (...args: string[]) => {
    const out = await new Deno.Command("aws", {
      args: [...args, "--output", "json"],
      env,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, `aws ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
    return stdout.trim() === "" ? undefined : JSON.parse(stdout);
  };
  const dir = await Deno.makeTempDir({ prefix: "batch_awscli_" });
  try {
    // The CLI follows NextMarker itself; pages of 20 make it ask three times.
    const list = await aws("lambda", "list-functions", "--page-size", "20");
    assert.equal(list.Functions.length, 56);
    const conf = await aws(
      "lambda",
      "get-function-configuration",
      "--function-name",
      "inception-v4",
    );
    assert.equal(conf.MemorySize, 3008);
    const updated = await aws(
      "lambda",
      "update-function-configuration",
      "--function-name",
      "inception-v4",
      "--memory-size",
      "1792",
    );
    assert.equal(updated.LastUpdateStatus, "InProgress");
    await aws("lambda", "wait", "function-updated", "--function-name", "inception-v4");
    const after = await aws(
      "lambda",
      "get-function-configuration",
      "--function-name",
      "inception-v4",
    );
    assert.equal(after.LastUpdateStatus, "Successful");
    assert.equal(after.MemorySize, 1792);
    const invoked = await aws(
      "lambda",
      "invoke",
      "--function-name",
      "inception-v4",
      "--payload",
      '{"BS": 2}',
      "--log-type",
      "Tail",
      `${dir}/out.json`,
    );
    assert.equal(invoked.StatusCode, 200);
    const tail = atob(invoked.LogResult);
    const expectedMs = 1000 * serviceTimeSec(PROFILE, 2, 1792);
    assert.ok(Math.abs(reportDurationMs(tail) - expectedMs) < 0.01, tail);
    const answer = JSON.parse(await Deno.readTextFile(`${dir}/out.json`));
    assert.ok(Math.abs(answer - expectedMs) < 0.01);
    await aws(
      "lambda",
      "invoke",
      "--function-name",
      "inception-v4",
      "--payload",
      '{"requests": [1]}',
      `${dir}/out2.json`,
    );
    const events = await aws(
      "logs",
      "filter-log-events",
      "--log-group-name",
      "/aws/lambda/inception-v4",
      "--filter-pattern",
      "REPORT",
      "--page-size",
      "1",
    );
    // Two REPORT lines, a page each, gathered by the CLI's paginator.
    assert.equal(events.events.length, 2);
    for (const e of events.events) {
      assert.match(e.message, /^REPORT RequestId: .*Memory Size: 1792 MB/);
    }
    const streams = await aws(
      "logs",
      "describe-log-streams",
      "--log-group-name",
      "/aws/lambda/inception-v4",
    );
    assert.equal(streams.logStreams.length, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await server.close();
  }
});

/**
 * The local Lambda through third-party clients: boto3 and the AWS CLI (pip's
 * `awscli`) against `deno task lambda-local`. Each test is reported as ignored
 * where the Python package it needs is missing.
 */

import assert from "node:assert/strict";
import { ROOT } from "./_run_script.ts";

/** Whether a command runs and exits 0. */
async function works(command: string, args: string[]): Promise<boolean> {
  try {
    const out = await new Deno.Command(command, { args, stdout: "null", stderr: "null" }).output();
    return out.success;
  } catch {
    return false;
  }
}

const HAVE_BOTO3 = await works("python3", ["-c", "import boto3"]);
const HAVE_AWS_CLI = await works("aws", ["--version"]);

/** Starts lambda-local on a free port, 1000 times faster than real; stops it after `body`. */
async function withLambdaLocal(body: (url: string) => Promise<void>): Promise<void> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-net",
      "--allow-env",
      "scripts/lambda_local.ts",
      "--port",
      "0",
      "--time-scale",
      "1000",
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let banner = "";
  while (!banner.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    banner += value;
  }
  try {
    const url = /http:\/\/127\.0\.0\.1:\d+/.exec(banner)?.[0];
    assert.ok(url, `no URL in ${JSON.stringify(banner)}`);
    await body(url);
  } finally {
    child.kill("SIGTERM");
    await reader.cancel();
    assert.equal((await child.status).code, 0);
  }
}

const CLIENT_ENV = {
  AWS_ACCESS_KEY_ID: "local",
  AWS_SECRET_ACCESS_KEY: "local",
  AWS_DEFAULT_REGION: "us-east-1",
  AWS_CONFIG_FILE: "/dev/null",
  AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
};

/** What the boto3 script does; it prints one JSON object. */
const BOTO3_SCRIPT = `
import base64, json, sys
import boto3
kw = dict(endpoint_url=sys.argv[1], region_name="us-east-1")
lam, logs = boto3.client("lambda", **kw), boto3.client("logs", **kw)
out = {}
lam.create_function(FunctionName="resnet", Role="arn:aws:iam::000000000000:role/r",
                    Code={"ZipFile": b"0"}, MemorySize=2048, Timeout=900,
                    Environment={"Variables": {"MODEL": "TF-resnetV2"}})
pages = list(lam.get_paginator("list_functions").paginate(PaginationConfig={"PageSize": 1}))
out["pages"] = [[f["FunctionName"] for f in p["Functions"]] for p in pages]
out["environments"] = [f.get("Environment") for p in pages for f in p["Functions"]]
out["got"] = lam.get_function(FunctionName="inception-v4")["Configuration"]["MemorySize"]
lam.update_function_configuration(FunctionName="inception-v4", MemorySize=2048)
lam.get_waiter("function_updated_v2").wait(FunctionName="inception-v4",
                                            WaiterConfig={"Delay": 1, "MaxAttempts": 5})
out["updated"] = lam.get_function_configuration(FunctionName="inception-v4")["MemorySize"]
r = lam.invoke(FunctionName="inception-v4", InvocationType="RequestResponse",
               LogType="Tail", Payload=json.dumps({"BS": 4}))
out["bs_answer"] = json.loads(r["Payload"].read())
out["tail"] = base64.b64decode(r["LogResult"]).decode()
out["request_id"] = r["ResponseMetadata"]["RequestId"]
events = []
for p in logs.get_paginator("filter_log_events").paginate(
        logGroupName="/aws/lambda/inception-v4", filterPattern="REPORT",
        PaginationConfig={"PageSize": 1}):
    events += [e["message"] for e in p["events"]]
out["reports"] = events
try:
    lam.invoke(FunctionName="inception-v4", Qualifier="7")
except lam.exceptions.ResourceNotFoundException as e:
    out["qualifier_error"] = e.response["Error"]["Code"]
print(json.dumps(out))
`;

Deno.test({
  name:
    "boto3 against lambda-local: list with the paginator, get, update and its waiter, invoke with Tail, filter logs with the paginator",
  ignore: !HAVE_BOTO3,
  fn: () =>
    withLambdaLocal(async (url) => {
      const out = await new Deno.Command("python3", {
        args: ["-c", BOTO3_SCRIPT, url],
        env: CLIENT_ENV,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const dec = new TextDecoder();
      assert.equal(out.code, 0, dec.decode(out.stderr));
      const r = JSON.parse(dec.decode(out.stdout));
      // One function a page, by name, and Environment shaped as boto3 parses it.
      assert.deepEqual(r.pages, [["inception-v4"], ["resnet"]]);
      assert.deepEqual(r.environments, [
        { Variables: { MODEL: "TF-inceptionV4" } },
        { Variables: { MODEL: "TF-resnetV2" } },
      ]);
      assert.equal(r.got, 3008);
      assert.equal(r.updated, 2048);
      // buffer.py's request shape: the answer is the duration in ms, S(4, 2048 MB).
      assert.equal(typeof r.bs_answer, "number");
      assert.match(r.tail, new RegExp(`Duration: ${r.bs_answer.toFixed(2)} ms`));
      assert.match(r.tail, new RegExp(`^START RequestId: ${r.request_id} Version: \\$LATEST\\n`));
      assert.equal(r.reports.length, 1);
      assert.equal(r.qualifier_error, "ResourceNotFoundException");
    }),
});

Deno.test({
  name:
    "The AWS CLI against lambda-local: list-functions pages, invoke with --log-type Tail, logs filter-log-events",
  ignore: !HAVE_AWS_CLI,
  fn: () =>
    withLambdaLocal(async (url) => {
      const aws = async (...args: string[]) => {
        const out = await new Deno.Command("aws", {
          args: [...args, "--endpoint-url", url, "--output", "json"],
          env: CLIENT_ENV,
          stdout: "piped",
          stderr: "piped",
        }).output();
        const dec = new TextDecoder();
        return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
      };
      const listed = await aws("lambda", "list-functions", "--page-size", "1");
      assert.equal(listed.code, 0, listed.stderr);
      assert.deepEqual(
        JSON.parse(listed.stdout).Functions.map((f: { FunctionName: string }) => f.FunctionName),
        ["inception-v4"],
      );
      const invoked = await aws(
        "lambda",
        "invoke",
        "--function-name",
        "inception-v4",
        "--payload",
        '{"requests": [1, 2]}',
        "--log-type",
        "Tail",
        "/dev/null",
      );
      assert.equal(invoked.code, 0, invoked.stderr);
      const tail = atob(JSON.parse(invoked.stdout).LogResult);
      assert.match(tail, /REPORT RequestId: \S+\tDuration: [\d.]+ ms/);
      const filtered = await aws(
        "logs",
        "filter-log-events",
        "--log-group-name",
        "/aws/lambda/inception-v4",
        "--filter-pattern",
        "REPORT",
      );
      assert.equal(filtered.code, 0, filtered.stderr);
      assert.equal(JSON.parse(filtered.stdout).events.length, 1);
      const refused = await aws(
        "lambda",
        "invoke",
        "--function-name",
        "inception-v4",
        "--invocation-type",
        "Sync",
        "/dev/null",
      );
      // 254 (CLI v2) or 255 (CLI v1): the service refused the call.
      assert.ok(refused.code === 254 || refused.code === 255, `exit ${refused.code}`);
      assert.match(refused.stderr, /\(ValidationException\).*'invocationType'/);
    }),
});

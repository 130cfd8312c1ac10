import assert from "node:assert/strict";
import {
  CloudWatchLogsClient,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  paginateFilterLogEvents,
  paginateGetLogEvents,
} from "@aws-sdk/client-cloudwatch-logs";
import { CreateFunctionCommand, InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { startLocalLambdaServer } from "../../lib/lambda/http_server.ts";
import { LocalLambda, type LocalLambdaOptions } from "../../lib/lambda/local_lambda.ts";
import { handleLogsRequest } from "../../lib/lambda/logs_api.ts";
import { publishedProfile } from "../../lib/profile/service_profile.ts";
import { seededPrng } from "../../lib/random/prng.ts";
import { setUpLocalLambda } from "./_local_lambda.ts";

const T0 = 1_700_000_000_000;
const GROUP = "/aws/lambda/f";
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * A local Lambda on a fake wall clock, function "f" (2048 MB) invoked once at
 * each of `times` (ms since the epoch; one warm environment, so one stream),
 * a CloudWatch Logs client for it and a raw JSON poster.
 */
async function invokedAt(times: number[], options: Partial<LocalLambdaOptions> = {}) {
  let clock = T0;
  const setup = setUpLocalLambda({ prng: seededPrng(4), now: () => clock, ...options });
  setup.lambda.createFunction({ FunctionName: "f", MemorySize: 2048 });
  const invokeAt = async (ms: number) => {
    clock = ms;
    await setup.lambda.invoke("f", new TextEncoder().encode('{"batch_size": 2}'));
  };
  for (const t of times) await invokeAt(t);
  const logs = new CloudWatchLogsClient({
    region: "us-east-1",
    endpoint: setup.server.url,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 1,
  });
  /** The stream's events as the emulator holds them (the ground truth). */
  const stored = () => {
    const streams = setup.lambda.logGroups.get(GROUP)!.streams;
    assert.equal(streams.length, 1);
    return { name: streams[0].logStreamName, events: [...streams[0].events] };
  };
  /** POSTs a raw body to a CloudWatch Logs operation. */
  const post = async (op: string, body: string) => {
    const res = await fetch(setup.server.url, {
      method: "POST",
      headers: {
        "x-amz-target": `Logs_20140328.${op}`,
        "content-type": "application/x-amz-json-1.1",
      },
      body,
    });
    const text = await res.text();
    return {
      status: res.status,
      requestId: res.headers.get("x-amzn-requestid"),
      contentType: res.headers.get("content-type"),
      // A plain-text answer fails the test here, as it should.
      json: JSON.parse(text),
    };
  };
  return {
    ...setup,
    logs,
    invokeAt,
    stored,
    post,
    async [Symbol.asyncDispose]() {
      logs.destroy();
      setup.client.destroy();
      await setup.server.close();
    },
  };
}

Deno.test("LocalLambda's logs are read back with the real CloudWatch Logs client", async () => {
  const lambda = new LocalLambda({
    profileFor: (m) => publishedProfile(m),
    prng: seededPrng(2),
    timeScale: 1000,
  });
  const server = startLocalLambdaServer(lambda);
  const config = {
    region: "us-east-1",
    endpoint: server.url,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 1,
  };
  const fn = new LambdaClient(config), logs = new CloudWatchLogsClient(config);
  try {
    await fn.send(
      new CreateFunctionCommand({
        FunctionName: "f",
        MemorySize: 2048,
        Role: "r",
        Code: { ZipFile: new Uint8Array([0]) },
      }),
    );
    const started = Date.now();
    // Seven invocations, three at a time: several environments, each with its stream.
    for (let round = 0; round < 3; round++) {
      await Promise.all(
        Array.from(
          { length: round === 2 ? 1 : 3 },
          () =>
            fn.send(
              new InvokeCommand({
                FunctionName: "f",
                Payload: new TextEncoder().encode('{"batch_size": 2}'),
              }),
            ),
        ),
      );
    }
    const groups = await logs.send(
      new DescribeLogGroupsCommand({ logGroupNamePrefix: "/aws/lambda/" }),
    );
    assert.deepEqual(groups.logGroups?.map((g) => g.logGroupName), ["/aws/lambda/f"]);
    const streams = await logs.send(
      new DescribeLogStreamsCommand({ logGroupName: "/aws/lambda/f" }),
    );
    assert.equal(streams.logStreams?.length, 3);
    let lines = 0;
    for (const s of streams.logStreams!) {
      const ev = await logs.send(
        new GetLogEventsCommand({
          logGroupName: "/aws/lambda/f",
          logStreamName: s.logStreamName,
          startFromHead: true,
        }),
      );
      lines += ev.events!.length;
      assert.match(ev.events![0].message!, /^START RequestId: /);
    }
    assert.equal(lines, 7 * 3);
    // REPORT lines through the paginator, two per page: all seven, in time order.
    const reports: string[] = [];
    for await (
      const page of paginateFilterLogEvents({ client: logs, pageSize: 2 }, {
        logGroupName: "/aws/lambda/f",
        filterPattern: "REPORT",
        startTime: started - 1000,
      })
    ) {
      assert.ok(page.events!.length <= 2);
      for (const e of page.events!) reports.push(e.message!);
    }
    assert.equal(reports.length, 7);
    assert.equal(reports.filter((r) => r.includes("Init Duration")).length, 3);
    await assert.rejects(
      () => logs.send(new DescribeLogStreamsCommand({ logGroupName: "/aws/lambda/none" })),
      { name: "ResourceNotFoundException" },
    );
  } finally {
    fn.destroy();
    logs.destroy();
    await server.close();
  }
});

Deno.test("handleLogsRequest() answers a body that is not a JSON object with a JSON SerializationException", async () => {
  await using local = await invokedAt([T0]);
  const cases: [string, string][] = [
    ["null", "Expected a JSON object as the request body, found null"],
    ["[]", "Expected a JSON object as the request body, found a list"],
    ["5", "Expected a JSON object as the request body, found the number 5"],
    ['"x"', 'Expected a JSON object as the request body, found the string "x"'],
  ];
  for (const [body, message] of cases) {
    const res = await local.post("FilterLogEvents", body);
    assert.equal(res.status, 400, body);
    assert.equal(res.contentType, "application/x-amz-json-1.1");
    assert.deepEqual(res.json, { __type: "SerializationException", message });
  }
  const broken = await local.post("DescribeLogGroups", "{not json");
  assert.equal(broken.status, 400);
  assert.equal(broken.json.__type, "SerializationException");
  assert.match(broken.json.message, /^The request body is not valid JSON: /);
  // A member of the wrong JSON type is a SerializationException too.
  const typed = await local.post("FilterLogEvents", `{"logGroupName": "${GROUP}", "limit": "abc"}`);
  assert.equal(typed.status, 400);
  assert.deepEqual(typed.json, {
    __type: "SerializationException",
    message: `Expected an Integer at 'limit', found the string "abc"`,
  });
});

Deno.test("handleLogsRequest() checks limit against the API model: out of range is an InvalidParameterException", async () => {
  await using local = await invokedAt([T0]);
  const atLimit = (v: number, rule: string) =>
    `1 validation error detected: Value '${v}' at 'limit' failed to satisfy constraint: ` +
    `Member must have value ${rule}`;
  const stream = local.stored().name;
  const cases: [string, Record<string, unknown>, string][] = [
    ["FilterLogEvents", { limit: -5 }, atLimit(-5, "greater than or equal to 1")],
    ["FilterLogEvents", { limit: 100000 }, atLimit(100000, "less than or equal to 10000")],
    ["GetLogEvents", { logStreamName: stream, limit: 0 }, atLimit(0, "greater than or equal to 1")],
    ["DescribeLogStreams", { limit: 51 }, atLimit(51, "less than or equal to 50")],
    ["DescribeLogGroups", { limit: 0 }, atLimit(0, "greater than or equal to 1")],
  ];
  for (const [op, input, message] of cases) {
    const res = await local.post(op, JSON.stringify({ logGroupName: GROUP, ...input }));
    assert.equal(res.status, 400, `${op} ${JSON.stringify(input)}`);
    assert.deepEqual(res.json, { __type: "InvalidParameterException", message });
  }
  // Several violations in one message, as AWS words them (in the model's member order).
  const two = await local.post(
    "FilterLogEvents",
    JSON.stringify({ logGroupName: GROUP, limit: 0, startTime: -1 }),
  );
  assert.equal(
    two.json.message,
    "2 validation errors detected: Value '-1' at 'startTime' failed to satisfy constraint: " +
      "Member must have value greater than or equal to 0; Value '0' at 'limit' failed to " +
      "satisfy constraint: Member must have value greater than or equal to 1",
  );
  // Not an integer: the JSON type is wrong.
  const half = await local.post("FilterLogEvents", `{"logGroupName": "${GROUP}", "limit": 1.5}`);
  assert.deepEqual(half.json, {
    __type: "SerializationException",
    message: "Expected an Integer at 'limit', found the number 1.5",
  });
  // The real SDK sends what it is given; the error reaches it typed.
  await assert.rejects(
    () => local.logs.send(new FilterLogEventsCommand({ logGroupName: GROUP, limit: 100000 })),
    { name: "InvalidParameterException", message: atLimit(100000, "less than or equal to 10000") },
  );
});

Deno.test("handleLogsRequest() puts a UUID v4 x-amzn-RequestId on every response, errors included", async () => {
  await using local = await invokedAt([T0]);
  const ok = await local.logs.send(new DescribeLogGroupsCommand({}));
  assert.match(ok.$metadata.requestId ?? "", UUID_V4);
  const failed = await local.logs.send(new DescribeLogStreamsCommand({ logGroupName: "/none" }))
    .then(() => assert.fail("expected ResourceNotFoundException"), (e) => e);
  assert.equal(failed.name, "ResourceNotFoundException");
  assert.match(failed.$metadata.requestId ?? "", UUID_V4);
  const ids = new Set<string>();
  for (const body of ["null", "{}", `{"logGroupName": "${GROUP}"}`]) {
    const res = await local.post("FilterLogEvents", body);
    assert.match(res.requestId ?? "", UUID_V4, body);
    ids.add(res.requestId!);
  }
  assert.equal(ids.size, 3);
});

Deno.test("handleLogsRequest() answers an unexpected failure with a JSON ServiceUnavailableException (500)", async () => {
  const broken = {
    get logGroups(): never {
      throw new TypeError("the log store is gone");
    },
  } as unknown as LocalLambda;
  const res = await handleLogsRequest(
    broken,
    new Request("http://127.0.0.1/", {
      method: "POST",
      headers: { "x-amz-target": "Logs_20140328.DescribeLogGroups" },
      body: "{}",
    }),
    { requestId: () => "6f1c3a52-35c3-4d5e-9f0e-2a4b8c6d1e7f" },
  );
  assert.equal(res.status, 500);
  assert.equal(res.headers.get("content-type"), "application/x-amz-json-1.1");
  assert.equal(res.headers.get("x-amzn-requestid"), "6f1c3a52-35c3-4d5e-9f0e-2a4b8c6d1e7f");
  assert.deepEqual(await res.json(), {
    __type: "ServiceUnavailableException",
    message: "The local CloudWatch Logs failed: the log store is gone",
  });
});

Deno.test("handleLogsRequest() answers an unknown operation with UnknownOperationException (400)", async () => {
  await using local = await invokedAt([]);
  const res = await local.post("PutLogEvents", "{}");
  assert.equal(res.status, 400);
  assert.equal(res.json.__type, "UnknownOperationException");
  assert.equal(
    res.json.message,
    'Unknown operation "Logs_20140328.PutLogEvents": the local CloudWatch Logs serves ' +
      "DescribeLogGroups, DescribeLogStreams, GetLogEvents, FilterLogEvents",
  );
});

Deno.test("DescribeLogStreams, GetLogEvents and FilterLogEvents need a log group and GetLogEvents a stream", async () => {
  await using local = await invokedAt([T0]);
  const stream = local.stored().name;
  for (
    const send of [
      () => local.logs.send(new DescribeLogStreamsCommand({})),
      () => local.logs.send(new GetLogEventsCommand({ logStreamName: stream })),
      () => local.logs.send(new FilterLogEventsCommand({})),
    ]
  ) {
    await assert.rejects(send, {
      name: "InvalidParameterException",
      message: "Specify logGroupName or logGroupIdentifier: neither was given",
    });
  }
  await assert.rejects(
    () =>
      local.logs.send(
        new FilterLogEventsCommand({ logGroupName: GROUP, logGroupIdentifier: GROUP }),
      ),
    { name: "InvalidParameterException" },
  );
  const noStream = await local.post("GetLogEvents", JSON.stringify({ logGroupName: GROUP }));
  assert.deepEqual(noStream.json, {
    __type: "InvalidParameterException",
    message: "1 validation error detected: Value null at 'logStreamName' failed to satisfy " +
      "constraint: Member must not be null",
  });
  // The log group's ARN serves as its identifier.
  const byArn = await local.logs.send(
    new FilterLogEventsCommand({
      logGroupIdentifier: `arn:aws:logs:us-east-1:000000000000:log-group:${GROUP}`,
    }),
  );
  assert.equal(byArn.events?.length, local.stored().events.length);
});

Deno.test("FilterLogEvents refuses logStreamNames together with logStreamNamePrefix", async () => {
  await using local = await invokedAt([T0]);
  const stream = local.stored().name;
  await assert.rejects(
    () =>
      local.logs.send(
        new FilterLogEventsCommand({
          logGroupName: GROUP,
          logStreamNames: [stream],
          logStreamNamePrefix: stream.slice(0, 4),
        }),
      ),
    {
      name: "InvalidParameterException",
      message: "logStreamNames and logStreamNamePrefix cannot both be specified",
    },
  );
  // Each alone is fine.
  const named = await local.logs.send(
    new FilterLogEventsCommand({ logGroupName: GROUP, logStreamNames: [stream] }),
  );
  assert.equal(named.events?.length, local.stored().events.length);
});

Deno.test("GetLogEvents returns the newest events by default and the oldest with startFromHead", async () => {
  await using local = await invokedAt([T0, T0 + 1000, T0 + 2000, T0 + 3000]);
  const { name, events } = local.stored();
  const input = { logGroupName: GROUP, logStreamName: name, limit: 4 };
  const newest = await local.logs.send(new GetLogEventsCommand(input));
  assert.deepEqual(newest.events?.map((e) => e.message), events.slice(-4).map((e) => e.message));
  const oldest = await local.logs.send(new GetLogEventsCommand({ ...input, startFromHead: true }));
  assert.deepEqual(oldest.events?.map((e) => e.message), events.slice(0, 4).map((e) => e.message));
});

Deno.test("GetLogEvents pages forward until the forward token repeats, and backward from the newest", async () => {
  await using local = await invokedAt([T0, T0 + 1000, T0 + 2000, T0 + 3000, T0 + 4000]);
  const { name, events } = local.stored();
  const all = events.map((e) => e.message);
  // The SDK's paginator, from the head: it stops when the token comes back unchanged.
  const forward: string[] = [];
  let pages = 0;
  for await (
    const page of paginateGetLogEvents(
      { client: local.logs, pageSize: 4, stopOnSameToken: true },
      { logGroupName: GROUP, logStreamName: name, startFromHead: true },
    )
  ) {
    assert.ok(++pages <= 10, "the paginator does not stop");
    for (const e of page.events ?? []) forward.push(e.message!);
  }
  assert.deepEqual(forward, all);
  assert.equal(pages, Math.ceil(all.length / 4) + 1); // the last page is empty
  // At the end, the forward token passed in comes back.
  let forwardToken: string | undefined;
  for (let calls = 1;; calls++) {
    assert.ok(calls <= 10, "paging does not reach the end");
    const page = await local.logs.send(
      new GetLogEventsCommand({
        logGroupName: GROUP,
        logStreamName: name,
        startFromHead: true,
        limit: 6,
        nextToken: forwardToken,
      }),
    );
    if (page.events!.length === 0) {
      assert.equal(page.nextForwardToken, forwardToken);
      break;
    }
    forwardToken = page.nextForwardToken;
  }
  // Backward from the newest (the default), with nextBackwardToken.
  const backward: string[] = [];
  let backwardToken: string | undefined;
  for (let calls = 1;; calls++) {
    assert.ok(calls <= 10, "paging does not reach the end");
    const page = await local.logs.send(
      new GetLogEventsCommand({
        logGroupName: GROUP,
        logStreamName: name,
        limit: 4,
        nextToken: backwardToken,
      }),
    );
    if (page.events!.length === 0) {
      assert.equal(page.nextBackwardToken, backwardToken);
      break;
    }
    backward.unshift(...page.events!.map((e) => e.message!));
    backwardToken = page.nextBackwardToken;
  }
  assert.deepEqual(backward, all);
  // Events logged later come on the forward token that had reached the end.
  await local.invokeAt(T0 + 5000);
  const later = await local.logs.send(
    new GetLogEventsCommand({
      logGroupName: GROUP,
      logStreamName: name,
      startFromHead: true,
      nextToken: forwardToken,
    }),
  );
  assert.deepEqual(
    later.events?.map((e) => e.message),
    local.stored().events.slice(all.length).map((e) => e.message),
  );
  assert.ok(later.events!.length > 0);
});

Deno.test("GetLogEvents keeps startTime inclusive and endTime exclusive; FilterLogEvents keeps both inclusive", async () => {
  await using local = await invokedAt([T0, T0 + 1000, T0 + 2000, T0 + 3000]);
  const { name, events } = local.stored();
  const within = (lo: number, hi: number) =>
    events.filter((e) => e.timestamp >= lo && e.timestamp <= hi).map((e) => e.message);
  const range = { startTime: T0 + 1000, endTime: T0 + 3000 };
  // GetLogEvents: "Events with a timestamp equal to or later than this time are not included."
  const got = await local.logs.send(
    new GetLogEventsCommand({
      logGroupName: GROUP,
      logStreamName: name,
      startFromHead: true,
      ...range,
    }),
  );
  assert.deepEqual(got.events?.map((e) => e.message), within(T0 + 1000, T0 + 2999));
  // FilterLogEvents: "Events with a timestamp later than this time are not returned."
  const filtered = await local.logs.send(
    new FilterLogEventsCommand({ logGroupName: GROUP, ...range }),
  );
  assert.deepEqual(filtered.events?.map((e) => e.message), within(T0 + 1000, T0 + 3000));
  assert.ok(filtered.events!.some((e) => e.timestamp === T0 + 3000));
});

Deno.test("FilterLogEvents pages stay exact when retention drops old events between pages", async () => {
  // Six events kept per group: the third invocation drops the first one's lines.
  await using local = await invokedAt([T0, T0 + 1000], { maxLogEvents: 6 });
  const first = await local.logs.send(
    new FilterLogEventsCommand({ logGroupName: GROUP, limit: 4 }),
  );
  assert.equal(first.events?.length, 4);
  const seen = first.events!.at(-1)!;
  await local.invokeAt(T0 + 2000);
  const kept = local.stored().events;
  assert.ok(kept.every((e) => e.timestamp > T0), "retention dropped the first invocation");
  const rest: string[] = [];
  for await (
    const page of paginateFilterLogEvents({ client: local.logs, pageSize: 4 }, {
      logGroupName: GROUP,
      nextToken: first.nextToken,
    })
  ) {
    for (const e of page.events ?? []) rest.push(e.message!);
  }
  // Every kept event after the last one seen, none twice, none skipped.
  const at = kept.findIndex((e) => e.message === seen.message && e.timestamp === seen.timestamp);
  assert.deepEqual(rest, kept.slice(at + 1).map((e) => e.message));
});

Deno.test("FilterLogEvents applies OR, exclusion and regex patterns and refuses the ones it cannot apply", async () => {
  await using local = await invokedAt([T0, T0 + 1000]);
  const messages = async (filterPattern: string) =>
    (await local.logs.send(new FilterLogEventsCommand({ logGroupName: GROUP, filterPattern })))
      .events!.map((e) => e.message!);
  const stored = local.stored().events.map((e) => e.message);
  const kinds = (ms: string[]) => ms.map((m) => m.split(" ")[0]);
  assert.deepEqual(
    kinds(await messages("?START ?END")),
    kinds(stored.filter((m) => !m.startsWith("REPORT"))),
  );
  assert.deepEqual(await messages("-REPORT"), stored.filter((m) => !m.startsWith("REPORT")));
  assert.deepEqual(await messages("%^REPORT%"), stored.filter((m) => m.startsWith("REPORT")));
  assert.deepEqual(await messages("report"), []); // terms are case-sensitive
  await assert.rejects(() => messages("RequestId:"), {
    name: "InvalidParameterException",
    message: /^Invalid filter pattern: the term 'RequestId:' has ':'/,
  });
  await assert.rejects(() => messages("[type, id, ...]"), {
    name: "InvalidParameterException",
    message: /space-delimited patterns \(\[field, \.\.\.\]\) are not supported/,
  });
  // A JSON pattern parses; the platform lines are not JSON, so none matches (as on AWS).
  assert.deepEqual(await messages('{ $.level = "ERROR" }'), []);
});

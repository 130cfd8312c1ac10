import assert from "node:assert/strict";
import {
  CloudWatchLogsClient,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  GetLogEventsCommand,
  paginateFilterLogEvents,
} from "@aws-sdk/client-cloudwatch-logs";
import { CreateFunctionCommand, InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { startLocalLambdaServer } from "../../lib/lambda/http_server.ts";
import { LocalLambda } from "../../lib/lambda/local_lambda.ts";
import { matchesFilterPattern } from "../../lib/lambda/logs_api.ts";
import { publishedProfile } from "../../lib/profile/service_profile.ts";
import { seededPrng } from "../../lib/random/prng.ts";

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

Deno.test("matchesFilterPattern() needs every term and quoted phrase", () => {
  assert.ok(matchesFilterPattern("REPORT RequestId: x Duration: 1 ms", "REPORT"));
  assert.ok(
    matchesFilterPattern("REPORT RequestId: x Init Duration: 1 ms", 'REPORT "Init Duration"'),
  );
  assert.ok(!matchesFilterPattern("START RequestId: x", "REPORT"));
  assert.ok(!matchesFilterPattern("REPORT Duration", 'REPORT "Init Duration"'));
  assert.ok(matchesFilterPattern("anything", ""));
});

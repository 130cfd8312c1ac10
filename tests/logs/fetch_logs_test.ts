import assert from "node:assert/strict";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { fetchLogs } from "../../lib/logs/fetch_logs.ts";
import { seededPrng } from "../../lib/random/prng.ts";
import { setUpLocalLambda } from "../lambda/_local_lambda.ts";

const T0 = 1_700_000_000_000;

/**
 * A local Lambda on a fake wall clock with function "f" invoked four times,
 * at T0, T0 + 1 s, T0 + 2 s and T0 + 3 s, with batches of 1 to 4 requests.
 */
async function invokedFourTimes() {
  let clock = T0;
  const setup = setUpLocalLambda({ prng: seededPrng(8), timeScale: 1000, now: () => clock });
  const { lambda } = setup;
  lambda.createFunction({ FunctionName: "f", MemorySize: 1024 });
  for (let k = 1; k <= 4; k++) {
    clock = T0 + (k - 1) * 1000;
    await lambda.invoke("f", new TextEncoder().encode(JSON.stringify({ batch_size: k })));
  }
  const logs = new CloudWatchLogsClient({
    region: "us-east-1",
    endpoint: setup.server.url,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  return {
    ...setup,
    logs,
    async [Symbol.asyncDispose]() {
      logs.destroy();
      setup.client.destroy();
      await setup.server.close();
    },
  };
}

Deno.test("fetchLogs() returns every event of the range in time order, and the REPORT records", async () => {
  await using local = await invokedFourTimes();
  const got = await fetchLogs("f", {
    client: local.logs,
    startTimeMs: T0,
    endTimeMs: T0 + 10_000,
  });
  assert.equal(got.logGroupName, "/aws/lambda/f");
  // START, END and REPORT per invocation.
  assert.equal(got.events.length, 12);
  assert.deepEqual(
    got.records.map((r) => r.kind),
    Array(4).fill(["start", "end", "report"]).flat(),
  );
  for (let i = 1; i < 12; i++) assert.ok(got.events[i].timestamp >= got.events[i - 1].timestamp);
  assert.ok(got.events.every((e) => e.logStreamName.includes("[$LATEST]")));
  assert.ok(got.events.every((e) => !e.message.endsWith("\n")));
  assert.equal(got.reports.length, 4);
  assert.deepEqual(got.skipped, []);
  // The durations grow with the batch size (S(k, 1024 MB) of TF-inceptionV4); the
  // first invocation is the cold one; the memory is the function's.
  for (let i = 1; i < 4; i++) assert.ok(got.reports[i].durationMs > got.reports[i - 1].durationMs);
  assert.deepEqual(got.reports.map((r) => r.initDurationMs !== undefined), [
    true,
    false,
    false,
    false,
  ]);
  assert.ok(got.reports.every((r) => r.memorySizeMb === 1024));
  assert.ok(got.reports.every((r) => r.billedDurationMs === Math.ceil(r.durationMs - 1e-9)));
});

Deno.test("fetchLogs() keeps to the time range (end exclusive) and the filter pattern", async () => {
  await using local = await invokedFourTimes();
  // The second and third invocations only: [T0 + 1 s, T0 + 3 s).
  const middle = await fetchLogs("f", {
    client: local.logs,
    startTimeMs: T0 + 1000,
    endTimeMs: T0 + 3000,
    filterPattern: "REPORT",
  });
  assert.equal(middle.events.length, 2);
  assert.ok(middle.events.every((e) => e.message.startsWith("REPORT")));
  assert.deepEqual(middle.events.map((e) => e.timestamp), [T0 + 1000, T0 + 2000]);
  assert.deepEqual(middle.records.map((r) => r.kind), ["report", "report"]);
  const before = await fetchLogs("f", {
    client: local.logs,
    startTimeMs: T0 - 5000,
    endTimeMs: T0,
  });
  assert.deepEqual(before.events, []);
});

Deno.test("fetchLogs() answers an empty range with no events and sends nothing", async () => {
  await using local = await invokedFourTimes();
  let sent = 0;
  local.logs.middlewareStack.add((next) => (args) => {
    sent++;
    return next(args);
  }, { step: "initialize", name: "countRequests" });
  // [start, end) holds no whole millisecond, so [ceil(start), ceil(end) - 1]
  // would end before it starts (endTime < startTime, which the API refuses).
  for (
    const [startTimeMs, endTimeMs] of [[0, 0], [T0, T0], [T0 + 0.25, T0 + 0.75], [T0 + 0.5, T0 + 1]]
  ) {
    const got = await fetchLogs("f", { client: local.logs, startTimeMs, endTimeMs });
    assert.deepEqual(got, {
      logGroupName: "/aws/lambda/f",
      startTimeMs,
      endTimeMs,
      events: [],
      records: [],
      reports: [],
      skipped: [],
    });
  }
  assert.equal(sent, 0);
  // One millisecond is not empty: [T0, T0 + 1) holds the first invocation's events.
  const first = await fetchLogs("f", { client: local.logs, startTimeMs: T0, endTimeMs: T0 + 1 });
  assert.ok(first.events.length > 0);
  assert.ok(first.events.every((e) => e.timestamp === T0));
  assert.equal(sent, 1);
});

Deno.test("fetchLogs() follows the paginator across pages", async () => {
  await using local = await invokedFourTimes();
  const onePage = await fetchLogs("f", {
    client: local.logs,
    startTimeMs: T0,
    endTimeMs: T0 + 10_000,
  });
  // Four pages of 3 events (counted at the client): the same events in the same order.
  let calls = 0;
  local.logs.middlewareStack.add((next) => (args) => {
    calls++;
    return next(args);
  }, { step: "initialize" });
  const paged = await fetchLogs("f", {
    client: local.logs,
    startTimeMs: T0,
    endTimeMs: T0 + 10_000,
    pageSize: 3,
  });
  assert.equal(calls, 4);
  assert.deepEqual(paged.events, onePage.events);
});

Deno.test("fetchLogs() makes its own client from an endpoint, and defaults to the last hour", async () => {
  await using local = await invokedFourTimes();
  const got = await fetchLogs("f", {
    endpoint: local.server.url,
    now: () => T0 + 3000,
    filterPattern: "REPORT",
  });
  assert.equal(got.startTimeMs, T0 + 3000 - 3_600_000);
  assert.equal(got.endTimeMs, T0 + 3001);
  assert.equal(got.reports.length, 4);
});

Deno.test("fetchLogs() skips malformed platform lines with their reasons", async () => {
  await using local = await invokedFourTimes();
  const stream = local.lambda.logGroups.get("/aws/lambda/f")!.streams[0];
  stream.events.push({
    timestamp: T0 + 5000,
    message: "REPORT RequestId: r9\tDuration: soon ms\tBilled Duration: 1 ms",
    ingestionTime: T0 + 5000,
  });
  const got = await fetchLogs("f", {
    client: local.logs,
    startTimeMs: T0,
    endTimeMs: T0 + 10_000,
    filterPattern: "REPORT",
  });
  assert.equal(got.reports.length, 4);
  assert.equal(got.skipped.length, 1);
  // Line 5 of the joined messages: after the four good REPORT lines.
  assert.equal(got.skipped[0].line, 5);
  assert.equal(got.skipped[0].text, stream.events.at(-1)!.message);
  assert.ok(got.skipped[0].reason.length > 0);
});

Deno.test("fetchLogs() passes on the service's errors, such as an unknown log group", async () => {
  await using local = await invokedFourTimes();
  await assert.rejects(
    fetchLogs("nobody", { client: local.logs, startTimeMs: T0, endTimeMs: T0 + 1 }),
    { name: "ResourceNotFoundException" },
  );
});

Deno.test("fetchLogs() rejects bad arguments before it sends anything", async () => {
  const client = new CloudWatchLogsClient({ region: "us-east-1" });
  try {
    for (
      const [name, options, error] of [
        [
          "",
          {},
          new TypeError(
            `Cannot fetch logs as 'functionName' must be a non-empty string: current value is ""`,
          ),
        ],
        [
          "f",
          { client, endpoint: "http://127.0.0.1:1" },
          new TypeError("Cannot fetch logs with both 'client' and 'endpoint' or 'credentials'"),
        ],
        [
          "f",
          { startTimeMs: 2000, endTimeMs: 1000 },
          new RangeError(
            "Cannot fetch logs as 'endTimeMs' must be at least startTimeMs (2000): current value is 1000",
          ),
        ],
        [
          "f",
          { startTimeMs: NaN, endTimeMs: 1000 },
          new RangeError("Cannot fetch logs as 'startTimeMs' must be finite: current value is NaN"),
        ],
        [
          "f",
          { startTimeMs: 0, endTimeMs: 1000, pageSize: 0 },
          new RangeError(
            "Cannot fetch logs as 'pageSize' must be a positive integer: current value is 0",
          ),
        ],
      ] as [string, Parameters<typeof fetchLogs>[1], Error][]
    ) {
      await assert.rejects(fetchLogs(name, options), { name: error.name, message: error.message });
    }
  } finally {
    client.destroy();
  }
});

import assert from "node:assert/strict";
import { CloudWatchLogsClient, paginateFilterLogEvents } from "@aws-sdk/client-cloudwatch-logs";
import { parseLambdaLog } from "../../lib/logs/lambda_log_lines.ts";
import { CreateFunctionCommand, InvokeCommand } from "@aws-sdk/client-lambda";
import { poissonArrivals, replayArrivals, takeArrivals } from "../../lib/arrivals/streams.ts";
import {
  type InvokeInput,
  type InvokeOutput,
  lambdaDispatcher,
  profileDispatcher,
} from "../../lib/buffer/dispatcher.ts";
import { type BufferClock, RealtimeBuffer, systemClock } from "../../lib/buffer/realtime_buffer.ts";
import { pricing } from "../../lib/profile/pricing.ts";
import { profileFromJson } from "../../lib/profile/service_profile.ts";
import { seededPrng } from "../../lib/random/prng.ts";
import { ColumnSink } from "../../lib/sim/column_sink.ts";
import { type BatchRecord, type RequestRecord, simulateBuffer } from "../../lib/sim/simulator.ts";
import { setUpLocalLambda } from "../lambda/_local_lambda.ts";

/** A clock that moves only when told to, firing timers in time order. */
class FakeClock implements BufferClock {
  t = 0;
  #timers = new Map<number, { at: number; cb: () => void }>();
  #next = 1;
  nowSec() {
    return this.t;
  }
  setTimer(cb: () => void, delaySec: number) {
    const id = this.#next++;
    this.#timers.set(id, { at: this.t + delaySec, cb });
    return id;
  }
  clearTimer(id: unknown) {
    this.#timers.delete(id as number);
  }
  sleep = (ms: number) => new Promise<void>((r) => this.setTimer(r, ms / 1000));
  /** Moves to `toSec`, firing due timers (and letting their promises settle). */
  async advance(toSec: number) {
    for (;;) {
      let first: [number, { at: number; cb: () => void }] | undefined;
      for (const e of this.#timers) {
        if (e[1].at <= toSec && (!first || e[1].at < first[1].at)) first = e;
      }
      if (!first) break;
      this.#timers.delete(first[0]);
      this.t = first[1].at;
      first[1].cb();
      for (let i = 0; i < 10; i++) await Promise.resolve();
    }
    this.t = toSec;
    for (let i = 0; i < 10; i++) await Promise.resolve();
  }
}

const profile = profileFromJson({
  name: "linear",
  terms: ["1", "k"],
  coefficients: [0.1, 0.01],
  memoryRangeMb: [128, 10240],
  batchRange: [1, 64],
});

Deno.test("RealtimeBuffer on a fake clock forms the simulator's batches and latencies", async () => {
  // The same 2,000 Poisson arrivals (seed 4) through the real-time buffer (fake clock,
  // in-process dispatcher) and through the simulator: identical batches and latencies.
  const arrivals = takeArrivals(poissonArrivals(30, { prng: seededPrng(4) }), { count: 2000 });
  const clock = new FakeClock();
  const sink = new ColumnSink();
  const buffer = new RealtimeBuffer({
    maxBatch: 5,
    timeoutSec: 0.1,
    dispatcher: profileDispatcher({ profile, memoryMb: 1024, sleep: clock.sleep }),
    clock,
    pricing: pricing("aws-x86"),
    memoryMb: 1024,
    sink,
  });
  for (const t of arrivals) {
    await clock.advance(t);
    buffer.arrive();
  }
  // Let the last batch time out as the simulator's does when its stream ends.
  await clock.advance(arrivals[arrivals.length - 1] + 0.2);
  const done = buffer.shutdown();
  await clock.advance(arrivals[arrivals.length - 1] + 10);
  assert.equal(await done, true);

  const simSink = new ColumnSink();
  simulateBuffer(replayArrivals(Array.from(arrivals, (t, i) => t - (i ? arrivals[i - 1] : 0))), {
    maxBatch: 5,
    timeoutSec: 0.1,
    memoryMb: 1024,
    profile,
    pricing: pricing("aws-x86"),
    sink: simSink,
  });
  const got = sink.requests(), want = simSink.requests();
  assert.equal(got.request_id.length, 2000);
  // Records arrive in completion order: compare by request id.
  const order = Array.from(got.request_id.keys()).sort((a, b) =>
    got.request_id[a] - got.request_id[b]
  );
  for (let n = 0; n < 2000; n++) {
    const i = order[n];
    assert.equal(got.request_id[i], want.request_id[n]);
    assert.equal(got.batch_size[i], want.batch_size[n]);
    assert.ok(Math.abs(got.latency_sec[i] - want.latency_sec[n]) < 1e-9, `request ${n}`);
  }
  assert.equal(buffer.stats.completed, 2000);
  assert.equal(buffer.stats.failed, 0);
  assert.ok(buffer.stats.timeoutLateness.count > 0);
  assert.ok(buffer.stats.timeoutLateness.quantile(1) < 1e-12);
});

Deno.test("lambdaDispatcher retries throttling after retryAfterSeconds, then succeeds", async () => {
  const calls: InvokeInput[] = [];
  const slept: number[] = [];
  const tail = btoa(
    "START RequestId: r Version: $LATEST\nEND RequestId: r\nREPORT RequestId: r\tDuration: 10.50 ms\t" +
      "Billed Duration: 11 ms\tMemory Size: 2048 MB\tMax Memory Used: 300 MB\n",
  );
  const d = lambdaDispatcher({
    functionName: "f",
    prng: seededPrng(1),
    sleep: (ms) => {
      slept.push(ms);
      return Promise.resolve();
    },
    invoke: (input): Promise<InvokeOutput> => {
      calls.push(input);
      if (calls.length <= 2) {
        return Promise.reject(Object.assign(new Error("Rate Exceeded."), {
          name: "TooManyRequestsException",
          retryAfterSeconds: "1",
          $metadata: { httpStatusCode: 429 },
        }));
      }
      return Promise.resolve({ StatusCode: 200, LogResult: tail });
    },
  });
  const o = await d.dispatch({ batchId: 3, requestIds: [7, 8] });
  assert.equal(o.status, "ok");
  assert.equal(o.attempts, 3);
  assert.deepEqual(slept.map((ms) => ms >= 1000), [true, true]);
  assert.equal(o.durationMs, 10.5);
  assert.equal(o.billedDurationMs, 11);
  assert.equal(o.memorySizeMb, 2048);
  assert.deepEqual(JSON.parse(new TextDecoder().decode(calls[0].Payload)), {
    batch_id: 3,
    requests: [7, 8],
  });
  assert.equal(calls[0].LogType, "Tail");
});

Deno.test("lambdaDispatcher records function errors and gives up on client errors and lost connections", async () => {
  const make = (invoke: () => Promise<InvokeOutput>) =>
    lambdaDispatcher({
      functionName: "f",
      prng: seededPrng(1),
      sleep: () => Promise.resolve(),
      invoke,
      maxAttempts: 3,
    });
  const fnError = await make(() =>
    Promise.resolve({
      StatusCode: 200,
      FunctionError: "Unhandled",
      Payload: new TextEncoder().encode('{"errorMessage":"boom"}'),
    })
  ).dispatch({ batchId: 0, requestIds: [1] });
  assert.equal(fnError.status, "failed");
  assert.equal(fnError.error, 'FunctionError Unhandled: {"errorMessage":"boom"}');
  let n = 0;
  const client = await make(() => {
    n++;
    return Promise.reject(
      Object.assign(new Error("bad"), {
        name: "InvalidParameterValueException",
        $metadata: { httpStatusCode: 400 },
      }),
    );
  }).dispatch({ batchId: 0, requestIds: [1] });
  assert.equal(client.status, "failed");
  assert.equal(n, 1);
  assert.equal(client.error, "InvalidParameterValueException: bad (after 1 attempt)");
  const lost = await make(() => Promise.reject(new TypeError("connection reset"))).dispatch({
    batchId: 0,
    requestIds: [1],
  });
  assert.equal(lost.attempts, 3);
  assert.equal(lost.error, "TypeError: connection reset (after 3 attempts)");
});

Deno.test("RealtimeBuffer with the real SDK and the local Lambda accounts for every request", async () => {
  // 300 requests at about 400/s (wall clock), B = 8, T = 20 ms; the local Lambda runs
  // TF-inceptionV4 100 times faster than real (a 5 s batch takes 50 ms).
  const { server, client } = setUpLocalLambda({
    prng: seededPrng(3),
    timeScale: 100,
    initSec: 0.25,
  });
  try {
    await client.send(
      new CreateFunctionCommand({
        FunctionName: "inception-v4",
        Role: "r",
        Code: { ZipFile: new Uint8Array([0]) },
        MemorySize: 3008,
      }),
    );
    const sink = new ColumnSink();
    const buffer = new RealtimeBuffer({
      maxBatch: 8,
      timeoutSec: 0.02,
      dispatcher: lambdaDispatcher({
        functionName: "inception-v4",
        prng: seededPrng(5),
        invoke: (i) => client.send(new InvokeCommand(i)),
      }),
      clock: systemClock(),
      pricing: pricing("aws-x86"),
      memoryMb: 3008,
      sink,
    });
    const gaps = seededPrng(9);
    for (let i = 0; i < 300; i++) {
      await new Promise((r) => setTimeout(r, -Math.log(1 - gaps.nextFloat()) * 2.5));
      buffer.arrive();
    }
    assert.equal(await buffer.shutdown(10), true);
    const req = sink.requests(), bat = sink.batches();
    // Every request once, all completed.
    assert.deepEqual(
      [...req.request_id].sort((a, b) => a - b),
      Array.from({ length: 300 }, (_, i) => i),
    );
    assert.ok(req.status.every((s) => s === "ok"));
    // Batches of at most B; sizes add up; timeout batches left within a few ms of the deadline.
    assert.ok(bat.size.every((k) => k >= 1 && k <= 8));
    assert.equal(bat.size.reduce((a, b) => a + b, 0), 300);
    for (let i = 0; i < bat.size.length; i++) {
      if (bat.dispatch_reason[i] === "timeout") {
        assert.ok(
          bat.dispatch_sec[i] - bat.deadline_sec[i] < 0.015,
          `batch ${i} late by ${bat.dispatch_sec[i] - bat.deadline_sec[i]} s`,
        );
      }
      if (bat.dispatch_reason[i] === "size") assert.equal(bat.size[i], 8);
      // The REPORT line came back: duration is the profile's S(k, 3008 MB).
      assert.ok(bat.duration_ms[i] > 900);
    }
    // Latency = wait in the buffer + the function's (scaled) time: completion after dispatch by
    // at least the reported duration / 100.
    for (let i = 0; i < bat.size.length; i++) {
      assert.ok(
        bat.completion_sec[i] - bat.dispatch_sec[i] >= bat.duration_ms[i] / 1000 / 100 - 1e-3,
      );
    }
    // The REPORT lines fetched through CloudWatch Logs agree with the per-batch log.
    const logs = new CloudWatchLogsClient({
      region: "us-east-1",
      endpoint: server.url,
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    const messages: string[] = [];
    for await (
      const page of paginateFilterLogEvents({ client: logs }, {
        logGroupName: "/aws/lambda/inception-v4",
        filterPattern: "REPORT",
      })
    ) for (const e of page.events ?? []) messages.push(e.message ?? "");
    logs.destroy();
    const reports = parseLambdaLog(messages.join("\n")).records.flatMap((r) =>
      r.kind === "report" ? [r] : []
    );
    const key = (d: number, b: number) => `${d.toFixed(2)}/${b}`;
    assert.deepEqual(
      reports.map((r) => key(r.durationMs, r.billedDurationMs)).sort(),
      Array.from(bat.duration_ms, (d, i) => key(d, bat.billed_duration_ms[i])).sort(),
    );
    assert.equal(
      reports.filter((r) => r.initDurationMs !== undefined).length,
      bat.init_duration_ms.filter((x) => x > 0).length,
    );
  } finally {
    client.destroy();
    await server.close();
  }
});

Deno.test("RealtimeBuffer loses nothing under injected throttling, function errors and dropped connections", async () => {
  // 200 requests; the local Lambda throttles 30 %, fails 10 % and drops 10 % of invocations
  // (seed 11). Throttled and dropped invocations are retried (up to 5 attempts); function
  // errors are recorded. Every request must end in the log exactly once.
  const { server, client } = setUpLocalLambda({
    prng: seededPrng(11),
    timeScale: 1000,
    faults: { throttleRate: 0.3, errorRate: 0.1, dropRate: 0.1 },
  });
  try {
    await client.send(
      new CreateFunctionCommand({
        FunctionName: "f",
        Role: "r",
        Code: { ZipFile: new Uint8Array([0]) },
      }),
    );
    const sink = new ColumnSink();
    const buffer = new RealtimeBuffer({
      maxBatch: 4,
      timeoutSec: 0.01,
      dispatcher: lambdaDispatcher({
        functionName: "f",
        prng: seededPrng(12),
        baseDelayMs: 1,
        maxDelayMs: 5,
        invoke: (i) => client.send(new InvokeCommand(i)),
      }),
      clock: systemClock(),
      pricing: pricing("aws-x86"),
      memoryMb: 128,
      sink,
    });
    for (let i = 0; i < 200; i++) {
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 5));
      buffer.arrive();
    }
    assert.equal(await buffer.shutdown(20), true);
    const req = sink.requests(), bat = sink.batches();
    assert.deepEqual(
      [...req.request_id].sort((a, b) => a - b),
      Array.from({ length: 200 }, (_, i) => i),
    );
    const failed = req.status.filter((s) => s === "failed").length;
    assert.equal(buffer.stats.completed + buffer.stats.failed, 200);
    assert.equal(buffer.stats.failed, failed);
    // Some function errors were injected and recorded with their reason, per request.
    assert.ok(failed > 0);
    for (let i = 0; i < bat.size.length; i++) {
      if (bat.status[i] === "failed") {
        assert.match(bat.error[i], /FunctionError Unhandled|after 5 attempts/);
      }
    }
  } finally {
    client.destroy();
    await server.close();
  }
});

/** A buffer on a fake clock whose dispatcher reports no memory, and the batches it records. */
function reconfigurable(options: { maxBatch: number; timeoutSec: number }) {
  const clock = new FakeClock();
  const batches: BatchRecord[] = [];
  const buffer = new RealtimeBuffer({
    ...options,
    // A function that takes 10 ms, billed 10 ms, and says nothing of its memory.
    dispatcher: {
      dispatch: async () => {
        await clock.sleep(10);
        return {
          status: "ok",
          error: "",
          durationMs: 10,
          billedDurationMs: 10,
          initDurationMs: 0,
          memorySizeMb: NaN,
          maxMemoryUsedMb: NaN,
          clientWaitMs: NaN,
          clientQueued: false,
          attempts: 1,
          logTail: "",
        };
      },
    },
    clock,
    pricing: pricing("aws-x86"),
    memoryMb: 1024,
    sink: { batch: (b) => batches.push({ ...b }) },
  });
  return { clock, buffer, batches };
}

Deno.test("RealtimeBuffer.reconfigure() re-arms the open batch's timer for its new deadline, shorter or longer", async () => {
  const { clock, buffer, batches } = reconfigurable({ maxBatch: 5, timeoutSec: 1 });
  // Two requests at 0 and 0.1 s; at 0.2 s T drops to 0.5 s: the batch leaves at 0.5 s, not 1 s.
  buffer.arrive();
  await clock.advance(0.1);
  buffer.arrive();
  await clock.advance(0.2);
  buffer.reconfigure({ maxBatch: 5, timeoutSec: 0.5 });
  assert.equal(buffer.timeoutSec, 0.5);
  await clock.advance(0.49);
  assert.equal(buffer.stats.batches, 0);
  await clock.advance(0.6);
  assert.equal(buffer.stats.batches, 1);
  assert.deepEqual(buffer.stats.dispatchReasons, { size: 0, timeout: 1, shutdown: 0 });
  // Then a request at 1 s and T up to 2 s at 1.2 s: the old timer (1.5 s) is gone, the new one at 3 s.
  await clock.advance(1);
  buffer.arrive();
  await clock.advance(1.2);
  buffer.reconfigure({ maxBatch: 5, timeoutSec: 2 });
  await clock.advance(2.99);
  assert.equal(buffer.stats.batches, 1);
  await clock.advance(3.5);
  assert.equal(buffer.stats.batches, 2);
  assert.equal(await buffer.shutdown(), true);
  assert.deepEqual(
    batches.map((b) => [b.size, b.dispatchReason, b.dispatchSec, b.deadlineSec]),
    [[2, "timeout", 0.5, 0.5], [1, "timeout", 3, 3]],
  );
  // Both left on their timers, on time (the fake clock is exact).
  assert.equal(buffer.stats.timeoutLateness.count, 2);
  assert.equal(buffer.stats.timeoutLateness.quantile(1), 0);
});

Deno.test("RealtimeBuffer.reconfigure() dispatches the open batch at once when it is now full or past its new deadline", async () => {
  const { clock, buffer, batches } = reconfigurable({ maxBatch: 8, timeoutSec: 1 });
  // Three requests by 0.2 s; B drops to 2 at 0.3 s: the three leave whole at 0.3 s ("size").
  for (const t of [0, 0.1, 0.2]) {
    await clock.advance(t);
    buffer.arrive();
  }
  await clock.advance(0.3);
  buffer.reconfigure({ maxBatch: 2, timeoutSec: 1 });
  assert.equal(buffer.maxBatch, 2);
  assert.equal(buffer.stats.batches, 1);
  // Two more: a batch of the new B, at once.
  await clock.advance(0.4);
  buffer.arrive();
  buffer.arrive();
  // One at 1 s; at 1.4 s T drops to 0.2 s, a deadline (1.2 s) already past: it leaves at 1.4 s.
  await clock.advance(1);
  buffer.arrive();
  await clock.advance(1.4);
  buffer.reconfigure({ maxBatch: 2, timeoutSec: 0.2 });
  assert.equal(buffer.stats.batches, 3);
  await clock.advance(5);
  assert.equal(await buffer.shutdown(), true);
  assert.deepEqual(
    batches.map((b) => [b.size, b.dispatchReason, b.dispatchSec, b.deadlineSec]),
    [[3, "size", 0.3, 1], [2, "size", 0.4, 1.4], [1, "timeout", 1.4, 1 + 0.2]],
  );
  // No timer sent a batch: the lateness of the last one is the reconfiguration's, not counted.
  assert.equal(buffer.stats.timeoutLateness.count, 0);
  assert.equal(buffer.stats.completed, 6);
});

Deno.test("RealtimeBuffer.reconfigure() first sends a batch already due under the old T whose timer is late", async () => {
  const { clock, buffer, batches } = reconfigurable({ maxBatch: 5, timeoutSec: 0.5 });
  buffer.arrive();
  // The clock passes the deadline without the timer firing (a late timer).
  clock.t = 0.6;
  buffer.reconfigure({ maxBatch: 5, timeoutSec: 5 });
  assert.equal(buffer.stats.batches, 1);
  await clock.advance(1);
  assert.equal(await buffer.shutdown(), true);
  // It left as a timeout batch under T = 0.5 s, 0.1 s late.
  assert.deepEqual(batches.map((b) => [b.dispatchReason, b.deadlineSec]), [["timeout", 0.5]]);
  assert.ok(Math.abs(buffer.stats.timeoutLateness.quantile(1) - 0.1) <= 1e-4);
});

Deno.test("RealtimeBuffer records and bills batches at its memoryMb when the dispatcher reports none, from the change on", async () => {
  const { clock, buffer, batches } = reconfigurable({ maxBatch: 2, timeoutSec: 1 });
  buffer.arrive();
  buffer.arrive();
  // The first batch is in flight when the memory changes: it keeps 1024 MB.
  buffer.memoryMb = 2048;
  assert.equal(buffer.memoryMb, 2048);
  buffer.arrive();
  buffer.arrive();
  await clock.advance(1);
  assert.equal(await buffer.shutdown(), true);
  const price = pricing("aws-x86");
  assert.deepEqual(batches.map((b) => b.memorySizeMb), [1024, 2048]);
  for (const b of batches) {
    // 10 ms billed at the batch's memory, plus the request fee (closed form).
    const want = 0.01 * (b.memorySizeMb / 1024) * price.usdPerGbSecond + price.usdPerRequest;
    assert.ok(Math.abs(b.costUsd - want) <= 1e-15, `${b.costUsd} vs ${want}`);
  }
});

Deno.test("RealtimeBuffer.reconfigure() and memoryMb reject bad values, and reconfigure() a closed buffer", async () => {
  const { buffer } = reconfigurable({ maxBatch: 2, timeoutSec: 1 });
  assert.throws(() => buffer.reconfigure({ maxBatch: 0, timeoutSec: 1 }), {
    name: "RangeError",
    message: "Cannot batch with max batch 0: it must be an integer >= 1",
  });
  assert.throws(() => buffer.reconfigure({ maxBatch: 2, timeoutSec: NaN }), {
    name: "RangeError",
    message: "Cannot batch with timeout NaN s: it must be > 0",
  });
  assert.throws(() => (buffer.memoryMb = 0), {
    name: "RangeError",
    message: "Cannot bill the buffer's batches at 0 MB: expected > 0",
  });
  assert.equal(buffer.maxBatch, 2);
  assert.equal(buffer.memoryMb, 1024);
  assert.equal(await buffer.shutdown(), true);
  assert.throws(() => buffer.reconfigure({ maxBatch: 2, timeoutSec: 1 }), {
    name: "RangeError",
    message: "Cannot reconfigure the buffer after shutdown",
  });
});

Deno.test("RealtimeBuffer.abandon() records every request not yet settled once, as abandoned, and ignores later outcomes", async () => {
  const clock = new FakeClock();
  const requests: RequestRecord[] = [];
  const batches: BatchRecord[] = [];
  const buffer = new RealtimeBuffer({
    maxBatch: 2,
    timeoutSec: 5,
    // Every invocation takes 10 s; one batch in flight at a time.
    dispatcher: profileDispatcher({
      profile: profileFromJson({
        name: "ten seconds",
        terms: ["1"],
        coefficients: [10],
        memoryRangeMb: [128, 10240],
        batchRange: [1, 64],
      }),
      memoryMb: 1024,
      sleep: clock.sleep,
    }),
    clock,
    pricing: pricing("aws-x86"),
    memoryMb: 1024,
    maxInFlight: 1,
    sink: { request: (r) => requests.push({ ...r }), batch: (b) => batches.push({ ...b }) },
  });
  // Batch 0 completes at t = 10; batch 1 is in flight, batch 2 queued and one
  // request waits in the open batch when the exit is forced at t = 12.
  buffer.arrive();
  buffer.arrive();
  await clock.advance(10.5);
  for (let i = 0; i < 5; i++) buffer.arrive();
  await clock.advance(12);
  assert.equal(buffer.abandon(), 5);
  assert.throws(() => buffer.arrive(), RangeError);
  await clock.advance(40);
  assert.equal(await buffer.shutdown(), true);
  assert.deepEqual(
    requests.map((r) => [r.requestId, r.status, r.error]),
    [
      [0, "ok", ""],
      [1, "ok", ""],
      [2, "abandoned", "in flight at exit"],
      [3, "abandoned", "in flight at exit"],
      [4, "abandoned", "not sent: queued at exit"],
      [5, "abandoned", "not sent: queued at exit"],
      [6, "abandoned", "not sent: queued at exit"],
    ],
  );
  assert.ok(requests.slice(2).every((r) => Number.isNaN(r.latencySec)));
  assert.deepEqual(
    batches.map((b) => [b.batchId, b.size, b.status, b.dispatchReason]),
    [[0, 2, "ok", "size"], [1, 2, "abandoned", "size"], [2, 2, "abandoned", "size"], [
      3,
      1,
      "abandoned",
      "shutdown",
    ]],
  );
  const s = buffer.stats;
  assert.deepEqual([s.requests, s.completed, s.failed, s.abandoned], [7, 2, 0, 5]);
});

import assert from "node:assert/strict";
import { imagesBatchPayload } from "../../lib/buffer/batch_payload.ts";
import { runExperiment } from "../../lib/buffer/experiment.ts";
import { parseLambdaLog } from "../../lib/logs/lambda_log_lines.ts";
import { parseRequestsCsv } from "../../lib/logs/run_csv.ts";
import { poissonProcess } from "../../lib/map/map_process.ts";
import { pricing } from "../../lib/profile/pricing.ts";
import { profileFromJson } from "../../lib/profile/service_profile.ts";

const PRICING = pricing("aws-x86");
/** Logs what each request carried and answers at once (about a millisecond). */
const BATCH_SIZES = new URL("../testdata/handlers/batch_sizes.mjs", import.meta.url).pathname;

async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "batch_experiment_code_test_" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The handler's own log lines (`<time>\t<request id>\tINFO\t<JSON>`) in lambda.log. */
function handlerLines(lambdaLog: string): { batch_id: number; requests: unknown[] }[] {
  return lambdaLog.split("\n").filter((l) => l.includes("\tINFO\t")).map((l) =>
    JSON.parse(l.split("\t").at(-1)!)
  );
}

Deno.test("runExperiment() with functionCode runs the handler on the in-process Lambda's Workers: every request accounted for, the REPORT figures recorded", async () => {
  // 24 arrivals 4 ms apart, B = 4, T = 30 ms: mostly full batches.
  await withTempDir(async (dir) => {
    const result = await runExperiment({
      arrivals: Array.from({ length: 24 }, (_, i) => i * 0.004),
      maxBatch: 4,
      timeoutSec: 0.03,
      memoryMb: 1024,
      functionCode: BATCH_SIZES,
      pricing: PRICING,
      out: `${dir}/run`,
      collectRecords: true,
    });
    const { summary, records, config } = result;
    assert.equal(result.status, "done");
    assert.equal(result.functionName, "batch_sizes"); // named after the file
    assert.deepEqual(
      [summary.requests, summary.completed, summary.failed, summary.unfinished],
      [24, 24, 0, 0],
    );
    const requests = parseRequestsCsv(await Deno.readTextFile(`${dir}/run/requests.csv`));
    assert.deepEqual(
      requests.records.map((r) => r.requestId).sort((a, b) => a - b),
      Array.from({ length: 24 }, (_, i) => i),
    );
    // Every batch has its REPORT line's figures; the first one started a Worker.
    const batches = records!.batches;
    assert.equal(batches.reduce((n, b) => n + b.size, 0), 24);
    for (const b of batches) {
      assert.equal(b.status, "ok", b.error);
      assert.ok(b.durationMs > 0 && b.durationMs < 1000, `Duration ${b.durationMs}`);
      assert.equal(b.billedDurationMs, Math.ceil(b.durationMs));
      assert.equal(b.memorySizeMb, 1024);
      assert.ok(b.maxMemoryUsedMb > 0, `Max Memory Used ${b.maxMemoryUsedMb}`);
    }
    assert.ok(batches.some((b) => b.initDurationMs > 0));
    assert.equal(summary.coldStartBatches, batches.filter((b) => b.initDurationMs > 0).length);
    // The handler saw every batch as the buffer's payload: {"batch_id", "requests": [ids]}.
    const lambdaLog = await Deno.readTextFile(`${dir}/run/lambda.log`);
    const reports = parseLambdaLog(lambdaLog).records.filter((r) => r.kind === "report");
    assert.equal(reports.length, batches.length);
    const seen = handlerLines(lambdaLog);
    assert.deepEqual(
      seen.flatMap((l) => l.requests.map((r) => (r as { id: number }).id)).sort((a, b) => a - b),
      Array.from({ length: 24 }, (_, i) => i),
    );
    // run.json says what ran, and that nothing predicted it.
    assert.deepEqual(config.localLambda, {
      concurrency: 1000,
      keepAliveSec: 600,
      extrapolate: false,
      functionCode: BATCH_SIZES,
      cpuModel: "host",
    });
    assert.equal(config.model, undefined);
    assert.equal(config.payload, "ids");
    assert.equal(result.prediction, undefined);
    const runJson = JSON.parse(await Deno.readTextFile(`${dir}/run/run.json`));
    assert.equal(runJson.config.localLambda.functionCode, BATCH_SIZES);
  });
});

Deno.test("runExperiment() with functionCode and a profile of it predicts; the CPU model is recorded", async () => {
  const profile = profileFromJson({
    name: "batch-sizes-fit",
    terms: ["1", "k"],
    coefficients: [0.002, 0.0001],
    memoryRangeMb: [128, 10240],
    batchRange: [1, 100],
  });
  const result = await runExperiment({
    arrivals: [0, 0.001],
    map: poissonProcess(10),
    maxBatch: 2,
    timeoutSec: 0.01,
    memoryMb: 2048,
    functionCode: BATCH_SIZES,
    functionName: "sizes",
    cpuModel: "memory-share",
    profile,
    pricing: PRICING,
  });
  assert.equal(result.summary.completed, 2);
  assert.ok(result.prediction !== undefined);
  assert.equal(result.config.model, "batch-sizes-fit");
  assert.equal(result.config.localLambda!.cpuModel, "memory-share");
  assert.equal(result.functionName, "sizes");
});

Deno.test("runExperiment() with an images payload sends each request one image, in turn, base64", async () => {
  // Two small "images" (the handler only decodes the base64 and counts the bytes).
  const images = [{ name: "a.png", bytes: new Uint8Array(300) }, {
    name: "b.jpg",
    bytes: new Uint8Array(1234).fill(7),
  }];
  await withTempDir(async (dir) => {
    const result = await runExperiment({
      arrivals: Array.from({ length: 10 }, (_, i) => i * 0.002),
      maxBatch: 3,
      timeoutSec: 0.02,
      functionCode: BATCH_SIZES,
      payload: imagesBatchPayload(images, { source: "test" }),
      pricing: PRICING,
      out: `${dir}/run`,
    });
    assert.equal(result.summary.completed, 10);
    assert.equal(result.config.payload, "images: test (2 files, largest 1.23 kB)");
    const seen = handlerLines(await Deno.readTextFile(`${dir}/run/lambda.log`));
    const requests = seen.flatMap((l) => l.requests as { id: number; imageBytes: number }[]);
    assert.equal(requests.length, 10);
    for (const r of requests) assert.equal(r.imageBytes, r.id % 2 === 0 ? 300 : 1234, `id ${r.id}`);
  });
});

Deno.test("runExperiment() refuses functionCode where it cannot run or with what does nothing for it, and a payload past 6 MB, before it starts", async () => {
  const base = { arrivals: [0], maxBatch: 2, timeoutSec: 0.01, pricing: PRICING };
  const code = { ...base, functionCode: BATCH_SIZES };
  const cases: [Parameters<typeof runExperiment>[0], string, RegExp][] = [
    [
      { ...code, endpoint: "http://127.0.0.1:1" },
      "TypeError",
      /'functionCode' is for the in-process local Lambda/,
    ],
    [{ ...code, aws: true }, "TypeError", /'functionCode' is for the in-process local Lambda/],
    [
      { ...code, timeScale: 10 },
      "TypeError",
      /'timeScale' does nothing with 'functionCode': handler code runs in real time/,
    ],
    [{ ...code, jitterCv: 0.2 }, "TypeError", /'jitterCv' does nothing with 'functionCode'/],
    [
      { ...code, coldStartSec: 0.25 },
      "TypeError",
      /'coldStartSec' does nothing with 'functionCode'/,
    ],
    [
      { ...code, functionCode: "" },
      "TypeError",
      /'functionCode' must be the path of a handler module: current value is ""/,
    ],
    [
      { ...code, cpuModel: "fast" as "host" },
      "RangeError",
      /'cpuModel' must be host or memory-share: current value is fast/,
    ],
    [{ ...base, cpuModel: "host" }, "TypeError", /'cpuModel' needs 'functionCode'/],
    [base, "TypeError", /without a 'profile' to serve or a 'functionCode' to run/],
    [
      {
        ...code,
        adaptive: { grid: { memoriesMb: [1024], timeoutsSec: [0.1], maxBatches: [2] }, slo: 1 },
      },
      "TypeError",
      /'adaptive' needs a 'profile'/,
    ],
    [
      // 3 MB images: 4 MB each in base64, one per batch at most.
      {
        ...code,
        payload: imagesBatchPayload([{ name: "big.jpg", bytes: new Uint8Array(3_000_000) }]),
      },
      "RangeError",
      /^Cannot send batches of 2 with images: given images \(1 file, largest 3 MB\): a batch's payload can reach 8\.000 MB, above Lambda's limit of 6 MB \(6291456 bytes\) for a synchronous invocation; the largest batch that fits is 1$/,
    ],
  ];
  for (const [options, name, message] of cases) {
    await assert.rejects(runExperiment(options), { name, message }, String(message));
  }
});

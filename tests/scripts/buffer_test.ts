import assert from "node:assert/strict";
import { parseBatchesCsv, parseRequestsCsv } from "../../lib/logs/run_csv.ts";
import { parseLambdaLog } from "../../lib/logs/lambda_log_lines.ts";
import { ROOT, withTempDir } from "./_run_script.ts";
import { adaptiveOnlyCases, type BadCase, checkBadCases, runCli } from "./_cli_table.ts";
import { startLocalLambdaServer } from "../../lib/lambda/http_server.ts";
import { LocalLambda } from "../../lib/lambda/local_lambda.ts";
import { seededPrng } from "../../lib/random/prng.ts";
import { poissonProcess } from "../../lib/map/map_process.ts";
import { predictConfiguration } from "../../lib/model/predict.ts";
import { pricing } from "../../lib/profile/pricing.ts";
import { profileFromJson, publishedProfile } from "../../lib/profile/service_profile.ts";

/** A handler module that answers at once, and the example classifier's sample images. */
const CODE = "tests/testdata/handlers/batch_sizes.mjs";
const SAMPLES = "lib/functions/image_classifier/samples";

/** The permissions of `deno task buffer`. */
const BUFFER_PERMISSIONS = [
  "--allow-read",
  "--allow-write",
  "--allow-net",
  "--allow-env",
  "--allow-sys",
];

function buffer(args: string[]) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", ...BUFFER_PERMISSIONS, "scripts/buffer.ts", ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  });
}

Deno.test("buffer against the in-process local Lambda accounts for every request in its logs", async () => {
  await withTempDir(async (dir) => {
    // 100 requests/s for 2 s, functions 100 times faster than real.
    const out = await buffer([
      "--inter_arrival",
      "100",
      "--duration",
      "2",
      "--batch_size",
      "6",
      "--time_out",
      "0.03",
      "--time_scale",
      "100",
      "--out",
      dir,
      "--format",
      "json",
    ]).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr);
    const summary = JSON.parse(new TextDecoder().decode(out.stdout));
    const requests = parseRequestsCsv(await Deno.readTextFile(`${dir}/requests.csv`));
    const batches = parseBatchesCsv(await Deno.readTextFile(`${dir}/batches.csv`));
    assert.deepEqual(requests.skipped, []);
    assert.deepEqual(batches.skipped, []);
    assert.equal(requests.records.length, summary.requests);
    assert.equal(summary.completed, summary.requests);
    const ids = requests.records.map((r) => r.requestId).sort((a, b) => a - b);
    assert.deepEqual(ids, Array.from({ length: summary.requests }, (_, i) => i));
    assert.ok(batches.records.every((b) => b.size <= 6 && b.status === "ok"));
    // The REPORT lines in lambda.log agree with the per-batch log.
    const reports = parseLambdaLog(await Deno.readTextFile(`${dir}/lambda.log`)).records
      .filter((r) => r.kind === "report");
    assert.equal(reports.length, batches.records.length);
    const durations = (xs: number[]) => xs.map((x) => x.toFixed(2)).sort();
    assert.deepEqual(
      durations(reports.map((r) => (r.kind === "report" ? r.durationMs : NaN))),
      durations(batches.records.map((b) => b.durationMs)),
    );
    const run = JSON.parse(await Deno.readTextFile(`${dir}/run.json`));
    assert.equal(run.status, "done");
  });
});

Deno.test("buffer --function-code --payload images:DIR runs the handler on the sample images and says why nothing is predicted", async () => {
  await withTempDir(async (dir) => {
    // 12 requests at 200/s, B = 4: a few milliseconds of handler time in all.
    const args = ["--function-code", CODE, "--payload", `images:${SAMPLES}`, "--requests", "12"];
    const out = await buffer([
      ...args,
      "--inter-arrival",
      "200",
      "--batch-size",
      "4",
      "--time-out",
      "0.05",
      "--cpu-model",
      "memory-share",
      "--memory",
      "1769",
      "--out",
      dir,
      "--format",
      "json",
    ]).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const summary = JSON.parse(new TextDecoder().decode(out.stdout));
    assert.equal(summary.completed, 12);
    assert.equal(summary.prediction, null);
    assert.match(summary.noPrediction, /^no profile of the function's code \(--model FILE\.json/);
    assert.equal(summary.config.functionName, "batch_sizes");
    assert.match(
      summary.config.payload,
      /^images: lib\/functions\/image_classifier\/samples \(4 files, largest 13\.6 kB\)$/,
    );
    assert.deepEqual(summary.config.localLambda, {
      concurrency: 1000,
      keepAliveSec: 600,
      extrapolate: false,
      functionCode: CODE,
      cpuModel: "memory-share",
    });
    // Each request carried its sample, in turn: ids 0, 4, 8 the first file (landscape.png).
    const sizes = (await Promise.all(
      ["landscape.png", "shapes.png", "skyline.jpg", "tiles.jpg"].map((f) =>
        Deno.stat(`${ROOT}${SAMPLES}/${f}`)
      ),
    )).map((s) => s.size);
    const lines = (await Deno.readTextFile(`${dir}/lambda.log`)).split("\n")
      .filter((l) => l.includes("\tINFO\t")).map((l) => JSON.parse(l.split("\t").at(-1)!));
    const seen = lines.flatMap((l) => l.requests as { id: number; imageBytes: number }[]);
    assert.equal(seen.length, 12);
    for (const r of seen) assert.equal(r.imageBytes, sizes[r.id % 4], `request ${r.id}`);
  });
});

Deno.test("buffer stops on SIGINT, keeps its logs and exits 130", async () => {
  await withTempDir(async (dir) => {
    const child = buffer([
      "--inter_arrival",
      "50",
      "--duration",
      "60",
      "--time_scale",
      "100",
      "--out",
      dir,
    ]).spawn();
    await new Promise((r) => setTimeout(r, 2500));
    child.kill("SIGINT");
    const out = await child.output();
    assert.equal(out.code, 130, new TextDecoder().decode(out.stderr));
    const run = JSON.parse(await Deno.readTextFile(`${dir}/run.json`));
    assert.equal(run.status, "interrupted");
    const requests = parseRequestsCsv(await Deno.readTextFile(`${dir}/requests.csv`));
    assert.equal(requests.records.length, run.summary.requests);
    assert.ok(run.summary.requests > 0);
    assert.equal(run.summary.unfinished, 0);
  });
});

Deno.test("buffer exits at once on a later second SIGINT, every arrived request on disk, abandoned ones included", async () => {
  await withTempDir(async (dir) => {
    // Real-time functions: TF-inceptionV4 takes 3.1 s for 5 requests at 3008 MB, so
    // the first batches have completed when the first signal comes at 4.5 s and
    // others are in flight for about 3 s more; the grace period is far longer.
    const child = buffer([
      "--inter_arrival",
      "50",
      "--duration",
      "60",
      "--grace",
      "60",
      "--out",
      dir,
    ]).spawn();
    await new Promise((r) => setTimeout(r, 4500));
    child.kill("SIGINT");
    // Later than the 0.5 s in which a repeat counts as the same stop.
    await new Promise((r) => setTimeout(r, 900));
    const second = performance.now();
    child.kill("SIGINT");
    const out = await child.output();
    const stdout = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 130, new TextDecoder().decode(out.stderr));
    const exitMs = performance.now() - second;
    assert.ok(exitMs < 1500, `exited ${exitMs} ms after the second signal`);
    assert.match(stdout, /status: killed/);
    assert.match(stdout, /completed \/ failed \/ abandoned/);
    // Every request that arrived is on disk exactly once, as whole valid rows.
    const requests = parseRequestsCsv(await Deno.readTextFile(`${dir}/requests.csv`));
    const batches = parseBatchesCsv(await Deno.readTextFile(`${dir}/batches.csv`));
    assert.deepEqual(requests.skipped, []);
    assert.deepEqual(batches.skipped, []);
    const run = JSON.parse(await Deno.readTextFile(`${dir}/run.json`));
    assert.equal(run.status, "killed");
    const s = run.summary;
    assert.equal(requests.records.length, s.requests);
    const ids = requests.records.map((r) => r.requestId).sort((a, b) => a - b);
    assert.deepEqual(ids, Array.from({ length: s.requests }, (_, i) => i));
    assert.equal(s.completed + s.failed + s.abandoned, s.requests);
    assert.equal(s.unfinished, 0);
    // About 3 s of arrivals at 50/s were in flight when the second signal came.
    assert.ok(s.abandoned > 0 && s.completed > 0, JSON.stringify(s));
    const abandoned = requests.records.filter((r) => r.status === "abandoned");
    assert.equal(abandoned.length, s.abandoned);
    assert.ok(abandoned.every((r) => Number.isNaN(r.latencySec)));
    const abandonedBatches = batches.records.filter((b) => b.status === "abandoned");
    assert.equal(abandonedBatches.reduce((n, b) => n + b.size, 0), s.abandoned);
    assert.ok(abandonedBatches.every((b) => b.error === "in flight at exit"));
    assert.equal(batches.records.reduce((n, b) => n + b.size, 0), s.requests);
  });
});

Deno.test("buffer takes two signals 50 ms apart as one stop: the batches in flight finish", async () => {
  await withTempDir(async (dir) => {
    const child = buffer(["--inter_arrival", "50", "--duration", "60", "--out", dir]).spawn();
    await new Promise((r) => setTimeout(r, 4000));
    child.kill("SIGINT");
    await new Promise((r) => setTimeout(r, 50));
    child.kill("SIGTERM");
    const out = await child.output();
    assert.equal(out.code, 130, new TextDecoder().decode(out.stderr));
    const run = JSON.parse(await Deno.readTextFile(`${dir}/run.json`));
    assert.equal(run.status, "interrupted");
    assert.equal(run.summary.abandoned, 0);
    assert.equal(run.summary.unfinished, 0);
    assert.equal(run.summary.completed, run.summary.requests);
    const requests = parseRequestsCsv(await Deno.readTextFile(`${dir}/requests.csv`));
    assert.equal(requests.records.length, run.summary.requests);
  });
});

/**
 * `deno task buffer` in a process group of its own (setsid), as a terminal or a
 * supervisor runs it: the signal goes to the group, so both `deno task` and
 * the buffer get it.
 */
async function taskInGroup(signal: Deno.Signal, dir: string) {
  const child = new Deno.Command("setsid", {
    args: [
      Deno.execPath(),
      "task",
      "buffer",
      "--inter_arrival",
      "200",
      "--duration",
      "60",
      "--out",
      dir,
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  await new Promise((r) => setTimeout(r, 4000));
  // setsid runs deno as the leader of a new group: its pid is the group's id.
  Deno.kill(-child.pid, signal);
  const out = await child.output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.test(`deno task buffer, ${signal} to its process group after 4 s at 200 requests/s: every request logged, summary, exit 130`, async () => {
    await withTempDir(async (dir) => {
      const out = await taskInGroup(signal, dir);
      assert.equal(out.code, 130, out.stderr);
      assert.match(out.stdout, /latency p95 \(s\)/);
      assert.match(out.stdout, /status: interrupted/);
      const run = JSON.parse(await Deno.readTextFile(`${dir}/run.json`));
      assert.equal(run.status, "interrupted");
      const s = run.summary;
      assert.ok(s.requests > 400, `only ${s.requests} requests in 4 s at 200/s`);
      assert.equal(s.completed, s.requests);
      assert.equal(s.abandoned, 0);
      const requests = parseRequestsCsv(await Deno.readTextFile(`${dir}/requests.csv`));
      assert.deepEqual(requests.skipped, []);
      assert.equal(requests.records.length, s.requests);
      assert.ok(requests.records.every((r) => r.status === "ok"));
    });
  });
}

const HAVE_SCRIPT = await new Deno.Command("sh", { args: ["-c", "command -v script"] }).output()
  .then((o) => o.success, () => false);

Deno.test("deno task buffer in a terminal (a pty from script(1)): Ctrl-C stops it gracefully", {
  ignore: !HAVE_SCRIPT,
}, async (t) => {
  await withTempDir(async (dir) => {
    const command = `${Deno.execPath()} task buffer --inter_arrival 200 --duration 60 --out ${dir}`;
    // script gives the command a pty; a ^C written to it is the terminal's Ctrl-C:
    // SIGINT to the foreground process group.
    const child = new Deno.Command("script", {
      args: ["-qfec", command, "/dev/null"],
      cwd: ROOT,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1", TERM: "dumb" },
    }).spawn();
    const writer = child.stdin.getWriter();
    await new Promise((r) => setTimeout(r, 4000));
    await writer.write(new TextEncoder().encode("\x03"));
    const out = await child.output();
    const stdout = new TextDecoder().decode(out.stdout);
    await t.step("exit 130 with the summary", () => {
      assert.equal(out.code, 130, stdout);
      assert.match(stdout, /latency p95 \(s\)/);
    });
    const run = JSON.parse(await Deno.readTextFile(`${dir}/run.json`));
    assert.equal(run.status, "interrupted");
    assert.ok(run.summary.requests > 400);
    assert.equal(run.summary.completed, run.summary.requests);
    const requests = parseRequestsCsv(await Deno.readTextFile(`${dir}/requests.csv`));
    assert.equal(requests.records.length, run.summary.requests);
  });
});

Deno.test("buffer prints '-' (null in JSON) for the timeout lateness when no batch timed out", async () => {
  // B = 1: every batch leaves full, none by its timeout.
  const args = [
    "--inter_arrival",
    "50",
    "--duration",
    "0.5",
    "--batch_size",
    "1",
    "--time_scale",
    "100",
  ];
  await withTempDir(async (dir) => {
    const table = await buffer([...args, "--out", `${dir}/t`]).output();
    const text = new TextDecoder().decode(table.stdout);
    assert.equal(table.code, 0, new TextDecoder().decode(table.stderr));
    assert.match(text, /^timeout lateness p99 \(ms\) +- *$/m);
    assert.doesNotMatch(text, /NaN/);
    const json = await buffer([...args, "--out", `${dir}/j`, "--format", "json"]).output();
    const summary = JSON.parse(new TextDecoder().decode(json.stdout));
    assert.equal(summary.dispatchReasons.timeout, 0);
    assert.equal(summary.timeoutLatenessP99Sec, null);
  });
});

Deno.test("buffer --service-cv 0.2 in-process at time scale 1: the exact model's p50, p95, p99 and cost beside the measured ones in the table, CSV and JSON", async () => {
  // A fast linear profile (S_k = 0.01 + 0.034 k s), 60 Poisson requests at 50/s (seed 3),
  // B = 5, T = 50 ms: about 1.3 s of real time per run.
  const fast = {
    name: "fast",
    terms: ["1", "k"],
    coefficients: [0.01, 0.034],
    memoryRangeMb: [1024, 3008],
    batchRange: [1, 20],
  };
  // The model on the same inputs, its profile written out with the lognormal the flag asks for.
  const want = predictConfiguration({
    map: poissonProcess(50),
    maxBatch: 5,
    timeoutSec: 0.05,
    memoryMb: 3008,
    profile: profileFromJson({ ...fast, variability: { distribution: "lognormal", cv: 0.2 } }),
    pricing: pricing("aws-x86"),
    extrapolate: true,
  });
  const p50 = want.percentile(0.5), p95 = want.percentile(0.95), p99 = want.percentile(0.99);
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/fast.json`, JSON.stringify(fast));
    const args = [
      "--model",
      `${dir}/fast.json`,
      "--inter-arrival",
      "50",
      "--requests",
      "60",
      "--seed",
      "3",
      "--batch-size",
      "5",
      "--time-out",
      "0.05",
      "--service-cv",
      "0.2",
    ];
    const table = await runBuffer(...args, "--out", `${dir}/t`);
    assert.equal(table.code, 0, table.stderr);
    assert.match(
      table.stdout,
      /measured +exact model \(no cold starts; service lognormal, CV 0\.2\)$/m,
    );
    for (const [label, x] of [["p50", p50], ["p95", p95], ["p99", p99]] as const) {
      assert.match(
        table.stdout,
        new RegExp(`^latency ${label} \\(s\\) +\\d+\\.\\d{4} +${x.toFixed(4)}$`, "m"),
      );
    }
    assert.match(
      table.stdout,
      new RegExp(`^latency p95, warm batches only \\(s\\) +\\d+\\.\\d{4} +${p95.toFixed(4)}$`, "m"),
    );
    assert.doesNotMatch(table.stdout, /exact model: none/);
    const run = JSON.parse(await Deno.readTextFile(`${dir}/t/run.json`));
    assert.deepEqual(run.prediction, {
      p50Sec: p50,
      p95Sec: p95,
      p99Sec: p99,
      costPerRequestUsd: want.costPerRequestUsd,
      service: "lognormal, CV 0.2",
      coldStartProbability: 0,
    });
    // CSV: the model's column at full precision.
    const csv = await runBuffer(...args, "--out", `${dir}/c`, "--format", "csv");
    assert.equal(csv.code, 0, csv.stderr);
    const model = new Map(
      csv.stdout.trim().split("\n").map((l) => [l.split(",")[0], l.split(",")[2]]),
    );
    assert.equal(model.get("latency_p50_sec"), String(p50));
    assert.equal(model.get("latency_p95_sec"), String(p95));
    assert.equal(model.get("latency_p99_sec"), String(p99));
    assert.equal(model.get("cost_per_request_usd"), String(want.costPerRequestUsd));
    // JSON: the prediction, and no reason for its absence.
    const json = await runBuffer(...args, "--out", `${dir}/j`, "--format", "json");
    assert.equal(json.code, 0, json.stderr);
    const summary = JSON.parse(json.stdout);
    assert.deepEqual(summary.prediction, run.prediction);
    assert.equal("noPrediction" in summary, false);
    assert.equal(summary.completed, 60);
  });
});

/** Runs the buffer and decodes what it printed. */
async function runBuffer(...args: string[]) {
  const out = await buffer(args).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/**
 * Every kind of bad command line: an unknown flag, a missing value, a
 * non-number, a value out of range, a flag that would do nothing in the
 * combination given (the in-process Lambda's with --endpoint or --aws,
 * adaptive ones without --adaptive, arrival sources of another kind), and
 * contradictory sources. All are refused before anything starts.
 */
const BUFFER_REFUSED: BadCase[] = [
  { kind: "unknown flag", args: ["--bogus"], message: /^buffer: Unknown option '--bogus'/ },
  {
    kind: "missing value",
    args: ["--window"],
    message: /Option '--window <value>' argument missing/,
  },
  {
    kind: "missing value",
    args: ["--function_name"],
    message: /Option '--function_name <value>' argument missing/,
  },
  {
    kind: "not a number",
    args: ["--batch_size", "x"],
    message: /--batch_size must be a number: found 'x'/,
  },
  {
    kind: "out of range",
    args: ["--batch_size", "0"],
    message: /--batch_size must be an integer >= 1: found '0'/,
  },
  {
    kind: "out of range",
    args: ["--memory", "64"],
    message: /--memory must be an integer within 128\.\.10240 MB: found '64'/,
  },
  {
    kind: "out of range",
    args: ["--memory", "1024"],
    message:
      /--memory: TF-inceptionV4 was fitted on 1280\.\.3008 MB, not 1024 MB \(--extrapolate allows it\)/,
  },
  {
    kind: "out of range",
    args: ["--time_scale", "0"],
    message: /--time_scale must be a number > 0: found '0'/,
  },
  {
    kind: "out of range",
    args: ["--concurrency", "1.5"],
    message: /--concurrency must be an integer >= 1: found '1.5'/,
  },
  {
    kind: "out of range",
    args: ["--jitter", "-1"],
    message: /--jitter must be a number >= 0: found '-1'/,
  },
  {
    kind: "out of range",
    args: ["--grace", "-1"],
    message: /--grace must be a number > 0 s: found '-1'/,
  },
  {
    kind: "out of range",
    args: ["--max_in_flight", "0"],
    message: /--max_in_flight must be an integer >= 1: found '0'/,
  },
  {
    kind: "not a number",
    args: ["--max-connections", "0x10"],
    message: /--max-connections must be a number: found '0x10'/,
  },
  {
    kind: "out of range",
    args: ["--inter_arrival", "-5"],
    message: /--inter_arrival must be a number > 0 requests\/s: found '-5'/,
  },
  {
    kind: "out of range",
    args: ["--hour", "25", "--trace", "nys"],
    message: /--hour must be an hour within 1\.\.24 \(hour h covers h-1\.\.h\): found '25'/,
  },
  {
    kind: "bad value",
    args: ["--format", "yaml"],
    message: /--format must be one of table, json, csv: found 'yaml'/,
  },
  {
    kind: "conflicting flags",
    args: ["--aws", "--endpoint", "http://127.0.0.1:1"],
    message: /--aws and --endpoint exclude each other/,
  },
  // The in-process Lambda's flags with a Lambda that is not in-process.
  {
    kind: "ignored combination",
    args: ["--endpoint", "http://127.0.0.1:1", "--concurrency", "5"],
    message: /--concurrency is for the in-process local Lambda: it does nothing with --endpoint/,
  },
  {
    kind: "ignored combination",
    args: ["--aws", "--jitter", "0.2"],
    message: /--jitter is for the in-process local Lambda: it does nothing with --aws/,
  },
  {
    kind: "ignored combination",
    args: ["--aws", "--service_cv", "0.2"],
    message: /--service_cv is for the in-process local Lambda/,
  },
  {
    kind: "ignored combination",
    args: ["--endpoint", "http://127.0.0.1:1", "--time_scale", "10"],
    message: /--time_scale is for the in-process local Lambda/,
  },
  {
    kind: "ignored combination",
    args: ["--endpoint", "http://127.0.0.1:1", "--cold-start", "0"],
    message: /--cold-start is for the in-process local Lambda/,
  },
  {
    kind: "ignored combination",
    args: ["--aws", "--keep_alive", "60"],
    message: /--keep_alive is for the in-process local Lambda/,
  },
  {
    kind: "ignored combination",
    args: ["--aws", "--extrapolate"],
    message: /--extrapolate does nothing with --aws without --adaptive/,
  },
  {
    kind: "ignored combination",
    args: ["--extrapolate"],
    message: /--extrapolate does nothing here: the configuration lies within/,
  },
  {
    kind: "ignored combination",
    args: ["--endpoint", "http://127.0.0.1:1", "--adaptive", "--extrapolate"],
    message: /--extrapolate does nothing here: the grid lies within/,
  },
  {
    kind: "bad file",
    args: ["--out", "README.md"],
    message: /^buffer: --out README\.md is a file: give a directory/,
  },
  {
    kind: "ignored combination",
    args: ["--region", "eu-west-1"],
    message: /--region needs --aws or --endpoint: the in-process local Lambda has no region/,
  },
  {
    kind: "ignored combination",
    args: ["--keep-alive", "60", "--cold-start", "0"],
    message: /--keep-alive does nothing with --cold-start 0/,
  },
  // Adaptive flags without --adaptive.
  ...adaptiveOnlyCases("buffer"),
  // Bad adaptive values.
  {
    kind: "out of range",
    args: ["--adaptive", "--window", "0"],
    message: /--window must be a number > 0 s: found '0'/,
  },
  {
    kind: "not a number",
    args: ["--adaptive", "--slo", "x"],
    message: /--slo must be a number: found 'x'/,
  },
  {
    kind: "out of range",
    args: ["--adaptive", "--slo", "-1"],
    message: /--slo must be a number > 0 s: found '-1'/,
  },
  {
    kind: "out of range",
    args: ["--adaptive", "--rate_margin", "1"],
    message: /--rate_margin must be a number within \[0, 1\): found '1'/,
  },
  {
    kind: "not a number",
    args: ["--adaptive", "--rate-margin", ""],
    message: /--rate-margin must be a number: found ''/,
  },
  {
    kind: "out of range",
    args: ["--adaptive", "--percentile", "1"],
    message: /--percentile must be a number within \(0, 1\): found '1'/,
  },
  {
    kind: "required flag",
    args: ["--adaptive", "--constraint", "cost"],
    message: /--constraint cost needs --slo USD/,
  },
  {
    kind: "bad value",
    args: ["--adaptive", "--grid-memory", "3008:1280:64"],
    message: /Cannot read --grid-memory '3008:1280:64': hi is below lo/,
  },
  {
    kind: "out of range",
    args: ["--adaptive", "--grid_memory", "1280.5"],
    message: /--grid_memory must hold integers within 128\.\.10240 MB/,
  },
  {
    kind: "not a number",
    args: ["--adaptive", "--grid_timeout", "0.1:x"],
    message: /Cannot read --grid_timeout '0.1:x': 'x' is not a number/,
  },
  {
    kind: "out of range",
    args: ["--adaptive", "--grid_batch", "0:4"],
    message: /Cannot use --grid_batch 0: it must be within 1\.\.1000/,
  },
  {
    kind: "out of range",
    args: ["--adaptive", "--grid_batch", "1:30"],
    message: /--grid_batch: TF-inceptionV4 was fitted on batches 1\.\.20, not 30/,
  },
  // Arrivals: what is missing, what would do nothing, what contradicts.
  {
    kind: "required flag",
    args: ["--arrival_process", "map"],
    message: /--arrival_process map needs --map D0,D1 or --trace NAME --hour H/,
  },
  { kind: "required flag", args: ["--trace", "nys"], message: /--trace needs --hour H/ },
  { kind: "ignored combination", args: ["--hour", "8"], message: /--hour needs --trace NAME\|DIR/ },
  {
    kind: "ignored combination",
    args: ["--arrival_process", "exp", "--trace_path", "f"],
    message: /--trace_path does nothing with --arrival_process exp/,
  },
  {
    kind: "conflicting flags",
    args: ["--day", "nys", "--trace", "twitter"],
    message: /are two sources of arrivals: give one/,
  },
  {
    kind: "conflicting flags",
    args: ["--map", "a,b", "--hour", "3"],
    message: /--map a,b and --hour 3 are two sources of the MAP/,
  },
  {
    kind: "conflicting flags",
    args: ["--inter_arrival", "5", "--day", "nys"],
    message: /--inter_arrival 5 \(Poisson arrivals at a rate\) and --day nys/,
  },
  { kind: "ignored combination", args: ["--loop"], message: /--loop needs --trace-path FILE/ },
  {
    kind: "bad file",
    args: ["--map", "/nonexistent/D0,/nonexistent/D1"],
    message: /Cannot read the MAP as \/nonexistent\/D0 does not exist/,
  },
  // A function with code (issue 12): what does nothing for it, where it cannot run.
  {
    kind: "ignored combination",
    args: ["--function-code", CODE, "--time-scale", "10"],
    message: /--time-scale does nothing with --function-code: handler code runs in real time/,
  },
  {
    kind: "ignored combination",
    args: ["--code", CODE, "--cold_start", "0"],
    message: /--cold_start does nothing with --code: a cold start is the handler module's own load/,
  },
  {
    kind: "ignored combination",
    args: ["--function_code", CODE, "--service-cv", "0.1"],
    message: /--service-cv does nothing with --function_code: the handler's durations vary/,
  },
  {
    kind: "bad file",
    args: ["--function-code", "/nonexistent/handler.mjs"],
    message: /--function-code \/nonexistent\/handler\.mjs is not a file: give a handler module/,
  },
  {
    kind: "ignored combination",
    args: ["--cpu-model", "memory-share"],
    message: /--cpu-model needs --function-code: it sets how a function with code's Duration/,
  },
  {
    kind: "bad value",
    args: ["--function-code", CODE, "--cpu_model", "fast"],
    message: /--cpu_model must be one of host, memory-share: found 'fast'/,
  },
  {
    kind: "ignored combination",
    args: ["--endpoint", "http://127.0.0.1:1", "--function-code", CODE],
    message: /--function-code is for the in-process local Lambda: it does nothing with --endpoint/,
  },
  {
    kind: "ignored combination",
    args: ["--aws", "--cpu_model", "host"],
    message: /--cpu_model is for the in-process local Lambda: it does nothing with --aws/,
  },
  {
    kind: "required flag",
    args: ["--function-code", CODE, "--adaptive"],
    message: /--adaptive with --function-code needs --model FILE\.json: the controller solves/,
  },
  {
    kind: "ignored combination",
    args: ["--function-code", CODE, "--extrapolate"],
    message: /--extrapolate does nothing with --function-code without --model/,
  },
  {
    kind: "out of range",
    what: "the prediction's profile still bounds the configuration",
    args: ["--function-code", CODE, "--model", "TF-inceptionV4", "--memory", "1024"],
    message: /--memory: TF-inceptionV4 was fitted on 1280\.\.3008 MB, not 1024 MB/,
  },
  // Payloads.
  {
    kind: "bad value",
    args: ["--payload", "pictures"],
    message:
      /--payload must be ids or images:DIR \(a directory of JPEG and PNG files\): found 'pictures'/,
  },
  {
    kind: "bad file",
    args: ["--function-code", CODE, "--payload", "images:/nonexistent"],
    message: /--payload images:\/nonexistent: the directory does not exist/,
  },
  {
    kind: "bad file",
    args: ["--function-code", CODE, "--payload", "images:README.md"],
    message: /--payload images:README\.md is not a directory/,
  },
  {
    kind: "bad file",
    args: ["--function-code", CODE, "--payload", "images:lib/cli"],
    message: /--payload images:lib\/cli holds no JPEG or PNG file/,
  },
  {
    kind: "ignored combination",
    args: ["--payload", `images:${SAMPLES}`],
    message:
      /--payload images:\S+ does nothing without --function-code: the in-process local Lambda's profile-driven function ignores its payload/,
  },
  {
    kind: "out of range",
    what: "Lambda's 6 MB payload limit",
    args: ["--function-code", CODE, "--payload", `images:${SAMPLES}`, "--batch-size", "400"],
    message:
      /--batch-size 400 with --payload images: \S+ \(4 files, largest 13\.6 kB\): a batch's payload can reach 7\.283 MB, above Lambda's limit of 6 MB \(6291456 bytes\) for a synchronous invocation; the largest batch that fits is 345/,
  },
];

Deno.test(`buffer refuses ${BUFFER_REFUSED.length} bad command lines with exit 2, one line on stderr and no stack trace; --help exits 0`, async () => {
  const help = await runBuffer("--help");
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Exit codes: 0 done, 1 /m);
  assert.match(help.stdout, /--cold-start S .*\[0\.25\]/);
  // Four at a time: each is a process of its own.
  assert.equal(
    await checkBadCases("buffer", "buffer", BUFFER_REFUSED, {
      permissions: BUFFER_PERMISSIONS,
      parallel: 4,
    }),
    76,
  );
});

Deno.test("buffer takes every flag in snake_case or kebab-case, and buffer.py's and lambda-local's names: the same run", async () => {
  await withTempDir(async (dir) => {
    // 20 requests at 100/s in batches of 4 (all full: T = 1 s), functions 100 times faster.
    const snake = await runBuffer(
      "--batch_size",
      "4",
      "--time_out",
      "1",
      "--inter_arrival",
      "100",
      "--requests",
      "20",
      "--time_scale",
      "100",
      "--function_name",
      "fn",
      "--jitter",
      "0.1",
      "--cold_start",
      "0.5",
      "--keep_alive",
      "30",
      "--max_in_flight",
      "8",
      "--out",
      `${dir}/a`,
      "--format",
      "json",
    );
    const kebab = await runBuffer(
      "--batch-size",
      "4",
      "--time-out",
      "1",
      "--inter-arrival",
      "100",
      "--requests",
      "20",
      "--time-scale",
      "100",
      "--function",
      "fn",
      "--service-cv",
      "0.1",
      "--cold-start",
      "0.5",
      "--keep-alive",
      "30",
      "--max-in-flight",
      "8",
      "--out",
      `${dir}/b`,
      "--format=json",
    );
    assert.equal(snake.code, 0, snake.stderr);
    assert.equal(kebab.code, 0, kebab.stderr);
    const a = JSON.parse(snake.stdout), b = JSON.parse(kebab.stdout);
    assert.deepEqual(a.config, b.config);
    assert.deepEqual(a.config.localLambda, {
      concurrency: 1000,
      serviceCv: 0.1,
      coldStartSec: 0.5,
      keepAliveSec: 30,
      extrapolate: false,
    });
    assert.equal(a.config.functionName, "fn");
    for (const k of ["requests", "completed", "batches", "dispatchReasons"]) {
      assert.deepEqual(a[k], b[k], k);
    }
    assert.deepEqual(a.dispatchReasons, { size: 5, timeout: 0, shutdown: 0 });
  });
});

Deno.test("buffer --format csv prints the table's rows with full precision", async () => {
  await withTempDir(async (dir) => {
    const r = await runBuffer(
      "--inter_arrival",
      "100",
      "--requests",
      "10",
      "--time_scale",
      "100",
      "--out",
      dir,
      "--format",
      "csv",
    );
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split("\n");
    assert.equal(lines[0], "metric,measured,exact_model");
    assert.equal(lines[1], "status,done,");
    assert.equal(lines[2], "requests,10,");
    const metrics = lines.slice(1).map((l) => l.split(",")[0]);
    for (
      const m of [
        "latency_p95_sec",
        "cold_start_batches",
        "warm_latency_p95_sec",
        "cost_per_request_usd",
      ]
    ) {
      assert.ok(metrics.includes(m), m);
    }
  });
});

Deno.test("buffer --adaptive decides every window, logs decisions.jsonl and reports the changes", async () => {
  await withTempDir(async (dir) => {
    // 50 requests/s for 4.5 s, 2 s windows (two decided), functions 100 times faster than
    // real; from B = 4, T = 0.05 s at 3008 MB the controller moves to a cheaper memory.
    const args = [
      "--adaptive",
      "--window",
      "2",
      "--slo",
      "3",
      "--grid-memory",
      "1536,2048,3008",
      "--grid-timeout",
      "0.05,0.25,0.49",
      "--grid-batch",
      "1:8",
      "--inter_arrival",
      "50",
      "--batch_size",
      "4",
      "--time_out",
      "0.05",
      "--time_scale",
      "100",
    ];
    const out = await buffer([...args, "--duration", "4.5", "--out", dir, "--format", "json"])
      .output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const summary = JSON.parse(new TextDecoder().decode(out.stdout));
    assert.equal(summary.adaptive.windows, 2);
    assert.ok(summary.adaptive.changes >= 1);
    assert.equal(summary.completed, summary.requests);
    assert.equal(summary.prediction, null);
    assert.equal(summary.noPrediction, "the configuration changes (--adaptive)");
    const decisions = (await Deno.readTextFile(`${dir}/decisions.jsonl`)).trim().split("\n")
      .map((l) => JSON.parse(l));
    assert.equal(decisions.length, 2);
    assert.equal(decisions.filter((d) => d.changed).length, summary.adaptive.changes);
    const run = JSON.parse(await Deno.readTextFile(`${dir}/run.json`));
    assert.deepEqual(run.summary.adaptive, summary.adaptive);
    const batches = parseBatchesCsv(await Deno.readTextFile(`${dir}/batches.csv`));
    const memories = new Set(batches.records.map((b) => b.memorySizeMb));
    assert.ok(memories.has(3008) && memories.has(decisions.at(-1).config.memoryMb));

    // The table says it in one line (a shorter run: one window decided).
    const table = await buffer([...args, "--duration", "2.3", "--out", `${dir}/table`]).output();
    const text = new TextDecoder().decode(table.stdout);
    assert.equal(table.code, 0, new TextDecoder().decode(table.stderr));
    assert.match(text, /adaptive every 2 s, p95 SLO 3 s/);
    assert.match(text, /\nadaptive: windows decided \/ changes +1 \/ 1 *\n/);
  });
});

Deno.test("buffer --aws runs the same code against AWS (the local Lambda on loopback standing in): memory set, payloads sent, nothing created", async () => {
  const lambda = new LocalLambda({ profileFor: publishedProfile, prng: seededPrng(12) });
  lambda.createFunction({ FunctionName: "classify", MemorySize: 1024, CodePath: CODE });
  const server = startLocalLambdaServer(lambda);
  try {
    await withTempDir(async (dir) => {
      const env = {
        // The AWS SDK's service-specific endpoint: --aws is otherwise untouched.
        AWS_ENDPOINT_URL_LAMBDA: server.url,
        AWS_ACCESS_KEY_ID: "local",
        AWS_SECRET_ACCESS_KEY: "local",
      };
      const r = await runCli("buffer", [
        "--aws",
        "--function-name",
        "classify",
        "--memory",
        "2048",
        "--payload",
        `images:${SAMPLES}`,
        "--inter-arrival",
        "50",
        "--requests",
        "40",
        "--batch-size",
        "4",
        "--time-out",
        "0.05",
        "--out",
        dir,
        "--format",
        "json",
      ], { permissions: BUFFER_PERMISSIONS, env });
      assert.equal(r.code, 0, r.stderr);
      const summary = JSON.parse(r.stdout);
      assert.equal(summary.completed, 40);
      // prepareFunction moved the function to the run's memory, as on AWS.
      assert.equal(lambda.getFunctionConfiguration("classify").MemorySize, 2048);
      const run = JSON.parse(await Deno.readTextFile(`${dir}/run.json`));
      assert.equal(run.config.target, "aws");
      assert.equal(run.config.memoryMb, 2048);
      assert.equal(run.config.localLambda, undefined);
      // The handler saw every request once, each with its sample image.
      const seen = (await Deno.readTextFile(`${dir}/lambda.log`)).split("\n")
        .filter((l) => l.includes("\tINFO\t"))
        .flatMap((l) =>
          JSON.parse(l.split("\t").at(-1)!).requests as { id: number; imageBytes: number }[]
        );
      assert.deepEqual(
        seen.map((q) => q.id).sort((a, b) => a - b),
        Array.from({ length: 40 }, (_, i) => i),
      );
      assert.ok(seen.every((q) => q.imageBytes > 1000));
      // A function AWS does not have is not created: one line, exit 2.
      const missing = await runCli(
        "buffer",
        ["--aws", "--function-name", "nope", "--requests", "2", "--out", `${dir}/n`],
        { permissions: BUFFER_PERMISSIONS, env },
      );
      assert.equal(missing.code, 2, missing.stderr);
      assert.equal(missing.stderr.trim().split("\n").length, 1, missing.stderr);
      assert.match(
        missing.stderr,
        /^buffer: AWS Lambda in us-east-1 has no such resource \(function 'nope'\): Function not found/,
      );
      assert.equal(lambda.listFunctions().length, 1);
    });
  } finally {
    await server.close();
  }
});

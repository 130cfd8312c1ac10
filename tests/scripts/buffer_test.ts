import assert from "node:assert/strict";
import { parseBatchesCsv, parseRequestsCsv } from "../../lib/logs/run_csv.ts";
import { parseLambdaLog } from "../../lib/logs/lambda_log_lines.ts";
import { ROOT, withTempDir } from "./_run_script.ts";

function buffer(args: string[]) {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-net",
      "--allow-env",
      "--allow-sys",
      "scripts/buffer.ts",
      ...args,
    ],
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

Deno.test("buffer exits at once on a second SIGINT, with what is on disk intact", async () => {
  await withTempDir(async (dir) => {
    // Real-time functions: TF-inceptionV4 takes 3.1 s for 5 requests at 3008 MB, so
    // the first batches have completed when the signals come at 4.5 s and others
    // are in flight for about 3 s more; the grace period is far longer.
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
    await new Promise((r) => setTimeout(r, 300));
    const second = performance.now();
    child.kill("SIGINT");
    const out = await child.output();
    assert.equal(out.code, 130, new TextDecoder().decode(out.stderr));
    const exitMs = performance.now() - second;
    assert.ok(exitMs < 1500, `exited ${exitMs} ms after the second signal`);
    // Whatever completed is on disk as whole, valid rows; nothing half-written.
    const requests = parseRequestsCsv(await Deno.readTextFile(`${dir}/requests.csv`));
    const batches = parseBatchesCsv(await Deno.readTextFile(`${dir}/batches.csv`));
    assert.deepEqual(requests.skipped, []);
    assert.deepEqual(batches.skipped, []);
    const sizes = batches.records.reduce((n, b) => n + b.size, 0);
    assert.equal(requests.records.length, sizes);
    assert.ok(batches.records.length > 0);
    const run = JSON.parse(await Deno.readTextFile(`${dir}/run.json`));
    assert.equal(run.status, "running");
  });
});

Deno.test("buffer rejects bad flags with one line and exit code 2", async () => {
  for (
    const [args, pattern] of [
      [["--batch_size", "0"], /--batch_size must be an integer > 0/],
      [["--aws", "--endpoint", "http://127.0.0.1:1"], /--aws and --endpoint exclude each other/],
      [["--bogus"], /Unknown option '--bogus'/],
    ] as [string[], RegExp][]
  ) {
    const out = await buffer(args).output();
    const err = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 2, err);
    assert.match(err, pattern);
    assert.equal(err.trim().split("\n").length, 1);
  }
});

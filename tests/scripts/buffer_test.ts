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

Deno.test("buffer --adaptive rejects bad adaptive flags with one line and exit code 2", async () => {
  for (
    const [args, pattern] of [
      [["--window", "0"], /--window must be a number > 0: found '0'/],
      [["--slo", "x"], /--slo must be a number > 0: found 'x'/],
      [["--rate_margin", "1"], /--rate_margin must be a number within \[0, 1\): found '1'/],
      [["--rate-margin", ""], /--rate_margin must be a number within \[0, 1\): found ''/],
      [
        ["--grid-memory", "3008:1280:64"],
        /Cannot read --grid_memory '3008:1280:64': hi is below lo/,
      ],
      [["--grid_memory", "1280.5"], /--grid_memory must hold integers from 128 to 10240 MB/],
      [["--grid_timeout", "0.1:x"], /Cannot read --grid_timeout '0.1:x': 'x' is not a number/],
      [["--grid_batch", "0:4"], /Cannot use --grid_batch 0: it must be within 1..1000/],
      [["--window"], /Option '--window <value>' argument missing/],
    ] as [string[], RegExp][]
  ) {
    const out = await buffer(["--adaptive", ...args]).output();
    const err = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 2, err);
    assert.match(err, pattern);
    assert.equal(err.trim().split("\n").length, 1, err);
  }
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
    assert.equal(summary.prediction, undefined);
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

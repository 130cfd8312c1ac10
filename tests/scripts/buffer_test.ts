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

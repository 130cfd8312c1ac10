import assert from "node:assert/strict";
import { runScript } from "./_run_script.ts";

const simulate = (...args: string[]) => runScript("simulate", ...args);

Deno.test("simulate --format json prints the documented summary, the same for the same seed", async () => {
  const args = ["--inter_arrival", "40", "--requests", "20000", "--seed", "3", "--format", "json"];
  const a = await simulate(...args), b = await simulate(...args);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(a.stderr, "");
  const doc = JSON.parse(a.stdout);
  assert.deepEqual(Object.keys(doc), [
    "requests",
    "batches",
    "meanBatchSize",
    "latencySec",
    "costPerRequestUsd",
    "elapsedSec",
  ]);
  assert.deepEqual(Object.keys(doc.latencySec), ["p50", "p95", "p99", "mean"]);
  assert.equal(doc.requests, 20000);
  const other = JSON.parse(b.stdout);
  delete doc.elapsedSec;
  delete other.elapsedSec;
  assert.deepEqual(other, doc);
  // buffer.py's defaults: B = 5, T = 1 s; at 40/s a batch almost always fills: E[K] near 5.
  assert.ok(doc.meanBatchSize > 4.9 && doc.meanBatchSize <= 5);
});

Deno.test("simulate --out writes requests.csv, batches.csv and run.json", async () => {
  const dir = await Deno.makeTempDir();
  const r = await simulate(
    "--arrival_process",
    "map",
    "--trace",
    "nys",
    "--hour",
    "3",
    "--batch-size",
    "4",
    "--time-out",
    "0.2",
    "--duration",
    "60",
    "--out",
    dir,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /exact model/);
  const requests = (await Deno.readTextFile(`${dir}/requests.csv`)).trim().split("\n");
  const batches = (await Deno.readTextFile(`${dir}/batches.csv`)).trim().split("\n");
  assert.equal(
    requests[0],
    "request_id,arrival_sec,dispatch_sec,completion_sec,latency_sec,batch_id,batch_size,status,error",
  );
  assert.equal(
    batches[0],
    "batch_id,size,first_arrival_sec,deadline_sec,dispatch_sec,dispatch_reason,completion_sec," +
      "latency_sec,duration_ms,billed_duration_ms,init_duration_ms,memory_size_mb," +
      "max_memory_used_mb,client_wait_ms,cost_usd,status,error",
  );
  const run = JSON.parse(await Deno.readTextFile(`${dir}/run.json`));
  assert.equal(run.status, "done");
  assert.equal(run.summary.requests, requests.length - 1);
  assert.equal(run.summary.batches, batches.length - 1);
  // Every request appears once, in a batch whose size matches the number of its requests.
  const sizes = new Map<string, number>();
  for (const line of requests.slice(1)) {
    const f = line.split(",");
    sizes.set(f[5], (sizes.get(f[5]) ?? 0) + 1);
  }
  for (const line of batches.slice(1)) {
    const f = line.split(",");
    assert.equal(sizes.get(f[0]), Number(f[1]));
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("simulate rejects bad flags with one line and exit code 2", async () => {
  const cases: [string[], RegExp][] = [
    [["--bogus"], /Unknown option '--bogus'/],
    [["--batch_size", "0"], /--batch_size must be an integer > 0: found '0'/],
    [["--time_out=-1"], /--time_out must be a number > 0: found '-1'/],
    [["--time_out", "-1"], /--time_out must be a number > 0: found '-1'/],
    [["--arrival_process", "weird"], /--arrival_process must be one of exp, map, trace, day/],
    [["--arrival_process", "map"], /needs --map D0,D1 or --trace NAME --hour H/],
    [["--arrival_process", "trace", "--trace_path", "/nonexistent"], /nonexistent/],
    [["--memory", "99999"], /Cannot evaluate profile 'TF-inceptionV4' at memory 99999 MB/],
    [["--format", "yaml"], /--format must be table or json: found 'yaml'/],
    [["--adaptive", "--rate_margin", "1"], /--rate_margin must be within \[0, 1\): found '1'/],
    [["--adaptive", "--window", "0"], /--window must be a number > 0: found '0'/],
    [["--adaptive", "--grid_batch", "0:2:1"], /--batch/],
  ];
  for (const [args, pattern] of cases) {
    const r = await simulate(...args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, pattern);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  }
});

Deno.test("simulate --adaptive re-optimizes every window and logs its decisions", async () => {
  // Poisson 40/s for 300 s, 60 s windows, starting unbatched: windows ending at
  // 60, 120, 180 and 240 s are decided (the last one ends with the run).
  const r = await simulate(
    "--adaptive",
    "--window",
    "60",
    "--duration",
    "300",
    "--inter_arrival",
    "40",
    "--model",
    "TF-resnetV2",
    "--batch_size",
    "1",
    "--time_out",
    "0.01",
    "--grid_memory",
    "2048:3008:480",
    "--grid_timeout",
    "0.05,0.2,0.4",
    "--grid_batch",
    "1,3,6",
    "--format",
    "json",
  );
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.adaptive.windows, 4);
  assert.deepEqual(
    out.adaptive.decisions.map((d: { endSec: number }) => d.endSec),
    [
      60,
      120,
      180,
      240,
    ].map((t) => t + out.adaptive.decisions[0].startSec),
  );
  // Batching pays at 40/s: the first decision leaves B = 1, and the run's mean
  // batch size shows it.
  assert.equal(out.adaptive.decisions[0].changed, true);
  assert.ok(out.adaptive.decisions[0].config.maxBatch > 1);
  assert.ok(out.meanBatchSize > 1.5, `${out.meanBatchSize}`);
  for (const d of out.adaptive.decisions) {
    assert.ok(Math.abs(d.fitted.ratePerSec / 40 - 1) < 0.1, `${d.fitted.ratePerSec}`);
    assert.ok(d.worstLatencySec <= 5);
  }
});

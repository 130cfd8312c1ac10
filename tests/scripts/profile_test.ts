import assert from "node:assert/strict";
import { startLocalLambdaServer } from "../../lib/lambda/http_server.ts";
import { LocalLambda } from "../../lib/lambda/local_lambda.ts";
import { parseSweepCsv, sweepCsvHeader } from "../../lib/profile/sweep_csv.ts";
import { sweepSamples } from "../../lib/profile/profile_sweep.ts";
import {
  profileFromJson,
  publishedProfile,
  serviceTimeSec,
} from "../../lib/profile/service_profile.ts";
import { seededPrng } from "../../lib/random/prng.ts";
import { type BadCase, checkBadCases, checkHelp, runCli } from "./_cli_table.ts";
import { ROOT, withTempDir } from "./_run_script.ts";

/** The permissions of `deno task profile`. */
const PERMISSIONS = ["--allow-read", "--allow-write", "--allow-net", "--allow-env", "--allow-sys"];

const profile = (args: string[], env: Record<string, string> = {}) =>
  runCli("profile", args, { permissions: PERMISSIONS, env });

Deno.test("profile against the in-process local Lambda recovers the published S(k, m), and solve takes the profile", async () => {
  await withTempDir(async (dir) => {
    const r = await profile([
      "--model",
      "TF-inceptionV4",
      "--time-scale",
      "1000",
      "--memory",
      "1280:3008:192",
      "--batch",
      "1,2,4,8,12,16,20",
      "--repeat",
      "2",
      "--out",
      `${dir}/inception.json`,
      "--chart",
      `${dir}/inception.svg`,
      "--format",
      "json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    const out = JSON.parse(r.stdout);
    assert.equal(out.sweep.made, out.sweep.planned);
    assert.equal(out.sweep.made, 10 * (1 + 7 + 14));
    assert.equal(out.sweep.failed, 0);
    assert.equal(out.sweep.warmMeasurements, 10 * 7 * 2);
    const doc = JSON.parse(await Deno.readTextFile(`${dir}/inception.json`));
    assert.deepEqual(doc, out.profile);
    assert.deepEqual(doc.memoryRangeMb, [1280, 3008]);
    assert.deepEqual(doc.batchRange, [1, 20]);
    // The function is deterministic: every warm Duration equals its cell's
    // mean, so the profile (gamma by default) has no variability, and says why.
    assert.equal(doc.variability, undefined);
    assert.equal(doc.fit.variability.deterministic, true);
    assert.equal(out.variability, "deterministic: every warm duration equals its cell's mean");
    // The in-process Lambda's cold start, 0.25 s, at every memory.
    assert.equal(doc.measurements.coldStarts.length, 10);
    assert.ok(
      doc.measurements.coldStarts.every((c: { meanInitSec: number }) => c.meanInitSec === 0.25),
    );
    // The fitted S(k, m) against the published one over the swept range, off
    // the grid too: the REPORT lines round Duration to 0.01 ms, so the fit is
    // within 1e-5 relative (the acceptance asks a few %).
    const fitted = profileFromJson(doc, { source: "inception.json" });
    const published = publishedProfile("TF-inceptionV4");
    let worst = 0;
    for (let m = 1280; m <= 3008; m += 64) {
      for (let k = 1; k <= 20; k++) {
        const want = serviceTimeSec(published, k, m);
        worst = Math.max(worst, Math.abs(serviceTimeSec(fitted, k, m) / want - 1));
      }
    }
    assert.ok(worst < 1e-5, `worst relative error ${worst}`);
    assert.ok(out.batching.pays);
    // Against batch size, one line per memory, the cheapest cell named, no Plot warning.
    const svg = await Deno.readTextFile(`${dir}/inception.svg`);
    assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
    assert.match(svg, /cost per request and p95 Duration, by batch size/);
    assert.match(svg, /cheapest: k = \d+ at \d+ MB, /);
    assert.match(svg, />batch size k \(requests\) →</);
    assert.ok(!svg.includes("⚠"));
    // The CSV holds every invocation.
    const log = parseSweepCsv(await Deno.readTextFile(`${dir}/inception.csv`));
    assert.deepEqual(log.skipped, []);
    assert.equal(log.records.length, out.sweep.made);
    // solve takes it as --model: exit 0 (or 1: no compliant configuration), never 2.
    const solve = await runCli("solve", ["--model", `${dir}/inception.json`, "--hour", "8"], {
      permissions: ["--allow-read"],
    });
    assert.ok(solve.code === 0 || solve.code === 1, `solve: exit ${solve.code}\n${solve.stderr}`);
    assert.match(solve.stdout, /^ {3}8 /m);
  });
});

Deno.test("profile of a function taking a + b k with noise: recovers a and b within 5 %, its held-out error matches fresh samples", async () => {
  await withTempDir(async (dir) => {
    // A function whose batch of k takes 0.2 + 0.05 k s, with lognormal noise
    // of CV 5 %, served by the in-process local Lambda from a JSON profile.
    const a = 0.2, b = 0.05;
    await Deno.writeTextFile(
      `${dir}/linear.json`,
      JSON.stringify({
        name: "linear",
        terms: ["1", "k"],
        coefficients: [a, b],
        memoryRangeMb: [1024, 3008],
        batchRange: [1, 32],
      }),
    );
    const sweep = (seed: number, name: string) =>
      profile([
        "--model",
        `${dir}/linear.json`,
        "--function-name",
        "linear",
        "--service-cv",
        "0.05",
        "--seed",
        String(seed),
        "--time-scale",
        "1000",
        "--memory",
        "1024:3008:496",
        "--batch",
        "1,2,4,8,16,32",
        "--repeat",
        "8",
        "--out",
        `${dir}/${name}.json`,
        "--format",
        "json",
      ]);
    const first = await sweep(3, "first");
    assert.equal(first.code, 0, first.stderr);
    const doc = JSON.parse(first.stdout).profile;
    assert.deepEqual(doc.terms, ["1", "k"]);
    const [fa, fb] = doc.coefficients;
    assert.ok(Math.abs(fa / a - 1) < 0.05, `a = ${fa}`);
    assert.ok(Math.abs(fb / b - 1) < 0.05, `b = ${fb}`);
    // Fresh samples: the same sweep with another seed. The first fit's error
    // on them is what its held-out error claimed, within 15 %.
    const second = await sweep(4, "second");
    assert.equal(second.code, 0, second.stderr);
    const fresh = sweepSamples(parseSweepCsv(await Deno.readTextFile(`${dir}/second.csv`)).records)
      .warm;
    const fitted = profileFromJson(doc);
    const rmse = Math.sqrt(
      fresh.reduce(
        (s, x) => s + (x.durationSec - serviceTimeSec(fitted, x.batch, x.memoryMb)) ** 2,
        0,
      ) /
        fresh.length,
    );
    assert.ok(
      Math.abs(doc.fit.heldOutRmseSec / rmse - 1) < 0.15,
      `held out ${doc.fit.heldOutRmseSec} s, fresh ${rmse} s`,
    );
  });
});

Deno.test("profile --service-cv 0.2: the profile's lognormal CVs per batch size are near 0.2; empirical and none from the same CSV", async () => {
  await withTempDir(async (dir) => {
    // A function taking 0.2 + 0.05 k s with lognormal jitter of CV 0.2 (seed
    // 5), 5 memories x 2 batch sizes x 80 repeats: 395 degrees of freedom per
    // batch size, 790 for both. The standard error of a CV from df degrees of
    // freedom is about cv sqrt((kurtosis - 1) / df) / 2 (delta method; the
    // lognormal's kurtosis at CV 0.2 is 3.66): 4.1 % per batch size, 2.9 %
    // for both. Tolerance 4 standard errors: 16 % and 12 %.
    await Deno.writeTextFile(
      `${dir}/linear.json`,
      JSON.stringify({
        name: "linear",
        terms: ["1", "k"],
        coefficients: [0.2, 0.05],
        memoryRangeMb: [1024, 3008],
        batchRange: [1, 32],
      }),
    );
    const args = [
      "--model",
      `${dir}/linear.json`,
      "--function-name",
      "linear",
      "--service-cv",
      "0.2",
      "--seed",
      "5",
      "--time-scale",
      "1000",
      "--memory",
      "1024:3008:496",
      "--batch",
      "1,8",
      "--repeat",
      "80",
      "--log",
      `${dir}/linear.csv`,
    ];
    const r = await profile([
      ...args,
      "--variability",
      "lognormal",
      "--out",
      `${dir}/lognormal.json`,
      "--format",
      "json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    const doc = JSON.parse(await Deno.readTextFile(`${dir}/lognormal.json`));
    assert.deepEqual(doc, out.profile);
    assert.equal(doc.variability.distribution, "lognormal");
    assert.deepEqual(doc.variability.cv.batches, [1, 8]);
    const kurtosis = 1.04 ** 4 + 2 * 1.04 ** 3 + 3 * 1.04 ** 2 - 3;
    const se = (df: number) => Math.sqrt((kurtosis - 1) / df) / 2;
    for (const cv of doc.variability.cv.cvs) {
      assert.ok(Math.abs(cv / 0.2 - 1) < 4 * se(5 * 79), `CV ${cv}`);
    }
    const pooled = Math.sqrt(
      doc.variability.cv.cvs.reduce((a: number, c: number) => a + c * c, 0) / 2,
    );
    assert.ok(Math.abs(pooled / 0.2 - 1) < 4 * se(2 * 5 * 79), `pooled CV ${pooled}`);
    assert.deepEqual(
      [doc.fit.variability.samples, doc.fit.variability.cells, doc.fit.variability.leftOut],
      [800, 10, 0],
    );
    assert.match(
      out.variability,
      /^lognormal, CV per batch size 0\.\d+\.\.0\.\d+, from 800 warm durations as ratios to their cell's mean, pooled over 5 memories \(10 cells\)$/,
    );
    // The written profile drives the model: solve takes it.
    const solve = await runCli("solve", [
      "--model",
      `${dir}/lognormal.json`,
      "--hour",
      "8",
      "--grid-batch",
      "1:8",
      "--grid-memory",
      "1024:3008:992",
    ], { permissions: ["--allow-read"] });
    assert.ok(solve.code === 0 || solve.code === 1, `solve: exit ${solve.code}\n${solve.stderr}`);
    assert.match(solve.stdout, /\(lognormal, CV per batch size /);
    // The same measurements again (--resume: nothing invoked), as empirical
    // ratios in CSV: the fitted CV per row is the ratios' own.
    const csv = await profile([
      ...args,
      "--resume",
      "--variability",
      "empirical",
      "--out",
      `${dir}/empirical.json`,
      "--format",
      "csv",
    ]);
    assert.equal(csv.code, 0, csv.stderr);
    const lines = csv.stdout.trim().split("\n");
    assert.match(lines[0], /,fitted_cv$/);
    const empirical = JSON.parse(await Deno.readTextFile(`${dir}/empirical.json`));
    assert.deepEqual(empirical.variability.batches, [1, 8]);
    for (const [i, row] of empirical.variability.ratios.entries()) {
      assert.equal(row.length, 400);
      const mean = row.reduce((a: number, x: number) => a + x, 0) / row.length;
      assert.ok(Math.abs(mean - 1) < 1e-12, `mean ratio ${mean}`);
      // The population CV of the ratios is the pooled CV times sqrt(df / n) = sqrt(395 / 400).
      const cv = Math.sqrt(row.reduce((a: number, x: number) => a + (x - 1) ** 2, 0) / 400);
      assert.ok(Math.abs(cv / (doc.variability.cv.cvs[i] * Math.sqrt(395 / 400)) - 1) < 1e-9);
      const fitted = lines.slice(1).filter((l) => l.split(",")[1] === String([1, 8][i]))
        .map((l) => Number(l.split(",").at(-1)));
      assert.equal(fitted.length, 5);
      for (const f of fitted) assert.ok(Math.abs(f / cv - 1) < 1e-9, `fitted_cv ${f} vs ${cv}`);
    }
    // --variability none: the profile as before issue 13, the table says so.
    const none = await profile([
      ...args,
      "--resume",
      "--variability",
      "none",
      "--out",
      `${dir}/none.json`,
    ]);
    assert.equal(none.code, 0, none.stderr);
    assert.match(none.stdout, /^variability: deterministic \(--variability none\)$/m);
    const plain = JSON.parse(await Deno.readTextFile(`${dir}/none.json`));
    assert.equal("variability" in plain, false);
    assert.equal("variability" in plain.fit, false);
    assert.deepEqual(
      { ...doc, variability: undefined, fit: { ...doc.fit, variability: undefined } },
      { ...plain, variability: undefined, fit: { ...plain.fit, variability: undefined } },
    );
  });
});

Deno.test("profile --function-code: a handler computing for a + b k ms is recovered within 5 %", async () => {
  await withTempDir(async (dir) => {
    // tests/testdata/handlers/linear_time.mjs: a = 100 ms, b = 10 ms, timed for
    // real in the local Lambda's Workers.
    const a = 0.1, b = 0.01;
    const r = await profile([
      "--function-code",
      "tests/testdata/handlers/linear_time.mjs",
      "--function-name",
      "linear",
      "--memory",
      "1024,3008",
      "--batch",
      "1,2,4,8",
      "--repeat",
      "3",
      "--out",
      `${dir}/linear.json`,
      "--format",
      "json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const { profile: doc, sweep } = JSON.parse(r.stdout);
    assert.equal(sweep.failed, 0);
    assert.match(sweep.target, /in-process/);
    // a and b read off the fit whatever terms it chose: S(1) and the slope to S(8).
    const fitted = profileFromJson(doc);
    for (const m of [1024, 3008]) {
      const slope = (serviceTimeSec(fitted, 8, m) - serviceTimeSec(fitted, 1, m)) / 7;
      const intercept = serviceTimeSec(fitted, 1, m) - slope;
      assert.ok(Math.abs(intercept / a - 1) < 0.05, `a = ${intercept} s at ${m} MB`);
      assert.ok(Math.abs(slope / b - 1) < 0.05, `b = ${slope} s at ${m} MB`);
    }
    // Cold starts load the module in a new Worker: an Init Duration at each memory.
    assert.deepEqual(doc.measurements.coldStarts.map((c: { memoryMb: number }) => c.memoryMb), [
      1024,
      3008,
    ]);
    assert.ok(doc.measurements.coldStarts.every((c: { meanInitSec: number }) => c.meanInitSec > 0));
  });
});

Deno.test("profile --resume goes on from its CSV: complete cells are not measured again", async () => {
  await withTempDir(async (dir) => {
    const args = [
      "--time-scale",
      "1000",
      "--memory",
      "1280,2048,3008",
      "--batch",
      "1,4,16",
      "--repeat",
      "2",
      "--out",
      `${dir}/p.json`,
      "--format",
      "json",
    ];
    const full = await profile(args);
    assert.equal(full.code, 0, full.stderr);
    const made = JSON.parse(full.stdout).sweep.made; // 3 x (1 + 3 + 6) = 30
    assert.equal(made, 30);
    // Keep the first memory and part of the second, as a stopped run would leave them.
    const lines = (await Deno.readTextFile(`${dir}/p.csv`)).split("\n");
    await Deno.writeTextFile(`${dir}/p.csv`, lines.slice(0, 1 + 10 + 8).join("\n") + "\n");
    const again = await profile([...args, "--resume"]);
    assert.equal(again.code, 0, again.stderr);
    const sweep = JSON.parse(again.stdout).sweep;
    // 1280 MB complete; at 2048 MB (a cold start, 3 warm-ups, then k = 1, 4, 16, 1)
    // batch size 1 has its 2 measurements, 4 and 16 one each.
    assert.equal(sweep.completeCellsBefore, 3 + 1);
    assert.equal(sweep.made, (1 + 2 + 2) + (1 + 3 + 6));
    assert.equal(sweep.warmMeasurements, 18);
    // A third run with everything there invokes nothing and fits the same profile.
    const third = await profile([...args, "--resume"]);
    assert.equal(third.code, 0, third.stderr);
    const t = JSON.parse(third.stdout);
    assert.equal(t.sweep.made, 0);
    assert.deepEqual(t.profile.terms, JSON.parse(again.stdout).profile.terms);
  });
});

Deno.test("profile stops on SIGINT with every completed invocation in its CSV, and exits 130", async () => {
  await withTempDir(async (dir) => {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        ...PERMISSIONS,
        "scripts/profile.ts",
        "--time-scale",
        "20",
        "--out",
        `${dir}/p.json`,
      ],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn();
    const csv = `${dir}/p.csv`;
    for (let i = 0; i < 200; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const text = await Deno.readTextFile(csv).catch(() => "");
      if (text.split("\n").length > 4) break;
    }
    child.kill("SIGINT");
    const out = await child.output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 130, stderr);
    assert.match(stderr, /run again with --resume to go on/);
    const { records, skipped } = parseSweepCsv(await Deno.readTextFile(csv));
    assert.deepEqual(skipped, []);
    assert.ok(records.length >= 3);
    assert.equal(records[0].phase, "cold");
    assert.ok(!(await Deno.stat(`${dir}/p.json`).then(() => true, () => false)));
  });
});

Deno.test("profile --aws runs the same code against AWS (the local Lambda on loopback standing in), with --logs", async () => {
  const lambda = new LocalLambda({
    profileFor: publishedProfile,
    prng: seededPrng(5),
    timeScale: 1000,
  });
  lambda.createFunction({
    FunctionName: "resnet",
    MemorySize: 3008,
    Timeout: 900,
    Environment: { Variables: { MODEL: "TF-resnetV2" } },
  });
  const server = startLocalLambdaServer(lambda);
  try {
    await withTempDir(async (dir) => {
      const env = {
        // The AWS SDK's service-specific endpoints: --aws is otherwise untouched.
        AWS_ENDPOINT_URL_LAMBDA: server.url,
        AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: server.url,
        AWS_ACCESS_KEY_ID: "local",
        AWS_SECRET_ACCESS_KEY: "local",
      };
      const r = await profile([
        "--aws",
        "--function-name",
        "resnet",
        "--memory",
        "1280,2048,3008",
        "--batch",
        "1,2,4,8,16",
        "--repeat",
        "2",
        "--logs",
        "--out",
        `${dir}/resnet.json`,
      ], env);
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stdout,
        /^Profile of resnet on AWS Lambda in us-east-1: 3 memories x 5 batch sizes x 2 repeats/,
      );
      assert.match(
        r.stdout,
        /CloudWatch Logs cross-check: 48 of 48 REPORT lines found, every figure equal/,
      );
      assert.match(
        r.stdout,
        /cold starts \(Init Duration\): 1280 MB 250 ms, 2048 MB 250 ms, 3008 MB 250 ms/,
      );
      assert.match(
        r.stdout,
        /^variability: deterministic: every warm duration equals its cell's mean$/m,
      );
      const fitted = profileFromJson(JSON.parse(await Deno.readTextFile(`${dir}/resnet.json`)));
      const want = serviceTimeSec(publishedProfile("TF-resnetV2"), 8, 2048);
      assert.ok(Math.abs(serviceTimeSec(fitted, 8, 2048) / want - 1) < 1e-4);
      // A function AWS does not have: one line, exit 2.
      const missing = await profile(
        ["--aws", "--function-name", "nope", "--out", `${dir}/n.json`],
        env,
      );
      assert.equal(missing.code, 2);
      assert.equal(
        missing.stderr.trim(),
        "profile: there is no function 'nope' to profile (AWS Lambda in us-east-1)",
      );
    });
  } finally {
    await server.close();
  }
});

Deno.test("profile --help states the defaults and exit codes", async () => {
  const help = await checkHelp("profile", { permissions: PERMISSIONS });
  assert.match(help.stdout, /--memory RANGE/);
  assert.match(help.stdout, /--resume/);
});

Deno.test("profile refuses bad command lines in one line, exit 2", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/taken.csv`, sweepCsvHeader() + "\n");
    await Deno.writeTextFile(`${dir}/other.csv`, "a,b\n1,2\n");
    const cases: BadCase[] = [
      { kind: "unknown flag", args: ["--no-such"], message: /Unknown option '--no-such'/ },
      { kind: "missing value", args: ["--memory"], message: /--memory/ },
      {
        kind: "not a number",
        args: ["--repeat", "x"],
        message: /--repeat must be a number: found 'x'/,
      },
      {
        kind: "out of range",
        args: ["--repeat", "0"],
        message: /--repeat must be an integer within 1\.\.100000: found '0'/,
      },
      {
        kind: "out of range",
        what: "memory below Lambda's",
        args: ["--memory", "64,1280"],
        message: /--memory 64 MB: it must be within 128\.\.10240 MB/,
      },
      {
        kind: "out of range",
        args: ["--time_scale", "0"],
        message: /--time_scale must be a number > 0: found '0'/,
      },
      {
        kind: "out of range",
        args: ["--max-degree", "9"],
        message: /--max-degree must be an integer within 0\.\.8: found '9'/,
      },
      {
        kind: "out of range",
        what: "outside the profile",
        args: ["--memory", "1024:3008:256"],
        message:
          /--memory 1024 MB is outside the 1280\.\.3008 MB profile 'TF-inceptionV4' was fitted on: sweep within it, or pass --extrapolate/,
      },
      {
        kind: "out of range",
        what: "batch outside the profile",
        args: ["--batch", "1,32"],
        message: /--batch 32 is outside the batch sizes 1\.\.20 profile 'TF-inceptionV4'/,
      },
      {
        kind: "bad value",
        args: ["--format", "xml"],
        message: /--format must be one of table, json, csv: found 'xml'/,
      },
      {
        kind: "bad value",
        args: ["--variability", "normal"],
        message: /--variability must be one of gamma, lognormal, empirical, none: found 'normal'/,
      },
      {
        kind: "ignored combination",
        args: ["--variability", "empirical", "--repeat", "1"],
        message:
          /--variability empirical needs --repeat 2 or more: one warm measurement per cell shows no spread/,
      },
      {
        kind: "bad value",
        args: ["--pricing", "free"],
        message: /--pricing must be one of paper, /,
      },
      { kind: "bad value", args: ["--batch", "1.5"], message: /'1\.5' is not an integer/ },
      { kind: "bad value", args: ["--memory", "3008:1280"], message: /hi is below lo/ },
      {
        kind: "bad value",
        args: ["--function-name", "a b"],
        message: /--function-name must be a Lambda function name .*: found 'a b'/,
      },
      {
        kind: "conflicting flags",
        args: ["--aws", "--endpoint", "http://127.0.0.1:9"],
        message: /--aws and --endpoint exclude each other/,
      },
      {
        kind: "conflicting flags",
        args: ["--out", `${dir}/x.csv`, "--log", `${dir}/x.csv`],
        message: /--log and --out must be different files/,
      },
      {
        kind: "ignored combination",
        args: ["--aws", "--time-scale", "10"],
        message: /--time-scale is for the in-process local Lambda: it does nothing with --aws/,
      },
      {
        kind: "ignored combination",
        args: ["--endpoint", "http://example.com", "--model", "TF-resnetV2"],
        message: /--model does nothing with --endpoint/,
      },
      {
        kind: "ignored combination",
        args: ["--region", "eu-west-1"],
        message: /--region needs --aws or --endpoint/,
      },
      {
        kind: "ignored combination",
        args: ["--extrapolate"],
        message: /--extrapolate does nothing: the sweep lies within the 1280\.\.3008 MB/,
      },
      {
        kind: "ignored combination",
        args: ["--function-code", "tests/testdata/handlers/linear_time.mjs", "--time-scale", "10"],
        message:
          /--time-scale does nothing with --function-code: it applies to a function that follows a profile/,
      },
      {
        kind: "ignored combination",
        args: ["--cpu-model", "memory-share"],
        message: /--cpu-model needs --function-code/,
      },
      {
        kind: "ignored combination",
        args: ["--aws", "--code", "tests/testdata/handlers/linear_time.mjs"],
        message: /--code is for the in-process local Lambda: it does nothing with --aws/,
      },
      {
        kind: "bad value",
        args: ["--function-code", "tests/testdata/handlers/linear_time.mjs", "--cpu-model", "fast"],
        message: /--cpu-model must be one of host, memory-share: found 'fast'/,
      },
      {
        kind: "bad file",
        args: ["--function-code", `${dir}/missing.mjs`],
        message: /--function-code .*missing\.mjs is not a file: give a handler module/,
      },
      {
        kind: "bad file",
        what: "a chart path that is a directory",
        args: ["--out", `${dir}/c.json`, "--chart", dir],
        message: /--chart .* is a directory: give the path of a file to write/,
      },
      {
        kind: "bad file",
        what: "a --log whose directory is a file",
        args: ["--out", `${dir}/l.json`, "--log", `${dir}/taken.csv/l.csv`],
        message: /--log .*taken\.csv\/l\.csv: a part of the path is a file, not a directory/,
      },
      {
        kind: "bad file",
        what: "an --out whose directory is a file",
        args: ["--out", `${dir}/taken.csv/p.json`],
        message: /--out .*taken\.csv\/p\.json: a part of the path is a file, not a directory/,
      },
      {
        kind: "bad file",
        args: ["--model", `${dir}/missing.json`],
        message: /Cannot find model '.*missing\.json'/,
      },
      {
        kind: "bad file",
        what: "a log that exists",
        args: ["--log", `${dir}/taken.csv`, "--out", `${dir}/p.json`],
        message: /--log .*taken\.csv exists already: pass --resume to continue that sweep/,
      },
      {
        kind: "bad file",
        what: "not a sweep's log",
        args: ["--log", `${dir}/other.csv`, "--out", `${dir}/p.json`, "--resume"],
        message: /Cannot resume from .*other\.csv: it is not a sweep's CSV file/,
      },
      {
        kind: "bad value",
        what: "an endpoint nobody listens at",
        args: ["--endpoint", "http://127.0.0.1:9", "--out", `${dir}/e.json`],
        message: /cannot reach the Lambda API at http:\/\/127\.0\.0\.1:9: connection refused/,
      },
    ];
    await checkBadCases("profile", "profile", cases, { permissions: PERMISSIONS, parallel: 6 });
  });
});

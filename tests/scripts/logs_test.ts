import assert from "node:assert/strict";
import { CreateFunctionCommand, InvokeCommand } from "@aws-sdk/client-lambda";
import { seededPrng } from "../../lib/random/prng.ts";
import { parseTimeFlag } from "../../scripts/logs.ts";
import { type BadCase, checkBadCases, checkHelp, runCli } from "./_cli_table.ts";

const PERMISSIONS = ["--allow-read", "--allow-net", "--allow-env", "--allow-sys"];
import { setUpLocalLambda } from "../lambda/_local_lambda.ts";

Deno.test("logs fetches a function's REPORT lines from the local Lambda with the paginator", async () => {
  const { server, client } = setUpLocalLambda({ prng: seededPrng(4), timeScale: 1000 });
  try {
    await client.send(
      new CreateFunctionCommand({
        FunctionName: "g",
        Role: "r",
        Code: { ZipFile: new Uint8Array([0]) },
      }),
    );
    for (let i = 1; i <= 4; i++) {
      await client.send(
        new InvokeCommand({
          FunctionName: "g",
          Payload: new TextEncoder().encode(`{"batch_size": ${i}}`),
        }),
      );
    }
    const logs = (...args: string[]) =>
      runCli("logs", [...args, "--endpoint", server.url, "--filter", "REPORT", "--since", "5m"], {
        permissions: PERMISSIONS,
      });
    // --format reports is csv's old name; --function and --function_name are --function-name.
    const out = await logs("--function", "g", "--format", "reports");
    const stdout = out.stdout;
    assert.equal(out.code, 0, out.stderr);
    const lines = stdout.trim().split("\n");
    assert.equal(
      lines[0],
      "request_id,duration_ms,billed_duration_ms,memory_size_mb,max_memory_used_mb,init_duration_ms",
    );
    assert.equal(lines.length, 5);
    // Durations grow with the batch size (S(k, 128 MB) of TF-inceptionV4, extrapolated).
    const durations = lines.slice(1).map((l) => Number(l.split(",")[1]));
    for (let i = 1; i < 4; i++) assert.ok(durations[i] > durations[i - 1]);
    for (const spelling of ["--function-name", "--function_name"]) {
      const csv = await logs(spelling, "g", "--format", "csv");
      assert.equal(csv.code, 0, csv.stderr);
      assert.equal(csv.stdout, stdout, spelling);
    }
    const table = await logs("--function-name", "g", "--format", "table");
    assert.equal(table.code, 0, table.stderr);
    const rows = table.stdout.trim().split("\n");
    assert.match(
      rows[0],
      /^request id +duration \(ms\) +billed \(ms\) +memory \(MB\) +max used \(MB\) +init \(ms\)$/,
    );
    assert.equal(rows.length, 6);
    assert.match(rows[5], /^4 REPORT lines, [0-4] cold starts?$/);
    for (const [i, row] of rows.slice(1, 5).entries()) {
      const fields = lines[i + 1].split(",");
      assert.ok(row.startsWith(fields[0]), row);
      assert.ok(row.includes(` ${fields[1]} `), row);
    }
    const json = JSON.parse((await logs("--function", "g", "--format", "json")).stdout);
    assert.equal(json.reports.length, 4);
    assert.deepEqual(json.reports.map((r: { durationMs: number }) => r.durationMs), durations);
  } finally {
    client.destroy();
    await server.close();
  }
});

Deno.test("logs refuses bad command lines in one line with exit code 2, before any request", async () => {
  const local = ["--function-name", "f", "--endpoint", "http://127.0.0.1:9"];
  const cases: BadCase[] = [
    { kind: "unknown flag", args: ["--bogus"], message: /Unknown option '--bogus'/ },
    { kind: "missing value", args: ["--function"], message: /'--function/ },
    {
      kind: "required flag",
      args: ["--endpoint", "http://127.0.0.1:9"],
      message: /--function-name NAME is required/,
    },
    {
      kind: "required flag",
      what: "no source",
      args: ["--function", "f"],
      message: /give --endpoint URL \(a local Lambda\) or --aws/,
    },
    {
      kind: "bad value",
      what: "not a time",
      args: [...local, "--since", "yesterday"],
      message: /--since must be an ISO time, epoch ms or a duration like 15m: found 'yesterday'/,
    },
    {
      kind: "out of range",
      what: "an empty range",
      args: [...local, "--since", "1h", "--until", "2h"],
      message: /--until 2h is before --since 1h: the range would be empty/,
    },
    {
      kind: "bad value",
      what: "bad format",
      args: [...local, "--format", "xml"],
      message: /--format must be one of lines, table, csv, json, reports: found 'xml'/,
    },
    {
      kind: "conflicting flags",
      what: "conflicting sources",
      args: ["--function", "f", "--aws", "--endpoint", "http://127.0.0.1:9"],
      message: /--aws and --endpoint exclude each other/,
    },
    {
      kind: "ignored combination",
      args: [...local, "--region", "eu-west-1"],
      message: /--region is for --aws: --endpoint http:\/\/127\.0\.0\.1:9 has no region/,
    },
  ];
  assert.equal(await checkBadCases("logs", "logs", cases, { permissions: PERMISSIONS }), 9);
});

Deno.test("logs --help documents --function-name, the formats and the exit codes", async () => {
  const help = await checkHelp("logs", { permissions: PERMISSIONS });
  for (
    const text of ["--function-name NAME", "also --function", "table:", "csv:", "json:", "lines:"]
  ) {
    assert.ok(help.stdout.includes(text), text);
  }
  assert.match(help.stdout, /Exit codes: 0 fetched/);
});

Deno.test("parseTimeFlag() reads durations back from now, epoch ms and ISO times", () => {
  const now = 1_700_000_000_000;
  assert.equal(parseTimeFlag("since", "15m", now), now - 900_000);
  assert.equal(parseTimeFlag("since", "2h", now), now - 7_200_000);
  assert.equal(parseTimeFlag("since", "1699999999000", now), 1_699_999_999_000);
  assert.equal(parseTimeFlag("since", "2023-11-14T22:13:20Z", now), now);
  assert.throws(() => parseTimeFlag("since", "yesterday", now), {
    name: "UsageError",
    message: "--since must be an ISO time, epoch ms or a duration like 15m: found 'yesterday'",
  });
});

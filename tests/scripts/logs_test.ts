import assert from "node:assert/strict";
import { CreateFunctionCommand, InvokeCommand } from "@aws-sdk/client-lambda";
import { seededPrng } from "../../lib/random/prng.ts";
import { parseTimeFlag } from "../../scripts/logs.ts";
import { ROOT } from "./_run_script.ts";
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
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-read",
        "--allow-net",
        "--allow-env",
        "--allow-sys",
        "scripts/logs.ts",
        "--function",
        "g",
        "--endpoint",
        server.url,
        "--filter",
        "REPORT",
        "--format",
        "reports",
        "--since",
        "5m",
      ],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const lines = stdout.trim().split("\n");
    assert.equal(
      lines[0],
      "request_id,duration_ms,billed_duration_ms,memory_size_mb,max_memory_used_mb,init_duration_ms",
    );
    assert.equal(lines.length, 5);
    // Durations grow with the batch size (S(k, 128 MB) of TF-inceptionV4, extrapolated).
    const durations = lines.slice(1).map((l) => Number(l.split(",")[1]));
    for (let i = 1; i < 4; i++) assert.ok(durations[i] > durations[i - 1]);
  } finally {
    client.destroy();
    await server.close();
  }
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

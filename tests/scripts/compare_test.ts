import assert from "node:assert/strict";
import { ROOT, withTempDir } from "./_run_script.ts";

function compare(...args: string[]) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-env", "--allow-ffi", "scripts/compare.ts", ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
}

Deno.test("deno task compare --format json: every policy, every hour", async () => {
  await withTempDir(async (dir) => {
    // A two-hour trace: NYS hours 1 and 2.
    for (const h of [1, 2]) {
      for (const m of ["D0", "D1"]) {
        await Deno.copyFile(`${ROOT}traces/nys/MAP${h}_${m}`, `${dir}/MAP${h}_${m}`);
      }
    }
    const out = await compare(
      "--trace",
      dir,
      "--memory",
      "2048:3008:480",
      "--timeout",
      "0.1,0.4",
      "--batch",
      "1,3,6",
      "--format",
      "json",
    );
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const report = JSON.parse(new TextDecoder().decode(out.stdout));
    assert.equal(report.policies.length, 6);
    for (const p of report.policies) {
      assert.deepEqual(
        Object.keys(p).slice(0, 4),
        ["name", "costPerRequestUsd", "hoursViolated", "hoursInfeasibleViolated"],
      );
      assert.ok(p.costPerRequestUsd > 0);
      assert.deepEqual(p.hours.map((h: { hour: number }) => h.hour), [1, 2]);
      for (const h of p.hours) assert.ok(h.p95Sec > 0 && h.costPerRequestUsd > 0);
    }
    const adaptive = report.policies.find((p: { name: string }) =>
      p.name.startsWith("BATCH adaptive")
    );
    assert.equal(adaptive.decisions.length, 1);
    assert.equal(typeof adaptive.decisions[0].reason, "string");
  });
});

Deno.test("deno task compare rejects bad flags with one line and exit code 2", async () => {
  for (
    const args of [["--slo", "0"], ["--rate-margin", "1"], ["--trace", "nowhere"], ["--bogus"]]
  ) {
    const out = await compare(...args);
    assert.equal(out.code, 2, args.join(" "));
    const err = new TextDecoder().decode(out.stderr).trim();
    assert.equal(err.split("\n").length, 1, err);
  }
});

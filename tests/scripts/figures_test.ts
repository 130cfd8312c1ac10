import assert from "node:assert/strict";
import { ROOT, withTempDir } from "./_run_script.ts";

function figures(...args: string[]) {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-ffi",
      "--allow-sys",
      "scripts/figures.ts",
      ...args,
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
}

Deno.test("deno task figures writes SVG, PNG and an index naming the paper figures", async () => {
  await withTempDir(async (dir) => {
    const out = await figures(
      "--out",
      dir,
      "--only",
      "fig01_10_hourly_rates,fig04_service_time",
      "--scale",
      "1",
      "--format",
      "json",
    );
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const report = JSON.parse(new TextDecoder().decode(out.stdout));
    assert.deepEqual(report.figures.map((f: { id: string }) => f.id), [
      "fig01_10_hourly_rates",
      "fig04_service_time",
    ]);
    for (const id of ["fig01_10_hourly_rates", "fig04_service_time"]) {
      const svg = await Deno.readTextFile(`${dir}/${id}.svg`);
      assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="640"/);
      const png = await Deno.readFile(`${dir}/${id}.png`);
      assert.deepEqual([...png.subarray(1, 4)], [80, 78, 71]); // "PNG"
      // IHDR width at scale 1: the SVG's 640 px.
      assert.equal(new DataView(png.buffer, png.byteOffset).getUint32(16), 640);
    }
    const index = await Deno.readTextFile(`${dir}/index.md`);
    assert.match(
      index,
      /\| \[fig01_10_hourly_rates\.png\]\(fig01_10_hourly_rates\.png\) .*\| Figs\. 1 and 10 \|/,
    );
    assert.match(index, /\| Fig\. 4 \| Service time of a batch/);
  });
});

Deno.test("deno task figures rejects an unknown figure with one line and exit code 2", async () => {
  const out = await figures("--only", "fig99", "--out", "/nonexistent/never");
  assert.equal(out.code, 2);
  const err = new TextDecoder().decode(out.stderr).trim();
  assert.equal(err.split("\n").length, 1, err);
  assert.match(err, /no figure 'fig99'/);
});

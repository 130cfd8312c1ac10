import assert from "node:assert/strict";
import { ROOT, withTempDir } from "./_run_script.ts";
import { type BadCase, checkBadCases, checkHelp } from "./_cli_table.ts";

const PERMISSIONS = [
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-ffi",
  "--allow-sys",
];

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

Deno.test("deno task figures --only keeps the other figures' entries in index.md", async () => {
  await withTempDir(async (dir) => {
    const run = async (...args: string[]) => {
      const out = await figures("--out", dir, "--scale", "0.5", ...args);
      const dec = new TextDecoder();
      assert.equal(out.code, 0, dec.decode(out.stderr));
      return dec.decode(out.stdout);
    };
    const rows = async () =>
      (await Deno.readTextFile(`${dir}/index.md`)).split("\n").filter((l) => l.startsWith("| ["));
    const first = await run("--only", "fig04_service_time");
    assert.match(first, new RegExp(`\\n1 figure in ${dir} \\(index: ${dir}/index\\.md\\)\\n$`));
    await run("--only", "fig01_10_hourly_rates", "--format", "csv");
    // Both entries, in the paper's order, though the second run drew one figure.
    assert.deepEqual((await rows()).map((r) => r.slice(0, r.indexOf(".png"))), [
      "| [fig01_10_hourly_rates",
      "| [fig04_service_time",
    ]);
    // An entry whose files are gone is dropped at the next run.
    await Deno.remove(`${dir}/fig01_10_hourly_rates.png`);
    const csv = await run("--only", "fig04_service_time", "--format", "csv");
    assert.equal(
      csv,
      "id,paper_figure,png,svg\n" +
        `fig04_service_time,Fig. 4,${dir}/fig04_service_time.png,${dir}/fig04_service_time.svg\n`,
    );
    assert.equal((await rows()).length, 1);
  });
});

Deno.test("deno task figures refuses bad command lines in one line with exit code 2", async () => {
  await withTempDir(async (dir) => {
    const file = `${dir}/file`;
    await Deno.writeTextFile(file, "");
    const cases: BadCase[] = [
      { kind: "unknown flag", args: ["--bogus"], message: /Unknown option '--bogus'/ },
      { kind: "missing value", args: ["--scale"], message: /'--scale/ },
      {
        kind: "not a number",
        args: ["--scale", "x"],
        message: /--scale must be a number: found 'x'/,
      },
      {
        kind: "not a number",
        what: "hexadecimal",
        args: ["--scale", "0x2"],
        message: /--scale must be a number: found '0x2'/,
      },
      {
        kind: "out of range",
        args: ["--scale", "9"],
        message: /--scale must be a number within \(0, 8\]: found '9'/,
      },
      {
        kind: "out of range",
        args: ["--scale", "-1"],
        message: /--scale must be a number within \(0, 8\]: found '-1'/,
      },
      {
        kind: "bad value",
        what: "unknown figure",
        args: ["--only", "fig99", "--out", "/nonexistent/never"],
        message: /--only: no figure 'fig99' \(there are: fig01_10_hourly_rates, /,
      },
      {
        kind: "bad value",
        what: "empty list item",
        args: ["--only", "fig04_service_time,"],
        message: /--only: no figure ''/,
      },
      {
        kind: "bad value",
        what: "bad format",
        args: ["--format", "xml"],
        message: /--format must be one of table, json, csv: found 'xml'/,
      },
      {
        kind: "bad file",
        what: "a file as --out",
        args: ["--out", file, "--only", "fig04_service_time"],
        message:
          /--out .*file is a file: give a directory \(created if missing\), or move the file away/,
      },
    ];
    assert.equal(
      await checkBadCases("figures", "figures", cases, { permissions: PERMISSIONS }),
      10,
    );
  });
});

Deno.test("deno task figures --help lists the flags, the figures and the exit codes", async () => {
  const help = await checkHelp("figures", { permissions: PERMISSIONS });
  for (const flag of ["--out DIR", "--only ID", "--scale X", "table, json or csv"]) {
    assert.ok(help.stdout.includes(flag), flag);
  }
  assert.match(help.stdout, /Figures: fig01_10_hourly_rates, /);
});

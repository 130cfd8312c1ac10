import assert from "node:assert/strict";
import {
  hourFlag,
  hourListFlag,
  numberFlag,
  numberInRange,
  oneOfFlag,
  parseFlags,
} from "../../lib/cli/flags.ts";

const OPTIONS = {
  "rate-margin": { type: "string" },
  batch_size: { type: "string" },
  "cost-slo": { type: "string" },
  slo: { type: "string" },
  adaptive: { type: "boolean" },
} as const;

Deno.test("parseFlags() takes every flag in snake_case or kebab-case, whichever way the options spell it", () => {
  for (
    const [args, typed] of [
      [["--rate-margin", "0.1", "--batch-size", "4"], ["--rate-margin", "--batch-size"]],
      [["--rate_margin", "0.1", "--batch_size", "4"], ["--rate_margin", "--batch_size"]],
      [["--rate_margin=0.1", "--batch-size=4"], ["--rate_margin", "--batch-size"]],
    ]
  ) {
    const r = parseFlags({ args, options: OPTIONS, strict: true });
    assert.deepEqual({ ...r.values }, { "rate-margin": "0.1", batch_size: "4" });
    assert.deepEqual([r.typed["rate-margin"], r.typed.batch_size], typed);
  }
});

Deno.test("parseFlags() maps aliases to their option and remembers the alias typed", () => {
  const r = parseFlags({
    args: ["--budget", "3e-5", "--adaptive"],
    options: OPTIONS,
    aliases: { budget: "cost-slo" },
    strict: true,
  });
  assert.deepEqual({ ...r.values }, { "cost-slo": "3e-5", adaptive: true });
  assert.equal(r.typed["cost-slo"], "--budget");
});

Deno.test("parseFlags() takes a negative number after a flag as its value, not as a flag", () => {
  const r = parseFlags({ args: ["--slo", "-1", "--rate-margin", "-.5"], options: OPTIONS });
  assert.deepEqual({ ...r.values }, { slo: "-1", "rate-margin": "-.5" });
  // A boolean flag takes no value: the next token stays what it is.
  assert.throws(
    () => parseFlags({ args: ["--adaptive", "-1"], options: OPTIONS, strict: true }),
    { name: "UsageError", message: /Unknown option '-1'/ },
  );
});

Deno.test("parseFlags() reports unknown flags and missing values in one line", () => {
  assert.throws(() => parseFlags({ args: ["--bogus"], options: OPTIONS, strict: true }), {
    name: "UsageError",
    message: /^Unknown option '--bogus'/,
  });
  assert.throws(() => parseFlags({ args: ["--slo"], options: OPTIONS, strict: true }), {
    name: "UsageError",
    message: /^Option '--slo <value>' argument missing$/,
  });
  // The flag as typed, not the option's name.
  assert.throws(() => parseFlags({ args: ["--rate_margin"], options: OPTIONS, strict: true }), {
    name: "UsageError",
    message: /^Option '--rate_margin <value>' argument missing$/,
  });
});

Deno.test("numberFlag() refuses hexadecimal, octal and binary forms and takes exponents", () => {
  assert.equal(numberFlag("slo", "3e-5"), 3e-5);
  assert.equal(numberFlag("slo", "-2.5"), -2.5);
  assert.equal(numberFlag("slo", ".5"), 0.5);
  for (const text of ["0x10", "0o7", "0b1", "", " ", "1,5", "Infinity", "NaN", "5s"]) {
    assert.throws(() => numberFlag("slo", text), {
      name: "UsageError",
      message: `--slo must be a number: found '${text}'`,
    });
  }
});

Deno.test("numberInRange() says the range and the unit", () => {
  const cases: [string, Parameters<typeof numberInRange>[2], string][] = [
    ["0", { min: 128, max: 10240, integer: true, unit: "MB" }, "an integer within 128..10240 MB"],
    ["1.5", { min: 1, integer: true }, "an integer >= 1"],
    ["0", { min: 0, minExclusive: true, unit: "s" }, "a number > 0 s"],
    ["1", { min: 0, max: 1, minExclusive: true, maxExclusive: true }, "a number within (0, 1)"],
    ["2", { max: 1 }, "a number <= 1"],
  ];
  for (const [text, range, what] of cases) {
    assert.throws(() => numberInRange("x", text, range), {
      name: "UsageError",
      message: `--x must be ${what}: found '${text}'`,
    });
  }
  assert.equal(numberInRange("--x", "0.5", { min: 0, max: 1, minExclusive: true }), 0.5);
});

Deno.test("hourFlag() takes hours 1..24 and says the convention otherwise", () => {
  assert.equal(hourFlag("start", "1"), 1);
  assert.equal(hourFlag("--end", "24"), 24);
  for (const text of ["0", "25", "1.5", "0x3", "eight", ""]) {
    assert.throws(() => hourFlag("--start", text), {
      name: "UsageError",
      message: `--start must be an hour within 1..24 (hour h covers h-1..h): found '${text}'`,
    });
  }
});

Deno.test("oneOfFlag() names the flag as typed when given with its dashes", () => {
  assert.throws(() => oneOfFlag("--latency_objective", "p99", ["worst", "mean"]), {
    name: "UsageError",
    message: "--latency_objective must be one of worst, mean: found 'p99'",
  });
});

Deno.test("hourListFlag() reads hours and ranges in any mix and names the bad item", () => {
  assert.deepEqual(hourListFlag("hour", "8"), [8]);
  assert.deepEqual(hourListFlag("hour", "1:24").length, 24);
  assert.deepEqual(hourListFlag("hour", "24,1:2,2"), [1, 2, 24]);
  const bad: [string, string][] = [
    ["0", "found '0'"],
    ["25", "found '25'"],
    ["1.5", "found '1.5'"],
    ["0x1", "found '0x1'"],
    ["1,", "found '' in '1,'"],
    ["1:2:3", "found '1:2:3'"],
    ["5:2", "found '5:2' (the range ends before it starts)"],
  ];
  for (const [text, found] of bad) {
    assert.throws(() => hourListFlag("--traces", text), {
      name: "UsageError",
      message: "--traces must be hours within 1..24 (hour h covers h-1..h), as a list such as " +
        `1,8 or a range such as 1:24: ${found}`,
    }, text);
  }
});

Deno.test("parseFlags() with positionals allowed says an unknown flag in one clean sentence", () => {
  assert.throws(
    () =>
      parseFlags({
        args: ["x", "--bogus"],
        options: OPTIONS,
        strict: true,
        allowPositionals: true,
      }),
    { name: "UsageError", message: "Unknown option '--bogus'" },
  );
});

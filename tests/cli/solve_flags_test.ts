import assert from "node:assert/strict";
import { parseArgs } from "node:util";
import { checkSolveFlags, SOLVE_FLAG_OPTIONS } from "../../lib/cli/solve_flags.ts";

const parse = (...args: string[]) =>
  checkSolveFlags(parseArgs({ args, options: SOLVE_FLAG_OPTIONS, strict: true }).values);

Deno.test("checkSolveFlags(): solver.py's defaults, a 5 s SLO unless told", () => {
  assert.deepEqual(parse(), {
    model: "TF-inceptionV4",
    percentile: 0.95,
    constraint: "latency",
    slo: 5,
    trace: "twitter",
    start: undefined,
    end: undefined,
    method: "exact",
    pricing: "paper",
    memory: "1280:3008:64",
    timeout: "0.01:0.49:0.01",
    batch: "20:20:1",
    extrapolate: false,
  });
  const cost = parse("--constraint", "cost", "--slo", "3e-5", "--start", "2", "--end", "4");
  assert.equal(cost.slo, 3e-5);
  assert.deepEqual([cost.start, cost.end], [2, 4]);
});

Deno.test("checkSolveFlags() names the flag and the value it refuses", () => {
  const cases: [string[], RegExp][] = [
    [["--constraint", "cost"], /--slo \(USD per request\) is required with --constraint cost/],
    [["--percentile", "1"], /--percentile must be within \(0, 1\): found 1/],
    [["--slo", "0"], /--slo must be > 0: found 0/],
    [["--start", "0"], /--start must be an hour >= 1: found 0/],
    [["--start", "5", "--end", "3"], /--end \(3\) must not be before --start \(5\)/],
    [["--method", "magic"], /--method must be one of exact, paper: found 'magic'/],
  ];
  for (const [args, pattern] of cases) assert.throws(() => parse(...args), pattern, args.join(" "));
});

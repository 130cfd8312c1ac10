import assert from "node:assert/strict";
import { parseFlags } from "../../lib/cli/flags.ts";
import {
  checkProfileOnGrid,
  checkSolveFlags,
  readModelFlag,
  readSelectedHours,
  SOLVE_FLAG_ALIASES,
  SOLVE_FLAG_OPTIONS,
} from "../../lib/cli/solve_flags.ts";
import { publishedProfile } from "../../lib/profile/service_profile.ts";

const parse = (...args: string[]) => {
  const { values, typed } = parseFlags({
    args,
    options: SOLVE_FLAG_OPTIONS,
    aliases: SOLVE_FLAG_ALIASES,
    strict: true,
  });
  return checkSolveFlags(values, typed);
};

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
    grid: {
      memoriesMb: Array.from({ length: 28 }, (_, i) => 1280 + 64 * i),
      // As NumPy's arange(0.01, 0.5, 0.01) makes them (see lib/optimize/grid.ts).
      timeoutsSec: parse().grid.timeoutsSec,
      maxBatches: [20],
    },
    extrapolate: false,
    typed: {},
  });
  assert.equal(parse().grid.timeoutsSec.length, 49);
  const cost = parse("--constraint", "cost", "--slo", "3e-5", "--start", "2", "--end", "4");
  assert.equal(cost.slo, 3e-5);
  assert.deepEqual([cost.start, cost.end], [2, 4]);
});

Deno.test("checkSolveFlags(): --hour H is --start H --end H", () => {
  const one = parse("--hour", "8");
  assert.deepEqual([one.start, one.end], [8, 8]);
});

Deno.test("checkSolveFlags(): the grid flags under their names, solver.py's and both spellings", () => {
  for (
    const args of [
      ["--grid-memory", "2048,3008", "--grid-timeout", "0.1", "--grid-batch", "1:4"],
      ["--grid_memory", "2048,3008", "--grid_timeout", "0.1", "--grid_batch", "1:4"],
      ["--memory", "2048,3008", "--timeout", "0.1", "--batch", "1:4"],
    ]
  ) {
    assert.deepEqual(parse(...args).grid, {
      memoriesMb: [2048, 3008],
      timeoutsSec: [0.1],
      maxBatches: [1, 2, 3, 4],
    });
  }
});

Deno.test("checkSolveFlags() names the flag as typed, the range and the value it refuses", () => {
  const cases: [string[], string][] = [
    [["--constraint", "cost"], "--slo (USD per request) is required with --constraint cost"],
    [["--percentile", "1"], "--percentile must be a number within (0, 1): found '1'"],
    [["--percentile", "0x1"], "--percentile must be a number: found '0x1'"],
    [["--slo", "0"], "--slo must be a number > 0 s: found '0'"],
    [["--slo", "-1"], "--slo must be a number > 0 s: found '-1'"],
    [
      ["--constraint", "cost", "--slo", "-1e-5"],
      "--slo must be a number > 0 USD per request: found '-1e-5'",
    ],
    [["--start", "0"], "--start must be an hour within 1..24 (hour h covers h-1..h): found '0'"],
    [["--hour", "25"], "--hour must be an hour within 1..24 (hour h covers h-1..h): found '25'"],
    [["--hour", "3", "--end", "4"], "--hour selects one hour: give it or --end, not both"],
    [["--start", "5", "--end", "3"], "--end (3) must not be before --start (5)"],
    [["--method", "magic"], "--method must be one of exact, paper: found 'magic'"],
    [["--Method=magic"], "Unknown option '--Method'"],
    [["--memory", "0"], "Cannot use --memory 0 MB: it must be within 128..10240 MB"],
    [["--grid_batch", "0:4"], "Cannot use --grid_batch 0: it must be within 1..1000"],
    [["--timeout", "0.5:0.1"], "Cannot read --timeout '0.5:0.1': hi is below lo"],
  ];
  for (const [args, message] of cases) {
    assert.throws(() => parse(...args), { name: "UsageError", message }, args.join(" "));
  }
});

Deno.test("checkProfileOnGrid() refuses a grid outside the profile's range without --extrapolate", () => {
  const profile = publishedProfile("TF-resnetV2");
  const flags = parse("--memory", "1024,2048", "--batch", "1:32", "--extrapolate");
  checkProfileOnGrid(profile, flags);
  assert.throws(() => checkProfileOnGrid(profile, { ...flags, extrapolate: false }), {
    name: "UsageError",
    message: "--memory 1024 MB is outside the 1280..3008 MB profile 'TF-resnetV2' was fitted " +
      "on: narrow --memory or add --extrapolate",
  });
  assert.throws(
    () => checkProfileOnGrid(profile, { ...parse("--grid-batch", "32"), extrapolate: false }),
    {
      name: "UsageError",
      message: "--grid-batch 32 is beyond the batches 1..20 profile 'TF-resnetV2' was fitted " +
        "on: narrow --grid-batch or add --extrapolate",
    },
  );
});

Deno.test("checkProfileOnGrid() refuses --extrapolate where the grid needs none", () => {
  assert.throws(
    () =>
      checkProfileOnGrid(
        publishedProfile("TF-resnetV2"),
        parse("--batch", "1:20", "--extrapolate"),
      ),
    {
      name: "UsageError",
      message: "--extrapolate does nothing here: the grid lies within the 1280..3008 MB and " +
        "batches 1..20 profile 'TF-resnetV2' was fitted on",
    },
  );
});

Deno.test("checkProfileOnGrid() names the profile, memory and batch of a negative service time", () => {
  // TF-resnetV2's published polynomial at 8000 MB, batch 1: -31.75 s (evaluated
  // with serviceTimeSec and extrapolate).
  const flags = parse("--memory", "3008,8000", "--batch", "4", "--extrapolate");
  assert.throws(() => checkProfileOnGrid(publishedProfile("TF-resnetV2"), flags), {
    name: "RangeError",
    message:
      /^profile 'TF-resnetV2' gives a service time of -31\.75 s at memory 8000 MB and batch 1, outside the 1280\.\.3008 MB/,
  });
});

Deno.test("readSelectedHours() and readModelFlag() name the flag and the path of a bad file", async () => {
  await assert.rejects(readSelectedHours(parse("--trace", "README.md")), {
    name: "UsageError",
    message: "--trace README.md is not a directory: expected twitter, nys or a directory of " +
      "MAP<h>_D0 and MAP<h>_D1 files",
  });
  await assert.rejects(readSelectedHours(parse("--trace", "no/such/dir")), {
    name: "UsageError",
    message: "--trace: Cannot read the MAPs as the directory no/such/dir does not exist",
  });
  await assert.rejects(readModelFlag(parse("--model", "lib")), {
    name: "UsageError",
    message: "--model lib is a directory: expected TF-inceptionV4, TF-resnetV2, mxnet-resnet50 " +
      "or a JSON profile file",
  });
  const hours = await readSelectedHours(parse("--trace", "nys", "--start", "23"));
  assert.deepEqual(hours.map((h) => h.hour), [23, 24]);
});

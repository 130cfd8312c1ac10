/**
 * `--function-code PATH` and `--cpu-model host|memory-share`, as `deno task
 * profile` and `deno task buffer` take them: the in-process local Lambda
 * runs a handler module in its Workers instead of following a profile, with
 * the flags of a profile-driven function refused beside it and `--cpu-model`
 * refused without it.
 *
 * @module
 */

import { CPU_MODELS, type CpuModel } from "../lambda/cpu_model.ts";
import { flagAsTyped, oneOfFlag } from "./flags.ts";
import { UsageError } from "./usage_error.ts";

/** Flag values as `parseFlags` returns them. */
type FlagValues = Record<string, string | boolean | undefined>;

/** The two flags as `parseFlags` options (`--code` is an alias some tasks give `--function-code`). */
export const FUNCTION_CODE_FLAG_OPTIONS = {
  "function-code": { type: "string" },
  "cpu-model": { type: "string" },
} as const;

/** The two flags, checked. */
export interface FunctionCodeFlags {
  /** The handler module (a file), when given. */
  functionCode: string | undefined;
  /** How a function with code's Duration follows its memory. */
  cpuModel: CpuModel;
}

/** Why a profile-driven function's flag does nothing beside `--function-code`, unless a task says better. */
const _PROFILE_ONLY_REASON =
  "it applies to a function that follows a profile, not one that runs code";

/**
 * Checks `--function-code` (a file) and `--cpu-model`.
 *
 * @param v The values, as `parseFlags` returns them.
 * @param typed How each flag was typed, for messages.
 * @param profileOnly The task's flags that do nothing with `--function-code`,
 *   each with the reason (an empty string: the general one).
 * @returns The handler module, if given, and the CPU model (`host` by default).
 * @throws {UsageError} On a flag of `profileOnly` with `--function-code`, a
 *   path that is not a file, an unknown CPU model, or `--cpu-model` without
 *   `--function-code`; the flags named as typed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const flags = checkFunctionCodeFlags({ "function-code": "tests/testdata/handlers/busy.mjs" }, {}, {});
 * assert.deepEqual(flags, { functionCode: "tests/testdata/handlers/busy.mjs", cpuModel: "host" });
 * assert.throws(
 *   () =>
 *     checkFunctionCodeFlags(
 *       { "function-code": "tests/testdata/handlers/busy.mjs", "time-scale": "10" },
 *       { "time-scale": "--time_scale" },
 *       { "time-scale": "handler code runs in real time" },
 *     ),
 *   { message: "--time_scale does nothing with --function-code: handler code runs in real time" },
 * );
 * ```
 */
export function checkFunctionCodeFlags(
  v: FlagValues,
  typed: Record<string, string>,
  profileOnly: Readonly<Record<string, string>>,
): FunctionCodeFlags {
  const name = (n: string) => flagAsTyped(typed, n);
  const functionCode = v["function-code"] === undefined ? undefined : String(v["function-code"]);
  if (functionCode !== undefined) {
    const given = Object.keys(profileOnly).find((n) => v[n] !== undefined);
    if (given !== undefined) {
      throw new UsageError(
        `${name(given)} does nothing with ${name("function-code")}: ${
          profileOnly[given] || _PROFILE_ONLY_REASON
        }`,
      );
    }
    let file = false;
    try {
      file = Deno.statSync(functionCode).isFile;
    } catch {
      // said below
    }
    if (!file) {
      throw new UsageError(
        `${name("function-code")} ${functionCode} is not a file: give a handler module ` +
          "(.mjs, .js or .ts exporting handler)",
      );
    }
  } else if (v["cpu-model"] !== undefined) {
    throw new UsageError(
      `${name("cpu-model")} needs ${name("function-code")}: it sets how a function with code's ` +
        "Duration follows its memory (a profile already depends on memory)",
    );
  }
  return {
    functionCode,
    cpuModel: v["cpu-model"] === undefined
      ? "host"
      : oneOfFlag(name("cpu-model"), String(v["cpu-model"]), CPU_MODELS),
  };
}

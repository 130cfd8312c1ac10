/**
 * Where a task's function runs, as `deno task buffer` and `deno task profile`
 * take it: the in-process local Lambda (the default), a Lambda API at
 * `--endpoint`, or AWS (`--aws`). The in-process Lambda's own flags are
 * refused elsewhere, and `--region` without either.
 *
 * @module
 */

import { UsageError } from "./usage_error.ts";

/** Where the function runs, checked. */
export interface FunctionTarget {
  aws: boolean;
  endpoint: string | undefined;
  /** Neither `--aws` nor `--endpoint`: the in-process local Lambda. */
  inProcess: boolean;
  /** `--aws` or `--endpoint` as typed, for messages (undefined in process). */
  where: string | undefined;
}

/**
 * Checks `--aws`, `--endpoint`, `--region` and the in-process Lambda's own flags.
 *
 * @param v The values, as `parseFlags` returns them.
 * @param name A flag as the user typed it.
 * @param inProcessOnly The flags that apply to the in-process Lambda only.
 * @returns Where the function runs.
 * @throws {UsageError} On `--aws` with `--endpoint`, an in-process flag with
 *   either, or `--region` with neither.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const name = (n: string) => `--${n}`;
 * assert.deepEqual(checkFunctionTarget({}, name, ["time-scale"]), {
 *   aws: false,
 *   endpoint: undefined,
 *   inProcess: true,
 *   where: undefined,
 * });
 * assert.throws(
 *   () => checkFunctionTarget({ aws: true, "time-scale": "10" }, name, ["time-scale"]),
 *   { message: "--time-scale is for the in-process local Lambda: it does nothing with --aws" },
 * );
 * ```
 */
export function checkFunctionTarget(
  v: Record<string, string | boolean | undefined>,
  name: (n: string) => string,
  inProcessOnly: readonly string[],
): FunctionTarget {
  const aws = Boolean(v.aws);
  const endpoint = v.endpoint === undefined ? undefined : String(v.endpoint);
  if (aws && endpoint !== undefined) {
    throw new UsageError(`${name("aws")} and ${name("endpoint")} exclude each other`);
  }
  const inProcess = !aws && endpoint === undefined;
  if (inProcess) {
    if (v.region !== undefined) {
      throw new UsageError(
        `${name("region")} needs --aws or --endpoint: the in-process local Lambda has no region`,
      );
    }
    return { aws, endpoint, inProcess, where: undefined };
  }
  const where = aws ? name("aws") : name("endpoint");
  const given = inProcessOnly.find((n) => v[n] !== undefined);
  if (given !== undefined) {
    throw new UsageError(
      `${name(given)} is for the in-process local Lambda: it does nothing with ${where}`,
    );
  }
  return { aws, endpoint, inProcess, where };
}

/**
 * What every CLI of the project shares: flag parsing that turns mistakes into
 * a {@linkcode UsageError} of one line, number flags, and the rule for which
 * errors are the user's (one line on stderr, exit code 2) rather than bugs.
 *
 * @module
 */

import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "./usage_error.ts";

/**
 * `node:util`'s `parseArgs` with its errors turned into one-line
 * {@linkcode UsageError}s (pass `strict: true` to reject unknown flags).
 *
 * @throws {UsageError} On an unknown flag or a flag without its value.
 */
export function parseFlags<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\s*\n\s*/g, " "));
  }
}

/**
 * Accepts `--kebab-case` for every `--snake_case` flag (buffer.py's flags are
 * snake_case): rewrites each `--name` or `--name=value` to snake case.
 */
export function snakeCaseFlags(args: readonly string[]): string[] {
  return args.map((a) =>
    a.startsWith("--") ? "--" + a.slice(2).replace(/^[^=]+/, (n) => n.replaceAll("-", "_")) : a
  );
}

/**
 * A flag's value as a finite number (`undefined` stays `undefined`).
 *
 * @throws {UsageError} If the text is not a finite number.
 */
export function numberFlag(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (text.trim() === "" || !Number.isFinite(v)) {
    throw new UsageError(`--${name} must be a number: found '${text}'`);
  }
  return v;
}

/**
 * Whether an error is the user's doing (a bad flag, file or value), to be
 * reported in one line with exit code 2, rather than a bug.
 */
export function isUserError(e: unknown): e is Error {
  return e instanceof UsageError || e instanceof RangeError || e instanceof TypeError ||
    e instanceof SyntaxError || e instanceof Deno.errors.NotFound ||
    e instanceof Deno.errors.PermissionDenied || e instanceof Deno.errors.IsADirectory ||
    e instanceof Deno.errors.NotADirectory || e instanceof Deno.errors.AlreadyExists;
}

/**
 * Prints a user error as `command: message` on stderr and returns exit code 2;
 * rethrows anything else.
 */
export function reportUserError(command: string, e: unknown): number {
  if (!isUserError(e)) throw e;
  const hint = e instanceof UsageError ? " (see --help)" : "";
  console.error(`${command}: ${e.message}${hint}`);
  return 2;
}

/**
 * A flag whose value is one of a list (compared without case).
 *
 * @param name The flag, without dashes.
 * @param text The value given.
 * @param allowed The values allowed, as spelled in the result.
 * @returns The allowed value matched.
 * @throws {UsageError} Naming the flag, the allowed values and what was given.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(oneOfFlag("method", "Exact", ["exact", "paper"] as const), "exact");
 * assert.throws(() => oneOfFlag("method", "x", ["exact", "paper"]), /--method must be one of exact, paper: found 'x'/);
 * ```
 */
export function oneOfFlag<T extends string>(name: string, text: string, allowed: readonly T[]): T {
  const found = allowed.find((a) => a.toLowerCase() === text.toLowerCase());
  if (found === undefined) {
    throw new UsageError(`--${name} must be one of ${allowed.join(", ")}: found '${text}'`);
  }
  return found;
}

/**
 * What every CLI of the project shares: flag parsing that turns mistakes into
 * a {@linkcode UsageError} of one line, number flags, and the rule for which
 * errors are the user's (one line on stderr, exit code 2) rather than bugs.
 *
 * @module
 */

import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "./usage_error.ts";

/** A flag's spelling with `-` and `_` the same, as every task accepts it. */
function _normal(name: string): string {
  return name.replaceAll("_", "-");
}

/** A decimal number, as flags take them (no hex, octal or binary; exponents allowed). */
const _DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** What {@linkcode parseFlags} adds to `parseArgs`'s result. */
export interface FlagsTyped {
  /**
   * Each flag given, by its option name, as the user typed it (`--batch_size`,
   * `--batch-size` or an alias), so messages name it in the user's words.
   */
  typed: Record<string, string>;
}

/** Options of {@linkcode parseFlags}: `parseArgs`'s, plus aliases. */
export type FlagsConfig = ParseArgsConfig & {
  /**
   * Other names of options (solver.py's and buffer.py's where ours differ,
   * older names): alias to option name, both without dashes.
   */
  aliases?: Record<string, string>;
};

/**
 * `node:util`'s `parseArgs` in the project's one vocabulary: every flag may be
 * written `--snake_case` or `--kebab-case` whichever way the options spell it,
 * aliases stand for their option, a negative number is a value
 * (`--slo -1` reaches the range check instead of being taken for a flag), and
 * errors are one-line {@linkcode UsageError}s (pass `strict: true` to reject
 * unknown flags).
 *
 * @param config `parseArgs`'s configuration and the aliases.
 * @returns `parseArgs`'s result and how each flag given was typed.
 * @throws {UsageError} On an unknown flag or a flag without its value,
 *   naming the flag as typed.
 *
 * @example Both spellings and an alias
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const { values, typed } = parseFlags({
 *   args: ["--rate_margin", "0.1", "--budget=3e-5", "--slo", "-1"],
 *   options: {
 *     "rate-margin": { type: "string" },
 *     slo: { type: "string" },
 *     "cost-slo": { type: "string" },
 *   },
 *   aliases: { budget: "cost-slo" },
 *   strict: true,
 * });
 * assert.deepEqual({ ...values }, { "rate-margin": "0.1", "cost-slo": "3e-5", slo: "-1" });
 * assert.equal(typed["rate-margin"], "--rate_margin");
 * assert.equal(typed["cost-slo"], "--budget");
 * ```
 */
export function parseFlags<T extends FlagsConfig>(
  config: T,
): ReturnType<typeof parseArgs<T>> & FlagsTyped {
  const { aliases = {}, ...rest } = config;
  const options = (rest.options ?? {}) as Record<string, { type: string; short?: string }>;
  // Every spelling (option names and aliases, either separator) to its option.
  const names = new Map<string, string>();
  for (const name of Object.keys(options)) names.set(_normal(name), name);
  for (const [alias, name] of Object.entries(aliases)) names.set(_normal(alias), name);
  const typed: Record<string, string> = {};
  const args: string[] = [];
  const given = rest.args ?? [];
  for (let i = 0; i < given.length; i++) {
    const a = given[i];
    if (a === "--") {
      args.push(...given.slice(i));
      break;
    }
    const m = /^--([^=]+)(=.*)?$/.exec(a);
    const name = m ? names.get(_normal(m[1])) : undefined;
    if (!m || name === undefined) {
      args.push(a);
      continue;
    }
    typed[name] = `--${m[1]}`;
    args.push(`--${name}${m[2] ?? ""}`);
    // A negative number after a flag that takes a value is that value.
    const next = given[i + 1];
    if (
      m[2] === undefined && options[name]?.type === "string" && next !== undefined &&
      /^-[\d.]/.test(next)
    ) {
      args[args.length - 1] += `=${next}`;
      i++;
    }
  }
  try {
    // Through `unknown`: with @types/node 26 in the npm graph (a dependency of
    // @tensorflow/tfjs, nsfwjs's peer), TypeScript no longer sees this spread as a T.
    return { ...parseArgs({ ...rest, args } as unknown as T), typed };
  } catch (e) {
    let message = (e as Error).message.replace(/\s*\n\s*/g, " ")
      // With positionals allowed, parseArgs adds advice on '--' whose quote it never closes.
      .replace(/^(Unknown option '[^']*')\. To specify a positional argument.*$/, "$1");
    // parseArgs names the option; the user should read the flag as typed.
    for (const [name, t] of Object.entries(typed)) {
      message = message.replaceAll(`'--${name} `, `'${t} `).replaceAll(`'--${name}'`, `'${t}'`);
    }
    throw new UsageError(message);
  }
}

/**
 * The flag as the user typed it, else `--name`.
 *
 * @param typed What {@linkcode parseFlags} returned as `typed`.
 * @param name The option's name.
 */
export function flagAsTyped(typed: Record<string, string> | undefined, name: string): string {
  return typed?.[name] ?? `--${name}`;
}

/**
 * A flag's value as a finite decimal number (`undefined` stays `undefined`).
 * Hexadecimal, octal and binary forms (`0x10`) are refused: `Number()` would
 * take `0x10` for 16.
 *
 * @param name The flag, without dashes, or as typed (with them).
 * @param text The value given.
 * @throws {UsageError} If the text is not a finite decimal number.
 */
export function numberFlag(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (!_DECIMAL.test(text.trim()) || !Number.isFinite(v)) {
    throw new UsageError(`${_dashed(name)} must be a number: found '${text}'`);
  }
  return v;
}

/** `--name` for `name`; a name typed with its dashes stays as it is. */
function _dashed(name: string): string {
  return name.startsWith("-") ? name : `--${name}`;
}

/** The range a number flag must be in. */
export interface NumberRange {
  /** Smallest value allowed (see `minExclusive`). @default {-Infinity} */
  min?: number;
  /** The value must be above `min`, not equal to it. @default {false} */
  minExclusive?: boolean;
  /** Largest value allowed. @default {Infinity} */
  max?: number;
  /** The value must be below `max`, not equal to it. @default {false} */
  maxExclusive?: boolean;
  /** Whole numbers only. @default {false} */
  integer?: boolean;
  /** The unit, for the message (`s`, `MB`, `requests/s`). */
  unit?: string;
}

/**
 * A flag's value as a decimal number within a range, with a message that
 * gives the range in the flag's unit.
 *
 * @param name The flag, without dashes, or as typed.
 * @param text The value given.
 * @param range The range.
 * @returns The number.
 * @throws {UsageError} If the text is not a decimal number or is out of range.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(numberInRange("memory", "2048", { min: 128, max: 10240, integer: true, unit: "MB" }), 2048);
 * assert.throws(
 *   () => numberInRange("--memory", "0", { min: 128, max: 10240, integer: true, unit: "MB" }),
 *   { message: "--memory must be an integer within 128..10240 MB: found '0'" },
 * );
 * assert.throws(
 *   () => numberInRange("slo", "-1", { min: 0, minExclusive: true, unit: "s" }),
 *   { message: "--slo must be a number > 0 s: found '-1'" },
 * );
 * ```
 */
export function numberInRange(name: string, text: string, range: NumberRange): number {
  const {
    min = -Infinity,
    max = Infinity,
    minExclusive = false,
    maxExclusive = false,
    integer = false,
    unit,
  } = range;
  const v = numberFlag(name, text)!;
  const ok = (minExclusive ? v > min : v >= min) && (maxExclusive ? v < max : v <= max) &&
    (!integer || Number.isInteger(v));
  if (ok) return v;
  const kind = integer ? "an integer" : "a number";
  const u = unit ? ` ${unit}` : "";
  let what: string;
  if (Number.isFinite(min) && Number.isFinite(max)) {
    what = minExclusive || maxExclusive
      ? `within ${minExclusive ? "(" : "["}${min}, ${max}${maxExclusive ? ")" : "]"}${u}`
      : `within ${min}..${max}${u}`;
  } else if (Number.isFinite(min)) what = `${minExclusive ? ">" : ">="} ${min}${u}`;
  else if (Number.isFinite(max)) what = `${maxExclusive ? "<" : "<="} ${max}${u}`;
  else what = u ? `in${u}` : "";
  throw new UsageError(
    `${_dashed(name)} must be ${kind}${what ? " " + what : ""}: found '${text}'`,
  );
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
 * @param name The flag, without dashes, or as typed (with them).
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
    throw new UsageError(`${_dashed(name)} must be one of ${allowed.join(", ")}: found '${text}'`);
  }
  return found;
}

/**
 * A flag's value as an hour of a day, in the project's one convention: hours
 * are 1..24 and hour `h` covers `h-1`..`h` (`undefined` stays `undefined`).
 *
 * @param name The flag, without dashes, or as typed (with them).
 * @param text The value given.
 * @returns The hour.
 * @throws {UsageError} If the text is not a whole number within 1..24, saying
 *   the convention.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(hourFlag("--start", "24"), 24);
 * assert.equal(hourFlag("hour", undefined), undefined);
 * assert.throws(
 *   () => hourFlag("--hour", "25"),
 *   { message: "--hour must be an hour within 1..24 (hour h covers h-1..h): found '25'" },
 * );
 * ```
 */
export function hourFlag(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const h = Number(text);
  if (!_DECIMAL.test(text.trim()) || !(Number.isInteger(h) && h >= 1 && h <= 24)) {
    throw new UsageError(
      `${_dashed(name)} must be an hour within 1..24 (hour h covers h-1..h): found '${text}'`,
    );
  }
  return h;
}

/**
 * A flag's value as a list of hours (1..24, hour `h` covering `h-1`..`h`):
 * comma-separated hours and `lo:hi` ranges, both ends included, in any mix
 * (`1:4,8,20:24`).
 *
 * @param name The flag, without dashes, or as typed (with them).
 * @param text The value given.
 * @returns The hours, sorted, each once.
 * @throws {UsageError} If an item is not an hour within 1..24 or a range has
 *   its ends reversed, naming the item.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(hourListFlag("--hour", "20:24,1,3:4,1"), [1, 3, 4, 20, 21, 22, 23, 24]);
 * assert.throws(
 *   () => hourListFlag("--hours", "1:25"),
 *   { message: "--hours must be hours within 1..24 (hour h covers h-1..h), as a list such as 1,8 or a range such as 1:24: found '25' in '1:25'" },
 * );
 * ```
 */
export function hourListFlag(name: string, text: string): number[] {
  const bad = (item: string, why = ""): never => {
    throw new UsageError(
      `${_dashed(name)} must be hours within 1..24 (hour h covers h-1..h), as a list such as ` +
        `1,8 or a range such as 1:24: found ${why || `'${item}'`}${
          item === text ? "" : ` in '${text}'`
        }`,
    );
  };
  const hour = (s: string) => {
    const h = Number(s);
    if (!_DECIMAL.test(s.trim()) || !(Number.isInteger(h) && h >= 1 && h <= 24)) bad(s);
    return h;
  };
  const hours = new Set<number>();
  for (const item of text.split(",")) {
    const ends = item.split(":");
    if (ends.length > 2) bad(item);
    const lo = hour(ends[0]), hi = ends.length === 2 ? hour(ends[1]) : lo;
    if (hi < lo) bad(item, `'${item}' (the range ends before it starts)`);
    for (let h = lo; h <= hi; h++) hours.add(h);
  }
  return [...hours].sort((a, b) => a - b);
}

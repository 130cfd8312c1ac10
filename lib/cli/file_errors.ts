/**
 * The file system's errors in the user's words: which path, given with which
 * flag, was wrong and what to do, instead of `Is a directory (os error 21):
 * writefile '/tmp'`.
 *
 * @module
 */

/** A path the user gave, and what the command meant to do with it. */
export interface PathUse {
  /** The path as given. */
  path: string;
  /** The flag that gave it, as typed (`--out`); absent for a positional argument. */
  flag?: string;
  /** Whether the path names a file or a directory (created if missing when written). */
  kind: "file" | "directory";
  /** Whether the command reads it or writes it. */
  access: "read" | "write";
}

/**
 * The same error in one line that names the path (and the flag) and says what
 * to do, or the error itself when it is not one of the file system's.
 *
 * The result keeps the error's class (`Deno.errors.IsADirectory`, ...), so
 * CLIs report it as a user error (exit code 2), and keeps the original as its
 * `cause`.
 *
 * @param e The error caught.
 * @param use The path and what it was for.
 * @returns The error with its message rewritten, or `e`.
 *
 * @example An output file that is a directory
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const raw = new Deno.errors.IsADirectory("Is a directory (os error 21): writefile '/tmp'");
 * const e = explainFileError(raw, { path: "/tmp", flag: "--out", kind: "file", access: "write" });
 * assert.ok(e instanceof Deno.errors.IsADirectory);
 * assert.equal(
 *   (e as Error).message,
 *   "--out /tmp is a directory: give the path of a file to write (e.g. /tmp/out.txt)",
 * );
 * ```
 */
export function explainFileError(e: unknown, use: PathUse): unknown {
  const named = use.flag === undefined ? use.path : `${use.flag} ${use.path}`;
  const writable = use.access === "write" ? "write to" : "read";
  let message: string | undefined;
  if (e instanceof Deno.errors.IsADirectory && use.kind === "file") {
    message = `${named} is a directory: give the path of a file to ${use.access}` +
      (use.access === "write" ? ` (e.g. ${use.path.replace(/\/*$/, "")}/out.txt)` : "");
  } else if (e instanceof Deno.errors.AlreadyExists) {
    message = use.kind === "directory"
      ? `${named} is a file: give a directory (created if missing), or move the file away`
      : `${named} exists already: give a new path, or remove it`;
  } else if (e instanceof Deno.errors.NotADirectory) {
    message = `${named}: a part of the path is a file, not a directory: give another path`;
  } else if (e instanceof Deno.errors.NotFound) {
    message = use.access === "read"
      ? `${named} does not exist`
      : `${named}: its directory does not exist: create it first, or give another path`;
  } else if (e instanceof Deno.errors.PermissionDenied) {
    message = `${named}: permission denied: give a path you may ${writable}`;
  }
  if (message === undefined) return e;
  const error = new (e as { constructor: new (m: string, o?: ErrorOptions) => Error })
    .constructor(message, { cause: e });
  return error;
}

/**
 * A local Lambda function's code: a `ZipFile` unpacked into a directory of
 * its own, or a module file on this machine (`CodePath`), and the module a
 * `Handler` such as `index.handler` names in it, found the way Lambda's
 * Node.js runtime finds it (`index.js`, `index.mjs`, `index.cjs`, then
 * `index.ts`, `index.mts`, as Node.js 24's runtime does).
 *
 * @module
 */

import { createHash } from "node:crypto";
import { unzipSync } from "fflate";

/** A function's code on this machine. */
export interface FunctionCode {
  /** `zip`: unpacked from a ZipFile into `root`; `path`: the module file `root` itself. */
  source: "zip" | "path";
  /** The directory the zip was unpacked into, or the module file of a `CodePath`. */
  root: string;
  /** Base64 SHA-256 of the zip or of the module file, as Lambda's `CodeSha256`. */
  sha256: string;
  /** Bytes of the zip or of the module file, as Lambda's `CodeSize`. */
  sizeBytes: number;
}

/** A `Handler` split as Lambda's Node.js runtime splits it. */
export interface HandlerName {
  /** Directory part, e.g. `src/` of `src/app.handler`, or `""`. */
  moduleRoot: string;
  /** Module name without extension, e.g. `app`. */
  module: string;
  /** Property path of the function in the module, e.g. `handler` or `api.get`. */
  exportPath: string;
}

/** Extensions tried for a handler's module, in this order (Lambda's Node.js 24 runtime). */
export const HANDLER_EXTENSIONS = [".js", ".mjs", ".cjs", ".ts", ".mts"] as const;

/**
 * An error of the Lambda runtime while it loads a function, with Lambda's
 * error type (`Runtime.ImportModuleError`, `Runtime.HandlerNotFound`,
 * `Runtime.MalformedHandlerName`).
 */
export class RuntimeLoadError extends Error {
  /**
   * @param errorType Lambda's error type, e.g. "Runtime.HandlerNotFound".
   * @param message The message.
   */
  constructor(readonly errorType: string, message: string) {
    super(message);
    this.name = errorType;
  }
}

/**
 * Splits a `Handler` into its module and the property path of the function,
 * as Lambda's Node.js runtime does: the last path segment up to its first dot
 * is the module, the rest the property path.
 *
 * @param handler E.g. `index.handler`, `src/app.api.get`.
 * @returns The parts.
 * @throws {RuntimeLoadError} `Runtime.MalformedHandlerName` when there is no
 * dot in the last segment or the handler climbs out of the code with `..`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseHandler("src/app.api.get"), {
 *   moduleRoot: "src/",
 *   module: "app",
 *   exportPath: "api.get",
 * });
 * ```
 */
export function parseHandler(handler: string): HandlerName {
  if (handler.includes("..")) {
    throw new RuntimeLoadError(
      "Runtime.MalformedHandlerName",
      `'${handler}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const slash = handler.lastIndexOf("/");
  const base = handler.slice(slash + 1);
  const m = /^([^.]*)\.(.+)$/.exec(base);
  if (!m || m[1] === "") throw new RuntimeLoadError("Runtime.MalformedHandlerName", "Bad handler");
  return { moduleRoot: handler.slice(0, slash + 1), module: m[1], exportPath: m[2] };
}

/**
 * The files of a zip archive, or `undefined` when the bytes are not one.
 *
 * @param bytes The archive.
 * @returns Its files by path (directories left out).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { strToU8, zipSync } from "fflate";
 *
 * const zip = zipSync({ "index.mjs": strToU8("export const handler = () => 1;") });
 * assert.deepEqual(Object.keys(readZipArchive(zip)!), ["index.mjs"]);
 * assert.equal(readZipArchive(new Uint8Array([0])), undefined);
 * ```
 */
export function readZipArchive(bytes: Uint8Array): Record<string, Uint8Array> | undefined {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch {
    return undefined;
  }
  return Object.fromEntries(Object.entries(files).filter(([path]) => !path.endsWith("/")));
}

/**
 * The path, among `paths`, of the module a handler names, trying
 * {@linkcode HANDLER_EXTENSIONS} in order.
 *
 * @param paths Paths relative to the code's root, `/`-separated.
 * @param handler The function's `Handler`.
 * @returns The module's path, or `undefined` when none of them is there.
 * @throws {RuntimeLoadError} On a malformed handler.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(handlerModuleIn(["lib.mjs", "index.mjs"], "index.handler"), "index.mjs");
 * assert.equal(handlerModuleIn(["handler.py"], "handler.handler"), undefined);
 * ```
 */
export function handlerModuleIn(paths: readonly string[], handler: string): string | undefined {
  const { moduleRoot, module } = parseHandler(handler);
  const set = new Set(paths.map((p) => p.replace(/^\.\//, "")));
  return HANDLER_EXTENSIONS.map((ext) => moduleRoot + module + ext).find((p) => set.has(p));
}

/** Base64 SHA-256, the encoding of Lambda's `CodeSha256`. */
function _sha256Base64(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("base64");
}

/**
 * Writes a zip's files into a new temporary directory.
 *
 * @param files The archive's files, from {@linkcode readZipArchive}.
 * @param zip The archive's bytes (for `CodeSha256` and `CodeSize`).
 * @returns The code.
 * @throws {RangeError} When a path in the archive is absolute or climbs out
 * of it with `..`.
 */
export function unpackZipCode(files: Record<string, Uint8Array>, zip: Uint8Array): FunctionCode {
  for (const path of Object.keys(files)) {
    if (path.startsWith("/") || path.split(/[/\\]/).includes("..")) {
      throw new RangeError(
        `Could not unzip uploaded file: the entry '${path}' lies outside the archive's root`,
      );
    }
  }
  const root = Deno.makeTempDirSync({ prefix: "local_lambda_code_" });
  for (const [path, data] of Object.entries(files)) {
    const target = `${root}/${path}`;
    Deno.mkdirSync(target.slice(0, target.lastIndexOf("/")), { recursive: true });
    Deno.writeFileSync(target, data);
  }
  return { source: "zip", root, sha256: _sha256Base64(zip), sizeBytes: zip.length };
}

/**
 * Code that is a module file on this machine, used where it lies (so its own
 * relative imports work).
 *
 * @param path The module's path.
 * @returns The code.
 * @throws {RangeError} When `path` is not a file.
 */
export function codeFromPath(path: string): FunctionCode {
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(path);
  } catch (e) {
    throw new RangeError(`CodePath '${path}' is not a readable file: ${(e as Error).message}`);
  }
  return {
    source: "path",
    root: Deno.realPathSync(path),
    sha256: _sha256Base64(bytes),
    sizeBytes: bytes.length,
  };
}

/**
 * The `file:` URL of the module a handler names in the code, and the
 * property path of its function. A `CodePath` module is the module whatever
 * the handler's module part says.
 *
 * @param code The code.
 * @param handler The function's `Handler`.
 * @returns The module URL and the property path.
 * @throws {RuntimeLoadError} `Runtime.ImportModuleError` when the module is
 * not in the code, `Runtime.MalformedHandlerName` on a malformed handler.
 */
export function handlerModule(
  code: FunctionCode,
  handler: string,
): { moduleUrl: string; exportPath: string } {
  const name = parseHandler(handler);
  if (code.source === "path") {
    return { moduleUrl: _fileUrl(code.root), exportPath: name.exportPath };
  }
  for (const ext of HANDLER_EXTENSIONS) {
    const path = `${code.root}/${name.moduleRoot}${name.module}${ext}`;
    try {
      if (Deno.statSync(path).isFile) {
        return { moduleUrl: _fileUrl(path), exportPath: name.exportPath };
      }
    } catch {
      // try the next extension
    }
  }
  throw new RuntimeLoadError(
    "Runtime.ImportModuleError",
    `Error: Cannot find module '${name.moduleRoot}${name.module}' (tried ${
      HANDLER_EXTENSIONS.map((e) => name.module + e).join(", ")
    } in the function's code)`,
  );
}

function _fileUrl(path: string): string {
  return new URL(`file://${path.split("/").map(encodeURIComponent).join("/")}`).href;
}

/**
 * Removes an unpacked zip's directory (a `CodePath` module is left alone).
 *
 * @param code The code.
 */
export function removeCode(code: FunctionCode): void {
  if (code.source !== "zip") return;
  try {
    Deno.removeSync(code.root, { recursive: true });
  } catch {
    // already gone
  }
}

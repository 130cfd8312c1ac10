/**
 * The runtime inside one execution environment of the local Lambda, a Deno
 * Worker: it loads the function's module (its top-level code is the Init
 * phase), then calls its handler for each invocation the host posts, in the
 * shape of Lambda's Node.js runtime (aws-lambda-nodejs-runtime-interface-client):
 * `console` lines as `<ISO time>\t<request id>\t<LEVEL>\t<message>`, a
 * handler's error as `{errorType, errorMessage, trace}` with an
 * `Invoke Error` line, an exception outside the handler reported as
 * `Uncaught Exception` (after which the host discards the environment, as the
 * Node.js runtime exits).
 *
 * Loaded only as a Worker by `worker_environment.ts`; the messages are typed there.
 *
 * @module
 */

import { format } from "node:util";
import { createRequire } from "node:module";
import type {
  HostMessage,
  InitMessage,
  InvokeMessage,
  RapidError,
  WorkerMessage,
} from "./worker_environment.ts";

interface WorkerScope {
  postMessage(message: WorkerMessage): void;
  onmessage: ((e: MessageEvent<HostMessage>) => void) | null;
  addEventListener(
    type: "error" | "unhandledrejection",
    listener: (e: Event & { error?: unknown; reason?: unknown }) => void,
  ): void;
}

const scope = globalThis as unknown as WorkerScope;
// The request id of console lines: `undefined` during Init, as on Lambda.
let requestId: string | undefined;
let handler: ((event: unknown, context: unknown, callback: unknown) => unknown) | undefined;

/** Memories of WebAssembly modules, which V8's heap figures leave out. */
const wasmMemories = new Set<WeakRef<WebAssembly.Memory>>();

function _trackMemory(m: unknown): void {
  if (m instanceof WebAssembly.Memory) wasmMemories.add(new WeakRef(m));
}

function _trackExports(exports: unknown): void {
  if (exports && typeof exports === "object") Object.values(exports).forEach(_trackMemory);
}

/** Counts every WebAssembly memory the function creates or an instance exports. */
function _patchWebAssembly(): void {
  const wa = WebAssembly as unknown as Record<string, unknown>;
  const OriginalMemory = WebAssembly.Memory;
  wa.Memory = new Proxy(OriginalMemory, {
    construct(target, args, newTarget) {
      const m = Reflect.construct(target, args, newTarget);
      _trackMemory(m);
      return m;
    },
  });
  const OriginalInstance = WebAssembly.Instance;
  wa.Instance = new Proxy(OriginalInstance, {
    construct(target, args, newTarget) {
      const instance = Reflect.construct(target, args, newTarget) as WebAssembly.Instance;
      _trackExports(instance.exports);
      return instance;
    },
  });
  for (const name of ["instantiate", "instantiateStreaming"] as const) {
    const original = WebAssembly[name] as (...a: unknown[]) => Promise<unknown>;
    wa[name] = async (...args: unknown[]) => {
      const r = await original.apply(WebAssembly, args) as {
        instance?: WebAssembly.Instance;
        exports?: unknown;
      };
      _trackExports((r.instance ?? r).exports);
      return r;
    };
  }
}

/**
 * Bytes this isolate holds: V8's committed heap, memory outside it that V8
 * accounts for (ArrayBuffers), and the WebAssembly memories of the function.
 */
function _memoryBytes(): number {
  const m = Deno.memoryUsage();
  let wasm = 0;
  for (const ref of wasmMemories) {
    const memory = ref.deref();
    if (memory) wasm += memory.buffer.byteLength;
    else wasmMemories.delete(ref);
  }
  return m.heapTotal + m.external + wasm;
}

const LEVELS = {
  trace: "TRACE",
  debug: "DEBUG",
  info: "INFO",
  log: "INFO",
  warn: "WARN",
  error: "ERROR",
} as const;

function _log(level: string, args: unknown[]): void {
  const now = Date.now();
  scope.postMessage({
    type: "log",
    timestampMs: now,
    message: `${new Date(now).toISOString()}\t${requestId}\t${level}\t${format(...args)}`,
  });
}

/** `console` writes to the invocation's log, as Lambda's Node.js runtime patches it. */
function _patchConsole(): void {
  for (const [method, level] of Object.entries(LEVELS)) {
    (console as unknown as Record<string, unknown>)[method] = (...args: unknown[]) =>
      _log(level, args);
  }
}

/**
 * A stack's lines down to the first frame of this runtime (the frames below
 * it are the emulator's and Deno's, not the function's).
 */
function _stackLines(stack: string): string[] {
  const lines = stack.split("\n");
  const cut = lines.findIndex((l, i) => i > 0 && l.includes(import.meta.url));
  return cut < 0 ? lines : lines.slice(0, cut);
}

/** The Node.js runtime's error response (`toRapidResponse`). */
function _rapidError(e: unknown): RapidError {
  if (e instanceof Error) {
    return {
      errorType: e.name,
      errorMessage: e.message,
      trace: typeof e.stack === "string" ? _stackLines(e.stack) : [],
    };
  }
  return { errorType: typeof e, errorMessage: String(e), trace: [] };
}

/** The Node.js runtime's error log record (`toFormatted`): a tab, then JSON with `stack`. */
function _formatted(e: unknown): string {
  if (!(e instanceof Error)) return "\t" + JSON.stringify(_rapidError(e));
  const record: Record<string, unknown> = { errorType: e.name, errorMessage: e.message };
  Object.assign(record, e);
  if (typeof e.stack === "string") record.stack = _stackLines(e.stack);
  try {
    return "\t" + JSON.stringify(record);
  } catch {
    return "\t" + JSON.stringify(_rapidError(e));
  }
}

class _RuntimeError extends Error {
  constructor(type: string, message: string) {
    super(message);
    this.name = type;
  }
}

/** Loads a module: ES modules by import; a `.js` written as CommonJS by require. */
async function _load(moduleUrl: string): Promise<Record<string, unknown>> {
  try {
    return await import(moduleUrl);
  } catch (e) {
    const cjs = e instanceof ReferenceError &&
      /\b(exports|require|module) is not defined/.test(e.message) && moduleUrl.endsWith(".js");
    if (!cjs) throw e;
    return createRequire(moduleUrl)(moduleUrl);
  }
}

async function _init(m: InitMessage): Promise<void> {
  const process = (globalThis as { process?: { env: unknown } }).process;
  // The function's variables, in this isolate's `process.env` only (Deno.env is the process's).
  if (process) process.env = { ...m.env };
  try {
    if (m.load.error) throw new _RuntimeError(m.load.error.errorType, m.load.error.errorMessage);
    let module: Record<string, unknown>;
    try {
      module = await _load(m.load.moduleUrl!);
    } catch (e) {
      if (e instanceof SyntaxError) {
        throw new _RuntimeError("Runtime.UserCodeSyntaxError", `${e.name}: ${e.message}`);
      }
      if (e instanceof Error && /Module not found|Cannot find module/.test(e.message)) {
        throw new _RuntimeError("Runtime.ImportModuleError", `${e.name}: ${e.message}`);
      }
      throw e;
    }
    const path = m.load.exportPath!.split(".");
    const find = (root: unknown) =>
      path.reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], root);
    const fn = find(module) ?? find(module.default);
    if (fn === undefined || fn === null) {
      throw new _RuntimeError(
        "Runtime.HandlerNotFound",
        `${m.handler} is undefined or not exported`,
      );
    }
    if (typeof fn !== "function") {
      throw new _RuntimeError("Runtime.HandlerNotFound", `${m.handler} is not a function`);
    }
    handler = fn as typeof handler;
    scope.postMessage({ type: "ready", memoryBytes: _memoryBytes() });
  } catch (e) {
    _log("ERROR", ["Uncaught Exception", _formatted(e)]);
    scope.postMessage({ type: "initError", error: _rapidError(e) });
  }
}

/** Calls the handler: an async handler, a callback handler or a plain function. */
function _call(event: unknown, context: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const callback = (err: unknown, result: unknown) =>
      err !== undefined && err !== null ? reject(err) : resolve(result);
    const r = handler!(event, context, callback);
    if (r && typeof (r as Promise<unknown>).then === "function") {
      (r as Promise<unknown>).then(resolve, reject);
    } else if (handler!.length < 3) {
      resolve(r);
    }
  });
}

async function _invoke(m: InvokeMessage): Promise<void> {
  requestId = m.requestId;
  const c = m.context;
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: c.functionName,
    functionVersion: c.functionVersion,
    invokedFunctionArn: c.invokedFunctionArn,
    memoryLimitInMB: c.memoryLimitInMB,
    awsRequestId: m.requestId,
    logGroupName: c.logGroupName,
    logStreamName: c.logStreamName,
    getRemainingTimeInMillis: () =>
      Math.max(0, Math.round((m.deadlineMs - Date.now()) * m.cpuFactor)),
  };
  const before = _memoryBytes();
  const start = performance.now();
  let outcome: { ok: true; payload: string } | { ok: false; error: RapidError };
  try {
    const result = await _call(m.event, context);
    const durationMs = performance.now() - start;
    const payload = JSON.stringify(result === undefined ? null : result);
    outcome = { ok: true, payload: payload ?? "null" };
    scope.postMessage({
      type: "result",
      requestId: m.requestId,
      durationMs,
      memoryBytes: Math.max(before, _memoryBytes()),
      ...outcome,
    });
  } catch (e) {
    const durationMs = performance.now() - start;
    _log("ERROR", ["Invoke Error", _formatted(e)]);
    scope.postMessage({
      type: "result",
      requestId: m.requestId,
      durationMs,
      memoryBytes: Math.max(before, _memoryBytes()),
      ok: false,
      error: _rapidError(e),
    });
  }
}

function _uncaught(kind: "Uncaught Exception" | "Unhandled Promise Rejection", e: unknown): void {
  _log("ERROR", [kind, _formatted(e)]);
  scope.postMessage({ type: "crash", error: _rapidError(e) });
}

_patchWebAssembly();
_patchConsole();
scope.addEventListener("error", (e) => {
  e.preventDefault();
  _uncaught("Uncaught Exception", e.error);
});
scope.addEventListener("unhandledrejection", (e) => {
  e.preventDefault();
  _uncaught("Unhandled Promise Rejection", e.reason);
});
scope.onmessage = (e) => {
  const m = e.data;
  if (m.type === "init") void _init(m);
  else if (m.type === "invoke") void _invoke(m);
};

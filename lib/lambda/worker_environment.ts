/**
 * One execution environment of a local Lambda function with code: a Deno
 * Worker running `_worker_runtime.ts`. Its cold start creates the Worker and
 * loads the function's module; each invocation posts an event to the same
 * Worker; a timeout or an exception outside the handler terminates it.
 *
 * Permissions: a Worker gets the permissions of the process that starts it.
 * Deno can narrow them (`new Worker(url, {deno: {permissions}})`) only with
 * the unstable flag `--unstable-worker-options` (without it Deno 2.9 exits
 * with code 70), so handler code can do whatever the local Lambda's process
 * may: run only code you trust.
 *
 * @module
 */

/** A handler's error as Lambda's Node.js runtime returns it. */
export interface RapidError {
  errorType: string;
  errorMessage: string;
  trace: string[];
}

/** The context fields of an invocation that the host knows. */
export interface InvocationContext {
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  /** A string, as in Lambda's Node.js runtime (it comes from an environment variable). */
  memoryLimitInMB: string;
  logGroupName: string;
  logStreamName: string;
}

/** What the runtime loads: a module and the function's property path, or the error to report. */
export interface LoadTarget {
  moduleUrl?: string;
  exportPath?: string;
  /** An error found before loading (no module in the code, a malformed handler). */
  error?: { errorType: string; errorMessage: string };
}

/** Host to Worker: load the function. */
export interface InitMessage {
  type: "init";
  /** The function's `Handler`, for messages. */
  handler: string;
  /** The Worker's `process.env`. */
  env: Record<string, string>;
  load: LoadTarget;
}

/** Host to Worker: call the handler. */
export interface InvokeMessage {
  type: "invoke";
  requestId: string;
  event: unknown;
  context: InvocationContext;
  /** When the invocation times out, ms since the epoch (real clock). */
  deadlineMs: number;
  /** The CPU model's factor: `getRemainingTimeInMillis()` counts modelled time. */
  cpuFactor: number;
}

/** Messages to the Worker. */
export type HostMessage = InitMessage | InvokeMessage;

/** Messages from the Worker. */
export type WorkerMessage =
  | { type: "log"; timestampMs: number; message: string }
  | { type: "ready"; memoryBytes: number }
  | { type: "initError"; error: RapidError }
  | {
    type: "result";
    requestId: string;
    durationMs: number;
    memoryBytes: number;
    ok: true;
    payload: string;
  }
  | {
    type: "result";
    requestId: string;
    durationMs: number;
    memoryBytes: number;
    ok: false;
    error: RapidError;
  }
  | { type: "crash"; error: RapidError };

/** A log line of the function, stamped when it was written. */
export interface FunctionLogLine {
  timestampMs: number;
  message: string;
}

/** How a cold start ended. */
export interface InitOutcome {
  /** From `new Worker` until the module is loaded and its top-level code has run, ms. */
  initMs: number;
  /** The module failed to load (the environment is then terminated). */
  error?: RapidError;
  /** The Init phase ran past its limit (the environment is then terminated). */
  timedOut?: boolean;
}

/** How an invocation ended. */
export type InvokeOutcome =
  | {
    kind: "result";
    /** The handler's time, measured inside the Worker with `performance.now()`, ms. */
    durationMs: number;
    /** The isolate's memory after the handler (see `memoryBytes` of the class), bytes. */
    memoryBytes: number;
    ok: true;
    /** The result as JSON text. */
    payload: string;
  }
  | { kind: "result"; durationMs: number; memoryBytes: number; ok: false; error: RapidError }
  /** The Timeout passed: the Worker was terminated. */
  | { kind: "timeout" }
  /** An exception outside the handler, or the Worker was terminated: the environment is gone. */
  | { kind: "crash"; error: RapidError };

/** Options of {@linkcode WorkerEnvironment}. */
export interface WorkerEnvironmentOptions {
  /** The function's `Handler`. */
  handler: string;
  /** What to load. */
  load: LoadTarget;
  /** The Worker's `process.env`. @default {{}} */
  env?: Record<string, string>;
  /** Receives every log line of the function, in order. */
  onLog: (line: FunctionLogLine) => void;
  /** Worker name, for debuggers. */
  name?: string;
}

const RUNTIME_URL = new URL("./_worker_runtime.ts", import.meta.url);

/**
 * One Worker that runs a function's handler.
 *
 * @example A handler in a temporary file, one cold start and one invocation
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const path = Deno.makeTempFileSync({ suffix: ".mjs" });
 * Deno.writeTextFileSync(path, "export const handler = async (e) => ({ twice: 2 * e.n });");
 * const lines: string[] = [];
 * const env = new WorkerEnvironment({
 *   handler: "index.handler",
 *   load: { moduleUrl: `file://${path}`, exportPath: "handler" },
 *   onLog: (l) => lines.push(l.message),
 * });
 * try {
 *   const init = await env.init(10_000);
 *   assert.equal(init.error, undefined);
 *   const r = await env.invoke({
 *     type: "invoke",
 *     requestId: "r1",
 *     event: { n: 21 },
 *     context: {
 *       functionName: "f",
 *       functionVersion: "$LATEST",
 *       invokedFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:f",
 *       memoryLimitInMB: "128",
 *       logGroupName: "/aws/lambda/f",
 *       logStreamName: "s",
 *     },
 *     deadlineMs: Date.now() + 3000,
 *     cpuFactor: 1,
 *   }, 3000);
 *   assert.equal(r.kind === "result" && r.ok && r.payload, '{"twice":42}');
 * } finally {
 *   env.terminate();
 *   Deno.removeSync(path);
 * }
 * ```
 */
export class WorkerEnvironment {
  readonly #worker: Worker;
  readonly #options: WorkerEnvironmentOptions;
  #alive = true;
  #onInit?: (m: WorkerMessage & { type: "ready" | "initError" }) => void;
  #pending?: { requestId: string; settle: (o: InvokeOutcome) => void };
  #memoryBytes = 0;

  /**
   * Creates the Worker (the cold start begins); {@linkcode init} waits for it.
   *
   * @param options What to load and where its log lines go.
   */
  constructor(options: WorkerEnvironmentOptions) {
    this.#options = options;
    this.#worker = new Worker(RUNTIME_URL, { type: "module", name: options.name });
    this.#worker.onmessage = (e: MessageEvent<WorkerMessage>) => this.#receive(e.data);
    this.#worker.onerror = (e) => {
      // An error the runtime did not catch (it catches the function's): the
      // environment is lost.
      e.preventDefault();
      this.#shutDown({ errorType: "Runtime.ExitError", errorMessage: e.message, trace: [] });
    };
    this.#worker.onmessageerror = () => {
      this.#shutDown({
        errorType: "Runtime.ExitError",
        errorMessage: "A message from the function could not be read",
        trace: [],
      });
    };
  }

  /** Whether the Worker still runs. */
  get alive(): boolean {
    return this.#alive;
  }

  /**
   * The isolate's memory at the end of the last init or invocation, bytes:
   * V8's committed heap of this Worker (`heapTotal` of `Deno.memoryUsage()`
   * inside it), plus what V8 accounts outside the heap (`external`:
   * ArrayBuffers), plus the WebAssembly memories the function created or an
   * instance exported (V8 counts those nowhere). The process's RSS is
   * shared by every Worker and the host, so it is not used.
   */
  get memoryBytes(): number {
    return this.#memoryBytes;
  }

  /**
   * Loads the function: runs the module's top-level code.
   *
   * @param limitMs The Init phase's limit, ms; past it the Worker is terminated.
   * @returns The init time and, on failure, the error.
   */
  init(limitMs: number): Promise<InitOutcome> {
    const t0 = performance.now();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#onInit = undefined;
        this.terminate();
        resolve({ initMs: performance.now() - t0, timedOut: true });
      }, limitMs);
      this.#onInit = (m) => {
        clearTimeout(timer);
        this.#onInit = undefined;
        const initMs = performance.now() - t0;
        if (m.type === "ready") {
          this.#memoryBytes = m.memoryBytes;
          resolve({ initMs });
        } else {
          this.terminate();
          resolve({ initMs, error: m.error });
        }
      };
      this.#post({
        type: "init",
        handler: this.#options.handler,
        env: this.#options.env ?? {},
        load: this.#options.load,
      });
    });
  }

  /**
   * Calls the handler once.
   *
   * @param message The invocation.
   * @param timeoutMs Real time the handler may take; past it the Worker is terminated.
   * @returns How it ended.
   */
  invoke(message: InvokeMessage, timeoutMs: number): Promise<InvokeOutcome> {
    if (!this.#alive) {
      return Promise.resolve({
        kind: "crash",
        error: {
          errorType: "Runtime.ExitError",
          errorMessage: "The environment is gone",
          trace: [],
        },
      });
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pending = undefined;
        this.terminate();
        resolve({ kind: "timeout" });
      }, timeoutMs);
      this.#pending = {
        requestId: message.requestId,
        settle: (o) => {
          clearTimeout(timer);
          this.#pending = undefined;
          resolve(o);
        },
      };
      this.#post(message);
    });
  }

  /** Terminates the Worker; an invocation in progress ends as a crash. */
  terminate(): void {
    this.#shutDown({
      errorType: "Runtime.ExitError",
      errorMessage: "The execution environment was shut down",
      trace: [],
    });
  }

  #post(message: HostMessage): void {
    this.#worker.postMessage(message);
  }

  /** Terminates the Worker; a pending init or invocation ends with `error`. */
  #shutDown(error: RapidError): void {
    if (!this.#alive) return;
    this.#alive = false;
    this.#worker.terminate();
    const pending = this.#pending, onInit = this.#onInit;
    this.#pending = undefined;
    this.#onInit = undefined;
    pending?.settle({ kind: "crash", error });
    onInit?.({ type: "initError", error });
  }

  #receive(m: WorkerMessage): void {
    switch (m.type) {
      case "log":
        this.#options.onLog({ timestampMs: m.timestampMs, message: m.message });
        return;
      case "ready":
      case "initError":
        this.#onInit?.(m);
        return;
      case "result": {
        this.#memoryBytes = m.memoryBytes;
        if (this.#pending?.requestId !== m.requestId) return;
        const { type: _, requestId: __, ...outcome } = m;
        this.#pending.settle({ kind: "result", ...outcome });
        return;
      }
      case "crash":
        this.#shutDown(m.error);
        return;
    }
  }
}

/**
 * The behaviour of a local AWS Lambda, without HTTP: functions with their
 * configuration, execution environments created on demand with a cold start,
 * reused while warm and reclaimed after an idle time, a concurrency limit,
 * service times from a profile, and a log stream per environment with START,
 * END and REPORT lines in Lambda's format. The HTTP face that speaks the real
 * Lambda API is in `http_server.ts`.
 *
 * Time is injected (`now`, `sleep`), so tests can run it on a fake clock, and
 * `timeScale` shortens every wait for fast experiments.
 *
 * @module
 */

import { type ServiceProfile, serviceTimeSec } from "../profile/service_profile.ts";
import type { Prng } from "../random/prng.ts";

/** A function's configuration, shaped like Lambda's `FunctionConfiguration`. */
export interface FunctionConfiguration {
  FunctionName: string;
  FunctionArn: string;
  Runtime: string;
  Role: string;
  Handler: string;
  MemorySize: number;
  Timeout: number;
  Environment?: { Variables?: Record<string, string> };
  LastModified: string;
  State: "Active";
  LastUpdateStatus: "Successful" | "InProgress";
  CodeSha256: string;
  CodeSize: number;
  Version: "$LATEST";
  PackageType: "Zip";
  Architectures: string[];
}

/** An error the Lambda API returns, with its HTTP status and AWS error type. */
export class LambdaApiError extends Error {
  /**
   * @param type AWS error type, e.g. "ResourceNotFoundException".
   * @param status HTTP status.
   * @param message The message.
   * @param extra Extra fields of the error body (e.g. `Reason`, `retryAfterSeconds`).
   */
  constructor(
    readonly type: string,
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = type;
  }
}

/** Options of {@linkcode LocalLambda}. */
export interface LocalLambdaOptions {
  /** Resolves a function's model (environment variable MODEL) to a profile. */
  profileFor: (model: string) => ServiceProfile;
  /** Model when the function sets none. @default {"TF-inceptionV4"} */
  defaultModel?: string;
  /** Wall clock, ms since the epoch. @default {Date.now} */
  now?: () => number;
  /** Waits `ms` milliseconds. @default {setTimeout} */
  sleep?: (ms: number) => Promise<void>;
  /** Divides every wait (service, init) by this. @default {1} */
  timeScale?: number;
  /** Random numbers for jitter and ids. */
  prng: Prng;
  /** Concurrent executions allowed per account. @default {1000} */
  concurrencyLimit?: number;
  /** An idle environment is reclaimed after this, seconds. @default {600} */
  idleTimeoutSec?: number;
  /** Cold-start initialisation, seconds. @default {0.25} */
  initSec?: number;
  /**
   * After UpdateFunctionConfiguration, `LastUpdateStatus` stays `InProgress`
   * this long (scaled by `timeScale`) and further updates are refused with
   * ResourceConflictException, as on Lambda. The new configuration serves
   * invocations at once. @default {0}
   */
  updateSec?: number;
  /** Coefficient of variation of a lognormal jitter on the service time. @default {0} */
  jitterCv?: number;
  /** Billing granularity of the REPORT line, ms (1 today, 100 in 2020). @default {1} */
  billingMs?: number;
  /** Account id and region in ARNs. */
  accountId?: string;
  region?: string;
  /** Faults to inject, for tests and experiments. */
  faults?: FaultOptions;
  /**
   * Log events kept per log group; beyond it the oldest are dropped, as a
   * retention period would (memory stays bounded on long runs).
   * @default {1000000}
   */
  maxLogEvents?: number;
}

/** Faults the local Lambda injects, each with its probability per invocation. */
export interface FaultOptions {
  /** The function fails (`X-Amz-Function-Error: Unhandled`). @default {0} */
  errorRate?: number;
  /** The invocation is throttled (429 TooManyRequestsException). @default {0} */
  throttleRate?: number;
  /** The connection drops before the response. @default {0} */
  dropRate?: number;
  /** Extra latency added to every invocation's response, seconds. @default {0} */
  extraLatencySec?: number;
}

/** Thrown by {@linkcode LocalLambda.invoke} when a dropped connection is injected. */
export class DroppedConnection extends Error {
  constructor() {
    super("Injected fault: the connection was dropped");
    this.name = "DroppedConnection";
  }
}

/** One log event of a stream. */
export interface LogEvent {
  timestamp: number;
  message: string;
  ingestionTime: number;
}

/** A log group: its streams and how many events it holds and has dropped. */
export interface LogGroup {
  creationTime: number;
  streams: LogStream[];
  /** Events held now, over all streams. */
  storedEvents: number;
  /** Events dropped by the retention limit so far. */
  droppedEvents: number;
}

/** A log stream: one per execution environment. */
export interface LogStream {
  logStreamName: string;
  creationTime: number;
  events: LogEvent[];
}

interface Environment {
  id: string;
  busy: boolean;
  lastUsedMs: number;
  stream: LogStream;
  /** Configuration generation it was created for. */
  generation: number;
}

interface FunctionState {
  config: FunctionConfiguration;
  /** When an update in progress is done, ms since the epoch. */
  updateDoneMs?: number;
  generation: number;
  environments: Environment[];
}

/** What an invocation returns. */
export interface InvocationResult {
  statusCode: number;
  payload: Uint8Array;
  functionError?: "Unhandled" | "Handled";
  /** The tail of the invocation's log (base64 of the last 4 KB), with `LogType: Tail`. */
  logResult?: string;
  executedVersion: "$LATEST";
}

/** Largest synchronous request payload, bytes (Lambda: 6 MB). */
export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

const NAME = /^[a-zA-Z0-9-_]{1,64}$/;

/** A local Lambda: functions, environments, invocations and their logs. */
export class LocalLambda {
  readonly #o:
    & Required<Omit<LocalLambdaOptions, "profileFor" | "prng" | "faults">>
    & LocalLambdaOptions;
  readonly #functions = new Map<string, FunctionState>();
  readonly #logGroups = new Map<string, LogGroup>();
  #running = 0;
  #ids = 0;

  /** Creates an empty local Lambda. */
  constructor(options: LocalLambdaOptions) {
    this.#o = {
      defaultModel: "TF-inceptionV4",
      now: () => Date.now(),
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      timeScale: 1,
      concurrencyLimit: 1000,
      idleTimeoutSec: 600,
      initSec: 0.25,
      updateSec: 0,
      jitterCv: 0,
      billingMs: 1,
      accountId: "000000000000",
      region: "us-east-1",
      maxLogEvents: 1_000_000,
      ...options,
    };
  }

  #arn(name: string): string {
    return `arn:aws:lambda:${this.#o.region}:${this.#o.accountId}:function:${name}`;
  }

  #get(name: string): FunctionState {
    const key = name.includes(":function:") ? name.split(":function:")[1].split(":")[0] : name;
    const f = this.#functions.get(key);
    if (!f) {
      throw new LambdaApiError(
        "ResourceNotFoundException",
        404,
        `Function not found: ${this.#arn(key)}`,
        { Type: "User" },
      );
    }
    if (f.updateDoneMs !== undefined && this.#o.now() >= f.updateDoneMs) {
      f.config.LastUpdateStatus = "Successful";
      f.updateDoneMs = undefined;
    }
    return f;
  }

  #validateMemory(memory: unknown): number {
    if (!(Number.isInteger(memory) && (memory as number) >= 128 && (memory as number) <= 10240)) {
      throw new LambdaApiError(
        "InvalidParameterValueException",
        400,
        `MemorySize must be an integer between 128 and 10240 MB: found ${memory}`,
        { Type: "User" },
      );
    }
    return memory as number;
  }

  /** CreateFunction. */
  createFunction(input: Record<string, unknown>): FunctionConfiguration {
    const name = input.FunctionName;
    if (typeof name !== "string" || !NAME.test(name)) {
      throw new LambdaApiError(
        "InvalidParameterValueException",
        400,
        `FunctionName must be 1 to 64 letters, digits, hyphens or underscores: found ${name}`,
        { Type: "User" },
      );
    }
    if (this.#functions.has(name)) {
      throw new LambdaApiError(
        "ResourceConflictException",
        409,
        `Function already exist: ${name}`,
        { Type: "User" },
      );
    }
    const config: FunctionConfiguration = {
      FunctionName: name,
      FunctionArn: this.#arn(name),
      Runtime: typeof input.Runtime === "string" ? input.Runtime : "python3.12",
      Role: typeof input.Role === "string" ? input.Role : "arn:aws:iam::000000000000:role/lambda",
      Handler: typeof input.Handler === "string" ? input.Handler : "handler.handler",
      MemorySize: input.MemorySize === undefined ? 128 : this.#validateMemory(input.MemorySize),
      Timeout: typeof input.Timeout === "number" ? input.Timeout : 3,
      Environment: input.Environment as FunctionConfiguration["Environment"],
      LastModified: new Date(this.#o.now()).toISOString().replace("Z", "+0000"),
      State: "Active",
      LastUpdateStatus: "Successful",
      CodeSha256: "local",
      CodeSize: 0,
      Version: "$LATEST",
      PackageType: "Zip",
      Architectures: ["x86_64"],
    };
    this.#functions.set(name, { config, generation: 0, environments: [] });
    return structuredClone(config);
  }

  /** GetFunctionConfiguration. */
  getFunctionConfiguration(name: string): FunctionConfiguration {
    return structuredClone(this.#get(name).config);
  }

  /** UpdateFunctionConfiguration: applies at once and retires the warm environments. */
  updateFunctionConfiguration(name: string, input: Record<string, unknown>): FunctionConfiguration {
    const f = this.#get(name);
    if (f.config.LastUpdateStatus === "InProgress") {
      throw new LambdaApiError(
        "ResourceConflictException",
        409,
        `The operation cannot be performed at this time. An update is in progress for resource: ${f.config.FunctionArn}`,
        { Type: "User" },
      );
    }
    if (input.MemorySize !== undefined) {
      f.config.MemorySize = this.#validateMemory(input.MemorySize);
    }
    if (typeof input.Timeout === "number") f.config.Timeout = input.Timeout;
    if (input.Environment !== undefined) {
      f.config.Environment = input.Environment as FunctionConfiguration["Environment"];
    }
    f.config.LastModified = new Date(this.#o.now()).toISOString().replace("Z", "+0000");
    f.generation++;
    f.environments = f.environments.filter((e) => e.busy);
    if (this.#o.updateSec > 0) {
      f.config.LastUpdateStatus = "InProgress";
      f.updateDoneMs = this.#o.now() + this.#o.updateSec * 1000 / this.#o.timeScale;
    }
    return structuredClone(f.config);
  }

  /** ListFunctions. */
  listFunctions(): FunctionConfiguration[] {
    return [...this.#functions.values()].map((f) => structuredClone(f.config));
  }

  /** DeleteFunction. */
  deleteFunction(name: string): void {
    this.#get(name);
    this.#functions.delete(
      name.includes(":function:") ? this.#get(name).config.FunctionName : name,
    );
  }

  /** Log groups and their streams (for the CloudWatch Logs face). */
  get logGroups(): ReadonlyMap<string, LogGroup> {
    return this.#logGroups;
  }

  /** Number of environments, warm or busy, of a function. */
  environmentCount(name: string): number {
    return this.#get(name).environments.length;
  }

  #newStream(functionName: string): LogStream {
    const group = `/aws/lambda/${functionName}`;
    const now = this.#o.now();
    if (!this.#logGroups.has(group)) {
      this.#logGroups.set(group, {
        creationTime: now,
        streams: [],
        storedEvents: 0,
        droppedEvents: 0,
      });
    }
    const d = new Date(now);
    const hex = Array.from(
      { length: 32 },
      () => Math.floor(this.#o.prng.nextFloat() * 16).toString(16),
    ).join("");
    const stream: LogStream = {
      logStreamName: `${d.getUTCFullYear()}/${String(d.getUTCMonth() + 1).padStart(2, "0")}/${
        String(d.getUTCDate()).padStart(2, "0")
      }/[$LATEST]${hex}`,
      creationTime: now,
      events: [],
    };
    this.#logGroups.get(group)!.streams.push(stream);
    return stream;
  }

  /**
   * Counts `added` new events of a group and, once it holds a tenth more than
   * the limit, drops its oldest events down to the limit (amortised: each event
   * is looked at a bounded number of times).
   */
  #retain(groupName: string, added: number): void {
    const group = this.#logGroups.get(groupName)!;
    group.storedEvents += added;
    const limit = this.#o.maxLogEvents;
    if (group.storedEvents <= limit + Math.max(1, Math.floor(limit / 10))) return;
    const stamps = new Float64Array(group.storedEvents);
    let k = 0;
    for (const s of group.streams) for (const e of s.events) stamps[k++] = e.timestamp;
    stamps.sort();
    // Drop every event up to the millisecond of the `excess`-th oldest (ties
    // there go too, so the group may end a few events under the limit).
    const cut = stamps[group.storedEvents - limit - 1];
    let dropped = 0;
    for (const s of group.streams) {
      const before = s.events.length;
      s.events = s.events.filter((e) => e.timestamp > cut);
      dropped += before - s.events.length;
    }
    group.droppedEvents += dropped;
    group.storedEvents -= dropped;
  }

  #requestId(): string {
    const r = () => Math.floor(this.#o.prng.nextFloat() * 0x10000).toString(16).padStart(4, "0");
    this.#ids++;
    return `${r()}${r()}-${r()}-4${r().slice(1)}-${r()}-${r()}${r()}${r()}`;
  }

  /**
   * Invoke. The payload is JSON; its batch size is the length of its `requests`
   * array, or its `batch_size`, or 1. The function's service time is the
   * profile's S(batch, memory) with the configured jitter.
   *
   * @throws {LambdaApiError} On an unknown function, a bad or too large payload, or throttling.
   */
  async invoke(
    name: string,
    payload: Uint8Array,
    options: { invocationType?: string; logType?: string } = {},
  ): Promise<InvocationResult> {
    const { invocationType = "RequestResponse", logType = "None" } = options;
    const f = this.#get(name);
    if (payload.length > MAX_PAYLOAD_BYTES) {
      throw new LambdaApiError(
        "RequestTooLargeException",
        413,
        `Request must be smaller than ${MAX_PAYLOAD_BYTES} bytes for the InvokeFunction operation`,
        { Type: "User" },
      );
    }
    let body: unknown = {};
    if (payload.length > 0) {
      try {
        body = JSON.parse(new TextDecoder().decode(payload));
      } catch {
        throw new LambdaApiError(
          "InvalidRequestContentException",
          400,
          "Could not parse request body into json: the payload is not JSON",
          { Type: "User" },
        );
      }
    }
    if (invocationType === "DryRun") {
      return { statusCode: 204, payload: new Uint8Array(), executedVersion: "$LATEST" };
    }
    const faults = this.#o.faults ?? {};
    if ((faults.throttleRate ?? 0) > 0 && this.#o.prng.nextFloat() < faults.throttleRate!) {
      throw new LambdaApiError("TooManyRequestsException", 429, "Rate Exceeded.", {
        Reason: "CallerRateLimitExceeded",
        retryAfterSeconds: "0.05",
        Type: "User",
      });
    }
    if (this.#running >= this.#o.concurrencyLimit) {
      throw new LambdaApiError("TooManyRequestsException", 429, "Rate Exceeded.", {
        Reason: "ReservedFunctionConcurrentInvocationLimitExceeded",
        retryAfterSeconds: "1",
        Type: "User",
      });
    }
    const run = this.#execute(f, body);
    if (invocationType === "Event") {
      run.catch(() => {});
      return { statusCode: 202, payload: new Uint8Array(), executedVersion: "$LATEST" };
    }
    const { responseBody, lines } = await run;
    if ((faults.extraLatencySec ?? 0) > 0) {
      await this.#o.sleep(faults.extraLatencySec! * 1000 / this.#o.timeScale);
    }
    if ((faults.dropRate ?? 0) > 0 && this.#o.prng.nextFloat() < faults.dropRate!) {
      throw new DroppedConnection();
    }
    const failed = (faults.errorRate ?? 0) > 0 && this.#o.prng.nextFloat() < faults.errorRate!;
    const result: InvocationResult = {
      statusCode: 200,
      payload: new TextEncoder().encode(
        JSON.stringify(
          failed ? { errorMessage: "Injected fault", errorType: "InjectedError" } : responseBody,
        ),
      ),
      executedVersion: "$LATEST",
    };
    if (failed) result.functionError = "Unhandled";
    if (logType === "Tail") {
      const bytes = new TextEncoder().encode(lines.join("\n") + "\n");
      const tail = bytes.subarray(Math.max(0, bytes.length - 4096));
      result.logResult = btoa(String.fromCharCode(...tail));
    }
    return result;
  }

  async #execute(f: FunctionState, body: unknown) {
    const o = this.#o;
    this.#running++;
    const startMs = o.now();
    // Reclaim environments idle for too long; reuse the most recently used idle one.
    const idleLimit = o.idleTimeoutSec * 1000;
    f.environments = f.environments.filter((e) => e.busy || startMs - e.lastUsedMs <= idleLimit);
    let env = f.environments.filter((e) => !e.busy && e.generation === f.generation)
      .sort((a, b) => b.lastUsedMs - a.lastUsedMs)[0];
    const cold = !env;
    if (!env) {
      env = {
        id: String(this.#ids),
        busy: true,
        lastUsedMs: startMs,
        stream: this.#newStream(f.config.FunctionName),
        generation: f.generation,
      };
      f.environments.push(env);
    }
    env.busy = true;
    const requestId = this.#requestId();
    const rec = body as { requests?: unknown[]; batch_size?: number; model?: string };
    const batch = Array.isArray(rec?.requests)
      ? Math.max(1, rec.requests.length)
      : Number.isInteger(rec?.batch_size) && rec.batch_size! > 0
      ? rec.batch_size!
      : 1;
    const model = f.config.Environment?.Variables?.MODEL ?? o.defaultModel;
    const profile = o.profileFor(model);
    // The configuration the invocation started with: an update while it runs
    // does not change its memory (its REPORT line says what it ran with).
    const memoryMb = f.config.MemorySize;
    let serviceSec = serviceTimeSec(profile, batch, memoryMb, { extrapolate: true });
    if (o.jitterCv > 0) {
      const s2 = Math.log(1 + o.jitterCv ** 2);
      const u1 = o.prng.nextFloat() || Number.MIN_VALUE, u2 = o.prng.nextFloat();
      const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
      serviceSec *= Math.exp(Math.sqrt(s2) * z - s2 / 2);
    }
    const initSec = cold ? o.initSec : 0;
    try {
      await o.sleep((initSec + serviceSec) * 1000 / o.timeScale);
    } finally {
      this.#running--;
      env.busy = false;
      env.lastUsedMs = o.now();
    }
    const durationMs = serviceSec * 1000;
    const billedMs = Math.ceil(durationMs / o.billingMs - 1e-9) * o.billingMs;
    const usedMb = Math.min(memoryMb, Math.round(300 + 10 * batch));
    const lines = [
      `START RequestId: ${requestId} Version: $LATEST`,
      `END RequestId: ${requestId}`,
      `REPORT RequestId: ${requestId}\tDuration: ${durationMs.toFixed(2)} ms\t` +
      `Billed Duration: ${billedMs} ms\tMemory Size: ${memoryMb} MB\t` +
      `Max Memory Used: ${usedMb} MB` +
      (cold ? `\tInit Duration: ${(initSec * 1000).toFixed(2)} ms` : ""),
    ];
    const t = o.now();
    for (const message of lines) {
      env.stream.events.push({ timestamp: t, message, ingestionTime: t });
    }
    this.#retain(`/aws/lambda/${f.config.FunctionName}`, lines.length);
    return {
      responseBody: {
        requestId,
        batchSize: batch,
        model,
        memoryMb,
        durationMs,
      },
      lines,
    };
  }
}

/**
 * The behaviour of a local AWS Lambda, without HTTP: functions with their
 * configuration, execution environments created on demand with a cold start,
 * reused while warm and reclaimed after an idle time, a concurrency limit,
 * service times from a profile, and a log stream per environment with START,
 * END and REPORT lines in Lambda's format. The HTTP face that speaks the real
 * Lambda API is in `http_server.ts`.
 *
 * A function with code (a `ZipFile` holding a Node.js-style ES module, or a
 * `CodePath` on this machine) runs it: each execution environment is a Deno
 * Worker (`worker_environment.ts`) whose cold start loads the module, and
 * Duration, Init Duration and Max Memory Used are measured. A function without
 * code sleeps for its profile's service time, drawn from the profile's
 * service-time distribution (`service_distribution.ts`: deterministic unless
 * the profile has a `variability`, or `jitterCv` makes it lognormal), the
 * one the exact model and the simulator use.
 *
 * Time is injected (`now`, `sleep`), so tests can run it on a fake clock, and
 * `timeScale` shortens every wait of a profile-driven function for fast
 * experiments. Code runs in real time, whatever `timeScale` says.
 *
 * @module
 */

import {
  type ServiceDistribution,
  serviceDistributions,
  withServiceCv,
} from "../profile/service_distribution.ts";
import {
  ProfileRangeError,
  type ServiceProfile,
  serviceTimeSec,
} from "../profile/service_profile.ts";
import type { Prng } from "../random/prng.ts";
import { type CpuModel, cpuScaleFactor } from "./cpu_model.ts";
import {
  codeFromPath,
  type FunctionCode,
  handlerModule,
  handlerModuleIn,
  readZipArchive,
  removeCode,
  RuntimeLoadError,
  unpackZipCode,
} from "./function_code.ts";
import {
  type FunctionLogLine,
  type InitOutcome,
  type InvokeOutcome,
  type LoadTarget,
  WorkerEnvironment,
} from "./worker_environment.ts";

/** A function's configuration, shaped like Lambda's `FunctionConfiguration`. */
export interface FunctionConfiguration {
  FunctionName: string;
  FunctionArn: string;
  Runtime: string;
  Role: string;
  Handler: string;
  MemorySize: number;
  /** Seconds the Invoke phase may last, 1..900; past it the invocation times out. */
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
  /**
   * Resolves a function's model (environment variable MODEL) to a profile;
   * throws for a model it does not know (CreateFunction and
   * UpdateFunctionConfiguration then refuse the MODEL).
   */
  profileFor: (model: string) => ServiceProfile;
  /** Model when the function sets none. @default {"TF-inceptionV4"} */
  defaultModel?: string;
  /**
   * Evaluate profiles outside the memory and batch ranges they were fitted on
   * (polynomials may turn negative there). Without it a memory outside the
   * range is refused at CreateFunction and UpdateFunctionConfiguration, and a
   * batch outside it at Invoke. With it, a service time that is not positive
   * and finite is still refused, never run or reported. @default {false}
   */
  extrapolate?: boolean;
  /**
   * Timeout of a function created without one, seconds (an integer 1..900).
   * Lambda's default is 3 s and `lambda-local` uses it; in-process the default
   * is the largest, so callers that create functions without a Timeout (the
   * buffer) are not cut short by a limit they never chose. @default {900}
   */
  defaultTimeoutSec?: number;
  /** Wall clock, ms since the epoch. @default {Date.now} */
  now?: () => number;
  /** Waits `ms` milliseconds. @default {setTimeout} */
  sleep?: (ms: number) => Promise<void>;
  /** Divides every wait (service, init, timeout) by this. @default {1} */
  timeScale?: number;
  /** Random numbers for service times, ids and faults. */
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
  /**
   * A lognormal service time of this coefficient of variation around the
   * profile's mean (the CLIs' `--service-cv`), in place of the profile's own
   * `variability`; 0 leaves the profile as it is (deterministic unless it has
   * a `variability`). @default {0}
   */
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
  /**
   * How a function with code turns its measured time into Duration (see
   * `cpu_model.ts`): `"host"` reports the time measured here; `"memory-share"`
   * stretches it by `max(1, 1769 / MemorySize)`, as a single-threaded handler
   * on Lambda's memory-proportional CPU share, and the invocation then lasts
   * that long (the Timeout applies to the stretched time). Profile-driven
   * functions are not affected: their profiles already depend on memory.
   * @default {"host"}
   */
  cpuModel?: CpuModel;
  /**
   * Limit of a function with code's Init phase (loading its module), seconds;
   * past it the invocation ends as a timeout and the environment is discarded.
   * @default {INIT_LIMIT_SEC} (10, as on Lambda)
   */
  initLimitSec?: number;
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
  /** The Worker of a function with code. */
  worker?: WorkerEnvironment;
  /** Receives the Worker's log lines (the running invocation's, else the stream). */
  onLog?: (line: FunctionLogLine) => void;
}

interface FunctionState {
  config: FunctionConfiguration;
  /** When an update in progress is done, ms since the epoch. */
  updateDoneMs?: number;
  generation: number;
  environments: Environment[];
  /** The function's code; without it the function follows its profile. */
  code?: FunctionCode;
  /** Code replaced by UpdateFunctionCode, removed with the function. */
  oldCode: FunctionCode[];
}

/** What an invocation returns. */
export interface InvocationResult {
  statusCode: number;
  payload: Uint8Array;
  functionError?: "Unhandled" | "Handled";
  /** The tail of the invocation's log (base64 of the last 4 KB), with `LogType: Tail`. */
  logResult?: string;
  executedVersion: "$LATEST";
  /** The invocation's request id, as in its log lines (`x-amzn-RequestId`). */
  requestId: string;
}

/** Options of {@linkcode LocalLambda.invoke}, as Invoke's headers and query give them. */
export interface InvokeOptions {
  /** `X-Amz-Invocation-Type`: one of {@linkcode INVOCATION_TYPES}. @default {"RequestResponse"} */
  invocationType?: string;
  /** `X-Amz-Log-Type`: one of {@linkcode LOG_TYPES}. @default {"None"} */
  logType?: string;
  /** The `Qualifier` query parameter: only `$LATEST` exists here. */
  qualifier?: string;
}

/** Options of {@linkcode LocalLambda.listFunctionsPage}. */
export interface ListFunctionsOptions {
  /** `MaxItems`: 1..10000; a page holds at most 50 whatever it says. @default {50} */
  maxItems?: number;
  /** `Marker`: the `NextMarker` of the previous page. */
  marker?: string;
}

/** One page of ListFunctions. */
export interface FunctionsPage {
  /** The functions, by name. */
  functions: FunctionConfiguration[];
  /** Where the next page starts; absent on the last page. */
  nextMarker?: string;
}

/** Largest synchronous request payload, bytes (Lambda: 6 MB). */
export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

/**
 * Largest asynchronous (`Event`) request payload, bytes. Lambda raised it
 * from 256 KB to 1 MB in 2025; the Invoke API reference now says "For
 * asynchronous invocations, the maximum payload size is 1 MB"
 * (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html).
 */
export const MAX_ASYNC_PAYLOAD_BYTES = 1024 * 1024;

/** Longest function Timeout Lambda takes, seconds (15 minutes). */
export const MAX_TIMEOUT_SEC = 900;

/**
 * Limit of an on-demand cold start's Init phase, seconds: "The Init phase is
 * limited to 10 seconds" (AWS, "Understanding the Lambda execution environment
 * lifecycle"). A function with code whose module takes longer to load ends
 * the invocation as a timeout (`initLimitSec` changes it).
 */
export const INIT_LIMIT_SEC = 10;

/** Runtime of a function created with code and no `Runtime`. */
export const DEFAULT_CODE_RUNTIME = "nodejs22.x";

/** Values of Invoke's `X-Amz-Invocation-Type`. */
export const INVOCATION_TYPES = ["Event", "RequestResponse", "DryRun"] as const;

/** Values of Invoke's `X-Amz-Log-Type`. */
export const LOG_TYPES = ["None", "Tail"] as const;

/** ListFunctions returns at most this many functions a page, whatever `MaxItems` says. */
export const LIST_FUNCTIONS_PAGE_MAX = 50;

const NAME = /^[a-zA-Z0-9-_]{1,64}$/;

/**
 * A function name, partial ARN or ARN with an optional qualifier: the pattern
 * of Invoke's `FunctionName` in the Lambda API reference.
 */
const FUNCTION_REF = new RegExp(
  "^(?:arn:(?:aws[a-zA-Z-]*)?:lambda:)?(?:[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\\d:)?" +
    "(?:\\d{12}:)?(?:function:)?([a-zA-Z0-9-_.]+)(?::(\\$LATEST(?:\\.PUBLISHED)?|[a-zA-Z0-9-_]+))?$",
);

/** Environment variable names Lambda takes (`EnvironmentVariableName` in its API model). */
const VARIABLE_NAME = /^[a-zA-Z][a-zA-Z0-9_]+$/;

/**
 * A request that breaks a constraint of Lambda's API model. Lambda answers
 * those with a ValidationException in this wording, e.g. "1 validation error
 * detected: Value '3000' at 'timeout' failed to satisfy constraint: Member must
 * have value less than or equal to 900" (quoted from Lambda in
 * covidatlas/li#575; an enum case in aws/aws-cli#3229).
 */
function _validationError(value: unknown, member: string, constraint: string): LambdaApiError {
  return new LambdaApiError(
    "ValidationException",
    400,
    `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: ` +
      constraint,
    { Type: "User" },
  );
}

function _invalidParameter(message: string): LambdaApiError {
  return new LambdaApiError("InvalidParameterValueException", 400, message, { Type: "User" });
}

function _invalidContent(message: string): LambdaApiError {
  return new LambdaApiError("InvalidRequestContentException", 400, message, { Type: "User" });
}

function _oneOf(value: string, allowed: readonly string[], member: string): string {
  if (!allowed.includes(value)) {
    throw _validationError(
      value,
      member,
      `Member must satisfy enum value set: [${allowed.join(", ")}]`,
    );
  }
  return value;
}

/** An integer within `lo..hi`, checked as Lambda checks `MemorySize` and `Timeout`. */
function _integerIn(
  value: unknown,
  field: string,
  member: string,
  lo: number,
  hi: number,
  unit: string,
): number {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw _invalidParameter(
      `${field} must be an integer from ${lo} to ${hi} ${unit}: found ${JSON.stringify(value)}`,
    );
  }
  if (value < lo) {
    throw _validationError(value, member, `Member must have value greater than or equal to ${lo}`);
  }
  if (value > hi) {
    throw _validationError(value, member, `Member must have value less than or equal to ${hi}`);
  }
  return value;
}

/** `Environment` checked for the shape Lambda and its clients expect: `{Variables: {name: string}}`. */
function _environment(value: unknown): { Variables: Record<string, string> } {
  const shape = 'Environment must be an object {"Variables": {"NAME": "value", ...}}';
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw _invalidParameter(`${shape}: found ${JSON.stringify(value)}`);
  }
  const variables = (value as { Variables?: unknown }).Variables ?? {};
  if (typeof variables !== "object" || variables === null || Array.isArray(variables)) {
    throw _invalidParameter(`${shape}: found Variables ${JSON.stringify(variables)}`);
  }
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(variables)) {
    if (!VARIABLE_NAME.test(name)) {
      throw _invalidParameter(
        `Environment variable names must match ${VARIABLE_NAME.source}: found '${name}'`,
      );
    }
    if (typeof v !== "string") {
      throw _invalidParameter(
        `Environment variable ${name} must be a string: found ${JSON.stringify(v)}`,
      );
    }
    out[name] = v;
  }
  return { Variables: out };
}

/** How an execution ended, for the invocation's answer. */
interface RunOutcome {
  durationMs: number;
  timedOut: boolean;
  /** The invocation's log lines (for `LogType: Tail`). */
  lines: string[];
  /** The Timeout the invocation started with, seconds. */
  timeoutSec: number;
  /** A function with code: its answer as JSON text, and whether it is a function error. */
  code?: { payload: string; error: boolean };
}

/** What an invocation will run: decided before it takes a concurrency slot. */
interface Plan {
  batch: number;
  model: string;
  /** The configuration the invocation starts with. */
  memoryMb: number;
  timeoutSec: number;
  /**
   * The service time of the batch at the memory: its mean is S(batch,
   * memory) of the profile, positive and finite; each run draws from it.
   */
  service: ServiceDistribution;
  /** The payload was buffer.py's `{"BS": n}`: answer with the duration in ms. */
  legacy: boolean;
}

/**
 * What an invocation of a function with code reports: its Duration (the
 * measured time stretched by the CPU model's factor; the Timeout after a
 * timeout; nothing for a failed init), its answer (`undefined` after a
 * timeout: the caller answers `Sandbox.Timedout`), the REPORT's status
 * fields, and whether its environment is discarded.
 */
function _codeVerdict(
  outcome: InvokeOutcome,
  o: { initFailed: boolean; timeoutSec: number; factor: number; elapsedMs: number },
): { durationMs: number; code?: RunOutcome["code"]; status: string; discard: boolean } {
  switch (outcome.kind) {
    case "result":
      return {
        durationMs: outcome.durationMs * o.factor,
        code: outcome.ok
          ? { payload: outcome.payload, error: false }
          : { payload: JSON.stringify(outcome.error), error: true },
        status: "",
        discard: false,
      };
    case "timeout":
      return {
        durationMs: o.initFailed ? 0 : o.timeoutSec * 1000,
        status: "\tStatus: timeout",
        discard: true,
      };
    case "crash":
      return {
        durationMs: o.initFailed ? 0 : o.elapsedMs * o.factor,
        code: { payload: JSON.stringify(outcome.error), error: true },
        // A failed init reports its error's type; a crash ends the runtime's process.
        status: `\tStatus: error\tError Type: ${
          o.initFailed ? outcome.error.errorType : "Runtime.ExitError"
        }`,
        discard: true,
      };
  }
}

/**
 * A local Lambda: functions, environments, invocations and their logs.
 *
 * @example A batch past the function's Timeout, on a fake clock
 * ```ts
 * import assert from "node:assert/strict";
 * import { publishedProfile } from "../profile/service_profile.ts";
 * import { seededPrng } from "../random/prng.ts";
 *
 * let nowMs = 0;
 * const lambda = new LocalLambda({
 *   profileFor: publishedProfile,
 *   prng: seededPrng(1),
 *   now: () => nowMs,
 *   sleep: (ms) => Promise.resolve(void (nowMs += ms)),
 * });
 * lambda.createFunction({ FunctionName: "f", MemorySize: 2048, Timeout: 3 });
 * // S(10, 2048 MB) of TF-inceptionV4 is 8.28 s: the invocation ends at 3 s.
 * const r = await lambda.invoke("f", new TextEncoder().encode('{"BS": 10}'));
 * assert.equal(r.functionError, "Unhandled");
 * assert.equal(JSON.parse(new TextDecoder().decode(r.payload)).errorType, "Sandbox.Timedout");
 * assert.equal(nowMs, 3250); // the cold start's 250 ms, then the Timeout
 * ```
 */
export class LocalLambda {
  readonly #o:
    & Required<Omit<LocalLambdaOptions, "profileFor" | "prng" | "faults">>
    & LocalLambdaOptions;
  readonly #functions = new Map<string, FunctionState>();
  readonly #logGroups = new Map<string, LogGroup>();
  /**
   * The service-time distributions of batch sizes 1..n (index k - 1) per
   * profile (as `profileFor` gives it) and memory, built on first use.
   */
  readonly #services = new WeakMap<ServiceProfile, Map<number, ServiceDistribution[]>>();
  #running = 0;
  #ids = 0;
  /** Reclaims idle Workers while any exist. */
  #sweepTimer?: ReturnType<typeof setInterval>;

  /**
   * Creates an empty local Lambda.
   *
   * @throws {RangeError} If `defaultTimeoutSec` is not an integer from 1 to 900.
   * @throws {RangeError} If `initLimitSec` is not a positive number.
   * @throws {RangeError} If `jitterCv` is not a finite number >= 0.
   * @throws {TypeError} If `cpuModel` is not one of `CPU_MODELS`.
   */
  constructor(options: LocalLambdaOptions) {
    this.#o = {
      defaultModel: "TF-inceptionV4",
      extrapolate: false,
      defaultTimeoutSec: MAX_TIMEOUT_SEC,
      now: () => Date.now(),
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      timeScale: 1,
      concurrencyLimit: 1000,
      idleTimeoutSec: 600,
      initSec: 0.25,
      updateSec: 0,
      billingMs: 1,
      accountId: "000000000000",
      region: "us-east-1",
      maxLogEvents: 1_000_000,
      cpuModel: "host",
      initLimitSec: INIT_LIMIT_SEC,
      ...options,
      jitterCv: options.jitterCv ?? 0,
    };
    cpuScaleFactor(this.#o.cpuModel, 128); // throws on an unknown model
    if (!(this.#o.jitterCv >= 0 && Number.isFinite(this.#o.jitterCv))) {
      throw new RangeError(
        `Cannot create the local Lambda as 'jitterCv' must be a finite number >= 0: current value is ${this.#o.jitterCv}`,
      );
    }
    if (!(this.#o.initLimitSec > 0 && Number.isFinite(this.#o.initLimitSec))) {
      throw new RangeError(
        `Cannot create the local Lambda as 'initLimitSec' must be a positive number of seconds: current value is ${this.#o.initLimitSec}`,
      );
    }
    const t = this.#o.defaultTimeoutSec;
    if (!(Number.isInteger(t) && t >= 1 && t <= MAX_TIMEOUT_SEC)) {
      throw new RangeError(
        `Cannot create the local Lambda as 'defaultTimeoutSec' must be an integer from 1 to ${MAX_TIMEOUT_SEC}: current value is ${t}`,
      );
    }
  }

  /** Number of invocations running now (each holds a concurrency slot). */
  get running(): number {
    return this.#running;
  }

  #arn(name: string): string {
    return `arn:aws:lambda:${this.#o.region}:${this.#o.accountId}:function:${name}`;
  }

  /**
   * The function a name, partial ARN or ARN refers to, with its qualifier
   * (from the name, `name:$LATEST`, or the `Qualifier` parameter): only
   * `$LATEST` exists here, any other version or alias is not found.
   */
  #get(ref: string, qualifier?: string): FunctionState {
    const m = FUNCTION_REF.exec(ref);
    if (!m || ref.length > 256 || (!ref.includes(":") && ref.length > 64)) {
      throw _validationError(
        ref,
        "functionName",
        `Member must satisfy regular expression pattern: ${FUNCTION_REF.source}`,
      );
    }
    const name = m[1], fromName = m[2];
    if (qualifier !== undefined && !/^[a-zA-Z0-9$_-]{1,128}$/.test(qualifier)) {
      throw _validationError(
        qualifier,
        "qualifier",
        "Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)",
      );
    }
    if (fromName !== undefined && qualifier !== undefined && fromName !== qualifier) {
      throw _invalidParameter(
        "The derived qualifier from the function name does not match the specified qualifier.",
      );
    }
    const version = fromName ?? qualifier;
    const f = this.#functions.get(name);
    if (!f || (version !== undefined && version !== "$LATEST")) {
      throw new LambdaApiError(
        "ResourceNotFoundException",
        404,
        `Function not found: ${this.#arn(name)}${
          version !== undefined && version !== "$LATEST" ? `:${version}` : ""
        }`,
        { Type: "User" },
      );
    }
    if (f.updateDoneMs !== undefined && this.#o.now() >= f.updateDoneMs) {
      f.config.LastUpdateStatus = "Successful";
      f.updateDoneMs = undefined;
    }
    return f;
  }

  /**
   * The profile of a configuration, checked as CreateFunction and
   * UpdateFunctionConfiguration check it: the model must name a profile and,
   * unless extrapolating, the memory must lie in the profile's fitted range;
   * extrapolating, batch 1 must still take a positive, finite time there.
   */
  #checkConfiguration(model: string, memoryMb: number): void {
    let profile: ServiceProfile;
    try {
      profile = this.#o.profileFor(model);
    } catch (e) {
      throw _invalidParameter(
        `The function's MODEL '${model}' names no service-time profile: ${(e as Error).message}`,
      );
    }
    const [lo, hi] = profile.memoryRangeMb;
    if (!this.#o.extrapolate) {
      if (!(memoryMb >= lo && memoryMb <= hi)) {
        throw _invalidParameter(
          `MemorySize ${memoryMb} MB is outside the memories profile '${profile.name}' was ` +
            `fitted on (${lo}..${hi} MB); the local Lambda refuses it unless it extrapolates ` +
            "(lambda-local --extrapolate)",
        );
      }
      return;
    }
    const batch = profile.batchRange[0];
    const sec = serviceTimeSec(profile, batch, memoryMb, { extrapolate: true });
    if (!(sec > 0 && Number.isFinite(sec))) {
      throw _invalidParameter(
        `MemorySize ${memoryMb} MB is outside the memories profile '${profile.name}' was ` +
          `fitted on (${lo}..${hi} MB), and extrapolated there it gives batch ${batch} a ` +
          `service time of ${sec} s, not a positive time`,
      );
    }
  }

  #modelOf(config: FunctionConfiguration): string {
    return config.Environment?.Variables?.MODEL ?? this.#o.defaultModel;
  }

  /**
   * CreateFunction.
   *
   * The function runs code when `input.CodePath` names a module file on this
   * machine (this emulator's own field: the module's export named by the
   * Handler's last part, `handler` by default, is the handler), or when
   * `input.Code.ZipFile` (base64 text, as the REST API carries it, or bytes)
   * is a zip archive and either the Runtime is a Node.js one (`nodejs*`) or
   * the archive holds the Handler's module (`index.handler`: `index.js`,
   * `index.mjs`, `index.cjs`, `index.ts` or `index.mts`). A zip is unpacked
   * into a temporary directory of its own (so the process needs write
   * access). Any other ZipFile (not a zip, or one without the module for a
   * runtime other than Node.js) leaves the function driven by its profile, as
   * before: the published profiles can be served from any placeholder zip.
   *
   * @throws {LambdaApiError} On a bad name, memory, timeout or environment, a
   * MODEL that names no profile, a memory outside the profile's range (unless
   * extrapolating), a name already taken, a Node.js runtime with a ZipFile
   * that is not a zip, or a CodePath that is not a file.
   */
  createFunction(input: Record<string, unknown>): FunctionConfiguration {
    const name = input.FunctionName;
    if (typeof name !== "string" || !NAME.test(name)) {
      throw _invalidParameter(
        `FunctionName must be 1 to 64 letters, digits, hyphens or underscores: found ${name}`,
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
    const memoryMb = input.MemorySize === undefined
      ? 128
      : _integerIn(input.MemorySize, "MemorySize", "memorySize", 128, 10240, "MB");
    const timeoutSec = input.Timeout === undefined
      ? this.#o.defaultTimeoutSec
      : _integerIn(input.Timeout, "Timeout", "timeout", 1, MAX_TIMEOUT_SEC, "seconds");
    const environment = input.Environment === undefined || input.Environment === null
      ? undefined
      : _environment(input.Environment);
    const codePath = input.CodePath;
    if (codePath !== undefined && (typeof codePath !== "string" || codePath === "")) {
      throw _invalidParameter(
        `CodePath must be the path of a module file: found ${JSON.stringify(codePath)}`,
      );
    }
    const handler = typeof input.Handler === "string"
      ? input.Handler
      : codePath !== undefined
      ? `${codePath.replace(/^.*\//, "").replace(/\.[^.]*$/, "") || "index"}.handler`
      : "handler.handler";
    const runtime = typeof input.Runtime === "string" ? input.Runtime : undefined;
    const code = codePath !== undefined
      ? this.#codeFromPath(codePath)
      : this.#codeFromZip(input.Code, runtime, handler);
    const config: FunctionConfiguration = {
      FunctionName: name,
      FunctionArn: this.#arn(name),
      Runtime: runtime ?? (code ? DEFAULT_CODE_RUNTIME : "python3.12"),
      Role: typeof input.Role === "string" ? input.Role : "arn:aws:iam::000000000000:role/lambda",
      Handler: handler,
      MemorySize: memoryMb,
      Timeout: timeoutSec,
      ...(environment ? { Environment: environment } : {}),
      LastModified: new Date(this.#o.now()).toISOString().replace("Z", "+0000"),
      State: "Active",
      LastUpdateStatus: "Successful",
      CodeSha256: code?.sha256 ?? "local",
      CodeSize: code?.sizeBytes ?? 0,
      Version: "$LATEST",
      PackageType: "Zip",
      Architectures: ["x86_64"],
    };
    if (!code) this.#checkConfiguration(this.#modelOf(config), memoryMb);
    this.#functions.set(name, { config, generation: 0, environments: [], code, oldCode: [] });
    return structuredClone(config);
  }

  /** Whether a function runs code (else it follows its profile). */
  hasCode(name: string): boolean {
    return this.#get(name).code !== undefined;
  }

  /** The CPU model of functions with code. */
  get cpuModel(): CpuModel {
    return this.#o.cpuModel;
  }

  #codeFromPath(path: string): FunctionCode {
    try {
      return codeFromPath(path);
    } catch (e) {
      throw _invalidParameter((e as Error).message);
    }
  }

  /**
   * The code a ZipFile holds, unpacked; `undefined` for a placeholder (see
   * {@linkcode createFunction}).
   */
  #codeFromZip(
    codeInput: unknown,
    runtime: string | undefined,
    handler: string,
  ): FunctionCode | undefined {
    const zipFile = (codeInput as { ZipFile?: unknown } | undefined)?.ZipFile;
    let zip: Uint8Array | undefined;
    if (zipFile instanceof Uint8Array) zip = zipFile;
    else if (typeof zipFile === "string") {
      try {
        zip = Uint8Array.from(atob(zipFile), (c) => c.charCodeAt(0));
      } catch {
        throw _invalidParameter("Code.ZipFile must be base64 text: it is not");
      }
    }
    if (zip === undefined) return undefined;
    const node = runtime?.startsWith("nodejs") ?? false;
    const files = readZipArchive(zip);
    if (files === undefined) {
      if (!node) return undefined;
      throw _invalidParameter(
        "Could not unzip uploaded file. Please check your file, then try to upload again.",
      );
    }
    let holdsModule: boolean;
    try {
      holdsModule = handlerModuleIn(Object.keys(files), handler) !== undefined;
    } catch {
      holdsModule = false; // a malformed Handler is reported at Invoke, as Lambda does
    }
    if (!node && !holdsModule) return undefined;
    try {
      return unpackZipCode(files, zip);
    } catch (e) {
      if (e instanceof RangeError) throw _invalidParameter(e.message);
      throw e;
    }
  }

  /**
   * GetFunctionConfiguration.
   *
   * @throws {LambdaApiError} When the function or its qualifier is not found.
   */
  getFunctionConfiguration(name: string, qualifier?: string): FunctionConfiguration {
    return structuredClone(this.#get(name, qualifier).config);
  }

  /**
   * UpdateFunctionConfiguration: applies at once (all of it or nothing) and
   * retires the warm environments.
   *
   * @throws {LambdaApiError} As CreateFunction for the new values, and while a
   * previous update is in progress.
   */
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
    const next = structuredClone(f.config);
    if (input.MemorySize !== undefined) {
      next.MemorySize = _integerIn(input.MemorySize, "MemorySize", "memorySize", 128, 10240, "MB");
    }
    if (input.Timeout !== undefined) {
      next.Timeout = _integerIn(input.Timeout, "Timeout", "timeout", 1, MAX_TIMEOUT_SEC, "seconds");
    }
    if (input.Environment !== undefined && input.Environment !== null) {
      next.Environment = _environment(input.Environment);
    }
    if (typeof input.Handler === "string") next.Handler = input.Handler;
    if (!f.code) this.#checkConfiguration(this.#modelOf(next), next.MemorySize);
    next.LastModified = new Date(this.#o.now()).toISOString().replace("Z", "+0000");
    f.config = next;
    this.#retireEnvironments(f);
    return structuredClone(f.config);
  }

  /**
   * UpdateFunctionCode with a `ZipFile` (base64 text or bytes), or this
   * emulator's `CodePath`: the new code serves the next invocations, from
   * new environments (the warm ones are retired, as after a configuration
   * change). The rules of {@linkcode createFunction} decide whether the
   * function then runs code or follows its profile.
   *
   * @throws {LambdaApiError} When the function is not found, an update is in
   * progress, or the code is refused as CreateFunction refuses it.
   */
  updateFunctionCode(name: string, input: Record<string, unknown>): FunctionConfiguration {
    const f = this.#get(name);
    if (f.config.LastUpdateStatus === "InProgress") {
      throw new LambdaApiError(
        "ResourceConflictException",
        409,
        `The operation cannot be performed at this time. An update is in progress for resource: ${f.config.FunctionArn}`,
        { Type: "User" },
      );
    }
    const codePath = input.CodePath;
    if (codePath !== undefined && (typeof codePath !== "string" || codePath === "")) {
      throw _invalidParameter(
        `CodePath must be the path of a module file: found ${JSON.stringify(codePath)}`,
      );
    }
    if (codePath === undefined && input.ZipFile === undefined) {
      throw _invalidParameter("UpdateFunctionCode needs ZipFile (or this emulator's CodePath)");
    }
    const code = codePath !== undefined
      ? this.#codeFromPath(codePath)
      : this.#codeFromZip({ ZipFile: input.ZipFile }, f.config.Runtime, f.config.Handler);
    if (!code) this.#checkConfiguration(this.#modelOf(f.config), f.config.MemorySize);
    if (f.code) f.oldCode.push(f.code);
    f.code = code;
    f.config.CodeSha256 = code?.sha256 ?? "local";
    f.config.CodeSize = code?.sizeBytes ?? 0;
    f.config.LastModified = new Date(this.#o.now()).toISOString().replace("Z", "+0000");
    this.#retireEnvironments(f);
    return structuredClone(f.config);
  }

  /**
   * After an update: a new generation, the idle environments terminated (the
   * busy ones finish and are discarded), and `InProgress` for `updateSec`.
   */
  #retireEnvironments(f: FunctionState): void {
    f.generation++;
    for (const e of f.environments) if (!e.busy) e.worker?.terminate();
    f.environments = f.environments.filter((e) => e.busy);
    if (this.#o.updateSec > 0) {
      f.config.LastUpdateStatus = "InProgress";
      f.updateDoneMs = this.#o.now() + this.#o.updateSec * 1000 / this.#o.timeScale;
    }
  }

  /** ListFunctions, every function in one list (by name). */
  listFunctions(): FunctionConfiguration[] {
    return [...this.#functions.keys()].sort().map((n) =>
      structuredClone(this.#functions.get(n)!.config)
    );
  }

  /**
   * ListFunctions, one page: at most `maxItems` and at most 50 functions, by
   * name, from `marker` on.
   *
   * @throws {LambdaApiError} On a `maxItems` outside 1..10000 or a marker
   * that is not a `nextMarker` of this API.
   */
  listFunctionsPage(options: ListFunctionsOptions = {}): FunctionsPage {
    const maxItems = options.maxItems === undefined
      ? LIST_FUNCTIONS_PAGE_MAX
      : _integerIn(options.maxItems, "MaxItems", "maxItems", 1, 10000, "functions");
    const names = [...this.#functions.keys()].sort();
    let from = 0;
    if (options.marker !== undefined) {
      let after: string | undefined;
      try {
        const text = atob(options.marker);
        if (text.startsWith("after:")) after = text.slice("after:".length);
      } catch {
        // not base64: refused below
      }
      if (after === undefined || !NAME.test(after)) {
        throw _invalidParameter(
          `Marker is not a NextMarker of ListFunctions: found '${options.marker}'`,
        );
      }
      from = names.findIndex((n) => n > after!);
      if (from < 0) from = names.length;
    }
    const size = Math.min(maxItems, LIST_FUNCTIONS_PAGE_MAX);
    const page = names.slice(from, from + size);
    const functions = page.map((n) => structuredClone(this.#functions.get(n)!.config));
    return from + size < names.length
      ? { functions, nextMarker: btoa(`after:${page.at(-1)}`) }
      : { functions };
  }

  /**
   * DeleteFunction.
   *
   * @throws {LambdaApiError} When the function or its qualifier is not found.
   */
  deleteFunction(name: string, qualifier?: string): void {
    const f = this.#get(name, qualifier);
    this.#functions.delete(f.config.FunctionName);
    this.#dispose(f);
  }

  /** Terminates a function's Workers and removes its unpacked code. */
  #dispose(f: FunctionState): void {
    for (const e of f.environments) e.worker?.terminate();
    f.environments = [];
    for (const code of [...f.oldCode, ...(f.code ? [f.code] : [])]) removeCode(code);
    f.oldCode = [];
  }

  /**
   * Shuts the local Lambda down: terminates every Worker (an invocation in
   * progress then fails) and removes the unpacked code. The functions stay
   * listed; invoking one with code afterwards starts a new Worker, so call
   * this last.
   */
  close(): void {
    for (const f of this.#functions.values()) this.#dispose(f);
    if (this.#sweepTimer !== undefined) clearInterval(this.#sweepTimer);
    this.#sweepTimer = undefined;
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

  /**
   * A random (version 4, RFC 9562) UUID from the injected generator: the
   * version nibble is 4 and the variant bits 10 (the fourth group starts with
   * 8, 9, a or b).
   */
  #requestId(): string {
    const r = () => Math.floor(this.#o.prng.nextFloat() * 0x10000);
    const hex = (x: number) => x.toString(16).padStart(4, "0");
    this.#ids++;
    const a = hex(r()), b = hex(r()), c = hex(r());
    const version = hex((r() & 0x0fff) | 0x4000);
    const variant = hex((r() & 0x3fff) | 0x8000);
    return `${a}${b}-${c}-${version}-${variant}-${hex(r())}${hex(r())}${hex(r())}`;
  }

  /**
   * What an invocation will run, from its payload and the function's
   * configuration now. The batch size is buffer.py's `BS`, the length of a
   * `requests` array, a positive integer `batch_size`, or 1.
   *
   * @throws {LambdaApiError} InvalidRequestContentException when the batch
   * lies outside the profile's fitted range (unless extrapolating) or its
   * service time is not positive and finite, or `BS` is not a positive integer.
   */
  #plan(f: FunctionState, body: unknown): Plan {
    const rec = (typeof body === "object" && body !== null && !Array.isArray(body) ? body : {}) as {
      BS?: unknown;
      requests?: unknown;
      batch_size?: unknown;
    };
    const legacy = "BS" in rec;
    let batch = 1;
    if (legacy) {
      if (!(typeof rec.BS === "number" && Number.isInteger(rec.BS) && rec.BS >= 1)) {
        throw _invalidContent(
          `BS must be the batch size, a positive integer: found ${JSON.stringify(rec.BS)}`,
        );
      }
      batch = rec.BS;
    } else if (Array.isArray(rec.requests)) {
      batch = Math.max(1, rec.requests.length);
    } else if (typeof rec.batch_size === "number" && Number.isInteger(rec.batch_size)) {
      batch = rec.batch_size >= 1 ? rec.batch_size : 1;
    }
    const model = this.#modelOf(f.config);
    const memoryMb = f.config.MemorySize;
    // CreateFunction and UpdateFunctionConfiguration checked the model.
    const profile = this.#o.profileFor(model);
    let serviceSec: number;
    try {
      serviceSec = serviceTimeSec(profile, batch, memoryMb, { extrapolate: this.#o.extrapolate });
    } catch (e) {
      if (!(e instanceof ProfileRangeError)) throw e;
      throw _invalidContent(
        `Batch ${batch} at ${memoryMb} MB is outside what profile '${profile.name}' was fitted ` +
          `on (batch ${profile.batchRange[0]}..${profile.batchRange[1]}, ` +
          `${profile.memoryRangeMb[0]}..${profile.memoryRangeMb[1]} MB); the local Lambda ` +
          "refuses it unless it extrapolates (lambda-local --extrapolate)",
      );
    }
    if (!(serviceSec > 0 && Number.isFinite(serviceSec))) {
      throw _invalidContent(
        `Profile '${profile.name}' extrapolated to batch ${batch} at ${memoryMb} MB gives a ` +
          `service time of ${serviceSec} s, not a positive time (it was fitted on batch ` +
          `${profile.batchRange[0]}..${profile.batchRange[1]}, ` +
          `${profile.memoryRangeMb[0]}..${profile.memoryRangeMb[1]} MB)`,
      );
    }
    const service = this.#serviceOf(profile, batch, memoryMb);
    return { batch, model, memoryMb, timeoutSec: f.config.Timeout, service, legacy };
  }

  /**
   * The service-time distribution of a batch at a memory: the profile's
   * (`serviceDistributions`), made lognormal of CV `jitterCv` when that is
   * above 0. The batch and the memory have been checked (`#plan`); the sizes
   * below the batch are built too, extrapolated, and each distribution is
   * kept for the next invocation.
   *
   * @throws {LambdaApiError} InvalidRequestContentException when the profile
   * gives a batch size up to this one no distribution (a mean or a CV
   * polynomial that is not positive there).
   */
  #serviceOf(profile: ServiceProfile, batch: number, memoryMb: number): ServiceDistribution {
    let byMemory = this.#services.get(profile);
    if (byMemory === undefined) this.#services.set(profile, byMemory = new Map());
    let dists = byMemory.get(memoryMb);
    if (dists === undefined || dists.length < batch) {
      try {
        dists = serviceDistributions(
          withServiceCv(profile, this.#o.jitterCv, "lognormal"),
          batch,
          memoryMb,
          { extrapolate: true },
        );
      } catch (e) {
        if (!(e instanceof RangeError)) throw e;
        throw _invalidContent(
          `Profile '${profile.name}' gives batch ${batch} at ${memoryMb} MB no service-time ` +
            `distribution: ${e.message}`,
        );
      }
      byMemory.set(memoryMb, dists);
    }
    return dists[batch - 1];
  }

  /** Where a function's module is, or the error its runtime reports for it. */
  #loadTarget(f: FunctionState): LoadTarget {
    try {
      return handlerModule(f.code!, f.config.Handler);
    } catch (e) {
      if (!(e instanceof RuntimeLoadError)) throw e;
      return { error: { errorType: e.errorType, errorMessage: e.message } };
    }
  }

  /** The variables of a Worker's `process.env`: Lambda's reserved ones, then the function's. */
  #variables(f: FunctionState, env: Environment): Record<string, string> {
    const c = f.config;
    return {
      AWS_REGION: this.#o.region,
      AWS_DEFAULT_REGION: this.#o.region,
      AWS_EXECUTION_ENV: `AWS_Lambda_${c.Runtime}`,
      AWS_LAMBDA_FUNCTION_NAME: c.FunctionName,
      AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(c.MemorySize),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${c.FunctionName}`,
      AWS_LAMBDA_LOG_STREAM_NAME: env.stream.logStreamName,
      LAMBDA_TASK_ROOT: f.code!.source === "zip"
        ? f.code!.root
        : f.code!.root.slice(0, f.code!.root.lastIndexOf("/")),
      _HANDLER: c.Handler,
      TZ: ":UTC",
      ...(c.Environment?.Variables ?? {}),
    };
  }

  /** Drops environments idle past the keep-alive or whose Worker is gone, terminating them. */
  #reclaimIdle(f: FunctionState, nowMs: number): void {
    const idleLimit = this.#o.idleTimeoutSec * 1000;
    f.environments = f.environments.filter((e) => {
      const keep = e.busy || (nowMs - e.lastUsedMs <= idleLimit && (e.worker?.alive ?? true));
      if (!keep) e.worker?.terminate();
      return keep;
    });
  }

  /**
   * Reclaims idle Workers every quarter of the keep-alive (20 ms to 10 s)
   * while any exist, so that an idle function's Workers end without waiting
   * for its next invocation. The timer does not keep the process alive.
   */
  #scheduleSweep(): void {
    if (this.#sweepTimer !== undefined) return;
    const periodMs = Math.min(10_000, Math.max(20, this.#o.idleTimeoutSec * 1000 / 4));
    const timer = setInterval(() => {
      const now = this.#o.now();
      let workers = 0;
      for (const f of this.#functions.values()) {
        this.#reclaimIdle(f, now);
        workers += f.environments.filter((e) => e.worker).length;
      }
      if (workers === 0) {
        clearInterval(this.#sweepTimer);
        this.#sweepTimer = undefined;
      }
    }, periodMs);
    Deno.unrefTimer(timer);
    this.#sweepTimer = timer;
  }

  /** Adds a line to an environment's stream outside any invocation. */
  #streamLine(f: FunctionState, env: Environment, line: FunctionLogLine): void {
    env.stream.events.push({
      timestamp: line.timestampMs,
      message: line.message,
      ingestionTime: this.#o.now(),
    });
    this.#retain(`/aws/lambda/${f.config.FunctionName}`, 1);
  }

  /**
   * Invoke. The payload is JSON: our buffer's `{"batch_id", "requests": [...]}`
   * (answered with an object), or the original buffer.py's `{"BS": n}`
   * (answered, as the original function did, with the duration in ms, a JSON
   * number). The function's time is drawn from the profile's service-time
   * distribution of the batch at the memory (mean S(batch, memory); see
   * `jitterCv`); past the function's Timeout the invocation ends there
   * with a `Sandbox.Timedout` function error and its environment is discarded.
   *
   * @throws {LambdaApiError} On a bad invocation or log type, an unknown
   * function or qualifier, a bad or too large payload, a batch the profile
   * cannot time, or throttling.
   */
  async invoke(
    name: string,
    payload: Uint8Array,
    options: InvokeOptions = {},
  ): Promise<InvocationResult> {
    const invocationType = _oneOf(
      options.invocationType ?? "RequestResponse",
      INVOCATION_TYPES,
      "invocationType",
    );
    const logType = _oneOf(options.logType ?? "None", LOG_TYPES, "logType");
    const f = this.#get(name, options.qualifier);
    const limit = invocationType === "Event" ? MAX_ASYNC_PAYLOAD_BYTES : MAX_PAYLOAD_BYTES;
    if (payload.length > limit) {
      throw new LambdaApiError(
        "RequestTooLargeException",
        413,
        `Request must be smaller than ${limit} bytes for the InvokeFunction operation`,
        { Type: "User" },
      );
    }
    let body: unknown = {};
    if (payload.length > 0) {
      try {
        body = JSON.parse(new TextDecoder().decode(payload));
      } catch {
        throw _invalidContent("Could not parse request body into json: the payload is not JSON");
      }
    }
    if (invocationType === "DryRun") {
      return {
        statusCode: 204,
        payload: new Uint8Array(),
        executedVersion: "$LATEST",
        requestId: this.#requestId(),
      };
    }
    // A function with code gets the event as it is; one without is timed by its profile.
    const plan = f.code ? undefined : this.#plan(f, body);
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
    const requestId = this.#requestId();
    const run: Promise<RunOutcome> = plan
      ? this.#execute(f, plan, requestId)
      : this.#executeCode(f, body, requestId);
    if (invocationType === "Event") {
      run.catch(() => {});
      return { statusCode: 202, payload: new Uint8Array(), executedVersion: "$LATEST", requestId };
    }
    const { durationMs, timedOut, lines, timeoutSec, code } = await run;
    if ((faults.extraLatencySec ?? 0) > 0) {
      await this.#o.sleep(faults.extraLatencySec! * 1000 / this.#o.timeScale);
    }
    if ((faults.dropRate ?? 0) > 0 && this.#o.prng.nextFloat() < faults.dropRate!) {
      throw new DroppedConnection();
    }
    const failed = !timedOut && (faults.errorRate ?? 0) > 0 &&
      this.#o.prng.nextFloat() < faults.errorRate!;
    let answer: unknown;
    if (timedOut) {
      // Lambda's answer to a timed-out invocation (the shape its current
      // runtimes return, e.g. quoted in seek-oss/aws-codedeploy-hooks' changelog).
      answer = {
        errorMessage: `RequestId: ${requestId} Error: Task timed out after ${
          timeoutSec.toFixed(2)
        } seconds`,
        errorType: "Sandbox.Timedout",
      };
    } else if (failed) {
      answer = { errorMessage: "Injected fault", errorType: "InjectedError" };
    } else if (code) {
      answer = undefined; // the handler's JSON, below
    } else if (plan!.legacy) {
      answer = durationMs;
    } else {
      answer = {
        requestId,
        batchSize: plan!.batch,
        model: plan!.model,
        memoryMb: plan!.memoryMb,
        durationMs,
      };
    }
    const handlerAnswer = code && !timedOut && !failed ? code : undefined;
    const result: InvocationResult = {
      statusCode: 200,
      payload: new TextEncoder().encode(handlerAnswer?.payload ?? JSON.stringify(answer)),
      executedVersion: "$LATEST",
      requestId,
    };
    if (timedOut || failed || handlerAnswer?.error) result.functionError = "Unhandled";
    if (logType === "Tail") {
      const bytes = new TextEncoder().encode(lines.join("\n") + "\n");
      const tail = bytes.subarray(Math.max(0, bytes.length - 4096));
      result.logResult = btoa(String.fromCharCode(...tail));
    }
    return result;
  }

  /**
   * Runs a planned invocation: takes a concurrency slot and an environment
   * (warm, or cold with its init), waits the service time or, past the
   * function's Timeout, the Timeout, and writes START, END and REPORT. The
   * slot and the environment are given back on every path; a timed-out
   * environment is discarded, as Lambda discards it.
   */
  async #execute(f: FunctionState, plan: Plan, requestId: string): Promise<RunOutcome> {
    const o = this.#o;
    this.#running++;
    let env: Environment | undefined;
    let timedOut = false;
    try {
      const startMs = o.now();
      // Reclaim environments idle for too long; reuse the most recently used idle one.
      const idleLimit = o.idleTimeoutSec * 1000;
      f.environments = f.environments.filter((e) => e.busy || startMs - e.lastUsedMs <= idleLimit);
      env = f.environments.filter((e) => !e.busy && e.generation === f.generation)
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
      // Drawn once the invocation runs (a deterministic service draws nothing).
      const serviceSec = plan.service.sample(o.prng);
      const initSec = cold ? o.initSec : 0;
      // The Timeout bounds the Invoke phase, the Duration of the REPORT line;
      // an on-demand cold start's Init phase has its own limit (AWS, "Lambda
      // execution environment lifecycle": Init is limited to 10 seconds).
      timedOut = serviceSec > plan.timeoutSec;
      const runSec = timedOut ? plan.timeoutSec : serviceSec;
      await o.sleep((initSec + runSec) * 1000 / o.timeScale);
      const durationMs = runSec * 1000;
      const billedMs = Math.ceil(durationMs / o.billingMs - 1e-9) * o.billingMs;
      const usedMb = Math.min(plan.memoryMb, Math.round(300 + 10 * plan.batch));
      const lines = [
        `START RequestId: ${requestId} Version: $LATEST`,
        `END RequestId: ${requestId}`,
        `REPORT RequestId: ${requestId}\tDuration: ${durationMs.toFixed(2)} ms\t` +
        `Billed Duration: ${billedMs} ms\tMemory Size: ${plan.memoryMb} MB\t` +
        `Max Memory Used: ${usedMb} MB` +
        (cold ? `\tInit Duration: ${(initSec * 1000).toFixed(2)} ms` : "") +
        (timedOut ? "\tStatus: timeout" : ""),
      ];
      // START when the Invoke phase starts (after a cold start's init), END
      // and REPORT when it ends.
      const endMs = o.now();
      const startedMs = Math.min(Math.round(startMs + initSec * 1000 / o.timeScale), endMs);
      const stamps = [startedMs, endMs, endMs];
      lines.forEach((message, i) =>
        env!.stream.events.push({ timestamp: stamps[i], message, ingestionTime: endMs })
      );
      this.#retain(`/aws/lambda/${f.config.FunctionName}`, lines.length);
      return { durationMs, timedOut, lines, timeoutSec: plan.timeoutSec };
    } finally {
      this.#running--;
      if (env) {
        env.busy = false;
        env.lastUsedMs = o.now();
        if (timedOut) f.environments = f.environments.filter((e) => e !== env);
      }
    }
  }

  /**
   * Runs an invocation of a function with code: takes a concurrency slot and
   * an environment (a warm Worker, or a new one whose module loads first:
   * Init Duration), posts the event, and writes the function's log lines
   * between START and END, then REPORT. Duration is the handler's time
   * measured in the Worker, stretched by the CPU model (the invocation then
   * lasts that long). Past the Timeout, or on an exception outside the
   * handler or a failed init, the Worker is terminated and the environment
   * discarded; after a handler's exception it stays warm, as Lambda's Node.js
   * runtime goes on to the next invocation.
   */
  async #executeCode(f: FunctionState, event: unknown, requestId: string): Promise<RunOutcome> {
    const o = this.#o;
    this.#running++;
    let env: Environment | undefined;
    let discard = false;
    try {
      const { MemorySize: memoryMb, Timeout: timeoutSec, FunctionName: name } = f.config;
      const factor = cpuScaleFactor(o.cpuModel, memoryMb);
      const lines: FunctionLogLine[] = [];
      const taken = await this.#codeEnvironment(f, lines);
      env = taken.env;
      const init = taken.init;
      lines.push({
        timestampMs: o.now(),
        message: `START RequestId: ${requestId} Version: $LATEST`,
      });
      const t0 = performance.now();
      const outcome: InvokeOutcome = init?.timedOut
        ? { kind: "timeout" }
        : init?.error
        ? { kind: "crash", error: init.error }
        : await this.#callHandler(f, env, requestId, event, factor);
      const limitSec = init?.timedOut ? o.initLimitSec : timeoutSec;
      const verdict = _codeVerdict(outcome, {
        initFailed: init?.error !== undefined || init?.timedOut === true,
        timeoutSec,
        factor,
        elapsedMs: performance.now() - t0,
      });
      discard = verdict.discard;
      if (outcome.kind === "timeout") {
        const nowMs = o.now();
        lines.push({
          timestampMs: nowMs,
          message: `${new Date(nowMs).toISOString()} ${requestId} Task timed out after ${
            limitSec.toFixed(2)
          } seconds`,
        });
      }
      // Under the memory-share model the invocation lasts its modelled time.
      const padMs = verdict.durationMs - (performance.now() - t0);
      if (factor > 1 && padMs > 0) await o.sleep(padMs);
      const billedMs = Math.ceil(verdict.durationMs / o.billingMs - 1e-9) * o.billingMs;
      const usedMb = Math.ceil((env.worker?.memoryBytes ?? 0) / 2 ** 20);
      const endMs = o.now();
      lines.push({ timestampMs: endMs, message: `END RequestId: ${requestId}` });
      lines.push({
        timestampMs: endMs,
        message: `REPORT RequestId: ${requestId}\tDuration: ${verdict.durationMs.toFixed(2)} ms\t` +
          `Billed Duration: ${billedMs} ms\tMemory Size: ${memoryMb} MB\t` +
          `Max Memory Used: ${usedMb} MB` +
          (init ? `\tInit Duration: ${init.initMs.toFixed(2)} ms` : "") + verdict.status,
      });
      env.onLog = undefined;
      for (const l of lines) {
        env.stream.events.push({
          timestamp: l.timestampMs,
          message: l.message,
          ingestionTime: endMs,
        });
      }
      this.#retain(`/aws/lambda/${name}`, lines.length);
      return {
        durationMs: verdict.durationMs,
        timedOut: outcome.kind === "timeout",
        lines: lines.map((l) => l.message),
        timeoutSec: limitSec,
        code: verdict.code,
      };
    } finally {
      this.#running--;
      if (env) this.#releaseCodeEnvironment(f, env, discard);
    }
  }

  /**
   * An environment for an invocation of a function with code, marked busy
   * and collecting its Worker's lines into `lines`: the most recently used
   * warm one, else a new one (INIT_START, then its module loaded).
   */
  async #codeEnvironment(
    f: FunctionState,
    lines: FunctionLogLine[],
  ): Promise<{ env: Environment; init?: InitOutcome }> {
    const o = this.#o;
    const startMs = o.now();
    this.#reclaimIdle(f, startMs);
    const collect = (line: FunctionLogLine) => lines.push(line);
    const warm =
      f.environments.filter((e) => !e.busy && e.generation === f.generation && e.worker?.alive)
        .sort((a, b) => b.lastUsedMs - a.lastUsedMs)[0];
    if (warm) {
      warm.busy = true;
      warm.onLog = collect;
      return { env: warm };
    }
    const name = f.config.FunctionName;
    const env: Environment = {
      id: String(this.#ids),
      busy: true,
      lastUsedMs: startMs,
      stream: this.#newStream(name),
      generation: f.generation,
      onLog: collect,
    };
    f.environments.push(env);
    lines.push({
      timestampMs: o.now(),
      message: `INIT_START Runtime Version: deno:${Deno.version.deno}\t` +
        `Runtime Version ARN: arn:aws:lambda:${o.region}::runtime:local-deno-worker`,
    });
    env.worker = new WorkerEnvironment({
      handler: f.config.Handler,
      load: this.#loadTarget(f),
      env: this.#variables(f, env),
      name: `${name} ${env.stream.logStreamName}`,
      onLog: (line) => env.onLog ? env.onLog(line) : this.#streamLine(f, env, line),
    });
    return { env, init: await env.worker.init(o.initLimitSec * 1000) };
  }

  /** Posts the event to the environment's Worker, with the Timeout's real-time budget. */
  #callHandler(
    f: FunctionState,
    env: Environment,
    requestId: string,
    event: unknown,
    factor: number,
  ): Promise<InvokeOutcome> {
    const { FunctionName: name, MemorySize: memoryMb, Timeout: timeoutSec } = f.config;
    const budgetMs = timeoutSec * 1000 / factor;
    return env.worker!.invoke({
      type: "invoke",
      requestId,
      event,
      context: {
        functionName: name,
        functionVersion: "$LATEST",
        invokedFunctionArn: f.config.FunctionArn,
        memoryLimitInMB: String(memoryMb),
        logGroupName: `/aws/lambda/${name}`,
        logStreamName: env.stream.logStreamName,
      },
      deadlineMs: Date.now() + budgetMs,
      cpuFactor: factor,
    }, budgetMs);
  }

  /**
   * Gives an environment back after an invocation: idle, or terminated and
   * dropped when discarded, retired by an update, or its Worker gone.
   */
  #releaseCodeEnvironment(f: FunctionState, env: Environment, discard: boolean): void {
    env.busy = false;
    env.onLog = undefined;
    env.lastUsedMs = this.#o.now();
    if (discard || env.generation !== f.generation || !env.worker?.alive) {
      env.worker?.terminate();
      f.environments = f.environments.filter((e) => e !== env);
    }
    if (f.environments.some((e) => e.worker)) this.#scheduleSweep();
  }
}

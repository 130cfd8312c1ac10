/**
 * Where a profiling sweep runs: a Lambda function reached through
 * `@aws-sdk/client-lambda`, on AWS (`aws`), at a Lambda API endpoint
 * (`endpoint`, e.g. `deno task lambda-local`), or on a {@linkcode LocalLambda}
 * started in-process and served on loopback (neither). It gives
 * {@linkcode runSweep} its two edges: `invoke` (InvokeCommand) and
 * `updateMemory` (UpdateFunctionConfiguration and the wait until the update
 * is done, see `prepareFunction`); on a local Lambda a missing function is
 * created, with the given profile's name as its MODEL, or in-process with
 * handler code (`functionCode`), which the local Lambda runs in its Workers.
 *
 * @module
 */

import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import type { InvokeInput, InvokeOutput } from "../buffer/dispatcher.ts";
import { isLoopbackEndpoint, prepareFunction } from "../buffer/function_setup.ts";
import type { CpuModel } from "../lambda/cpu_model.ts";
import { startLocalLambdaServer } from "../lambda/http_server.ts";
import { LocalLambda } from "../lambda/local_lambda.ts";
import { seededPrng } from "../random/prng.ts";
import {
  PUBLISHED_PROFILE_NAMES,
  publishedProfile,
  type ServiceProfile,
} from "./service_profile.ts";

/** Options of {@linkcode openSweepTarget}. */
export interface SweepTargetOptions {
  /** The function. */
  functionName: string;
  /** Real AWS with the standard credential chain. Excludes `endpoint`. @default {false} */
  aws?: boolean;
  /** A Lambda API endpoint. Excludes `aws`. @default {undefined: the in-process local Lambda} */
  endpoint?: string;
  /** AWS region (of `aws`, or the one `endpoint`'s requests are signed for). @default {"us-east-1"} */
  region?: string;
  /**
   * Keys for `endpoint` and the in-process Lambda (not used with `aws`).
   * @default {{ accessKeyId: "local", secretAccessKey: "local" }}
   */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /**
   * The model of a function created on a local Lambda (in-process, or at a
   * loopback `endpoint` that lacks the function): its name is the function's
   * MODEL, and the in-process Lambda serves it (the published profiles by
   * their names). Needed in-process.
   */
  profile?: ServiceProfile;
  /** In-process only: runs functions this many times faster (> 0). @default {1} */
  timeScale?: number;
  /** In-process only: a new environment's initialisation, s (>= 0). @default {0.25} */
  coldStartSec?: number;
  /** In-process only: coefficient of variation of a lognormal service-time jitter (>= 0). @default {0} */
  jitterCv?: number;
  /** In-process only: seed of the jitter and the request ids (`seed + 7`, as the buffer). @default {1} */
  seed?: number;
  /** In-process only: serve memories and batch sizes outside the profile's range. @default {false} */
  extrapolate?: boolean;
  /**
   * In-process only: the function runs this handler module (`.mjs`, `.js`,
   * `.ts`, exporting `handler`) in the local Lambda's Workers instead of
   * following a profile; the profile options then do not apply.
   * @default {undefined: the function follows `profile`}
   */
  functionCode?: string;
  /**
   * In-process only: how a function with code's Duration follows its memory
   * (see `cpu_model.ts`). @default {"host"}
   */
  cpuModel?: CpuModel;
  /** Time between polls of a configuration update's status, ms (> 0). @default {500} */
  pollMs?: number;
}

/** A function to sweep, and how to reach its logs. */
export interface SweepTarget {
  /** Sends one Invoke. */
  invoke(input: InvokeInput): Promise<InvokeOutput>;
  /** Sets the function's memory (creating it on a local Lambda) and waits until it serves. */
  updateMemory(memoryMb: number): Promise<void>;
  /** What is called, for messages: `the in-process local Lambda`, `the Lambda API at URL`, `AWS Lambda in REGION`. */
  description: string;
  /** The CloudWatch Logs endpoint (the local Lambda's URL); undefined on AWS. */
  logsEndpoint: string | undefined;
  region: string;
  /** Keys for `logsEndpoint` (undefined on AWS: the standard chain). */
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined;
  /** Whether the function runs on the in-process local Lambda. */
  inProcess: boolean;
  /** Closes the client and stops the in-process Lambda. */
  close(): Promise<void>;
}

function _invalid(name: string, expected: string, value: unknown): RangeError {
  return new RangeError(
    `Cannot open the sweep's target as '${name}' must be ${expected}: current value is ${value}`,
  );
}

/** The in-process local Lambda of the options, checked. */
function _localLambda(options: SweepTargetOptions): LocalLambda {
  const code = options.functionCode;
  // A function with code has no profile; the local Lambda still wants a default model.
  const profile = options.profile ??
    (code === undefined ? undefined : publishedProfile(PUBLISHED_PROFILE_NAMES[0]));
  if (profile === undefined) {
    throw new TypeError(
      "Cannot open the in-process local Lambda without a 'profile' to serve or a 'functionCode' to run",
    );
  }
  const timeScale = options.timeScale ?? 1;
  if (!(timeScale > 0 && timeScale < Infinity)) {
    throw _invalid("timeScale", "a finite number > 0", timeScale);
  }
  const coldStartSec = options.coldStartSec ?? 0.25;
  if (!(coldStartSec >= 0 && coldStartSec < Infinity)) {
    throw _invalid("coldStartSec", "a finite number >= 0", coldStartSec);
  }
  const jitterCv = options.jitterCv ?? 0;
  if (!(jitterCv >= 0 && jitterCv < Infinity)) {
    throw _invalid("jitterCv", "a finite number >= 0", jitterCv);
  }
  const seed = options.seed ?? 1;
  if (!Number.isInteger(seed)) throw _invalid("seed", "an integer", seed);
  return new LocalLambda({
    profileFor: (m) =>
      (PUBLISHED_PROFILE_NAMES as readonly string[]).includes(m) ? publishedProfile(m) : profile,
    defaultModel: profile.name,
    prng: seededPrng(seed + 7),
    timeScale,
    initSec: coldStartSec,
    jitterCv,
    extrapolate: options.extrapolate ?? false,
    ...(options.cpuModel === undefined ? {} : { cpuModel: options.cpuModel }),
  });
}

/**
 * Opens the function a sweep runs on: starts the in-process local Lambda
 * when neither `aws` nor `endpoint` is given, and makes the Lambda client.
 *
 * @param options Where the function runs and, in-process, how.
 * @returns The target; close it when done.
 * @throws {TypeError} On `aws` with `endpoint`, an empty function name, or
 *   no `profile` in-process.
 * @throws {RangeError} On an in-process option out of range.
 *
 * @example Sweep a published profile on the in-process local Lambda
 * ```ts
 * import assert from "node:assert/strict";
 * import { runSweep, sweepSamples } from "./profile_sweep.ts";
 * import { publishedProfile } from "./service_profile.ts";
 *
 * const target = openSweepTarget({
 *   functionName: "resnet",
 *   profile: publishedProfile("TF-resnetV2"),
 *   timeScale: 1000,
 * });
 * try {
 *   const result = await runSweep({ functionName: "resnet", memoriesMb: [2048], batches: [1, 2], repeat: 1, ...target });
 *   assert.deepEqual(sweepSamples(result.records).coldStarts, [{ memoryMb: 2048, initSec: 0.25 }]);
 * } finally {
 *   await target.close();
 * }
 * ```
 */
export function openSweepTarget(options: SweepTargetOptions): SweepTarget {
  const { functionName, aws = false, region = "us-east-1", pollMs = 500 } = options;
  if (typeof functionName !== "string" || functionName === "") {
    throw new TypeError(
      `Cannot open the sweep's target as 'functionName' must be a non-empty string: ` +
        `current value is ${JSON.stringify(functionName)}`,
    );
  }
  if (aws && options.endpoint !== undefined) {
    throw new TypeError("Cannot open the sweep's target with both 'aws' and 'endpoint'");
  }
  if (!(pollMs > 0)) throw _invalid("pollMs", "a number > 0", pollMs);
  const inProcess = !aws && options.endpoint === undefined;
  let server: { url: string; close(): Promise<void> } | undefined;
  let lambda: LocalLambda | undefined;
  let endpoint = options.endpoint;
  const code = options.functionCode;
  if (code !== undefined && !inProcess) {
    throw new TypeError(
      "Cannot open the sweep's target as 'functionCode' is for the in-process local Lambda",
    );
  }
  if (inProcess) {
    lambda = _localLambda(options);
    server = startLocalLambdaServer(lambda);
    endpoint = server.url;
  }
  const credentials = aws
    ? undefined
    : options.credentials ?? { accessKeyId: "local", secretAccessKey: "local" };
  const client = new LambdaClient({
    region,
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(credentials === undefined ? {} : { credentials }),
  });
  const create = inProcess || isLoopbackEndpoint(endpoint);
  const model = options.profile?.name;
  let codeCreated = false;
  return {
    invoke: (input) => client.send(new InvokeCommand(input)),
    updateMemory: async (memoryMb) => {
      if (code !== undefined && !codeCreated) {
        // CodePath is this emulator's own field: the SDK would not carry it.
        lambda!.createFunction({
          FunctionName: functionName,
          CodePath: code,
          MemorySize: memoryMb,
          Timeout: 900,
        });
        codeCreated = true;
      }
      await prepareFunction(client, {
        functionName,
        memoryMb,
        model: model ?? "",
        create: create && model !== undefined,
        pollMs: inProcess ? 10 : pollMs,
      });
    },
    description: aws
      ? `AWS Lambda in ${region}`
      : inProcess
      ? "the in-process local Lambda"
      : `the Lambda API at ${endpoint}`,
    logsEndpoint: aws ? undefined : endpoint,
    region,
    credentials,
    inProcess,
    close: async () => {
      client.destroy();
      await server?.close();
      lambda?.close();
    },
  };
}

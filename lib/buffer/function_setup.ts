/**
 * Getting a Lambda function ready for a run through `@aws-sdk/client-lambda`:
 * set its memory with UpdateFunctionConfiguration and wait until Lambda reports
 * the update done (`LastUpdateStatus` `Successful`), or create the function on a
 * local Lambda. The client and the wait are injected.
 *
 * @module
 */

import {
  CreateFunctionCommand,
  type FunctionConfiguration,
  GetFunctionConfigurationCommand,
  UpdateFunctionConfigurationCommand,
} from "@aws-sdk/client-lambda";

/** The part of a `LambdaClient` used here. */
export interface FunctionSetupClient {
  send(
    command:
      | GetFunctionConfigurationCommand
      | UpdateFunctionConfigurationCommand
      | CreateFunctionCommand,
  ): Promise<FunctionConfiguration>;
}

/** Options of {@linkcode prepareFunction}. */
export interface PrepareFunctionOptions {
  functionName: string;
  memoryMb: number;
  /** Model of the function's profile, set as its MODEL variable when it is created. */
  model: string;
  /** Create the function when it does not exist (local Lambdas only). */
  create: boolean;
  /** Waits `ms` milliseconds between polls. @default {setTimeout} */
  sleep?: (ms: number) => Promise<void>;
  /** Time between polls of the update status, ms. @default {500} */
  pollMs?: number;
  /** Longest wait for the update, ms. @default {60000} */
  maxWaitMs?: number;
}

/**
 * Whether a Lambda API endpoint is on this machine (a local Lambda, where a
 * missing function may be created), e.g. `http://127.0.0.1:9001`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(isLoopbackEndpoint("http://localhost:9001"), true);
 * assert.equal(isLoopbackEndpoint("http://[::1]:9001/"), true);
 * assert.equal(isLoopbackEndpoint("https://lambda.us-east-1.amazonaws.com"), false);
 * assert.equal(isLoopbackEndpoint(undefined), false);
 * ```
 */
export function isLoopbackEndpoint(endpoint: string | undefined): boolean {
  return endpoint !== undefined &&
    /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(endpoint);
}

/** What {@linkcode prepareFunction} did. */
export type PrepareOutcome = "created" | "unchanged" | "updated";

/**
 * Makes the function's memory `memoryMb`, waiting for the update to finish, as
 * Lambda requires before the new configuration serves invocations.
 *
 * @throws {RangeError} When the update fails or does not finish within `maxWaitMs`.
 */
export async function prepareFunction(
  client: FunctionSetupClient,
  options: PrepareFunctionOptions,
): Promise<PrepareOutcome> {
  const {
    functionName: name,
    memoryMb,
    sleep = (ms) => new Promise((r) => setTimeout(r, ms)),
    pollMs = 500,
    maxWaitMs = 60_000,
  } = options;
  const get = () => client.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
  let current: FunctionConfiguration;
  try {
    current = await get();
  } catch (e) {
    if ((e as Error).name !== "ResourceNotFoundException" || !options.create) throw e;
    await client.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Role: "arn:aws:iam::000000000000:role/batch",
        Code: { ZipFile: new Uint8Array([0]) },
        MemorySize: memoryMb,
        // Lambda's default, 3 s, would cut a batch short: S(6, 3008 MB) of
        // TF-inceptionV4 is 3.6 s. The longest Lambda allows, 15 minutes.
        Timeout: 900,
        Environment: { Variables: { MODEL: options.model } },
      }),
    );
    // A new function is Pending until it is ready to serve.
    await waitForUpdate(get, await get(), name, sleep, pollMs, maxWaitMs);
    return "created";
  }
  // An update still in progress refuses another one: let it finish first.
  current = await waitForUpdate(get, current, name, sleep, pollMs, maxWaitMs);
  if (current.MemorySize === memoryMb) return "unchanged";
  current = await client.send(
    new UpdateFunctionConfigurationCommand({ FunctionName: name, MemorySize: memoryMb }),
  );
  await waitForUpdate(get, current, name, sleep, pollMs, maxWaitMs);
  return "updated";
}

async function waitForUpdate(
  get: () => Promise<FunctionConfiguration>,
  current: FunctionConfiguration,
  name: string,
  sleep: (ms: number) => Promise<void>,
  pollMs: number,
  maxWaitMs: number,
): Promise<FunctionConfiguration> {
  let c = current;
  for (let waited = 0;; waited += pollMs) {
    if (c.LastUpdateStatus === "Failed") {
      throw new RangeError(
        `Cannot configure ${name}: the update failed (${
          c.LastUpdateStatusReasonCode ?? "no code"
        }: ${c.LastUpdateStatusReason ?? "no reason given"})`,
      );
    }
    if (c.LastUpdateStatus !== "InProgress" && c.State !== "Pending") return c;
    if (waited >= maxWaitMs) {
      throw new RangeError(
        `Cannot configure ${name}: the update was still in progress after ${maxWaitMs / 1000} s`,
      );
    }
    await sleep(pollMs);
    c = await get();
  }
}

/**
 * Dispatchers: how the buffer hands a batch to a function. One interface, two
 * implementations: Lambda through an injected `invoke` (the AWS SDK's
 * `InvokeCommand`, against AWS or the local emulator), with retries for
 * throttling, server errors and network errors, and an in-process one that
 * waits for the profile's service time.
 *
 * @module
 */

import { parseLambdaLog } from "../logs/lambda_log_lines.ts";
import { idsPayload, type PayloadFor } from "./batch_payload.ts";
import type { ClientWaitMeter } from "./connection_pool.ts";
import { type ServiceProfile, serviceTimeSec } from "../profile/service_profile.ts";
import type { Prng } from "../random/prng.ts";

/** A batch to dispatch. */
export interface BatchRequest {
  batchId: number;
  requestIds: readonly number[];
}

/** What came of a dispatch. */
export interface DispatchOutcome {
  status: "ok" | "failed";
  /**
   * Time the invocation waited in the client for a connection before it was
   * sent, ms, summed over its attempts (NaN when nothing measured it).
   */
  clientWaitMs: number;
  /** Whether an attempt queued in the client because every connection was busy. */
  clientQueued: boolean;
  /** Why it failed (empty when ok). */
  error: string;
  /** From the REPORT line (NaN when unknown). */
  durationMs: number;
  billedDurationMs: number;
  /** Cold-start initialisation, ms (0 when warm). */
  initDurationMs: number;
  memorySizeMb: number;
  maxMemoryUsedMb: number;
  /** Invoke calls made (retries included). */
  attempts: number;
  /** The decoded log tail. */
  logTail: string;
}

/** Hands batches to a function. */
export interface Dispatcher {
  dispatch(batch: BatchRequest): Promise<DispatchOutcome>;
}

/** The parts of the SDK's `InvokeCommand` input the dispatcher sets. */
export interface InvokeInput {
  FunctionName: string;
  Payload: Uint8Array;
  InvocationType: "RequestResponse";
  LogType: "Tail";
}

/** The parts of the SDK's `InvokeCommand` output the dispatcher reads. */
export interface InvokeOutput {
  StatusCode?: number;
  FunctionError?: string;
  LogResult?: string;
  Payload?: Uint8Array;
}

/** Options of {@linkcode lambdaDispatcher}. */
export interface LambdaDispatcherOptions {
  /** Sends one Invoke, e.g. `(i) => client.send(new InvokeCommand(i))`. */
  invoke: (input: InvokeInput) => Promise<InvokeOutput>;
  functionName: string;
  /**
   * Builds a batch's Invoke payload (see `batch_payload.ts`; a retry sends
   * the same one). @default {idsPayload: `{"batch_id", "requests": [ids]}`}
   */
  payloadFor?: PayloadFor;
  /** Attempts per batch, first one included. @default {5} */
  maxAttempts?: number;
  /** Backoff base and cap, ms (full jitter: a uniform wait up to min(cap, base 2^n)). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Waits, ms. @default {setTimeout} */
  sleep?: (ms: number) => Promise<void>;
  /** For the jitter. */
  prng: Prng;
  /**
   * Times each attempt's wait for a connection in the client (the SDK's
   * connection pool, see {@linkcode ConnectionPool}). @default {undefined: not measured}
   */
  clientWait?: ClientWaitMeter;
  /** No attempt starts after it aborts (a forced exit). */
  signal?: AbortSignal;
}

/** Whether an SDK error is worth retrying, and after how long at least. */
function retryable(e: unknown): { retry: boolean; afterMs?: number; reason: string } {
  const err = e as {
    name?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
    retryAfterSeconds?: string;
  };
  const status = err.$metadata?.httpStatusCode;
  const reason = `${err.name ?? "Error"}: ${err.message ?? String(e)}`;
  if (err.name === "TooManyRequestsException" || status === 429) {
    const after = Number(err.retryAfterSeconds);
    return { retry: true, afterMs: after > 0 ? after * 1000 : undefined, reason };
  }
  if (status !== undefined && status >= 500) return { retry: true, reason };
  // No HTTP status: the request never got an answer (refused, reset, timed out); a 2xx
  // status with an error: the answer was lost while being read (a dropped connection).
  if (status === undefined || status < 300) return { retry: true, reason };
  return { retry: false, reason };
}

function outcomeFromTail(tail: string) {
  const report = parseLambdaLog(tail).records.find((r) => r.kind === "report");
  if (!report || report.kind !== "report") {
    return {
      durationMs: NaN,
      billedDurationMs: NaN,
      initDurationMs: 0,
      memorySizeMb: NaN,
      maxMemoryUsedMb: NaN,
    };
  }
  return {
    durationMs: report.durationMs,
    billedDurationMs: report.billedDurationMs,
    initDurationMs: report.initDurationMs ?? 0,
    memorySizeMb: report.memorySizeMb,
    maxMemoryUsedMb: report.maxMemoryUsedMb,
  };
}

function decodeBase64(text: string | undefined): string {
  if (!text) return "";
  const bin = atob(text);
  return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}

/**
 * A dispatcher that invokes a Lambda function once per batch
 * (`RequestResponse`, `LogType: Tail`; the payload is what `payloadFor`
 * builds, by default `{"batch_id", "requests": [ids]}`), reads the REPORT line of the log tail,
 * records function errors, and retries throttling (honouring
 * `retryAfterSeconds`), 5xx and network errors with capped exponential backoff
 * and full jitter.
 */
export function lambdaDispatcher(options: LambdaDispatcherOptions): Dispatcher {
  const {
    invoke,
    functionName,
    payloadFor = idsPayload,
    maxAttempts = 5,
    baseDelayMs = 50,
    maxDelayMs = 2000,
    sleep = (ms) => new Promise((r) => setTimeout(r, ms)),
    prng,
    clientWait,
    signal,
  } = options;
  return {
    async dispatch(batch) {
      const payload = payloadFor(batch);
      let lastReason = "";
      const client = { clientWaitMs: clientWait ? 0 : NaN, clientQueued: false };
      const onWait = (w: { waitMs: number; queued: boolean }) => {
        client.clientWaitMs += w.waitMs;
        client.clientQueued ||= w.queued;
      };
      const input: InvokeInput = {
        FunctionName: functionName,
        Payload: payload,
        InvocationType: "RequestResponse",
        LogType: "Tail",
      };
      for (let attempt = 1; attempt <= maxAttempts; attempt++) {
        try {
          const out = await (clientWait
            ? clientWait.measure(() => invoke(input), onWait)
            : invoke(input));
          const logTail = decodeBase64(out.LogResult);
          const report = outcomeFromTail(logTail);
          if (out.FunctionError) {
            const body = out.Payload ? new TextDecoder().decode(out.Payload) : "";
            return {
              status: "failed",
              error: `FunctionError ${out.FunctionError}: ${body}`.slice(0, 500),
              ...report,
              ...client,
              attempts: attempt,
              logTail,
            };
          }
          return { status: "ok", error: "", ...report, ...client, attempts: attempt, logTail };
        } catch (e) {
          const r = retryable(e);
          lastReason = r.reason;
          if (!r.retry || attempt === maxAttempts || signal?.aborted) {
            return {
              status: "failed",
              error: `${lastReason} (after ${attempt} attempt${attempt > 1 ? "s" : ""})`,
              ...outcomeFromTail(""),
              ...client,
              attempts: attempt,
              logTail: "",
            };
          }
          const backoff = prng.nextFloat() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
          await sleep(Math.max(backoff, r.afterMs ?? 0));
        }
      }
      throw new Error("unreachable");
    },
  };
}

/** Options of {@linkcode profileDispatcher}. */
export interface ProfileDispatcherOptions {
  profile: ServiceProfile;
  memoryMb: number;
  /** Waits, ms. @default {setTimeout} */
  sleep?: (ms: number) => Promise<void>;
  /** Divides the waits. @default {1} */
  timeScale?: number;
  /** @default {false} */
  extrapolate?: boolean;
}

/** An in-process dispatcher: waits the profile's service time, always warm. */
export function profileDispatcher(options: ProfileDispatcherOptions): Dispatcher {
  const { profile, memoryMb, timeScale = 1, extrapolate = false } = options;
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  return {
    async dispatch(batch) {
      const sec = serviceTimeSec(profile, batch.requestIds.length, memoryMb, { extrapolate });
      await sleep(sec * 1000 / timeScale);
      return {
        status: "ok",
        error: "",
        clientWaitMs: NaN,
        clientQueued: false,
        durationMs: sec * 1000,
        billedDurationMs: Math.ceil(sec * 1000 - 1e-9),
        initDurationMs: 0,
        memorySizeMb: memoryMb,
        maxMemoryUsedMb: NaN,
        attempts: 1,
        logTail: "",
      };
    },
  };
}

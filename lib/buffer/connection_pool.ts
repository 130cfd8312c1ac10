/**
 * The HTTP connection pool of the buffer's Lambda client, sized for the run and
 * measured. The AWS SDK's Node.js handler allows 50 sockets per host by
 * default: a run with more batches in flight than that queues invocations in
 * the client, where Lambda never sees them, and the latencies it measures are
 * the client's, not the buffer's. A {@linkcode ConnectionPool} gives the SDK
 * agents with as many sockets as the run needs and times, per request, how
 * long it waited for a socket, and whether it waited because every socket was
 * busy (the pool was too small) rather than for a connection to open.
 *
 * This is an edge (Node's `http`/`https` agents); the dispatcher only sees a
 * {@linkcode ClientWaitMeter}.
 *
 * @module
 */

import { AsyncLocalStorage } from "node:async_hooks";
import http from "node:http";
import https from "node:https";

/** How long one request waited in the client for a connection. */
export interface ClientWait {
  /** From the request's hand-over to the HTTP agent to its socket, ms. */
  waitMs: number;
  /** Whether every socket of the pool was busy when the request came (it queued). */
  queued: boolean;
}

/**
 * Measures the client-side wait of the requests that `send` makes: `onWait` is
 * called once per HTTP request made inside `send` (the SDK makes one per call
 * without retries), when it gets its socket.
 */
export interface ClientWaitMeter {
  measure<T>(send: () => Promise<T>, onWait: (wait: ClientWait) => void): Promise<T>;
}

/** Options of {@linkcode ConnectionPool}. */
export interface ConnectionPoolOptions {
  /** Sockets per host, at most (an integer > 0, or Infinity). */
  maxSockets: number;
  /** Milliseconds, for the waits. @default {performance.now} */
  nowMs?: () => number;
}

type _Recorder = (wait: ClientWait) => void;

/** The parts of Node's `ClientRequest` and `Agent` the timing uses. */
interface _Request {
  once(event: "socket", listener: () => void): unknown;
}
interface _AgentState {
  sockets: Record<string, unknown[] | undefined>;
  getName(options: unknown): string;
}

/**
 * HTTP and HTTPS agents (keep-alive) with `maxSockets` sockets per host, for
 * the SDK client's `requestHandler: { httpAgent, httpsAgent }`, that time
 * every request's wait for a socket.
 *
 * @example The SDK's client with a pool sized for 200 batches in flight
 * ```ts
 * import { LambdaClient } from "@aws-sdk/client-lambda";
 *
 * const pool = new ConnectionPool({ maxSockets: 200 });
 * const client = new LambdaClient({
 *   region: "us-east-1",
 *   requestHandler: { httpAgent: pool.httpAgent, httpsAgent: pool.httpsAgent },
 * });
 * client.destroy();
 * pool.destroy();
 * ```
 */
export class ConnectionPool implements ClientWaitMeter {
  readonly maxSockets: number;
  readonly httpAgent: http.Agent;
  readonly httpsAgent: https.Agent;
  readonly #context = new AsyncLocalStorage<_Recorder>();

  /**
   * Creates the two agents.
   *
   * @throws {RangeError} If `maxSockets` is not a positive integer or Infinity.
   */
  constructor(options: ConnectionPoolOptions) {
    const { maxSockets, nowMs = () => performance.now() } = options;
    if (!(maxSockets === Infinity || (Number.isInteger(maxSockets) && maxSockets > 0))) {
      throw new RangeError(
        `Cannot size the connection pool as 'maxSockets' must be a positive integer: current value is ${maxSockets}`,
      );
    }
    this.maxSockets = maxSockets;
    const context = this.#context;
    // Node's agents call addRequest for every request, in the caller's async
    // context: the recorder of the measure() around it is found there.
    const time = (agent: unknown, req: _Request, options: unknown) => {
      const record = context.getStore();
      if (!record) return;
      const self = agent as _AgentState;
      const queued = (self.sockets[self.getName(options)]?.length ?? 0) >= maxSockets;
      const t0 = nowMs();
      req.once("socket", () => record({ waitMs: nowMs() - t0, queued }));
    };
    class TimedHttpAgent extends http.Agent {
      addRequest(req: _Request, options: unknown): void {
        time(this, req, options);
        // deno-lint-ignore no-explicit-any
        (http.Agent.prototype as any).addRequest.call(this, req, options);
      }
    }
    class TimedHttpsAgent extends https.Agent {
      addRequest(req: _Request, options: unknown): void {
        time(this, req, options);
        // deno-lint-ignore no-explicit-any
        (https.Agent.prototype as any).addRequest.call(this, req, options);
      }
    }
    this.httpAgent = new TimedHttpAgent({ keepAlive: true, maxSockets });
    this.httpsAgent = new TimedHttpsAgent({ keepAlive: true, maxSockets });
  }

  /** Runs `send`; `onWait` hears of each request it makes when it gets its socket. */
  measure<T>(send: () => Promise<T>, onWait: (wait: ClientWait) => void): Promise<T> {
    return this.#context.run(onWait, send);
  }

  /** Closes the agents' sockets. */
  destroy(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

/**
 * Sockets the buffer's client needs: one per batch that may be in flight at
 * once. That is `maxInFlight` when the run caps it; otherwise the function's
 * concurrency when it is known (more batches than that are throttled by Lambda
 * anyway), else Lambda's default account concurrency, 1,000.
 *
 * @param options What the run knows of its concurrency.
 * @returns The pool size, an integer > 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(connectionsNeeded({ maxInFlight: 64 }), 64);
 * assert.equal(connectionsNeeded({ maxInFlight: Infinity, concurrency: 300 }), 300);
 * assert.equal(connectionsNeeded({}), 1000);
 * ```
 */
export function connectionsNeeded(
  options: { maxInFlight?: number; concurrency?: number },
): number {
  const { maxInFlight = Infinity, concurrency } = options;
  if (Number.isFinite(maxInFlight)) return maxInFlight;
  if (concurrency !== undefined && Number.isFinite(concurrency)) return concurrency;
  return DEFAULT_ACCOUNT_CONCURRENCY;
}

/** Lambda's default concurrency limit per account and region. */
export const DEFAULT_ACCOUNT_CONCURRENCY = 1000;

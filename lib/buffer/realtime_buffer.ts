/**
 * The BATCH buffer in real time: the simulator's {@linkcode BatchingPolicy}
 * driven by an injected clock and timers, batches handed to a
 * {@linkcode Dispatcher} concurrently (optionally at most `maxInFlight` at a
 * time), and every request recorded exactly once, completed or failed, to a
 * {@linkcode RecordSink} with the simulator's schema. B and T can change while
 * it runs ({@linkcode RealtimeBuffer.reconfigure}), as the adaptive controller
 * asks, and so can the memory the records fall back on.
 *
 * @module
 */

import { billedDurationSec, type Pricing } from "../profile/pricing.ts";
import {
  BatchingPolicy,
  type BatchingPolicyOptions,
  type DispatchedBatch,
  type DispatchReason,
} from "../sim/batching_policy.ts";
import { LatencyHistogram } from "../sim/latency_histogram.ts";
import type { BatchRecord, RecordSink } from "../sim/simulator.ts";
import type { Dispatcher, DispatchOutcome } from "./dispatcher.ts";

/** Time and timers, in seconds from the run's start. */
export interface BufferClock {
  nowSec(): number;
  setTimer(callback: () => void, delaySec: number): unknown;
  clearTimer(id: unknown): void;
}

/** How early a system timer wakes before its time, to finish the wait by spinning, ms. */
const TIMER_SPIN_MS = 2;

/**
 * A clock on `performance.now()` and `setTimeout`, zero at creation. Timers
 * wake `TIMER_SPIN_MS` early and spin to their time: `setTimeout` alone fires
 * up to a few milliseconds late, which would delay timeout dispatches.
 */
export function systemClock(): BufferClock {
  const origin = performance.now();
  return {
    nowSec: () => (performance.now() - origin) / 1000,
    setTimer: (cb, delaySec) => {
      const due = performance.now() + delaySec * 1000;
      return setTimeout(() => {
        while (performance.now() < due) {
          // spin for the last moment
        }
        cb();
      }, Math.max(0, delaySec * 1000 - TIMER_SPIN_MS));
    },
    clearTimer: (id) => clearTimeout(id as number),
  };
}

/** Options of {@linkcode RealtimeBuffer}. */
export interface RealtimeBufferOptions {
  maxBatch: number;
  timeoutSec: number;
  dispatcher: Dispatcher;
  clock: BufferClock;
  /** For the cost of each batch (from its billed duration). */
  pricing: Pricing;
  /**
   * Lambda memory, MB, for the records and the cost of batches whose
   * dispatcher does not report it (the Lambda dispatcher reports the REPORT
   * line's Memory Size); see {@linkcode RealtimeBuffer.memoryMb}.
   */
  memoryMb: number;
  /** Where records go. */
  sink?: RecordSink;
  /** Batches being invoked at once, at most. @default {Infinity} */
  maxInFlight?: number;
}

/** Counters of a run so far. */
export interface BufferStats {
  requests: number;
  completed: number;
  failed: number;
  /** Requests given up at a forced exit ({@linkcode RealtimeBuffer.abandon}). */
  abandoned: number;
  batches: number;
  inFlight: number;
  queued: number;
  dispatchReasons: Record<DispatchReason, number>;
  totalCostUsd: number;
  /**
   * Dispatch time minus deadline of timeout batches, seconds (a histogram, so
   * memory stays flat however long the run). Only batches the timer sent: one
   * that a reconfiguration found past its new deadline leaves at once and is
   * not counted (its lateness is the reconfiguration's, not the timer's).
   */
  timeoutLateness: LatencyHistogram;
  /**
   * Batches that queued in the client because every connection of its pool
   * was busy (see `connection_pool.ts`; 0 when the dispatcher does not measure it).
   */
  clientQueuedBatches: number;
  /** Longest wait of a batch in the client for a connection, ms (0 when none measured). */
  clientWaitMaxMs: number;
}

/** How a batch ended: the fields of its record that its outcome gives. */
type _BatchEnd = Pick<
  BatchRecord,
  | "completionSec"
  | "durationMs"
  | "billedDurationMs"
  | "initDurationMs"
  | "memorySizeMb"
  | "maxMemoryUsedMb"
  | "clientWaitMs"
  | "costUsd"
  | "status"
  | "error"
>;

interface Pending {
  batch: DispatchedBatch;
  requestIds: number[];
  arrivalsSec: number[];
  /** The buffer's memory when the batch left. */
  memoryMb: number;
  /** Sent to the dispatcher (not waiting for a slot under `maxInFlight`). */
  sent: boolean;
  /** Recorded: completed, failed or abandoned (a late outcome is then ignored). */
  settled: boolean;
}

/** The buffer: call {@linkcode RealtimeBuffer.arrive} for each request, then `shutdown()`. */
export class RealtimeBuffer {
  readonly #o: RealtimeBufferOptions;
  readonly #policy: BatchingPolicy;
  #timer: unknown;
  #nextId = 0;
  #queue: Pending[] = [];
  #running = new Set<Promise<void>>();
  /** Batches dispatched and not yet recorded, queued or in flight. */
  #unsettled = new Set<Pending>();
  #closed = false;
  /** After abandon(): nothing more is sent. */
  #abandoned = false;
  #memoryMb: number;
  readonly stats: BufferStats = {
    requests: 0,
    completed: 0,
    failed: 0,
    abandoned: 0,
    batches: 0,
    inFlight: 0,
    queued: 0,
    dispatchReasons: { size: 0, timeout: 0, shutdown: 0 },
    totalCostUsd: 0,
    timeoutLateness: new LatencyHistogram(),
    clientQueuedBatches: 0,
    clientWaitMaxMs: 0,
  };

  /**
   * Creates an empty buffer.
   *
   * @throws {RangeError} If `maxBatch` is not an integer >= 1, `timeoutSec`
   *   is not > 0 or `memoryMb` is not > 0.
   */
  constructor(options: RealtimeBufferOptions) {
    this.#o = options;
    this.#policy = new BatchingPolicy({
      maxBatch: options.maxBatch,
      timeoutSec: options.timeoutSec,
    });
    this.#memoryMb = _checkMemory(options.memoryMb);
  }

  /** Largest batch, B, in force. */
  get maxBatch(): number {
    return this.#policy.maxBatch;
  }

  /** Timeout from the first request of a batch, seconds, in force. */
  get timeoutSec(): number {
    return this.#policy.timeoutSec;
  }

  /**
   * Memory, MB, recorded and billed for the batches dispatched from now on
   * whose dispatcher does not report it. Memory is the function's, not the
   * buffer's: set it when the function's configuration update is done (a
   * batch that reports its memory, as the Lambda dispatcher's REPORT line
   * does, is recorded and billed at what it reports).
   */
  get memoryMb(): number {
    return this.#memoryMb;
  }

  /** @throws {RangeError} If `memoryMb` is not > 0. */
  set memoryMb(memoryMb: number) {
    this.#memoryMb = _checkMemory(memoryMb);
  }

  /**
   * Changes B and T at once, the open batch included (see
   * {@linkcode BatchingPolicy.reconfigure}), as the simulator does: a batch
   * already due under the old T leaves first (its timer may be late); then the
   * open batch leaves at once if it is now full (reason `"size"`) or past its
   * new deadline, first arrival plus the new T (reason `"timeout"`); otherwise
   * its timer is re-armed for the new deadline.
   *
   * @param options The new B and T.
   * @throws {RangeError} After `shutdown()`, or on a B that is not an integer
   *   >= 1 or a T that is not > 0 (a batch already due has left by then).
   *
   * @example Halving B sends a batch that is now full
   * ```ts
   * import assert from "node:assert/strict";
   * import { pricing } from "../profile/pricing.ts";
   * import { profileDispatcher } from "./dispatcher.ts";
   * import { publishedProfile } from "../profile/service_profile.ts";
   *
   * const buffer = new RealtimeBuffer({
   *   maxBatch: 8,
   *   timeoutSec: 10,
   *   dispatcher: profileDispatcher({
   *     profile: publishedProfile("TF-inceptionV4"),
   *     memoryMb: 2048,
   *     timeScale: 1000,
   *   }),
   *   clock: systemClock(),
   *   pricing: pricing("aws-x86"),
   *   memoryMb: 2048,
   * });
   * for (let i = 0; i < 4; i++) buffer.arrive();
   * buffer.reconfigure({ maxBatch: 4, timeoutSec: 10 });
   * assert.equal(buffer.stats.dispatchReasons.size, 1);
   * assert.equal(await buffer.shutdown(), true);
   * assert.equal(buffer.stats.completed, 4);
   * ```
   */
  reconfigure(options: BatchingPolicyOptions): void {
    if (this.#closed) throw new RangeError("Cannot reconfigure the buffer after shutdown");
    const now = this.#o.clock.nowSec();
    if (this.#policy.pending > 0 && now >= this.#policy.deadlineSec) this.#onTimeout();
    this.#policy.reconfigure(options);
    if (this.#policy.pending === 0) return;
    if (this.#policy.pending >= this.#policy.maxBatch) this.#dispatch("size", now);
    else if (now >= this.#policy.deadlineSec) this.#dispatch("timeout", now);
    else {
      if (this.#timer !== undefined) this.#o.clock.clearTimer(this.#timer);
      this.#timer = this.#o.clock.setTimer(
        () => this.#onTimeout(),
        this.#policy.deadlineSec - now,
      );
    }
  }

  /**
   * A request arrives now.
   *
   * @returns Its request id.
   * @throws {RangeError} After `shutdown()`.
   */
  arrive(): number {
    if (this.#closed) throw new RangeError("Cannot accept a request after shutdown");
    const now = this.#o.clock.nowSec();
    // A timer that has not fired yet (timers can be late) must not let the batch grow.
    if (this.#policy.pending > 0 && now >= this.#policy.deadlineSec) this.#onTimeout();
    const id = this.#nextId++;
    this.stats.requests++;
    const wasEmpty = this.#policy.pending === 0;
    const full = this.#policy.arrive(id, now);
    if (full) {
      this.#dispatch("size", now);
    } else if (wasEmpty) {
      this.#timer = this.#o.clock.setTimer(() => this.#onTimeout(), this.#policy.timeoutSec);
    }
    return id;
  }

  #onTimeout(): void {
    if (this.#policy.pending === 0) return;
    const now = this.#o.clock.nowSec();
    this.stats.timeoutLateness.add(Math.max(0, now - this.#policy.deadlineSec));
    this.#dispatch("timeout", now);
  }

  #dispatch(reason: DispatchReason, now: number): void {
    if (this.#timer !== undefined) {
      this.#o.clock.clearTimer(this.#timer);
      this.#timer = undefined;
    }
    const batch = this.#policy.dispatch(reason, now);
    this.stats.batches++;
    this.stats.dispatchReasons[reason]++;
    // The policy's arrays are reused: copy them.
    const p: Pending = {
      batch: { ...batch },
      requestIds: Array.from(batch.requestIds),
      arrivalsSec: Array.from(batch.arrivalsSec),
      memoryMb: this.#memoryMb,
      sent: false,
      settled: false,
    };
    this.#queue.push(p);
    this.#unsettled.add(p);
    this.stats.queued = this.#queue.length;
    this.#pump();
  }

  #pump(): void {
    const cap = this.#o.maxInFlight ?? Infinity;
    while (
      !this.#abandoned && this.#queue.length > 0 && this.stats.inFlight < cap
    ) {
      const p = this.#queue.shift()!;
      p.sent = true;
      this.stats.queued = this.#queue.length;
      this.stats.inFlight++;
      const run = this.#invoke(p).finally(() => {
        this.stats.inFlight--;
        this.#running.delete(run);
        this.#pump();
      });
      this.#running.add(run);
    }
  }

  async #invoke(p: Pending): Promise<void> {
    let outcome: DispatchOutcome;
    try {
      outcome = await this.#o.dispatcher.dispatch({
        batchId: p.batch.batchId,
        requestIds: p.requestIds,
      });
    } catch (e) {
      outcome = {
        status: "failed",
        error: `Dispatcher error: ${(e as Error)?.message ?? e}`,
        clientWaitMs: NaN,
        clientQueued: false,
        durationMs: NaN,
        billedDurationMs: NaN,
        initDurationMs: 0,
        memorySizeMb: NaN,
        maxMemoryUsedMb: NaN,
        attempts: 1,
        logTail: "",
      };
    }
    this.#record(p, outcome, this.#o.clock.nowSec());
  }

  #record(p: Pending, o: DispatchOutcome, completionSec: number): void {
    // A batch abandoned at a forced exit has its rows already.
    if (p.settled) return;
    const { pricing } = this.#o;
    if (o.clientQueued) this.stats.clientQueuedBatches++;
    if (o.clientWaitMs > this.stats.clientWaitMaxMs) this.stats.clientWaitMaxMs = o.clientWaitMs;
    const memoryMb = Number.isFinite(o.memorySizeMb) ? o.memorySizeMb : p.memoryMb;
    const billedSec = Number.isFinite(o.billedDurationMs)
      ? o.billedDurationMs / 1000
      : (Number.isFinite(o.durationMs) ? billedDurationSec(pricing, o.durationMs / 1000) : 0);
    const invoked = o.attempts > 0 && (o.status === "ok" || Number.isFinite(o.durationMs));
    const costUsd = invoked
      ? billedSec * (memoryMb / 1024) * pricing.usdPerGbSecond + pricing.usdPerRequest
      : 0;
    this.stats.totalCostUsd += costUsd;
    if (o.status === "ok") this.stats.completed += p.requestIds.length;
    else this.stats.failed += p.requestIds.length;
    this.#emit(p, {
      completionSec,
      durationMs: o.durationMs,
      billedDurationMs: o.billedDurationMs,
      initDurationMs: o.initDurationMs,
      memorySizeMb: memoryMb,
      maxMemoryUsedMb: o.maxMemoryUsedMb,
      clientWaitMs: o.clientWaitMs,
      costUsd,
      status: o.status,
      error: o.error,
    });
  }

  /**
   * Settles a batch: writes its requests' records, then its own, with how it
   * ended. `completionSec` NaN (an abandoned batch) leaves the latencies NaN.
   */
  #emit(p: Pending, end: _BatchEnd): void {
    p.settled = true;
    this.#unsettled.delete(p);
    const { sink } = this.#o;
    const k = p.requestIds.length;
    for (let i = 0; i < k; i++) {
      sink?.request?.({
        requestId: p.requestIds[i],
        arrivalSec: p.arrivalsSec[i],
        dispatchSec: p.batch.dispatchSec,
        completionSec: end.completionSec,
        latencySec: end.completionSec - p.arrivalsSec[i],
        batchId: p.batch.batchId,
        batchSize: k,
        status: end.status,
        error: end.error,
      });
    }
    sink?.batch?.({
      batchId: p.batch.batchId,
      size: k,
      firstArrivalSec: p.batch.firstArrivalSec,
      deadlineSec: p.batch.deadlineSec,
      dispatchSec: p.batch.dispatchSec,
      dispatchReason: p.batch.reason,
      completionSec: end.completionSec,
      latencySec: end.completionSec - p.batch.firstArrivalSec,
      durationMs: end.durationMs,
      billedDurationMs: end.billedDurationMs,
      initDurationMs: end.initDurationMs,
      memorySizeMb: end.memorySizeMb,
      maxMemoryUsedMb: end.maxMemoryUsedMb,
      clientWaitMs: end.clientWaitMs,
      costUsd: end.costUsd,
      status: end.status,
      error: end.error,
    });
  }

  /**
   * Gives up, at a forced exit, every request whose outcome is not known yet:
   * the open batch is closed (reason `shutdown`) without being sent, and the
   * requests of every batch queued or in flight are recorded at once with
   * status `abandoned` (no completion, no latency), and each batch with its
   * state in `error` (`"in flight at exit"` or `"not sent: queued at exit"`).
   * Outcomes that arrive afterwards are ignored, so every request is recorded
   * exactly once. The buffer takes no more requests.
   *
   * @returns The number of requests abandoned.
   */
  abandon(): number {
    this.#closed = true;
    this.#abandoned = true;
    if (this.#policy.pending > 0) this.#dispatch("shutdown", this.#o.clock.nowSec());
    const before = this.stats.abandoned;
    for (const p of [...this.#unsettled]) this.#recordAbandoned(p);
    this.#queue = [];
    this.stats.queued = 0;
    return this.stats.abandoned - before;
  }

  #recordAbandoned(p: Pending): void {
    this.stats.abandoned += p.requestIds.length;
    this.#emit(p, {
      completionSec: NaN,
      durationMs: NaN,
      billedDurationMs: NaN,
      initDurationMs: NaN,
      memorySizeMb: p.memoryMb,
      maxMemoryUsedMb: NaN,
      clientWaitMs: NaN,
      costUsd: NaN,
      status: "abandoned",
      error: p.sent ? "in flight at exit" : "not sent: queued at exit",
    });
  }

  /**
   * Stops taking requests, dispatches the open batch (reason `shutdown`) and
   * waits for every batch in flight or queued, up to `graceSec` (then the
   * unfinished ones are left to the caller, who may exit).
   *
   * @returns Whether everything finished within the grace period.
   */
  async shutdown(graceSec = Infinity): Promise<boolean> {
    this.#closed = true;
    if (this.#policy.pending > 0) this.#dispatch("shutdown", this.#o.clock.nowSec());
    const all = async () => {
      while (this.#running.size > 0 || this.#queue.length > 0) {
        await Promise.all([...this.#running]);
      }
      return true;
    };
    if (!Number.isFinite(graceSec)) return await all();
    let timer: unknown;
    const grace = new Promise<boolean>((r) => {
      timer = this.#o.clock.setTimer(() => r(false), graceSec);
    });
    const done = await Promise.race([all(), grace]);
    if (timer !== undefined) this.#o.clock.clearTimer(timer);
    return done;
  }
}

function _checkMemory(memoryMb: number): number {
  if (!(memoryMb > 0)) {
    throw new RangeError(`Cannot bill the buffer's batches at ${memoryMb} MB: expected > 0`);
  }
  return memoryMb;
}

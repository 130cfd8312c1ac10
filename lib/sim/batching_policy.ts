/**
 * The batching policy of the BATCH buffer, shared by the simulator (virtual
 * time) and the real buffer (a clock): requests wait until `B` of them have
 * arrived or `T` seconds have passed since the first one of the batch.
 *
 * The policy holds the pending requests and answers two questions: does this
 * arrival fill the batch, and when does the open batch time out. Whoever
 * drives it decides when time passes; see {@linkcode BatchingPolicy.arrive}.
 *
 * @module
 */

/** Why a batch left the buffer. */
export type DispatchReason = "size" | "timeout" | "shutdown";

/** A dispatched batch. The arrays are views into the policy's buffers: copy what you keep. */
export interface DispatchedBatch {
  /** 0-based, in dispatch order. */
  readonly batchId: number;
  readonly reason: DispatchReason;
  readonly dispatchSec: number;
  readonly firstArrivalSec: number;
  /** First arrival plus the timeout. */
  readonly deadlineSec: number;
  readonly size: number;
  /** Request ids, `size` of them. */
  readonly requestIds: Int32Array | Float64Array;
  /** Arrival times, seconds. */
  readonly arrivalsSec: Float64Array;
}

/** Options of {@linkcode BatchingPolicy}. */
export interface BatchingPolicyOptions {
  /** Largest batch, B >= 1. */
  maxBatch: number;
  /** Timeout from the first request of a batch, seconds (> 0). */
  timeoutSec: number;
}

/** The buffer's state: the open batch and the dispatch counter. */
export class BatchingPolicy {
  #maxBatch: number;
  #timeoutSec: number;
  #ids: Float64Array;
  #arrivals: Float64Array;
  #size = 0;
  #batches = 0;

  /**
   * Creates an empty buffer.
   *
   * @throws {RangeError} If `maxBatch` is not an integer >= 1 or `timeoutSec` is not > 0.
   */
  constructor(options: BatchingPolicyOptions) {
    const { maxBatch, timeoutSec } = options;
    checkOptions(maxBatch, timeoutSec);
    this.#maxBatch = maxBatch;
    this.#timeoutSec = timeoutSec;
    this.#ids = new Float64Array(maxBatch);
    this.#arrivals = new Float64Array(maxBatch);
  }

  /** Largest batch, B. */
  get maxBatch(): number {
    return this.#maxBatch;
  }

  /** Timeout from the first request of a batch, seconds. */
  get timeoutSec(): number {
    return this.#timeoutSec;
  }

  /**
   * Changes B and T at once, the open batch included: its deadline becomes its
   * first arrival plus the new T. The caller then dispatches it if it is now
   * full (`pending >= maxBatch`, reason `"size"`) or past its new deadline
   * (reason `"timeout"`), as after an arrival.
   *
   * @throws {RangeError} As the constructor, on a bad B or T.
   */
  reconfigure(options: BatchingPolicyOptions): void {
    const { maxBatch, timeoutSec } = options;
    checkOptions(maxBatch, timeoutSec);
    if (maxBatch > this.#ids.length) {
      const ids = new Float64Array(maxBatch), arrivals = new Float64Array(maxBatch);
      ids.set(this.#ids.subarray(0, this.#size));
      arrivals.set(this.#arrivals.subarray(0, this.#size));
      this.#ids = ids;
      this.#arrivals = arrivals;
    }
    this.#maxBatch = maxBatch;
    this.#timeoutSec = timeoutSec;
  }

  /** Number of requests waiting. */
  get pending(): number {
    return this.#size;
  }

  /** Number of batches dispatched so far. */
  get dispatched(): number {
    return this.#batches;
  }

  /** When the open batch times out, seconds; `Infinity` when the buffer is empty. */
  get deadlineSec(): number {
    return this.#size > 0 ? this.#arrivals[0] + this.timeoutSec : Infinity;
  }

  /**
   * Adds a request. The caller first dispatches a batch whose deadline is not
   * after `arrivalSec` (with {@linkcode BatchingPolicy.dispatch} and reason
   * `"timeout"`): a request arriving exactly at the deadline opens the next batch.
   *
   * @returns `true` if the batch is now full and must be dispatched (reason `"size"`).
   * @throws {RangeError} If the open batch had already timed out at `arrivalSec`.
   */
  arrive(requestId: number, arrivalSec: number): boolean {
    if (this.#size > 0 && arrivalSec >= this.deadlineSec) {
      throw new RangeError(
        `Cannot add request ${requestId} at ${arrivalSec} s: the open batch timed out at ` +
          `${this.deadlineSec} s and must be dispatched first`,
      );
    }
    this.#ids[this.#size] = requestId;
    this.#arrivals[this.#size] = arrivalSec;
    this.#size++;
    return this.#size >= this.#maxBatch;
  }

  /**
   * Dispatches the open batch and empties the buffer.
   *
   * @throws {RangeError} If the buffer is empty.
   */
  dispatch(reason: DispatchReason, dispatchSec: number): DispatchedBatch {
    // After a reconfiguration to a smaller B, the open batch may hold more
    // requests than B: it leaves whole (it was formed under the old B).
    const size = this.#size;
    if (size === 0) throw new RangeError("Cannot dispatch an empty batch");
    const batch: DispatchedBatch = {
      batchId: this.#batches++,
      reason,
      dispatchSec,
      firstArrivalSec: this.#arrivals[0],
      deadlineSec: this.#arrivals[0] + this.timeoutSec,
      size,
      requestIds: this.#ids.subarray(0, size),
      arrivalsSec: this.#arrivals.subarray(0, size),
    };
    this.#size = 0;
    return batch;
  }
}

function checkOptions(maxBatch: number, timeoutSec: number): void {
  if (!(Number.isInteger(maxBatch) && maxBatch >= 1)) {
    throw new RangeError(`Cannot batch with max batch ${maxBatch}: it must be an integer >= 1`);
  }
  if (!(timeoutSec > 0)) {
    throw new RangeError(`Cannot batch with timeout ${timeoutSec} s: it must be > 0`);
  }
}

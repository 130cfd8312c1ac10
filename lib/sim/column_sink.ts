/**
 * A record sink that keeps the records of a run in columns (typed arrays),
 * named like the log files' columns, ready for a DataFrame or a chart.
 *
 * @module
 */

import type { BatchRecord, RecordSink, RequestRecord } from "./simulator.ts";

class Column {
  data: Float64Array = new Float64Array(1024);
  length = 0;
  push(x: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = x;
  }
  values(): Float64Array {
    return this.data.slice(0, this.length);
  }
}

/** Request columns, as in `requests.csv`. */
export interface RequestColumns {
  request_id: Float64Array;
  arrival_sec: Float64Array;
  dispatch_sec: Float64Array;
  completion_sec: Float64Array;
  latency_sec: Float64Array;
  batch_id: Float64Array;
  batch_size: Float64Array;
  status: string[];
  error: string[];
}

/** Batch columns, as in `batches.csv`. */
export interface BatchColumns {
  batch_id: Float64Array;
  size: Float64Array;
  first_arrival_sec: Float64Array;
  deadline_sec: Float64Array;
  dispatch_sec: Float64Array;
  dispatch_reason: string[];
  completion_sec: Float64Array;
  latency_sec: Float64Array;
  duration_ms: Float64Array;
  billed_duration_ms: Float64Array;
  init_duration_ms: Float64Array;
  memory_size_mb: Float64Array;
  max_memory_used_mb: Float64Array;
  client_wait_ms: Float64Array;
  cost_usd: Float64Array;
  status: string[];
  error: string[];
}

const REQUEST_NUMERIC = [
  ["request_id", "requestId"],
  ["arrival_sec", "arrivalSec"],
  ["dispatch_sec", "dispatchSec"],
  ["completion_sec", "completionSec"],
  ["latency_sec", "latencySec"],
  ["batch_id", "batchId"],
  ["batch_size", "batchSize"],
] as const;

const BATCH_NUMERIC = [
  ["batch_id", "batchId"],
  ["size", "size"],
  ["first_arrival_sec", "firstArrivalSec"],
  ["deadline_sec", "deadlineSec"],
  ["dispatch_sec", "dispatchSec"],
  ["completion_sec", "completionSec"],
  ["latency_sec", "latencySec"],
  ["duration_ms", "durationMs"],
  ["billed_duration_ms", "billedDurationMs"],
  ["init_duration_ms", "initDurationMs"],
  ["memory_size_mb", "memorySizeMb"],
  ["max_memory_used_mb", "maxMemoryUsedMb"],
  ["client_wait_ms", "clientWaitMs"],
  ["cost_usd", "costUsd"],
] as const;

/** Keeps every request and batch record in memory, column by column. */
export class ColumnSink implements RecordSink {
  #req = new Map(REQUEST_NUMERIC.map(([c]) => [c, new Column()]));
  #bat = new Map(BATCH_NUMERIC.map(([c]) => [c, new Column()]));
  #reqStatus: string[] = [];
  #reqError: string[] = [];
  #batReason: string[] = [];
  #batStatus: string[] = [];
  #batError: string[] = [];

  /** Records one request. */
  request(r: Readonly<RequestRecord>): void {
    for (const [c, f] of REQUEST_NUMERIC) this.#req.get(c)!.push(r[f]);
    this.#reqStatus.push(r.status);
    this.#reqError.push(r.error);
  }

  /** Records one batch. */
  batch(b: Readonly<BatchRecord>): void {
    for (const [c, f] of BATCH_NUMERIC) this.#bat.get(c)!.push(b[f]);
    this.#batReason.push(b.dispatchReason);
    this.#batStatus.push(b.status);
    this.#batError.push(b.error);
  }

  /** The request columns so far (copies). */
  requests(): RequestColumns {
    const cols = Object.fromEntries([...this.#req].map(([c, col]) => [c, col.values()]));
    return { ...cols, status: [...this.#reqStatus], error: [...this.#reqError] } as RequestColumns;
  }

  /** The batch columns so far (copies). */
  batches(): BatchColumns {
    const cols = Object.fromEntries([...this.#bat].map(([c, col]) => [c, col.values()]));
    return {
      ...cols,
      dispatch_reason: [...this.#batReason],
      status: [...this.#batStatus],
      error: [...this.#batError],
    } as BatchColumns;
  }
}

/**
 * Run logs on disk: `requests.csv`, `batches.csv` and `run.json` in a run
 * directory, appended as batches complete. Lines are written whole and
 * flushed in chunks, so a run that stops part-way leaves valid files with
 * every record it completed.
 *
 * @module
 */

import type { BatchRecord, RecordSink, RequestRecord } from "../sim/simulator.ts";

/** Header of `requests.csv`. */
export const REQUEST_COLUMNS = [
  "request_id",
  "arrival_sec",
  "dispatch_sec",
  "completion_sec",
  "latency_sec",
  "batch_id",
  "batch_size",
  "status",
  "error",
] as const;

/** Header of `batches.csv`. */
export const BATCH_COLUMNS = [
  "batch_id",
  "size",
  "first_arrival_sec",
  "deadline_sec",
  "dispatch_sec",
  "dispatch_reason",
  "completion_sec",
  "latency_sec",
  "duration_ms",
  "billed_duration_ms",
  "init_duration_ms",
  "memory_size_mb",
  "max_memory_used_mb",
  "client_wait_ms",
  "cost_usd",
  "status",
  "error",
] as const;

const FLUSH_CHARS = 1 << 20;

/** Appends whole lines to a file, flushing about every megabyte. */
class LineWriter {
  #file: Deno.FsFile;
  #parts: string[] = [];
  #chars = 0;
  #encoder = new TextEncoder();

  constructor(path: string, header: string) {
    this.#file = Deno.openSync(path, { write: true, create: true, truncate: true });
    this.line(header);
    this.flush();
  }

  line(text: string): void {
    this.#parts.push(text);
    this.#chars += text.length + 1;
    if (this.#chars >= FLUSH_CHARS) this.flush();
  }

  flush(): void {
    if (this.#parts.length === 0) return;
    const bytes = this.#encoder.encode(this.#parts.join("\n") + "\n");
    let off = 0;
    while (off < bytes.length) off += this.#file.writeSync(bytes.subarray(off));
    this.#parts = [];
    this.#chars = 0;
  }

  close(): void {
    this.flush();
    this.#file.close();
  }
}

/** Quotes a CSV field when it needs it. */
function csvField(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function num(x: number): string {
  return Number.isFinite(x) ? String(x) : "";
}

/** A {@linkcode RecordSink} that writes `requests.csv` and `batches.csv` into a directory. */
export class CsvRunLog implements RecordSink {
  readonly dir: string;
  #requests: LineWriter;
  #batches: LineWriter;

  /**
   * Creates the directory (if needed) and the two files with their headers.
   *
   * @param dir The run directory.
   */
  constructor(dir: string) {
    Deno.mkdirSync(dir, { recursive: true });
    this.dir = dir;
    this.#requests = new LineWriter(`${dir}/requests.csv`, REQUEST_COLUMNS.join(","));
    this.#batches = new LineWriter(`${dir}/batches.csv`, BATCH_COLUMNS.join(","));
  }

  /** Appends one request. */
  request(r: Readonly<RequestRecord>): void {
    this.#requests.line(
      `${r.requestId},${num(r.arrivalSec)},${num(r.dispatchSec)},${num(r.completionSec)},` +
        `${num(r.latencySec)},${r.batchId},${r.batchSize},${r.status},${csvField(r.error)}`,
    );
  }

  /** Appends one batch, after its requests (so requests.csv is flushed first). */
  batch(b: Readonly<BatchRecord>): void {
    this.#batches.line(
      `${b.batchId},${b.size},${num(b.firstArrivalSec)},${num(b.deadlineSec)},` +
        `${num(b.dispatchSec)},${b.dispatchReason},${num(b.completionSec)},${num(b.latencySec)},` +
        `${num(b.durationMs)},${num(b.billedDurationMs)},${num(b.initDurationMs)},` +
        `${num(b.memorySizeMb)},${num(b.maxMemoryUsedMb)},${num(b.clientWaitMs)},` +
        `${num(b.costUsd)},${b.status},` +
        csvField(b.error),
    );
  }

  /** Flushes both files (call on a timer or before risky work). */
  flush(): void {
    this.#requests.flush();
    this.#batches.flush();
  }

  /** Flushes and closes both files. */
  close(): void {
    this.#requests.close();
    this.#batches.close();
  }
}

/** Writes `run.json` (configuration, seed, versions, summary) atomically. */
export function writeRunJson(dir: string, content: unknown): void {
  const tmp = `${dir}/run.json.tmp`;
  Deno.writeTextFileSync(tmp, JSON.stringify(content, null, 2) + "\n");
  Deno.renameSync(tmp, `${dir}/run.json`);
}

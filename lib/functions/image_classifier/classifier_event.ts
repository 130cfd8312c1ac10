/**
 * The image classifier's event, checked: which images a batch holds and how
 * the caller wants the answer.
 *
 * @module
 */

/** The most images one invocation classifies. */
export const MAX_BATCH_SIZE = 128;

/** One request of a batch. */
export interface ClassifierRequest {
  /** The caller's id, echoed in the response (any JSON value). */
  id: unknown;
  /** The image, base64 (a `data:` URL prefix allowed); `undefined` for the sample image. */
  image?: string;
}

/** An event, checked. */
export interface ClassifierEvent {
  /**
   * Which form the event took: `requests`, `batch_size`, or buffer.py's `BS`,
   * which is answered with the duration in ms alone.
   */
  form: "requests" | "batch_size" | "BS";
  requests: ClassifierRequest[];
  /** The buffer's `batch_id`, when the event had one, to be echoed. */
  batchId?: unknown;
}

/** Options of {@linkcode parseClassifierEvent}. */
export interface ParseClassifierEventOptions {
  /**
   * The most requests an event may hold.
   * @default {MAX_BATCH_SIZE}
   */
  maxBatchSize?: number;
}

const FORMS = ["requests", "batch_size", "BS"] as const;

/**
 * Reads an event in one of three forms:
 *
 * - `{"requests": [...]}`: each entry an object `{"id", "image"}` with the
 *   image in base64, or a bare id (a number or a string, as our buffer sends
 *   `{"batch_id", "requests": [ids]}`), which stands for the sample image;
 * - `{"batch_size": n}`: n requests for the sample image, ids 0..n-1;
 * - `{"BS": n}` (the original buffer.py): the same, answered with the
 *   duration in ms alone.
 *
 * A `batch_id` may come with any of them; other keys are ignored.
 *
 * @param event The invocation's event, as parsed from its JSON payload.
 * @param options The batch size limit.
 * @returns The requests, the form, and the batch id.
 * @throws {TypeError} If the event is not an object, holds none or more than
 * one of `requests`, `batch_size` and `BS`, or a request is neither an id nor
 * an object with an `id` and a string `image`.
 * @throws {RangeError} If the batch is empty or larger than `maxBatchSize`,
 * or `batch_size` or `BS` is not a positive integer.
 *
 * @example The buffer's payload
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseClassifierEvent } from "./classifier_event.ts";
 *
 * const event = parseClassifierEvent({ batch_id: 4, requests: [17, 18] });
 * assert.deepEqual(event, {
 *   form: "requests",
 *   requests: [{ id: 17 }, { id: 18 }],
 *   batchId: 4,
 * });
 * ```
 */
export function parseClassifierEvent(
  event: unknown,
  options: ParseClassifierEventOptions = {},
): ClassifierEvent {
  const { maxBatchSize = MAX_BATCH_SIZE } = options;
  if (!(Number.isInteger(maxBatchSize) && maxBatchSize >= 1)) {
    throw new RangeError(
      `Cannot read the event as 'maxBatchSize' must be a positive integer: current value is ${maxBatchSize}`,
    );
  }
  if (typeof event !== "object" || event === null || Array.isArray(event)) {
    throw new TypeError(
      "The event must be a JSON object with 'requests', 'batch_size' or 'BS': " +
        `found ${_describe(event)}`,
    );
  }
  const record = event as Record<string, unknown>;
  const given = FORMS.filter((f) => record[f] !== undefined);
  if (given.length !== 1) {
    throw new TypeError(
      given.length === 0
        ? "The event must hold 'requests', 'batch_size' or 'BS': found keys " +
          `${JSON.stringify(Object.keys(record))}`
        : `The event must hold one of 'requests', 'batch_size' and 'BS': found ${
          given.map((g) => `'${g}'`).join(" and ")
        }`,
    );
  }
  const form = given[0];
  const requests = form === "requests"
    ? _requests(record.requests, maxBatchSize)
    : _sampleRequests(form, record[form], maxBatchSize);
  return record.batch_id === undefined
    ? { form, requests }
    : { form, requests, batchId: record.batch_id };
}

function _requests(value: unknown, maxBatchSize: number): ClassifierRequest[] {
  if (!Array.isArray(value)) {
    throw new TypeError(`'requests' must be an array: found ${_describe(value)}`);
  }
  _checkSize(value.length, maxBatchSize);
  return value.map((entry, i): ClassifierRequest => {
    if (typeof entry === "number" || typeof entry === "string") return { id: entry };
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      throw new TypeError(
        `requests[${i}] must be an id (a number or a string) or an object {"id", "image"}: ` +
          `found ${_describe(entry)}`,
      );
    }
    const { id, image } = entry as Record<string, unknown>;
    if (id === undefined) throw new TypeError(`requests[${i}] has no 'id'`);
    if (typeof image !== "string" || image.length === 0) {
      throw new TypeError(
        `requests[${i}] (id ${JSON.stringify(id)}) must have 'image', a base64 JPEG or PNG: ` +
          `found ${_describe(image)}`,
      );
    }
    return { id, image };
  });
}

function _sampleRequests(form: string, value: unknown, maxBatchSize: number): ClassifierRequest[] {
  if (!(typeof value === "number" && Number.isInteger(value) && value >= 1)) {
    throw new RangeError(
      `Cannot classify a batch as '${form}' must be a positive integer: current value is ` +
        JSON.stringify(value),
    );
  }
  _checkSize(value, maxBatchSize);
  return Array.from({ length: value }, (_, i) => ({ id: i }));
}

function _checkSize(size: number, maxBatchSize: number): void {
  if (size === 0) {
    throw new RangeError("Cannot classify an empty batch: 'requests' holds no request");
  }
  if (size > maxBatchSize) {
    throw new RangeError(
      `Cannot classify a batch of ${size} images: one invocation takes at most ${maxBatchSize}`,
    );
  }
}

function _describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") {
    return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
  }
  if (typeof value === "object") return "an object";
  return `${typeof value} ${String(value)}`;
}

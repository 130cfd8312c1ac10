/**
 * What the buffer sends a function for a batch: the Invoke payload, built by
 * a `payloadFor(batch)` function that the dispatcher is given. Two kinds:
 * request ids (`{"batch_id", "requests": [ids]}`, the buffer's payload since
 * the start, which a profile-driven function ignores and the example
 * classifier takes as its sample image), and real images, one per request,
 * base64 in `{"batch_id", "requests": [{"id", "image"}]}`, taken in turn from
 * a set of image files.
 *
 * Lambda refuses a synchronous request payload above 6 MB
 * ({@linkcode MAX_PAYLOAD_BYTES}); {@linkcode BatchPayload.maxBytes} bounds a
 * batch's payload so a run can refuse a batch size that could exceed it
 * before it sends anything.
 *
 * @module
 */

import { MAX_PAYLOAD_BYTES } from "../lambda/local_lambda.ts";
import type { BatchRequest } from "./dispatcher.ts";

/** Builds the Invoke payload of a batch (UTF-8 JSON). */
export type PayloadFor = (batch: BatchRequest) => Uint8Array;

/** A kind of payload, as a run uses it. */
export interface BatchPayload {
  /** What is sent, for `run.json` and the summary: `ids`, `images: DIR (4 files, largest 13.3 kB)`. */
  description: string;
  /** The Invoke payload of a batch. */
  payloadFor: PayloadFor;
  /**
   * The largest payload a batch of `batchSize` requests can have, bytes (ids
   * and batch ids of up to 16 digits).
   */
  maxBytes(batchSize: number): number;
}

/** The longest id the buffer can give, in JSON: 16 digits. */
const _LONGEST_ID = String(Number.MAX_SAFE_INTEGER).length;

const _encoder = new TextEncoder();

/**
 * The buffer's payload since the start: `{"batch_id", "requests": [ids]}`.
 *
 * @param batch The batch.
 * @returns Its payload, UTF-8 JSON.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const bytes = idsPayload({ batchId: 3, requestIds: [7, 8] });
 * assert.equal(new TextDecoder().decode(bytes), '{"batch_id":3,"requests":[7,8]}');
 * ```
 */
export function idsPayload(batch: BatchRequest): Uint8Array {
  return _encoder.encode(JSON.stringify({ batch_id: batch.batchId, requests: batch.requestIds }));
}

/**
 * Request ids as the payload ({@linkcode idsPayload}): what a function that
 * reads nothing from its requests needs.
 *
 * @returns The payload kind.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const ids = idsBatchPayload();
 * assert.equal(ids.description, "ids");
 * assert.ok(ids.maxBytes(1000) < 20_000);
 * ```
 */
export function idsBatchPayload(): BatchPayload {
  return {
    description: "ids",
    payloadFor: idsPayload,
    // {"batch_id":N,"requests":[N,N,...]}
    maxBytes: (n) => 27 + _LONGEST_ID + n * (_LONGEST_ID + 1),
  };
}

/** One image a payload carries. */
export interface PayloadImage {
  /** Where it came from (a file name), for messages. */
  name: string;
  /** The file's bytes (a JPEG or a PNG). */
  bytes: Uint8Array;
}

/** Options of {@linkcode imagesBatchPayload}. */
export interface ImagesBatchPayloadOptions {
  /** Where the images came from, for the description. @default {"given images"} */
  source?: string;
}

/**
 * Real images as the payload: request `id` carries image `id mod n` of the
 * `n` given (so the images come in turn, and a retried batch sends the same
 * payload), base64, as `{"batch_id", "requests": [{"id", "image"}]}`.
 *
 * @param images The images, at least one.
 * @param options Where they came from.
 * @returns The payload kind; each image is encoded once, here.
 * @throws {RangeError} If `images` is empty.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const p = imagesBatchPayload([
 *   { name: "a.png", bytes: new Uint8Array([1, 2, 3]) },
 *   { name: "b.png", bytes: new Uint8Array([4]) },
 * ]);
 * const json = JSON.parse(new TextDecoder().decode(p.payloadFor({ batchId: 0, requestIds: [4, 5] })));
 * assert.deepEqual(json, {
 *   batch_id: 0,
 *   requests: [{ id: 4, image: "AQID" }, { id: 5, image: "BA==" }],
 * });
 * ```
 */
export function imagesBatchPayload(
  images: readonly PayloadImage[],
  options: ImagesBatchPayloadOptions = {},
): BatchPayload {
  if (!Array.isArray(images) || images.length === 0) {
    throw new RangeError(
      `Cannot build image payloads as 'images' must hold at least one image: found ${
        Array.isArray(images) ? 0 : String(images)
      }`,
    );
  }
  const base64 = images.map((i) => _base64(i.bytes));
  const longest = Math.max(...base64.map((b) => b.length));
  const largestBytes = Math.max(...images.map((i) => i.bytes.length));
  const n = images.length;
  return {
    description: `images: ${options.source ?? "given images"} (${n} file${n > 1 ? "s" : ""}, ` +
      `largest ${_fileSize(largestBytes)})`,
    payloadFor: (batch) =>
      _encoder.encode(JSON.stringify({
        batch_id: batch.batchId,
        requests: batch.requestIds.map((id) => ({ id, image: base64[id % n] })),
      })),
    // {"batch_id":N,"requests":[{"id":N,"image":"..."},...]}; base64 needs no escapes.
    maxBytes: (k) => 27 + _LONGEST_ID + k * (19 + _LONGEST_ID + longest),
  };
}

/** The file names {@linkcode readPayloadImages} takes. */
const _IMAGE_FILE = /\.(jpe?g|png)$/i;

/**
 * Reads the JPEG and PNG files of a directory (`.jpg`, `.jpeg`, `.png`, in
 * name order; other files are left out), for {@linkcode imagesBatchPayload}.
 *
 * @param dir The directory.
 * @returns The images, and the files left out.
 * @throws {Deno.errors.NotFound} If `dir` does not exist.
 * @throws {TypeError} If `dir` is not a directory.
 * @throws {RangeError} If it holds no JPEG or PNG file.
 *
 * @example The example classifier's samples
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const { images } = await readPayloadImages("lib/functions/image_classifier/samples");
 * assert.equal(images.length, 4);
 * ```
 */
export async function readPayloadImages(
  dir: string,
): Promise<{ images: PayloadImage[]; skipped: string[] }> {
  if (!(await Deno.stat(dir)).isDirectory) {
    throw new TypeError(`Cannot read images from ${dir} as it is not a directory`);
  }
  const names: string[] = [], skipped: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile && _IMAGE_FILE.test(e.name)) names.push(e.name);
    else skipped.push(e.name);
  }
  if (names.length === 0) {
    throw new RangeError(
      `Cannot read images from ${dir} as it holds no JPEG or PNG file (.jpg, .jpeg, .png)`,
    );
  }
  names.sort();
  skipped.sort();
  const images = await Promise.all(
    names.map(async (name) => ({ name, bytes: await Deno.readFile(`${dir}/${name}`) })),
  );
  return { images, skipped };
}

/**
 * The largest batch whose payload fits in Lambda's synchronous limit
 * ({@linkcode MAX_PAYLOAD_BYTES}) whatever its images.
 *
 * @param payload The payload kind.
 * @param upTo The largest batch size of interest. @default {100000}
 * @returns The largest batch size within `1..upTo` that fits (0 when none does).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const big = imagesBatchPayload([{ name: "big.jpg", bytes: new Uint8Array(2_000_000) }]);
 * assert.equal(largestFittingBatch(big), 2); // 2.67 MB each in base64: 2 fit in 6 MB (6,291,456 bytes)
 * assert.equal(largestFittingBatch(idsBatchPayload(), 1000), 1000);
 * ```
 */
export function largestFittingBatch(payload: BatchPayload, upTo = 100_000): number {
  if (payload.maxBytes(upTo) <= MAX_PAYLOAD_BYTES) return upTo;
  let lo = 0, hi = upTo; // lo fits (or is 0), hi does not
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (payload.maxBytes(mid) <= MAX_PAYLOAD_BYTES) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * Checks that a batch of `batchSize` requests fits in Lambda's synchronous
 * payload limit whatever its images.
 *
 * @param payload The payload kind.
 * @param batchSize The largest batch a run can send.
 * @throws {RangeError} If the largest payload exceeds {@linkcode MAX_PAYLOAD_BYTES}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const big = imagesBatchPayload([{ name: "big.jpg", bytes: new Uint8Array(2_000_000) }]);
 * checkPayloadFits(big, 2);
 * assert.throws(() => checkPayloadFits(big, 3), {
 *   name: "RangeError",
 *   message: /a batch's payload can reach 8\.000 MB, above Lambda's limit of 6 MB/,
 * });
 * ```
 */
export function checkPayloadFits(payload: BatchPayload, batchSize: number): void {
  const bytes = payload.maxBytes(batchSize);
  if (bytes > MAX_PAYLOAD_BYTES) {
    throw new RangeError(
      `Cannot send batches of ${batchSize} with ${payload.description}: ${
        payloadLimitReason(payload, batchSize)
      }`,
    );
  }
}

/**
 * Why batches of `batchSize` do not fit: how large their payload can be, the
 * limit, and the largest batch that fits.
 *
 * @param payload The payload kind.
 * @param batchSize A batch size that does not fit.
 * @returns A sentence fragment for messages.
 */
export function payloadLimitReason(payload: BatchPayload, batchSize: number): string {
  return `a batch's payload can reach ${_megabytes(payload.maxBytes(batchSize))}, above ` +
    `Lambda's limit of 6 MB (${MAX_PAYLOAD_BYTES} bytes) for a synchronous invocation; the ` +
    `largest batch that fits is ${largestFittingBatch(payload, batchSize)}`;
}

/** Standard base64 (RFC 4648, with padding), through `btoa` 32 KiB at a time. */
function _base64(bytes: Uint8Array): string {
  const parts: string[] = [];
  for (let i = 0; i < bytes.length; i += 0x8000) {
    parts.push(String.fromCharCode(...bytes.subarray(i, i + 0x8000)));
  }
  return btoa(parts.join(""));
}

/** A file size for people: `812 B`, `13.6 kB`, `1.05 MB` (3 significant digits). */
function _fileSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 999_500) return `${Number((bytes / 1e3).toPrecision(3))} kB`;
  return `${Number((bytes / 1e6).toPrecision(3))} MB`;
}

function _megabytes(bytes: number): string {
  return `${(bytes / 1e6).toPrecision(4)} MB`;
}

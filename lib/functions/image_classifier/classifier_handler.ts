/**
 * The image classifier's Lambda handler, built around a loaded network: it
 * reads the event, decodes every image of the batch, classifies them in one
 * forward pass and answers in the event's form. `handler.ts` builds the one
 * the function exports; benchmarks and tests can build others.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import type { ClassProbability, ImageClassifier } from "./classifier.ts";
import { type ClassifierRequest, parseClassifierEvent } from "./classifier_event.ts";
import { decodeImage, ImageDecodeError, type RgbImage } from "./decode_image.ts";

/** One request's answer. */
export interface ClassifierResult {
  /** The request's id, as the event gave it. */
  id: unknown;
  /** The most probable classes, most probable first. */
  top: ClassProbability[];
}

/** The answer to `requests` and `batch_size` events. */
export interface ClassifierResponse {
  /** The event's `batch_id`, when it had one. */
  batch_id?: unknown;
  /** The network, e.g. `MobileNetV2`. */
  model: string;
  /** From the handler's call to its answer (decoding, the forward pass, the top classes), ms. */
  duration_ms: number;
  /** One per request, in the event's order. */
  responses: ClassifierResult[];
}

/** A handler in the shape of Lambda's Node.js runtime. */
export type ClassifierLambdaHandler = (
  event: unknown,
  context?: unknown,
) => Promise<ClassifierResponse | number>;

/** Options of {@linkcode classifierHandler}. */
export interface ClassifierHandlerOptions {
  /** The bytes of the sample image (JPEG or PNG) that ids and `batch_size`/`BS` stand for. */
  sampleImage: Uint8Array;
  /**
   * Classes per request in the answer.
   * @default {3}
   */
  topK?: number;
  /**
   * The most images one invocation takes.
   * @default {MAX_BATCH_SIZE} (128)
   */
  maxBatchSize?: number;
  /**
   * The clock for `duration_ms`, ms.
   * @default {performance.now}
   */
  now?: () => number;
}

/**
 * A Lambda handler around a loaded network. Every request's image is decoded
 * on each invocation, the sample's too, so that a `BS` or `batch_size` batch
 * costs what a batch of real requests of that size would.
 *
 * @param classifier The loaded network.
 * @param options The sample image, answer size, batch limit and clock.
 * @returns `async (event, context) => answer`: for `BS`, the duration in ms
 * (a number); otherwise a {@linkcode ClassifierResponse}.
 * @throws {TypeError} From the handler (not from this function), when the
 * event has the wrong shape (see {@linkcode parseClassifierEvent}).
 * @throws {RangeError} From the handler, when the batch size is out of range.
 * @throws {ImageDecodeError} From the handler, when an image is not valid
 * base64 or not a JPEG or PNG it can decode; the message names the request.
 *
 * @example The buffer's payload: ids stand for the sample image
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadImageClassifier } from "./classifier.ts";
 * import { classifierHandler } from "./classifier_handler.ts";
 *
 * const sampleImage = await Deno.readFile(new URL("./samples/shapes.png", import.meta.url));
 * const handler = classifierHandler(await loadImageClassifier(), { sampleImage, topK: 2 });
 * const answer = await handler({ batch_id: 3, requests: [10, 11] });
 * assert.ok(typeof answer === "object");
 * assert.equal(answer.batch_id, 3);
 * assert.deepEqual(answer.responses.map((r) => r.id), [10, 11]);
 * assert.equal(answer.responses[0].top.length, 2);
 * ```
 */
export function classifierHandler(
  classifier: ImageClassifier,
  options: ClassifierHandlerOptions,
): ClassifierLambdaHandler {
  const { sampleImage, topK = 3, maxBatchSize, now = () => performance.now() } = options;
  // Checked now, so that a bad sample fails the init rather than every invocation.
  decodeImage(sampleImage);
  return async (event: unknown, _context?: unknown) => {
    const start = now();
    const parsed = parseClassifierEvent(event, { maxBatchSize });
    const images = parsed.requests.map((r, i) => _image(r, i, sampleImage));
    const tops = await classifier.classify(images, { topK });
    const durationMs = now() - start;
    if (parsed.form === "BS") return durationMs;
    const responses = parsed.requests.map((r, i) => ({ id: r.id, top: tops[i] }));
    const head = parsed.batchId === undefined ? {} : { batch_id: parsed.batchId };
    return { ...head, model: classifier.modelName, duration_ms: durationMs, responses };
  };
}

const DATA_URL = /^data:image\/[a-z+.-]+;base64,/i;
const BASE64 = /^[A-Za-z0-9+/\-_]*={0,2}$/;

function _image(request: ClassifierRequest, index: number, sample: Uint8Array): RgbImage {
  const where = `requests[${index}] (id ${JSON.stringify(request.id)})`;
  let bytes = sample;
  if (request.image !== undefined) {
    const body = request.image.replace(DATA_URL, "");
    const bad = body.search(/[^A-Za-z0-9+/\-_=\s]/);
    if (bad >= 0) {
      throw new ImageDecodeError(
        `${where}: 'image' is not base64: found ${JSON.stringify(body[bad])} at character ${bad}`,
      );
    }
    const text = body.replace(/\s+/g, "");
    if (!BASE64.test(text)) {
      throw new ImageDecodeError(`${where}: 'image' is not base64: '=' padding before its end`);
    }
    if (text.length % 4 === 1) {
      throw new ImageDecodeError(
        `${where}: 'image' is not base64: ${text.length} characters, one more than a ` +
          "multiple of 4 (truncated?)",
      );
    }
    const buffer = Buffer.from(text, "base64");
    bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }
  try {
    return decodeImage(bytes);
  } catch (e) {
    if (!(e instanceof ImageDecodeError)) throw e;
    throw new ImageDecodeError(`${where}: ${e.message}`, { cause: e });
  }
}

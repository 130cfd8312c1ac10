/**
 * An image classifier as a batching Lambda function (Node.js shape:
 * `export const handler = async (event, context) => ...`). Its module's
 * top-level code is the function's init: it reads the sample image and loads
 * nsfwjs's MobileNetV2 (a Keras network trained on five classes: Drawing,
 * Hentai, Neutral, Porn, Sexy) from the npm package on disk onto
 * TensorFlow.js's WebAssembly backend, whose `.wasm` files it also reads from
 * their package; nothing is fetched. Each invocation then runs ONE forward
 * pass over the whole batch.
 *
 * Events (the JSON payload):
 *
 * - `{"requests": [{"id": 1, "image": "<base64 JPEG or PNG>"}, ...]}` →
 *   `{"model": "MobileNetV2", "duration_ms": 83.1, "responses": [{"id": 1,
 *   "top": [{"class": "Drawing", "probability": 0.83}, ...]}, ...]}`, three
 *   classes per request, most probable first. An entry that is a bare id (a
 *   number or a string) stands for the sample image `samples/landscape.png`,
 *   so our buffer's `{"batch_id": 7, "requests": [101, 102]}` works unchanged
 *   (the answer then echoes `"batch_id": 7`).
 * - `{"batch_size": n}` → the same answer for n copies of the sample image,
 *   ids 0..n-1.
 * - `{"BS": n}` (the original buffer.py) → the duration in ms, a JSON number.
 *
 * A batch holds 1..128 images (`MAX_BATCH_SIZE`); every image is decoded on
 * each invocation, the sample's too, so `BS` costs what real requests cost.
 * Errors are thrown, so Lambda answers `{"errorType", "errorMessage",
 * "stackTrace"}` with `X-Amz-Function-Error: Unhandled`: `TypeError` for an
 * event of the wrong shape, `RangeError` for a batch size out of range,
 * `ImageDecodeError` naming the request (`requests[2] (id "b"): The PNG could
 * not be decoded: ...`) for an image that is not base64, not a JPEG or PNG,
 * or corrupt. `duration_ms` and `BS`'s answer time the handler's work from
 * its call to its answer (decoding, the forward pass, the top classes).
 *
 * It runs in-process (`await handler(event, context)`), in a Deno Worker
 * (the local Lambda's execution environments) and, transpiled, in Node.js 22
 * (see this folder's README): it uses `node:` modules and web globals only.
 *
 * @module
 */

import { readFile } from "node:fs/promises";
import { loadImageClassifier } from "./classifier.ts";
import { classifierHandler } from "./classifier_handler.ts";

const sampleImage = new Uint8Array(
  await readFile(new URL("./samples/landscape.png", import.meta.url)),
);
const classifier = await loadImageClassifier({ model: "MobileNetV2" });

/**
 * The Lambda handler: classifies the event's batch in one forward pass.
 *
 * @param event `{"requests": [...]}`, `{"batch_size": n}` or `{"BS": n}` (see the module doc).
 * @param context Lambda's context (unused).
 * @returns For `BS`, the duration in ms; otherwise `{batch_id?, model, duration_ms, responses}`.
 * @throws {TypeError} If the event has the wrong shape.
 * @throws {RangeError} If the batch is empty, larger than 128, or `batch_size`/`BS` is
 * not a positive integer.
 * @throws {ImageDecodeError} If an image is not base64, not a JPEG or PNG, or corrupt.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { handler } from "./handler.ts";
 *
 * const durationMs = await handler({ BS: 2 }, {});
 * assert.ok(typeof durationMs === "number" && durationMs > 0);
 * ```
 */
export const handler = classifierHandler(classifier, { sampleImage });

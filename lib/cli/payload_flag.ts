/**
 * `--payload ids|images:DIR`: what each invocation of the buffer carries,
 * request ids (the default, `{"batch_id", "requests": [ids]}`) or real
 * images, one per request, taken in turn from the JPEG and PNG files of DIR
 * (`{"batch_id", "requests": [{"id", "image": base64}]}`).
 *
 * @module
 */

import {
  type BatchPayload,
  idsBatchPayload,
  imagesBatchPayload,
  readPayloadImages,
} from "../buffer/batch_payload.ts";
import { explainFileError } from "./file_errors.ts";
import { flagAsTyped } from "./flags.ts";
import { UsageError } from "./usage_error.ts";

/** `--payload`, checked. */
export type PayloadFlag = { kind: "ids" } | { kind: "images"; dir: string };

/**
 * Checks `--payload`'s form, and that an images directory is one.
 *
 * @param text The value given (undefined: `ids`).
 * @param typed How each flag was typed, for messages.
 * @returns What to send.
 * @throws {UsageError} On another form, or `images:` without a directory.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(checkPayloadFlag(undefined, {}), { kind: "ids" });
 * assert.deepEqual(checkPayloadFlag("images:lib/functions/image_classifier/samples", {}), {
 *   kind: "images",
 *   dir: "lib/functions/image_classifier/samples",
 * });
 * assert.throws(() => checkPayloadFlag("pictures", {}), {
 *   message: "--payload must be ids or images:DIR (a directory of JPEG and PNG files): found 'pictures'",
 * });
 * ```
 */
export function checkPayloadFlag(
  text: string | undefined,
  typed: Record<string, string>,
): PayloadFlag {
  const name = flagAsTyped(typed, "payload");
  if (text === undefined || text.toLowerCase() === "ids") return { kind: "ids" };
  const m = /^images:(.+)$/i.exec(text);
  if (m === null) {
    throw new UsageError(
      `${name} must be ids or images:DIR (a directory of JPEG and PNG files): found '${text}'`,
    );
  }
  const dir = m[1];
  let isDirectory: boolean;
  try {
    isDirectory = Deno.statSync(dir).isDirectory;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new UsageError(`${name} images:${dir}: the directory does not exist`);
    }
    throw explainFileError(e, { path: dir, flag: name, kind: "directory", access: "read" });
  }
  if (!isDirectory) {
    throw new UsageError(
      `${name} images:${dir} is not a directory: give one of JPEG and PNG files`,
    );
  }
  return { kind: "images", dir };
}

/**
 * Reads what `--payload` names: the images of its directory.
 *
 * @param flag `--payload`, checked.
 * @param typed How each flag was typed, for messages.
 * @returns The payload kind for the run.
 * @throws {UsageError} If the directory holds no JPEG or PNG file.
 * @throws {Deno.errors.PermissionDenied} And the file system's other errors, naming the path.
 */
export async function readPayloadFlag(
  flag: PayloadFlag,
  typed: Record<string, string>,
): Promise<BatchPayload> {
  if (flag.kind === "ids") return idsBatchPayload();
  const name = flagAsTyped(typed, "payload");
  try {
    const { images } = await readPayloadImages(flag.dir);
    return imagesBatchPayload(images, { source: flag.dir });
  } catch (e) {
    if (e instanceof RangeError) {
      throw new UsageError(
        `${name} images:${flag.dir} holds no JPEG or PNG file (.jpg, .jpeg, .png)`,
      );
    }
    throw explainFileError(e, { path: flag.dir, flag: name, kind: "directory", access: "read" });
  }
}

/**
 * JPEG and PNG bytes to RGB pixels, with pure-JavaScript decoders that run
 * the same in Deno, in a Deno Worker and in Node.js (jpeg-js, pngjs).
 *
 * @module
 */

import { Buffer } from "node:buffer";
import jpeg from "jpeg-js";
// @ts-types="./_pngjs.d.ts"
import { PNG } from "pngjs";

/** An image as interleaved 8-bit RGB pixels, row by row from the top left. */
export interface RgbImage {
  widthPx: number;
  heightPx: number;
  /** `widthPx * heightPx * 3` bytes: R, G, B of each pixel. */
  data: Uint8Array;
}

/** The largest image {@linkcode decodeImage} accepts, in pixels (4096 x 4096). */
export const MAX_IMAGE_PIXELS = 4096 * 4096;

/** Options of {@linkcode decodeImage}. */
export interface DecodeImageOptions {
  /**
   * The largest image accepted, in pixels: a bigger one is refused before its
   * pixels are decoded.
   * @default {MAX_IMAGE_PIXELS}
   */
  maxPixels?: number;
}

/** An image's bytes that are not a JPEG or PNG this function can decode. */
export class ImageDecodeError extends Error {
  override name = "ImageDecodeError";
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_SIGNATURE = [0xff, 0xd8, 0xff];

/** Formats recognised only to name them in an error. */
const OTHER_FORMATS: { name: string; test: (b: Uint8Array) => boolean }[] = [
  { name: "a GIF", test: (b) => _startsWith(b, [0x47, 0x49, 0x46, 0x38]) },
  {
    name: "a WebP",
    test: (b) => _startsWith(b, [0x52, 0x49, 0x46, 0x46]) && _ascii(b, 8, 4) === "WEBP",
  },
  { name: "a BMP", test: (b) => _startsWith(b, [0x42, 0x4d]) },
  { name: "a TIFF", test: (b) => _startsWith(b, [0x49, 0x49, 0x2a, 0]) },
  { name: "a TIFF", test: (b) => _startsWith(b, [0x4d, 0x4d, 0, 0x2a]) },
];

/**
 * Decodes a JPEG or a PNG (told apart by their signatures) into RGB pixels.
 * A PNG's alpha channel is dropped (the colour under it is kept); grey, palette
 * and 16-bit PNGs come out as 8-bit RGB, as do grey JPEGs.
 *
 * @param bytes The file's bytes.
 * @param options The size limit.
 * @returns The image's pixels.
 * @throws {ImageDecodeError} If the bytes are empty, neither a JPEG nor a PNG
 * (naming GIF, WebP, BMP or TIFF when they are one), corrupt or truncated
 * where the decoder notices, or larger than `maxPixels`.
 * @throws {RangeError} If `maxPixels` is not a positive integer.
 *
 * @example A 2 x 1 PNG
 * ```ts
 * import assert from "node:assert/strict";
 * import { PNG } from "pngjs";
 * import { decodeImage } from "./decode_image.ts";
 *
 * const png = new PNG({ width: 2, height: 1 });
 * png.data.set([255, 0, 0, 255, 0, 0, 255, 128]); // red, then half-transparent blue
 * const image = decodeImage(new Uint8Array(PNG.sync.write(png)));
 * assert.deepEqual([image.widthPx, image.heightPx], [2, 1]);
 * assert.deepEqual([...image.data], [255, 0, 0, 0, 0, 255]);
 * ```
 */
export function decodeImage(bytes: Uint8Array, options: DecodeImageOptions = {}): RgbImage {
  const { maxPixels = MAX_IMAGE_PIXELS } = options;
  if (!(Number.isInteger(maxPixels) && maxPixels > 0)) {
    throw new RangeError(
      `Cannot decode an image as 'maxPixels' must be a positive integer: current value is ${maxPixels}`,
    );
  }
  if (bytes.length === 0) throw new ImageDecodeError("The image is empty (0 bytes)");
  if (_startsWith(bytes, PNG_SIGNATURE)) return _decodePng(bytes, maxPixels);
  if (_startsWith(bytes, JPEG_SIGNATURE)) return _decodeJpeg(bytes, maxPixels);
  const other = OTHER_FORMATS.find((f) => f.test(bytes));
  const head = [...bytes.subarray(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join(" ");
  throw new ImageDecodeError(
    `The image is neither a JPEG nor a PNG${other ? `: it looks like ${other.name}` : ""} ` +
      `(its first bytes are ${head})`,
  );
}

function _decodePng(bytes: Uint8Array, maxPixels: number): RgbImage {
  // IHDR comes first: width and height at bytes 16..23, big-endian.
  if (bytes.length >= 24) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    _checkSize("PNG", view.getUint32(16), view.getUint32(20), maxPixels);
  }
  let png: { width: number; height: number; data: Uint8Array };
  try {
    // pngjs reads Node Buffers (readUInt32BE): a Buffer view, no copy.
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    throw new ImageDecodeError(
      `The PNG could not be decoded (corrupt or truncated): ${_reason(e)}`,
      { cause: e },
    );
  }
  return { widthPx: png.width, heightPx: png.height, data: _dropAlpha(png.data) };
}

function _decodeJpeg(bytes: Uint8Array, maxPixels: number): RgbImage {
  let image: { width: number; height: number; data: Uint8Array };
  try {
    image = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      maxResolutionInMP: maxPixels / 1e6,
      // Room for the decoder's component buffers beside the RGB output.
      maxMemoryUsageInMB: Math.max(512, Math.ceil((maxPixels * 8) / 2 ** 20)),
    });
  } catch (e) {
    const reason = _reason(e);
    if (/maxResolutionInMP limit exceeded/.test(reason)) {
      throw new ImageDecodeError(
        `The JPEG is larger than the ${maxPixels} pixels this function accepts (${reason})`,
        { cause: e },
      );
    }
    throw new ImageDecodeError(`The JPEG could not be decoded (corrupt or truncated): ${reason}`, {
      cause: e,
    });
  }
  if (!(image.width > 0 && image.height > 0)) {
    throw new ImageDecodeError(`The JPEG has no pixels (${image.width} x ${image.height})`);
  }
  return { widthPx: image.width, heightPx: image.height, data: image.data };
}

function _checkSize(format: string, widthPx: number, heightPx: number, maxPixels: number): void {
  if (widthPx * heightPx > maxPixels) {
    throw new ImageDecodeError(
      `The ${format} is ${widthPx} x ${heightPx} pixels, more than the ${maxPixels} ` +
        "pixels this function accepts",
    );
  }
}

function _dropAlpha(rgba: Uint8Array): Uint8Array {
  const n = rgba.length / 4;
  const rgb = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    rgb[3 * i] = rgba[4 * i];
    rgb[3 * i + 1] = rgba[4 * i + 1];
    rgb[3 * i + 2] = rgba[4 * i + 2];
  }
  return rgb;
}

function _startsWith(bytes: Uint8Array, prefix: number[]): boolean {
  return bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);
}

function _ascii(bytes: Uint8Array, start: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(start, start + length));
}

function _reason(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

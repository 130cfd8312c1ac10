/**
 * The function's sample images, drawn procedurally: a landscape, clip-art
 * shapes, a city skyline at dusk and a wall of tiles. Each is a pure function
 * of the pixel position (no randomness), rendered with 4 x 4 supersampling and
 * encoded with pngjs or jpeg-js, so `scripts/_make_classifier_samples.ts`
 * writes the same files every time and a test checks the committed ones
 * against it. They are the project's own work, under the project's licence.
 *
 * Not part of the deployed function: the handler reads the encoded files in
 * `samples/`, never this module.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import jpeg from "jpeg-js";
// @ts-types="./_pngjs.d.ts"
import { PNG } from "pngjs";
import type { RgbImage } from "./decode_image.ts";

/** An RGB colour, each channel 0..255. */
type Rgb = readonly [number, number, number];

/** One sample image: its file, size, encoding and drawing. */
export interface SampleImageSpec {
  /** The file name in `samples/`. */
  fileName: string;
  widthPx: number;
  heightPx: number;
  format: "png" | "jpeg";
  /** JPEG quality 1..100 (jpeg-js's scale); unused for PNG. */
  quality?: number;
  /** What it shows, for the README. */
  description: string;
  /** The colour at (u, v) in the unit square, u to the right, v down. */
  paint: (u: number, v: number) => Rgb;
}

/** The file the handler classifies for `BS`, `batch_size` and requests without an image. */
export const DEFAULT_SAMPLE_FILE = "landscape.png";

/** The sample images, in the order the README lists them. */
export const SAMPLE_IMAGES: readonly SampleImageSpec[] = [
  {
    fileName: "landscape.png",
    widthPx: 160,
    heightPx: 120,
    format: "png",
    description: "green hills under a blue sky with a yellow sun",
    paint: _landscape,
  },
  {
    fileName: "shapes.png",
    widthPx: 128,
    heightPx: 128,
    format: "png",
    description: "clip art: a red circle, a blue square and a green triangle on white",
    paint: _shapes,
  },
  {
    fileName: "skyline.jpg",
    widthPx: 192,
    heightPx: 128,
    format: "jpeg",
    quality: 90,
    description: "a city skyline with lit windows against an orange and purple dusk",
    paint: _skyline,
  },
  {
    fileName: "tiles.jpg",
    widthPx: 144,
    heightPx: 96,
    format: "jpeg",
    quality: 90,
    description: "a wall of coloured square tiles with grey grout",
    paint: _tiles,
  },
];

const SUPERSAMPLING = 4;

/**
 * Renders a sample image: each pixel is the mean of 4 x 4 evenly spaced
 * samples of its `paint` function, rounded.
 *
 * @param spec The image.
 * @returns Its RGB pixels.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderSampleImage, SAMPLE_IMAGES } from "./sample_images.ts";
 *
 * const image = renderSampleImage(SAMPLE_IMAGES[0]);
 * assert.equal(image.data.length, 160 * 120 * 3);
 * ```
 */
export function renderSampleImage(spec: SampleImageSpec): RgbImage {
  const { widthPx, heightPx, paint } = spec;
  const data = new Uint8Array(widthPx * heightPx * 3);
  const n = SUPERSAMPLING;
  for (let y = 0; y < heightPx; y++) {
    for (let x = 0; x < widthPx; x++) {
      const sum = [0, 0, 0];
      for (let j = 0; j < n; j++) {
        for (let i = 0; i < n; i++) {
          const c = paint((x + (i + 0.5) / n) / widthPx, (y + (j + 0.5) / n) / heightPx);
          sum[0] += c[0];
          sum[1] += c[1];
          sum[2] += c[2];
        }
      }
      const k = 3 * (y * widthPx + x);
      for (let ch = 0; ch < 3; ch++) data[k + ch] = Math.round(sum[ch] / (n * n));
    }
  }
  return { widthPx, heightPx, data };
}

/**
 * Renders and encodes a sample image as its file holds it (PNG or JPEG at
 * the spec's quality, opaque).
 *
 * @param spec The image.
 * @returns The file's bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeSampleImage, SAMPLE_IMAGES } from "./sample_images.ts";
 *
 * const png = encodeSampleImage(SAMPLE_IMAGES[0]);
 * assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
 * ```
 */
export function encodeSampleImage(spec: SampleImageSpec): Uint8Array {
  const { widthPx, heightPx, data } = renderSampleImage(spec);
  const rgba = new Uint8Array(widthPx * heightPx * 4);
  for (let p = 0; p < widthPx * heightPx; p++) {
    rgba.set(data.subarray(3 * p, 3 * p + 3), 4 * p);
    rgba[4 * p + 3] = 255;
  }
  if (spec.format === "jpeg") {
    const out = jpeg.encode({ width: widthPx, height: heightPx, data: rgba }, spec.quality ?? 90);
    return new Uint8Array(out.data);
  }
  const png = new PNG({ width: widthPx, height: heightPx });
  png.data = Buffer.from(rgba.buffer);
  return new Uint8Array(PNG.sync.write(png, { colorType: 2 }));
}

function _mix(a: Rgb, b: Rgb, t: number): Rgb {
  const s = Math.min(1, Math.max(0, t));
  return [a[0] + (b[0] - a[0]) * s, a[1] + (b[1] - a[1]) * s, a[2] + (b[2] - a[2]) * s];
}

function _landscape(u: number, v: number): Rgb {
  const nearHill = 0.7 + 0.08 * Math.sin(2 * Math.PI * (0.8 * u + 0.6)) +
    0.03 * Math.sin(2 * Math.PI * 3.1 * u);
  if (v > nearHill) return _mix([70, 160, 60], [35, 100, 40], (v - nearHill) / 0.3);
  const farHill = 0.55 + 0.06 * Math.sin(2 * Math.PI * (1.3 * u + 0.1));
  if (v > farHill) return _mix([110, 150, 120], [80, 130, 95], (v - farHill) / 0.25);
  // The sun: a disc (v is scaled by the image's 120 / 160 aspect).
  if ((u - 0.75) ** 2 + ((v - 0.22) * 0.75) ** 2 < 0.09 ** 2) return [255, 220, 90];
  return _mix([100, 160, 230], [225, 238, 250], v / 0.6);
}

function _shapes(u: number, v: number): Rgb {
  const outline: Rgb = [30, 30, 30];
  // Red circle, centre (0.3, 0.32), radius 0.2 with a 0.015 outline.
  const r = Math.hypot(u - 0.3, v - 0.32);
  if (r < 0.2) return r > 0.185 ? outline : [220, 50, 50];
  // Blue square [0.55, 0.88] x [0.1, 0.43].
  const inSquare = (m: number) => u > 0.55 - m && u < 0.88 + m && v > 0.1 - m && v < 0.43 + m;
  if (inSquare(0)) return inSquare(-0.015) ? [50, 90, 210] : outline;
  // Green triangle (0.15, 0.92), (0.5, 0.5), (0.85, 0.92): inside when v is below
  // both slanted edges and above the base.
  const edge = 0.42 / 0.35; // slope of the slanted edges, |dv/du|
  const depth = Math.min(v - 0.5 - edge * Math.abs(u - 0.5), 0.92 - v) / Math.hypot(1, edge);
  if (depth > 0) return depth < 0.015 ? outline : [60, 170, 80];
  return [250, 250, 244];
}

/** Buildings of the skyline: left and right edge (u) and roof (v). */
const BUILDINGS: readonly (readonly [number, number, number])[] = [
  [0.0, 0.1, 0.55],
  [0.08, 0.2, 0.35],
  [0.2, 0.28, 0.6],
  [0.27, 0.38, 0.25],
  [0.4, 0.47, 0.5],
  [0.46, 0.58, 0.3],
  [0.6, 0.68, 0.45],
  [0.67, 0.8, 0.2],
  [0.82, 0.9, 0.52],
  [0.88, 1.0, 0.4],
];

function _skyline(u: number, v: number): Rgb {
  if (v > 0.93) return [20, 20, 25];
  const building = BUILDINGS.find(([left, right, roof]) => u >= left && u < right && v >= roof);
  if (building) {
    const [left, , roof] = building;
    // Windows: a 0.025 x 0.05 grid from 0.02 below the roof, one in three lit.
    const col = Math.floor((u - left) / 0.025), row = Math.floor((v - roof - 0.02) / 0.05);
    const inWindow = v - roof > 0.02 && (u - left) % 0.025 > 0.01 &&
      (v - roof - 0.02) % 0.05 > 0.02;
    if (inWindow && (col * 7 + row * 3) % 3 === 0) return [250, 215, 110];
    return [28, 26, 40];
  }
  // The moon: a disc (v is scaled by the image's 128 / 192 aspect).
  if ((u - 0.3) ** 2 + ((v - 0.15) * (128 / 192)) ** 2 < 0.04 ** 2) return [250, 250, 235];
  return v < 0.5
    ? _mix([45, 30, 95], [180, 80, 120], v / 0.5)
    : _mix([180, 80, 120], [250, 150, 60], (v - 0.5) / 0.43);
}

const TILE_COLOURS: readonly Rgb[] = [
  [215, 80, 60],
  [240, 190, 60],
  [70, 140, 200],
  [90, 170, 110],
  [240, 240, 230],
  [120, 90, 170],
  [40, 60, 90],
];

function _tiles(u: number, v: number): Rgb {
  const columns = 6, rows = 4;
  const i = Math.floor(u * columns), j = Math.floor(v * rows);
  const fu = u * columns - i, fv = v * rows - j;
  if (fu < 0.08 || fv < 0.08 || fu > 0.92 || fv > 0.92) return [190, 190, 185];
  const base = TILE_COLOURS[(i * 5 + j * 3) % TILE_COLOURS.length];
  // A glaze: lighter towards each tile's top left.
  return _mix(base, [255, 255, 255], 0.25 * (1 - (fu + fv) / 2) ** 2);
}

// The part of pngjs 7.0.0's API this function uses, declared here rather than
// through @types/pngjs, whose dependency on the newest @types/node would
// replace Deno's own Node.js types in every program that imports this folder.

import type { Buffer } from "node:buffer";

/** Options of `PNG.sync.write`. */
export interface PackerOptions {
  /** 0 grey, 2 RGB, 4 grey and alpha, 6 RGBA (PNG's colour types). */
  colorType?: 0 | 2 | 4 | 6;
  inputColorType?: 0 | 2 | 4 | 6;
  bitDepth?: 8 | 16;
  inputHasAlpha?: boolean;
}

/** A decoded PNG: RGBA, 8 bits per channel, row by row. */
export interface PngImage {
  width: number;
  height: number;
  data: Buffer;
}

export declare class PNG implements PngImage {
  constructor(options: { width: number; height: number });
  width: number;
  height: number;
  data: Buffer;
  static sync: {
    read(buffer: Buffer, options?: { skipRescale?: boolean }): PngImage;
    write(png: PngImage, options?: PackerOptions): Buffer;
  };
}

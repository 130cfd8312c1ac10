/**
 * Writes the image classifier's sample images (drawn procedurally by
 * `lib/functions/image_classifier/sample_images.ts`) into its `samples/`
 * folder, or into `--out DIR`, and prints each file's size.
 *
 *     deno run --allow-write scripts/_make_classifier_samples.ts [--out DIR]
 *
 * @module
 */

import { parseFlags, reportUserError } from "../lib/cli/flags.ts";
import { UsageError } from "../lib/cli/usage_error.ts";
import {
  encodeSampleImage,
  SAMPLE_IMAGES,
} from "../lib/functions/image_classifier/sample_images.ts";

const HELP = `Usage: deno run --allow-write scripts/_make_classifier_samples.ts [--out DIR]

Draws the image classifier's sample images and writes them as PNG and JPEG.

Options:
  --out DIR   where to write them (default: lib/functions/image_classifier/samples)
  --help      this text

Exit codes: 0 written, 2 a bad command line or a folder that cannot be written.`;

/** Writes the samples; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  try {
    const { values, positionals } = parseFlags({
      args,
      options: { out: { type: "string" }, help: { type: "boolean" } },
      strict: true,
      allowPositionals: true,
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    if (positionals.length > 0) {
      throw new UsageError(`Unexpected argument '${positionals[0]}'`);
    }
    const out = values.out ??
      new URL("../lib/functions/image_classifier/samples", import.meta.url).pathname;
    await Deno.mkdir(out, { recursive: true });
    for (const spec of SAMPLE_IMAGES) {
      const bytes = encodeSampleImage(spec);
      await Deno.writeFile(`${out}/${spec.fileName}`, bytes);
      console.log(
        `${spec.fileName}: ${spec.widthPx} x ${spec.heightPx}, ${
          (bytes.length / 1024).toFixed(1)
        } KB`,
      );
    }
    return 0;
  } catch (e) {
    return reportUserError("_make_classifier_samples", e);
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));

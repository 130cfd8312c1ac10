/**
 * Service time of the image classifier per batch size, in this process (no
 * Lambda, no Worker): the handler built as `handler.ts` builds it, called with
 * `{"batch_size": k}` after warm-up calls, timed around each call. Prints the
 * mean, the coefficient of variation, the extremes and the time per image.
 *
 *     deno run --allow-read scripts/_bench_classifier.ts [--batch 1,2,4,8,16,32]
 *       [--repeat 10] [--warmup 2] [--model MobileNetV2|InceptionV3] [--format table|json]
 *
 * @module
 */

import { numberInRange, oneOfFlag, parseFlags, reportUserError } from "../lib/cli/flags.ts";
import { UsageError } from "../lib/cli/usage_error.ts";
import {
  CLASSIFIER_MODELS,
  loadImageClassifier,
} from "../lib/functions/image_classifier/classifier.ts";
import { MAX_BATCH_SIZE } from "../lib/functions/image_classifier/classifier_event.ts";
import { classifierHandler } from "../lib/functions/image_classifier/classifier_handler.ts";
import { DEFAULT_SAMPLE_FILE } from "../lib/functions/image_classifier/sample_images.ts";

const HELP = `Usage: deno run --allow-read scripts/_bench_classifier.ts [options]

Times the image classifier's handler in this process for each batch size:
{"batch_size": k} (k copies of the sample image, each decoded, one forward
pass), after warm-up calls. The figures are wall-clock ms around each call.

Options:
  --batch LIST     batch sizes, comma-separated, 1..${MAX_BATCH_SIZE} (default 1,2,4,8,16,32)
  --repeat N       timed calls per batch size, 2..1000 (default 10)
  --warmup N       untimed calls per batch size before them, 0..100 (default 2)
  --model NAME     ${CLASSIFIER_MODELS.join(" or ")} (default MobileNetV2)
  --format F       table or json (default table)
  --help           this text

Exit codes: 0 measured, 2 a bad command line.`;

/** One batch size's figures. */
interface BatchFigures {
  batch: number;
  repeats: number;
  meanMs: number;
  /** Sample standard deviation over the mean. */
  cv: number;
  minMs: number;
  maxMs: number;
  msPerImage: number;
}

/** Measures and prints; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  let options;
  try {
    options = _options(args);
  } catch (e) {
    return reportUserError("_bench_classifier", e);
  }
  if (options === "help") {
    console.log(HELP);
    return 0;
  }
  const { batches, repeat, warmup, model, format } = options;
  let start = performance.now();
  const classifier = await loadImageClassifier({ model });
  const loadMs = performance.now() - start;
  const sampleImage = await Deno.readFile(
    new URL(`../lib/functions/image_classifier/samples/${DEFAULT_SAMPLE_FILE}`, import.meta.url),
  );
  const handler = classifierHandler(classifier, { sampleImage });
  const figures: BatchFigures[] = [];
  for (const batch of batches) {
    for (let i = 0; i < warmup; i++) await handler({ batch_size: batch });
    // Welford's running mean and variance.
    let mean = 0, m2 = 0, min = Infinity, max = -Infinity;
    for (let n = 1; n <= repeat; n++) {
      start = performance.now();
      await handler({ batch_size: batch });
      const ms = performance.now() - start;
      const delta = ms - mean;
      mean += delta / n;
      m2 += delta * (ms - mean);
      min = Math.min(min, ms);
      max = Math.max(max, ms);
    }
    figures.push({
      batch,
      repeats: repeat,
      meanMs: mean,
      cv: Math.sqrt(m2 / (repeat - 1)) / mean,
      minMs: min,
      maxMs: max,
      msPerImage: mean / batch,
    });
  }
  const rssMb = Deno.memoryUsage().rss / 2 ** 20;
  if (format === "json") {
    console.log(JSON.stringify({ model, loadMs, rssMb, figures }, null, 2));
    return 0;
  }
  console.log(
    `${model} on TensorFlow.js's WebAssembly backend, ${navigator.hardwareConcurrency} cores ` +
      `here; model load ${loadMs.toFixed(0)} ms (with the backend's start); ` +
      `${repeat} timed calls per batch size after ${warmup} warm-up calls`,
  );
  console.log("    k   mean ms     CV   min ms   max ms   ms/image");
  for (const f of figures) {
    console.log(
      `${String(f.batch).padStart(5)} ${f.meanMs.toFixed(1).padStart(9)} ` +
        `${(100 * f.cv).toFixed(1).padStart(5)}% ${f.minMs.toFixed(1).padStart(8)} ` +
        `${f.maxMs.toFixed(1).padStart(8)} ${f.msPerImage.toFixed(1).padStart(10)}`,
    );
  }
  console.log(`process RSS after the runs: ${rssMb.toFixed(0)} MB`);
  return 0;
}

function _options(args: string[]) {
  const { values, positionals, typed } = parseFlags({
    args,
    options: {
      batch: { type: "string", default: "1,2,4,8,16,32" },
      repeat: { type: "string", default: "10" },
      warmup: { type: "string", default: "2" },
      model: { type: "string", default: "MobileNetV2" },
      format: { type: "string", default: "table" },
      help: { type: "boolean" },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) return "help" as const;
  if (positionals.length > 0) throw new UsageError(`Unexpected argument '${positionals[0]}'`);
  const batchFlag = typed.batch ?? "--batch";
  const batches = values.batch.split(",").map((text) =>
    numberInRange(batchFlag, text.trim(), { min: 1, max: MAX_BATCH_SIZE, integer: true })
  );
  return {
    batches,
    repeat: numberInRange(typed.repeat ?? "--repeat", values.repeat, {
      min: 2,
      max: 1000,
      integer: true,
    }),
    warmup: numberInRange(typed.warmup ?? "--warmup", values.warmup, {
      min: 0,
      max: 100,
      integer: true,
    }),
    model: oneOfFlag(typed.model ?? "model", values.model, CLASSIFIER_MODELS),
    format: oneOfFlag(typed.format ?? "format", values.format, ["table", "json"] as const),
  };
}

if (import.meta.main) Deno.exit(await main(Deno.args));

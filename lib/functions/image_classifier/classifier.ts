/**
 * A trained convolutional network that classifies a batch of images in one
 * forward pass: nsfwjs's MobileNetV2 or InceptionV3 (Keras models trained on
 * five classes, shipped inside the npm package as JavaScript modules holding
 * the topology and the quantised weights in base64), run by TensorFlow.js on
 * its WebAssembly backend, whose `.wasm` files are read from the
 * `@tensorflow/tfjs-backend-wasm` package on disk. Nothing is fetched.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import * as tf from "@tensorflow/tfjs-core";
import { type LayersModel, loadLayersModel } from "@tensorflow/tfjs-layers";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
// @ts-types="./_nsfwjs_models.d.ts"
import { InceptionV3Model } from "nsfwjs/models/inception_v3";
// @ts-types="./_nsfwjs_models.d.ts"
import { MobileNetV2Model } from "nsfwjs/models/mobilenet_v2";
import type { RgbImage } from "./decode_image.ts";

/** The networks {@linkcode loadImageClassifier} can load. */
export const CLASSIFIER_MODELS = ["MobileNetV2", "InceptionV3"] as const;

/** One of {@linkcode CLASSIFIER_MODELS}. */
export type ClassifierModelName = typeof CLASSIFIER_MODELS[number];

/**
 * The networks' classes, in the order of their softmax output (nsfwjs 4.4.0,
 * `dist/esm/nsfw_classes.js`).
 */
export const CLASSIFIER_CLASSES = ["Drawing", "Hentai", "Neutral", "Porn", "Sexy"] as const;

/** A class and the probability the network gives it. */
export interface ClassProbability {
  class: string;
  probability: number;
}

/** What {@linkcode loadImageClassifier} reads for each network. */
interface ModelSource {
  /** The side of the square input, pixels. */
  inputSizePx: number;
  definition: {
    modelJson: () => Promise<{ default: unknown }>;
    weightBundles: Array<() => Promise<{ default: string }>>;
  };
}

const MODEL_SOURCES: Record<ClassifierModelName, ModelSource> = {
  // Input sizes from the models' InputLayer (batch_input_shape [null, 224, 224, 3]
  // and [null, 299, 299, 3]).
  MobileNetV2: { inputSizePx: 224, definition: MobileNetV2Model },
  InceptionV3: { inputSizePx: 299, definition: InceptionV3Model },
};

/** Options of {@linkcode loadImageClassifier}. */
export interface LoadImageClassifierOptions {
  /**
   * The network.
   * @default {"MobileNetV2"}
   */
  model?: ClassifierModelName;
}

/** Options of {@linkcode ImageClassifier.classify}. */
export interface ClassifyOptions {
  /**
   * How many classes to return per image, most probable first.
   * @default {3}
   */
  topK?: number;
}

/**
 * A loaded network. It lives as long as the execution environment: loading is
 * the function's init, each batch is one call to {@linkcode ImageClassifier.classify}.
 */
export class ImageClassifier {
  /** The network's name, one of {@linkcode CLASSIFIER_MODELS}. */
  readonly modelName: ClassifierModelName;
  /** The side of the square input the images are resized to, pixels. */
  readonly inputSizePx: number;
  readonly #model: LayersModel;
  #forwardPasses = 0;

  /** Use {@linkcode loadImageClassifier}, which loads the network. */
  constructor(
    network: { modelName: ClassifierModelName; inputSizePx: number; model: LayersModel },
  ) {
    this.modelName = network.modelName;
    this.inputSizePx = network.inputSizePx;
    this.#model = network.model;
  }

  /** How many forward passes the network has run since it was loaded (its warm-up included). */
  get forwardPasses(): number {
    return this.#forwardPasses;
  }

  /**
   * Classifies a batch in one forward pass: each image is resized to the
   * input size (bilinear, corners aligned, as nsfwjs does) and scaled to
   * [0, 1], the images are stacked into one `[n, size, size, 3]` tensor, and
   * the network runs once on it.
   *
   * @param images The batch, at least one image, of any sizes.
   * @param options How many classes per image.
   * @returns Per image, in the batch's order, the `topK` most probable
   * classes, most probable first (ties in the networks' class order).
   * @throws {RangeError} If the batch is empty or `topK` is not an integer in
   * 1..5.
   * @throws {TypeError} If an image's data does not hold `widthPx * heightPx * 3` bytes.
   */
  async classify(
    images: readonly RgbImage[],
    options: ClassifyOptions = {},
  ): Promise<ClassProbability[][]> {
    const { topK = 3 } = options;
    if (images.length === 0) {
      throw new RangeError("Cannot classify an empty batch: it must hold at least one image");
    }
    if (!(Number.isInteger(topK) && topK >= 1 && topK <= CLASSIFIER_CLASSES.length)) {
      throw new RangeError(
        `Cannot classify as 'topK' must be an integer in 1..${CLASSIFIER_CLASSES.length}: ` +
          `current value is ${topK}`,
      );
    }
    images.forEach((image, i) => {
      if (image.data.length !== image.widthPx * image.heightPx * 3) {
        throw new TypeError(
          `Image ${i} should hold ${image.widthPx} x ${image.heightPx} x 3 bytes: ` +
            `found ${image.data.length}`,
        );
      }
    });
    const size = this.inputSizePx;
    const batch = tf.tidy(() =>
      tf.stack(images.map((image) => {
        const pixels = tf.tensor3d(image.data, [image.heightPx, image.widthPx, 3], "int32");
        const resized = image.widthPx === size && image.heightPx === size
          ? tf.cast(pixels, "float32")
          : tf.image.resizeBilinear(pixels, [size, size], true);
        return tf.div(resized, 255);
      }))
    );
    let probabilities: Float32Array;
    try {
      // batchSize: the whole batch in one execution (predict() splits into 32s by default).
      const output = this.#model.predict(batch, { batchSize: images.length }) as tf.Tensor;
      this.#forwardPasses++;
      try {
        probabilities = await output.data() as Float32Array;
      } finally {
        output.dispose();
      }
    } finally {
      batch.dispose();
    }
    const classes = CLASSIFIER_CLASSES.length;
    return images.map((_, i) =>
      _topClasses(probabilities.subarray(i * classes, (i + 1) * classes), topK)
    );
  }

  /** Frees the network's weights. */
  dispose(): void {
    this.#model.dispose();
  }
}

/**
 * Loads a network from the nsfwjs package on disk onto TensorFlow.js's
 * WebAssembly backend (selected, with its `.wasm` files located in the
 * backend's package, on the first call), and runs one warm-up pass on a
 * blank image so that the first batch does not pay for the kernels' setup.
 *
 * @param options The network.
 * @returns The loaded network.
 * @throws {RangeError} If `model` is not one of {@linkcode CLASSIFIER_MODELS}.
 * @throws {Error} If the WebAssembly backend cannot start.
 *
 * @example Classify one grey image
 * ```ts
 * import assert from "node:assert/strict";
 * import { CLASSIFIER_CLASSES, loadImageClassifier } from "./classifier.ts";
 *
 * const classifier = await loadImageClassifier({ model: "MobileNetV2" });
 * const grey = { widthPx: 8, heightPx: 8, data: new Uint8Array(8 * 8 * 3).fill(128) };
 * const [top] = await classifier.classify([grey], { topK: 5 });
 * assert.deepEqual(top.map((c) => c.class).sort(), [...CLASSIFIER_CLASSES].sort());
 * // A softmax: the five probabilities sum to 1 (float32 rounding).
 * assert.ok(Math.abs(top.reduce((s, c) => s + c.probability, 0) - 1) < 1e-5);
 * classifier.dispose();
 * ```
 */
export async function loadImageClassifier(
  options: LoadImageClassifierOptions = {},
): Promise<ImageClassifier> {
  const { model = "MobileNetV2" } = options;
  if (!CLASSIFIER_MODELS.includes(model)) {
    throw new RangeError(
      `Cannot load model ${JSON.stringify(model)}: expected one of ${CLASSIFIER_MODELS.join(", ")}`,
    );
  }
  await _wasmBackend();
  const source = MODEL_SOURCES[model];
  const network = await loadLayersModel(tf.io.fromMemory(await _artifacts(source)));
  const classifier = new ImageClassifier({
    modelName: model,
    inputSizePx: source.inputSizePx,
    model: network,
  });
  const blank = { widthPx: 1, heightPx: 1, data: new Uint8Array(3) };
  await classifier.classify([blank]);
  return classifier;
}

let backendReady: Promise<void> | undefined;

/** Selects the WebAssembly backend once per module instance (per Worker). */
function _wasmBackend(): Promise<void> {
  backendReady ??= (async () => {
    // The directory of the backend's main file, which holds its three .wasm files.
    setWasmPaths(new URL("./", import.meta.resolve("@tensorflow/tfjs-backend-wasm")).href);
    if (!(await tf.setBackend("wasm"))) {
      throw new Error("TensorFlow.js could not start its WebAssembly backend");
    }
    await tf.ready();
  })();
  return backendReady;
}

/** The model's topology and weights, read from the nsfwjs modules. */
async function _artifacts(source: ModelSource): Promise<tf.io.ModelArtifacts> {
  const json = (await source.definition.modelJson()).default as tf.io.ModelJSON;
  const shards: Buffer[] = [];
  for (const bundle of source.definition.weightBundles) {
    shards.push(Buffer.from((await bundle()).default, "base64"));
  }
  const weights = Buffer.concat(shards);
  return {
    modelTopology: json.modelTopology,
    format: json.format,
    weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
  };
}

function _topClasses(probabilities: Float32Array, topK: number): ClassProbability[] {
  return [...probabilities]
    .map((probability, index) => ({ index, probability }))
    .sort((a, b) => b.probability - a.probability || a.index - b.index)
    .slice(0, topK)
    .map(({ index, probability }) => ({ class: CLASSIFIER_CLASSES[index], probability }));
}

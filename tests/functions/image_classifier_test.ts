import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import * as tf from "@tensorflow/tfjs-core";
import { LayersModel } from "@tensorflow/tfjs-layers";
import jpeg from "jpeg-js";
// @ts-types="../../lib/functions/image_classifier/_pngjs.d.ts"
import { PNG } from "pngjs";
import {
  CLASSIFIER_CLASSES,
  type ClassProbability,
  loadImageClassifier,
} from "../../lib/functions/image_classifier/classifier.ts";
import type { ClassifierResponse } from "../../lib/functions/image_classifier/classifier_handler.ts";
import {
  decodeImage,
  ImageDecodeError,
} from "../../lib/functions/image_classifier/decode_image.ts";
import {
  encodeSampleImage,
  renderSampleImage,
  SAMPLE_IMAGES,
} from "../../lib/functions/image_classifier/sample_images.ts";

const FOLDER = new URL("../../lib/functions/image_classifier/", import.meta.url);
const HANDLER_URL = new URL("handler.ts", FOLDER);
const SAMPLES = new URL("samples/", FOLDER);

// The handler's module is imported with fetch replaced by a recorder that
// refuses, so its init (the model, the .wasm files, the sample image) is
// seen to read from disk only. Nothing else in this file imports it earlier.
const fetchCalls: string[] = [];
const realFetch = globalThis.fetch;
globalThis.fetch = (input: string | URL | Request) => {
  fetchCalls.push(String(input instanceof Request ? input.url : input));
  return Promise.reject(new Error("The image classifier's init must not fetch"));
};
let handlerModule: typeof import("../../lib/functions/image_classifier/handler.ts");
try {
  handlerModule = await import(HANDLER_URL.href);
} finally {
  globalThis.fetch = realFetch;
}
const { handler } = handlerModule;

/** The four sample images as `requests` entries, ids their file names. */
async function sampleRequests(): Promise<{ id: string; image: string }[]> {
  return await Promise.all(SAMPLE_IMAGES.map(async (s) => ({
    id: s.fileName,
    image: Buffer.from(await Deno.readFile(new URL(s.fileName, SAMPLES))).toString("base64"),
  })));
}

async function classify(event: unknown): Promise<ClassifierResponse> {
  const answer = await handler(event, {});
  assert.equal(typeof answer, "object", `a ClassifierResponse, found ${JSON.stringify(answer)}`);
  return answer as ClassifierResponse;
}

function assertTopIsDistribution(top: ClassProbability[], k = 3): void {
  assert.equal(top.length, k);
  assert.equal(new Set(top.map((c) => c.class)).size, k);
  for (const c of top) assert.ok((CLASSIFIER_CLASSES as readonly string[]).includes(c.class));
  for (let i = 1; i < k; i++) assert.ok(top[i - 1].probability >= top[i].probability);
  assert.ok(top.every((c) => c.probability >= 0));
  // Part of a softmax: at most 1, up to float32 rounding (2^-23 per term).
  assert.ok(top.reduce((s, c) => s + c.probability, 0) <= 1 + 1e-6);
}

Deno.test("handler.ts loads its model, its .wasm files and its sample from disk: no fetch at init", () => {
  assert.deepEqual(fetchCalls, []);
});

Deno.test("handler.ts runs in a process without network permission (deno run --allow-read only)", async () => {
  const script = `import { handler } from ${JSON.stringify(HANDLER_URL.href)};\n` +
    "console.log(JSON.stringify(await handler({ BS: 2 }, {})));\n";
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", "--allow-read", "-"],
    cwd: new URL("../../", import.meta.url),
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(script));
  await writer.close();
  const { code, stdout, stderr } = await child.output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  assert.equal(typeof JSON.parse(new TextDecoder().decode(stdout)), "number");
});

Deno.test("handler() classifies the sample images the same way on two runs, top classes sorted", async () => {
  const requests = await sampleRequests();
  const first = await classify({ requests });
  const second = await classify({ requests });
  assert.equal(first.model, "MobileNetV2");
  assert.deepEqual(first.responses.map((r) => r.id), SAMPLE_IMAGES.map((s) => s.fileName));
  for (const r of first.responses) assertTopIsDistribution(r.top);
  // One thread of WebAssembly on the same input: the same bits.
  assert.deepEqual(second.responses, first.responses);
  assert.ok(first.duration_ms > 0);
  assert.equal("batch_id" in first, false);
});

Deno.test("handler() gives an image the same probabilities alone as within a batch", async () => {
  const requests = await sampleRequests();
  const batch = await classify({ requests });
  for (const [i, request] of requests.entries()) {
    const [alone] = (await classify({ requests: [request] })).responses;
    assert.deepEqual(alone.top.map((c) => c.class), batch.responses[i].top.map((c) => c.class));
    alone.top.forEach((c, j) => {
      // Batching changes only the order of float32 sums in the kernels.
      assert.ok(Math.abs(c.probability - batch.responses[i].top[j].probability) < 1e-5);
    });
  }
});

Deno.test("handler() answers {batch_size: n} with n answers for the sample image, ids 0..n-1", async () => {
  const answer = await classify({ batch_size: 5 });
  assert.deepEqual(answer.responses.map((r) => r.id), [0, 1, 2, 3, 4]);
  const [landscape] = (await classify({ requests: (await sampleRequests()).slice(0, 1) }))
    .responses;
  for (const r of answer.responses) {
    assert.deepEqual(r.top.map((c) => c.class), landscape.top.map((c) => c.class));
  }
});

Deno.test("handler() answers buffer.py's {BS: n} with the duration in ms, a number", async () => {
  const durationMs = await handler({ BS: 3 }, {});
  assert.equal(typeof durationMs, "number");
  assert.ok(Number.isFinite(durationMs) && (durationMs as number) > 0);
  // Through JSON, as Lambda sends it: a bare number.
  assert.match(JSON.stringify(durationMs), /^\d+(\.\d+)?(e[+-]?\d+)?$/);
});

Deno.test("handler() takes our buffer's {batch_id, requests: [ids]} unchanged: ids stand for the sample", async () => {
  const answer = await classify({ batch_id: 42, requests: [7, 8, "nine"] });
  assert.equal(answer.batch_id, 42);
  assert.deepEqual(answer.responses.map((r) => r.id), [7, 8, "nine"]);
  const sample = await classify({ batch_size: 1 });
  for (const r of answer.responses) assert.deepEqual(r.top, sample.responses[0].top);
});

Deno.test("handler() accepts an image as a data: URL and mixes images with bare ids", async () => {
  const [landscape, shapes] = await sampleRequests();
  const answer = await classify({
    requests: [{ id: "a", image: `data:image/png;base64,${shapes.image}` }, 3],
  });
  const plain = await classify({ requests: [shapes, landscape] });
  assert.deepEqual(answer.responses[0].top, plain.responses[0].top);
  assert.deepEqual(answer.responses[1].top, plain.responses[1].top);
});

Deno.test("handler() runs one forward pass per invocation, over the whole batch", async () => {
  const shapes: number[][] = [];
  const predict = LayersModel.prototype.predict;
  LayersModel.prototype.predict = function (this: LayersModel, ...args) {
    shapes.push((args[0] as tf.Tensor).shape);
    return predict.apply(this, args);
  };
  try {
    await handler({ batch_size: 6 }, {});
    await handler({ requests: await sampleRequests() }, {});
    await handler({ BS: 1 }, {});
  } finally {
    LayersModel.prototype.predict = predict;
  }
  assert.deepEqual(shapes, [[6, 224, 224, 3], [4, 224, 224, 3], [1, 224, 224, 3]]);
});

Deno.test("handler() leaves no tensor behind, after a batch or an error", async () => {
  await handler({ batch_size: 2 }, {});
  const before = tf.memory().numTensors;
  await handler({ batch_size: 3 }, {});
  await assert.rejects(handler({ requests: [{ id: 1, image: "aGVsbG8=" }] }, {}), ImageDecodeError);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("handler() refuses a malformed image or event with its class and a message naming the request", async () => {
  const [landscape, , skyline] = await sampleRequests();
  const gif = Buffer.from("GIF89a\x01\x00\x01\x00").toString("base64");
  const cases: [unknown, ErrorConstructor | typeof ImageDecodeError, RegExp][] = [
    [
      {
        requests: [landscape, { id: "bad", image: Buffer.from("hello world").toString("base64") }],
      },
      ImageDecodeError,
      /^requests\[1\] \(id "bad"\): The image is neither a JPEG nor a PNG \(its first bytes are 68 65 6c 6c 6f 20 77 6f\)$/,
    ],
    [
      { requests: [{ id: 3, image: gif }] },
      ImageDecodeError,
      /^requests\[0\] \(id 3\): The image is neither a JPEG nor a PNG: it looks like a GIF/,
    ],
    [
      { requests: [{ id: 1, image: "not base64!" }] },
      ImageDecodeError,
      /^requests\[0\] \(id 1\): 'image' is not base64: found "!" at character 10$/,
    ],
    [
      { requests: [{ id: 1, image: "iVBO=Rw0K" }] },
      ImageDecodeError,
      /^requests\[0\] \(id 1\): 'image' is not base64: '=' padding before its end$/,
    ],
    [
      { requests: [{ id: 1, image: "iVBORw0KG" }] },
      ImageDecodeError,
      /^requests\[0\] \(id 1\): 'image' is not base64: 9 characters, one more than a multiple of 4/,
    ],
    [
      { requests: [{ id: 1, image: landscape.image.slice(0, 400) }] },
      ImageDecodeError,
      /^requests\[0\] \(id 1\): The PNG could not be decoded/,
    ],
    [
      { requests: [{ id: 2, image: skyline.image.slice(0, 4000) }] },
      ImageDecodeError,
      /^requests\[0\] \(id 2\): The JPEG could not be decoded/,
    ],
    [
      { requests: [{ id: 1 }] },
      TypeError,
      /^requests\[0\] \(id 1\) must have 'image', a base64 JPEG or PNG: found nothing$/,
    ],
    [{ requests: [{ image: landscape.image }] }, TypeError, /^requests\[0\] has no 'id'$/],
    [
      { requests: [null] },
      TypeError,
      /^requests\[0\] must be an id \(a number or a string\) or an object/,
    ],
    [{ requests: [] }, RangeError, /^Cannot classify an empty batch/],
    [{ requests: "1,2" }, TypeError, /^'requests' must be an array: found "1,2"$/],
    [
      { BS: 0 },
      RangeError,
      /^Cannot classify a batch as 'BS' must be a positive integer: current value is 0$/,
    ],
    [
      { batch_size: 2.5 },
      RangeError,
      /'batch_size' must be a positive integer: current value is 2.5$/,
    ],
    [
      { BS: 129 },
      RangeError,
      /^Cannot classify a batch of 129 images: one invocation takes at most 128$/,
    ],
    [
      { BS: 2, requests: [1] },
      TypeError,
      /^The event must hold one of 'requests', 'batch_size' and 'BS': found 'requests' and 'BS'$/,
    ],
    [
      { batch_id: 1 },
      TypeError,
      /^The event must hold 'requests', 'batch_size' or 'BS': found keys \["batch_id"\]$/,
    ],
    ['{"BS": 2}', TypeError, /^The event must be a JSON object .*: found "\{\\"BS\\": 2\}"$/],
  ];
  for (const [event, errorClass, message] of cases) {
    await assert.rejects(handler(event, {}), (e: Error) => {
      assert.ok(e instanceof errorClass, `${JSON.stringify(event)}: ${e.name}: ${e.message}`);
      assert.match(e.message, message);
      return true;
    });
  }
});

Deno.test("ImageDecodeError is what Lambda reports as errorType: its name", async () => {
  const e = await handler({ requests: [{ id: 1, image: "aGVsbG8=" }] }, {}).catch((e) => e);
  assert.equal(e.name, "ImageDecodeError");
  assert.ok(e.cause instanceof ImageDecodeError); // the decoder's own error, before the request was named
});

Deno.test("handler.ts loads and answers inside a module Worker, as the local Lambda runs it", async () => {
  const worker = new Worker(new URL("./_handler_worker.ts", import.meta.url), { type: "module" });
  try {
    const messages: unknown[] = [];
    const next = () =>
      new Promise<unknown>((resolve, reject) => {
        worker.onmessage = (e) => resolve(e.data);
        worker.onerror = (e) => {
          e.preventDefault();
          reject(new Error(e.message));
        };
      });
    messages.push(await next()); // ready: the init ran
    worker.postMessage({ BS: 2 });
    messages.push(await next());
    worker.postMessage({ requests: [{ id: 1, image: "%" }] });
    messages.push(await next());
    assert.deepEqual(messages[0], { ready: true });
    assert.equal(typeof (messages[1] as { result: unknown }).result, "number");
    assert.deepEqual((messages[2] as { error: unknown }).error, {
      name: "ImageDecodeError",
      message: `requests[0] (id 1): 'image' is not base64: found "%" at character 0`,
    });
  } finally {
    worker.terminate();
  }
});

Deno.test("the committed sample images are what sample_images.ts draws, each under 50 KB", async () => {
  for (const spec of SAMPLE_IMAGES) {
    const bytes = await Deno.readFile(new URL(spec.fileName, SAMPLES));
    assert.ok(bytes.length < 50 * 1024, `${spec.fileName} is ${bytes.length} bytes`);
    const image = decodeImage(bytes);
    assert.deepEqual([image.widthPx, image.heightPx], [spec.widthPx, spec.heightPx]);
    if (spec.format === "png") {
      // Lossless: the file holds the drawing's pixels exactly.
      assert.deepEqual(image.data, renderSampleImage(spec).data);
    } else {
      // jpeg-js's encoder is deterministic JavaScript: the same drawing, the same bytes.
      assert.deepEqual(bytes, encodeSampleImage(spec));
    }
  }
});

Deno.test("decodeImage() drops a PNG's alpha and reads grey PNGs and JPEGs as RGB", () => {
  const png = new PNG({ width: 2, height: 1 });
  png.data.set([10, 20, 30, 0, 200, 150, 100, 255]);
  assert.deepEqual([...decodeImage(new Uint8Array(PNG.sync.write(png))).data], [
    10,
    20,
    30,
    200,
    150,
    100,
  ]);
  const grey = new PNG({ width: 1, height: 1 });
  grey.data.set([77, 77, 77, 255]);
  const greyPng = new Uint8Array(PNG.sync.write(grey, { colorType: 0, inputColorType: 6 }));
  assert.equal(greyPng[25], 0); // IHDR colour type: grey
  assert.deepEqual([...decodeImage(greyPng).data], [77, 77, 77]);
  const rgba = new Uint8Array(4 * 4 * 4).fill(128);
  const jpg = jpeg.encode({ width: 4, height: 4, data: rgba }, 90).data;
  const decoded = decodeImage(new Uint8Array(jpg));
  assert.deepEqual([decoded.widthPx, decoded.heightPx, decoded.data.length], [4, 4, 48]);
  // A flat grey survives JPEG within a few levels (quantization of the DC term).
  assert.ok(decoded.data.every((v) => Math.abs(v - 128) <= 2));
});

Deno.test("decodeImage() refuses an image over maxPixels before decoding its pixels", () => {
  const png = new Uint8Array(encodeSampleImage(SAMPLE_IMAGES[0]));
  // Claim 5000 x 5000 in IHDR (bytes 16..23): refused from the header alone.
  new DataView(png.buffer).setUint32(16, 5000);
  new DataView(png.buffer).setUint32(20, 5000);
  assert.throws(() => decodeImage(png), {
    name: "ImageDecodeError",
    message: "The PNG is 5000 x 5000 pixels, more than the 16777216 pixels this function accepts",
  });
  const jpg = encodeSampleImage(SAMPLE_IMAGES[2]); // 192 x 128
  assert.throws(() => decodeImage(jpg, { maxPixels: 10_000 }), {
    name: "ImageDecodeError",
    message: /^The JPEG is larger than the 10000 pixels this function accepts/,
  });
  assert.throws(() => decodeImage(jpg, { maxPixels: 0 }), {
    name: "RangeError",
    message: "Cannot decode an image as 'maxPixels' must be a positive integer: current value is 0",
  });
  assert.throws(() => decodeImage(new Uint8Array()), {
    name: "ImageDecodeError",
    message: "The image is empty (0 bytes)",
  });
});

Deno.test("ImageClassifier.classify() refuses a bad topK, an empty batch and pixels of the wrong length", async () => {
  const classifier = await loadImageClassifier();
  try {
    const image = { widthPx: 2, heightPx: 2, data: new Uint8Array(12) };
    await assert.rejects(classifier.classify([image], { topK: 6 }), {
      name: "RangeError",
      message: "Cannot classify as 'topK' must be an integer in 1..5: current value is 6",
    });
    await assert.rejects(classifier.classify([]), {
      name: "RangeError",
      message: "Cannot classify an empty batch: it must hold at least one image",
    });
    await assert.rejects(classifier.classify([{ ...image, data: new Uint8Array(11) }]), {
      name: "TypeError",
      message: "Image 0 should hold 2 x 2 x 3 bytes: found 11",
    });
    const passes = classifier.forwardPasses;
    const [top] = await classifier.classify([image], { topK: 5 });
    assert.equal(classifier.forwardPasses, passes + 1);
    assertTopIsDistribution(top, 5);
    // All five classes: the whole softmax, which sums to 1 up to float32 rounding.
    assert.ok(Math.abs(top.reduce((s, c) => s + c.probability, 0) - 1) < 1e-5);
  } finally {
    classifier.dispose();
  }
});

Deno.test("loadImageClassifier() loads InceptionV3 (299 x 299 input) and refuses an unknown model", async () => {
  const classifier = await loadImageClassifier({ model: "InceptionV3" });
  try {
    assert.equal(classifier.inputSizePx, 299);
    const image = decodeImage(encodeSampleImage(SAMPLE_IMAGES[1]));
    const [top] = await classifier.classify([image, image]);
    assertTopIsDistribution(top);
  } finally {
    classifier.dispose();
  }
  await assert.rejects(
    // @ts-expect-error: not a model name
    loadImageClassifier({ model: "ResNet50" }),
    {
      name: "RangeError",
      message: 'Cannot load model "ResNet50": expected one of MobileNetV2, InceptionV3',
    },
  );
});

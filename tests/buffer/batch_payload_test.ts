import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import {
  checkPayloadFits,
  idsBatchPayload,
  idsPayload,
  imagesBatchPayload,
  largestFittingBatch,
  readPayloadImages,
} from "../../lib/buffer/batch_payload.ts";
import { MAX_PAYLOAD_BYTES } from "../../lib/lambda/local_lambda.ts";
import { seededPrng } from "../../lib/random/prng.ts";

const decode = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes));

/** Sixteen digits, the longest id the buffer can give (Number.MAX_SAFE_INTEGER). */
const LONGEST_ID = Number.MAX_SAFE_INTEGER;

Deno.test("idsPayload() is the buffer's original payload, {batch_id, requests: [ids]}", () => {
  assert.deepEqual(decode(idsPayload({ batchId: 12, requestIds: [40, 41, 42] })), {
    batch_id: 12,
    requests: [40, 41, 42],
  });
  assert.equal(idsBatchPayload().description, "ids");
});

Deno.test("imagesBatchPayload() gives request id i the image i mod n, base64, the same on every call", () => {
  const images = [new Uint8Array([0xff, 0xd8, 0xff]), new Uint8Array([1]), new Uint8Array(1000)]
    .map((bytes, i) => ({ name: `${i}.jpg`, bytes }));
  const p = imagesBatchPayload(images, { source: "dir" });
  assert.equal(p.description, "images: dir (3 files, largest 1 kB)");
  const batch = { batchId: 7, requestIds: [3, 4, 5, 6] };
  const json = decode(p.payloadFor(batch));
  assert.equal(json.batch_id, 7);
  assert.deepEqual(json.requests.map((r: { id: number }) => r.id), [3, 4, 5, 6]);
  // Decoded with node:buffer's base64, independent of the encoder under test.
  json.requests.forEach((r: { id: number; image: string }) =>
    assert.deepEqual(new Uint8Array(Buffer.from(r.image, "base64")), images[r.id % 3].bytes)
  );
  // A retry sends the same bytes.
  assert.deepEqual(p.payloadFor(batch), p.payloadFor(batch));
  assert.throws(() => imagesBatchPayload([]), {
    name: "RangeError",
    message: "Cannot build image payloads as 'images' must hold at least one image: found 0",
  });
});

Deno.test("maxBytes() bounds every payload, and is exact to one byte with 16-digit ids and the largest image", () => {
  const prng = seededPrng(3);
  const images = [5, 700, 1234, 99].map((n, i) => ({
    name: `${i}.png`,
    bytes: Uint8Array.from({ length: n }, () => Math.floor(prng.nextFloat() * 256)),
  }));
  for (const p of [idsBatchPayload(), imagesBatchPayload(images)]) {
    for (let trial = 0; trial < 50; trial++) {
      const n = 1 + Math.floor(prng.nextFloat() * 40);
      const requestIds = Array.from({ length: n }, () => Math.floor(prng.nextFloat() * 1e9));
      const bytes = p.payloadFor({ batchId: trial, requestIds }).length;
      assert.ok(bytes <= p.maxBytes(n), `${p.description}: ${bytes} > ${p.maxBytes(n)}`);
    }
  }
  // The worst case: every id 16 digits and every request the largest image (id 2 of 4).
  const worst = (n: number) => Array.from({ length: n }, () => LONGEST_ID - 1);
  assert.equal((LONGEST_ID - 1) % 4, 2); // 9007199254740990 carries image 2, 1234 bytes
  for (const n of [1, 2, 17]) {
    const p = imagesBatchPayload(images);
    const bytes = p.payloadFor({ batchId: LONGEST_ID, requestIds: worst(n) }).length;
    assert.equal(p.maxBytes(n) - bytes, 1); // the bound counts n commas, the JSON n - 1
    const ids = idsBatchPayload();
    assert.equal(
      ids.maxBytes(n) - ids.payloadFor({ batchId: LONGEST_ID, requestIds: worst(n) }).length,
      1,
    );
  }
});

Deno.test("checkPayloadFits() refuses a batch size whose payload could pass Lambda's 6 MB, and names the largest that fits", () => {
  // 1 MB images are 1,398,104 characters in base64: 4 fit in 6,291,456 bytes, 5 do not.
  const p = imagesBatchPayload([{ name: "big.jpg", bytes: new Uint8Array(1_048_576) }]);
  assert.equal(largestFittingBatch(p), 4);
  assert.ok(p.maxBytes(4) <= MAX_PAYLOAD_BYTES && p.maxBytes(5) > MAX_PAYLOAD_BYTES);
  checkPayloadFits(p, 4);
  assert.throws(() => checkPayloadFits(p, 5), {
    name: "RangeError",
    message: "Cannot send batches of 5 with images: given images (1 file, largest 1.05 MB): " +
      "a batch's payload can reach 6.991 MB, above Lambda's limit of 6 MB (6291456 bytes) for a " +
      "synchronous invocation; the largest batch that fits is 4",
  });
  // Ids fit by the hundred thousand.
  assert.equal(largestFittingBatch(idsBatchPayload(), 100_000), 100_000);
});

Deno.test("readPayloadImages() reads the JPEG and PNG files of a directory in name order and names the rest", async () => {
  const samples = await readPayloadImages("lib/functions/image_classifier/samples");
  assert.deepEqual(samples.images.map((i) => i.name), [
    "landscape.png",
    "shapes.png",
    "skyline.jpg",
    "tiles.jpg",
  ]);
  assert.deepEqual(samples.skipped, []);
  const dir = await Deno.makeTempDir({ prefix: "batch_payload_test_" });
  try {
    await Deno.writeTextFile(`${dir}/README.md`, "not an image");
    await assert.rejects(readPayloadImages(dir), {
      name: "RangeError",
      message: `Cannot read images from ${dir} as it holds no JPEG or PNG file (.jpg, .jpeg, .png)`,
    });
    await Deno.writeFile(`${dir}/b.JPEG`, new Uint8Array([1, 2]));
    await Deno.writeFile(`${dir}/a.png`, new Uint8Array([3]));
    const read = await readPayloadImages(dir);
    assert.deepEqual(read.images, [
      { name: "a.png", bytes: new Uint8Array([3]) },
      { name: "b.JPEG", bytes: new Uint8Array([1, 2]) },
    ]);
    assert.deepEqual(read.skipped, ["README.md"]);
    await assert.rejects(readPayloadImages(`${dir}/README.md`), {
      name: "TypeError",
      message: `Cannot read images from ${dir}/README.md as it is not a directory`,
    });
    await assert.rejects(readPayloadImages(`${dir}/none`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { InvokeCommand } from "@aws-sdk/client-lambda";
import { lambdaDispatcher } from "../../lib/buffer/dispatcher.ts";
import { seededPrng } from "../../lib/random/prng.ts";
import { setUpLocalLambda } from "../lambda/_local_lambda.ts";

const HANDLER =
  new URL("../../lib/functions/image_classifier/handler.ts", import.meta.url).pathname;

const encode = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const decode = (b?: Uint8Array) => JSON.parse(new TextDecoder().decode(b));

Deno.test("the image classifier on the local Lambda: the buffer's dispatcher, BS and an Unhandled ImageDecodeError through the SDK", async () => {
  const { lambda, server, client } = setUpLocalLambda();
  try {
    lambda.createFunction({ FunctionName: "classifier", CodePath: HANDLER, MemorySize: 2048 });
    const dispatcher = lambdaDispatcher({
      invoke: (input) => client.send(new InvokeCommand(input)),
      functionName: "classifier",
      prng: seededPrng(1),
      maxAttempts: 1,
    });
    // Our buffer's payload, unchanged: {"batch_id", "requests": [ids]}.
    const cold = await dispatcher.dispatch({ batchId: 1, requestIds: [10, 11, 12] });
    assert.equal(cold.status, "ok", cold.error);
    assert.ok(cold.initDurationMs > 0); // the Worker loaded the model: Init Duration
    assert.ok(cold.durationMs > 0);
    const warm = await dispatcher.dispatch({ batchId: 2, requestIds: [13] });
    assert.equal(warm.status, "ok", warm.error);
    assert.equal(warm.initDurationMs, 0);

    const bs = await client.send(
      new InvokeCommand({ FunctionName: "classifier", Payload: encode({ BS: 2 }) }),
    );
    assert.equal(bs.FunctionError, undefined);
    assert.equal(typeof decode(bs.Payload), "number");

    const image = Buffer.from("not an image").toString("base64");
    const bad = await client.send(
      new InvokeCommand({
        FunctionName: "classifier",
        Payload: encode({ requests: [{ id: "x", image }] }),
      }),
    );
    assert.equal(bad.FunctionError, "Unhandled");
    const error = decode(bad.Payload);
    assert.equal(error.errorType, "ImageDecodeError");
    assert.match(
      error.errorMessage,
      /^requests\[0\] \(id "x"\): The image is neither a JPEG nor a PNG/,
    );
  } finally {
    lambda.close(); // terminates the Workers
    await server.close();
  }
});

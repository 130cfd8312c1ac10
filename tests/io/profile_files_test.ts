import assert from "node:assert/strict";
import { readProfileArgument } from "../../lib/io/profile_files.ts";
import { publishedProfile, serviceTimesSec } from "../../lib/profile/service_profile.ts";

const EXAMPLE = new URL("../../traces/profiles/TF-resnetV2.json", import.meta.url).pathname;

Deno.test("readProfileArgument() reads traces/profiles/TF-resnetV2.json as the published TF-resnetV2, time for time", async () => {
  const fromFile = await readProfileArgument(EXAMPLE);
  const published = publishedProfile("TF-resnetV2");
  assert.equal(fromFile.name, "TF-resnetV2-json");
  // Every batch size at every memory of solver.py's grid: the same polynomial,
  // summed in the same order, so the same doubles.
  for (let m = 1280; m <= 3008; m += 64) {
    assert.deepEqual(serviceTimesSec(fromFile, 20, m), serviceTimesSec(published, 20, m));
  }
  // And the same fitted range, refused outside it alike.
  assert.throws(() => serviceTimesSec(fromFile, 21, 2048), RangeError);
  assert.throws(() => serviceTimesSec(fromFile, 5, 1024), RangeError);
});

Deno.test("readProfileArgument() names the model or the file it cannot use", async () => {
  await assert.rejects(readProfileArgument("nosuch"), {
    name: "RangeError",
    message:
      /^Cannot find model 'nosuch': expected one of TF-inceptionV4, .* or a JSON profile file$/,
  });
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/bad.json`, "{ not json");
    await assert.rejects(readProfileArgument(`${dir}/bad.json`), {
      name: "SyntaxError",
      message: new RegExp(`^Cannot read model file ${dir}/bad.json: `),
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

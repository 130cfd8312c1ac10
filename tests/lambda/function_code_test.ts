import assert from "node:assert/strict";
import { strToU8, zipSync } from "fflate";
import {
  codeFromPath,
  handlerModule,
  handlerModuleIn,
  parseHandler,
  readZipArchive,
  removeCode,
  unpackZipCode,
} from "../../lib/lambda/function_code.ts";

Deno.test("parseHandler() splits module and property path as Lambda's Node.js runtime does", () => {
  assert.deepEqual(parseHandler("index.handler"), {
    moduleRoot: "",
    module: "index",
    exportPath: "handler",
  });
  assert.deepEqual(parseHandler("a/b/app.api.get"), {
    moduleRoot: "a/b/",
    module: "app",
    exportPath: "api.get",
  });
  for (const bad of ["index", ".handler", "index."]) {
    assert.throws(() => parseHandler(bad), {
      name: "Runtime.MalformedHandlerName",
      message: "Bad handler",
    });
  }
  assert.throws(() => parseHandler("../up.handler"), {
    name: "Runtime.MalformedHandlerName",
    message: /^'\.\.\/up\.handler' is not a valid handler name/,
  });
});

Deno.test("handlerModuleIn() tries .js, .mjs, .cjs, .ts, .mts in that order", () => {
  assert.equal(handlerModuleIn(["index.mjs", "index.js"], "index.handler"), "index.js");
  assert.equal(handlerModuleIn(["src/app.cjs"], "src/app.handler"), "src/app.cjs");
  assert.equal(handlerModuleIn(["./index.mts"], "index.handler"), "index.mts");
  assert.equal(handlerModuleIn(["index.py"], "index.handler"), undefined);
});

Deno.test("unpackZipCode() writes the files, hashes the zip as CodeSha256 and removeCode() deletes them", async () => {
  const zip = zipSync({
    "index.mjs": strToU8("export const handler = () => 1;"),
    "lib/x.mjs": strToU8(""),
  });
  const code = unpackZipCode(readZipArchive(zip)!, zip);
  try {
    assert.equal(code.sizeBytes, zip.length);
    // Lambda's CodeSha256: base64 of the SHA-256 digest of the zip, here by WebCrypto.
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", zip));
    assert.equal(code.sha256, btoa(String.fromCharCode(...digest)));
    assert.equal(
      Deno.readTextFileSync(`${code.root}/index.mjs`),
      "export const handler = () => 1;",
    );
    assert.ok(Deno.statSync(`${code.root}/lib/x.mjs`).isFile);
    const { moduleUrl, exportPath } = handlerModule(code, "index.handler");
    assert.equal(moduleUrl, `file://${code.root}/index.mjs`);
    assert.equal(exportPath, "handler");
    assert.throws(() => handlerModule(code, "main.handler"), {
      name: "Runtime.ImportModuleError",
      message: /^Error: Cannot find module 'main'/,
    });
  } finally {
    removeCode(code);
  }
  assert.throws(() => Deno.statSync(code.root), Deno.errors.NotFound);
});

Deno.test("unpackZipCode() refuses entries that climb out of the archive", () => {
  const zip = zipSync({ "../evil.mjs": strToU8("") });
  assert.throws(() => unpackZipCode(readZipArchive(zip)!, zip), {
    name: "RangeError",
    message:
      "Could not unzip uploaded file: the entry '../evil.mjs' lies outside the archive's root",
  });
});

Deno.test("codeFromPath() takes a module file as it lies; its handler's module part is not looked up", () => {
  const path = new URL("../testdata/handlers/hello.ts", import.meta.url).pathname;
  const code = codeFromPath(path);
  assert.equal(code.source, "path");
  assert.equal(code.sizeBytes, Deno.statSync(path).size);
  assert.deepEqual(handlerModule(code, "anything.handler"), {
    moduleUrl: `file://${path}`,
    exportPath: "handler",
  });
  assert.throws(() => codeFromPath("/nonexistent/x.ts"), {
    name: "RangeError",
    message: /^CodePath '\/nonexistent\/x\.ts' is not a readable file: /,
  });
});

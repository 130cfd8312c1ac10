import assert from "node:assert/strict";
import { MapFileSyntaxError, parseMatrixText } from "../../lib/map/map_text.ts";

function assertSyntaxError(
  fn: () => unknown,
  expected: { message: string; file: string; line: number; text: string },
): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof MapFileSyntaxError, `expected a MapFileSyntaxError, got ${error}`);
    assert.ok(error instanceof SyntaxError);
    assert.equal(error.name, "MapFileSyntaxError");
    assert.equal(error.message, expected.message);
    assert.equal(error.file, expected.file);
    assert.equal(error.line, expected.line);
    assert.equal(error.text, expected.text);
    return true;
  });
}

Deno.test("parseMatrixText() reads the comma-separated rows of the published MAP files", () => {
  // traces/twitter/MAP1_D0 and MAP1_D1 as published (no trailing newline).
  assert.deepEqual(parseMatrixText("-14.625001,0.000000\n0.000000,-35.171226"), [
    [-14.625001, 0],
    [0, -35.171226],
  ]);
  assert.deepEqual(parseMatrixText("0.051020,14.573981\n0.063796,35.107429\n"), [
    [0.05102, 14.573981],
    [0.063796, 35.107429],
  ]);
});

Deno.test("parseMatrixText() reads -0.000000 as -0", () => {
  const [[a, b]] = parseMatrixText("-0.000000,-266.930481");
  assert.ok(Object.is(a, -0));
  assert.equal(b, -266.930481);
});

Deno.test("parseMatrixText() accepts whitespace and comma separators, blank lines and CRLF", () => {
  const text = "\uFEFF\n  1 2,3\r\n\r\n\t4 ,  5\t6  \r\n7,8 , 9\n\n";
  assert.deepEqual(parseMatrixText(text), [[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
  assert.deepEqual(parseMatrixText("+1.5e2 .5 -2.\n1E-3 0 3"), [[150, 0.5, -2], [0.001, 0, 3]]);
});

Deno.test("parseMatrixText() throws a MapFileSyntaxError when rows differ in length", () => {
  assertSyntaxError(() => parseMatrixText("\n1,2\n3,4\n5\n", { file: "MAP1_D0" }), {
    message: "MAP1_D0:4: row 3 must have 2 values like the row on line 2: found 1",
    file: "MAP1_D0",
    line: 4,
    text: "5",
  });
  assertSyntaxError(() => parseMatrixText("1,2\r\n3,4,5\r\n", { file: "a/MAP2_D1" }), {
    message: "a/MAP2_D1:2: row 2 must have 2 values like the row on line 1: found 3",
    file: "a/MAP2_D1",
    line: 2,
    text: "3,4,5",
  });
});

Deno.test("parseMatrixText() throws a MapFileSyntaxError when a field is not a decimal", () => {
  const cases: [string, number, string, string][] = [
    ["1,2\n3,abc", 2, "3,abc", 'field 2 must be a decimal number: found "abc"'],
    ["0x10,1", 1, "0x10,1", 'field 1 must be a decimal number: found "0x10"'],
    ["1;2", 1, "1;2", 'field 1 must be a decimal number: found "1;2"'],
    ["NaN,1", 1, "NaN,1", 'field 1 must be a decimal number: found "NaN"'],
    ["1,-Infinity", 1, "1,-Infinity", 'field 2 must be a decimal number: found "-Infinity"'],
    ["1,,2", 1, "1,,2", "field 2 is empty"],
    ["1,2,", 1, "1,2,", "field 3 is empty"],
    [",1,2", 1, ",1,2", "field 1 is empty"],
  ];
  for (const [text, line, lineText, reason] of cases) {
    assertSyntaxError(() => parseMatrixText(text, { file: "f" }), {
      message: `f:${line}: ${reason}`,
      file: "f",
      line,
      text: lineText,
    });
  }
});

Deno.test("parseMatrixText() throws a MapFileSyntaxError when a value is not finite", () => {
  assertSyntaxError(() => parseMatrixText("1,2\n1e400,3"), {
    message: '<input>:2: field 1 must be a finite number: found "1e400"',
    file: "<input>",
    line: 2,
    text: "1e400,3",
  });
});

Deno.test("parseMatrixText() throws a MapFileSyntaxError when the text holds no row", () => {
  for (const text of ["", "\n\n", "  \r\n"]) {
    assertSyntaxError(() => parseMatrixText(text, { file: "empty" }), {
      message: "empty:1: expected at least one row of numbers: found none",
      file: "empty",
      line: 1,
      text: text.split(/\r?\n/)[0],
    });
  }
});

Deno.test("MapFileSyntaxError carries file, line, text and cause when constructed", () => {
  const cause = new Error("inner");
  const error = new MapFileSyntaxError("bad", { file: "x", line: 3, text: "1,a", cause });
  assert.equal(error.message, "x:3: bad");
  assert.equal(error.name, "MapFileSyntaxError");
  assert.deepEqual([error.file, error.line, error.text], ["x", 3, "1,a"]);
  assert.equal(error.cause, cause);
});

import assert from "node:assert/strict";
import {
  compileFilterPattern,
  FilterPatternSyntaxError,
  matchesFilterPattern,
} from "../../lib/lambda/filter_pattern.ts";

Deno.test("matchesFilterPattern() needs every term and quoted phrase", () => {
  assert.ok(matchesFilterPattern("REPORT RequestId: x Duration: 1 ms", "REPORT"));
  assert.ok(
    matchesFilterPattern("REPORT RequestId: x Init Duration: 1 ms", 'REPORT "Init Duration"'),
  );
  assert.ok(!matchesFilterPattern("START RequestId: x", "REPORT"));
  assert.ok(!matchesFilterPattern("REPORT Duration", 'REPORT "Init Duration"'));
  assert.ok(matchesFilterPattern("anything", ""));
});

Deno.test("matchesFilterPattern() follows the AWS guide's term examples: case-sensitive, ? for OR, - to exclude", () => {
  // AWS CloudWatch Logs User Guide, "OR pattern matching": ERROR matches 1 and 2,
  // ?ERROR ?WARN 1, 2 and 3, ERROR WARN 1, ERROR -WARN 2.
  const events = ["ERROR WARN message", "ERROR message", "WARN message"];
  const which = (p: string) => events.filter((m) => matchesFilterPattern(m, p));
  assert.deepEqual(which("ERROR"), events.slice(0, 2));
  assert.deepEqual(which("?ERROR ?WARN"), events);
  assert.deepEqual(which("ERROR WARN"), events.slice(0, 1));
  assert.deepEqual(which("ERROR -WARN"), events.slice(1, 2));
  assert.deepEqual(which("-ERROR"), events.slice(2));
  assert.deepEqual(which("error"), []);
  // "Include a term and exclude a term": ERROR matches both, ERROR -Exiting the first.
  assert.ok(matchesFilterPattern("[ERROR] A fatal exception has occurred", "ERROR -Exiting"));
  assert.ok(matchesFilterPattern("Exiting with ERRORCODE: -1", "ERROR"));
  assert.ok(!matchesFilterPattern("Exiting with ERRORCODE: -1", "ERROR -Exiting"));
  // The CDK's anyTermGroup(["ERROR", "WARN"], ["nothing"]) renders ?"ERROR" "WARN" ?"nothing".
  assert.deepEqual(which('?"ERROR" "WARN" ?"nothing"'), events.slice(0, 1));
  assert.deepEqual(which('?"WARN message" -ERROR'), events.slice(2));
  // " " matches every event; quotes escape with a backslash, as the CDK writes them.
  assert.ok(matchesFilterPattern("nospace", '" "'));
  assert.ok(matchesFilterPattern('they say "hi"', '"say \\"hi\\""'));
});

Deno.test("compileFilterPattern() matches JSON patterns as in the AWS guide's examples", () => {
  // AWS CloudWatch Logs User Guide, "JSON Metric Filter Examples": all match.
  const event = JSON.stringify({
    eventType: "UpdateTrail",
    sourceIPAddress: "111.111.111.111",
    arrayKey: ["value", "another value"],
    objectList: [{ name: "a", id: 1 }, { name: "b", id: 2 }],
    SomeObject: null,
    ThisFlag: true,
  });
  for (
    const p of [
      '{ $.eventType = "UpdateTrail" }',
      "{ $.sourceIPAddress != 123.123.* }",
      '{ $.arrayKey[0] = "value" }',
      "{ $.objectList[1].id = 2 }",
      "{ $.SomeObject IS NULL }",
      "{ $.SomeOtherObject NOT EXISTS }",
      "{ $.ThisFlag IS TRUE }",
      "{ $.eventType = Update* }",
      "{ $.eventType = %Trail$% }",
    ]
  ) assert.ok(compileFilterPattern(p)(event), p);
  assert.ok(!compileFilterPattern("{ $.ThisFlag IS FALSE }")(event));
  assert.ok(!compileFilterPattern('{ $.eventType = "Update" }')(event));
  // "JSON Compound Conditions": match, no match, match, no match.
  const compound = JSON.stringify({
    user: { id: 1, email: "John.Stiles@example.com" },
    users: [{ id: 2, email: "John.Doe@example.com" }, { id: 3, email: "Jane.Doe@example.com" }],
    actions: ["GET", "PUT", "DELETE"],
    coordinates: [[0, 1, 2], [4, 5, 6], [7, 8, 9]],
  });
  assert.deepEqual(
    [
      '{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }',
      '{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }',
      '{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch && $.actions[2] = nomatch }',
      '{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch) && $.actions[2] = nomatch }',
    ].map((p) => compileFilterPattern(p)(compound)),
    [true, false, true, false],
  );
  // "JSON Special Considerations": a selector on an array matches neither = nor !=.
  assert.ok(!compileFilterPattern("{ $.users = 1 }")('{"users": [1, 2, 3]}'));
  assert.ok(!compileFilterPattern("{ $.users != 1 }")('{"users": [1, 2, 3]}'));
  // "Numeric Comparisons".
  const latency = compileFilterPattern("{ $.latency >= 500 }");
  assert.deepEqual([499, 500, 10e3].map((l) => latency(`{"latency": ${l}}`)), [false, true, true]);
  assert.ok(compileFilterPattern("{ $.numbers[0] < 10e-3 }")('{"numbers": [0.001]}'));
  assert.ok(compileFilterPattern("{ $.latency > +1000 }")('{"latency": 1001}'));
  assert.ok(!compileFilterPattern("{ $.latency > 1 }")("REPORT latency 5"));
});

Deno.test("compileFilterPattern() applies a %regex% as the AWS guide's examples do", () => {
  const colour = compileFilterPattern("%colou?r%");
  assert.ok(colour("the color") && colour("the colour") && !colour("the colr"));
  const start = compileFilterPattern("%^[hc]at%");
  assert.ok(start("hat on") && start("cat on") && !start("a hat"));
  const ip = compileFilterPattern("%\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}%");
  assert.ok(ip("from 10.0.0.1") && !ip("from localhost"));
});

Deno.test("compileFilterPattern() refuses invalid and unsupported patterns with FilterPatternSyntaxError", () => {
  const cases: [string, RegExp][] = [
    ['"unterminated', /the quoted term has no closing double quote/],
    ["ERROR ?", /'\?' must be followed by a term/],
    ["ERROR -", /'-' must be followed by a term/],
    ["RequestId: x", /the term 'RequestId:' has ':': put terms with characters other than/],
    ["%(a|b)%", /'\(' is not allowed in a %regex% \(parentheses are not supported\)/],
    ["%a b%", /' ' is not allowed in a %regex%/],
    ["[ip, user, ..., status = 4*]", /space-delimited patterns .* are not supported/],
    ["{ $.x = }", /expected a value after '='/],
    ["{ $.x = 1", /the JSON pattern must end with '}'/],
    ["{ $.x > abc }", /'>' needs a number, found 'abc'/],
    ["{ $.x IS MAYBE }", /expected IS NULL, IS TRUE, IS FALSE or NOT EXISTS/],
    ["{ ($.x = 1 }", /expected '\)'/],
    ["{ x = 1 }", /expected a selector such as \$\.field/],
  ];
  for (const [pattern, message] of cases) {
    assert.throws(() => compileFilterPattern(pattern), (e) => {
      assert.ok(e instanceof FilterPatternSyntaxError, pattern);
      assert.match(e.message, /^Invalid filter pattern: /);
      assert.match(e.message, message, pattern);
      assert.equal(e.text, pattern);
      return true;
    });
  }
  // The column points at the offending character.
  assert.throws(() => compileFilterPattern("ERROR RequestId:"), { column: 15 });
});

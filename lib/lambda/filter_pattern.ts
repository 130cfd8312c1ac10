/**
 * CloudWatch Logs filter patterns, as the AWS guide "Filter pattern syntax for
 * metric filters, subscription filters, filter log events, and Live Tail"
 * describes them: terms, `"quoted phrases"`, `?` (OR), `-` (exclude),
 * `%regex%` and JSON patterns (`{ $.x = ... }`). Space-delimited patterns
 * (`[a, b]`) are refused with a {@linkcode FilterPatternSyntaxError}.
 *
 * Pure: no I/O. The local CloudWatch Logs (`logs_api.ts`) uses it for
 * FilterLogEvents.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const matches = compileFilterPattern('?ERROR ?"Task timed out"');
 * assert.ok(matches("2024-01-01 Task timed out after 3.00 seconds"));
 * assert.ok(!matches("START RequestId: x"));
 * ```
 *
 * @module
 */

/**
 * A filter pattern that cannot be parsed, or uses a syntax the local
 * CloudWatch Logs does not implement (space-delimited patterns).
 */
export class FilterPatternSyntaxError extends SyntaxError {
  /**
   * @param message What is wrong, naming the part of the pattern.
   * @param text The whole pattern.
   * @param column Where in `text` the problem is (0-based).
   */
  constructor(message: string, readonly text: string, readonly column: number) {
    super(message);
    this.name = "FilterPatternSyntaxError";
  }
}

/** Whether a message matches a compiled filter pattern. */
export type FilterPatternMatcher = (message: string) => boolean;

function _patternError(text: string, column: number, what: string): FilterPatternSyntaxError {
  return new FilterPatternSyntaxError(
    `Invalid filter pattern: ${what} (at column ${column + 1} of ${JSON.stringify(text)})`,
    text,
    column,
  );
}

/** Reads a double-quoted string at `start` (backslash escapes `\"` and `\\`). */
function _readQuoted(text: string, start: number): { value: string; end: number } {
  let value = "";
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i];
    if (c === "\\" && i + 1 < text.length) value += text[++i];
    else if (c === '"') return { value, end: i + 1 };
    else value += c;
  }
  throw _patternError(text, start, "the quoted term has no closing double quote");
}

interface _TermGroup {
  include: string[];
  exclude: string[];
}

/**
 * Unstructured terms, as the AWS guide "Filter pattern syntax ... matching
 * terms in unstructured log events" describes them: terms are matched as
 * case-sensitive substrings; all plain terms must appear (`ERROR Exception`);
 * `-term` must not appear (`ERROR -Exiting`; `-ERROR` alone keeps every event
 * without ERROR); `?a ?b` matches events with either. A term with characters
 * other than letters, digits and `_` must be double-quoted. The guide does not
 * say how `?` mixes with plain terms; here, as in the AWS CDK's
 * `FilterPattern.anyTermGroup` (which renders `?"A" "B" ?"C" "D"` for
 * (A and B) or (C and D)), each `?` term starts a new group that the plain
 * and `-` terms after it join, and the pattern matches when any group does.
 */
function _compileTerms(text: string): FilterPatternMatcher {
  const groups: _TermGroup[] = [{ include: [], exclude: [] }];
  let hasOr = false;
  let i = 0;
  while (i < text.length) {
    if (/\s/.test(text[i])) {
      i++;
      continue;
    }
    const start = i;
    const op = text[i] === "?" || text[i] === "-" ? text[i++] : "";
    let term: string;
    if (text[i] === '"') {
      const q = _readQuoted(text, i);
      term = q.value;
      i = q.end;
      if (i < text.length && !/\s/.test(text[i])) {
        throw _patternError(text, i, "a quoted term must be followed by a space");
      }
    } else {
      const end = text.slice(i).search(/\s|$/) + i;
      term = text.slice(i, end);
      if (term === "") throw _patternError(text, start, `'${op}' must be followed by a term`);
      const bad = term.search(/[^\p{L}\p{N}_]/u);
      if (bad >= 0) {
        throw _patternError(
          text,
          i + bad,
          `the term '${term}' has '${term[bad]}': put terms with characters other than ` +
            "letters, digits and '_' in double quotes",
        );
      }
      i = end;
    }
    if (op === "?") {
      if (hasOr || groups[0].include.length > 0 || groups[0].exclude.length > 0) {
        groups.push({ include: [], exclude: [] });
      }
      hasOr = true;
    }
    const g = groups[groups.length - 1];
    (op === "-" ? g.exclude : g.include).push(term);
  }
  // AWS: `" "` is the documented way to match every event.
  if (groups.length === 1 && groups[0].include.join() === " " && !groups[0].exclude.length) {
    return () => true;
  }
  return (message) =>
    groups.some((g) =>
      g.include.every((t) => message.includes(t)) && !g.exclude.some((t) => message.includes(t))
    );
}

/**
 * A `%regex%` pattern. The AWS guide ("Supported regular expressions (regex)
 * syntax") allows only letters, digits, the symbols `: _ # = @ / ; , -` and
 * the operators `^ $ ? [ ] { } | \ * + .`; parentheses and other characters
 * are refused.
 */
function _compileRegex(text: string, start: number, body: string): RegExp {
  const bad = body.search(/[^A-Za-z0-9:_#=@/;,\-^$?[\]{}|\\*+.]/);
  if (bad >= 0) {
    const c = body[bad];
    throw _patternError(
      text,
      start + 1 + bad,
      `'${c}' is not allowed in a %regex% (${
        c === "(" || c === ")" ? "parentheses are not supported" : "see the supported characters"
      })`,
    );
  }
  try {
    return new RegExp(body);
  } catch (e) {
    throw _patternError(text, start, `the %regex% does not compile: ${(e as Error).message}`);
  }
}

// JSON patterns: `{ SELECTOR OP VALUE }`, `IS NULL`, `NOT EXISTS`, `IS TRUE`,
// `IS FALSE`, combined with `&&`, `||` and parentheses (precedence () > && > ||).

interface _JsonToken {
  kind: "selector" | "op" | "and" | "or" | "(" | ")" | "string" | "word" | "regex";
  text: string;
  /** Decoded value of a quoted string; the steps of a selector. */
  value?: string;
  steps?: (string | number)[];
  pos: number;
}

function _tokenizeJson(text: string, from: number, to: number): _JsonToken[] {
  const tokens: _JsonToken[] = [];
  let i = from;
  while (i < to) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === "$") {
      const m = /^\$(?:\.[A-Za-z0-9_-]+|\[\d+\])*/.exec(text.slice(i, to))![0];
      const steps = [...m.matchAll(/\.([A-Za-z0-9_-]+)|\[(\d+)\]/g)].map((s) =>
        s[1] !== undefined ? s[1] : Number(s[2])
      );
      tokens.push({ kind: "selector", text: m, steps, pos: i });
      i += m.length;
    } else if (text.startsWith("&&", i) || text.startsWith("||", i)) {
      tokens.push({ kind: c === "&" ? "and" : "or", text: c + c, pos: i });
      i += 2;
    } else if (c === "(" || c === ")") {
      tokens.push({ kind: c, text: c, pos: i++ });
    } else if (/^(?:!=|<=|>=|=|<|>)/.test(text.slice(i, i + 2))) {
      const op = /^(?:!=|<=|>=|=|<|>)/.exec(text.slice(i, i + 2))![0];
      tokens.push({ kind: "op", text: op, pos: i });
      i += op.length;
    } else if (c === '"') {
      const q = _readQuoted(text.slice(0, to), i);
      tokens.push({ kind: "string", text: text.slice(i, q.end), value: q.value, pos: i });
      i = q.end;
    } else if (c === "%") {
      const end = text.indexOf("%", i + 1);
      if (end < 0 || end >= to) throw _patternError(text, i, "the %regex% has no closing '%'");
      tokens.push({ kind: "regex", text: text.slice(i + 1, end), pos: i });
      i = end + 1;
    } else {
      const m = /^[^\s()=!<>&|"%]+/.exec(text.slice(i, to));
      if (!m) throw _patternError(text, i, `unexpected '${c}'`);
      tokens.push({ kind: "word", text: m[0], pos: i });
      i += m[0].length;
    }
  }
  return tokens;
}

type _JsonCondition = (doc: unknown) => boolean;

function _resolve(doc: unknown, steps: (string | number)[]): { found: boolean; value?: unknown } {
  let cur = doc;
  for (const s of steps) {
    if (typeof s === "number") {
      if (!Array.isArray(cur) || s >= cur.length) return { found: false };
      cur = cur[s];
    } else {
      if (cur === null || typeof cur !== "object" || Array.isArray(cur) || !Object.hasOwn(cur, s)) {
        return { found: false };
      }
      cur = (cur as Record<string, unknown>)[s];
    }
  }
  return { found: true, value: cur };
}

const _NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** `=` on a string or number node: `*` wildcards at the start and end only, as on AWS. */
function _equalsMatcher(v: _JsonToken, text: string): (x: unknown) => boolean {
  if (v.kind === "regex") {
    const re = _compileRegex(text, v.pos, v.text);
    return (x) => typeof x === "string" && re.test(x);
  }
  const lit = v.kind === "string" ? v.value! : v.text;
  if (v.kind === "word" && _NUMBER.test(lit)) {
    const n = Number(lit);
    return (x) => (typeof x === "number" ? x === n : x === lit);
  }
  const head = lit.startsWith("*"), tail = lit.length > 1 && lit.endsWith("*");
  if (lit === "*") return () => true;
  const core = lit.slice(head ? 1 : 0, tail ? -1 : undefined);
  return (x) => {
    const s = typeof x === "number" ? String(x) : x as string;
    if (head && tail) return s.includes(core);
    if (head) return s.endsWith(core);
    if (tail) return s.startsWith(core);
    return s === core;
  };
}

class _JsonParser {
  #i = 0;
  constructor(readonly text: string, readonly tokens: _JsonToken[], readonly end: number) {}

  #peek(): _JsonToken | undefined {
    return this.tokens[this.#i];
  }

  #fail(what: string): never {
    throw _patternError(this.text, this.#peek()?.pos ?? this.end, what);
  }

  parse(): _JsonCondition {
    if (this.tokens.length === 0) this.#fail("the JSON pattern is empty");
    const c = this.#or();
    if (this.#peek()) this.#fail(`unexpected '${this.#peek()!.text}'`);
    return c;
  }

  #or(): _JsonCondition {
    const parts = [this.#and()];
    while (this.#peek()?.kind === "or") {
      this.#i++;
      parts.push(this.#and());
    }
    return parts.length === 1 ? parts[0] : (d) => parts.some((p) => p(d));
  }

  #and(): _JsonCondition {
    const parts = [this.#primary()];
    while (this.#peek()?.kind === "and") {
      this.#i++;
      parts.push(this.#primary());
    }
    return parts.length === 1 ? parts[0] : (d) => parts.every((p) => p(d));
  }

  #primary(): _JsonCondition {
    const t = this.#peek();
    if (t?.kind === "(") {
      this.#i++;
      const c = this.#or();
      if (this.#peek()?.kind !== ")") this.#fail("expected ')'");
      this.#i++;
      return c;
    }
    if (t?.kind !== "selector") this.#fail("expected a selector such as $.field");
    this.#i++;
    return this.#comparison(t.steps!);
  }

  #comparison(steps: (string | number)[]): _JsonCondition {
    const t = this.#peek();
    const word = (w: string) =>
      this.tokens[this.#i]?.kind === "word" && this.tokens[this.#i].text === w;
    if (word("IS") || word("NOT")) {
      const two = `${t!.text} ${this.tokens[this.#i + 1]?.text ?? ""}`;
      const tests: Record<string, (r: { found: boolean; value?: unknown }) => boolean> = {
        "IS NULL": (r) => r.found && r.value === null,
        "IS TRUE": (r) => r.found && r.value === true,
        "IS FALSE": (r) => r.found && r.value === false,
        "NOT EXISTS": (r) => !r.found,
      };
      const test = tests[two];
      if (!test) this.#fail(`expected IS NULL, IS TRUE, IS FALSE or NOT EXISTS, found '${two}'`);
      this.#i += 2;
      return (d) => test(_resolve(d, steps));
    }
    if (t?.kind !== "op") this.#fail("expected an operator (=, !=, <, <=, >, >=)");
    this.#i++;
    const v = this.#peek();
    if (!v || !(v.kind === "string" || v.kind === "word" || v.kind === "regex")) {
      this.#fail(`expected a value after '${t.text}'`);
    }
    this.#i++;
    // AWS: the selector must reach a value node (string or number); an
    // object, an array or a missing field matches neither = nor !=.
    const valueNode = (r: { found: boolean; value?: unknown }) =>
      r.found && (typeof r.value === "string" || typeof r.value === "number");
    if (t.text === "=" || t.text === "!=") {
      const eq = _equalsMatcher(v, this.text);
      const negate = t.text === "!=";
      return (d) => {
        const r = _resolve(d, steps);
        return valueNode(r) && eq(r.value) !== negate;
      };
    }
    if (v.kind !== "word" || !_NUMBER.test(v.text)) {
      this.#fail(`'${t.text}' needs a number, found '${v.text}'`);
    }
    const n = Number(v.text), op = t.text;
    return (d) => {
      const r = _resolve(d, steps);
      if (!r.found || typeof r.value !== "number") return false;
      const x = r.value;
      return op === "<" ? x < n : op === "<=" ? x <= n : op === ">" ? x > n : x >= n;
    };
  }
}

function _compileJson(text: string, open: number): FilterPatternMatcher {
  const close = text.lastIndexOf("}");
  if (close < open || text.slice(close + 1).trim() !== "") {
    throw _patternError(text, open, "the JSON pattern must end with '}'");
  }
  const condition = new _JsonParser(text, _tokenizeJson(text, open + 1, close), close).parse();
  return (message) => {
    const m = message.trimStart();
    if (m[0] !== "{" && m[0] !== "[") return false;
    let doc: unknown;
    try {
      doc = JSON.parse(message);
    } catch {
      return false;
    }
    return condition(doc);
  };
}

/**
 * Compiles a CloudWatch Logs filter pattern (AWS guide "Filter pattern syntax
 * for metric filters, subscription filters, filter log events, and Live
 * Tail"), for FilterLogEvents:
 *
 * - empty or blank: every event;
 * - terms: `ERROR`, `ERROR Exception` (both), `"exact phrase"`, `?ERROR ?WARN`
 *   (either), `ERROR -Exiting` (ERROR but not Exiting); case-sensitive
 *   substrings; terms with characters other than letters, digits and `_`
 *   must be double-quoted;
 * - `%regex%` on the whole message (the AWS subset: no parentheses);
 * - JSON: `{ $.a.b[0] = "x*" }`, `!=`, `<`, `<=`, `>`, `>=` on numbers,
 *   `IS NULL`, `IS TRUE`, `IS FALSE`, `NOT EXISTS`, `&&`, `||`, parentheses,
 *   `%regex%` values; a message that is not JSON never matches.
 *
 * Space-delimited patterns (`[ip, user, ..., status = 4*]`) are not
 * implemented and are refused.
 *
 * @param pattern The pattern; `undefined` is the empty pattern.
 * @returns A function telling whether a message matches.
 * @throws {FilterPatternSyntaxError} On a pattern that does not parse, or a space-delimited one.
 *
 * @example Terms, OR and exclusion
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const errorsButNotExiting = compileFilterPattern("ERROR -Exiting");
 * assert.ok(errorsButNotExiting("[ERROR] A fatal exception has occurred"));
 * assert.ok(!errorsButNotExiting("Exiting with ERRORCODE: -1"));
 * const either = compileFilterPattern("?ERROR ?WARN");
 * assert.ok(either("WARN message"));
 * assert.ok(!either("warn message"));
 * ```
 *
 * @example A JSON pattern
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const slow = compileFilterPattern("{ $.latency >= 500 && $.path = /api/* }");
 * assert.ok(slow('{"latency": 730, "path": "/api/items"}'));
 * assert.ok(!slow('{"latency": 20, "path": "/api/items"}'));
 * assert.ok(!slow("latency 730"));
 * ```
 */
export function compileFilterPattern(pattern: string | undefined): FilterPatternMatcher {
  const text = pattern ?? "";
  const start = text.search(/\S/);
  if (start < 0) return () => true;
  if (text[start] === "{") return _compileJson(text, start);
  if (text[start] === "[") {
    throw new FilterPatternSyntaxError(
      "Invalid filter pattern: space-delimited patterns ([field, ...]) are not supported by " +
        "the local CloudWatch Logs; use terms, a %regex% or a JSON pattern",
      text,
      start,
    );
  }
  const trimmed = text.trim();
  if (trimmed.length >= 2 && trimmed.startsWith("%") && trimmed.endsWith("%")) {
    const re = _compileRegex(text, start, trimmed.slice(1, -1));
    return (message) => re.test(message);
  }
  return _compileTerms(text);
}

/**
 * Whether a message matches a filter pattern (see
 * {@linkcode compileFilterPattern}; compile once to match many messages).
 *
 * @param message A log event's message.
 * @param pattern The filter pattern; empty or `undefined` matches everything.
 * @returns Whether it matches.
 * @throws {FilterPatternSyntaxError} On an invalid or unsupported pattern.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.ok(matchesFilterPattern("REPORT RequestId: x Init Duration: 1 ms", 'REPORT "Init Duration"'));
 * assert.ok(!matchesFilterPattern("START RequestId: x", "REPORT"));
 * ```
 */
export function matchesFilterPattern(message: string, pattern: string | undefined): boolean {
  return compileFilterPattern(pattern)(message);
}

/**
 * Batch service time S(k, m) in seconds of an inference model on AWS Lambda, for
 * batch size k and Lambda memory m in MB.
 *
 * A profile is either a polynomial in k and m (the published BATCH fits, or a
 * user fit) or a table of measured points interpolated bilinearly. Every profile
 * declares the memory and batch ranges it was fitted on; evaluating outside them
 * throws a {@linkcode ProfileRangeError} unless the caller passes `extrapolate`.
 *
 * Polynomials are evaluated exactly as the original `solver.py` does (function
 * `batchServiceTime` of the BATCH code release, Zenodo 10.5281/zenodo.3872213):
 * each term is its coefficient multiplied left to right by the factors in the
 * order written, and the terms are summed left to right. For integer k and m whose
 * powers are exact in float64 (k^n and m^n below 2^53, so m <= 3008 MB for the
 * quartic) the result equals the Python one bit for bit.
 *
 * @module
 */

import type { ServiceVariability } from "./service_distribution.ts";
import {
  PUBLISHED_BATCH_RANGE,
  PUBLISHED_MEMORY_RANGE_MB,
  PUBLISHED_PROFILE_DATA,
} from "./published_profiles.ts";

/** Fields every service-time profile has, whatever its kind. */
export interface ServiceProfileBase {
  /** Model name, used in messages (for example `"TF-resnetV2"`). */
  readonly name: string;
  /** How S(k, m) is represented: a polynomial or a table of points. */
  readonly kind: "polynomial" | "table";
  /** Memory range `[lo, hi]` in MB the profile was fitted on (inclusive). */
  readonly memoryRangeMb: readonly [number, number];
  /** Batch-size range `[lo, hi]` the profile was fitted on (inclusive). */
  readonly batchRange: readonly [number, number];
  /**
   * How a batch's service time varies around S(k, m) (see
   * `service_distribution.ts`); absent: always exactly S(k, m).
   */
  readonly variability?: ServiceVariability;
  /**
   * Init Duration of a cold start, seconds: one value, or per memory
   * (`memoriesMb` ascending, linear between them and constant beyond); absent:
   * the model has no cold starts.
   */
  readonly coldStart?: ColdStartProfile;
}

/** A profile's cold-start Init Duration (see {@linkcode ServiceProfileBase.coldStart}). */
export type ColdStartProfile =
  | { readonly initSec: number }
  | { readonly memoriesMb: readonly number[]; readonly initSec: readonly number[] };

/**
 * The Init Duration of a cold start at `memoryMb`, seconds, or undefined when
 * the profile has none.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const profile = profileFromJson({
 *   name: "p", terms: ["1"], coefficients: [1], memoryRangeMb: [1024, 3008], batchRange: [1, 4],
 *   coldStart: { memoriesMb: [1024, 3008], initSec: [0.4, 0.2] },
 * });
 * assert.ok(Math.abs(initSecAt(profile, 2016)! - 0.3) < 1e-15);
 * assert.equal(initSecAt(profile, 4096), 0.2);
 * ```
 */
export function initSecAt(profile: ServiceProfile, memoryMb: number): number | undefined {
  const c = profile.coldStart;
  if (c === undefined) return undefined;
  if (typeof c.initSec === "number") return c.initSec;
  const { memoriesMb: m, initSec: v } = c as {
    memoriesMb: readonly number[];
    initSec: readonly number[];
  };
  if (memoryMb <= m[0]) return v[0];
  for (let i = 1; i < m.length; i++) {
    if (memoryMb <= m[i]) {
      return v[i - 1] + ((v[i] - v[i - 1]) * (memoryMb - m[i - 1])) / (m[i] - m[i - 1]);
    }
  }
  return v[v.length - 1];
}

/**
 * A service time that is a polynomial in batch size k and memory m (MB):
 * S(k, m) = sum over i of `coefficients[i]` times `terms[i]`.
 *
 * A term is `"1"` or factors joined by `"*"`, each factor `k` or `m` with an
 * optional integer power `^n` (n = 1..16), for example `"k^2*m^2"`.
 */
export interface PolynomialProfile extends ServiceProfileBase {
  /** Always `"polynomial"`. */
  readonly kind: "polynomial";
  /** Term of each coefficient, in summation order. */
  readonly terms: readonly string[];
  /** Coefficient of each term, in seconds per unit of the term. */
  readonly coefficients: readonly number[];
}

/**
 * A service time given as measured points on a full grid of memories x batch
 * sizes, interpolated bilinearly in (batch, memory).
 *
 * The declared ranges are the extent of the grid.
 */
export interface TableProfile extends ServiceProfileBase {
  /** Always `"table"`. */
  readonly kind: "table";
  /** Distinct memories of the grid in MB, ascending. */
  readonly memoriesMb: readonly number[];
  /** Distinct batch sizes of the grid, ascending. */
  readonly batches: readonly number[];
  /**
   * Service times in seconds, row-major by memory: `valuesSec[i * batches.length + j]`
   * is S(`batches[j]`, `memoriesMb[i]`).
   */
  readonly valuesSec: readonly number[];
}

/** A batch service-time profile S(k, m): a polynomial or a table. */
export type ServiceProfile = PolynomialProfile | TableProfile;

/** Options of {@linkcode serviceTimeSec} and {@linkcode serviceTimesSec}. */
export interface ServiceTimeOptions {
  /**
   * Evaluate outside the profile's declared memory and batch ranges instead of
   * throwing. Polynomials are evaluated as they are (they may turn negative far
   * out); tables extrapolate linearly from their edge cells, and are constant
   * along an axis that has a single value.
   *
   * @default {false}
   */
  readonly extrapolate?: boolean;
}

/** What {@linkcode ProfileRangeError} reports. */
export interface ProfileRangeErrorOptions {
  /** Name of the profile. */
  readonly profileName: string;
  /** Which argument was out of range. */
  readonly quantity: "memory" | "batch";
  /** The out-of-range value (MB for memory). */
  readonly value: number;
  /** The declared range `[lo, hi]` of that quantity. */
  readonly range: readonly [number, number];
}

/**
 * Thrown when a profile is evaluated outside its declared memory or batch range
 * without `extrapolate`.
 *
 * @example
 * ```ts
 * import { ok } from "node:assert/strict";
 *
 * try {
 *   serviceTimeSec(publishedProfile("TF-resnetV2"), 1, 4096);
 * } catch (error) {
 *   ok(error instanceof ProfileRangeError && error.quantity === "memory");
 * }
 * ```
 */
export class ProfileRangeError extends RangeError {
  /** Name of the profile. */
  readonly profileName: string;
  /** Which argument was out of range. */
  readonly quantity: "memory" | "batch";
  /** The out-of-range value (MB for memory). */
  readonly value: number;
  /** The declared range `[lo, hi]` of that quantity. */
  readonly range: readonly [number, number];

  /**
   * Builds the error and its message from what was out of range.
   *
   * @param options The profile, the quantity, its value and its declared range.
   */
  constructor(options: ProfileRangeErrorOptions) {
    const { profileName, quantity, value, range } = options;
    const at = quantity === "memory" ? `memory ${value} MB` : `batch ${value}`;
    const on = quantity === "memory"
      ? `${range[0]}..${range[1]} MB`
      : `batch ${range[0]}..${range[1]}`;
    super(
      `Cannot evaluate profile '${profileName}' at ${at}: it was fitted on ${on} ` +
        "(pass extrapolate to allow it)",
    );
    this.name = "ProfileRangeError";
    this.profileName = profileName;
    this.quantity = quantity;
    this.value = value;
    this.range = range;
  }
}

/** Names of the profiles published with the BATCH paper. */
export const PUBLISHED_PROFILE_NAMES = ["TF-inceptionV4", "TF-resnetV2", "mxnet-resnet50"] as const;

/** Name of a profile published with the BATCH paper. */
export type PublishedProfileName = typeof PUBLISHED_PROFILE_NAMES[number];

const _PUBLISHED = new Map<string, PolynomialProfile>(
  PUBLISHED_PROFILE_NAMES.map((name) => {
    const data = PUBLISHED_PROFILE_DATA[name];
    const profile: PolynomialProfile = Object.freeze({
      name,
      kind: "polynomial",
      memoryRangeMb: PUBLISHED_MEMORY_RANGE_MB,
      batchRange: PUBLISHED_BATCH_RANGE,
      terms: data.terms,
      coefficients: data.coefficients,
    });
    return [name, profile];
  }),
);

/**
 * Returns a service-time polynomial published with the BATCH paper, fitted on
 * memory 1280..3008 MB and batch size 1..20.
 *
 * The same frozen object is returned on every call.
 *
 * @param name One of {@linkcode PUBLISHED_PROFILE_NAMES}.
 * @returns The published profile.
 * @throws {RangeError} If `name` is not a published profile.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 *
 * const profile = publishedProfile("TF-inceptionV4");
 * strictEqual(profile.terms.length, 10);
 * strictEqual(profile.memoryRangeMb[1], 3008);
 * ```
 */
export function publishedProfile(name: string): PolynomialProfile {
  const profile = _PUBLISHED.get(name);
  if (profile === undefined) {
    const known = PUBLISHED_PROFILE_NAMES.map((n) => `'${n}'`).join(", ");
    throw new RangeError(
      `Cannot find published profile '${name}': expected one of ${known}`,
    );
  }
  return profile;
}

/**
 * Batch service time S(k, m) in seconds of `profile` for batch size `batch` at
 * memory `memoryMb`.
 *
 * @param profile The service-time profile.
 * @param batch Batch size k, a positive integer.
 * @param memoryMb Lambda memory m in MB, a positive number.
 * @param options Whether to allow extrapolation.
 * @returns S(batch, memoryMb) in seconds.
 * @throws {RangeError} If `batch` is not a positive integer or `memoryMb` is not
 * a positive finite number.
 * @throws {ProfileRangeError} If `batch` or `memoryMb` lies outside the profile's
 * declared range and `options.extrapolate` is not set.
 * @throws {SyntaxError} If a term of a polynomial profile is malformed.
 *
 * @example
 * ```ts
 * import { ok } from "node:assert/strict";
 *
 * const sec = serviceTimeSec(publishedProfile("TF-resnetV2"), 4, 2048);
 * ok(sec > 0);
 * ```
 */
export function serviceTimeSec(
  profile: ServiceProfile,
  batch: number,
  memoryMb: number,
  options: ServiceTimeOptions = {},
): number {
  _checkBatchArgument(profile, "batch", batch);
  _checkMemoryArgument(profile, memoryMb);
  if (!options.extrapolate) {
    _checkInRange(profile, "memory", memoryMb);
    _checkInRange(profile, "batch", batch);
  }
  const compiled = _compiled(profile);
  if (compiled.kind === "polynomial") {
    _setMemory(compiled, memoryMb);
    return _polynomialAt(compiled, batch);
  }
  const memoryCell = _cell(compiled.memoriesMb, memoryMb);
  const memoryWeight = _weight(compiled.memoriesMb, memoryCell, memoryMb);
  return _tableAt(compiled, batch, memoryCell, memoryWeight);
}

/**
 * Service times S(1), ..., S(`maxBatch`) in seconds of `profile` at memory
 * `memoryMb`: index k - 1 holds S(k).
 *
 * Meant for grid searches: the range check is done once, and the only
 * allocation is the returned array.
 *
 * @param profile The service-time profile.
 * @param maxBatch Largest batch size B, a positive integer.
 * @param memoryMb Lambda memory m in MB, a positive number.
 * @param options Whether to allow extrapolation.
 * @returns A `Float64Array` of length `maxBatch`.
 * @throws {RangeError} If `maxBatch` is not a positive integer or `memoryMb` is
 * not a positive finite number.
 * @throws {ProfileRangeError} If batch 1, `maxBatch` or `memoryMb` lies outside
 * the profile's declared range and `options.extrapolate` is not set.
 * @throws {SyntaxError} If a term of a polynomial profile is malformed.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 *
 * const profile = publishedProfile("mxnet-resnet50");
 * const times = serviceTimesSec(profile, 20, 1792);
 * strictEqual(times.length, 20);
 * strictEqual(times[4], serviceTimeSec(profile, 5, 1792));
 * ```
 */
export function serviceTimesSec(
  profile: ServiceProfile,
  maxBatch: number,
  memoryMb: number,
  options: ServiceTimeOptions = {},
): Float64Array {
  _checkBatchArgument(profile, "maxBatch", maxBatch);
  _checkMemoryArgument(profile, memoryMb);
  if (!options.extrapolate) {
    _checkInRange(profile, "memory", memoryMb);
    _checkInRange(profile, "batch", 1);
    _checkInRange(profile, "batch", maxBatch);
  }
  const compiled = _compiled(profile);
  const out = new Float64Array(maxBatch);
  if (compiled.kind === "polynomial") {
    _setMemory(compiled, memoryMb);
    for (let k = 1; k <= maxBatch; k++) out[k - 1] = _polynomialAt(compiled, k);
  } else {
    const memoryCell = _cell(compiled.memoriesMb, memoryMb);
    const memoryWeight = _weight(compiled.memoriesMb, memoryCell, memoryMb);
    for (let k = 1; k <= maxBatch; k++) {
      out[k - 1] = _tableAt(compiled, k, memoryCell, memoryWeight);
    }
  }
  return out;
}

/** Options of {@linkcode profileFromJson}. */
export interface ProfileFromJsonOptions {
  /**
   * Where the value came from (a file path), named in error messages.
   *
   * @default {undefined} (messages say "from JSON")
   */
  readonly source?: string;
}

/**
 * Builds a service-time profile from a parsed JSON value, validating every field.
 *
 * Two shapes are accepted (an optional `"kind"` field must agree with the shape):
 *
 * - polynomial: `{"name", "terms": ["1", "k", "m", "k^2", ...], "coefficients":
 *   [...], "memoryRangeMb": [lo, hi], "batchRange": [lo, hi]}`, one coefficient
 *   per term; the output of `JSON.stringify` on a polynomial profile round-trips;
 * - table: `{"name", "points": [{"memoryMb", "batch", "sec"}, ...]}`, the points
 *   forming a full grid over their distinct memories x distinct batch sizes; the
 *   declared ranges are the grid's extent.
 *
 * Other fields are ignored, so a document may carry more than the profile: a
 * profile fitted by `deno task profile` (see `fitProfile` in `profile_fit.ts`)
 * keeps its fit's errors under `"fit"` and what was measured under
 * `"measurements"`.
 *
 * @param value The parsed JSON value.
 * @param options Where the value came from, for messages.
 * @returns A frozen profile.
 * @throws {TypeError} If a field is missing or has the wrong type.
 * @throws {RangeError} If a field has a value out of its range (a non-positive
 * time, a batch size that is not a positive integer, `lo > hi`), if terms and
 * coefficients differ in length, or if table points repeat or miss a grid point.
 * @throws {SyntaxError} If a polynomial term is malformed.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 *
 * const profile = profileFromJson({
 *   name: "linear",
 *   terms: ["1", "k"],
 *   coefficients: [0.1, 0.05],
 *   memoryRangeMb: [1024, 3008],
 *   batchRange: [1, 10],
 * });
 * strictEqual(serviceTimeSec(profile, 2, 2048), 0.1 + 0.05 * 2);
 *
 * const table = profileFromJson({
 *   name: "measured",
 *   points: [
 *     { memoryMb: 1024, batch: 1, sec: 1 },
 *     { memoryMb: 1024, batch: 3, sec: 2 },
 *   ],
 * });
 * strictEqual(serviceTimeSec(table, 2, 1024), 1.5);
 * ```
 */
export function profileFromJson(
  value: unknown,
  options: ProfileFromJsonOptions = {},
): ServiceProfile {
  const from = options.source === undefined ? "JSON" : `'${options.source}'`;
  const prefix = `Cannot load service profile from ${from} as`;
  if (!_isRecord(value)) {
    throw new TypeError(`${prefix} the value must be an object: found ${_describe(value)}`);
  }
  const fail: _Fail = (ErrorClass, path, expected, found) => {
    throw new ErrorClass(`${prefix} '${path}' must be ${expected}: found ${_describe(found)}`);
  };

  const name = value.name;
  if (typeof name !== "string" || name.length === 0) {
    fail(TypeError, "name", "a non-empty string", name);
  }
  let kind = value.kind;
  if (kind === undefined) {
    const hasPoints = value.points !== undefined;
    const hasTerms = value.terms !== undefined || value.coefficients !== undefined;
    if (hasPoints === hasTerms) {
      throw new TypeError(
        `${prefix} it must have either 'terms' and 'coefficients' (a polynomial) or ` +
          `'points' (a table): found ${hasPoints ? "both" : "neither"}`,
      );
    }
    kind = hasPoints ? "table" : "polynomial";
  } else if (kind !== "polynomial" && kind !== "table") {
    fail(TypeError, "kind", "'polynomial' or 'table'", kind);
  }
  let profile: ServiceProfile = kind === "polynomial"
    ? _polynomialFromJson(name, value, fail)
    : _tableFromJson(name, value, fail, prefix);
  if (value.variability !== undefined) {
    profile = Object.freeze({
      ...profile,
      variability: _variabilityFromJson(value.variability, fail),
    }) as ServiceProfile;
  }
  if (value.coldStart !== undefined) {
    profile = Object.freeze({
      ...profile,
      coldStart: _coldStartFromJson(value.coldStart, fail),
    }) as ServiceProfile;
  }
  _compiled(profile); // compile now, not on the first call of a hot loop
  return profile;
}

// ---------------------------------------------------------------------------
// JSON validation

type _Fail = (
  ErrorClass: new (message: string) => Error,
  path: string,
  expected: string,
  found: unknown,
) => never;

function _isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function _describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) {
    const n = value.length;
    if (n <= 4 && value.every((v) => typeof v === "number")) return `[${value.join(", ")}]`;
    return `an array of length ${n}`;
  }
  if (typeof value === "object" && value !== null) return "an object";
  if (typeof value === "string") return JSON.stringify(value);
  return String(value);
}

function _polynomialFromJson(
  name: string,
  value: Record<string, unknown>,
  fail: _Fail,
): PolynomialProfile {
  const { terms, coefficients } = value;
  if (!Array.isArray(terms)) return fail(TypeError, "terms", "an array of strings", terms);
  if (terms.length === 0) fail(RangeError, "terms", "a non-empty array", terms);
  for (const [i, term] of terms.entries()) {
    if (typeof term !== "string") fail(TypeError, `terms[${i}]`, "a string", term);
    if (_parseTerm(term) === undefined) fail(SyntaxError, `terms[${i}]`, _TERM_EXPECTED, term);
  }
  if (!Array.isArray(coefficients)) {
    return fail(TypeError, "coefficients", "an array of numbers", coefficients);
  }
  if (coefficients.length !== terms.length) {
    const expected = `an array with one number per term (${terms.length})`;
    fail(RangeError, "coefficients", expected, coefficients);
  }
  for (const [i, c] of coefficients.entries()) {
    if (typeof c !== "number") fail(TypeError, `coefficients[${i}]`, "a number", c);
    if (!Number.isFinite(c)) fail(RangeError, `coefficients[${i}]`, "a finite number", c);
  }
  return Object.freeze({
    name,
    kind: "polynomial",
    memoryRangeMb: _rangeFromJson(value.memoryRangeMb, "memoryRangeMb", false, fail),
    batchRange: _rangeFromJson(value.batchRange, "batchRange", true, fail),
    terms: Object.freeze(terms.slice()),
    coefficients: Object.freeze(coefficients.slice()),
  });
}

function _coldStartFromJson(value: unknown, fail: _Fail): ColdStartProfile {
  const at = "coldStart";
  if (!_isRecord(value)) return fail(TypeError, at, "an object", value);
  const init = value.initSec;
  const seconds = (x: unknown, path: string) => {
    if (typeof x !== "number" || !(x >= 0 && Number.isFinite(x))) {
      fail(RangeError, path, "a finite number of seconds >= 0", x);
    }
  };
  if (value.memoriesMb === undefined) {
    seconds(init, `${at}.initSec`);
    return Object.freeze({ initSec: init as number });
  }
  const m = value.memoriesMb;
  if (!Array.isArray(m) || m.length === 0) {
    return fail(TypeError, `${at}.memoriesMb`, "a non-empty array of memories (MB)", m);
  }
  m.forEach((x, i) => {
    if (typeof x !== "number" || !(x > 0) || (i > 0 && !(x > m[i - 1]))) {
      fail(RangeError, `${at}.memoriesMb`, "ascending memories > 0 (MB)", m);
    }
  });
  if (!Array.isArray(init) || init.length !== m.length) {
    return fail(RangeError, `${at}.initSec`, `one number per memory (${m.length})`, init);
  }
  init.forEach((x, i) => seconds(x, `${at}.initSec[${i}]`));
  return Object.freeze({
    memoriesMb: Object.freeze(m.slice() as number[]),
    initSec: Object.freeze(init.slice() as number[]),
  });
}

const _DISTRIBUTIONS = ["gamma", "lognormal", "empirical"];

function _variabilityFromJson(value: unknown, fail: _Fail): ServiceVariability {
  const at = "variability";
  if (!_isRecord(value)) return fail(TypeError, at, "an object", value);
  const d = value.distribution;
  if (typeof d !== "string" || !_DISTRIBUTIONS.includes(d)) {
    return fail(TypeError, `${at}.distribution`, "'gamma', 'lognormal' or 'empirical'", d);
  }
  const positiveIntegers = (x: unknown, path: string): number[] => {
    if (!Array.isArray(x) || x.length === 0) return fail(TypeError, path, "a non-empty array", x);
    x.forEach((b, i) => {
      if (!Number.isInteger(b) || b < 1) fail(RangeError, `${path}[${i}]`, "a positive integer", b);
      if (i > 0 && !(b > x[i - 1])) fail(RangeError, path, "ascending batch sizes", x);
    });
    return x.slice();
  };
  if (d === "empirical") {
    const batches = positiveIntegers(value.batches, `${at}.batches`);
    const ratios = value.ratios;
    if (!Array.isArray(ratios) || ratios.length !== batches.length) {
      const expected = `an array with one array of ratios per batch size (${batches.length})`;
      return fail(TypeError, `${at}.ratios`, expected, ratios);
    }
    const rows = ratios.map((row, i) => {
      if (!Array.isArray(row) || row.length === 0) {
        return fail(TypeError, `${at}.ratios[${i}]`, "a non-empty array of numbers", row);
      }
      row.forEach((r, j) => {
        if (typeof r !== "number" || !(r > 0 && Number.isFinite(r))) {
          fail(RangeError, `${at}.ratios[${i}][${j}]`, "a positive number", r);
        }
      });
      return Object.freeze(row.slice() as number[]);
    });
    return Object.freeze({
      distribution: "empirical",
      batches: Object.freeze(batches),
      ratios: Object.freeze(rows),
    });
  }
  const cv = value.cv;
  const cvNumber = (x: unknown, path: string) => {
    if (typeof x !== "number" || !(x >= 0 && Number.isFinite(x))) {
      fail(RangeError, path, "a finite number >= 0", x);
    }
  };
  const distribution = d as "gamma" | "lognormal";
  if (typeof cv === "number") {
    cvNumber(cv, `${at}.cv`);
    return Object.freeze({ distribution, cv });
  }
  if (!_isRecord(cv)) {
    return fail(TypeError, `${at}.cv`, "a number, {batches, cvs} or {terms, coefficients}", cv);
  }
  if (cv.batches !== undefined || cv.cvs !== undefined) {
    const batches = positiveIntegers(cv.batches, `${at}.cv.batches`);
    const cvs = cv.cvs;
    if (!Array.isArray(cvs) || cvs.length !== batches.length) {
      return fail(RangeError, `${at}.cv.cvs`, `one number per batch size (${batches.length})`, cvs);
    }
    cvs.forEach((c, i) => cvNumber(c, `${at}.cv.cvs[${i}]`));
    return Object.freeze({
      distribution,
      cv: Object.freeze({ batches: Object.freeze(batches), cvs: Object.freeze(cvs.slice()) }),
    });
  }
  const poly = _polynomialFromJson("cv", {
    terms: cv.terms,
    coefficients: cv.coefficients,
    memoryRangeMb: [1, 1],
    batchRange: [1, 1],
  }, (E, path, expected, found) => fail(E, `${at}.cv.${path}`, expected, found));
  return Object.freeze({
    distribution,
    cv: Object.freeze({ terms: poly.terms, coefficients: poly.coefficients }),
  });
}

function _rangeFromJson(
  value: unknown,
  path: string,
  integer: boolean,
  fail: _Fail,
): readonly [number, number] {
  if (!Array.isArray(value) || value.length !== 2) {
    return fail(TypeError, path, "a pair [lo, hi] of numbers", value);
  }
  const [lo, hi] = value;
  if (typeof lo !== "number" || typeof hi !== "number") {
    return fail(TypeError, path, "a pair [lo, hi] of numbers", value);
  }
  if (integer) {
    if (!(Number.isInteger(lo) && Number.isInteger(hi) && lo >= 1 && lo <= hi)) {
      fail(RangeError, path, "a pair of integers with 1 <= lo <= hi", value);
    }
  } else if (!(lo > 0 && lo <= hi && Number.isFinite(hi))) {
    fail(RangeError, path, "a pair of finite numbers with 0 < lo <= hi", value);
  }
  return Object.freeze([lo, hi] as const);
}

function _tableFromJson(
  name: string,
  value: Record<string, unknown>,
  fail: _Fail,
  prefix: string,
): TableProfile {
  const { points } = value;
  if (!Array.isArray(points)) return fail(TypeError, "points", "an array of objects", points);
  if (points.length === 0) fail(RangeError, "points", "a non-empty array", points);

  // memory -> batch -> index i of the point; its time is secs[i]
  const grid = new Map<number, Map<number, number>>();
  const batchSet = new Set<number>();
  const secs: number[] = [];
  for (const [i, point] of points.entries()) {
    const path = `points[${i}]`;
    if (!_isRecord(point)) return fail(TypeError, path, "an object", point);
    const { memoryMb, batch, sec } = point;
    if (typeof memoryMb !== "number") fail(TypeError, `${path}.memoryMb`, "a number", memoryMb);
    if (!(memoryMb > 0 && Number.isFinite(memoryMb))) {
      fail(RangeError, `${path}.memoryMb`, "a finite number > 0", memoryMb);
    }
    if (typeof batch !== "number") fail(TypeError, `${path}.batch`, "a number", batch);
    if (!(Number.isInteger(batch) && batch >= 1)) {
      fail(RangeError, `${path}.batch`, "a positive integer", batch);
    }
    if (typeof sec !== "number") fail(TypeError, `${path}.sec`, "a number", sec);
    if (!(sec > 0 && Number.isFinite(sec))) {
      fail(RangeError, `${path}.sec`, "a finite number > 0", sec);
    }
    let row = grid.get(memoryMb);
    if (row === undefined) grid.set(memoryMb, row = new Map());
    const previous = row.get(batch);
    if (previous !== undefined) {
      throw new RangeError(
        `${prefix} '${path}' repeats 'points[${previous}]' at memory ${memoryMb} MB, ` +
          `batch ${batch}: each (memoryMb, batch) pair must appear once`,
      );
    }
    row.set(batch, i);
    batchSet.add(batch);
    secs.push(sec);
  }

  const memoriesMb = [...grid.keys()].sort((a, b) => a - b);
  const batches = [...batchSet].sort((a, b) => a - b);
  const valuesSec: number[] = [];
  for (const memory of memoriesMb) {
    const row = grid.get(memory)!;
    for (const batch of batches) {
      const index = row.get(batch);
      if (index === undefined) {
        throw new RangeError(
          `${prefix} 'points' must form a full grid over ${memoriesMb.length} memories x ` +
            `${batches.length} batch sizes: found no point at memory ${memory} MB, batch ${batch}`,
        );
      }
      valuesSec.push(secs[index]);
    }
  }
  return Object.freeze({
    name,
    kind: "table",
    memoryRangeMb: Object.freeze([memoriesMb[0], memoriesMb[memoriesMb.length - 1]] as const),
    batchRange: Object.freeze([batches[0], batches[batches.length - 1]] as const),
    memoriesMb: Object.freeze(memoriesMb),
    batches: Object.freeze(batches),
    valuesSec: Object.freeze(valuesSec),
  });
}

// ---------------------------------------------------------------------------
// Terms

const _MAX_EXPONENT = 16;
const _TERM_EXPECTED = `'1' or factors k, m, k^n, m^n (n = 1..${_MAX_EXPONENT}) joined by '*'`;
const _FACTOR = /^([km])(?:\^([0-9]+))?$/;

interface _Factor {
  readonly isK: boolean;
  readonly exponent: number;
}

/** Parses a term into its factors in written order; `undefined` if malformed. */
function _parseTerm(term: string): _Factor[] | undefined {
  if (term.trim() === "1") return [];
  const factors: _Factor[] = [];
  for (const part of term.split("*")) {
    const match = _FACTOR.exec(part.trim());
    if (match === null) return undefined;
    const exponent = match[2] === undefined ? 1 : Number(match[2]);
    if (!(exponent >= 1 && exponent <= _MAX_EXPONENT)) return undefined;
    factors.push({ isK: match[1] === "k", exponent });
  }
  return factors;
}

// ---------------------------------------------------------------------------
// Evaluation

/**
 * A polynomial flattened for evaluation. Term t has factors
 * `factorStart[t] .. factorStart[t + 1] - 1`; its first `leadingM[t]` factors
 * are powers of m, folded into `head[t]` once per memory.
 */
interface _CompiledPolynomial {
  readonly kind: "polynomial";
  readonly coefficients: Float64Array;
  readonly factorStart: Int32Array;
  readonly factorIsK: Uint8Array;
  readonly factorExponent: Uint8Array;
  readonly leadingM: Int32Array;
  // scratch, overwritten on every evaluation
  readonly head: Float64Array;
  readonly kPow: Float64Array;
  readonly mPow: Float64Array;
}

interface _CompiledTable {
  readonly kind: "table";
  readonly memoriesMb: Float64Array;
  readonly batches: Float64Array;
  readonly valuesSec: Float64Array;
}

const _cache = new WeakMap<ServiceProfile, _CompiledPolynomial | _CompiledTable>();

function _compiled(profile: ServiceProfile): _CompiledPolynomial | _CompiledTable {
  let compiled = _cache.get(profile);
  if (compiled === undefined) {
    compiled = profile.kind === "polynomial" ? _compilePolynomial(profile) : _compileTable(profile);
    _cache.set(profile, compiled);
  }
  return compiled;
}

function _compilePolynomial(profile: PolynomialProfile): _CompiledPolynomial {
  const { terms, coefficients } = profile;
  if (terms.length !== coefficients.length) {
    throw new RangeError(
      `Cannot evaluate profile '${profile.name}' as 'coefficients' must have one entry ` +
        `per term (${terms.length}): current length is ${coefficients.length}`,
    );
  }
  const parsed = terms.map((term, i) => {
    const factors = _parseTerm(term);
    if (factors === undefined) {
      throw new SyntaxError(
        `Cannot evaluate profile '${profile.name}' as 'terms[${i}]' must be ` +
          `${_TERM_EXPECTED}: found ${JSON.stringify(term)}`,
      );
    }
    return factors;
  });
  const n = terms.length;
  const factorStart = new Int32Array(n + 1);
  const leadingM = new Int32Array(n);
  const all = parsed.flat();
  let maxK = 0, maxM = 0;
  for (let t = 0; t < n; t++) {
    factorStart[t + 1] = factorStart[t] + parsed[t].length;
    let lead = 0;
    while (lead < parsed[t].length && !parsed[t][lead].isK) lead++;
    leadingM[t] = lead;
  }
  for (const f of all) {
    if (f.isK) maxK = Math.max(maxK, f.exponent);
    else maxM = Math.max(maxM, f.exponent);
  }
  return {
    kind: "polynomial",
    coefficients: Float64Array.from(coefficients),
    factorStart,
    factorIsK: Uint8Array.from(all, (f) => (f.isK ? 1 : 0)),
    factorExponent: Uint8Array.from(all, (f) => f.exponent),
    leadingM,
    head: new Float64Array(n),
    kPow: new Float64Array(maxK + 1),
    mPow: new Float64Array(maxM + 1),
  };
}

function _compileTable(profile: TableProfile): _CompiledTable {
  const { memoriesMb, batches, valuesSec } = profile;
  if (
    memoriesMb.length === 0 || batches.length === 0 ||
    valuesSec.length !== memoriesMb.length * batches.length
  ) {
    throw new RangeError(
      `Cannot evaluate profile '${profile.name}' as 'valuesSec' must have ` +
        `memoriesMb.length x batches.length = ${memoriesMb.length * batches.length} ` +
        `entries (at least 1): current length is ${valuesSec.length}`,
    );
  }
  return {
    kind: "table",
    memoriesMb: Float64Array.from(memoriesMb),
    batches: Float64Array.from(batches),
    valuesSec: Float64Array.from(valuesSec),
  };
}

/**
 * Powers of m (by repeated multiplication: exact for integer-valued m while
 * m^n < 2^53, like Python's `m**n`), and each term's coefficient times its
 * leading m factors, in written order.
 */
function _setMemory(c: _CompiledPolynomial, memoryMb: number): void {
  const { mPow, head, coefficients, factorStart, factorExponent, leadingM } = c;
  mPow[0] = 1;
  for (let e = 1; e < mPow.length; e++) mPow[e] = mPow[e - 1] * memoryMb;
  for (let t = 0; t < head.length; t++) {
    let h = coefficients[t];
    const end = factorStart[t] + leadingM[t];
    for (let f = factorStart[t]; f < end; f++) h *= mPow[factorExponent[f]];
    head[t] = h;
  }
}

/** S(k) at the memory last passed to `_setMemory`, summed left to right. */
function _polynomialAt(c: _CompiledPolynomial, k: number): number {
  const { kPow, mPow, head, factorStart, factorIsK, factorExponent, leadingM } = c;
  kPow[0] = 1;
  for (let e = 1; e < kPow.length; e++) kPow[e] = kPow[e - 1] * k;
  let sum = 0;
  for (let t = 0; t < head.length; t++) {
    let v = head[t];
    const end = factorStart[t + 1];
    for (let f = factorStart[t] + leadingM[t]; f < end; f++) {
      v *= factorIsK[f] === 1 ? kPow[factorExponent[f]] : mPow[factorExponent[f]];
    }
    sum = t === 0 ? v : sum + v;
  }
  return sum;
}

/**
 * Index i of the cell [axis[i], axis[i + 1]] used for x: the cell containing it,
 * or the edge cell when x is outside; 0 for a single-value axis.
 */
function _cell(axis: Float64Array, x: number): number {
  let lo = 0, hi = axis.length - 2;
  if (hi <= 0) return 0;
  // largest i in [0, n - 2] with axis[i] <= x (0 if none)
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (axis[mid] <= x) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Interpolation weight of x in cell i; 0 on a single-value axis. */
function _weight(axis: Float64Array, i: number, x: number): number {
  if (axis.length === 1) return 0;
  return (x - axis[i]) / (axis[i + 1] - axis[i]);
}

/**
 * Bilinear interpolation, along batch first then memory. The form
 * (1 - w) a + w b returns a and b exactly at w = 0 and w = 1, so grid points are
 * reproduced exactly.
 */
function _tableAt(
  c: _CompiledTable,
  batch: number,
  memoryCell: number,
  memoryWeight: number,
): number {
  const { batches, valuesSec } = c;
  const nB = batches.length;
  const j = _cell(batches, batch);
  const wb = _weight(batches, j, batch);
  const i0 = memoryCell * nB + j;
  const low = nB === 1 ? valuesSec[i0] : (1 - wb) * valuesSec[i0] + wb * valuesSec[i0 + 1];
  if (c.memoriesMb.length === 1) return low;
  const i1 = i0 + nB;
  const high = nB === 1 ? valuesSec[i1] : (1 - wb) * valuesSec[i1] + wb * valuesSec[i1 + 1];
  return (1 - memoryWeight) * low + memoryWeight * high;
}

// ---------------------------------------------------------------------------
// Argument checks

function _checkBatchArgument(profile: ServiceProfile, label: string, batch: number): void {
  if (!(Number.isInteger(batch) && batch >= 1)) {
    throw new RangeError(
      `Cannot evaluate profile '${profile.name}' as '${label}' must be a positive integer: ` +
        `current value is ${batch}`,
    );
  }
}

function _checkMemoryArgument(profile: ServiceProfile, memoryMb: number): void {
  if (!(memoryMb > 0 && Number.isFinite(memoryMb))) {
    throw new RangeError(
      `Cannot evaluate profile '${profile.name}' as 'memoryMb' must be a positive finite ` +
        `number: current value is ${memoryMb}`,
    );
  }
}

function _checkInRange(
  profile: ServiceProfile,
  quantity: "memory" | "batch",
  value: number,
): void {
  const range = quantity === "memory" ? profile.memoryRangeMb : profile.batchRange;
  if (value < range[0] || value > range[1]) {
    throw new ProfileRangeError({ profileName: profile.name, quantity, value, range });
  }
}

/**
 * Special functions for the service-time distributions: the log-gamma
 * function, the regularized incomplete gamma functions, the standard normal
 * CDF and quantile, and Gauss-Legendre rules.
 *
 * Methods (written here from the textbook descriptions):
 * - `logGamma`: Lanczos' approximation with g = 7 and nine coefficients
 *   (relative error about 1e-15), reflection below 1/2.
 * - `gammaP` / `gammaQ`: the series of P(a, x) for x < a + 1, else the
 *   continued fraction of Q(a, x) evaluated by the modified Lentz method
 *   (Press et al., Numerical Recipes, 3rd ed., section 6.2); each is computed
 *   directly where it is small, so tails keep their relative accuracy.
 * - `normalCdf`: `Q(1/2, z^2/2) / 2` (erfc through the incomplete gamma), full
 *   relative accuracy in both tails.
 * - `normalQuantile`: Newton's method on `normalCdf` from a rational start.
 * - `gaussLegendre`: nodes by Newton's method on the Legendre recurrence.
 *
 * @module
 */

const LANCZOS = [
  0.99999999999980993,
  676.5203681218851,
  -1259.1392167224028,
  771.32342877765313,
  -176.61502916214059,
  12.507343278686905,
  -0.13857109526572012,
  9.9843695780195716e-6,
  1.5056327351493116e-7,
];

/**
 * ln Γ(x) for x > 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.ok(Math.abs(logGamma(5) - Math.log(24)) < 1e-14);
 * assert.ok(Math.abs(logGamma(0.5) - 0.5 * Math.log(Math.PI)) < 1e-14);
 * ```
 */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

const EPS = 1e-16;
const TINY = 1e-300;

/** `x^a e^-x / Γ(a)`, the common factor of the series and the fraction. */
function gammaFactor(a: number, x: number): number {
  return Math.exp(a * Math.log(x) - x - logGamma(a));
}

function seriesP(a: number, x: number): number {
  let ap = a, del = 1 / a, sum = del;
  for (let n = 0; n < 100_000; n++) {
    ap += 1;
    del *= x / ap;
    sum += del;
    if (Math.abs(del) < Math.abs(sum) * EPS) break;
  }
  return sum * gammaFactor(a, x);
}

function fractionQ(a: number, x: number): number {
  let b = x + 1 - a, c = 1 / TINY, d = 1 / b, h = d;
  for (let i = 1; i < 100_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  return h * gammaFactor(a, x);
}

/**
 * The regularized lower incomplete gamma function P(a, x) = γ(a, x) / Γ(a),
 * for a > 0 and x >= 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * // P(1, x) = 1 - e^-x
 * assert.ok(Math.abs(gammaP(1, 0.3) - (1 - Math.exp(-0.3))) < 1e-15);
 * ```
 */
export function gammaP(a: number, x: number): number {
  if (!(x > 0)) return 0;
  if (x === Infinity) return 1;
  return x < a + 1 ? seriesP(a, x) : 1 - fractionQ(a, x);
}

/**
 * The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x),
 * accurate where it is small.
 */
export function gammaQ(a: number, x: number): number {
  if (!(x > 0)) return 1;
  if (x === Infinity) return 0;
  return x < a + 1 ? 1 - gammaP(a, x) : fractionQ(a, x);
}

/**
 * The standard normal CDF Φ(z), with full relative accuracy in both tails.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(normalCdf(0), 0.5);
 * assert.ok(Math.abs(normalCdf(1.959963984540054) - 0.975) < 1e-15);
 * ```
 */
export function normalCdf(z: number): number {
  if (z === 0) return 0.5;
  const q = 0.5 * gammaQ(0.5, 0.5 * z * z);
  return z < 0 ? q : 1 - q;
}

/** The standard normal density. */
export function normalDensity(z: number): number {
  return Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
}

/**
 * The standard normal quantile Φ^-1(p), 0 < p < 1, to about 1e-15 relative
 * (Newton's method on {@linkcode normalCdf}).
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return -Infinity;
    if (p === 1) return Infinity;
    throw new RangeError(`Cannot take the normal quantile of ${p}: it must be within 0..1`);
  }
  const lower = p < 0.5;
  const pt = lower ? p : 1 - p; // the tail probability, for accuracy
  // Start: the tail approximation t - (c0 + c1 t) / (1 + d1 t + d2 t^2) (Abramowitz & Stegun 26.2.23).
  const t = Math.sqrt(-2 * Math.log(pt));
  let z = t - (2.515517 + 0.802853 * t + 0.010328 * t * t) /
      (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t);
  // Newton on the tail: Φ(-z) = pt, from the side where it converges monotonically.
  for (let i = 0; i < 50; i++) {
    const f = normalCdf(-z) - pt;
    const step = f / normalDensity(z);
    z += step;
    if (Math.abs(step) <= 1e-15 * Math.max(1, Math.abs(z))) break;
  }
  return lower ? -z : z;
}

/** Nodes and weights of an n-point Gauss-Legendre rule on [-1, 1]. */
export interface GaussRule {
  readonly nodes: Float64Array;
  readonly weights: Float64Array;
}

const _rules = new Map<number, GaussRule>();

/**
 * The n-point Gauss-Legendre rule on [-1, 1] (exact for polynomials of degree
 * 2n - 1), computed once per n.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const { nodes, weights } = gaussLegendre(5);
 * const integral = nodes.reduce((s, x, i) => s + weights[i] * x ** 8, 0);
 * assert.ok(Math.abs(integral - 2 / 9) < 1e-15);
 * ```
 */
export function gaussLegendre(n: number): GaussRule {
  const cached = _rules.get(n);
  if (cached) return cached;
  const nodes = new Float64Array(n), weights = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let x = Math.cos(Math.PI * (i + 0.75) / (n + 0.5)), dp = 0;
    for (let iter = 0; iter < 100; iter++) {
      let p0 = 1, p1 = x;
      for (let j = 2; j <= n; j++) {
        const p2 = ((2 * j - 1) * x * p1 - (j - 1) * p0) / j;
        p0 = p1;
        p1 = p2;
      }
      if (n === 1) p0 = 1;
      dp = n * (x * p1 - p0) / (x * x - 1);
      const dx = p1 / dp;
      x -= dx;
      if (Math.abs(dx) < 1e-16) break;
    }
    nodes[n - 1 - i] = x;
    weights[n - 1 - i] = 2 / ((1 - x * x) * dp * dp);
  }
  const rule = { nodes, weights };
  _rules.set(n, rule);
  return rule;
}

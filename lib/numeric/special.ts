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

/**
 * `x^a e^-x / Γ(a)`, the common factor of the series and the fraction. For a
 * large shape its logarithm is the difference of terms of size a: written
 * as `-a (t - 1 - ln t) + ln(a) / 2 - ln(2 pi) / 2 - e(a)` with t = x / a
 * and e(a) Stirling's remainder, and `t - 1 - ln t` by its series near t = 1,
 * so that the factor keeps its relative accuracy when a is 1e8 or more.
 */
function gammaFactor(a: number, x: number): number {
  if (a < 10) return Math.exp(a * Math.log(x) - x - logGamma(a));
  const u = x / a - 1;
  let dev: number; // t - 1 - ln t = u - ln(1 + u)
  if (Math.abs(u) < 0.1) {
    // u^2/2 - u^3/3 + u^4/4 - ...
    let term = u * u, sum = 0;
    for (let j = 2; j < 40; j++) {
      const next = (j % 2 === 0 ? 1 : -1) * term / j;
      sum += next;
      if (Math.abs(next) < 1e-17 * sum) break;
      term *= u;
    }
    dev = sum;
  } else dev = u - Math.log1p(u);
  const a2 = a * a;
  const stirling = (1 / 12 - (1 / 360 - 1 / (1260 * a2)) / a2) / a;
  return Math.exp(-a * dev + 0.5 * Math.log(a / (2 * Math.PI)) - stirling);
}

function seriesP(a: number, x: number): number {
  // The terms fall like exp(-n^2 / 2a) near x = a: about 9 sqrt(a) of them (a = 1e12 at most).
  let ap = a, del = 1 / a, sum = del;
  for (let n = 0; n < 10_000_000; n++) {
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

/**
 * The n-point Gauss rule of a discrete measure (points `x` with weights
 * `w >= 0`): nodes and weights that integrate every polynomial of degree up
 * to 2n - 1 as the measure does. The recurrence of its orthogonal polynomials
 * comes from the discretized Stieltjes procedure on x mapped to [-1, 1], and
 * the rule from the eigenvalues and first eigenvector components of their
 * Jacobi matrix (Golub and Welsch, 1969), found by the QL method with implicit
 * shifts. A measure with fewer than n points of positive weight is returned
 * as it is.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * // 64 Gauss-Legendre points of [-1, 1] compressed to 3: Gauss-Legendre's 3.
 * const fine = gaussLegendre(64);
 * const rule = gaussRuleOfMeasure(fine.nodes, fine.weights, 3);
 * const want = gaussLegendre(3);
 * rule.nodes.forEach((x, i) => assert.ok(Math.abs(x - want.nodes[i]) < 1e-13));
 * rule.weights.forEach((w, i) => assert.ok(Math.abs(w - want.weights[i]) < 1e-13));
 * ```
 */
export function gaussRuleOfMeasure(
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  n: number,
): GaussRule {
  const pts: number[] = [], wts: number[] = [];
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < x.length; i++) {
    if (w[i] > 0) {
      pts.push(x[i]);
      wts.push(w[i]);
      lo = Math.min(lo, x[i]);
      hi = Math.max(hi, x[i]);
    }
  }
  if (pts.length <= n || hi === lo) {
    return { nodes: Float64Array.from(pts), weights: Float64Array.from(wts) };
  }
  const c = 0.5 * (lo + hi), h = 0.5 * (hi - lo);
  const t = pts.map((v) => (v - c) / h);
  const m = t.length;
  // Discretized Stieltjes: a_j, b_j of p_{j+1} = (t - a_j) p_j - b_j p_{j-1}.
  const a = new Float64Array(n), b = new Float64Array(n);
  let prev = new Float64Array(m), cur = new Float64Array(m).fill(1);
  let normPrev = 1, mass = 0;
  for (let i = 0; i < m; i++) mass += wts[i];
  for (let j = 0; j < n; j++) {
    let norm = 0, tn = 0;
    for (let i = 0; i < m; i++) {
      const p2 = wts[i] * cur[i] * cur[i];
      norm += p2;
      tn += p2 * t[i];
    }
    a[j] = tn / norm;
    b[j] = j === 0 ? mass : norm / normPrev;
    if (j === n - 1) break;
    const next = new Float64Array(m);
    for (let i = 0; i < m; i++) next[i] = (t[i] - a[j]) * cur[i] - (j > 0 ? b[j] : 0) * prev[i];
    prev = cur;
    cur = next;
    normPrev = norm;
  }
  // Jacobi matrix: diagonal a, off-diagonal sqrt(b_1 .. b_{n-1}).
  const d = Array.from(a), e = new Array<number>(n).fill(0);
  for (let j = 0; j < n - 1; j++) e[j] = Math.sqrt(b[j + 1]);
  const z: number[][] = Array.from({ length: n }, (_, i) => {
    const row = new Array<number>(n).fill(0);
    row[i] = 1;
    return row;
  });
  _tridiagonalQl(d, e, z);
  const order = d.map((_, i) => i).sort((i, j) => d[i] - d[j]);
  return {
    nodes: Float64Array.from(order, (i) => c + h * d[i]),
    weights: Float64Array.from(order, (i) => mass * z[0][i] * z[0][i]),
  };
}

/**
 * Eigenvalues (into `d`) and eigenvectors (columns of `z`) of the symmetric
 * tridiagonal matrix with diagonal `d` and off-diagonal `e[0..n-2]` (`e` is
 * destroyed): the QL method with implicit shifts.
 */
function _tridiagonalQl(d: number[], e: number[], z: number[][]): void {
  const n = d.length;
  for (let l = 0; l < n; l++) {
    for (let iter = 0; iter < 60; iter++) {
      let m = l;
      for (; m < n - 1; m++) {
        const dd = Math.abs(d[m]) + Math.abs(d[m + 1]);
        if (Math.abs(e[m]) <= 1e-17 * dd) break;
      }
      if (m === l) break;
      let g = (d[l + 1] - d[l]) / (2 * e[l]);
      let r = Math.sqrt(g * g + 1);
      g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r));
      let s = 1, c = 1, p = 0, i = m - 1;
      let underflow = false;
      for (; i >= l; i--) {
        const f = s * e[i], bb = c * e[i];
        r = Math.sqrt(f * f + g * g);
        e[i + 1] = r;
        if (r === 0) {
          d[i + 1] -= p;
          e[m] = 0;
          underflow = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1] - p;
        r = (d[i] - g) * s + 2 * c * bb;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - bb;
        for (let k = 0; k < n; k++) {
          const zf = z[k][i + 1];
          z[k][i + 1] = s * z[k][i] + c * zf;
          z[k][i] = c * z[k][i] - s * zf;
        }
      }
      if (underflow) continue;
      d[l] -= p;
      e[l] = g;
      e[m] = 0;
    }
  }
}

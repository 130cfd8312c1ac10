/**
 * Small dense linear algebra on `number[][]` (row-major, square or rectangular).
 *
 * The matrices of this project are small (a MAP has a handful of phases), so
 * clarity beats blocking here; hot loops elsewhere work on flat `Float64Array`s.
 *
 * @module
 */

/** A dense matrix as an array of rows. */
export type Matrix = number[][];

/** Returns an `n` x `n` identity matrix. */
export function identity(n: number): Matrix {
  return Array.from(
    { length: n },
    (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)),
  );
}

/** Returns a copy of `a`. */
export function copyMatrix(a: Matrix): Matrix {
  return a.map((row) => row.slice());
}

/** Matrix product `a b`. */
export function matMul(a: Matrix, b: Matrix): Matrix {
  const n = a.length, k = b.length, m = b[0]?.length ?? 0;
  const out: Matrix = Array.from({ length: n }, () => new Array<number>(m).fill(0));
  for (let i = 0; i < n; i++) {
    for (let l = 0; l < k; l++) {
      const ail = a[i][l];
      if (ail === 0) continue;
      const bl = b[l], oi = out[i];
      for (let j = 0; j < m; j++) oi[j] += ail * bl[j];
    }
  }
  return out;
}

/** Row vector times matrix, `v a`. */
export function vecMat(v: ArrayLike<number>, a: Matrix): number[] {
  const m = a[0]?.length ?? 0;
  const out = new Array<number>(m).fill(0);
  for (let i = 0; i < v.length; i++) {
    const vi = v[i];
    if (vi === 0) continue;
    const ai = a[i];
    for (let j = 0; j < m; j++) out[j] += vi * ai[j];
  }
  return out;
}

/** Matrix times column vector, `a v`. */
export function matVec(a: Matrix, v: ArrayLike<number>): number[] {
  return a.map((row) => {
    let s = 0;
    for (let j = 0; j < row.length; j++) s += row[j] * v[j];
    return s;
  });
}

/** Element-wise sum `a + b`. */
export function matAdd(a: Matrix, b: Matrix): Matrix {
  return a.map((row, i) => row.map((x, j) => x + b[i][j]));
}

/** Scales every entry of `a` by `s`. */
export function matScale(a: Matrix, s: number): Matrix {
  return a.map((row) => row.map((x) => x * s));
}

/** Row sums of `a` (the product `a 1`). */
export function rowSums(a: Matrix): number[] {
  return a.map((row) => row.reduce((s, x) => s + x, 0));
}

/**
 * Solves `x a = b` for the row vector `x` by LU decomposition with partial
 * pivoting of the transpose.
 *
 * @throws {RangeError} If `a` is singular to working precision.
 */
export function solveLeft(a: Matrix, b: ArrayLike<number>): number[] {
  const n = a.length;
  // x a = b  <=>  a^T x^T = b^T
  const at: Matrix = Array.from(
    { length: n },
    (_, i) => Array.from({ length: n }, (_, j) => a[j][i]),
  );
  return solveRight(at, b);
}

/**
 * Solves `a x = b` for the column vector `x` by Gaussian elimination with
 * partial pivoting.
 *
 * @throws {RangeError} If `a` is singular to working precision.
 */
export function solveRight(a: Matrix, b: ArrayLike<number>): number[] {
  const n = a.length;
  const m = copyMatrix(a);
  const x = Array.from(b);
  let scale = 0;
  for (const row of m) for (const v of row) scale = Math.max(scale, Math.abs(v));
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    if (!(Math.abs(m[p][c]) > scale * 1e-14)) {
      throw new RangeError(`Cannot solve the linear system: the matrix is singular at column ${c}`);
    }
    if (p !== c) {
      [m[p], m[c]] = [m[c], m[p]];
      [x[p], x[c]] = [x[c], x[p]];
    }
    const pivot = m[c][c];
    for (let r = c + 1; r < n; r++) {
      const f = m[r][c] / pivot;
      if (f === 0) continue;
      for (let k = c; k < n; k++) m[r][k] -= f * m[c][k];
      x[r] -= f * x[c];
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = x[r];
    for (let k = r + 1; k < n; k++) s -= m[r][k] * x[k];
    x[r] = s / m[r][r];
  }
  return x;
}

/** Inverse of a square matrix (for small matrices only). */
export function inverse(a: Matrix): Matrix {
  const n = a.length;
  const cols = Array.from(
    { length: n },
    (_, j) => solveRight(a, Array.from({ length: n }, (_, i) => (i === j ? 1 : 0))),
  );
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => cols[j][i]));
}

/**
 * Stationary distribution of a stochastic matrix `p` (rows sum to 1): the row
 * vector `x` with `x p = x` and `x 1 = 1`, by replacing one balance equation
 * with the normalisation.
 *
 * @throws {RangeError} If the chain has no unique stationary distribution.
 */
export function stationaryOfStochastic(p: Matrix): number[] {
  const n = p.length;
  // x (P - I) = 0 with the last column replaced by ones: x A = e_n
  const a: Matrix = p.map((row, i) => row.map((v, j) => (j === n - 1 ? 1 : v - (i === j ? 1 : 0))));
  const b = new Array<number>(n).fill(0);
  b[n - 1] = 1;
  return solveLeft(a, b);
}

/**
 * Stationary distribution of a generator `q` (rows sum to 0): `x q = 0`,
 * `x 1 = 1`.
 *
 * @throws {RangeError} If the chain has no unique stationary distribution.
 */
export function stationaryOfGenerator(q: Matrix): number[] {
  const n = q.length;
  const a: Matrix = q.map((row) => row.map((v, j) => (j === n - 1 ? 1 : v)));
  const b = new Array<number>(n).fill(0);
  b[n - 1] = 1;
  return solveLeft(a, b);
}

/**
 * Least-squares solution `x` of `min ||a x - b||_2` for a tall matrix `a`
 * (rows >= columns) of full column rank, by Householder QR (Golub and Van
 * Loan, "Matrix Computations", 4th ed., algorithms 5.1.1 and 5.3.2): `a` is
 * reduced to `R` by reflections applied to `b` as well, then `R x = Q^T b` is
 * solved by back substitution. Unlike the normal equations, the error grows
 * with the condition number of `a`, not its square.
 *
 * @param a The `n` x `p` design matrix, as rows, `n >= p >= 1`.
 * @param b The `n` right-hand sides.
 * @returns The `p` coefficients.
 * @throws {RangeError} If `a` has fewer rows than columns, `b` has not one
 *   value per row, or a column of `a` is a combination of the previous ones
 *   to working precision (its part orthogonal to them is below 1e-10 of its
 *   norm).
 *
 * @example A line through three points
 * ```ts
 * import assert from "node:assert/strict";
 *
 * // y = 1 + 2 x at x = 0, 1, 2
 * const x = leastSquares([[1, 0], [1, 1], [1, 2]], [1, 3, 5]);
 * assert.ok(Math.abs(x[0] - 1) < 1e-12 && Math.abs(x[1] - 2) < 1e-12);
 * ```
 */
export function leastSquares(a: Matrix, b: ArrayLike<number>): number[] {
  const n = a.length, p = a[0]?.length ?? 0;
  if (!(p >= 1 && n >= p)) {
    throw new RangeError(
      `Cannot solve the least-squares problem as the matrix must have at least as many rows ` +
        `as columns (>= 1): found ${n} x ${p}`,
    );
  }
  if (b.length !== n) {
    throw new RangeError(
      `Cannot solve the least-squares problem as 'b' must have one value per row (${n}): ` +
        `current length is ${b.length}`,
    );
  }
  const r = copyMatrix(a);
  const y = Array.from(b);
  for (let j = 0; j < p; j++) {
    let colNorm2 = 0;
    for (let i = 0; i < n; i++) colNorm2 += r[i][j] * r[i][j];
    let norm2 = 0;
    for (let i = j; i < n; i++) norm2 += r[i][j] * r[i][j];
    const norm = Math.sqrt(norm2);
    if (!(norm > 1e-10 * Math.sqrt(colNorm2))) {
      throw new RangeError(
        `Cannot solve the least-squares problem: column ${j} depends on the previous ones`,
      );
    }
    // The reflection I - 2 v v^T / (v^T v) maps column j below the diagonal to alpha e_j;
    // alpha takes the sign opposite to the pivot so that v[0] does not cancel.
    const alpha = r[j][j] > 0 ? -norm : norm;
    const v = new Array<number>(n - j);
    for (let i = j; i < n; i++) v[i - j] = r[i][j];
    v[0] -= alpha;
    let vNorm2 = 0;
    for (const vi of v) vNorm2 += vi * vi;
    for (let c = j + 1; c < p; c++) {
      let s = 0;
      for (let i = j; i < n; i++) s += v[i - j] * r[i][c];
      const f = (2 * s) / vNorm2;
      for (let i = j; i < n; i++) r[i][c] -= f * v[i - j];
    }
    let s = 0;
    for (let i = j; i < n; i++) s += v[i - j] * y[i];
    const f = (2 * s) / vNorm2;
    for (let i = j; i < n; i++) y[i] -= f * v[i - j];
    r[j][j] = alpha;
  }
  const x = new Array<number>(p);
  for (let j = p - 1; j >= 0; j--) {
    let s = y[j];
    for (let c = j + 1; c < p; c++) s -= r[j][c] * x[c];
    x[j] = s / r[j][j];
  }
  return x;
}

import assert from "node:assert/strict";
import {
  gammaP,
  gammaQ,
  gaussLegendre,
  logGamma,
  normalCdf,
  normalQuantile,
} from "../../lib/numeric/special.ts";

const close = (a: number, b: number, rel: number, what: string) =>
  assert.ok(Math.abs(a - b) <= rel * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

Deno.test("logGamma() equals ln((n-1)!) and the half-integer closed form", () => {
  let logFactorial = 0;
  for (let n = 1; n <= 30; n++) {
    close(logGamma(n), logFactorial, 1e-14, `n ${n}`);
    logFactorial += Math.log(n);
  }
  // Γ(n + 1/2) = (2n)! sqrt(pi) / (4^n n!)
  let lf2n = 0, lfn = 0;
  for (let n = 0; n <= 20; n++) {
    if (n > 0) {
      lf2n += Math.log(2 * n - 1) + Math.log(2 * n);
      lfn += Math.log(n);
    }
    const want = lf2n + 0.5 * Math.log(Math.PI) - n * Math.log(4) - lfn;
    assert.ok(Math.abs(logGamma(n + 0.5) - want) < 2e-14, `n + 1/2 = ${n + 0.5}`);
  }
});

Deno.test("gammaP() and gammaQ() against the Erlang closed form, in both tails", () => {
  // For integer a: Q(a, x) = e^-x sum_{j < a} x^j / j!
  const erlangQ = (a: number, x: number) => {
    let term = Math.exp(-x), sum = term;
    for (let j = 1; j < a; j++) {
      term *= x / j;
      sum += term;
    }
    return sum;
  };
  for (const a of [1, 2, 5, 20, 100]) {
    for (const x of [0.01, 0.5, 1, 3, 10, 50, 150, 300]) {
      const q = erlangQ(a, x);
      if (q > 1e-300) close(gammaQ(a, x), q, 1e-12, `Q(${a}, ${x})`);
      const p = 1 - q;
      // P is accurate where it is small too (it is computed directly there).
      if (x < a) {
        // P = e^-x sum_{j >= a} x^j / j!
        let term = Math.exp(-x), sum = 0;
        for (let j = 1; j <= a; j++) term *= x / j;
        for (let j = a; j < a + 400; j++) {
          sum += term;
          term *= x / (j + 1);
        }
        close(gammaP(a, x), sum, 1e-12, `P(${a}, ${x})`);
      } else assert.ok(Math.abs(gammaP(a, x) - p) < 1e-15);
    }
  }
});

Deno.test("normalCdf() and normalQuantile() against tabulated values and each other", () => {
  // Tabulated: Φ(-1.959963984540054) = 0.025, Φ(-8) = 6.220960574271785e-16 (both tails accurate).
  close(normalCdf(-1.959963984540054), 0.025, 1e-14, "Φ(-1.96)");
  close(normalCdf(-8), 6.220960574271785e-16, 1e-12, "Φ(-8)");
  close(1 - normalCdf(1), 0.15865525393145707, 1e-14, "1 - Φ(1)");
  close(normalQuantile(0.975), 1.959963984540054, 1e-14, "z(0.975)");
  for (const p of [1e-16, 1e-10, 1e-3, 0.2, 0.5 - 1e-9, 0.7, 0.999, 1 - 1e-12]) {
    const z = normalQuantile(p);
    const back = p < 0.5 ? normalCdf(z) : 1 - normalCdf(z);
    close(back, p < 0.5 ? p : 1 - p, 1e-12, `p ${p}`);
  }
});

Deno.test("gaussLegendre() integrates polynomials of degree 2n - 1 exactly", () => {
  for (const n of [1, 2, 5, 8, 12]) {
    const { nodes, weights } = gaussLegendre(n);
    close(weights.reduce((s, w) => s + w, 0), 2, 1e-14, `n ${n} weights`);
    for (let d = 0; d <= 2 * n - 1; d++) {
      const got = nodes.reduce((s, x, i) => s + weights[i] * x ** d, 0);
      const want = d % 2 === 1 ? 0 : 2 / (d + 1);
      assert.ok(Math.abs(got - want) < 1e-14, `n ${n}, degree ${d}: ${got}`);
    }
  }
});

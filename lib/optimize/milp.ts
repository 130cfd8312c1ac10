/**
 * Mixed-integer linear programs as plain data, and a solver for them backed by
 * GLPK (the npm package glpk.js, GLPK compiled to WebAssembly). The model
 * builders of `lib/optimize` produce a {@linkcode LinearModel}; whatever solves
 * it is injected as a {@linkcode MilpSolver}, so the builders can be tested
 * without GLPK and another solver can replace it.
 *
 * GLPK is loaded on the first call of {@linkcode glpkSolver} (once per
 * process), through glpk.js's node entry, which reads its `glpk.wasm` file:
 * it needs `--allow-read`.
 *
 * @module
 */

import type { GLPK, LP } from "glpk.js/node";

/** A term `coef * name` of a linear expression. */
export interface LinearTerm {
  /** The variable. */
  readonly name: string;
  /** Its coefficient, a finite number. */
  readonly coef: number;
}

/** A row `lo <= sum of terms <= hi` (a missing bound is infinite). */
export interface LinearConstraint {
  /** Name of the row, unique in the model. */
  readonly name: string;
  /** The linear expression. */
  readonly terms: readonly LinearTerm[];
  /** Lower bound. @default {-Infinity} */
  readonly lo?: number;
  /** Upper bound. @default {Infinity} */
  readonly hi?: number;
}

/** Bounds of a continuous variable; variables not listed lie in `[0, Infinity)`. */
export interface VariableBounds {
  /** The variable. */
  readonly name: string;
  /** Lower bound. @default {-Infinity} */
  readonly lo?: number;
  /** Upper bound. @default {Infinity} */
  readonly hi?: number;
}

/**
 * A mixed-integer linear program: minimize the objective subject to the
 * constraints, the binaries in {0, 1}, the other variables continuous in their
 * bounds (`[0, Infinity)` unless listed in `bounds`).
 */
export interface LinearModel {
  /** Name of the model. */
  readonly name: string;
  /** The objective, minimized. */
  readonly objective: readonly LinearTerm[];
  /** The rows. */
  readonly constraints: readonly LinearConstraint[];
  /** The variables restricted to {0, 1}. */
  readonly binaries: readonly string[];
  /** Bounds of continuous variables. @default {[]} */
  readonly bounds?: readonly VariableBounds[];
}

/** The size of a {@linkcode LinearModel}. */
export interface ModelSize {
  /** Distinct variables. */
  readonly variables: number;
  /** Rows. */
  readonly constraints: number;
  /** Binary variables. */
  readonly binaries: number;
  /** Nonzero coefficients of the rows. */
  readonly nonzeros: number;
}

/**
 * The size of a model: its distinct variables (in the objective, the rows,
 * the bounds and the binaries), rows, binaries and nonzeros.
 *
 * @param model The model.
 * @returns Variables, constraints, binaries and nonzeros.
 *
 * @example Usage
 * ```ts
 * import assert from "node:assert/strict";
 * import { modelSize } from "./milp.ts";
 *
 * const size = modelSize({
 *   name: "pick",
 *   objective: [{ name: "a", coef: 1 }, { name: "b", coef: 2 }],
 *   constraints: [{ name: "one", terms: [{ name: "a", coef: 1 }, { name: "b", coef: 1 }], lo: 1, hi: 1 }],
 *   binaries: ["a", "b"],
 * });
 * assert.deepEqual(size, { variables: 2, constraints: 1, binaries: 2, nonzeros: 2 });
 * ```
 */
export function modelSize(model: LinearModel): ModelSize {
  const names = new Set<string>();
  for (const t of model.objective) names.add(t.name);
  let nonzeros = 0;
  for (const row of model.constraints) {
    nonzeros += row.terms.length;
    for (const t of row.terms) names.add(t.name);
  }
  for (const b of model.bounds ?? []) names.add(b.name);
  for (const name of model.binaries) names.add(name);
  return {
    variables: names.size,
    constraints: model.constraints.length,
    binaries: new Set(model.binaries).size,
    nonzeros,
  };
}

/**
 * What a solver found: `optimal` (proven), `feasible` (an integer solution,
 * not proven optimal, e.g. at the time limit), `infeasible` (proven to have no
 * integer solution), `unbounded`, or `undefined` (no solution found).
 */
export type MilpStatus = "optimal" | "feasible" | "infeasible" | "unbounded" | "undefined";

/** A solver's answer. */
export interface MilpSolution {
  /** The status. */
  readonly status: MilpStatus;
  /** The objective value (meaningful when `optimal` or `feasible`). */
  readonly objective: number;
  /** Values of the variables by name (meaningful when `optimal` or `feasible`). */
  readonly values: Readonly<Record<string, number>>;
}

/** Options of a {@linkcode MilpSolver}. */
export interface MilpSolveOptions {
  /** Stop after this many seconds with the best solution found. @default {Infinity} */
  timeLimitSec?: number;
}

/** Solves a {@linkcode LinearModel} (minimization) to a {@linkcode MilpSolution}. */
export type MilpSolver = (model: LinearModel, options?: MilpSolveOptions) => MilpSolution;

/** A GLPK instance from glpk.js's node entry (`await GLPKFactory()` of `glpk.js/node`). */
export type GlpkInstance = GLPK;

let glpkInstance: Promise<GLPK> | undefined;

/**
 * A {@linkcode MilpSolver} backed by GLPK's branch and cut (`glp_intopt` with
 * its presolver, relative MIP gap 0, messages off).
 *
 * @param glpk A GLPK instance from glpk.js's node entry; by default one is
 *   created on the first call and shared by every later call.
 * @returns The solver.
 * @throws {RangeError} From the solver, if a coefficient or bound is NaN or a
 *   coefficient is infinite.
 *
 * @example Pick the cheaper of two items
 * ```ts
 * // Needs --allow-read (glpk.js reads its glpk.wasm).
 * import assert from "node:assert/strict";
 * import { glpkSolver } from "./milp.ts";
 *
 * const solve = await glpkSolver();
 * const solution = solve({
 *   name: "pick",
 *   objective: [{ name: "a", coef: 3 }, { name: "b", coef: 2 }],
 *   constraints: [{ name: "one", terms: [{ name: "a", coef: 1 }, { name: "b", coef: 1 }], lo: 1, hi: 1 }],
 *   binaries: ["a", "b"],
 * });
 * assert.equal(solution.status, "optimal");
 * assert.deepEqual(solution.values, { a: 0, b: 1 });
 * ```
 */
export async function glpkSolver(glpk?: GlpkInstance): Promise<MilpSolver> {
  const instance = glpk ?? await (glpkInstance ??= loadGlpk());
  return (model, options = {}) => solveWithGlpk(instance, model, options);
}

async function loadGlpk(): Promise<GLPK> {
  const { default: factory } = await import("glpk.js/node");
  return await factory();
}

function solveWithGlpk(glpk: GLPK, model: LinearModel, options: MilpSolveOptions): MilpSolution {
  const { timeLimitSec = Infinity } = options;
  if (!(timeLimitSec > 0)) {
    throw new RangeError(`Cannot solve with time limit ${timeLimitSec} s: it must be > 0`);
  }
  const lp: LP = {
    name: model.name,
    objective: {
      direction: glpk.GLP_MIN,
      name: "objective",
      vars: model.objective.map((t) => checkedTerm(model, "the objective", t)),
    },
    subjectTo: model.constraints.map((row) => ({
      name: row.name,
      vars: row.terms.map((t) => checkedTerm(model, `row ${row.name}`, t)),
      bnds: glpkBounds(glpk, `row ${row.name}`, row.lo, row.hi),
    })),
    bounds: (model.bounds ?? []).map((b) => ({
      name: b.name,
      ...glpkBounds(glpk, `variable ${b.name}`, b.lo, b.hi),
    })),
    binaries: [...model.binaries],
  };
  const { result } = glpk.solve(lp, {
    msglev: glpk.GLP_MSG_OFF,
    ...(Number.isFinite(timeLimitSec) ? { tmlim: timeLimitSec } : {}),
  });
  return { status: statusName(glpk, result.status), objective: result.z, values: result.vars };
}

function checkedTerm(model: LinearModel, where: string, t: LinearTerm): LinearTerm {
  if (!Number.isFinite(t.coef)) {
    throw new RangeError(
      `Cannot solve model ${model.name}: the coefficient of ${t.name} in ${where} is ${t.coef}`,
    );
  }
  return { name: t.name, coef: t.coef };
}

function glpkBounds(
  glpk: GLPK,
  what: string,
  lo = -Infinity,
  hi = Infinity,
): { type: number; lb: number; ub: number } {
  if (Number.isNaN(lo) || Number.isNaN(hi) || lo > hi) {
    throw new RangeError(`Cannot bound ${what} by ${lo}..${hi}: expected lo <= hi`);
  }
  const hasLo = lo > -Infinity, hasHi = hi < Infinity;
  if (hasLo && hasHi) return { type: lo === hi ? glpk.GLP_FX : glpk.GLP_DB, lb: lo, ub: hi };
  if (hasLo) return { type: glpk.GLP_LO, lb: lo, ub: 0 };
  if (hasHi) return { type: glpk.GLP_UP, lb: 0, ub: hi };
  return { type: glpk.GLP_FR, lb: 0, ub: 0 };
}

function statusName(glpk: GLPK, status: number): MilpStatus {
  switch (status) {
    case glpk.GLP_OPT:
      return "optimal";
    case glpk.GLP_FEAS:
      return "feasible";
    case glpk.GLP_NOFEAS:
    case glpk.GLP_INFEAS:
      return "infeasible";
    case glpk.GLP_UNBND:
      return "unbounded";
    default:
      return "undefined";
  }
}

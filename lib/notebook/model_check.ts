/**
 * The model against simulation, for notebooks (paper Figs. 12-13): for each
 * configuration, both methods' latency CDFs beside the simulated one, and the
 * paper's error measure (mean absolute percentage error over the percentiles
 * 1..99) with the Kolmogorov distance, as a table and charts.
 *
 * @module
 */

import pl from "nodejs-polars";
import { latencyCdfChart } from "../charts/chart_specs.ts";
import { Chart, JUPYTER_DISPLAY, renderSvg } from "../charts/render.ts";
import { mapArrivals } from "../arrivals/streams.ts";
import { modelLatencyCdfFrame } from "../frames/model_frames.ts";
import type { DataFrame } from "../frames/polars_frames.ts";
import { latencyCdfFrame } from "../frames/run_summaries.ts";
import { pricing as pricingByName } from "../profile/pricing.ts";
import { seededPrng } from "../random/prng.ts";
import { simulateBuffer } from "../sim/simulator.ts";
import {
  validateCase,
  type ValidationCase,
  type ValidationOptions,
  type ValidationResult,
} from "../validate/validate.ts";
import { type RenderedTable, renderTable } from "./html_table.ts";

/** One configuration checked. */
export interface CheckedCase {
  result: ValidationResult;
  /** Frame `latency_sec, cdf, source`: "simulated", "model (exact)", "model (paper)". */
  latencyCdf: DataFrame;
}

/** Cases checked against simulation; displays a table and one CDF chart per case. */
export class ModelCheck {
  /** @param cases The checked cases. */
  constructor(readonly cases: readonly CheckedCase[]) {}

  /** One row per case and method: p95 and MAPE, Kolmogorov distance. */
  table(): RenderedTable {
    // The paper method has no case where the service time varies: its row is left out.
    const rows = this.cases.flatMap(({ result: r }) =>
      (["exact", "paper"] as const).flatMap((m) => {
        const e = r[m];
        return e === undefined ? [] : [{ r, m, e }];
      })
    );
    return renderTable(rows, [
      { label: "case", value: (x) => x.r.label },
      { label: "profile", value: (x) => x.r.model },
      { label: "M (MB)", value: (x) => x.r.memoryMb },
      { label: "B", value: (x) => x.r.maxBatch },
      { label: "T (s)", value: (x) => x.r.timeoutSec },
      { label: "method", value: (x) => x.m },
      { label: "simulated p95 (s)", value: (x) => x.r.simulated.p95Sec },
      { label: "model p95 (s)", value: (x) => x.e.p95Sec },
      { label: "MAPE p1..p99 (%)", value: (x) => x.e.mapePct, digits: 3 },
      { label: "Kolmogorov distance", value: (x) => x.e.kolmogorov, digits: 3 },
      { label: "batch-size TV", value: (x) => x.e.batchSizeTv, digits: 3 },
      { label: "simulated requests", value: (x) => x.r.simulated.requests },
    ]);
  }

  /** One CDF chart per case. */
  charts(): Chart {
    return new Chart(
      this.cases.map((c) =>
        latencyCdfChart(
          c.latencyCdf.toRecords() as { latency_sec: number; cdf: number; source: string }[],
          {
            percentile: 0.95,
            title: `${c.result.label}: ${c.result.model}, M = ${c.result.memoryMb} MB, ` +
              `B = ${c.result.maxBatch}, T = ${c.result.timeoutSec} s`,
          },
        )
      ),
      { description: `latency CDFs of ${this.cases.length} cases, model against simulation` },
    );
  }

  /** Table and charts in the notebook. */
  [JUPYTER_DISPLAY](): Record<string, string> {
    const t = this.table();
    return {
      "text/html": `<div>${t.html}${renderSvg(this.charts().specs)}</div>`,
      "text/plain": t.text,
    };
  }
}

/**
 * Checks both model methods against a seeded simulation of each case.
 *
 * @param cases The configurations (MAP, profile, M, B, T).
 * @param options Simulated requests (default 200,000), seed, pricing.
 * @returns The check, which displays itself in a notebook.
 */
export function checkModel(
  cases: readonly ValidationCase[],
  options: ValidationOptions = {},
): ModelCheck {
  const { requests = 200_000, seed = 1, extrapolate = true } = options;
  return new ModelCheck(cases.map((c) => {
    const result = validateCase(c, { ...options, requests, seed, extrapolate, minBatches: 0 });
    // The same seed and count: the sample validateCase measured.
    const sim = simulateBuffer(mapArrivals(c.map, { prng: seededPrng(seed) }), {
      maxBatch: c.maxBatch,
      timeoutSec: c.timeoutSec,
      memoryMb: c.memoryMb,
      profile: c.profile,
      pricing: options.pricing ?? pricingByName("paper"),
      extrapolate,
      requests,
      keepLatencies: true,
      ...(c.profile.variability === undefined ? {} : { prng: seededPrng(seed + 1_000_003) }),
    });
    const simulated = latencyCdfFrame(pl.DataFrame({ latency_sec: sim.latencies! }), {
      points: 1000,
      source: "simulated",
    });
    // The paper method has no case where the service time varies.
    const methods = c.profile.variability === undefined
      ? ["exact", "paper"] as const
      : ["exact"] as const;
    const models = methods.map((method) =>
      modelLatencyCdfFrame(c.map, {
        profile: c.profile,
        memoryMb: c.memoryMb,
        maxBatch: c.maxBatch,
        timeoutSec: c.timeoutSec,
        method,
        extrapolate,
        points: 400,
      })
    );
    return { result, latencyCdf: pl.concat([simulated, ...models], { how: "vertical" }) };
  }));
}

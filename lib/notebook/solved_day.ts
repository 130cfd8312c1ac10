/**
 * A solved day that shows itself in a notebook: the configuration chosen each
 * hour as a table and as a chart (paper Fig. 15), through
 * `Symbol.for("Jupyter.display")`.
 *
 * @module
 */

import { hourlyConfigChart } from "../charts/chart_specs.ts";
import { Chart, JUPYTER_DISPLAY } from "../charts/render.ts";
import { type DayRow, dayRows } from "../figures/figure_rows.ts";
import type { MapProcess } from "../map/map_process.ts";
import type { ConfigurationGrid } from "../model/types.ts";
import { type HourSolution, solveHours, type SolveOptions } from "../optimize/optimize.ts";
import { type RenderedTable, renderTable } from "./html_table.ts";

/** A day solved hour by hour, with its table and chart. */
export class SolvedDay {
  /** One row per hour: rate and the chosen configuration. */
  readonly rows: DayRow[];

  /**
   * @param hours The solved hours.
   * @param context What was solved, for the caption: e.g. "NYS, TF-resnetV2, p95 <= 1 s".
   */
  constructor(readonly hours: readonly HourSolution[], readonly context = "") {
    this.rows = dayRows(hours);
  }

  /** Hours where no configuration meets the SLO. */
  get infeasibleHours(): number[] {
    return this.rows.filter((r) => !r.feasible).map((r) => r.hour);
  }

  /** The table: hour, rate, M, B, T, latency percentile and cost per request. */
  table(): RenderedTable {
    const cfg = (v: number | undefined) => v ?? "infeasible";
    return renderTable(this.rows, [
      { label: "hour", value: (r) => r.hour },
      { label: "rate (requests/s)", value: (r) => r.rate_per_sec, digits: 4 },
      { label: "memory (MB)", value: (r) => cfg(r.memory_mb) },
      { label: "max batch", value: (r) => r.max_batch },
      { label: "timeout (s)", value: (r) => r.timeout_sec },
      { label: "latency (s)", value: (r) => r.latency_sec, digits: 4 },
      { label: "cost (USD/request)", value: (r) => r.cost_per_request_usd, digits: "exp" },
    ], { caption: this.context || undefined });
  }

  /** The chart: arrival rate and M, B, T per hour (feasible hours). */
  chart(): Chart {
    const rows = this.rows.filter((r) => r.feasible).map((r) => ({
      hour: r.hour,
      rate_per_sec: r.rate_per_sec,
      memory_mb: r.memory_mb!,
      max_batch: r.max_batch!,
      timeout_sec: r.timeout_sec!,
    }));
    return new Chart(hourlyConfigChart(rows, { title: this.context || undefined }), {
      description: `configuration per hour${this.context ? `: ${this.context}` : ""}`,
    });
  }

  /** Table and chart in the notebook. */
  [JUPYTER_DISPLAY](): Record<string, string> {
    const t = this.table();
    const note = this.infeasibleHours.length
      ? `<p>No configuration meets the SLO in hours ${this.infeasibleHours.join(", ")}.</p>`
      : "";
    return {
      "text/html": `<div>${t.html}${note}${this.chart().toSvg()}</div>`,
      "text/plain": t.text,
    };
  }
}

/**
 * Solves every hour of a day ({@linkcode solveHours}) and returns a
 * {@linkcode SolvedDay} that displays itself.
 *
 * @param hours The hourly MAPs.
 * @param grid The configurations to search.
 * @param options The solver's options, and `context` for the caption.
 * @returns The solved day.
 */
export function solveDay(
  hours: readonly { hour: number; map: MapProcess }[],
  grid: ConfigurationGrid,
  options: SolveOptions & { context?: string },
): SolvedDay {
  return new SolvedDay(solveHours(hours, grid, options), options.context);
}

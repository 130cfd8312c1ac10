/**
 * Deterministic synthetic rows for the chart tests: closed forms shaped like
 * the BATCH model's outputs, plus a "measured" sample drawn with a fixed seed.
 * Values are rounded to 6 significant digits so the snapshots do not depend on
 * the last bit of `Math.exp`.
 *
 * @module
 */

import type {
  BatchSizeRow,
  CostLatencyRow,
  FeasibleRegionRow,
  HourlyConfigRow,
  LatencyCdfRow,
  PolicyComparisonRow,
  ProfileChartRow,
} from "../../lib/charts/chart_specs.ts";
import { exponential, seededPrng } from "../../lib/random/prng.ts";

function round(value: number): number {
  return Number(value.toPrecision(6));
}

/** Paper pricing: USD per GB-second and per request. */
const GB_SEC_USD = 0.0000166667;
const REQUEST_USD = 0.0000002;

/** A made-up service time of a batch of `b` requests at `memoryMb`, seconds. */
function serviceSec(b: number, memoryMb: number): number {
  return (0.35 + 0.06 * b) * (1792 / memoryMb) ** 0.8;
}

/**
 * Latency CDF rows: the model is a shifted exponential (shift 0.6 s, mean wait
 * 0.25 s) on a 0.025 s grid; "measured" is the empirical CDF of 200 draws
 * (seed 7) of a slightly slower one (mean wait 0.28 s).
 */
export function cdfRows(): LatencyCdfRow[] {
  const rows: LatencyCdfRow[] = [];
  for (let i = 0; i <= 100; i++) {
    const x = i * 0.025;
    const cdf = x < 0.6 ? 0 : 1 - Math.exp(-(x - 0.6) / 0.25);
    rows.push({ latency_sec: round(x), cdf: round(cdf), source: "model (exact)" });
  }
  const prng = seededPrng(7);
  const sample = Array.from({ length: 200 }, () => 0.6 + exponential(prng, 1 / 0.28))
    .sort((a, b) => a - b);
  rows.push({ latency_sec: round(sample[0]), cdf: 0, source: "measured" });
  sample.forEach((x, i) =>
    rows.push({ latency_sec: round(x), cdf: round((i + 1) / sample.length), source: "measured" })
  );
  return rows;
}

/**
 * Batch size rows for B = 10: the model is a geometric shape with an atom at
 * B; "measured" perturbs it by a fixed pattern and renormalizes.
 */
export function batchRows(): BatchSizeRow[] {
  const model = Array.from({ length: 10 }, (_, k) => (k === 9 ? 2.5 : 1) * 0.8 ** k);
  const total = model.reduce((a, b) => a + b, 0);
  const measured = model.map((p, k) => p * (1 + 0.15 * Math.sin(3 * k + 1)));
  const totalMeasured = measured.reduce((a, b) => a + b, 0);
  return [
    ...model.map((p, k) => ({ batch_size: k + 1, share: round(p / total), source: "model" })),
    ...measured.map((p, k) => ({
      batch_size: k + 1,
      share: round(p / totalMeasured),
      source: "measured",
    })),
  ];
}

/** Cost and p95 latency against memory for B in {1, 5, 10, 20} (T = 0.1 s, 50 requests/s). */
export function costLatencyRows(): CostLatencyRow[] {
  const rows: CostLatencyRow[] = [];
  for (const b of [1, 5, 10, 20]) {
    for (let memoryMb = 1280; memoryMb <= 3008; memoryMb += 128) {
      const s = serviceSec(b, memoryMb);
      const cost = (GB_SEC_USD * (memoryMb / 1024) * Math.ceil(s * 10) / 10 + REQUEST_USD) / b;
      const waitSec = Math.min(0.1, (b - 1) / 50);
      rows.push({
        memory_mb: memoryMb,
        cost_per_request_usd: round(cost),
        latency_sec: round(s * 1.15 + waitSec),
        series: b,
      });
    }
  }
  return rows;
}

/**
 * A profile sweep's cells: `memoriesMb` x `batches`, Duration S(k, m) =
 * `serviceSec`, billed per ms, so the cost per request falls with k towards
 * the GB-second price over k (then flat: the cheapest k is the largest).
 */
export function profileRows(
  memoriesMb: readonly number[],
  batches: readonly number[],
): ProfileChartRow[] {
  return memoriesMb.flatMap((memoryMb) =>
    batches.map((k) => {
      const s = serviceSec(k, memoryMb);
      const cost = (GB_SEC_USD * (memoryMb / 1024) * Math.ceil(s * 1000) / 1000 + REQUEST_USD) /
        k;
      return {
        memory_mb: memoryMb,
        batch_size: k,
        cost_per_request_usd: round(cost),
        p95_duration_sec: round(s * 1.1),
      };
    })
  );
}

/** The (memory, timeout) grid: 1280..3008 MB step 128, 0.02..0.4 s step 0.02; SLO 1.6 s. */
export function feasibleRows(): { rows: FeasibleRegionRow[]; sloSec: number } {
  const sloSec = 1.6;
  const rows: FeasibleRegionRow[] = [];
  for (let memoryMb = 1280; memoryMb <= 3008; memoryMb += 128) {
    for (let i = 1; i <= 20; i++) {
      const timeoutSec = round(i * 0.02);
      const b = Math.min(20, 1 + 50 * timeoutSec);
      const s = serviceSec(b, memoryMb);
      const latencySec = round(s * 1.1 + timeoutSec);
      const cost = round((GB_SEC_USD * (memoryMb / 1024) * s + REQUEST_USD) / b);
      rows.push({
        memory_mb: memoryMb,
        timeout_sec: timeoutSec,
        latency_sec: latencySec,
        cost_per_request_usd: cost,
        feasible: latencySec <= sloSec,
      });
    }
  }
  return { rows, sloSec };
}

/** The cheapest feasible cell of {@linkcode feasibleRows}. */
export function feasibleOptimum(rows: readonly FeasibleRegionRow[]): FeasibleRegionRow {
  return rows.filter((r) => r.feasible)
    .reduce((best, r) => r.cost_per_request_usd < best.cost_per_request_usd ? r : best);
}

/** 24 hours of a diurnal rate and a configuration that follows it. */
export function hourlyRows(): HourlyConfigRow[] {
  return Array.from({ length: 24 }, (_, i) => {
    const hour = i + 1;
    const rate = 40 + 30 * Math.sin((2 * Math.PI * (hour - 9)) / 24);
    return {
      hour,
      rate_per_sec: round(rate),
      memory_mb: 1280 + 64 * Math.round(10 - rate / 8),
      max_batch: Math.max(1, Math.round(rate / 4)),
      timeout_sec: round(Math.max(0.01, 0.3 - rate / 300)),
    };
  });
}

/** Three policies over 24 hours: BATCH, no batching, a fixed configuration. */
export function policyRows(): PolicyComparisonRow[] {
  const rows: PolicyComparisonRow[] = [];
  for (const { hour, rate_per_sec } of hourlyRows()) {
    const load = rate_per_sec / 70;
    rows.push(
      {
        policy: "BATCH",
        hour,
        cost_per_request_usd: round(1.2e-5 - 4e-6 * load),
        p95_over_slo: round(0.85 + 0.1 * load),
      },
      {
        policy: "no batching",
        hour,
        cost_per_request_usd: round(3.1e-5),
        p95_over_slo: round(0.45),
      },
      {
        policy: "fixed B=20, T=0.2 s",
        hour,
        cost_per_request_usd: round(0.9e-5 + 6e-6 * (1 - load)),
        p95_over_slo: round(0.7 + 0.6 * (1 - load)),
      },
    );
  }
  return rows;
}

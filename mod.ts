/**
 * BATCH for Deno: machine-learning inference on serverless platforms with
 * adaptive batching, after Ali, Pinciroli, Yan and Smirni, "BATCH: Machine
 * Learning Inference Serving on Serverless Platforms with Adaptive Batching"
 * (SC'20).
 *
 * - Arrival processes: {@linkcode mapProcess}, {@linkcode poissonProcess},
 *   {@linkcode mmpp2}, readers of the paper's hourly MAP files, moments.
 * - The model: {@linkcode evaluateGrid} with the `exact` method (default) or
 *   the `paper` method (solver.py to the digit); one configuration with
 *   {@linkcode predictConfiguration}. A profile's `variability` (gamma,
 *   lognormal or empirical service, {@linkcode serviceDistributions}) enters the
 *   exact method's latency and billed cost.
 * - The optimizer: {@linkcode selectOptimal} and {@linkcode solveHours}.
 * - Service-time profiles and pricing: {@linkcode publishedProfile},
 *   {@linkcode profileFromJson}, {@linkcode pricing}; a function's profile
 *   measured ({@linkcode runSweep}) and fitted ({@linkcode fitProfile}).
 *
 * @example Solve one hour of the Twitter trace
 * ```ts
 * import assert from "node:assert/strict";
 * import { gridFromRanges, pricing, publishedProfile, readMapHour, solveHours } from "./mod.ts";
 *
 * const map = await readMapHour("traces/twitter", 1);
 * const [hour] = solveHours([{ hour: 1, map }], gridFromRanges(), {
 *   profile: publishedProfile("TF-inceptionV4"),
 *   pricing: pricing("paper"),
 *   percentile: 0.95,
 *   constraint: "latency",
 *   slo: 5,
 * });
 * const { memoryMb, maxBatch, timeoutSec, latencySec } = hour.optimal[0];
 * assert.deepEqual({ memoryMb, maxBatch }, { memoryMb: 2112, maxBatch: 20 });
 * assert.equal(timeoutSec.toFixed(2), "0.06");
 * assert.ok(latencySec <= 5); // the p95 latency meets the 5 s SLO
 * ```
 *
 * @module
 */

export * from "./lib/numeric/dense.ts";
export * from "./lib/numeric/special.ts";
export * from "./lib/map/map_process.ts";
export * from "./lib/map/map_text.ts";
export * from "./lib/map/moments.ts";
export * from "./lib/io/map_files.ts";
export * from "./lib/io/profile_files.ts";
export * from "./lib/profile/service_profile.ts";
export * from "./lib/profile/pricing.ts";
export * from "./lib/profile/service_distribution.ts";
export * from "./lib/profile/profile_fit.ts";
export * from "./lib/profile/variability_fit.ts";
export * from "./lib/profile/profile_costs.ts";
export * from "./lib/profile/profile_sweep.ts";
export * from "./lib/profile/sweep_csv.ts";
export * from "./lib/profile/sweep_target.ts";
export * from "./lib/io/sweep_log_file.ts";
export * from "./lib/model/types.ts";
export * from "./lib/model/counting.ts";
export * from "./lib/model/paper.ts";
export * from "./lib/model/exact.ts";
export * from "./lib/model/evaluate.ts";
export * from "./lib/model/service_convolution.ts";
export * from "./lib/model/predict.ts";
export * from "./lib/model/cold_start.ts";
export * from "./lib/model/parallel_grid.ts";
export * from "./lib/optimize/grid.ts";
export * from "./lib/optimize/optimize.ts";
export * from "./lib/cli/progress.ts";
export * from "./lib/cli/usage_error.ts";
export * from "./lib/random/prng.ts";
export * from "./lib/arrivals/streams.ts";
export * from "./lib/arrivals/trace_stats.ts";
export * from "./lib/map/map2_fit.ts";
export * from "./lib/io/trace_files.ts";
export * from "./lib/io/run_logs.ts";
export * from "./lib/sim/batching_policy.ts";
export * from "./lib/sim/latency_histogram.ts";
export * from "./lib/sim/simulator.ts";
export * from "./lib/sim/column_sink.ts";
export * from "./lib/frames/polars_frames.ts";
export * from "./lib/validate/validate.ts";
export * from "./lib/validate/cold_starts.ts";
export * from "./lib/logs/lambda_log_lines.ts";
export * from "./lib/logs/run_csv.ts";
export * from "./lib/logs/buffer_py_logs.ts";
export * from "./lib/lambda/local_lambda.ts";
export * from "./lib/lambda/http_server.ts";
export * from "./lib/lambda/filter_pattern.ts";
export * from "./lib/lambda/logs_api.ts";
export * from "./lib/lambda/cpu_model.ts";
export * from "./lib/lambda/function_code.ts";
export * from "./lib/lambda/worker_environment.ts";
export * from "./lib/buffer/dispatcher.ts";
export * from "./lib/buffer/batch_payload.ts";
export * from "./lib/buffer/realtime_buffer.ts";
export * from "./lib/buffer/function_setup.ts";
export * from "./lib/charts/chart_specs.ts";
export * from "./lib/charts/render.ts";
export * from "./lib/figures/figure_rows.ts";
export * from "./lib/notebook/html_table.ts";
export * from "./lib/notebook/solved_day.ts";
export * from "./lib/notebook/notebook_file.ts";
export * from "./lib/frames/run_frames.ts";
export * from "./lib/frames/run_summaries.ts";
export * from "./lib/frames/model_frames.ts";
export * from "./lib/figures/paper_figures.ts";
export * from "./lib/notebook/configuration_view.ts";
export * from "./lib/notebook/run_view.ts";
export * from "./lib/notebook/model_check.ts";
export * from "./lib/buffer/experiment.ts";
export * from "./lib/logs/fetch_logs.ts";
export * from "./lib/optimize/milp.ts";
export * from "./lib/optimize/day_plan.ts";
export * from "./lib/adapt/adaptive_controller.ts";
export * from "./lib/adapt/day_policies.ts";

/**
 * How the local Lambda turns a handler's measured time into the Duration a
 * function of a given memory size would have on Lambda, where the CPU share
 * grows with the memory: "Lambda allocates CPU power in proportion to the
 * amount of memory configured. [...] At 1,769 MB, a function has the
 * equivalent of one vCPU (one vCPU-second of credits per second)" (AWS Lambda
 * Developer Guide, "Configure Lambda function memory",
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html).
 *
 * Locally every execution environment (a Worker) runs on this machine's cores
 * at full speed whatever its memory, so without a model the memory size
 * changes nothing.
 *
 * @module
 */

/** Memory at which a Lambda function has the equivalent of one vCPU, MB (AWS docs above). */
export const ONE_VCPU_MEMORY_MB = 1769;

/**
 * The CPU models of the local Lambda:
 * - `"host"`: Duration is the time measured on this machine (the default).
 * - `"memory-share"`: Duration is the measured time stretched by
 *   {@linkcode cpuScaleFactor}, for a single-threaded, CPU-bound handler.
 */
export const CPU_MODELS = ["host", "memory-share"] as const;

/** One of {@linkcode CPU_MODELS}. */
export type CpuModel = typeof CPU_MODELS[number];

/**
 * By how much the `memory-share` model stretches a measured duration:
 * `max(1, 1769 / memoryMb)`. Assumptions: the handler is single-threaded and
 * CPU-bound throughout (time spent waiting is stretched too, so an I/O-bound
 * handler comes out too slow), and one core of this machine runs it as fast
 * as one Lambda vCPU. Below 1,769 MB the function gets `memoryMb / 1769` of a
 * vCPU, so its work takes `1769 / memoryMb` times as long; above it, the
 * extra vCPU share cannot speed up a single thread, so the factor stays 1.
 * The `host` model's factor is always 1.
 *
 * @param model The CPU model.
 * @param memoryMb The function's memory, MB (positive).
 * @returns The factor, at least 1.
 * @throws {RangeError} If `memoryMb` is not positive and finite.
 * @throws {TypeError} If `model` is not one of {@linkcode CPU_MODELS}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(cpuScaleFactor("memory-share", 1769), 1);
 * assert.equal(cpuScaleFactor("memory-share", 3008), 1);
 * assert.equal(cpuScaleFactor("memory-share", 128), 1769 / 128); // 13.8
 * assert.equal(cpuScaleFactor("host", 128), 1);
 * ```
 */
export function cpuScaleFactor(model: CpuModel, memoryMb: number): number {
  if (!(memoryMb > 0 && Number.isFinite(memoryMb))) {
    throw new RangeError(
      `Cannot scale a duration as 'memoryMb' must be a positive number: current value is ${memoryMb}`,
    );
  }
  if (model === "host") return 1;
  if (model === "memory-share") return Math.max(1, ONE_VCPU_MEMORY_MB / memoryMb);
  throw new TypeError(
    `Cannot scale a duration as the CPU model must be one of ${CPU_MODELS.join(", ")}: found '${
      String(model)
    }'`,
  );
}

/**
 * One line that says which CPU model is in force, for startup lines, help
 * texts and run records.
 *
 * @param model The CPU model.
 * @returns A sentence fragment such as `CPU model host (durations as measured
 * on this machine)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.match(describeCpuModel("memory-share"), /1769 \/ memory/);
 * ```
 */
export function describeCpuModel(model: CpuModel): string {
  return model === "host"
    ? "CPU model host (durations as measured on this machine, whatever the memory)"
    : `CPU model memory-share (durations measured here x max(1, ${ONE_VCPU_MEMORY_MB} / memory MB))`;
}

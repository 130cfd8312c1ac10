import assert from "node:assert/strict";
import {
  CPU_MODELS,
  cpuScaleFactor,
  describeCpuModel,
  ONE_VCPU_MEMORY_MB,
} from "../../lib/lambda/cpu_model.ts";

Deno.test("cpuScaleFactor() is max(1, 1769 / memory) under memory-share and 1 under host", () => {
  // 1769 MB = one vCPU (AWS Lambda Developer Guide, "Configure Lambda function memory").
  assert.equal(ONE_VCPU_MEMORY_MB, 1769);
  for (const memoryMb of [128, 512, 1024, 1769, 2048, 3008, 10240]) {
    assert.equal(cpuScaleFactor("host", memoryMb), 1);
    assert.equal(cpuScaleFactor("memory-share", memoryMb), Math.max(1, 1769 / memoryMb));
  }
  // Halving the memory below one vCPU doubles the time.
  assert.ok(
    Math.abs(cpuScaleFactor("memory-share", 442.25) / cpuScaleFactor("memory-share", 884.5) - 2) <
      1e-12,
  );
});

Deno.test("cpuScaleFactor() refuses a memory that is not positive and a model it does not know", () => {
  for (const bad of [0, -128, NaN, Infinity]) {
    assert.throws(() => cpuScaleFactor("memory-share", bad), {
      name: "RangeError",
      message:
        `Cannot scale a duration as 'memoryMb' must be a positive number: current value is ${bad}`,
    });
  }
  assert.throws(() => cpuScaleFactor("vcpu" as never, 128), {
    name: "TypeError",
    message:
      "Cannot scale a duration as the CPU model must be one of host, memory-share: found 'vcpu'",
  });
});

Deno.test("describeCpuModel() names each model and its formula", () => {
  assert.deepEqual([...CPU_MODELS], ["host", "memory-share"]);
  assert.match(describeCpuModel("host"), /^CPU model host \(durations as measured on this machine/);
  assert.match(describeCpuModel("memory-share"), /x max\(1, 1769 \/ memory MB\)/);
});

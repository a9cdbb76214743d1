import { expect, test } from "vitest";
import { parseLabConfig } from "@/lib/config/parse";
import { simulatorOptionsFor } from "./simulated";

test("a backend's sim block reaches its simulator: timings, the vLLM release it answers like, reasoning", () => {
  const config = parseLabConfig(`
runtime: simulated
gpuTelemetry: simulated
backends:
  qwen-14b:
    url: http://127.0.0.1:8002
    servedModel: qwen2.5-14b-instruct-awq
    maxModelLen: 16384
    sim: { ttftMs: 30, vllmVersion: "0.11", reasoning: true }
modes:
  standard: { backends: [qwen-14b], default: true }
`);
  expect(simulatorOptionsFor(config.backends["qwen-14b"]!)).toMatchObject({
    port: 8002,
    servedModel: "qwen2.5-14b-instruct-awq",
    maxModelLen: 16_384,
    ttftMs: 30,
    vllmVersion: "0.11",
    reasoning: true,
  });
});

test("a sleeping backend's simulator gets vLLM's flag and dev mode, its GPUs, sizes, speeds and sleep faults", () => {
  const config = parseLabConfig(`
runtime: simulated
gpuTelemetry: simulated
backends:
  qwen-32b:
    url: http://127.0.0.1:8003
    servedModel: qwen2.5-32b-instruct-awq
    gpus: [0, 1]
    sleep: { level: 1 }
    gpuMemoryUtilization: 0.85
    sim: { memoryMiB: 21000, weightsMiB: 18500, hostToGpuMiBps: 12000, diskMiBps: 1500, sleepLeavesMiB: 4000, failWake: true }
  qwen-7b:
    url: http://127.0.0.1:8001
    servedModel: qwen2.5-7b-instruct
    gpus: [0]
modes:
  deep: { backends: [qwen-32b], default: true }
  standard: { backends: [qwen-7b] }
`);
  expect(simulatorOptionsFor(config.backends["qwen-32b"]!)).toMatchObject({
    enableSleepMode: true,
    serverDevMode: true,
    tensorParallelSize: 2,
    memoryMiB: 21_000,
    weightsMiB: 18_500,
    hostToGpuMiBps: 12_000,
    diskMiBps: 1500,
    faults: { sleepLeavesMiB: 4000, failWake: true },
    // vLLM's start-up check, on the simulated 3090s.
    gpuMemoryUtilization: 0.85,
    gpuTotalMiB: 24_576,
  });
  const plain = simulatorOptionsFor(config.backends["qwen-7b"]!);
  expect(plain.gpuMemoryUtilization).toBeUndefined();
  expect(plain.enableSleepMode).toBeUndefined();
  expect(plain.serverDevMode).toBeUndefined();
  expect(plain.faults).toBeUndefined();
});

test("gpuMemoryUtilization: a share of the card, above 0 and at most 1", () => {
  const lab = (value: string) => `
runtime: simulated
backends:
  a: { url: "http://127.0.0.1:8001", servedModel: m, gpuMemoryUtilization: ${value} }
modes:
  only: { backends: [a], default: true }
`;
  expect(parseLabConfig(lab("1")).backends.a?.gpuMemoryUtilization).toBe(1);
  expect(parseLabConfig(lab("0.5")).backends.a?.gpuMemoryUtilization).toBe(0.5);
  for (const bad of ["0", "1.2", "-0.5", '"0.9"']) expect(() => parseLabConfig(lab(bad))).toThrow(/gpuMemoryUtilization/);
});

test("sleep: only level 1 or 2", () => {
  const lab = (level: string) => `
runtime: simulated
backends:
  a: { url: "http://127.0.0.1:8001", servedModel: m, sleep: { level: ${level} } }
modes:
  only: { backends: [a], default: true }
`;
  expect(parseLabConfig(lab("2")).backends.a?.sleep).toEqual({ level: 2 });
  expect(() => parseLabConfig(lab("3"))).toThrow(/sleep\.level/);
});

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

import { chatLabYaml, type AppHarness } from "@/lib/testing/app-harness";

/**
 * The real lab's figures, divided by SCALE so a run takes a minute or two: vLLM cold starts of these models take
 * 90-280 s (weights, torch.compile, CUDA graphs); a level-1 wake copies the weights back from host RAM at a few GB/s
 * (vLLM measured 0.3-6 s). The simulator derives its wake time from the weights' size and `hostToGpuMiBps`.
 */
export const SCALE = 20;
const REAL_COLD_START_S = { "qwen-7b": 90, "qwen-14b": 120, "qwen-32b": 240 } as const;
/** Host-to-GPU copy rate for a level-1 wake on the real lab (PCIe 4 x16 in practice). */
const REAL_HOST_TO_GPU_MIBPS = 6000;

const sim = (id: keyof typeof REAL_COLD_START_S, memoryMiB: number) =>
  `{ loadMs: ${Math.round((REAL_COLD_START_S[id] * 1000) / SCALE)}, ttftMs: 30, tokensPerSecond: 200, maxNumSeqs: 32, memoryMiB: ${memoryMiB}, hostToGpuMiBps: ${REAL_HOST_TO_GPU_MIBPS * SCALE} }`;

/** The design's lab, with or without `sleep: { level: 1 }` on its engines; everything else equal between the two runs. */
export function switchLabYaml(ports: AppHarness["ports"], withSleep: boolean): string {
  return chatLabYaml(ports, {
    sleep: withSleep,
    sim: { "qwen-7b": sim("qwen-7b", 21000), "qwen-14b": sim("qwen-14b", 21500), "qwen-32b": sim("qwen-32b", 21000) },
    lab: "{ drainSeconds: 5, stopTimeoutSeconds: 5, memoryReleaseSeconds: 20, memoryReleasedBelowMiB: 3072, loadTimeoutSeconds: 60 }",
    telemetryIntervalMs: 200,
  });
}

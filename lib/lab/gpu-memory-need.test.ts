import { describe, expect, test } from "vitest";
import { CUDA_CONTEXT_MARGIN_MIB, describeFit, fitOnGpu, type EnteringEngine } from "./gpu-memory-need";

const CARD = 24_576;
const THRESHOLD = 3_072;
const waking = (id: string, utilization: number | null): EnteringEngine => ({ id, utilization, waking: true });
const starting = (id: string, utilization: number | null): EnteringEngine => ({ id, utilization, waking: false });

describe("fitOnGpu", () => {
  test("a 7B at 0.5 fits beside a sleeping 32B's 7 GB residue, which the fixed threshold would refuse", () => {
    const entering = [waking("qwen-7b", 0.5)];
    const fit = fitOnGpu({ gpu: 0, usedMiB: 7_400, totalMiB: CARD }, entering, THRESHOLD);
    expect(fit).toMatchObject({ fits: true, freeMiB: 17_176, needMiB: 12_288, thresholdMiB: null });
    expect(describeFit(fit, entering)).toBe("GPU 0: 17,176 MiB free, qwen-7b needs 12,288 MiB (0.5 x 24,576)");
  });

  test("a 14B at 0.9 does not fit beside even 3 GB, which the fixed threshold would let through", () => {
    const entering = [waking("qwen-14b", 0.9)];
    const fit = fitOnGpu({ gpu: 1, usedMiB: 3_000, totalMiB: CARD }, entering, 4_096);
    expect(fit).toMatchObject({ fits: false, freeMiB: 21_576, needMiB: 22_118 });
  });

  test("the need is exactly vLLM's rule at the boundary: free equal to the need fits, one MiB less does not", () => {
    const entering = [waking("qwen-7b", 0.85)];
    expect(fitOnGpu({ gpu: 0, usedMiB: 20_480 - 17_408, totalMiB: 20_480 }, entering, THRESHOLD).fits).toBe(true);
    const short = fitOnGpu({ gpu: 0, usedMiB: 20_480 - 17_407, totalMiB: 20_480 }, entering, THRESHOLD);
    expect(short.fits).toBe(false);
    expect(describeFit(short, entering)).toBe("GPU 0: 17,407 MiB free, qwen-7b needs 17,408 MiB (0.85 x 20,480)");
  });

  test("a cold start needs room for its own CUDA context on top; a wake does not (its context is in the reading)", () => {
    const used = CARD - 12_288 - 100;
    expect(fitOnGpu({ gpu: 0, usedMiB: used, totalMiB: CARD }, [waking("qwen-7b", 0.5)], THRESHOLD).fits).toBe(true);
    const cold = fitOnGpu({ gpu: 0, usedMiB: used, totalMiB: CARD }, [starting("qwen-7b", 0.5)], THRESHOLD);
    expect(cold).toMatchObject({ fits: false, needMiB: 12_288 + CUDA_CONTEXT_MARGIN_MIB });
    expect(describeFit(cold, [starting("qwen-7b", 0.5)])).toBe("GPU 0: 12,388 MiB free, qwen-7b needs 12,800 MiB (0.5 x 24,576 + 512 MiB CUDA context)");
  });

  test("engines sharing a GPU add up their needs", () => {
    const entering = [starting("qwen-7b", 0.79), waking("embed", 0.06)];
    const fit = fitOnGpu({ gpu: 0, usedMiB: 3_500, totalMiB: CARD }, entering, THRESHOLD);
    // 0.79 x 24,576 = 19,415 + 512; 0.06 x 24,576 = 1,475 (asleep: no margin).
    expect(fit).toMatchObject({ needMiB: 19_415 + 512 + 1_475, freeMiB: 21_076, fits: false });
    expect(describeFit(fit, entering)).toBe("GPU 0: 21,076 MiB free, qwen-7b + embed need 21,402 MiB (qwen-7b 0.79 x 24,576 + 512 MiB CUDA context; embed 0.06 x 24,576)");
  });

  test("engines sharing a GPU that fit together", () => {
    const entering = [starting("qwen-7b", 0.79), waking("embed", 0.06)];
    expect(fitOnGpu({ gpu: 0, usedMiB: 3_174, totalMiB: CARD }, entering, THRESHOLD).fits).toBe(true);
    expect(fitOnGpu({ gpu: 0, usedMiB: 3_175, totalMiB: CARD }, entering, THRESHOLD).fits).toBe(false);
  });

  test("without a declared utilization the fixed threshold applies, unchanged", () => {
    const entering = [waking("qwen-14b", null)];
    expect(fitOnGpu({ gpu: 1, usedMiB: 3_071, totalMiB: CARD }, entering, THRESHOLD)).toMatchObject({ fits: true, needMiB: null, thresholdMiB: THRESHOLD });
    const busy = fitOnGpu({ gpu: 1, usedMiB: 3_072, totalMiB: CARD }, entering, THRESHOLD);
    expect(busy.fits).toBe(false);
    expect(describeFit(busy, entering)).toBe("GPU 1: 3,072 MiB used (not below 3,072 for qwen-14b)");
  });

  test("an unknown total falls back to the threshold, even for engines that declare a utilization", () => {
    const entering = [waking("qwen-7b", 0.5)];
    expect(fitOnGpu({ gpu: 0, usedMiB: 7_400, totalMiB: null }, entering, THRESHOLD)).toMatchObject({ fits: false, needMiB: null, thresholdMiB: THRESHOLD });
    expect(fitOnGpu({ gpu: 0, usedMiB: 1_000, totalMiB: 0 }, entering, THRESHOLD)).toMatchObject({ fits: true, thresholdMiB: THRESHOLD });
  });

  test("a GPU shared by an engine that declares and one that does not must pass both checks", () => {
    const entering = [waking("qwen-7b", 0.5), waking("embed", null)];
    const fit = fitOnGpu({ gpu: 0, usedMiB: 7_400, totalMiB: CARD }, entering, THRESHOLD);
    expect(fit).toMatchObject({ fits: false, needMiB: 12_288, thresholdMiB: THRESHOLD });
    expect(describeFit(fit, entering)).toBe("GPU 0: 17,176 MiB free, qwen-7b needs 12,288 MiB (0.5 x 24,576); 7,400 MiB used (not below 3,072 for embed)");
    expect(fitOnGpu({ gpu: 0, usedMiB: 1_000, totalMiB: CARD }, entering, THRESHOLD).fits).toBe(true);
  });

  test("no reading: nothing to verify, so it does not hold the switch up", () => {
    const fit = fitOnGpu({ gpu: 1, usedMiB: null, totalMiB: null }, [waking("qwen-14b", 0.9)], THRESHOLD);
    expect(fit.fits).toBe(true);
    expect(describeFit(fit)).toBe("GPU 1: no reading");
  });
});

/**
 * Does a GPU have room for the engines about to start or wake on it? vLLM refuses to start when the free memory on
 * a device is less than `gpu_memory_utilization` x its total ("Free memory on device ... on startup is less than
 * desired GPU memory utilization"), so an engine that declares its utilization needs that share of each of its
 * GPUs, and what the GPU holds now (other processes, sleeping engines' residue) must leave it free. An engine that
 * declares none, or a GPU whose total is unknown, falls back to the fixed `lab.memoryReleasedBelowMiB` threshold.
 * Pure arithmetic: the readings come from telemetry, the engines from the config.
 */

/**
 * Added to a cold start's need on each of its GPUs: vLLM measures free memory after its own CUDA context (and, with
 * tensor parallelism, NCCL's communicators) is created, a few hundred MiB on a 3090; nvidia-smi's total is also a
 * little larger than the one CUDA reports. A waking engine already holds its context (it is part of the reading).
 */
export const CUDA_CONTEXT_MARGIN_MIB = 512;

/** An engine about to use a GPU. */
export interface EnteringEngine {
  id: string;
  /** `backends.<id>.gpuMemoryUtilization`, or null when the backend does not declare it. */
  utilization: number | null;
  /** Asleep now and about to be woken (its context, and its residue, are already in the reading). */
  waking: boolean;
}

export interface GpuReading {
  gpu: number;
  /** null: no recent reading (telemetry off, down or stale). */
  usedMiB: number | null;
  totalMiB: number | null;
}

/** One engine's share of a GPU: utilization x total, plus the context margin for a cold start. */
export interface EngineNeed {
  id: string;
  utilization: number;
  totalMiB: number;
  needMiB: number;
  marginMiB: number;
}

export interface GpuFit {
  gpu: number;
  usedMiB: number | null;
  /** True when the engines may start or wake on it now (also when there is no reading: nothing can be verified). */
  fits: boolean;
  /** What the declared engines need together (null: no engine declares it, or the total is unknown). */
  needMiB: number | null;
  freeMiB: number | null;
  needs: EngineNeed[];
  /** The fixed threshold, when it applies (an engine without a declared utilization, or no total). */
  thresholdMiB: number | null;
}

/** Whether the GPU leaves room for every entering engine on it; `entering` are those that use this GPU. */
export function fitOnGpu(reading: GpuReading, entering: readonly EnteringEngine[], releasedBelowMiB: number): GpuFit {
  const { gpu, usedMiB } = reading;
  const totalMiB = reading.totalMiB !== null && reading.totalMiB > 0 ? reading.totalMiB : null;
  const declared = entering.filter((engine): engine is EnteringEngine & { utilization: number } => engine.utilization !== null);
  const needs: EngineNeed[] =
    totalMiB === null
      ? []
      : declared.map((engine) => {
          const marginMiB = engine.waking ? 0 : CUDA_CONTEXT_MARGIN_MIB;
          return { id: engine.id, utilization: engine.utilization, totalMiB, needMiB: Math.round(engine.utilization * totalMiB) + marginMiB, marginMiB };
        });
  const thresholdApplies = needs.length === 0 || declared.length < entering.length;
  const thresholdMiB = thresholdApplies ? releasedBelowMiB : null;
  const needMiB = needs.length > 0 ? needs.reduce((sum, need) => sum + need.needMiB, 0) : null;
  const freeMiB = totalMiB !== null && usedMiB !== null ? totalMiB - usedMiB : null;
  if (usedMiB === null) return { gpu, usedMiB, fits: true, needMiB, freeMiB, needs, thresholdMiB };
  const fitsNeed = needMiB === null || (freeMiB ?? 0) >= needMiB;
  const fitsThreshold = thresholdMiB === null || usedMiB < thresholdMiB;
  return { gpu, usedMiB, fits: fitsNeed && fitsThreshold, needMiB, freeMiB, needs, thresholdMiB };
}

/** True when only the fixed threshold was checked: the step keeps its old wording then ("1200 MiB"). */
export function thresholdOnly(fit: GpuFit): boolean {
  return fit.needs.length === 0;
}

/**
 * One GPU for the step's detail: "GPU 0: 19,900 MiB free, qwen-7b needs 17,408 MiB (0.85 x 20,480)"; several
 * engines: "GPU 0: 23,000 MiB free, qwen-7b + embed need 21,894 MiB (qwen-7b 0.79 x 24,576 + 512 MiB CUDA context;
 * embed ...)"; the threshold, when it applies too: "; 1,200 MiB used (below 2,048 for qwen-14b)".
 */
export function describeFit(fit: GpuFit, entering: readonly EnteringEngine[] = []): string {
  if (fit.usedMiB === null) return `GPU ${fit.gpu}: no reading`;
  const parts: string[] = [];
  if (fit.needs.length === 1) {
    const [need] = fit.needs as [EngineNeed];
    parts.push(`${mib(fit.freeMiB ?? 0)} MiB free, ${need.id} needs ${mib(need.needMiB)} MiB (${shareOf(need)})`);
  } else if (fit.needs.length > 1) {
    const names = fit.needs.map((need) => need.id).join(" + ");
    const each = fit.needs.map((need) => `${need.id} ${shareOf(need)}`).join("; ");
    parts.push(`${mib(fit.freeMiB ?? 0)} MiB free, ${names} need ${mib(fit.needMiB ?? 0)} MiB (${each})`);
  }
  if (fit.thresholdMiB !== null) {
    const undeclared = entering.filter((engine) => engine.utilization === null || fit.needs.length === 0).map((engine) => engine.id);
    const why = undeclared.length > 0 ? ` for ${undeclared.join(", ")}` : "";
    parts.push(`${mib(fit.usedMiB)} MiB used (${fit.usedMiB < fit.thresholdMiB ? "below" : "not below"} ${mib(fit.thresholdMiB)}${why})`);
  }
  return `GPU ${fit.gpu}: ${parts.join("; ")}`;
}

function shareOf(need: EngineNeed): string {
  const base = `${need.utilization} x ${mib(need.totalMiB)}`;
  return need.marginMiB > 0 ? `${base} + ${mib(need.marginMiB)} MiB CUDA context` : base;
}

/** 17408 -> "17,408". */
function mib(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

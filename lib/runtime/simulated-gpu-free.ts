/**
 * How much an engine's simulated GPUs have free, as the engine itself would measure it (others' allocations only):
 * what the simulated runtime tells each simulator that declares `gpuMemoryUtilization` (lib/sim/gpu-memory.ts), so
 * it refuses to start or wake as vLLM would. The same figures the simulated GPUs show (lib/sim/gpus.ts): an idle
 * card's 1 MiB plus what every running engine on it holds, except that a stopped one holds nothing at once (the
 * telemetry keeps it a moment longer, which only makes the lab's check wait).
 */

/** A running simulator as the GPUs see it. */
export interface SimulatedGpuHolder {
  id: string;
  gpus: readonly number[];
  /** Held on each of its GPUs now (what it last reported, else what it holds awake). */
  memoryMiB: number;
}

/** The least free memory among `gpus`, counting every holder but `self`. */
export function leastFreeMiB(gpus: readonly number[], holders: readonly SimulatedGpuHolder[], self: string, gpu: { totalMiB: number; idleMiB: number }): number {
  if (gpus.length === 0) return gpu.totalMiB - gpu.idleMiB;
  return Math.min(
    ...gpus.map((index) => {
      const held = holders.filter((holder) => holder.id !== self && holder.gpus.includes(index)).reduce((sum, holder) => sum + holder.memoryMiB, 0);
      return Math.max(0, gpu.totalMiB - gpu.idleMiB - held);
    }),
  );
}

/**
 * What the simulated engine knows of its GPUs' free memory, and vLLM's two refusals that depend on it:
 * - at start-up (vllm/v1/worker/gpu_worker.py, `init_device`): free memory on the device below
 *   `gpu_memory_utilization` x total raises "Free memory on device ... on startup is less than desired GPU memory
 *   utilization" and the engine exits;
 * - at a wake (`CuMemAllocator.wake_up`): mapping the sleep pool back needs room beside what the engine still
 *   holds, else CUDA's out of memory.
 * The spawner (the simulated runtime, which sees every engine on the simulated GPUs) passes the least free memory
 * among the engine's GPUs, others' allocations only, at start (`--gpu-free-mib`) and whenever it changes, as a line
 * `{"event":"gpu_free","freeMiB":N}` on the engine's stdin. Without it (a simulator started on its own) neither
 * refusal happens.
 */

const MIB_PER_GIB = 1024;

/** The free MiB of a `gpu_free` line from the spawner, else null (any other line is ignored). */
export function parseGpuFreeLine(line: string): number | null {
  if (!line.includes('"gpu_free"')) return null;
  try {
    const message = JSON.parse(line) as { event?: unknown; freeMiB?: unknown };
    return message.event === "gpu_free" && typeof message.freeMiB === "number" && Number.isFinite(message.freeMiB) && message.freeMiB >= 0 ? message.freeMiB : null;
  } catch {
    return null;
  }
}

/** The line a spawner writes to tell an engine how much its GPUs have free. */
export function gpuFreeLine(freeMiB: number): string {
  return `${JSON.stringify({ event: "gpu_free", freeMiB: Math.max(0, Math.round(freeMiB)) })}\n`;
}

/**
 * vLLM's start-up refusal as it logs it, or null when the engine may start: free memory (null = unknown) at least
 * `utilization` x `totalMiB`.
 */
export function startupRefusal(freeMiB: number | null, utilization: number | undefined, totalMiB: number): string[] | null {
  if (freeMiB === null || utilization === undefined) return null;
  const requestedMiB = utilization * totalMiB;
  if (freeMiB >= requestedMiB) return null;
  return [
    "ERROR [core.py:708] EngineCore failed to start.",
    "Traceback (most recent call last):",
    '  File "/usr/local/lib/python3.12/dist-packages/vllm/v1/worker/gpu_worker.py", line 239, in init_device',
    `ValueError: Free memory on device cuda:0 (${gib(freeMiB)}/${gib(totalMiB)} GiB) on startup is less than desired GPU memory ` +
      `utilization (${utilization}, ${gib(requestedMiB)} GiB). Decrease GPU memory utilization or reduce GPU memory used by other processes.`,
    "RuntimeError: Engine core initialization failed. See root cause above. Failed core proc(s): {}",
  ];
}

/**
 * A wake brings the engine back to `heldAfterMiB` per GPU (its residue plus the pool it maps back): it fails when
 * the others leave less than that (`freeMiB`, others' allocations only; unknown: it does not fail).
 */
export function wakeFits(freeMiB: number | null, heldAfterMiB: number): boolean {
  return freeMiB === null || freeMiB >= heldAfterMiB;
}

function gib(mib: number): string {
  return (Math.round((mib / MIB_PER_GIB) * 100) / 100).toString();
}

import type { BackendConfig } from "@/lib/config/schema";
import type { SimulatorOptionsInput } from "@/lib/sim/options";
import { spawnSimulator, type SimulatorProcess } from "@/lib/sim/spawn";

/** How the simulated runtime runs one backend: a vLLM simulator process on the backend's URL. */
export function simulatorOptionsFor(backend: BackendConfig): SimulatorOptionsInput {
  const url = new URL(backend.url);
  const sim = backend.sim;
  return {
    host: url.hostname,
    port: Number(url.port || (url.protocol === "https:" ? 443 : 80)),
    servedModel: backend.servedModel,
    kind: backend.kind,
    ...(backend.maxModelLen ? { maxModelLen: backend.maxModelLen } : {}),
    ...(sim ? { loadMs: sim.loadMs, ttftMs: sim.ttftMs, tokensPerSecond: sim.tokensPerSecond, maxNumSeqs: sim.maxNumSeqs } : {}),
  };
}

/**
 * The simulated container runtime: each backend is a simulator child process. Starting returns at once (the
 * simulator refuses connections while it "loads", as vLLM does); the health checks see it become ready.
 */
export class SimulatedRuntime {
  private readonly processes = new Map<string, SimulatorProcess>();

  async start(backendId: string, backend: BackendConfig): Promise<void> {
    if (this.processes.has(backendId)) return;
    const process = await spawnSimulator(simulatorOptionsFor(backend), { waitReady: false });
    this.processes.set(backendId, process);
    process.child.once("exit", () => {
      if (this.processes.get(backendId) === process) this.processes.delete(backendId);
    });
  }

  async stop(backendId: string): Promise<void> {
    const process = this.processes.get(backendId);
    if (!process) return;
    this.processes.delete(backendId);
    await process.stop();
  }

  isRunning(backendId: string): boolean {
    return this.processes.has(backendId);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.processes.keys()].map((id) => this.stop(id)));
  }
}

import { createEnergyLedger, type EnergySettlement, type EnergyTotals } from "./energy-ledger";
import type { GpuSample } from "./types";

/** The telemetry service's side of per-request energy: the ledger fed by its GPU ticks, and who waits for a share. */
export interface RequestEnergy {
  started(requestId: string, gpus: readonly number[]): void;
  ended(requestId: string): void;
  whenSettled(requestId: string, settled: (energyWh: number | null) => void): void;
  totals(): EnergyTotals;
  /** One tick's GPUs. */
  record(samples: readonly GpuSample[]): void;
  /** Every service tick: settles, as unknown, requests on GPUs that stopped reporting. */
  expire(): void;
  /** The service stops: the last readings are held until now and everything that ended is settled. */
  close(): void;
}

export function createRequestEnergy(options: { maxGapMs: number; now: () => number; log: (message: string, error?: unknown) => void }): RequestEnergy {
  const ledger = createEnergyLedger({ maxGapMs: options.maxGapMs });
  const waiting = new Map<string, (energyWh: number | null) => void>();

  const deliver = (settlement: EnergySettlement) => {
    const settled = waiting.get(settlement.requestId);
    if (!settled) return;
    waiting.delete(settlement.requestId);
    call(settled, settlement.energyWh);
  };

  // A consumer that throws must not stop the others from getting their share.
  const call = (settled: (energyWh: number | null) => void, energyWh: number | null) => {
    try {
      settled(energyWh);
    } catch (error) {
      options.log("a request-energy consumer failed", error);
    }
  };

  return {
    started: (requestId, gpus) => ledger.begin(requestId, gpus, options.now()),
    ended: (requestId) => ledger.end(requestId, options.now()),

    whenSettled(requestId, settled) {
      const result = ledger.finish(requestId);
      if (result === "untracked") return call(settled, null);
      if (result !== "pending") return call(settled, result.energyWh);
      // Two requests under one client-given id: the earlier one is not left waiting forever.
      const earlier = waiting.get(requestId);
      if (earlier) call(earlier, null);
      waiting.set(requestId, settled);
    },

    totals: () => ledger.totals(),

    record(samples) {
      for (const sample of samples) ledger.reading(sample.index, sample.at, sample.powerDrawW).forEach(deliver);
    },

    expire: () => ledger.expire(options.now()).forEach(deliver),

    close() {
      ledger.close(options.now()).forEach(deliver);
      // Nothing settles after this: whoever still waits gets "unknown" rather than nothing.
      for (const [requestId, settled] of waiting) {
        waiting.delete(requestId);
        call(settled, null);
      }
    },
  };
}

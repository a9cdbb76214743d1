import { stringify } from "yaml";

export const BENCH_BACKEND = "bench";
export const BENCH_ROUTE = "fast";

/**
 * The smallest lab the gateway runs: one external backend (the simulator), no runtime, no GPU telemetry, no keys,
 * and one route. Admission limits sit far above the load so that only the gateway's own cost is measured.
 */
export function benchLabConfigYaml(backendUrl: string, servedModel: string): string {
  return stringify({
    runtime: "none",
    gpuTelemetry: "none",
    auth: "open",
    backends: {
      [BENCH_BACKEND]: { url: backendUrl, servedModel, maxConcurrency: 1024, maxQueue: 1024 },
    },
    modes: { bench: { backends: [BENCH_BACKEND], default: true, description: "gateway benchmark" } },
    routes: { [BENCH_ROUTE]: [BENCH_BACKEND] },
  });
}

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

/** The two overload backends: the same simulator behind admission limits, and behind none. */
export const OVERLOAD_BACKENDS = { admissionOn: "sim-admission-on", admissionOff: "sim-pass-through" } as const;
export const OVERLOAD_ROUTES = { admissionOn: "overload-admission-on", admissionOff: "overload-admission-off" } as const;

export interface AdmissionLimitsYaml {
  maxConcurrency: number;
  maxQueue: number;
}

/**
 * The overload lab: one simulator with a real capacity model, declared twice so that one app run measures both
 * sides (the two are loaded one after the other, never together). Admission on leaves the simulator headroom
 * and a bounded queue; admission off has limits so high that everything passes through to vLLM's own queue.
 */
export function overloadLabConfigYaml(
  backendUrl: string,
  servedModel: string,
  limits: { admissionOn: AdmissionLimitsYaml; admissionOff: AdmissionLimitsYaml; queueTimeoutSeconds: number },
): string {
  const backendIds = [OVERLOAD_BACKENDS.admissionOn, OVERLOAD_BACKENDS.admissionOff];
  return stringify({
    runtime: "none",
    gpuTelemetry: "none",
    auth: "open",
    backends: {
      [OVERLOAD_BACKENDS.admissionOn]: { url: backendUrl, servedModel, ...limits.admissionOn },
      [OVERLOAD_BACKENDS.admissionOff]: { url: backendUrl, servedModel, ...limits.admissionOff },
    },
    modes: { overload: { backends: backendIds, default: true, description: "overload benchmark" } },
    routes: { [OVERLOAD_ROUTES.admissionOn]: [OVERLOAD_BACKENDS.admissionOn], [OVERLOAD_ROUTES.admissionOff]: [OVERLOAD_BACKENDS.admissionOff] },
    gateway: { queueTimeoutSeconds: limits.queueTimeoutSeconds },
  });
}

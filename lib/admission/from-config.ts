import type { LabConfig } from "@/lib/config/schema";
import { createAdmission, type BackendAdmission } from "./backend-admission";

/** Admission limits read from the lab config on every call (a backend that left the config keeps sane limits). */
export function createAdmissionFromConfig(config: () => LabConfig): BackendAdmission {
  return createAdmission({
    limits: (backendId) => {
      const current = config();
      const backend = current.backends[backendId];
      return {
        maxConcurrency: backend?.maxConcurrency ?? 1,
        maxQueue: backend?.maxQueue ?? 0,
        queueTimeoutMs: current.gateway.queueTimeoutSeconds * 1000,
      };
    },
  });
}

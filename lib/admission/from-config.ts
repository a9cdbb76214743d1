import type { LabConfig } from "@/lib/config/schema";
import { createAdmission, type BackendAdmission } from "./backend-admission";

/** Admission limits read from the lab config on every call (a backend that left the config keeps sane limits). */
export function createAdmissionFromConfig(config: () => LabConfig): BackendAdmission {
  return createAdmission({
    limits: (backendId) => {
      const current = config();
      const backend = current.backends[backendId];
      const maxConcurrency = backend?.maxConcurrency ?? 1;
      const maxQueue = backend?.maxQueue ?? 0;
      return {
        maxConcurrency,
        maxQueue,
        queueTimeoutMs: current.gateway.queueTimeoutSeconds * 1000,
        // A quarter of the slots and half the queue stay out of batch's reach unless the config says otherwise.
        batchMaxConcurrency: backend?.batchMaxConcurrency ?? Math.max(1, maxConcurrency - Math.ceil(maxConcurrency / 4)),
        batchMaxQueue: backend?.batchMaxQueue ?? Math.floor(maxQueue / 2),
      };
    },
  });
}

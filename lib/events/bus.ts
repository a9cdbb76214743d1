import type { BackendChartField, BackendReadings, GpuSample } from "@/lib/telemetry/types";

/**
 * Everything the console watches live goes through this bus; `/api/events` relays it as Server-Sent Events.
 * Payloads are plain JSON-serialisable objects.
 */
export interface LabEventMap {
  /** The lab's summary changed (mode, a backend's state, an operation started or ended). */
  status: { reason: string };
  /** A step of a mode switch or a restart started or ended. */
  operation_step: { operationId: string; kind: "mode_switch" | "restart"; step: string; status: string; detail: string | null; at: string };
  /** A mode switch or restart ended. */
  operation_done: { operationId: string; kind: "mode_switch" | "restart"; backendId: string | null; requestedBy: string; status: string; error: string | null };
  /** A recorded lab event (restart, health change, watchdog action, container exit). */
  lab_event: { id: number | null; at: string; kind: string; severity: "info" | "warning" | "error"; backendId: string | null; message: string };
  /** One telemetry tick of every GPU. */
  gpu_samples: { samples: GpuSample[] };
  /** One scrape of a backend's vLLM metrics. */
  backend_sample: { backendId: string; at: number } & Pick<BackendReadings, BackendChartField>;
  /** A change was written to the audit trail (lib/audit). */
  audit: { id: number; at: string; kind: string; action: string; target: string; summary: string };
  /** A request finished (for the live tail). */
  request: { id: number; receivedAt: string; outcome: string; status: number | null; backend: string | null; requestedModel: string | null };
  /** An alert was delivered to a webhook, failed (an attempt), or was dropped (lib/alerts); `id` is its AlertDelivery row. */
  alert_delivery: {
    id: number | null;
    at: string;
    alertId: string;
    kind: string;
    severity: "info" | "warning" | "error";
    webhook: string;
    status: "delivered" | "failed" | "dropped";
    httpStatus: number | null;
    error: string | null;
    durationMs: number | null;
    attempt: number;
    willRetry: boolean;
    /** The notice that the alert's condition ended. */
    resolved: boolean;
    backendId: string | null;
    title: string;
    message: string;
  };
}

export type LabEventName = keyof LabEventMap;
export type LabBusEvent = { [K in LabEventName]: { type: K; data: LabEventMap[K] } }[LabEventName];

type Listener = (event: LabBusEvent) => void;

export class EventBus {
  private readonly listeners = new Set<Listener>();

  publish<K extends LabEventName>(type: K, data: LabEventMap[K]): void {
    const event = { type, data } as LabBusEvent;
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        console.error("[events] a listener failed", error);
      }
    }
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }
}

import type { GpuSample, LabEventMap } from "@/components/hooks/api-types";
import type { LabBusEvent } from "@/lib/events/bus";

/**
 * What the console keeps from the lab's event stream between renders: the connection state, the recent GPU samples
 * (for sparklines) and the recent finished requests (for the live tail). Components read it through
 * useSyncExternalStore; every change replaces the snapshot, so unchanged parts keep their identity.
 */

export type ConnectionState = "connecting" | "open" | "reconnecting";

export type LiveRequest = LabEventMap["request"] & { seenAt: number };

export type GpuSampleHistory = Readonly<Record<number, readonly GpuSample[]>>;

export interface LiveSnapshot {
  connection: ConnectionState;
  gpuSamples: GpuSampleHistory;
  requests: readonly LiveRequest[];
}

/** How long live GPU samples are kept: the overview's sparklines show the last two minutes. */
export const LIVE_GPU_WINDOW_MS = 2 * 60_000;
/** How many finished requests the live tail keeps. */
export const LIVE_REQUESTS_KEPT = 50;

/** Adds one telemetry tick to the per-GPU history and drops samples older than `keepMs` before the newest. */
export function appendGpuSamples(history: GpuSampleHistory, samples: readonly GpuSample[], keepMs: number): GpuSampleHistory {
  const next: Record<number, readonly GpuSample[]> = { ...history };
  for (const sample of samples) {
    const previous = next[sample.index] ?? [];
    const last = previous.at(-1);
    // A reconnect can replay a tick we already hold; time only moves forward in a sparkline.
    if (last && last.at >= sample.at) continue;
    const cutoff = sample.at - keepMs;
    next[sample.index] = [...previous.filter((s) => s.at >= cutoff), sample];
  }
  return next;
}

/** Newest first, at most `max`, without duplicates (a request id is reported once, but reconnects may repeat). */
export function prependLiveRequest(list: readonly LiveRequest[], request: LiveRequest, max: number): LiveRequest[] {
  return [request, ...list.filter((r) => r.id !== request.id)].slice(0, max);
}

type Listener = () => void;
export type LiveEventListener = (event: LabBusEvent) => void;

export class LiveStore {
  private snapshot: LiveSnapshot = { connection: "connecting", gpuSamples: {}, requests: [] };
  private readonly listeners = new Set<Listener>();
  private readonly eventListeners = new Set<LiveEventListener>();

  readonly subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): LiveSnapshot => this.snapshot;

  setConnection(connection: ConnectionState): void {
    if (this.snapshot.connection !== connection) this.update({ connection });
  }

  addGpuSamples(samples: readonly GpuSample[]): void {
    this.update({ gpuSamples: appendGpuSamples(this.snapshot.gpuSamples, samples, LIVE_GPU_WINDOW_MS) });
  }

  addRequest(request: LiveRequest): void {
    this.update({ requests: prependLiveRequest(this.snapshot.requests, request, LIVE_REQUESTS_KEPT) });
  }

  /** Raw events, for the few components that act on them themselves (the request table's follow mode). */
  readonly listen = (listener: LiveEventListener): (() => void) => {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  };

  emit(event: LabBusEvent): void {
    for (const listener of this.eventListeners) listener(event);
  }

  private update(patch: Partial<LiveSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...patch };
    for (const listener of this.listeners) listener();
  }
}

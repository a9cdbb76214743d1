"use client";

import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { createContext, useContext, useEffect, useState, useSyncExternalStore, type ReactNode } from "react";
import type { LabStatus } from "@/components/hooks/api-types";
import { queryKeys } from "@/components/hooks/query-keys";
import type { LabBusEvent } from "@/lib/events/bus";
import { createInvalidationScheduler, invalidationsFor, type LabStreamEventName } from "./invalidation";
import { LiveStore, type ConnectionState, type LiveEventListener, type LiveSnapshot } from "./live-store";

const LiveContext = createContext<LiveStore | null>(null);

const STREAM_EVENTS: LabStreamEventName[] = ["status", "operation_step", "operation_done", "lab_event", "gpu_samples", "backend_sample", "request", "alert_delivery", "audit"];
const MAX_RETRY_MS = 15_000;

/**
 * The console's one connection to `/api/events`. The first event of every connection is a full status snapshot;
 * after that, GPU and engine samples are applied to the cached status, and other events invalidate the queries
 * they affect (see invalidation.ts). A dropped connection is retried with backoff, and everything cached is
 * refetched on reconnect because events may have been missed.
 */
export function LiveEventsProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [store] = useState(() => new LiveStore());

  useEffect(() => {
    const scheduler = createInvalidationScheduler((key) => void queryClient.invalidateQueries({ queryKey: key }));
    let source: EventSource | null = null;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    let hadConnection = false;

    const connect = () => {
      store.setConnection(hadConnection ? "reconnecting" : "connecting");
      const current = new EventSource("/api/events");
      source = current;
      current.addEventListener("snapshot", (message) => {
        const status = parse<LabStatus>(message);
        if (!status) return;
        failures = 0;
        queryClient.setQueryData(queryKeys.status(), status);
        if (status.gpus.length > 0) store.addGpuSamples(status.gpus);
        // Whatever happened while we were away is in no event we will get: refresh the rest.
        if (hadConnection) void queryClient.invalidateQueries({ predicate: (query) => query.queryKey[0] !== "status" });
        hadConnection = true;
        store.setConnection("open");
      });
      for (const type of STREAM_EVENTS) {
        current.addEventListener(type, (message) => {
          const data = parse<LabBusEvent["data"]>(message);
          if (!data) return;
          const event = { type, data } as LabBusEvent;
          applyToCache(queryClient, store, event);
          for (const invalidation of invalidationsFor(type)) scheduler.schedule(invalidation);
          store.emit(event);
        });
      }
      current.onerror = () => {
        // Own the retry (EventSource gives up for good on some errors): close, wait, reconnect.
        current.close();
        if (source !== current) return;
        source = null;
        store.setConnection("reconnecting");
        failures += 1;
        retryTimer = setTimeout(connect, Math.min(500 * 2 ** (failures - 1), MAX_RETRY_MS));
      };
    };

    connect();
    return () => {
      clearTimeout(retryTimer);
      source?.close();
      source = null;
      scheduler.dispose();
    };
  }, [queryClient, store]);

  return <LiveContext.Provider value={store}>{children}</LiveContext.Provider>;
}

function parse<T>(message: Event): T | null {
  try {
    return JSON.parse((message as MessageEvent<string>).data) as T;
  } catch {
    return null;
  }
}

/** Samples go straight into the cached status, so cards update every tick without a refetch. */
function applyToCache(queryClient: QueryClient, store: LiveStore, event: LabBusEvent): void {
  if (event.type === "gpu_samples") {
    const { samples } = event.data;
    store.addGpuSamples(samples);
    queryClient.setQueryData<LabStatus>(queryKeys.status(), (status) => (status ? { ...status, gpus: samples } : status));
  } else if (event.type === "backend_sample") {
    const sample = event.data;
    queryClient.setQueryData<LabStatus>(queryKeys.status(), (status) =>
      status
        ? {
            ...status,
            backends: status.backends.map((backend) =>
              backend.id === sample.backendId
                ? {
                    ...backend,
                    engine: {
                      // TTFT percentiles are not in the sample: keep the last known ones until the next refetch.
                      ttftP50Ms: backend.engine?.ttftP50Ms ?? null,
                      ttftP95Ms: backend.engine?.ttftP95Ms ?? null,
                      at: sample.at,
                      running: sample.running,
                      waiting: sample.waiting,
                      kvCacheUsage: sample.kvCacheUsage,
                      generationTokensPerSecond: sample.generationTokensPerSecond,
                    },
                  }
                : backend,
            ),
          }
        : status,
    );
  } else if (event.type === "request") {
    store.addRequest({ ...event.data, seenAt: Date.now() });
  }
}

function useLiveStore(): LiveStore {
  const store = useContext(LiveContext);
  if (!store) throw new Error("useLive* hooks need a <LiveEventsProvider> above them");
  return store;
}

/** A slice of the live state; `select` must return parts of the snapshot (or primitives) to stay stable. */
export function useLive<T>(select: (snapshot: LiveSnapshot) => T): T {
  const store = useLiveStore();
  const read = () => select(store.getSnapshot());
  return useSyncExternalStore(store.subscribe, read, read);
}

export function useLiveConnection(): ConnectionState {
  return useLive((snapshot) => snapshot.connection);
}

/** Calls `listener` for every live event while the component is mounted (keep `listener` stable). */
export function useLiveEvents(listener: LiveEventListener): void {
  const store = useLiveStore();
  useEffect(() => store.listen(listener), [store, listener]);
}

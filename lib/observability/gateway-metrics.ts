import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { RequestRecord } from "@/lib/request-log/record";
import { registerLabMetrics, type LabMetricsSources } from "./lab-metrics";

export interface GatewayMetricsSources {
  inFlight: () => Record<string, number>;
  admission: () => Record<string, { queued: { interactive: number; batch: number }; totals: { rejectedFull: number; timedOut: number } }>;
  requestLog: () => { queued: number; dropped: number; written: number; failedBatches: number; busyBatches: number };
  /** The lab's mode, backends and GPUs (lab-metrics.ts); left out, /metrics shows only the gateway and the process. */
  lab?: LabMetricsSources;
}

/** prom-client's default gauges named `*_total`, a suffix Prometheus keeps for counters; the same gauges without the suffix, by type, remain. */
const DEFAULT_GAUGES_NAMED_LIKE_COUNTERS = ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"];

/**
 * The gateway's own Prometheus metrics (/metrics), all named `switchyard_*` and checked by `promtool check metrics`
 * (lib/observability/metrics-promtool.int.test.ts). Request counters are fed by the pipeline's finished records;
 * everything that mirrors other components' state is read when scraped.
 */
export function createGatewayMetrics(sources: GatewayMetricsSources) {
  const registry = new Registry();
  // The process and Node.js metrics: switchyard_process_*, switchyard_nodejs_*.
  collectDefaultMetrics({ register: registry, prefix: "switchyard_" });
  for (const name of DEFAULT_GAUGES_NAMED_LIKE_COUNTERS) registry.removeSingleMetric(`switchyard_${name}`);

  const requests = new Counter({
    name: "switchyard_requests_total",
    help: "Gateway requests by endpoint, route, backend, HTTP status and outcome.",
    labelNames: ["endpoint", "route", "backend", "status", "outcome"] as const,
    registers: [registry],
  });
  const entries = new Counter({
    name: "switchyard_gateway_entries_total",
    help: "Gateway requests by the way they reached it: the server's fast path, Next.js route handlers, or the console's playground.",
    labelNames: ["path"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "switchyard_request_duration_seconds",
    help: "Time from request received to the last byte sent.",
    labelNames: ["endpoint", "backend"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [registry],
  });
  const ttft = new Histogram({
    name: "switchyard_time_to_first_token_seconds",
    help: "Time from request received to the first generated token, streams only.",
    labelNames: ["backend"] as const,
    buckets: [0.02, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const tokens = new Counter({
    name: "switchyard_tokens_total",
    help: "Prompt and completion tokens by backend.",
    labelNames: ["backend", "kind"] as const,
    registers: [registry],
  });
  new Gauge({
    name: "switchyard_requests_in_flight",
    help: "Requests being served, by backend.",
    labelNames: ["backend"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [backend, count] of Object.entries(sources.inFlight())) this.set({ backend }, count);
    },
  });
  new Gauge({
    name: "switchyard_admission_queued",
    help: "Requests waiting for a slot on a backend, by lane.",
    labelNames: ["backend", "lane"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [backend, snapshot] of Object.entries(sources.admission())) {
        this.set({ backend, lane: "interactive" }, snapshot.queued.interactive);
        this.set({ backend, lane: "batch" }, snapshot.queued.batch);
      }
    },
  });
  // Counters that mirror other components' own monotonic counts: reset and set to them when scraped.
  new Counter({
    name: "switchyard_admission_rejected_total",
    help: "Requests refused by admission control: queue full (429) or queue timeout (503).",
    labelNames: ["backend", "reason"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [backend, snapshot] of Object.entries(sources.admission())) {
        this.inc({ backend, reason: "queue_full" }, snapshot.totals.rejectedFull);
        this.inc({ backend, reason: "queue_timeout" }, snapshot.totals.timedOut);
      }
    },
  });
  new Gauge({
    name: "switchyard_request_log_queue_depth",
    help: "Request-log rows waiting for the next batch write.",
    registers: [registry],
    collect() {
      this.set(sources.requestLog().queued);
    },
  });
  const logCounters = [
    ["switchyard_request_log_dropped_total", "Request-log rows lost to a full queue or a database error.", "dropped"],
    ["switchyard_request_log_written_total", "Request-log rows added (one per request).", "written"],
    ["switchyard_request_log_failed_batches_total", "Request-log batch writes that failed.", "failedBatches"],
    ["switchyard_request_log_busy_batches_total", "Request-log batch writes put off by another connection's write lock (their rows stay queued).", "busyBatches"],
  ] as const;
  for (const [name, help, field] of logCounters) {
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(sources.requestLog()[field]);
      },
    });
  }
  if (sources.lab) registerLabMetrics(registry, sources.lab);

  return {
    registry,
    /**
     * `npm start` hands the gateway's hot paths to it directly; Next only serves them when that is not running. The
     * playground (`/api/playground/chat`) hands its chats to the gateway itself, as the console.
     */
    countEntry(path: "fast_path" | "next" | "playground"): void {
      entries.inc({ path });
    },
    observe(record: RequestRecord): void {
      const backend = record.backend ?? "none";
      const endpoint = endpointLabel(record);
      requests.inc({ endpoint, route: record.route ?? "none", backend, status: String(record.status ?? 0), outcome: record.outcome });
      if (record.durationMs !== null) duration.observe({ endpoint, backend }, record.durationMs / 1000);
      if (record.ttftMs !== null) ttft.observe({ backend }, record.ttftMs / 1000);
      if (record.promptTokens) tokens.inc({ backend, kind: "prompt" }, record.promptTokens);
      if (record.completionTokens) tokens.inc({ backend, kind: "completion" }, record.completionTokens);
    },
  };
}

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;

/** Paths clients invent must not become label values (one series each). */
function endpointLabel(record: RequestRecord): string {
  if (record.errorCode === "unknown_endpoint") return "unknown";
  return record.endpoint.startsWith("/v1/models/") ? "/v1/models/{id}" : record.endpoint;
}

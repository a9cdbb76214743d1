import { describe, expect, test } from "vitest";
import type { RequestRecord } from "@/lib/request-log/record";
import { createGatewayMetrics, type GatewayMetricsSources } from "./gateway-metrics";

const sources: GatewayMetricsSources = {
  inFlight: () => ({ a: 2 }),
  admission: () => ({ a: { queued: { interactive: 1, batch: 0 }, totals: { rejectedFull: 3, timedOut: 1 } } }),
  requestLog: () => ({ queued: 4, dropped: 0, written: 17, failedBatches: 1, busyBatches: 2 }),
};

function types(text: string): Map<string, string> {
  return new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((match) => [match[1]!, match[2]!]));
}

describe("the gateway's metrics", () => {
  test("process and Node.js metrics are switchyard_process_* and switchyard_nodejs_*, and no gauge is named *_total", async () => {
    const text = await createGatewayMetrics(sources).registry.metrics();
    const families = types(text);
    expect(families.get("switchyard_process_cpu_seconds_total")).toBe("counter");
    expect(families.get("switchyard_process_resident_memory_bytes")).toBe("gauge");
    expect(families.get("switchyard_nodejs_eventloop_lag_p99_seconds")).toBe("gauge");
    expect(families.get("switchyard_nodejs_active_handles")).toBe("gauge");
    expect([...families.keys()].filter((name) => name.startsWith("switchyard_process_process_"))).toEqual([]);
    expect([...families].filter(([name, type]) => name.endsWith("_total") !== (type === "counter"))).toEqual([]);
  });

  test("the admission and request-log totals are counters holding the components' own counts", async () => {
    const text = await createGatewayMetrics(sources).registry.metrics();
    const families = types(text);
    for (const name of ["switchyard_admission_rejected_total", "switchyard_request_log_written_total", "switchyard_request_log_dropped_total", "switchyard_request_log_failed_batches_total", "switchyard_request_log_busy_batches_total"]) {
      expect(families.get(name), name).toBe("counter");
    }
    expect(text).toContain('switchyard_admission_rejected_total{backend="a",reason="queue_full"} 3');
    expect(text).toContain('switchyard_admission_rejected_total{backend="a",reason="queue_timeout"} 1');
    expect(text).toContain("switchyard_request_log_written_total 17");
    expect(text).toContain("switchyard_request_log_dropped_total 0");
    expect(text).toContain("switchyard_request_log_busy_batches_total 2");
    expect(text).toContain("switchyard_request_log_queue_depth 4");
    expect(text).toContain('switchyard_requests_in_flight{backend="a"} 2');
  });

  test("a finished request counts once, with bounded labels", async () => {
    const metrics = createGatewayMetrics(sources);
    const record = {
      endpoint: "/v1/models/some-client-invented-name",
      route: null,
      backend: null,
      status: 404,
      outcome: "error",
      errorCode: "model_not_found",
      durationMs: 3,
      ttftMs: null,
      promptTokens: null,
      completionTokens: null,
    } as unknown as RequestRecord;
    metrics.observe(record);
    const text = await metrics.registry.metrics();
    expect(text).toContain('switchyard_requests_total{endpoint="/v1/models/{id}",route="none",backend="none",status="404",outcome="error"} 1');
    expect(text).not.toContain("some-client-invented-name");
  });
});

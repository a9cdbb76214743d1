import { parse } from "yaml";
import { expect, test } from "vitest";
import { labConfigSchema } from "@/lib/config/schema";
import { OVERLOAD_BACKENDS, OVERLOAD_ROUTES, overloadLabConfigYaml } from "./lab-config";
import { deriveOverloadFigures, renderOverloadMarkdown, type OverloadPhaseRecords } from "./overload-report";
import type { OverloadLane, OverloadRequestRecord } from "./overload-request";

let clock = 0;
function record(lane: OverloadLane, outcome: OverloadRequestRecord["outcome"], options: { ttftMs?: number; status?: number; endedMs?: number; problem?: string } = {}): OverloadRequestRecord {
  clock += 1;
  const status = options.status ?? (outcome === "served" ? 200 : outcome === "refused" ? 429 : 500);
  return {
    lane,
    startedMs: clock,
    endedMs: options.endedMs ?? clock + 1,
    status,
    ttftMs: outcome === "served" ? (options.ttftMs ?? 50) : null,
    retryAfter: outcome === "refused" ? "2" : null,
    outcome,
    problem: outcome === "lost" ? (options.problem ?? `status ${status}`) : null,
  };
}

const served = (lane: OverloadLane, ttfts: number[]) => ttfts.map((ttftMs) => record(lane, "served", { ttftMs }));
const window = { startMs: 1000, endMs: 11_000 };

function phase(interactive: OverloadRequestRecord[], batch: OverloadRequestRecord[] = []): OverloadPhaseRecords {
  return { window, interactive, batch };
}

test("TTFT ratios compare each loaded run with the interactive client alone; refusals have no TTFT", () => {
  const figures = deriveOverloadFigures({
    unloaded: phase(served("interactive", [40, 50, 60, 100])),
    admissionOn: phase([...served("interactive", [50, 60, 70, 140]), record("interactive", "refused"), record("interactive", "refused", { status: 503 })]),
    admissionOff: phase(served("interactive", [400, 500, 600, 2000])),
  });
  expect(figures.unloaded.interactive.ttft).toMatchObject({ p50: 50, p99: 100 });
  expect(figures.admissionOn.interactive).toMatchObject({ sent: 6, served: 4, refused429: 1, refused503: 1, lost: 0 });
  expect(figures.admissionOn.interactive.p50VsUnloaded).toBeCloseTo(1.2, 6);
  expect(figures.admissionOn.interactive.p99VsUnloaded).toBeCloseTo(1.4, 6);
  expect(figures.admissionOff.interactive.p99VsUnloaded).toBeCloseTo(20, 6);
});

test("the p99 target holds when every interactive request is served within 1.5x of unloaded", () => {
  const figures = deriveOverloadFigures({
    unloaded: phase(served("interactive", [40, 50, 60, 100])),
    admissionOn: phase(served("interactive", [50, 60, 70, 150]), [record("batch", "refused"), record("batch", "refused", { status: 503 })]),
    admissionOff: phase(served("interactive", [400, 500, 600, 2000])),
  });
  expect(figures.targets[0]).toMatchObject({ measured: 1.5, met: true });
  expect(figures.targets[1]).toMatchObject({ measured: 0, met: true });
  expect(figures.allTargetsMet).toBe(true);
});

test("refusing interactive requests cannot pass for a fast p99: a refusal counts as a first token that never came", () => {
  const fast = served("interactive", Array.from({ length: 98 }, () => 50));
  const figures = deriveOverloadFigures({
    unloaded: phase(served("interactive", [50, 100])),
    admissionOn: phase([...fast, record("interactive", "refused"), record("interactive", "refused")]),
    admissionOff: phase(served("interactive", [50, 100])),
  });
  // Over the served ones it looks perfect...
  expect(figures.admissionOn.interactive.p99VsUnloaded).toBeCloseTo(0.5, 6);
  // ...but 2% of the interactive traffic got no answer at all.
  expect(figures.targets[0]).toMatchObject({ measured: Number.POSITIVE_INFINITY, met: false });
  const markdown = renderOverloadMarkdown(figures, { setup: "test", labels: { unloaded: "alone", admissionOn: "on", admissionOff: "off" } });
  expect(markdown).toContain("none: over 1% without a first token (2 refused, 0 lost of 100)");
  // One refusal in 100 is within the p99's allowance.
  const oneRefused = deriveOverloadFigures({
    unloaded: phase(served("interactive", [50, 100])),
    admissionOn: phase([...fast, record("interactive", "served", { ttftMs: 60 }), record("interactive", "refused")]),
    admissionOff: phase(served("interactive", [50, 100])),
  });
  expect(oneRefused.targets[0]).toMatchObject({ measured: 0.6, met: true });
});

test("a p99 above 1.5x unloaded or a single lost request misses the targets, and says why requests were lost", () => {
  const figures = deriveOverloadFigures({
    unloaded: phase(served("interactive", [50, 100])),
    admissionOn: phase(served("interactive", [50, 160]), [record("batch", "lost", { problem: "200 stream ended without [DONE]" })]),
    admissionOff: phase(served("interactive", [50, 100]), [record("batch", "lost", { status: 502 }), record("batch", "lost", { status: 502 })]),
  });
  expect(figures.targets[0]).toMatchObject({ measured: 1.6, met: false });
  expect(figures.admissionOn.interactive.p99VsUnloaded).toBeCloseTo(1.6, 6);
  expect(figures.lost).toBe(3);
  expect(figures.lostBecause).toEqual({ "batch: 200 stream ended without [DONE]": 1, "batch: status 502": 2 });
  expect(figures.targets[1]).toMatchObject({ measured: 3, met: false });
  expect(figures.allTargetsMet).toBe(false);
});

test("with every interactive request refused there is no p99, and the target is not met", () => {
  const figures = deriveOverloadFigures({
    unloaded: phase(served("interactive", [50])),
    admissionOn: phase([record("interactive", "refused"), record("interactive", "refused")]),
    admissionOff: phase(served("interactive", [500])),
  });
  expect(figures.admissionOn.interactive.served).toBe(0);
  expect(figures.targets[0]?.met).toBe(false);
  const markdown = renderOverloadMarkdown(figures, { setup: "test", labels: { unloaded: "alone", admissionOn: "on", admissionOff: "off" } });
  expect(markdown).toContain("**2 interactive request(s) were refused with admission on**");
  expect(markdown).toMatch(/\| on \| 0\/2 \| 2 \(2 x 429, 0 x 503\) \| n\/a \| n\/a \|/);
});

test("batch rates count only requests that ended inside the interactive window", () => {
  const batch = [
    record("batch", "served", { endedMs: 500 }), // during the ramp
    ...Array.from({ length: 30 }, (_, i) => record("batch", "served", { endedMs: 1000 + i * 300 })),
    record("batch", "refused", { endedMs: 5000 }),
    record("batch", "served", { endedMs: 11_500 }), // during the drain
  ];
  const figures = deriveOverloadFigures({ unloaded: phase(served("interactive", [50])), admissionOn: phase(served("interactive", [50]), batch), admissionOff: phase(served("interactive", [50])) });
  expect(figures.admissionOn.batch).toMatchObject({ sent: 33, served: 32, refused429: 1 });
  expect(figures.admissionOn.batch.servedPerSecond).toBeCloseTo(3.0, 6);
  expect(figures.admissionOn.batch.refusedPerSecond).toBeCloseTo(0.1, 6);
});

test("the markdown has one row per run with both ratios, the vLLM queue, and the targets", () => {
  const figures = deriveOverloadFigures({
    unloaded: { ...phase(served("interactive", [50, 50])), simulator: { running: [1, 2], waiting: [0, 0] } },
    admissionOn: { ...phase(served("interactive", [60, 70])), simulator: { running: [6, 6], waiting: [0, 0] } },
    admissionOff: { ...phase(served("interactive", [500, 1000])), simulator: { running: [8, 8], waiting: [10, 20] } },
  });
  const markdown = renderOverloadMarkdown(figures, { setup: "sim 8", labels: { unloaded: "alone", admissionOn: "on", admissionOff: "off" } });
  expect(markdown).toContain("| on | 2/2 | 0 | 60.0 | 70.0 | 1.20x | 1.40x |");
  expect(markdown).toContain("| 8.0 (8) / 15.0 (20) | 0 |");
  expect(markdown).toContain("| interactive TTFT p99 with admission on, x unloaded p99 (a refused request counts as no first token) | 1.40x | <= 1.50x | yes |");
});

test("the overload lab config is valid for the app: two backends on one simulator, each behind its own route", () => {
  const yaml = overloadLabConfigYaml("http://127.0.0.1:9999", "m", {
    admissionOn: { maxConcurrency: 6, maxQueue: 8 },
    admissionOff: { maxConcurrency: 1000, maxQueue: 1000 },
    queueTimeoutSeconds: 10,
  });
  const config = labConfigSchema.parse(parse(yaml));
  expect(config.backends[OVERLOAD_BACKENDS.admissionOn]).toMatchObject({ url: "http://127.0.0.1:9999", maxConcurrency: 6, maxQueue: 8 });
  expect(config.backends[OVERLOAD_BACKENDS.admissionOff]).toMatchObject({ url: "http://127.0.0.1:9999", maxConcurrency: 1000, maxQueue: 1000 });
  expect(config.routes[OVERLOAD_ROUTES.admissionOn]).toEqual([OVERLOAD_BACKENDS.admissionOn]);
  expect(config.routes[OVERLOAD_ROUTES.admissionOff]).toEqual([OVERLOAD_BACKENDS.admissionOff]);
  expect(config.gateway.queueTimeoutSeconds).toBe(10);
});

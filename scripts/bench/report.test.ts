import { expect, test } from "vitest";
import type { LatencyResult, ThroughputResult } from "./load";
import { deriveFigures, renderMarkdown, type PhaseResults } from "./report";

const latency = (p50: number, p99: number): LatencyResult => ({ count: 100, p50, p99, mean: p50, errors: 0 });
const throughput = (windows: number[], appCpu: number | null = null): ThroughputResult => ({
  requestsPerSecond: windows.reduce((a, b) => a + b, 0) / windows.length,
  completed: 0,
  errors: 0,
  seconds: windows.length,
  windows,
  cpuMsPerRequest: { app: appCpu, simulator: 0.1 },
  spans: [],
  latency: { count: 0, p50: 0, p99: 0, mean: 0 },
});

function phase(requestLog: "on" | "off", gatewayP50: number, gatewayWindows: number[], gatewayCpu: number): PhaseResults {
  return {
    requestLog,
    latency: { direct: latency(0.3, 1), gateway: latency(gatewayP50, 2.5), noop: latency(0.9, 2) },
    ttft: { direct: latency(0.5, 1.5), gateway: latency(1.5, 4) },
    throughput: { direct: throughput([5000, 5000, 5000]), gateway: throughput(gatewayWindows, gatewayCpu), noop: throughput([1000, 500, 1000], 1) },
  };
}

test("added latency is the gateway's percentile minus the direct one, and targets say by how much they are missed", () => {
  const figures = deriveFigures(phase("on", 1.3, [900, 450, 900], 1.1), phase("off", 0.7, [950, 475, 950], 1.05));
  expect(figures.logOn.latency.addedP50).toBeCloseTo(1.0, 6);
  expect(figures.logOn.latency.addedP99).toBeCloseTo(1.5, 6);
  const p50 = figures.targets.find((t) => t.name.startsWith("added p50 latency, log on"));
  expect(p50).toMatchObject({ met: false, missedBy: 0.5 });
  const p50Off = figures.targets.find((t) => t.name.startsWith("added p50 latency, log off"));
  expect(p50Off).toMatchObject({ met: true, missedBy: 0 });
});

test("throughput is compared round by round with the no-op route, and the log's cost against its own no-op", () => {
  const figures = deriveFigures(phase("on", 1, [900, 450, 900], 1.25), phase("off", 1, [950, 475, 950], 1));
  expect(figures.logOn.throughput.percentOfNoop).toBeCloseTo(90, 6);
  expect(figures.logOff.throughput.percentOfNoop).toBeCloseTo(95, 6);
  expect(figures.logging.costPercent).toBeCloseTo(100 - (100 * 90) / 95, 6);
  expect(figures.logOn.cpu.percentOfNoop).toBeCloseTo(80, 6);
  expect(figures.logging.cpuCostPercent).toBeCloseTo(20, 6);
  const share = figures.targets.find((t) => t.name.startsWith("throughput, log on"));
  expect(share?.met).toBe(true);
  expect(figures.allTargetsMet).toBe(false);
});

test("the markdown report shows every figure the JSON holds, and unknown CPU as n/a", () => {
  const on = phase("on", 1, [900, 450, 900], 1.2);
  on.throughput.gateway.cpuMsPerRequest.app = null;
  const markdown = renderMarkdown(deriveFigures(on, phase("off", 1, [950, 475, 950], 1)), {
    latencyRequests: 1500,
    ttftRequests: 500,
    seconds: 8,
    rounds: 16,
    concurrency: 32,
  });
  expect(markdown).toContain("| gateway, request log on | 1.000 | 2.500 | +0.700 | +1.500 | +0.100 | +0.500 |");
  expect(markdown).toMatch(/\| gateway, request log on \| \d+ \| 90\.0% \| .* \| n\/a \|/);
  expect(markdown).toContain("### Targets");
});

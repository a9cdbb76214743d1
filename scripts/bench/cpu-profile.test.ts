import { expect, test } from "vitest";
import { areaOf, costPerTarget, summarizeCpuProfile, type CpuProfile } from "./cpu-profile";

test("code is attributed to its package or project folder", () => {
  expect(areaOf("node_modules/next/dist/server/base-server.js", "handleRequest")).toBe("next");
  expect(areaOf("node_modules/@prisma/client/runtime/x.js", "q")).toBe("@prisma/client");
  expect(areaOf("lib/gateway/proxy.ts", "relayWhole")).toBe("lib/gateway");
  expect(areaOf("node:internal/deps/undici/undici", "_Request")).toBe("undici (node's fetch)");
  expect(areaOf("node:net", "writeGeneric")).toBe("node core");
  expect(areaOf("", "(garbage collector)")).toBe("garbage collection");
});

/** root -> handler -> work; samples every 1 ms from t = 1000 µs. */
function profile(samples: number[]): CpuProfile {
  const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0, columnNumber: 0 });
  return {
    startTime: 1000,
    nodes: [
      { id: 1, callFrame: frame("(root)", ""), children: [2, 4] },
      { id: 2, callFrame: frame("handler", "file:///x/lib/gateway/gateway.ts"), children: [3] },
      { id: 3, callFrame: frame("write", "node:net") },
      { id: 4, callFrame: frame("(idle)", "") },
    ],
    samples,
    timeDeltas: samples.map(() => 1000),
  };
}

test("busy time excludes idle, and total time includes callees", () => {
  const summary = summarizeCpuProfile(profile([2, 3, 3, 4]));
  expect(summary.busyMs).toBe(3);
  expect(summary.byArea).toEqual([
    { area: "node core", percent: 66.7 },
    { area: "lib/gateway", percent: 33.3 },
  ]);
  expect(summary.topTotal[0]).toEqual({ fn: "handler /x/lib/gateway/gateway.ts:1", percent: 100 });
});

test("samples are split by the time spans each target ran, per request", () => {
  // Sample times: 2000, 3000, 4000, 5000 µs.
  const costs = costPerTarget(profile([3, 3, 2, 3]), {
    noop: [{ startUs: 1500, endUs: 3500, requests: 4 }],
    gateway: [{ startUs: 3500, endUs: 5500, requests: 1 }],
  });
  expect(costs.noop?.busyMsPerRequest).toBe(0.5);
  expect(costs.gateway?.busyMsPerRequest).toBe(2);
  expect(costs.gateway?.areaMsPerRequest).toEqual({ "lib/gateway": 1, "node core": 1 });
});

import { describe, expect, test } from "vitest";
import type { ClientRequest } from "./clients";
import { summarizeSwitchRun, type SwitchRecord } from "./report";

const request = (client: string, sentAt: number, firstContentAt: number | null, endedAt: number, status = 200, retryAfter: number | null = null): ClientRequest => ({
  client,
  sentAt,
  firstContentAt,
  endedAt,
  status,
  retryAfter,
  completed: status === 200,
  error: null,
});

const wakeSwitch: SwitchRecord = {
  from: "deep",
  to: "standard",
  requestedAt: 1000,
  endedAt: 2500,
  status: "succeeded",
  durationMs: 1500,
  steps: [
    { name: "drain", status: "succeeded", durationMs: 100, detail: null },
    { name: "sleep_engines", status: "succeeded", durationMs: 200, detail: "qwen-32b asleep" },
    { name: "wake_engines", status: "succeeded", durationMs: 900, detail: "qwen-7b awake" },
    { name: "start_containers", status: "succeeded", durationMs: 1, detail: "nothing to start" },
    { name: "wait_ready", status: "succeeded", durationMs: 250, detail: null },
  ],
};

describe("summarizeSwitchRun", () => {
  test("a woken switch's engine time is the wake alone; the rest is what the switch added", () => {
    const run = summarizeSwitchRun("sleep", [wakeSwitch], []);
    expect(run.switches[0]).toMatchObject({ engineMs: 900, overheadMs: 600, totalMs: 1500 });
  });

  test("a cold start counts starting and loading as the engines' own time", () => {
    const cold: SwitchRecord = {
      ...wakeSwitch,
      steps: [
        { name: "stop_containers", status: "succeeded", durationMs: 300, detail: "stopped qwen-32b" },
        { name: "start_containers", status: "succeeded", durationMs: 50, detail: "started qwen-7b" },
        { name: "wait_ready", status: "succeeded", durationMs: 1000, detail: null },
      ],
    };
    expect(summarizeSwitchRun("cold", [cold], []).switches[0]).toMatchObject({ engineMs: 1050, overheadMs: 450 });
  });

  test("requests across the switch are served, refused with Retry-After, or counted lost; waits are per client", () => {
    const requests = [
      request("a", 0, 40, 100),
      request("a", 900, 2450, 2600),
      request("b", 1200, null, 1210, 503, 5),
      request("b", 1300, null, 1310, 502),
      request("c", 3000, 3030, 3100),
    ];
    const run = summarizeSwitchRun("sleep", [wakeSwitch], requests);
    expect(run.switches[0]).toMatchObject({ requests: 3, served: 1, refusedWithRetryAfter: 1, lost: 1, longestWaitMsByClient: { a: 1550, b: 10 } });
    expect(run).toMatchObject({ requests: 5, served: 3, refusedWithRetryAfter: 1, lost: 1, baselineFirstContentMs: 35 });
  });
});

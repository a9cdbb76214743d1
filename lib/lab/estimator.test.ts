import { describe, expect, test } from "vitest";
import { parseLabConfig } from "@/lib/config/parse";
import type { LabConfig } from "@/lib/config/schema";
import { DEFAULT_OPERATION_OVERHEAD_MS, defaultColdLoadMs, Estimator, medianOfRecent, remainingOf, TimingHistory, type TimingSample } from "./estimator";

const yaml = (runtime: string) => `
runtime: ${runtime}
gpuTelemetry: none
backends:
  qwen-7b: { url: "http://127.0.0.1:18001", servedModel: qwen2.5-7b-instruct, gpus: [0], container: vllm-7b, sim: { loadMs: 2500 } }
  qwen-14b: { url: "http://127.0.0.1:18002", servedModel: qwen2.5-14b-instruct-awq, gpus: [1], container: vllm-14b }
  qwen-32b: { url: "http://127.0.0.1:18003", servedModel: qwen2.5-32b-instruct-awq, gpus: [0, 1], container: vllm-32b, sim: { loadMs: 6000 } }
  remote: { url: "http://10.0.0.9:8000", servedModel: remote-model }
modes:
  standard: { backends: [qwen-7b, qwen-14b], default: true }
  deep: { backends: [qwen-32b] }
  outside: { backends: [remote] }
lab: { loadTimeoutSeconds: 600 }
`;

const sample = (fields: Partial<TimingSample> & Pick<TimingSample, "kind" | "durationMs">): TimingSample => ({ at: 0, step: null, backendId: null, fromMode: null, toMode: null, ...fields });

function estimatorFor(runtime = "simulated"): { history: TimingHistory; estimator: Estimator; config: LabConfig } {
  const config = parseLabConfig(yaml(runtime));
  const history = new TimingHistory();
  return { history, estimator: new Estimator(history, () => config), config };
}

describe("the estimate follows recorded history", () => {
  test("after switches of 10 s, 12 s and 40 s the expected switch time is 10 s, then 11 s, then 12 s: the outlier does not drag it", () => {
    const { history, estimator } = estimatorFor();
    const recordSwitch = (ms: number) => history.add(sample({ kind: "switch", fromMode: "standard", toMode: "deep", durationMs: ms }));
    const expected = () => estimator.modeSwitch("standard", "deep");

    recordSwitch(10_000);
    expect(expected()).toMatchObject({ expectedMs: 10_000, basis: "history", samples: 1 });
    recordSwitch(12_000);
    expect(expected()).toMatchObject({ expectedMs: 11_000, samples: 2 });
    recordSwitch(40_000);
    expect(expected()).toMatchObject({ expectedMs: 12_000, samples: 3 });
    // The way back is its own history: still the default from the 7B's and 14B's loads.
    expect(estimator.modeSwitch("deep", "standard").basis).toBe("default");
  });

  test("only the most recent runs count: once the lab got slower, so does the estimate", () => {
    const { history, estimator } = estimatorFor();
    for (const ms of [10_000, 10_000, 10_000, 10_000, 10_000, 30_000, 30_000, 30_000]) history.add(sample({ kind: "cold_load", backendId: "qwen-7b", durationMs: ms }));
    expect(estimator.coldLoad("qwen-7b")).toEqual({ expectedMs: 30_000, basis: "history", samples: 5 });
  });

  test("medians of odd and even counts, and none without history", () => {
    expect(medianOfRecent([])).toBeNull();
    expect(medianOfRecent([3])).toBe(3);
    expect(medianOfRecent([4, 1, 3, 2])).toBe(2.5);
    expect(medianOfRecent([1, 100, 2, 3, 4, 5], 5)).toBe(4);
  });

  test("steps with history have an expectation of their own; steps without have none", () => {
    const { history, estimator } = estimatorFor();
    history.add(sample({ kind: "switch_step", step: "wait_ready", fromMode: "standard", toMode: "deep", durationMs: 7_000 }));
    history.add(sample({ kind: "switch_step", step: "drain", fromMode: "deep", toMode: "standard", durationMs: 1_000 }));
    history.add(sample({ kind: "restart_step", step: "wait_ready", backendId: "qwen-7b", durationMs: 3_000 }));
    expect(estimator.modeSwitch("standard", "deep").steps).toEqual({ wait_ready: { expectedMs: 7_000, basis: "history", samples: 1 } });
    expect(estimator.restart("qwen-7b").steps).toEqual({ wait_ready: { expectedMs: 3_000, basis: "history", samples: 1 } });
    expect(estimator.restart("qwen-14b").steps).toEqual({});
  });
});

describe("before there is history", () => {
  test("a simulated backend's cold load is its sim.loadMs (the schema's 1.5 s when it has no sim block)", () => {
    const { estimator, config } = estimatorFor("simulated");
    expect(estimator.coldLoad("qwen-7b")).toEqual({ expectedMs: 2_500, basis: "default", samples: 0 });
    expect(defaultColdLoadMs(config, "qwen-14b")).toBe(1_500);
  });

  test("a docker backend's cold load is a quarter of lab.loadTimeoutSeconds; an external one has none", () => {
    const { estimator } = estimatorFor("docker");
    expect(estimator.coldLoad("qwen-32b").expectedMs).toBe(150_000);
    expect(estimator.coldLoad("remote").expectedMs).toBe(0);
    expect(estimatorFor("none").estimator.coldLoad("qwen-32b").expectedMs).toBe(0);
  });

  test("a switch is expected to take its slowest entering backend's load plus a little; a restart its backend's", () => {
    const { history, estimator } = estimatorFor("simulated");
    expect(estimator.modeSwitch("standard", "deep")).toMatchObject({ expectedMs: 6_000 + DEFAULT_OPERATION_OVERHEAD_MS, basis: "default", samples: 0 });
    expect(estimator.modeSwitch("deep", "standard").expectedMs).toBe(2_500 + DEFAULT_OPERATION_OVERHEAD_MS);
    expect(estimator.restart("qwen-7b").expectedMs).toBe(2_500 + DEFAULT_OPERATION_OVERHEAD_MS);
    // A backend's recorded loads feed the default of a switch that has no history of its own.
    history.add(sample({ kind: "cold_load", backendId: "qwen-32b", durationMs: 20_000 }));
    expect(estimator.modeSwitch("standard", "deep")).toMatchObject({ expectedMs: 20_000 + DEFAULT_OPERATION_OVERHEAD_MS, basis: "default" });
    expect(estimator.forOperation({ kind: "restart", fromMode: "standard", toMode: "standard", backendId: "qwen-7b" }).expectedMs).toBe(2_500 + DEFAULT_OPERATION_OVERHEAD_MS);
  });
});

describe("remaining time", () => {
  test("expected minus elapsed, never negative; past the expectation it is overdue, not zero to go", () => {
    const expectation = { expectedMs: 41_000, basis: "history" as const, samples: 3 };
    expect(remainingOf(expectation, 12_000)).toEqual({ expectedMs: 41_000, elapsedMs: 12_000, remainingMs: 29_000, overdue: false, basis: "history" });
    expect(remainingOf(expectation, 41_000)).toMatchObject({ remainingMs: 0, overdue: false });
    expect(remainingOf(expectation, 50_000)).toMatchObject({ remainingMs: 0, overdue: true });
    expect(remainingOf(expectation, -5)).toMatchObject({ elapsedMs: 0, remainingMs: 41_000 });
  });

  test("the in-memory history keeps a bounded number of runs per key", () => {
    const history = new TimingHistory(3);
    for (let i = 1; i <= 10; i++) history.add(sample({ kind: "restart", backendId: "qwen-7b", durationMs: i }));
    expect(history.durations({ kind: "restart", backendId: "qwen-7b" })).toEqual([8, 9, 10]);
  });
});

import { describe, expect, test } from "vitest";
import { parseLabConfig } from "@/lib/config/parse";
import type { OperationView } from "./controller";
import { timingsOfOperation } from "./operation-timings";

const config = parseLabConfig(`
runtime: docker
gpuTelemetry: none
backends:
  qwen-7b: { url: "http://127.0.0.1:18001", servedModel: a, gpus: [0], container: vllm-7b }
  qwen-14b: { url: "http://127.0.0.1:18002", servedModel: b, gpus: [1], container: vllm-14b }
  qwen-32b: { url: "http://127.0.0.1:18003", servedModel: c, gpus: [0, 1], container: vllm-32b }
  remote: { url: "http://10.0.0.9:8000", servedModel: d }
modes:
  standard: { backends: [qwen-7b, qwen-14b, remote], default: true }
  deep: { backends: [qwen-32b, remote] }
`);

/** A switch standard -> deep whose steps took the given milliseconds, one after the other from t = 0. */
function switchWith(steps: [string, number][], status: OperationView["status"] = "succeeded"): OperationView {
  let t = 0;
  return {
    id: "op",
    kind: "mode_switch",
    fromMode: "standard",
    toMode: "deep",
    backendId: null,
    requestedBy: "test",
    reason: null,
    status,
    error: null,
    startedAt: 0,
    steps: steps.map(([name, ms]) => ({ name, status: "succeeded", detail: null, startedAt: t, finishedAt: (t += ms) })),
  };
}

const summary = (samples: ReturnType<typeof timingsOfOperation>) => samples.map((s) => `${s.kind} ${s.backendId ?? `${s.fromMode}->${s.toMode}`}${s.step ? ` ${s.step}` : ""} ${s.durationMs}`);

describe("timings of a finished operation", () => {
  test("a cold switch: the whole, each step, the entering backend's load (start + ready) and each leaving one's stop; external backends none", () => {
    const op = switchWith([
      ["stop_admitting", 1],
      ["drain", 100],
      ["stop_containers", 2_000],
      ["wait_gpu_memory", 900],
      ["start_containers", 300],
      ["wait_ready", 40_000],
      ["switch_routing", 5],
    ]);
    const samples = summary(timingsOfOperation(op, config, 45_000));
    expect(samples).toContain("switch standard->deep 45000");
    expect(samples).toContain("switch_step standard->deep wait_ready 40000");
    expect(samples).toContain("cold_load qwen-32b 40300");
    expect(samples).toContain("stop qwen-7b 2000");
    expect(samples).toContain("stop qwen-14b 2000");
    expect(samples.filter((s) => s.includes("remote"))).toEqual([]);
    expect(samples.filter((s) => s.startsWith("wake") || s.startsWith("sleep"))).toEqual([]);
  });

  test("steps named for sleep and wake count as the leaving backends' sleep and the entering backends' wake", () => {
    const op = switchWith([
      ["sleep_backends", 1_200],
      ["wake_backends", 4_000],
      ["switch_routing", 5],
    ]);
    const samples = summary(timingsOfOperation(op, config, 5_205));
    expect(samples).toEqual(expect.arrayContaining(["sleep qwen-7b 1200", "sleep qwen-14b 1200", "wake qwen-32b 4000"]));
    expect(samples.some((s) => s.startsWith("cold_load"))).toBe(false);
  });

  test("in a sleep switch a backend counts only for what its step says was done to it: the woken one has no cold load", () => {
    let t = 0;
    const step = (name: string, ms: number, detail: string) => ({ name, status: "succeeded" as const, detail, startedAt: t, finishedAt: (t += ms) });
    const op: OperationView = {
      ...switchWith([]),
      fromMode: "deep",
      toMode: "standard",
      steps: [
        step("sleep_engines", 900, "qwen-32b asleep (level 1) in 0.9 s"),
        step("stop_containers", 1, "nothing to stop"),
        step("wake_engines", 2_400, "qwen-7b awake in 2.4 s; qwen-14b did not wake (CUDA error): cold start"),
        step("start_containers", 300, "started qwen-14b"),
        step("wait_ready", 30_000, "qwen-7b ready in 0.1 s; qwen-14b ready in 30.0 s"),
      ],
    };
    const samples = summary(timingsOfOperation(op, config, 34_000));
    expect(samples).toEqual(expect.arrayContaining(["sleep qwen-32b 900", "wake qwen-7b 2400", "cold_load qwen-14b 30300"]));
    expect(samples.filter((s) => /^(cold_load|stop) qwen-7b|^wake qwen-14b|^stop/.test(s))).toEqual([]);
  });

  test("a failed or rolled back operation yields nothing", () => {
    for (const status of ["failed", "rolled_back", "interrupted"] as const) {
      expect(timingsOfOperation(switchWith([["wait_ready", 40_000]], status), config, 40_000)).toEqual([]);
    }
  });

  test("a restart: the whole and the steps per backend, its load and its stop", () => {
    const op: OperationView = { ...switchWith([["stop_containers", 500], ["start_containers", 100], ["wait_ready", 9_000]]), kind: "restart", fromMode: "standard", toMode: "standard", backendId: "qwen-7b" };
    const samples = summary(timingsOfOperation(op, config, 10_000));
    expect(samples).toEqual(["restart qwen-7b 10000", "restart_step qwen-7b stop_containers 500", "restart_step qwen-7b start_containers 100", "restart_step qwen-7b wait_ready 9000", "cold_load qwen-7b 9100", "stop qwen-7b 500"]);
  });
});

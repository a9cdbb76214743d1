import { describe, expect, test } from "vitest";
import { parseLabConfig } from "@/lib/config/parse";
import { labYaml } from "@/lib/lab/test-support";
import { GatewayError } from "./errors";
import { planRoute, type LabView } from "./route-plan";

const config = parseLabConfig(labYaml);

function lab(overrides: Partial<LabView> = {}): LabView {
  return {
    currentMode: () => "standard",
    isHealthy: () => true,
    markUnreachable: () => undefined,
    recordTraffic: () => undefined,
    isAdmitting: () => true,
    pendingTargetMode: () => null,
    waitForOperation: async () => true,
    ...overrides,
  };
}

const plan = (view: LabView, model: string) => planRoute(config, view, () => 0, model, { promptChars: 10, hasTools: false }, 5);

function refusal(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (error) {
    if (error instanceof GatewayError) return error;
  }
  throw new Error("expected a GatewayError");
}

describe("requests during a mode switch (standard -> deep, the 7B and 14B draining)", () => {
  const switching = lab({ isAdmitting: (id) => id === "qwen-32b", pendingTargetMode: () => "deep" });

  test("a model the target mode serves waits for the switch", () => {
    expect(plan(switching, "fast")).toEqual({ kind: "wait", targetMode: "deep" });
    expect(plan(switching, "qwen2.5-32b-instruct-awq")).toEqual({ kind: "wait", targetMode: "deep" });
  });

  test("a model only the leaving mode serves gets 503 with Retry-After, naming the switch", () => {
    const error = refusal(() => plan(switching, "qwen2.5-7b-instruct"));
    expect(error.status).toBe(503);
    expect(error.options.retryAfterSeconds).toBe(5);
    expect(error.message).toContain("switching to mode deep");
  });
});

describe("outside an operation", () => {
  test("the first healthy candidate of the mode is tried first", () => {
    const routing = plan(lab({ isHealthy: (id) => id !== "qwen-7b" }), "qwen2.5-14b-instruct-awq");
    expect(routing.kind === "plan" && routing.plan.attemptOrder).toEqual(["qwen-14b"]);
  });

  test("nothing healthy: a fast 503 that says why", () => {
    const error = refusal(() => plan(lab({ isHealthy: () => false, healthReason: () => "connection refused" }), "fast"));
    expect(error.code).toBe("backend_unavailable");
    expect(error.message).toContain("qwen-7b connection refused");
  });

  test("an unknown model is a 404 listing the available ones", () => {
    const error = refusal(() => plan(lab(), "gpt-4"));
    expect(error.status).toBe(404);
    expect(error.message).toContain("Available models: fast,");
  });
});

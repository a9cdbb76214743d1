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
    // Not "offline in the current mode (standard); it is served in mode standard": the mode serves it, the switch does not.
    expect(error.message).toContain("is not taking requests: the lab is switching from mode standard to deep, which does not serve it");
    expect(error.message).not.toContain("served in mode standard");
    expect(error.message).toContain("Models served now:");
  });
});

describe("messages that hold", () => {
  test("a model of another mode: 503 naming that mode and how to get there, and what is served now", () => {
    const error = refusal(() => plan(lab(), "qwen2.5-32b-instruct-awq"));
    expect(error.status).toBe(503);
    expect(error.message).toMatch(/^`qwen2\.5-32b-instruct-awq` is not served in the current mode \(standard\)\. It is served in mode deep: switch the lab to it/);
    expect(error.message).toContain("POST /api/modes/deep/activate");
  });

  test("an unknown model's 404 lists what is served now apart from what is offline in this mode", () => {
    const error = refusal(() => plan(lab(), "gpt-4"));
    const [available, offline] = error.message.split(" Offline in mode standard: ");
    expect(available).not.toContain("qwen2.5-32b-instruct-awq");
    expect(offline).toContain("qwen2.5-32b-instruct-awq");
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

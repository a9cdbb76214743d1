import { describe, expect, test } from "vitest";
import { decideAuto, describeAutoRules, type SideLoad } from "./auto";

const auto = { fast: "fast", deep: "reasoning", longPromptTokens: 1000, spillQueueDepth: 4 };
const idle: Record<"fast" | "deep", SideLoad> = { fast: { available: true, queued: 0 }, deep: { available: true, queued: 0 } };
const signals = { promptChars: 40, hasTools: false };

describe("the auto router", () => {
  test.each([
    [{ ...signals }, "fast", "short prompt"],
    [{ ...signals, promptChars: 4000 }, "deep", "long prompt (~1000 tokens)"],
    [{ ...signals, promptChars: 5 }, "fast", "short prompt (~1 token)"],
    [{ ...signals, hasTools: true }, "deep", "tools in request"],
    [{ ...signals, reasoningEffort: "high" }, "deep", "reasoning_effort high"],
    [{ ...signals, promptChars: 8000, reasoningEffort: "low" }, "fast", "reasoning_effort low"],
    [{ ...signals, hasTools: true, hint: "fast" }, "fast", "hint fast"],
    [{ ...signals, hint: "DEEP" }, "deep", "hint deep"],
  ])("%o -> %s (%s)", (input, side, reason) => {
    const decision = decideAuto(auto, input, idle);
    expect(decision.side).toBe(side);
    expect(decision.route).toBe(side === "fast" ? "fast" : "reasoning");
    expect(decision.reason).toContain(reason);
  });

  test("a size-based choice spills to the idle side when its own side is queueing", () => {
    const decision = decideAuto(auto, signals, { fast: { available: true, queued: 4 }, deep: { available: true, queued: 0 } });
    expect(decision).toMatchObject({ side: "deep", route: "reasoning" });
    expect(decision.reason).toContain("fast has 4 queued and deep is idle");
  });

  test("a firm reason never spills", () => {
    const decision = decideAuto(auto, { ...signals, hasTools: true }, { fast: { available: true, queued: 0 }, deep: { available: true, queued: 50 } });
    expect(decision.side).toBe("deep");
  });

  test("no spill when the other side is busy too", () => {
    expect(decideAuto(auto, signals, { fast: { available: true, queued: 9 }, deep: { available: true, queued: 1 } }).side).toBe("fast");
  });

  test("a side with nothing live in the mode is never chosen while the other has something", () => {
    const decision = decideAuto(auto, { ...signals, hasTools: true }, { fast: { available: true, queued: 0 }, deep: { available: false, queued: 0 } });
    expect(decision.side).toBe("fast");
    expect(decision.reason).toContain("deep is offline in this mode");
  });

  test("the rules read in words name the routes and thresholds", () => {
    const words = describeAutoRules(auto).join(" ");
    expect(words).toContain("about 1000 tokens");
    expect(words).toContain("4 or more requests queued");
  });
});

import { describe, expect, test } from "vitest";
import { backendStateBadge } from "./backend-state";

describe("a backend's state badge", () => {
  test("an engine asleep on purpose reads asleep with its level, not down or stopped", () => {
    expect(backendStateBadge({ state: "asleep", inCurrentMode: false, asleep: { level: 1, since: "2026-12-06T05:00:00.000Z" } })).toEqual({ state: "asleep", label: "asleep (level 1)" });
    expect(backendStateBadge({ state: "asleep", inCurrentMode: false, asleep: { level: 2, since: "2026-12-06T05:00:00.000Z" } }).label).toBe("asleep (level 2)");
  });

  test("stopped outside the mode is 'not in this mode'; other states read as they are", () => {
    expect(backendStateBadge({ state: "stopped", inCurrentMode: false, asleep: null })).toEqual({ state: "not in this mode", label: "not in this mode" });
    expect(backendStateBadge({ state: "stopped", inCurrentMode: true, asleep: null }).label).toBe("stopped");
    expect(backendStateBadge({ state: "down", inCurrentMode: true, asleep: null }).label).toBe("down");
  });
});

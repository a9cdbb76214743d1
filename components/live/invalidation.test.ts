import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { queryKeys } from "@/components/hooks/query-keys";
import { createInvalidationScheduler, invalidationsFor } from "./invalidation";

describe("which events refresh what", () => {
  test("an operation step refreshes the status and the switch history; samples refresh nothing", () => {
    expect(invalidationsFor("operation_step").map((i) => i.key)).toEqual([queryKeys.status(), queryKeys.switches.all(), queryKeys.verdict()]);
    expect(invalidationsFor("gpu_samples")).toEqual([]);
    expect(invalidationsFor("backend_sample")).toEqual([]);
  });

  test("the health verdict follows the status, lab events, operations and finished requests", () => {
    for (const type of ["status", "lab_event", "operation_step", "operation_done", "request"] as const) {
      expect(invalidationsFor(type).map((i) => i.key), type).toContainEqual(queryKeys.verdict());
    }
  });

  test("a finished request does not refetch the request table itself (it may be paged back)", () => {
    expect(invalidationsFor("request").map((i) => i.key)).not.toContainEqual(queryKeys.requests.lists());
  });
});

describe("the invalidation scheduler", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  test("a burst of events for one key refetches once, at the first event's deadline", () => {
    const invalidate = vi.fn();
    const scheduler = createInvalidationScheduler(invalidate);
    scheduler.schedule({ key: ["status"], delayMs: 100 });
    vi.advanceTimersByTime(60);
    scheduler.schedule({ key: ["status"], delayMs: 100 });
    vi.advanceTimersByTime(40);
    expect(invalidate).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(200);
    expect(invalidate).toHaveBeenCalledTimes(1);
  });

  test("a more urgent request brings a pending refetch forward; different keys are independent", () => {
    const invalidate = vi.fn();
    const scheduler = createInvalidationScheduler(invalidate);
    scheduler.schedule({ key: ["status"], delayMs: 2_000 });
    scheduler.schedule({ key: ["status"], delayMs: 100 });
    scheduler.schedule({ key: ["routes"], delayMs: 1_000 });
    vi.advanceTimersByTime(100);
    expect(invalidate.mock.calls).toEqual([[["status"]]]);
    vi.advanceTimersByTime(2_000);
    expect(invalidate.mock.calls).toEqual([[["status"]], [["routes"]]]);
  });

  test("dispose cancels what is pending", () => {
    const invalidate = vi.fn();
    const scheduler = createInvalidationScheduler(invalidate);
    scheduler.schedule({ key: ["status"], delayMs: 100 });
    scheduler.dispose();
    vi.advanceTimersByTime(1_000);
    expect(invalidate).not.toHaveBeenCalled();
  });
});

import { expect, test, vi } from "vitest";
import type { PrismaClient } from "@/lib/db/client";
import { EventBus, type LabBusEvent } from "@/lib/events/bus";
import { auditActor, recordAudit } from "./record";
import { configChangeToAudit } from "./summaries";

const change = configChangeToAudit({ kind: "route", target: "fast", action: "updated", before: ["a", "b"], after: ["b"], beforeYaml: "fast: [a, b]", afterYaml: "fast: [b]" });

test("who: a session is named by a prefix of its stored id, with the address and agent the request came with", () => {
  const request = new Request("http://lab/api/routes", { method: "PUT", headers: { "user-agent": "Firefox/140", "x-switchyard-client": "console", "x-forwarded-for": "10.9.9.9" } });
  expect(auditActor(request, { via: "session", sessionId: "ab".repeat(32) }, [])).toEqual({
    actorVia: "session",
    actorSession: "abababababab",
    // X-Forwarded-For is not believed without a trusted proxy.
    actorAddress: expect.not.stringContaining("10.9.9.9"),
    actorUserAgent: "Firefox/140",
    actorClient: "console",
  });
  expect(auditActor(new Request("http://lab/api/keys"), { via: "token" }, [])).toMatchObject({ actorVia: "token", actorSession: null, actorClient: "api" });
});

test("summaries say what changed in words", () => {
  expect(change.summary).toBe("route fast: a, b → b");
  expect(configChangeToAudit({ kind: "route", target: "x", action: "deleted", before: ["a"], after: null, beforeYaml: null, afterYaml: null }).summary).toBe("route x deleted (was a)");
  expect(configChangeToAudit({ kind: "limit", target: "a", action: "updated", before: { maxConcurrency: 32, maxQueue: 64 }, after: { maxConcurrency: 8, maxQueue: 64 }, beforeYaml: null, afterYaml: null }).summary).toBe(
    "limits of a: maxConcurrency 32 → 8",
  );
});

test("a trail that cannot be written does not fail the change it records, and announces nothing", async () => {
  const bus = new EventBus();
  const events: LabBusEvent[] = [];
  bus.subscribe((event) => events.push(event));
  const failing = { $transaction: () => Promise.reject(new Error("SQLITE_FULL")), auditEntry: { create: () => ({}) } } as unknown as PrismaClient;
  const error = vi.spyOn(console, "error").mockImplementation(() => undefined);
  const actor = auditActor(new Request("http://lab/api/routes"), { via: "open" }, []);
  await expect(recordAudit({ db: failing, bus }, actor, [change])).resolves.toEqual([]);
  expect(error).toHaveBeenCalledWith("[audit] could not record a change", ["route fast: a, b → b"], expect.any(Error));
  expect(events).toEqual([]);
  error.mockRestore();
});

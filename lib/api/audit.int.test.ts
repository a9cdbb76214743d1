import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { simulatedLabYaml, startAppHarness, type AppHarness } from "@/lib/testing/app-harness";
import { waitFor, waitUntil } from "@/lib/testing/wait";
import type { AuditEntryJson } from "./audit";
import type { ConfigPreview, SavedRoutingView } from "./routing";

/**
 * Config edits and the audit trail over real HTTP: the Switchyard from the production factory with a console
 * password and an admin token, the real route files, simulator processes, a real SQLite file. The tests share one
 * lab and run in order.
 */

const PASSWORD = "correct horse battery staple";
const TOKEN = "test-admin-token-0123456789abcdef";
const USER_AGENT = "audit-test-browser/1.0";

let app: AppHarness;
let cookie: string;

/** The harness's lab written the way an operator would: comments, an aligned comment, flow lists, a one-line map. */
function operatorYaml(ports: AppHarness["ports"]): string {
  return `# Written by hand; the console must keep every byte it does not edit.\n${simulatedLabYaml(ports)}`
    .replace("  fast: [qwen-7b, qwen-32b]", "  fast: [qwen-7b, qwen-32b]        # quick answers\n  # the deep side\n")
    .replace("  reasoning: [qwen-14b, qwen-32b]", "  reasoning: [qwen-14b,qwen-32b]    # aligned with the one above");
}

beforeAll(async () => {
  app = await startAppHarness({ yaml: operatorYaml, adminSecrets: { password: PASSWORD, token: TOKEN, passwordParams: { N: 1024, r: 8, p: 1 } } });
  const login = await fetch(`${app.url}/api/auth/login`, { method: "POST", headers: { ...fromConsole(), "content-type": "application/json" }, body: JSON.stringify({ password: PASSWORD }) });
  expect(login.status).toBe(200);
  cookie = login.headers.getSetCookie()[0]!.split(";")[0]!;
  await waitFor(async () => (await api<{ backends: { state: string }[] }>("GET", "/api/status", undefined, "token")).body.data!.backends.filter((b) => b.state === "ready").length === 3, "the standard backends ready", 30_000);
}, 60_000);

afterAll(async () => {
  await app?.close();
});

const fromConsole = () => ({ origin: app.url, "sec-fetch-site": "same-origin", "x-switchyard-client": "console", "user-agent": USER_AGENT });

type Envelope<T> = { data?: T; error?: { code: string; message: string; issues?: { path: string; message: string }[] } };

async function api<T>(method: string, path: string, body?: unknown, as: "session" | "token" = "session"): Promise<{ status: number; body: Envelope<T> }> {
  const headers: Record<string, string> = as === "session" ? { ...fromConsole(), cookie } : { authorization: `Bearer ${TOKEN}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(`${app.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Envelope<T> };
}

async function audit(query = ""): Promise<AuditEntryJson[]> {
  return (await api<{ rows: AuditEntryJson[] }>("GET", `/api/audit${query}`)).body.data!.rows;
}

const routes = (fast: string[]) => ({ fast, reasoning: ["qwen-14b", "qwen-32b"], auto: { auto: { fast: "fast", deep: "reasoning" } } });

describe("route edits", () => {
  test("a route saved from a console session changes only its own bytes, and the trail says who, what, before and after", async () => {
    const before = fs.readFileSync(app.configFile, "utf8");
    const saved = await api<SavedRoutingView>("PUT", "/api/routes", { routes: routes(["qwen-14b", "qwen-7b"]) });
    expect(saved.status).toBe(200);
    expect(saved.body.data!.changes).toEqual([{ kind: "route", target: "fast", action: "updated", summary: "route fast: qwen-7b, qwen-32b → qwen-14b, qwen-7b" }]);
    expect(fs.readFileSync(app.configFile, "utf8")).toBe(before.replace("fast: [qwen-7b, qwen-32b]        #", "fast: [qwen-14b, qwen-7b]        #"));
    expect(saved.body.data!.table.find((row) => row.model === "fast")?.byMode.standard).toBe("qwen-14b");

    const [entry] = await audit();
    expect(entry).toMatchObject({
      kind: "route",
      action: "updated",
      target: "fast",
      before: ["qwen-7b", "qwen-32b"],
      after: ["qwen-14b", "qwen-7b"],
      beforeYaml: "  fast: [qwen-7b, qwen-32b]        # quick answers",
      afterYaml: "  fast: [qwen-14b, qwen-7b]        # quick answers",
      actorVia: "session",
      actorClient: "console",
      actorUserAgent: USER_AGENT,
      actorAddress: "127.0.0.1",
    });
    expect(entry!.actorSession).toMatch(/^[0-9a-f]{12}$/);
  });

  test("the preview shows the diff a save would make and writes nothing", async () => {
    const before = fs.readFileSync(app.configFile, "utf8");
    const count = (await audit()).length;
    const preview = await api<ConfigPreview>("POST", "/api/config/preview", { routes: routes(["qwen-7b"]) });
    expect(preview.status).toBe(200);
    expect(preview.body.data!.diff.filter((line) => line.kind !== "context")).toEqual([
      { kind: "removed", text: "  fast: [qwen-14b, qwen-7b]        # quick answers", oldLine: expect.any(Number) },
      { kind: "added", text: "  fast: [qwen-7b]        # quick answers", newLine: expect.any(Number) },
    ]);
    expect(preview.body.data!.changes.map((c) => `${c.target} ${c.action}`)).toEqual(["fast updated"]);
    expect(fs.readFileSync(app.configFile, "utf8")).toBe(before);
    expect(await audit()).toHaveLength(count);
  });

  test("an invalid edit answers 400 with the paths of the fields at fault, no line numbers, and nothing is written or recorded", async () => {
    const before = fs.readFileSync(app.configFile, "utf8");
    const count = (await audit()).length;
    const unknown = await api("PUT", "/api/routes", { routes: { ...routes(["qwen-7b", "qwen-99b"]), auto: { auto: { fast: "nope", deep: "reasoning" } } } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error!.issues).toEqual([
      { path: "routes.fast.1", message: expect.stringContaining('unknown backend "qwen-99b"') },
      { path: "routes.auto.auto.fast", message: expect.stringContaining('unknown route "nope"') },
    ]);
    expect(unknown.body.error!.message).not.toMatch(/line \d/);
    const empty = await api("PUT", "/api/routes", { routes: routes([]) });
    expect(empty.status).toBe(400);
    expect(empty.body.error!.issues).toEqual([expect.objectContaining({ path: "routes.fast" })]);
    const preview = await api("POST", "/api/config/preview", { routes: routes(["qwen-99b"]) });
    expect(preview.body.error!.issues?.[0]?.path).toBe("routes.fast.0");
    expect(fs.readFileSync(app.configFile, "utf8")).toBe(before);
    expect(await audit()).toHaveLength(count);
  });

  test("a limit saved with the admin token is recorded as the token's, with the backend's lines before and after", async () => {
    const saved = await api<SavedRoutingView>("PUT", "/api/backends/qwen-7b/limits", { maxConcurrency: 8 }, "token");
    expect(saved.status).toBe(200);
    expect(saved.body.data!.changes.map((c) => c.summary)).toEqual(["limits of qwen-7b: maxConcurrency 32 → 8"]);
    const [entry] = await audit("?kind=limit");
    expect(entry).toMatchObject({ kind: "limit", target: "qwen-7b", action: "updated", actorVia: "token", actorSession: null, actorClient: "api", before: { maxConcurrency: 32, maxQueue: 64 }, after: { maxConcurrency: 8, maxQueue: 64 } });
    expect(entry!.afterYaml).toContain("maxConcurrency: 8");
    // Saving the same value again changes nothing and records nothing.
    await api("PUT", "/api/backends/qwen-7b/limits", { maxConcurrency: 8 }, "token");
    expect(await audit("?kind=limit")).toHaveLength(1);
  });
});

describe("keys and modes", () => {
  test("creating and revoking a key each leave an entry (revoking twice, one)", async () => {
    const created = await api<{ key: string; apiKey: { id: string; prefix: string } }>("POST", "/api/keys", { name: "ci runner" });
    expect(created.status).toBe(201);
    const { id, prefix } = created.body.data!.apiKey;
    expect((await api("POST", `/api/keys/${id}/revoke`)).status).toBe(200);
    expect((await api("POST", `/api/keys/${id}/revoke`)).status).toBe(200);
    const entries = await audit("?kind=key");
    expect(entries.map((e) => `${e.action} ${e.target}`)).toEqual([`revoked ci runner (${prefix}…)`, `created ci runner (${prefix}…)`]);
    expect(entries[0]).toMatchObject({ before: { status: "active", revokedAt: null }, after: { status: "revoked" } });
    expect(JSON.stringify(entries)).not.toContain(created.body.data!.key);
  });

  test("a mode switch and a restart asked for through the API each leave an entry", async () => {
    const started = await api<{ status: string; operationId: string }>("POST", "/api/modes/deep/activate");
    expect(started.status).toBe(202);
    const [entry] = await audit("?kind=mode");
    expect(entry).toMatchObject({ action: "switch_requested", target: "deep", before: { mode: "standard" }, after: { mode: "deep", operationId: started.body.data!.operationId }, actorVia: "session" });
    await waitUntil("the switch to end", async () => {
      const record = await api<{ status: string }>("GET", `/api/modes/switches/${started.body.data!.operationId}`);
      return record.body.data!.status === "running" ? undefined : record.body.data!.status;
    }, 60_000);
    const restart = await api<{ operationId: string }>("POST", "/api/backends/qwen-32b/restart", undefined, "token");
    expect(restart.status).toBe(202);
    const [restartEntry] = await audit("?kind=mode");
    expect(restartEntry).toMatchObject({ action: "restart_requested", target: "qwen-32b", actorVia: "token", summary: "restart of qwen-32b requested" });
    await waitUntil("the restart to end", async () => {
      const record = await api<{ status: string }>("GET", `/api/modes/switches/${restart.body.data!.operationId}`);
      return record.body.data!.status === "running" ? undefined : record.body.data!.status;
    }, 60_000);
  }, 150_000);

  test("the trail pages newest first and filters by kind; a bad kind is a 400", async () => {
    const all = await audit();
    expect(all.map((e) => e.kind)).toEqual(["mode", "mode", "key", "key", "limit", "route"]);
    const first = (await api<{ rows: AuditEntryJson[]; nextCursor: string }>("GET", "/api/audit?limit=4")).body.data!;
    const second = (await api<{ rows: AuditEntryJson[]; nextCursor: string | null }>("GET", `/api/audit?limit=4&cursor=${first.nextCursor}`)).body.data!;
    expect([...first.rows, ...second.rows].map((e) => e.id)).toEqual(all.map((e) => e.id));
    expect(second.nextCursor).toBeNull();
    expect((await api("GET", "/api/audit?kind=gpu")).status).toBe(400);
  });
});

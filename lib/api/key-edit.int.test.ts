import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { simulatedLabYaml, startAppHarness, type AppHarness } from "@/lib/testing/app-harness";
import { pickFreePort } from "@/lib/sim/ports";
import { waitFor } from "@/lib/testing/wait";
import type { AuditEntryJson } from "./audit";
import type { ApiKeyView, CreatedApiKey } from "./keys";

/**
 * Editing an API key (PATCH /api/keys/{id}) over real HTTP: the production factory, the real route files, a temp
 * SQLite file, and the gateway in front of simulator processes with `auth: keys`. What the tests check is what a
 * client of the key notices on its very next request, without a restart.
 */

const PASSWORD = "correct horse battery staple";
const TOKEN = "test-admin-token-0123456789abcdef";

let app: AppHarness;
let cookie: string;

beforeAll(async () => {
  // The two chat backends of the standard mode; no embedding backend (not needed here).
  const ports = { "qwen-7b": await pickFreePort("127.0.0.1"), "qwen-14b": await pickFreePort("127.0.0.1"), "qwen-32b": await pickFreePort("127.0.0.1") };
  app = await startAppHarness({
    ports,
    yaml: (given) => simulatedLabYaml(given).replace("auth: open", "auth: keys"),
    adminSecrets: { password: PASSWORD, token: TOKEN, passwordParams: { N: 1024, r: 8, p: 1 } },
  });
  const login = await fetch(`${app.url}/api/auth/login`, { method: "POST", headers: { origin: app.url, "content-type": "application/json" }, body: JSON.stringify({ password: PASSWORD }) });
  expect(login.status).toBe(200);
  cookie = login.headers.getSetCookie()[0]!.split(";")[0]!;
  await waitFor(
    async () => (await api<{ backends: { state: string }[] }>("GET", "/api/status")).body.data!.backends.filter((b) => b.state === "ready").length === 2,
    "the standard backends ready",
    30_000,
  );
}, 60_000);

afterAll(async () => {
  await app?.close();
});

type Envelope<T> = { data?: T; error?: { code: string; message: string; issues?: { path: string; message: string }[] } };

/** As the console sends it: the session cookie, same origin. */
async function api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: Envelope<T> }> {
  const headers: Record<string, string> = { cookie, origin: app.url, "x-switchyard-client": "console" };
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(`${app.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Envelope<T> };
}

async function createKey(body: Record<string, unknown>): Promise<{ key: string; id: string }> {
  const created = await api<CreatedApiKey>("POST", "/api/keys", body);
  expect(created.status).toBe(201);
  return { key: created.body.data!.key, id: created.body.data!.apiKey.id };
}

const edit = (id: string, body: unknown) => api<ApiKeyView>("PATCH", `/api/keys/${id}`, body);

/** One short chat with the key: its status and OpenAI-shaped error code. */
async function chat(key: string, model = "fast"): Promise<{ status: number; code: string | null; retryAfter: string | null }> {
  const response = await fetch(`${app.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }], max_tokens: 2 }),
  });
  const body = (await response.json()) as { error?: { code: string | null } };
  return { status: response.status, code: body.error?.code ?? null, retryAfter: response.headers.get("retry-after") };
}

async function auditOfKeys(): Promise<AuditEntryJson[]> {
  return (await api<{ rows: AuditEntryJson[] }>("GET", "/api/audit?kind=key&limit=200")).body.data!.rows;
}

describe("editing a key takes effect on its next request", () => {
  test("a lower requests-per-minute refuses the key's next requests at the new limit", async () => {
    const { key, id } = await createKey({ name: "discord-bot", requestsPerMinute: 100 });
    // The gateway has the key (and its limit of 100) cached from here on.
    expect((await chat(key)).status).toBe(200);

    const edited = await edit(id, { requestsPerMinute: 2 });
    expect(edited.status).toBe(200);
    expect(edited.body.data).toMatchObject({ id, requestsPerMinute: 2, status: "active" });

    // A minute's allowance at the new rate is 2: the third request is refused (a token comes back every 30 s,
    // far longer than these three requests take).
    expect((await chat(key)).status).toBe(200);
    expect((await chat(key)).status).toBe(200);
    const refused = await chat(key);
    expect(refused).toMatchObject({ status: 429, code: "rate_limited" });
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);

    // And back up: the key is let through again at once.
    expect((await edit(id, { requestsPerMinute: null })).body.data?.requestsPerMinute).toBeNull();
    expect((await chat(key)).status).toBe(200);
  });

  test("a narrower model list refuses a model the key may no longer use", async () => {
    const { key, id } = await createKey({ name: "notebook", allowedModels: ["fast", "reasoning"] });
    expect((await chat(key, "reasoning")).status).toBe(200);

    const edited = await edit(id, { allowedModels: ["fast"] });
    expect(edited.body.data?.allowedModels).toEqual(["fast"]);
    expect(await chat(key, "reasoning")).toMatchObject({ status: 403, code: "model_not_allowed" });
    expect((await chat(key, "fast")).status).toBe(200);

    // An empty list is every model again, as at creation.
    expect((await edit(id, { allowedModels: [] })).body.data?.allowedModels).toBeNull();
    expect((await chat(key, "reasoning")).status).toBe(200);
  });

  test("an expired key whose expiry is extended works again; null means it never expires", async () => {
    const { key, id } = await createKey({ name: "contractor", expiresIn: "1d" });
    expect((await chat(key)).status).toBe(200);
    // A day passes (the row as the clock would leave it).
    await app.switchyard.db.apiKey.update({ where: { id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    app.switchyard.apiKeys.invalidate();
    expect((await chat(key)).code).toBe("invalid_api_key");

    const extended = await edit(id, { expiresIn: "30d" });
    expect(extended.status).toBe(200);
    expect(Date.parse(extended.body.data!.expiresAt!) - Date.now()).toBeGreaterThan(29.9 * 86_400_000);
    expect(extended.body.data?.status).toBe("active");
    expect((await chat(key)).status).toBe(200);

    expect((await edit(id, { expiresAt: null })).body.data).toMatchObject({ expiresAt: null, status: "active" });
  });
});

describe("what an edit may not do", () => {
  test("a revoked key cannot be edited (409); an unknown one is a 404", async () => {
    const { id } = await createKey({ name: "gone" });
    expect((await api("POST", `/api/keys/${id}/revoke`)).status).toBe(200);
    const refused = await edit(id, { requestsPerMinute: 5 });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: "conflict", message: expect.stringContaining("revoked") });
    expect((await edit("00000000-0000-4000-8000-000000000000", { requestsPerMinute: 5 })).status).toBe(404);
  });

  test.each([
    [{ requestsPerMinute: 0 }, "requestsPerMinute"],
    [{ concurrency: 1.5 }, "concurrency"],
    [{ lane: "fast" }, "lane"],
    [{ name: "" }, "name"],
    [{ allowedModels: "fast" }, "allowedModels"],
    [{ captureBodies: "yes" }, "captureBodies"],
    [{ expiresIn: "30y" }, "expiresIn"],
    [{ expiresAt: "2020-01-01" }, "expiresAt"],
    [{ expiresIn: "1d", expiresAt: "2030-01-01" }, "expiresAt"],
  ])("a bad body %j is a 400 naming %s, as an issue at that path", async (body, field) => {
    const { id } = await createKey({ name: "target", requestsPerMinute: 60 });
    const refused = await edit(id, body);
    expect(refused.status).toBe(400);
    expect(refused.body.error?.code).toBe("bad_request");
    expect(refused.body.error?.message).toContain(field);
    expect(refused.body.error?.issues?.map((issue) => issue.path)).toContain(field);
    // Nothing changed.
    expect((await api<{ rows: ApiKeyView[] }>("GET", "/api/keys")).body.data!.rows.find((row) => row.id === id)?.requestsPerMinute).toBe(60);
  });

  test("the key itself, its hash or its prefix cannot be set", async () => {
    const { id } = await createKey({ name: "fixed" });
    for (const body of [{ key: "sy-aaaaaaaa-x" }, { hash: "00" }, { prefix: "sy-mine" }, { revokedAt: null }]) {
      const refused = await edit(id, body);
      expect(refused.status).toBe(400);
      expect(refused.body.error?.message).toContain(`"${Object.keys(body)[0]}"`);
    }
  });
});

describe("the audit trail of an edit", () => {
  test("one entry per edit, with exactly the changed fields before and after and who made it; a no-op writes none", async () => {
    const { id, key } = await createKey({ name: "batch-jobs", requestsPerMinute: 60, allowedModels: ["fast", "reasoning"], lane: "interactive" });
    const entriesBefore = (await auditOfKeys()).length;

    const edited = await edit(id, { requestsPerMinute: 10, allowedModels: ["fast"], lane: "batch", name: "batch-jobs", captureBodies: false });
    expect(edited.status).toBe(200);
    const entries = await auditOfKeys();
    expect(entries.length).toBe(entriesBefore + 1);
    const prefix = edited.body.data!.prefix;
    expect(entries[0]).toMatchObject({
      kind: "key",
      action: "updated",
      target: `batch-jobs (${prefix}…)`,
      summary: `key batch-jobs (${prefix}…) updated: allowedModels fast, reasoning → fast, requestsPerMinute 60 → 10, lane interactive → batch`,
      before: { allowedModels: ["fast", "reasoning"], requestsPerMinute: 60, lane: "interactive" },
      after: { allowedModels: ["fast"], requestsPerMinute: 10, lane: "batch" },
      actorVia: "session",
      actorClient: "console",
    });
    // Exactly the changed fields: not the name or captureBodies, which were sent unchanged, and never a secret.
    expect(Object.keys(entries[0]!.before as object).sort()).toEqual(["allowedModels", "lane", "requestsPerMinute"]);
    expect(JSON.stringify(entries[0])).not.toContain(key.slice(12));
    expect(JSON.stringify(entries[0])).not.toMatch(/"hash"/);

    // The same values again: 200 with the key as it is, and no entry.
    const again = await edit(id, { requestsPerMinute: 10, lane: "batch" });
    expect(again.status).toBe(200);
    expect(again.body.data).toMatchObject({ requestsPerMinute: 10, lane: "batch" });
    expect((await edit(id, {})).status).toBe(200);
    expect((await auditOfKeys()).length).toBe(entriesBefore + 1);
  });
});

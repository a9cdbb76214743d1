import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { doorsOnlyLabYaml, startAppHarness, type AppHarness } from "@/lib/testing/app-harness";
import type { ApiKeyView, CreatedApiKey } from "./keys";

/** The keys admin API over real HTTP (the production factory, real route files, temp SQLite), and what its keys do at the gateway. */

const PASSWORD = "correct horse battery staple";
const TOKEN = "test-admin-token-0123456789abcdef";

let app: AppHarness;
let cookie: string;

beforeAll(async () => {
  app = await startAppHarness({ yaml: () => doorsOnlyLabYaml("keys"), adminSecrets: { password: PASSWORD, token: TOKEN, passwordParams: { N: 1024, r: 8, p: 1 } } });
  const login = await fetch(`${app.url}/api/auth/login`, { method: "POST", headers: { origin: app.url }, body: JSON.stringify({ password: PASSWORD }) });
  cookie = login.headers.getSetCookie()[0]?.split(";")[0] ?? "";
});

afterAll(async () => {
  await app?.close();
});

type Envelope<T> = { data?: T; error?: { code: string; message: string } };

async function send<T>(pathname: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}) {
  const response = await fetch(`${app.url}${pathname}`, {
    method: init.method ?? "GET",
    headers: init.headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Envelope<T> };
}

const asConsole = () => ({ cookie, origin: app.url });
const asScript = { authorization: `Bearer ${TOKEN}` };

/** Who the gateway takes the caller to be: the same authenticator (and cache) the process's gateway uses. */
function gatewayCall(key: string) {
  return app.switchyard.apiKeys.authenticate(new Request("http://127.0.0.1/v1/models", { headers: { authorization: `Bearer ${key}` } }));
}

async function modelsWith(key: string) {
  const response = await fetch(`${app.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
  return { status: response.status, body: (await response.json()) as { error?: { code: string } } };
}

describe("the keys API", () => {
  test("create shows the key once; list shows it without secrets and with its last use; revoke stops it at once", async () => {
    const created = await send<CreatedApiKey>("/api/keys", {
      method: "POST",
      headers: asConsole(),
      body: { name: "discord-bot", allowedModels: ["fast", "reasoning"], concurrency: 4, requestsPerMinute: 60, lane: "batch", expiresIn: "30d" },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get("cache-control")).toBe("no-store");
    const { key, apiKey } = created.body.data!;
    expect(key).toMatch(/^sy-[a-z2-7]{8}-[A-Za-z0-9_-]{43}$/);
    expect(apiKey).toMatchObject({ name: "discord-bot", prefix: key.slice(0, 11), allowedModels: ["fast", "reasoning"], lane: "batch", status: "active", lastUsedAt: null });
    expect(Date.parse(apiKey.expiresAt ?? "") - Date.now()).toBeGreaterThan(29.9 * 86_400_000);

    expect(await gatewayCall(key)).toMatchObject({ keyId: apiKey.id, keyName: "discord-bot", allowedModels: ["fast", "reasoning"], concurrency: 4 });
    expect((await modelsWith(key)).status).toBe(200);

    const list = () => send<{ rows: ApiKeyView[] }>("/api/keys", { headers: asScript });
    const listed = await list();
    expect(listed.status).toBe(200);
    const text = JSON.stringify(listed.body);
    expect(text).not.toContain(key);
    expect(text).not.toContain(key.slice(12));
    expect(text).not.toMatch(/"hash"/);
    // The use is recorded off the request's path, so it shows up shortly after.
    await vi.waitFor(async () => expect((await list()).body.data!.rows.find((r) => r.id === apiKey.id)?.lastUsedAt).not.toBeNull());

    const revoked = await send<ApiKeyView>(`/api/keys/${apiKey.id}/revoke`, { method: "POST", headers: asConsole() });
    expect(revoked.status).toBe(200);
    expect(revoked.body.data).toMatchObject({ id: apiKey.id, status: "revoked" });
    // The gateway had the key cached; the revocation still applies to the very next request.
    expect(await modelsWith(key)).toMatchObject({ status: 401, body: { error: { code: "invalid_api_key" } } });
    expect((await send<{ rows: ApiKeyView[] }>("/api/keys", { headers: asScript })).body.data!.rows.find((r) => r.id === apiKey.id)?.status).toBe("revoked");
  });

  test("admin token scripts may create without an Origin header", async () => {
    const created = await send<CreatedApiKey>("/api/keys", { method: "POST", headers: asScript, body: { name: "ci" } });
    expect(created.status).toBe(201);
    expect(created.body.data?.apiKey).toMatchObject({ allowedModels: null, lane: "interactive", expiresAt: null, captureBodies: false });
  });

  test.each([
    ["no credentials", {}, 401],
    ["an API key as Bearer", "api-key", 401],
    ["the console cookie without Origin", { cookie: "from-login" }, 403],
    ["the console cookie from another origin", { cookie: "from-login", origin: "http://evil.example" }, 403],
    ["a cross-site fetch with the token", { authorization: `Bearer ${TOKEN}`, "sec-fetch-site": "cross-site" }, 403],
  ] as const)("creating with %s is refused (%i)", async (_name, given, status) => {
    const api = await send<CreatedApiKey>("/api/keys", { method: "POST", headers: asScript, body: { name: "holder" } });
    const headers: Record<string, string> =
      given === "api-key" ? { authorization: `Bearer ${api.body.data!.key}` } : Object.fromEntries(Object.entries(given).map(([k, v]) => [k, v === "from-login" ? cookie : v]));
    const before = (await send<{ rows: ApiKeyView[] }>("/api/keys", { headers: asScript })).body.data!.rows.length;
    const response = await send("/api/keys", { method: "POST", headers, body: { name: "sneaky" } });
    expect(response.status).toBe(status);
    expect((await send<{ rows: ApiKeyView[] }>("/api/keys", { headers: asScript })).body.data!.rows.length).toBe(before);
  });

  test("listing needs admin access too; an API key is not enough", async () => {
    const api = await send<CreatedApiKey>("/api/keys", { method: "POST", headers: asScript, body: { name: "reader" } });
    expect((await send("/api/keys")).status).toBe(401);
    expect((await send("/api/keys", { headers: { authorization: `Bearer ${api.body.data!.key}` } })).status).toBe(401);
    expect((await send("/api/keys", { headers: { "x-api-key": api.body.data!.key } })).status).toBe(401);
  });

  test.each([
    [{}, "name"],
    [{ name: "" }, "name"],
    [{ name: "x\u0007" }, "name"],
    [{ name: "x", lane: "fast" }, "lane"],
    [{ name: "x", concurrency: 0 }, "concurrency"],
    [{ name: "x", allowedModels: "fast" }, "allowedModels"],
    [{ name: "x", expiresIn: "30y" }, "expiresIn"],
    [{ name: "x", expiresAt: "2020-01-01" }, "expiresAt"],
    [{ name: "x", expiresIn: "1d", expiresAt: "2030-01-01" }, "expiresAt"],
    [{ name: "x", secret: "mine" }, ""],
  ])("a bad body %j is a 400 naming %s", async (body, field) => {
    const response = await send("/api/keys", { method: "POST", headers: asScript, body });
    expect(response.status).toBe(400);
    expect(response.body.error?.code).toBe("bad_request");
    expect(response.body.error?.message).toContain(field);
  });

  test("revoking an unknown key is a 404; revoking twice keeps the first time", async () => {
    expect((await send("/api/keys/no-such-key/revoke", { method: "POST", headers: asScript })).status).toBe(404);
    const { body } = await send<CreatedApiKey>("/api/keys", { method: "POST", headers: asScript, body: { name: "twice" } });
    const first = await send<ApiKeyView>(`/api/keys/${body.data!.apiKey.id}/revoke`, { method: "POST", headers: asScript });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await send<ApiKeyView>(`/api/keys/${body.data!.apiKey.id}/revoke`, { method: "POST", headers: asScript });
    expect(second.body.data?.revokedAt).toBe(first.body.data?.revokedAt);
  });
});

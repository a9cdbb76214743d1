import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startGatewayHarness, type GatewayHarness } from "@/lib/testing/gateway-harness";

/**
 * The gateway's compatibility rules (gateway.compat) against simulators started with the lab's contexts: the 7B
 * at 32,768 tokens, the 14B at 16,384. Clients as they really call: a 20k-token prompt on `auto`, Cline's
 * max_tokens of 32,000 on the 14B, Open WebUI's `reasoning: {effort}`, browsers from another origin.
 */
let lab: GatewayHarness;

beforeAll(async () => {
  lab = await startGatewayHarness({
    backends: {
      "qwen-7b": { servedModel: "qwen2.5-7b-instruct", sim: { ttftMs: 5, tokensPerSecond: 2000, maxModelLen: 32_768 } },
      "qwen-14b": { servedModel: "qwen2.5-14b-instruct-awq", sim: { ttftMs: 5, tokensPerSecond: 2000, maxModelLen: 16_384 } },
    },
    modes: { standard: ["qwen-7b", "qwen-14b"] },
    routes: {
      fast: ["qwen-7b"],
      reasoning: ["qwen-14b"],
      auto: { auto: { fast: "fast", deep: "reasoning", longPromptTokens: 3000 } },
    },
    gateway: { compat: { corsOrigins: ["*"], defaultModel: "fast" } },
  });
});

afterAll(async () => {
  await lab?.close();
});

function chat(body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${lab.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
}

async function rowOf(response: Response) {
  await response.text();
  await lab.flushLog();
  return lab.prisma.requestLog.findUnique({ where: { id: Number(response.headers.get("x-switchyard-log-id")) } });
}

/** About `tokens` tokens of text for the simulator's tokenizer (it splits words and spaces). */
const words = (tokens: number) => Array.from({ length: Math.ceil(tokens / 2) }, (_, i) => `w${i % 97}`).join(" ");

describe("context-aware routing and clamping", () => {
  test("a 20k-token prompt on auto goes to the side whose context holds it, not to the 14B's 400", async () => {
    const response = await chat({ model: "auto", max_tokens: 8, messages: [{ role: "user", content: words(20_000) }] });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-switchyard-backend")).toBe("qwen-7b");
    expect(response.headers.get("x-switchyard-route-reason")).toContain("deep cannot hold");
    expect(await rowOf(response)).toMatchObject({ outcome: "served", compat: "contextFit" });
  });

  test("the same prompt on the 14B's own route is vLLM's 400, before anything is sent, and its row names the route", async () => {
    const before = (await lab.sims["qwen-14b"]!.state()).totals.requests;
    const response = await chat({ model: "reasoning", max_tokens: 8, messages: [{ role: "user", content: words(20_000) }] });
    expect(response.status).toBe(400);
    const row = await rowOf(response.clone());
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/^This model's maximum context length is 16384 tokens\. However, your request has \d+ input tokens\./);
    expect((await lab.sims["qwen-14b"]!.state()).totals.requests).toBe(before);
    expect(row).toMatchObject({ outcome: "bad_request", route: "reasoning", routeReason: "route reasoning", backend: null });
  });

  test("Cline's max_tokens of 32,000 on the 14B is lowered to what fits, and served", async () => {
    const body = { model: "qwen2.5-14b-instruct-awq", max_tokens: 32_000, messages: [{ role: "user", content: "Refactor this function." }] };
    // Sent as is, the simulator answers as vLLM does: 400, the completion does not fit the context.
    const direct = await fetch(`${lab.sims["qwen-14b"]!.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    expect(direct.status).toBe(400);
    await direct.text();
    const response = await chat({ ...body, model: "reasoning" });
    expect(response.status).toBe(200);
    expect(await rowOf(response)).toMatchObject({ outcome: "served", compat: "clampMaxTokens" });
  });

  test("a request far from every limit is not counted: no /tokenize call, nothing noted", async () => {
    const response = await chat({ model: "reasoning", max_tokens: 100, messages: [{ role: "user", content: "Hi" }] });
    expect(response.status).toBe(200);
    expect((await rowOf(response))?.compat).toBeNull();
  });

  test("/v1/models advertises for auto the largest context it can route to", async () => {
    const models = (await (await fetch(`${lab.url}/v1/models`)).json()) as { data: { id: string; max_model_len: number | null }[] };
    const context = Object.fromEntries(models.data.map((card) => [card.id, card.max_model_len]));
    expect(context).toMatchObject({ auto: 32_768, fast: 32_768, reasoning: 16_384 });
  });
});

describe("request shapes clients send", () => {
  test("Open WebUI's reasoning: {effort} steers auto like reasoning_effort", async () => {
    for (const [body, backend] of [
      [{ reasoning: { effort: "high" } }, "qwen-14b"],
      [{ reasoning_effort: "high" }, "qwen-14b"],
      [{ reasoning: { effort: "low" } }, "qwen-7b"],
    ] as const) {
      const response = await chat({ model: "auto", max_tokens: 4, messages: [{ role: "user", content: "Think." }], ...body });
      expect(response.headers.get("x-switchyard-backend")).toBe(backend);
      expect(response.headers.get("x-switchyard-route-reason")).toContain("reasoning_effort");
      await response.text();
    }
  });

  test("a request without a model gets the lab's default model, as vLLM serves its own", async () => {
    const response = await chat({ max_tokens: 4, messages: [{ role: "user", content: "Hi" }] });
    expect(response.status).toBe(200);
    expect(await rowOf(response)).toMatchObject({ requestedModel: "fast", compat: "defaultModel" });
  });
});

describe("CORS for browser clients", () => {
  test("a preflight from another origin is allowed like vLLM (any origin, no credentials), and never logged", async () => {
    const before = await lab.prisma.requestLog.count();
    const preflight = await fetch(`${lab.url}/v1/chat/completions`, {
      method: "OPTIONS",
      headers: { origin: "http://openwebui.lan:8080", "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
    expect(preflight.headers.get("access-control-allow-headers")).toBe("authorization, content-type");
    expect(preflight.headers.get("access-control-allow-methods")).toContain("POST");
    expect(preflight.headers.get("access-control-allow-credentials")).toBeNull();
    await lab.flushLog();
    expect(await lab.prisma.requestLog.count()).toBe(before);
  });

  test("answers and errors carry the origin header and expose the tracing headers", async () => {
    const ok = await chat({ model: "fast", max_tokens: 2, messages: [{ role: "user", content: "Hi" }] }, { origin: "http://openwebui.lan:8080" });
    const missing = await chat({ model: "nope", messages: [{ role: "user", content: "Hi" }] }, { origin: "http://openwebui.lan:8080" });
    for (const response of [ok, missing]) {
      expect(response.headers.get("access-control-allow-origin")).toBe("*");
      expect(response.headers.get("access-control-expose-headers")).toContain("x-request-id");
      await response.text();
    }
    const sameOrigin = await chat({ model: "fast", max_tokens: 2, messages: [{ role: "user", content: "Hi" }] });
    expect(sameOrigin.headers.get("access-control-allow-origin")).toBeNull();
    await sameOrigin.text();
  });
});

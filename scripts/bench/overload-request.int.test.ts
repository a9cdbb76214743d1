import http from "node:http";
import type { AddressInfo } from "node:net";
import { Pool } from "undici";
import { afterAll, beforeAll, expect, test } from "vitest";
import { spawnSimulator, type SimulatorProcess } from "@/lib/sim/spawn";
import { streamingSender } from "./overload-request";

const chunk = (content: string) => `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content } }] })}\n\n`;

/** Answers each path the way a gateway or a broken upstream might. */
const scripted: Record<string, (res: http.ServerResponse) => void> = {
  "/ok": (res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(chunk(""));
    setTimeout(() => res.end(chunk("Hello") + "data: [DONE]\n\n"), 30);
  },
  "/queue-full": (res) => res.writeHead(429, { "content-type": "application/json", "retry-after": "3" }).end('{"error":{"message":"full"}}'),
  "/timeout-without-retry-after": (res) => res.writeHead(503, { "content-type": "application/json" }).end('{"error":{"message":"timeout"}}'),
  "/cut": (res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(chunk("partial"));
    setTimeout(() => res.destroy(), 20);
  },
  "/error-event": (res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.end(chunk("a") + `data: ${JSON.stringify({ error: { message: "upstream failed", code: 502 } })}\n\ndata: [DONE]\n\n`);
  },
};

let server: http.Server;
let origin: string;
let pool: Pool;
let sim: SimulatorProcess | undefined;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => (scripted[req.url ?? ""] ?? ((r: http.ServerResponse) => r.writeHead(404).end()))(res));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  pool = new Pool(origin, { connections: 4 });
});

afterAll(async () => {
  await pool?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await sim?.stop();
});

const send = (path: string) => streamingSender(pool, { lane: "interactive", path, body: { model: "m" }, timeoutMs: 5000 })();

test("a stream that reaches [DONE] is served, timed at its first text, not at the role chunk", async () => {
  const record = await send("/ok");
  expect(record).toMatchObject({ lane: "interactive", status: 200, outcome: "served", problem: null, retryAfter: null });
  expect(record.ttftMs).toBeGreaterThanOrEqual(25);
  expect(record.endedMs).toBeGreaterThanOrEqual(record.startedMs + (record.ttftMs ?? 0));
});

test("a 429 with Retry-After is a refusal; a 503 without one, a cut stream and an error event are lost", async () => {
  expect(await send("/queue-full")).toMatchObject({ status: 429, retryAfter: "3", outcome: "refused", ttftMs: null });
  expect(await send("/timeout-without-retry-after")).toMatchObject({ status: 503, outcome: "lost", problem: "503 without a usable Retry-After" });
  const cut = await send("/cut");
  expect(cut.outcome).toBe("lost");
  expect(cut.status).toBe(200);
  expect(await send("/error-event")).toMatchObject({ status: 200, outcome: "lost", problem: "200 stream carried an error event" });
});

test("against the simulator's capacity model the TTFT includes its think time", async () => {
  sim = await spawnSimulator({ servedModel: "m", maxNumSeqs: 2, ttftMs: 80, tokensPerSecond: 200 }, { waitReady: true });
  const simPool = new Pool(sim.url, { connections: 2 });
  try {
    const record = await streamingSender(simPool, {
      lane: "batch",
      path: "/v1/chat/completions",
      body: { model: "m", messages: [{ role: "user", content: "hi" }], max_tokens: 8 },
      timeoutMs: 10_000,
    })();
    expect(record).toMatchObject({ lane: "batch", status: 200, outcome: "served" });
    expect(record.ttftMs).toBeGreaterThanOrEqual(75);
    // 8 tokens at 200 tokens/s after the first: the stream ends well after its first token.
    expect(record.endedMs - record.startedMs).toBeGreaterThan((record.ttftMs ?? 0) + 20);
  } finally {
    await simPool.close();
  }
});

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, test } from "vitest";
import { parseLabConfig } from "@/lib/config/parse";
import { createEngineSleepClient, EngineSleepError } from "./engine-sleep";

let server: Server | null = null;

/** A stand-in engine answering each request with `answer`; returns the client pointed at it and the requests seen. */
async function engine(answer: (req: IncomingMessage, res: ServerResponse) => void, timeouts = { sleepMs: 2_000, wakeMs: 2_000, reloadMs: 2_000, queryMs: 300 }) {
  const seen: string[] = [];
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      seen.push(`${req.method} ${req.url}${body ? ` ${req.headers["content-type"]} ${body}` : ""}`);
      answer(req, res);
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const config = parseLabConfig(`
runtime: none
backends:
  qwen-7b: { url: "http://127.0.0.1:${port}", servedModel: qwen2.5-7b-instruct, gpus: [0], sleep: { level: 2 } }
modes:
  standard: { backends: [qwen-7b], default: true }
`);
  return { client: createEngineSleepClient(() => config, timeouts), seen };
}

async function closeServer(): Promise<void> {
  const open = server;
  server = null;
  if (!open) return;
  open.closeAllConnections();
  await new Promise((resolve) => open.close(resolve));
}

afterEach(closeServer);

describe("the engines' sleep endpoints", () => {
  test("sleep sends the level, wake_up and is_sleeping follow vLLM's routes and answer", async () => {
    let sleeping = false;
    const { client, seen } = await engine((req, res) => {
      if (req.url?.startsWith("/sleep")) sleeping = true;
      if (req.url === "/wake_up") sleeping = false;
      res.writeHead(200, { "content-type": "application/json" }).end(req.url === "/is_sleeping" ? JSON.stringify({ is_sleeping: sleeping }) : "");
    });
    await client.sleep("qwen-7b", 1);
    expect(await client.isSleeping("qwen-7b")).toBe(true);
    await client.wakeUp("qwen-7b", 1);
    expect(await client.isSleeping("qwen-7b")).toBe(false);
    expect(seen).toEqual(["POST /sleep?level=1", "GET /is_sleeping", "POST /wake_up", "GET /is_sleeping"]);
  });

  test("a level-2 wake is vLLM's three calls in order: the weights' memory, reload_weights from disk, then the KV cache", async () => {
    const { client, seen } = await engine((req, res) => {
      res.writeHead(200, { "content-type": "application/json" }).end(req.url === "/collective_rpc" ? '{"results":[null]}' : "");
    });
    await client.sleep("qwen-7b", 2);
    await client.wakeUp("qwen-7b", 2);
    expect(seen).toEqual([
      "POST /sleep?level=2",
      "POST /wake_up?tags=weights",
      'POST /collective_rpc application/json {"method":"reload_weights"}',
      "POST /wake_up?tags=kv_cache",
    ]);
  });

  test("a level-2 wake stops at the first call that fails, and says which", async () => {
    const { client, seen } = await engine((req, res) => {
      if (req.url === "/collective_rpc") return void res.writeHead(404).end('{"detail":"Not Found"}');
      res.writeHead(200).end();
    });
    await expect(client.wakeUp("qwen-7b", 2)).rejects.toThrow(/POST \/collective_rpc answered 404: start the engine with --enable-sleep-mode and VLLM_SERVER_DEV_MODE=1/);
    expect(seen.map((line) => line.split(" ").slice(0, 2).join(" "))).toEqual(["POST /wake_up?tags=weights", "POST /collective_rpc"]);
  });

  test("a 404 says which flags the engine lacks", async () => {
    const { client } = await engine((_req, res) => res.writeHead(404).end('{"detail":"Not Found"}'));
    await expect(client.sleep("qwen-7b", 1)).rejects.toThrow(/answered 404: start the engine with --enable-sleep-mode and VLLM_SERVER_DEV_MODE=1/);
  });

  test("an error status carries the engine's words; a malformed is_sleeping is refused", async () => {
    const { client } = await engine((req, res) => {
      if (req.url === "/wake_up") return void res.writeHead(500).end("CUDA out of memory");
      res.writeHead(200).end('{"sleeping": true}');
    });
    await expect(client.wakeUp("qwen-7b", 1)).rejects.toThrow("qwen-7b: POST /wake_up answered 500: CUDA out of memory");
    await expect(client.isSleeping("qwen-7b")).rejects.toThrow(/without a boolean is_sleeping/);
  });

  test("an engine that does not answer in time, or not at all, is a clear error", async () => {
    const { client } = await engine(() => undefined);
    await expect(client.isSleeping("qwen-7b")).rejects.toThrow(/GET \/is_sleeping gave no answer within 0\.3 s/);
    await closeServer();
    const error = await client.sleep("qwen-7b", 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineSleepError);
    expect((error as Error).message).toBe("qwen-7b: POST /sleep?level=1 failed: ECONNREFUSED");
  });

  test("an unknown backend is refused before any request", async () => {
    const { client, seen } = await engine((_req, res) => res.end());
    await expect(client.wakeUp("nope", 1)).rejects.toThrow("unknown backend nope");
    expect(seen).toEqual([]);
  });
});

/**
 * `npm start`: the built Next.js app behind a plain node:http server that hands the gateway's hot paths
 * (chat, completions, embeddings, responses, tokenize, detokenize) straight to the gateway, skipping Next's
 * per-request pipeline, which costs more than the whole gateway (see `npm run bench`). Everything else, the
 * console and the admin API included, goes through Next as usual; the app/ route files serve those paths too
 * (`next dev`, or before the singleton is up).
 *
 * The gateway is taken from the process-wide singleton Next's instrumentation starts, never imported here:
 * one copy of the lab's state, created inside Next's bundle.
 */
import http from "node:http";
import path from "node:path";
import next from "next";
import { endpointOf } from "@/lib/app/endpoints";
import { sendFetchResponse, toFetchRequest } from "@/lib/app/node-http";
import type { Switchyard } from "@/lib/app/switchyard";
import { getEnv } from "@/lib/env";

const fastPaths = new Set(["chat", "completions", "embeddings", "responses", "tokenize", "detokenize"]);
const holder = globalThis as typeof globalThis & { __switchyard?: Promise<Switchyard> };

async function main(): Promise<void> {
  const { PORT: port } = getEnv();
  const hostname = process.argv.includes("--localhost") ? "127.0.0.1" : "0.0.0.0";
  const app = next({ dev: false, dir: path.resolve(__dirname, ".."), hostname, port });
  const handle = app.getRequestHandler();
  await app.prepare();

  const server = http.createServer((req, res) => {
    const pathname = (req.url ?? "/").split("?", 1)[0] ?? "/";
    const endpoint = endpointOf(pathname);
    const switchyard = holder.__switchyard;
    if (switchyard && fastPaths.has(endpoint)) {
      void switchyard
        .then((s) => s.gateway.handle(toFetchRequest(req, res), endpoint))
        .then((response) => sendFetchResponse(response, res))
        .catch((error: unknown) => {
          console.error("[server] gateway fast path failed", error);
          if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" }).end('{"error":{"message":"internal error","type":"server_error","param":null,"code":"internal_error"}}');
        });
      return;
    }
    void handle(req, res);
  });
  // Longer than a typical client's idle keep-alive, so the client closes first and never reuses a dead socket.
  server.keepAliveTimeout = 65_000;
  server.listen(port, hostname, () => console.log(`[switchyard] listening on http://${hostname === "0.0.0.0" ? "localhost" : hostname}:${port}`));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

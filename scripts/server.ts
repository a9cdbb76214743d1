/**
 * `npm start`: creates the Switchyard (lib/app/switchyard.ts) first, provides it to Next's code
 * (lib/app/instance.ts), then serves the built Next.js app behind a plain node:http server that hands the
 * gateway's hot paths (chat, completions, embeddings, responses, tokenize, detokenize) straight to the gateway,
 * skipping Next's per-request pipeline, which costs more than the whole gateway (see `npm run bench`).
 * Everything else, the console and the admin API included, goes through Next as usual.
 */
import http from "node:http";
import path from "node:path";
import next from "next";
import { markPeer, sendFetchResponse, toFetchRequest } from "@/lib/app/node-http";
import { apiErrorResponse, toApiError } from "@/lib/api/envelope";
import { startProcessSwitchyard } from "@/lib/app/server-start";
import { isAllowedHost, isMachineEndpoint, misdirectedHostError, reachableAddresses } from "@/lib/auth/allowed-hosts";
import { securityHeaders } from "@/lib/auth/security-headers";
import { getEnv } from "@/lib/env";
import { endpointOf, isProxiedEndpoint } from "@/lib/gateway/endpoints";

/** The headers next.config.ts gives every response Next sends: the fast path's answers carry the same. */
const sharedHeaders = Object.entries(securityHeaders());
/** Methods the gateway answers itself (OPTIONS: its CORS preflight); HEAD gets Next's answer on both paths alike. */
const fastPathMethods = new Set(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

async function main(): Promise<void> {
  const { PORT: port } = getEnv();
  const hostname = process.argv.includes("--localhost") ? "127.0.0.1" : "0.0.0.0";
  const switchyard = await startProcessSwitchyard();
  const app = next({ dev: false, dir: path.resolve(__dirname, ".."), hostname, port });
  const handle = app.getRequestHandler();
  await app.prepare();

  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?", 1)[0] ?? "/";
    const endpoint = endpointOf(path);
    if (!isProxiedEndpoint(endpoint) || !fastPathMethods.has(req.method ?? "")) {
      if (!isMachineEndpoint(path) && !isAllowedHost(req.headers.host, switchyard.config().server.allowedHosts)) {
        for (const [name, value] of sharedHeaders) res.setHeader(name, value);
        return void sendFetchResponse(apiErrorResponse(toApiError(misdirectedHostError(req.headers.host))), res);
      }
      markPeer(req);
      return void handle(req, res);
    }
    switchyard.metrics.countEntry("fast_path");
    for (const [name, value] of sharedHeaders) res.setHeader(name, value);
    switchyard.gateway
      .handle(toFetchRequest(req, res), endpoint)
      .then((response) => sendFetchResponse(response, res))
      .catch((error: unknown) => {
        console.error("[server] gateway fast path failed", error);
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" }).end('{"error":{"message":"internal error","type":"server_error","param":null,"code":"internal_error"}}');
      });
  });
  // Longer than a typical client's idle keep-alive, so the client closes first and never reuses a dead socket.
  server.keepAliveTimeout = 65_000;
  server.listen(port, hostname, () => {
    console.log(`[switchyard] listening on http://${hostname === "0.0.0.0" ? "localhost" : hostname}:${port}`);
    if (switchyard.adminAuth.open) {
      console.warn(
        `[switchyard] the console is OPEN (neither SWITCHYARD_ADMIN_PASSWORD nor SWITCHYARD_ADMIN_TOKEN is set): anyone who can reach ${reachableAddresses(hostname, port).join(", ")} can run the lab`,
      );
    }
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

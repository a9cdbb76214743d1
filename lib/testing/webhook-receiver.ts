import http from "node:http";
import type { AddressInfo } from "node:net";

/** One request a webhook receiver got. */
export interface ReceivedHook {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The body parsed as JSON, when it is JSON. */
  json: unknown;
  at: number;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedHook[];
  close(): Promise<void>;
}

/**
 * A real HTTP server standing in for the webhooks alerts go to (Discord, ntfy, a generic JSON endpoint). By path:
 * `/fail*` answers 500, `/bad*` 400, `/hang*` never answers (until closed), anything else 204, like Discord. Every
 * request is kept.
 */
export async function startWebhookReceiver(options: { port?: number; host?: string } = {}): Promise<WebhookReceiver> {
  const received: ReceivedHook[] = [];
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      let json: unknown = undefined;
      try {
        json = JSON.parse(body);
      } catch {
        // ntfy's body is plain text
      }
      const path = request.url ?? "/";
      received.push({ path, headers: request.headers, body, json, at: Date.now() });
      if (path.startsWith("/hang")) {
        hanging.add(response);
        return;
      }
      if (path.startsWith("/fail")) response.writeHead(500).end("receiver says no");
      else if (path.startsWith("/bad")) response.writeHead(400).end('{"message": "Invalid Form Body"}');
      else response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const response of hanging) response.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

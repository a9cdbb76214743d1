import http from "node:http";
import type { AddressInfo } from "node:net";
import { createRng } from "@/lib/sim/random";

/** What the backend answers on one path: a capture's bytes, as captured. */
export interface ReplayReply {
  status?: number;
  contentType: string;
  body: Buffer;
}

export interface ReplayDelivery {
  /** Seed of the split points and pauses: the same seed delivers the same pieces with the same pauses. */
  seed: number;
  /** Largest piece, in bytes (pieces are 1..maxPieceBytes long). Default 48. */
  maxPieceBytes?: number;
  /** Largest pause between two pieces, in ms; about a third of the pieces are followed by one. Default 4. */
  maxPauseMs?: number;
  /**
   * Pause after the last byte before the response ends (the chunked terminator), in ms: the upstream's end still
   * in flight when the client already has everything. Default: a random pause like the others.
   */
  endPauseMs?: number;
}

export interface ReplayRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface ReplayBackend {
  url: string;
  /** Answers `path` (any method) with this reply from now on. */
  serve(path: string, reply: ReplayReply): void;
  /** How the next responses are delivered. */
  deliver(delivery: ReplayDelivery): void;
  /** Requests received, oldest first. */
  readonly requests: ReplayRequest[];
  close(): Promise<void>;
}

/**
 * A stand-in for a vLLM server that answers with recorded bytes (`lib/gateway/fixtures/vllm`), delivered the way a
 * network delivers them: cut at arbitrary byte offsets, with small pauses, from a seeded generator so that a failing
 * seed can be replayed. `GET /health` answers 200 (empty, like vLLM) so the gateway's health checks pass; a path with
 * no reply gets vLLM's 404 `{"detail":"Not Found"}`.
 */
export async function startReplayBackend(): Promise<ReplayBackend> {
  const replies = new Map<string, ReplayReply>();
  const requests: ReplayRequest[] = [];
  let delivery: ReplayDelivery = { seed: 1 };
  let random = createRng(delivery.seed);

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const path = (req.url ?? "/").split("?")[0] ?? "/";
      requests.push({ method: req.method ?? "GET", path, headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      if (path === "/health") {
        res.writeHead(200).end();
        return;
      }
      const reply = replies.get(path);
      if (!reply) {
        res.writeHead(404, { "content-type": "application/json" }).end('{"detail":"Not Found"}');
        return;
      }
      res.writeHead(reply.status ?? 200, { "content-type": reply.contentType });
      void sendInPieces(res, reply.body, delivery, random);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    serve: (path, reply) => void replies.set(path, reply),
    deliver(next) {
      delivery = next;
      random = createRng(next.seed);
    },
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Writes `body` in random pieces with random pauses, then ends after one more pause; stops if the client goes. */
async function sendInPieces(res: http.ServerResponse, body: Buffer, delivery: ReplayDelivery, random: () => number): Promise<void> {
  const maxPiece = delivery.maxPieceBytes ?? 48;
  const maxPause = delivery.maxPauseMs ?? 4;
  const pause = (ms: number) => (ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve());
  let offset = 0;
  while (offset < body.length) {
    if (res.destroyed) return;
    const size = 1 + Math.floor(random() * maxPiece);
    const piece = body.subarray(offset, offset + size);
    offset += piece.length;
    if (!res.write(piece)) await new Promise((resolve) => res.once("drain", resolve));
    if (random() < 1 / 3) await pause(Math.round(random() * maxPause));
  }
  await pause(delivery.endPauseMs ?? Math.round(random() * maxPause));
  if (!res.destroyed) res.end();
}

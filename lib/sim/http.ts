import type { IncomingMessage, ServerResponse } from "node:http";
import { SimError } from "./errors";

/** Small node:http helpers shared by the handlers. */

const MAX_BODY_BYTES = 64 * 1024 * 1024;

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new SimError("invalid_request", "Request body too large"));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** vLLM's `validate_json_request`: only `application/json` bodies, then JSON that parses. */
export function parseJsonBody(req: IncomingMessage, body: Buffer): unknown {
  const mediaType = (req.headers["content-type"] ?? "").split(";", 1)[0]?.trim().toLowerCase();
  if (mediaType !== "application/json") {
    throw new SimError("invalid_request", "Unsupported Media Type: Only 'application/json' is allowed");
  }
  try {
    return JSON.parse(body.toString("utf8")) as unknown;
  } catch (err) {
    throw new SimError("invalid_request", `JSON decode error: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export function sendJson(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

export function sendEmpty(res: ServerResponse, status = 200): void {
  res.writeHead(status, { "content-length": 0 });
  res.end();
}

export function sendText(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(body) });
  res.end(body);
}

/** Headers of a vLLM stream (Starlette's StreamingResponse). Sent with the first event, not before. */
export function beginEventStream(res: ServerResponse): void {
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8" });
}

/** One SSE event as vLLM writes it: `data: <compact json>\n\n`, in a single write. */
export function writeData(res: ServerResponse, json: string): void {
  res.write(`data: ${json}\n\n`);
}

export const DONE_EVENT = "data: [DONE]\n\n";

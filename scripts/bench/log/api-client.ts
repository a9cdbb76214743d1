import { performance } from "node:perf_hooks";
import { Pool } from "undici";

/** Timed GETs against the app's /api, over kept-alive connections (a browser's tab keeps its connections too). */
export interface Timed<T> {
  ms: number;
  status: number;
  body: T;
}

export class ApiClient {
  private readonly pool: Pool;

  constructor(origin: string, connections = 6) {
    this.pool = new Pool(origin, { connections, pipelining: 1, headersTimeout: 120_000, bodyTimeout: 600_000 });
  }

  /** GET and parse JSON, unwrapped from the API's envelope ({ data }); throws on a non-2xx answer so a broken measure never passes as fast. */
  async json<T = unknown>(path: string): Promise<Timed<T>> {
    const started = performance.now();
    const response = await this.pool.request({ path, method: "GET", headers: { accept: "application/json" } });
    const text = await response.body.text();
    const ms = performance.now() - started;
    if (response.statusCode < 200 || response.statusCode >= 300) throw new Error(`GET ${path}: ${response.statusCode} ${text.slice(0, 300)}`);
    return { ms, status: response.statusCode, body: (JSON.parse(text) as { data: T }).data };
  }

  /** GET a streamed file, counting its lines as they arrive; the body is never kept. */
  async lines(path: string, signal?: AbortSignal, onLines?: (lines: number) => void): Promise<{ ms: number; firstByteMs: number; lines: number; bytes: number }> {
    const started = performance.now();
    const response = await this.pool.request({ path, method: "GET", ...(signal ? { signal } : {}) });
    if (response.statusCode !== 200) throw new Error(`GET ${path}: ${response.statusCode} ${(await response.body.text()).slice(0, 300)}`);
    let firstByteMs = -1;
    let lines = 0;
    let bytes = 0;
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      if (firstByteMs < 0) firstByteMs = performance.now() - started;
      bytes += chunk.length;
      let inChunk = 0;
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) inChunk += 1;
      lines += inChunk;
      onLines?.(inChunk);
    }
    return { ms: performance.now() - started, firstByteMs, lines, bytes };
  }

  /** GET text (e.g. /metrics). */
  async text(path: string): Promise<string> {
    const response = await this.pool.request({ path, method: "GET" });
    const text = await response.body.text();
    if (response.statusCode !== 200) throw new Error(`GET ${path}: ${response.statusCode}`);
    return text;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

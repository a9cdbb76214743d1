import { SseEventBuffer, sseEventKind } from "../first-content";

/** One request of a client stream, as the client saw it. Times are ms since the run's start. */
export interface ClientRequest {
  client: string;
  sentAt: number;
  /** The first generated content (a streamed delta, or the whole answer's headers when not streamed); null if none came. */
  firstContentAt: number | null;
  endedAt: number;
  status: number;
  /** Retry-After on a refusal, in seconds. */
  retryAfter: number | null;
  /** 200 and, for a stream, `[DONE]` reached. */
  completed: boolean;
  error: string | null;
}

export interface ClientSpec {
  name: string;
  model: string;
  stream: boolean;
}

export interface ClientStream {
  /** Stops sending; resolves with every request once the ones in flight ended. */
  stop(): Promise<ClientRequest[]>;
}

/**
 * Closed-loop clients (each sends, waits for the whole answer, pauses, sends again), like chat users and bots: the
 * gateway must hold them across a switch rather than refuse them. A refused client waits as Retry-After says.
 */
export function startClientStream(baseUrl: string, specs: readonly ClientSpec[], options: { pauseMs: number; now: () => number }): ClientStream {
  let stopped = false;
  const records: ClientRequest[] = [];
  const loops = specs.map(async (spec) => {
    while (!stopped) {
      const record = await sendOne(baseUrl, spec, options.now);
      records.push(record);
      const backoffMs = record.status === 200 ? options.pauseMs : Math.min(5, record.retryAfter ?? 1) * 1000;
      await new Promise((resolve) => setTimeout(resolve, backoffMs));
    }
  });
  return {
    async stop() {
      stopped = true;
      await Promise.all(loops);
      return records.sort((a, b) => a.sentAt - b.sentAt);
    },
  };
}

async function sendOne(baseUrl: string, spec: ClientSpec, now: () => number): Promise<ClientRequest> {
  const sentAt = now();
  const base = { client: spec.name, sentAt };
  try {
    const response = await fetch(`${baseUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: spec.model, stream: spec.stream, max_tokens: 12, messages: [{ role: "user", content: "How is the lab today?" }] }),
      signal: AbortSignal.timeout(300_000),
    });
    const retryAfterHeader = response.headers.get("retry-after");
    const retryAfter = retryAfterHeader === null ? null : Number(retryAfterHeader);
    if (response.status !== 200 || !spec.stream) {
      const firstContentAt = now();
      await response.text();
      return { ...base, firstContentAt: response.status === 200 ? firstContentAt : null, endedAt: now(), status: response.status, retryAfter, completed: response.status === 200, error: null };
    }
    const { firstContentAt, done } = await readStream(response, now);
    return { ...base, firstContentAt, endedAt: now(), status: 200, retryAfter, completed: done, error: done ? null : "stream ended without [DONE]" };
  } catch (error) {
    return { ...base, firstContentAt: null, endedAt: now(), status: 0, retryAfter: null, completed: false, error: (error as Error).message };
  }
}

/** Reads an SSE stream to its end: when the first delta with content came (keep-alive comments do not count), and whether `[DONE]` did. */
async function readStream(response: Response, now: () => number): Promise<{ firstContentAt: number | null; done: boolean }> {
  let firstContentAt: number | null = null;
  let done = false;
  const events = new SseEventBuffer();
  const decoder = new TextDecoder();
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    for (const event of events.push(decoder.decode(chunk, { stream: true }))) {
      const kind = sseEventKind(event);
      if (kind === "done") done = true;
      else if (kind === "content" && firstContentAt === null) firstContentAt = now();
    }
  }
  return { firstContentAt, done };
}

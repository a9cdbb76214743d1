/** Helpers for the simulator's own tests (not used at run time). */

export async function postJson(baseUrl: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${baseUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

/** Splits an SSE body into its `data:` payloads, asserting vLLM's exact framing on the way. */
export function sseData(text: string): string[] {
  if (!text.endsWith("\n\n")) throw new Error(`stream does not end with a blank line: ${JSON.stringify(text.slice(-40))}`);
  return text
    .slice(0, -2)
    .split("\n\n")
    .map((event) => {
      if (!event.startsWith("data: ") || event.includes("\n")) throw new Error(`not a single data line: ${JSON.stringify(event)}`);
      return event.slice("data: ".length);
    });
}

/** The JSON chunks of a chat/completions stream (everything but `[DONE]`, which must come last). */
export function sseChunks<T = Record<string, unknown>>(text: string): T[] {
  const data = sseData(text);
  if (data.at(-1) !== "[DONE]") throw new Error("stream does not end with [DONE]");
  return data.slice(0, -1).map((d) => JSON.parse(d) as T);
}

export interface ChatChunk {
  id: string;
  object: string;
  created: number;
  model: string;
  choices: {
    index: number;
    delta: {
      role?: string;
      content?: string;
      tool_calls?: { index: number; id?: string; type?: string; function: { name?: string; arguments?: string } }[];
    };
    logprobs: null;
    finish_reason: string | null;
    stop_reason?: string | number | null;
  }[];
  usage?: { prompt_tokens: number; total_tokens: number; completion_tokens: number };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until `check` returns a value (not undefined) or the time is up. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 2000, everyMs = 10): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}

/** One labelled sample of a Prometheus text body, e.g. `metricValue(text, "vllm:num_requests_running")`. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`)) continue;
    const close = line.lastIndexOf("}");
    const labelText = line.slice(name.length + 1, close);
    const found = Object.fromEntries([...labelText.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(line.slice(close + 2));
  }
  return undefined;
}

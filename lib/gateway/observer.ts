import { eventData } from "./sse";

/** What the gateway learns from an upstream response, for the log row and the metrics. */
export interface Observation {
  /** Epoch ms of the first event carrying generated output. */
  firstTokenAt?: number;
  promptTokens?: number;
  completionTokens?: number;
  cachedTokens?: number;
  finishReason?: string;
  /** Message of an error event sent by the upstream inside the stream. */
  upstreamError?: string;
  /** Events that carried generated output; vLLM sends one token per event, so it stands in for usage a stream never delivered. */
  tokenEvents: number;
  sawDone: boolean;
  /**
   * The stream's terminal event went by: `data: [DONE]`, or for /v1/responses `response.completed`, `.failed` or
   * `.incomplete`. Once it is relayed the client has the whole answer, whatever happens to the connection after.
   */
  sawTerminal: boolean;
  /** The generated text, when capture is on (cut at the capture limit). */
  capturedText?: string;
}

interface UsageLike {
  prompt_tokens?: number;
  completion_tokens?: number;
  input_tokens?: number;
  output_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
  input_tokens_details?: { cached_tokens?: number } | null;
}

interface ChoiceLike {
  finish_reason?: string | null;
  text?: string;
  delta?: { content?: string | null; reasoning_content?: string | null; reasoning?: string | null; tool_calls?: unknown[] | null };
}

interface PayloadLike {
  choices?: ChoiceLike[];
  usage?: UsageLike | null;
  error?: { message?: string } | string;
  type?: string;
  response?: { usage?: UsageLike | null; status?: string; incomplete_details?: { reason?: string } | null };
  delta?: string;
}

/**
 * Watches an SSE stream event by event (chat, completions, responses). Parses JSON only while it must:
 * every event until the first token, then only events that can carry a finish reason, usage or an error.
 */
export class StreamObserver {
  readonly observation: Observation = { sawDone: false, sawTerminal: false, tokenEvents: 0 };

  constructor(
    private readonly now: () => number,
    /** Drop the usage-only chunk (`choices: []`): the client did not ask for usage, the gateway did. */
    private readonly dropUsageChunk: boolean,
    /** Prompt capture: keep up to this many bytes of generated text (every event is then parsed). */
    private readonly captureBytes = 0,
  ) {
    if (captureBytes > 0) this.observation.capturedText = "";
  }

  /** Observes one whole event; returns false when the event must not be forwarded to the client. */
  observe(event: Buffer): boolean {
    const data = eventData(event);
    if (data === null) return true;
    if (data === "[DONE]") {
      this.observation.sawDone = true;
      this.observation.sawTerminal = true;
      return true;
    }
    if (looksLikeToken(data)) this.observation.tokenEvents++;
    const mayMatter =
      this.captureBytes > 0 ||
      this.observation.firstTokenAt === undefined ||
      data.includes('"usage"') ||
      data.includes('"finish_reason":"') ||
      data.includes('"error"') ||
      data.includes("response.completed") ||
      data.includes("response.failed") ||
      data.includes("response.incomplete");
    if (!mayMatter) return true;

    let payload: PayloadLike;
    try {
      payload = JSON.parse(data) as PayloadLike;
    } catch {
      return true; // not ours to judge: forward it as it came
    }
    if (this.observation.firstTokenAt === undefined && carriesToken(payload)) this.observation.firstTokenAt = this.now();
    if (this.captureBytes > 0) this.capture(payload);
    if (payload.error !== undefined) {
      this.observation.upstreamError = typeof payload.error === "string" ? payload.error : (payload.error.message ?? "upstream error");
    }
    for (const choice of payload.choices ?? []) {
      if (choice.finish_reason) this.observation.finishReason = choice.finish_reason;
    }
    if (payload.type === "response.completed" || payload.type === "response.failed" || payload.type === "response.incomplete") this.observation.sawTerminal = true;
    if (payload.type === "response.completed" || payload.type === "response.incomplete") {
      this.observation.finishReason = payload.response?.incomplete_details?.reason ?? payload.response?.status ?? "completed";
      recordUsage(this.observation, payload.response?.usage);
    }
    if (payload.usage) {
      recordUsage(this.observation, payload.usage);
      if (this.dropUsageChunk && Array.isArray(payload.choices) && payload.choices.length === 0) return false;
    }
    return true;
  }

  private capture(payload: PayloadLike): void {
    const captured = this.observation.capturedText ?? "";
    if (Buffer.byteLength(captured) >= this.captureBytes) return;
    this.observation.capturedText = truncateToBytes(captured + generatedText(payload), this.captureBytes);
  }
}

/** Cuts text to at most `maxBytes` of UTF-8 (a cut character becomes U+FFFD). */
export function truncateToBytes(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, "utf8");
  return bytes.length <= maxBytes ? text : bytes.subarray(0, maxBytes).toString("utf8");
}

function generatedText(payload: PayloadLike): string {
  if (payload.type === "response.output_text.delta") return payload.delta ?? "";
  return (payload.choices ?? [])
    .map((choice) => {
      const delta = choice.delta;
      const toolArguments = (delta?.tool_calls ?? [])
        .map((call) => (call as { function?: { arguments?: string } }).function?.arguments ?? "")
        .join("");
      return (choice.text ?? "") + (delta?.reasoning_content ?? delta?.reasoning ?? "") + (delta?.content ?? "") + toolArguments;
    })
    .join("");
}

/** A cheap test on the raw JSON, so events after the first token need not be parsed to be counted. */
function looksLikeToken(data: string): boolean {
  return (
    (data.includes('"content":"') && !data.includes('"content":""')) ||
    (data.includes('"text":"') && !data.includes('"text":""')) ||
    data.includes('"tool_calls":[{') ||
    (data.includes('"reasoning_content":"') && !data.includes('"reasoning_content":""')) ||
    (data.includes('"reasoning":"') && !data.includes('"reasoning":""')) ||
    data.includes('"type":"response.output_text.delta"')
  );
}

function carriesToken(payload: PayloadLike): boolean {
  if (payload.type === "response.output_text.delta" || payload.type === "response.reasoning_text.delta") return Boolean(payload.delta);
  return (payload.choices ?? []).some(
    (choice) =>
      Boolean(choice.text) ||
      Boolean(choice.delta?.content) ||
      Boolean(choice.delta?.reasoning_content) ||
      Boolean(choice.delta?.reasoning) ||
      (choice.delta?.tool_calls?.length ?? 0) > 0,
  );
}

function recordUsage(observation: Observation, usage: UsageLike | null | undefined): void {
  if (!usage) return;
  const prompt = usage.prompt_tokens ?? usage.input_tokens;
  const completion = usage.completion_tokens ?? usage.output_tokens;
  const cached = usage.prompt_tokens_details?.cached_tokens ?? usage.input_tokens_details?.cached_tokens;
  if (prompt !== undefined) observation.promptTokens = prompt;
  if (completion !== undefined) observation.completionTokens = completion;
  if (cached !== undefined) observation.cachedTokens = cached;
}

/** Reads usage and finish reason from a whole (non-streamed) JSON response body. */
export function observeJsonBody(body: unknown): Omit<Observation, "sawDone" | "sawTerminal" | "firstTokenAt" | "tokenEvents" | "capturedText"> {
  const observation: Observation = { sawDone: false, sawTerminal: false, tokenEvents: 0 };
  if (!body || typeof body !== "object") return {};
  const payload = body as PayloadLike & { status?: string; incomplete_details?: { reason?: string } | null };
  recordUsage(observation, payload.usage);
  const finish = payload.choices?.[0]?.finish_reason;
  if (finish) observation.finishReason = finish;
  else if (payload.status && "output" in payload) observation.finishReason = payload.incomplete_details?.reason ?? payload.status;
  const { sawDone: _done, sawTerminal: _terminal, tokenEvents: _events, capturedText: _text, ...rest } = observation;
  return rest;
}

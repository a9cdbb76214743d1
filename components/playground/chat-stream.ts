// The playground's reading of a chat completion, streamed or not (pure: the components only render the result).
// A stream is Server-Sent Events as the gateway relays them from vLLM: `data: {chunk}` events, maybe an
// `data: {"error": ...}` event, then `data: [DONE]`.

export interface ChatAnswer {
  text: string;
  /** Reasoning text (vLLM's `reasoning_content` / `reasoning`), for models that think first. */
  reasoning: string;
  /** Milliseconds from sending to the first generated text, and to the latest. */
  firstTokenMs: number | null;
  lastTokenMs: number | null;
  /** Events that carried text (about one token each with vLLM). */
  textEvents: number;
  usage: { promptTokens: number; completionTokens: number } | null;
  finishReason: string | null;
  /** An error the gateway or the backend reported inside the answer. */
  error: string | null;
  done: boolean;
}

export const emptyAnswer: ChatAnswer = {
  text: "",
  reasoning: "",
  firstTokenMs: null,
  lastTokenMs: null,
  textEvents: 0,
  usage: null,
  finishReason: null,
  error: null,
  done: false,
};

/** Splits a byte stream's text into the data of whole events, whatever the chunking; keeps the unfinished rest. */
export function createSseReader(): (text: string) => string[] {
  let buffer = "";
  return (text) => {
    buffer += text.replace(/\r\n/g, "\n");
    const events: string[] = [];
    for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      // Comments (": keep-alive" while a mode switch brings the backend) carry no data.
      const data = block
        .split("\n")
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).replace(/^ /, ""));
      if (data.length > 0) events.push(data.join("\n"));
    }
    return events;
  };
}

type Usage = { prompt_tokens?: number; completion_tokens?: number } | null | undefined;
type Choice = { delta?: Record<string, unknown>; message?: Record<string, unknown>; finish_reason?: string | null };
type ChatBody = { choices?: Choice[]; usage?: Usage; error?: { message?: string } | string };

const stringOf = (value: unknown) => (typeof value === "string" ? value : "");

function withUsage(answer: ChatAnswer, usage: Usage): ChatAnswer {
  if (!usage || typeof usage.completion_tokens !== "number") return answer;
  return { ...answer, usage: { promptTokens: usage.prompt_tokens ?? 0, completionTokens: usage.completion_tokens } };
}

function errorMessage(error: ChatBody["error"]): string {
  return typeof error === "string" ? error : (error?.message ?? "The backend reported an error.");
}

/** The answer after one event of the stream, received `atMs` after sending. */
export function applyChatEvent(answer: ChatAnswer, data: string, atMs: number): ChatAnswer {
  if (data === "[DONE]") return { ...answer, done: true };
  let body: ChatBody;
  try {
    body = JSON.parse(data) as ChatBody;
  } catch {
    return answer;
  }
  if (body.error) return { ...answer, error: errorMessage(body.error) };
  let next = withUsage(answer, body.usage);
  const choice = body.choices?.[0];
  if (!choice) return next;
  const content = stringOf(choice.delta?.content);
  const reasoning = stringOf(choice.delta?.reasoning_content) || stringOf(choice.delta?.reasoning);
  if (content || reasoning) {
    next = {
      ...next,
      text: next.text + content,
      reasoning: next.reasoning + reasoning,
      firstTokenMs: next.firstTokenMs ?? atMs,
      lastTokenMs: atMs,
      textEvents: next.textEvents + 1,
    };
  }
  if (choice.finish_reason) next = { ...next, finishReason: choice.finish_reason };
  return next;
}

/** A whole (not streamed) answer, received `atMs` after sending: its first token time is unknown. */
export function answerFromJson(body: unknown, atMs: number): ChatAnswer {
  const chat = (body ?? {}) as ChatBody;
  if (chat.error) return { ...emptyAnswer, error: errorMessage(chat.error), done: true };
  const choice = chat.choices?.[0];
  return withUsage(
    {
      ...emptyAnswer,
      text: stringOf(choice?.message?.content),
      reasoning: stringOf(choice?.message?.reasoning_content) || stringOf(choice?.message?.reasoning),
      lastTokenMs: atMs,
      finishReason: choice?.finish_reason ?? null,
      done: true,
    },
    chat.usage,
  );
}

export interface AnswerStats {
  /** Sending to the first text, as the browser saw it (includes the console's hop). */
  ttftMs: number | null;
  completionTokens: number | null;
  /** Generated tokens per second after the first one arrived. */
  tokensPerSecond: number | null;
}

/** TTFT and decode speed; tokens from the answer's usage, else the count of text events (about a token each). */
export function answerStats(answer: ChatAnswer): AnswerStats {
  const completionTokens = answer.usage?.completionTokens ?? (answer.textEvents > 0 ? answer.textEvents : null);
  const generatingMs = answer.firstTokenMs !== null && answer.lastTokenMs !== null ? answer.lastTokenMs - answer.firstTokenMs : 0;
  // The first token's time is TTFT; the speed is of the ones after it.
  const tokensPerSecond = completionTokens !== null && completionTokens > 1 && generatingMs > 0 ? ((completionTokens - 1) * 1_000) / generatingMs : null;
  return { ttftMs: answer.firstTokenMs, completionTokens, tokensPerSecond };
}

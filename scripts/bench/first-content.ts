/**
 * Watches an OpenAI-style SSE stream as it arrives and says when the first `data:` event that carries generated
 * text has been seen (the role-only opening chunk of vLLM does not count): that moment is the TTFT.
 */
export class FirstContentDetector {
  private readonly events = new SseEventBuffer();
  private found = false;

  get seen(): boolean {
    return this.found;
  }

  /** Feeds the next piece of the stream; true once a content event has been completed, now or before. */
  push(text: string): boolean {
    if (this.found) return true;
    for (const event of this.events.push(text)) {
      if (sseEventKind(event) === "content") {
        this.found = true;
        this.events.clear();
        return true;
      }
    }
    return false;
  }
}

/** Cuts a stream into complete SSE events, however the network split it. */
export class SseEventBuffer {
  private pending = "";

  /** The events completed by this piece of the stream, in order (without their blank-line terminator). */
  push(text: string): string[] {
    this.pending += text;
    const events: string[] = [];
    for (;;) {
      const end = eventEnd(this.pending);
      if (end === null) return events;
      events.push(this.pending.slice(0, end.at));
      this.pending = this.pending.slice(end.at + end.length);
    }
  }

  clear(): void {
    this.pending = "";
  }
}

/**
 * What one SSE event is: generated text, the `[DONE]` terminator, an error event (`{"error": ...}`, which vLLM
 * and the gateway send mid-stream instead of a status code), or anything else (role chunk, usage, comments).
 */
export type SseEventKind = "content" | "done" | "error" | "other";

export function sseEventKind(event: string): SseEventKind {
  const data = event
    .split(/\r?\n/)
    .filter((line) => line.startsWith("data:"))
    .map((line) => line.slice(5).trimStart())
    .join("\n");
  if (data === "") return "other";
  if (data === "[DONE]") return "done";
  let chunk: unknown;
  try {
    chunk = JSON.parse(data);
  } catch {
    return "other";
  }
  if (chunk !== null && typeof chunk === "object" && "error" in chunk) return "error";
  return carriesContent(chunk) ? "content" : "other";
}

/** SSE events end with a blank line; servers may use \n or \r\n. */
function eventEnd(buffer: string): { at: number; length: number } | null {
  const lf = buffer.indexOf("\n\n");
  const crlf = buffer.indexOf("\r\n\r\n");
  if (lf === -1 && crlf === -1) return null;
  if (crlf !== -1 && (lf === -1 || crlf < lf)) return { at: crlf, length: 4 };
  return { at: lf, length: 2 };
}

function carriesContent(chunk: unknown): boolean {
  const choices = (chunk as { choices?: unknown } | null)?.choices;
  if (!Array.isArray(choices)) return false;
  return choices.some((choice: unknown) => {
    const delta = (choice as { delta?: { content?: unknown } } | null)?.delta;
    const text = (choice as { text?: unknown } | null)?.text;
    return (typeof delta?.content === "string" && delta.content.length > 0) || (typeof text === "string" && text.length > 0);
  });
}

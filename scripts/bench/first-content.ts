/**
 * Watches an OpenAI-style SSE stream as it arrives and says when the first `data:` event that carries generated
 * text has been seen (the role-only opening chunk of vLLM does not count): that moment is the TTFT.
 */
export class FirstContentDetector {
  private pending = "";
  private found = false;

  get seen(): boolean {
    return this.found;
  }

  /** Feeds the next piece of the stream; true once a content event has been completed, now or before. */
  push(text: string): boolean {
    if (this.found) return true;
    this.pending += text;
    for (;;) {
      const end = eventEnd(this.pending);
      if (end === null) return false;
      const event = this.pending.slice(0, end.at);
      this.pending = this.pending.slice(end.at + end.length);
      if (carriesContent(event)) {
        this.found = true;
        this.pending = "";
        return true;
      }
    }
  }
}

/** SSE events end with a blank line; servers may use \n or \r\n. */
function eventEnd(buffer: string): { at: number; length: number } | null {
  const lf = buffer.indexOf("\n\n");
  const crlf = buffer.indexOf("\r\n\r\n");
  if (lf === -1 && crlf === -1) return null;
  if (crlf !== -1 && (lf === -1 || crlf < lf)) return { at: crlf, length: 4 };
  return { at: lf, length: 2 };
}

function carriesContent(event: string): boolean {
  const data = event
    .split(/\r?\n/)
    .filter((line) => line.startsWith("data:"))
    .map((line) => line.slice(5).trimStart())
    .join("\n");
  if (data === "" || data === "[DONE]") return false;
  let chunk: unknown;
  try {
    chunk = JSON.parse(data);
  } catch {
    return false;
  }
  const choices = (chunk as { choices?: unknown }).choices;
  if (!Array.isArray(choices)) return false;
  return choices.some((choice: unknown) => {
    const delta = (choice as { delta?: { content?: unknown } } | null)?.delta;
    const text = (choice as { text?: unknown } | null)?.text;
    return (typeof delta?.content === "string" && delta.content.length > 0) || (typeof text === "string" && text.length > 0);
  });
}

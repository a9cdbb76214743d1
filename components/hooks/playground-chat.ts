import { ApiRequestError } from "./api-client";
import type { PlaygroundChatBody } from "./api-types";

/** What the gateway says about where a request went (its response headers). */
export interface GatewayTrace {
  /** The request's row in the log (x-switchyard-log-id). */
  logId: string | null;
  route: string | null;
  routeReason: string | null;
  backend: string | null;
}

export function traceOf(headers: Headers): GatewayTrace {
  return {
    logId: headers.get("x-switchyard-log-id"),
    route: headers.get("x-switchyard-route"),
    routeReason: headers.get("x-switchyard-route-reason"),
    backend: headers.get("x-switchyard-backend"),
  };
}

/** A refused chat: the server's message, and the trace when the gateway logged it (a 404 model has a log row too). */
export class PlaygroundChatError extends ApiRequestError {
  constructor(
    message: string,
    status: number,
    code: string | null,
    readonly trace: GatewayTrace | null,
  ) {
    super(message, status, code);
    this.name = "PlaygroundChatError";
  }
}

/**
 * POST /api/playground/chat: the chat goes through the gateway as the console. Resolves with the answer's
 * response (its body still to be read: a stream, or JSON) once headers arrive; aborting `signal` hangs up, which
 * stops the generation upstream. A refusal is a PlaygroundChatError with the message of either error shape
 * (the API's envelope and the gateway's OpenAI error both carry `error.message`).
 */
export async function postPlaygroundChat(body: PlaygroundChatBody, signal: AbortSignal): Promise<{ response: Response; trace: GatewayTrace }> {
  let response: Response;
  try {
    response = await fetch("/api/playground/chat", {
      method: "POST",
      headers: { accept: "text/event-stream, application/json", "content-type": "application/json", "x-switchyard-client": "console" },
      body: JSON.stringify(body),
      signal,
    });
  } catch (error) {
    if (signal.aborted) throw error;
    throw new PlaygroundChatError(`Cannot reach Switchyard (${(error as Error).message}).`, 0, null, null);
  }
  const trace = traceOf(response.headers);
  if (!response.ok) {
    const payload = (await response.json().catch(() => null)) as { error?: { message?: string; code?: unknown } } | null;
    const code = payload?.error?.code;
    throw new PlaygroundChatError(payload?.error?.message ?? `The chat was answered ${response.status}.`, response.status, code === undefined || code === null ? null : String(code), trace.logId ? trace : null);
  }
  return { response, trace };
}

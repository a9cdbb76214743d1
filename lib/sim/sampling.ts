import { SimError } from "./errors";
import type { StreamOptions } from "./protocol";

/** Request checks and settings shared by the chat, completions and responses endpoints, with vLLM's messages. */

export interface StreamSettings {
  stream: boolean;
  /** Send the `choices: []` usage chunk before `[DONE]`. */
  includeUsage: boolean;
  /** Put running usage on every chunk. */
  continuousUsage: boolean;
}

export function streamSettings(request: { stream?: boolean | null; stream_options?: StreamOptions | null }): StreamSettings {
  const stream = request.stream === true;
  const options = request.stream_options ?? null;
  if (options !== null && !stream) {
    throw new SimError("invalid_request", "Stream options can only be defined when `stream=True`.");
  }
  // vLLM's StreamOptions: include_usage defaults to True once stream_options is present at all.
  const includeUsage = options !== null && (options.include_usage === undefined || options.include_usage === true);
  return { stream, includeUsage, continuousUsage: includeUsage && options?.continuous_usage_stats === true };
}

export function checkSamplingCounts(n: number, maxTokens: number | null): void {
  if (n < 1) throw new SimError("bad_request", `n must be at least 1, got ${n}.`);
  if (maxTokens !== null && maxTokens < 1) {
    throw new SimError("bad_request", `max_tokens must be at least 1, got ${maxTokens}.`);
  }
}

/** vLLM's `_validate_input`: the prompt plus the requested completion must fit the context. */
export function checkContextLength(maxModelLen: number, promptTokens: number, maxTokens: number | null): void {
  if (maxTokens === null) {
    if (promptTokens >= maxModelLen) {
      throw new SimError(
        "bad_request",
        `This model's maximum context length is ${maxModelLen} tokens. However, your request has ${promptTokens} ` +
          "input tokens. Please reduce the length of the input messages.",
      );
    }
    return;
  }
  if (promptTokens + maxTokens > maxModelLen) {
    throw new SimError(
      "bad_request",
      `This model's maximum context length is ${maxModelLen} tokens. However, you requested ` +
        `${promptTokens + maxTokens} tokens (${promptTokens} in the messages, ${maxTokens} in the completion). ` +
        "Please reduce the length of the messages or completion.",
    );
  }
}

export function stopStrings(stop: string | string[] | null | undefined): string[] {
  if (stop === null || stop === undefined) return [];
  return typeof stop === "string" ? [stop] : stop;
}

export interface Usage {
  prompt_tokens: number;
  total_tokens: number;
  completion_tokens: number;
}

export function usage(promptTokens: number, completionTokens: number): Usage {
  return { prompt_tokens: promptTokens, total_tokens: promptTokens + completionTokens, completion_tokens: completionTokens };
}

import { SimError } from "./errors";
import { MAX_LOGPROBS } from "./logprobs";
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

/** Python's repr of a float, as vLLM's messages print request values (`-1` arrives as `-1.0`). */
export function pythonFloat(value: number): string {
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}

export interface SamplingChecks {
  n: number;
  maxTokens: number | null;
  temperature?: number | null;
  topP?: number | null;
  topK?: number | null;
  minP?: number | null;
  presencePenalty?: number | null;
  frequencyPenalty?: number | null;
  repetitionPenalty?: number | null;
  minTokens?: number | null;
  /** Alternatives per token asked for (chat's `top_logprobs` when `logprobs` is on; completions' `logprobs`). */
  logprobs?: number | null;
}

/** The sampling fields chat and completions requests share, in vLLM's names. */
export interface SamplingFields {
  temperature?: number | null;
  top_p?: number | null;
  top_k?: number | null;
  min_p?: number | null;
  presence_penalty?: number | null;
  frequency_penalty?: number | null;
  repetition_penalty?: number | null;
  min_tokens?: number | null;
}

/** The checks of a request's shared sampling fields, with its own n, max_tokens and logprobs. */
export function samplingChecksOf(request: SamplingFields, own: Pick<SamplingChecks, "n" | "maxTokens" | "logprobs">): SamplingChecks {
  return {
    ...own,
    temperature: request.temperature,
    topP: request.top_p,
    topK: request.top_k,
    minP: request.min_p,
    presencePenalty: request.presence_penalty,
    frequencyPenalty: request.frequency_penalty,
    repetitionPenalty: request.repetition_penalty,
    minTokens: request.min_tokens,
  };
}

/**
 * vLLM's `SamplingParams._verify_args` (then the engine's `--max-logprobs` check), in its order and words.
 * Raised while building the sampling params, they come back as 400 BadRequestError.
 */
export function checkSamplingParams(p: SamplingChecks): void {
  const fail = (message: string, param: string) => {
    throw new SimError("bad_request", message, param);
  };
  if (p.n < 1) fail(`n must be at least 1, got ${p.n}.`, "n");
  const { presencePenalty, frequencyPenalty, repetitionPenalty, temperature, topP, topK, minP, minTokens, logprobs } = p;
  if (presencePenalty != null && !(presencePenalty >= -2 && presencePenalty <= 2)) {
    fail(`presence_penalty must be in [-2, 2], got ${pythonFloat(presencePenalty)}.`, "presence_penalty");
  }
  if (frequencyPenalty != null && !(frequencyPenalty >= -2 && frequencyPenalty <= 2)) {
    fail(`frequency_penalty must be in [-2, 2], got ${pythonFloat(frequencyPenalty)}.`, "frequency_penalty");
  }
  if (repetitionPenalty != null && !(repetitionPenalty > 0 && repetitionPenalty <= 2)) {
    fail(`repetition_penalty must be in (0, 2], got ${pythonFloat(repetitionPenalty)}.`, "repetition_penalty");
  }
  if (temperature != null && temperature < 0) fail(`temperature must be non-negative, got ${pythonFloat(temperature)}.`, "temperature");
  if (topP != null && !(topP > 0 && topP <= 1)) fail(`top_p must be in (0, 1], got ${pythonFloat(topP)}.`, "top_p");
  if (topK != null && topK < -1) fail(`top_k must be 0 (disable), or at least 1, got ${topK}.`, "top_k");
  if (minP != null && !(minP >= 0 && minP <= 1)) fail(`min_p must be in [0, 1], got ${pythonFloat(minP)}.`, "min_p");
  if (p.maxTokens !== null && p.maxTokens < 1) fail(`max_tokens must be at least 1, got ${p.maxTokens}.`, "max_tokens");
  if (minTokens != null && minTokens < 0) fail(`min_tokens must be greater than or equal to 0, got ${minTokens}.`, "min_tokens");
  if (minTokens != null && p.maxTokens !== null && minTokens > p.maxTokens) {
    fail(`min_tokens must be less than or equal to max_tokens=${p.maxTokens}, got ${minTokens}.`, "min_tokens");
  }
  if (logprobs != null && logprobs < 0 && logprobs !== -1) fail(`logprobs must be non-negative, got ${logprobs}.`, "logprobs");
  if (logprobs != null && logprobs > MAX_LOGPROBS) {
    fail(`Requested sample logprobs of ${logprobs}, which is greater than max allowed: ${MAX_LOGPROBS}`, "logprobs");
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

import type { PlaygroundChatBody } from "@/components/hooks/api-types";

// What the playground sends: the /v1/chat/completions body for a pane's conversation so far plus the new prompt
// (the copied curl sends the same body).

export interface ChatSettings {
  system: string;
  temperature: number;
  maxTokens: number;
  stream: boolean;
  /** Generate all of max tokens (vLLM's ignore_eos): a set length, to compare speeds. */
  ignoreEos: boolean;
}

export const defaultChatSettings: ChatSettings = { system: "", temperature: 0.7, maxTokens: 256, stream: true, ignoreEos: false };

/** A finished exchange of a conversation: the prompt and the answer's text (none when it failed before any). */
export interface Exchange {
  prompt: string;
  answer: string | null;
}

type Message = PlaygroundChatBody["messages"][number];

export function chatBody(model: string, settings: ChatSettings, history: readonly Exchange[], prompt: string): PlaygroundChatBody {
  const messages: Message[] = settings.system.trim() ? [{ role: "system", content: settings.system }] : [];
  // Exchanges without an answer (refused, failed, stopped before any text) are left out: the model never saw them.
  for (const exchange of history) {
    if (exchange.answer) messages.push({ role: "user", content: exchange.prompt }, { role: "assistant", content: exchange.answer });
  }
  messages.push({ role: "user", content: prompt });
  return {
    model,
    messages,
    temperature: settings.temperature,
    max_tokens: settings.maxTokens,
    stream: settings.stream,
    ...(settings.ignoreEos ? { ignore_eos: true } : {}),
    // Usage comes last in a stream only when asked: it gives the token count for tokens/s.
    ...(settings.stream ? { stream_options: { include_usage: true } } : {}),
  };
}

/** Why the settings cannot be sent, or null. */
export function settingsProblem(settings: ChatSettings): string | null {
  if (!Number.isFinite(settings.temperature) || settings.temperature < 0 || settings.temperature > 2) return "Temperature must be between 0 and 2.";
  if (!Number.isInteger(settings.maxTokens) || settings.maxTokens < 1) return "Max tokens must be a whole number of at least 1.";
  return null;
}

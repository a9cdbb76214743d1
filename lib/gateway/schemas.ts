import { z } from "zod";

/**
 * What the gateway checks in a request body before routing it. Only the fields the gateway relies on are
 * typed; everything else passes through to vLLM untouched (loose objects), so vLLM stays the judge of
 * sampling parameters.
 */

const streamOptionsSchema = z.looseObject({
  include_usage: z.boolean().nullish(),
  continuous_usage_stats: z.boolean().nullish(),
});

const streamFields = {
  stream: z.boolean().nullish(),
  stream_options: streamOptionsSchema.nullish(),
};

const modelField = z.string({ error: "model must be a string naming a model or alias (GET /v1/models lists them)" }).min(1);

const contentPart = z.looseObject({ type: z.string(), text: z.string().optional() });
const messageSchema = z.looseObject({
  role: z.string({ error: "each message needs a role" }),
  content: z.union([z.string(), z.array(contentPart), z.null()]).optional(),
});

export const chatRequestSchema = z.looseObject({
  model: modelField,
  messages: z.array(messageSchema, { error: "messages must be an array of {role, content} objects" }).min(1, "messages must not be empty"),
  tools: z.array(z.unknown()).nullish(),
  reasoning_effort: z.string().nullish(),
  ...streamFields,
});

const promptSchema = z.union([z.string(), z.array(z.string()), z.array(z.int()), z.array(z.array(z.int()))], {
  error: "prompt must be a string, an array of strings, or token ids",
});

export const completionRequestSchema = z.looseObject({ model: modelField, prompt: promptSchema, ...streamFields });

export const embeddingRequestSchema = z.looseObject({
  model: modelField,
  input: z.union([z.string(), z.array(z.string()), z.array(z.int()), z.array(z.array(z.int()))], {
    error: "input must be a string, an array of strings, or token ids",
  }),
});

export const responsesRequestSchema = z.looseObject({
  model: modelField,
  input: z.union([z.string(), z.array(z.unknown())], { error: "input must be a string or an array of input items" }),
  stream: z.boolean().nullish(),
});

export const tokenizeRequestSchema = z
  .looseObject({ model: modelField, prompt: z.string().optional(), messages: z.array(messageSchema).optional() })
  .refine((body) => body.prompt !== undefined || body.messages !== undefined, { message: "send prompt or messages", path: ["prompt"] });

export const detokenizeRequestSchema = z.looseObject({ model: modelField, tokens: z.array(z.int(), { error: "tokens must be an array of token ids" }) });

export type ChatRequest = z.output<typeof chatRequestSchema>;

/** Characters of prompt text in a request body, for the auto router's size estimate. */
export function promptChars(body: Record<string, unknown>): number {
  let chars = 0;
  const add = (value: unknown): void => {
    if (typeof value === "string") chars += value.length;
    else if (Array.isArray(value)) value.forEach(add);
    else if (value && typeof value === "object") {
      const record = value as Record<string, unknown>;
      add(record.content ?? record.text);
    }
  };
  add(body.messages ?? body.prompt ?? body.input);
  return chars;
}

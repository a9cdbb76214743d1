import { z } from "zod";
import { SimError } from "./errors";

/**
 * Request bodies the simulator accepts, as loose as vLLM's pydantic models: unknown fields pass, wrong
 * types are rejected with a 400 "Bad Request".
 */

const nullableInt = z.number().int().nullish();

export const StreamOptions = z.looseObject({
  // vLLM: `include_usage: Optional[bool] = True` -> present stream_options means usage unless said otherwise.
  include_usage: z.boolean().nullish(),
  continuous_usage_stats: z.boolean().nullish(),
});
export type StreamOptions = z.output<typeof StreamOptions>;

const Stop = z.union([z.string(), z.array(z.string())]).nullish();

const SamplingFields = {
  model: z.string().nullish(),
  stream: z.boolean().nullish(),
  stream_options: StreamOptions.nullish(),
  max_tokens: nullableInt,
  n: nullableInt,
  stop: Stop,
  seed: nullableInt,
  temperature: z.number().nullish(),
  top_p: z.number().nullish(),
  ignore_eos: z.boolean().nullish(),
  min_tokens: nullableInt,
  top_k: nullableInt,
  min_p: z.number().nullish(),
  presence_penalty: z.number().nullish(),
  frequency_penalty: z.number().nullish(),
  repetition_penalty: z.number().nullish(),
  /** vLLM 0.10.2+: fill `token_ids` / `prompt_token_ids` in the answer. */
  return_token_ids: z.boolean().nullish(),
};

export const ToolDefinition = z.looseObject({
  type: z.literal("function").default("function"),
  function: z.looseObject({
    name: z.string(),
    description: z.string().nullish(),
    parameters: z.record(z.string(), z.unknown()).nullish(),
  }),
});
export type ToolDefinition = z.output<typeof ToolDefinition>;

export const ToolChoice = z.union([
  z.enum(["none", "auto", "required"]),
  z.looseObject({ type: z.literal("function"), function: z.looseObject({ name: z.string() }) }),
]);
export type ToolChoice = z.output<typeof ToolChoice>;

const MessageToolCall = z.looseObject({
  id: z.string().nullish(),
  type: z.string().nullish(),
  function: z.looseObject({ name: z.string(), arguments: z.unknown().optional() }),
});

export const ChatMessage = z.looseObject({
  role: z.string(),
  content: z.union([z.string(), z.array(z.unknown())]).nullish(),
  name: z.string().nullish(),
  tool_calls: z.array(MessageToolCall).nullish(),
  tool_call_id: z.string().nullish(),
});
export type ChatMessage = z.output<typeof ChatMessage>;

export const ChatCompletionRequest = z.looseObject({
  ...SamplingFields,
  messages: z.array(ChatMessage),
  max_completion_tokens: nullableInt,
  tools: z.array(ToolDefinition).nullish(),
  tool_choice: ToolChoice.nullish(),
  logprobs: z.boolean().nullish(),
  top_logprobs: nullableInt,
  response_format: z.looseObject({ type: z.enum(["text", "json_object", "json_schema", "structural_tag"]) }).nullish(),
  /** Qwen3-style switch: `{"enable_thinking": false}` turns reasoning off for this request. */
  chat_template_kwargs: z.record(z.string(), z.unknown()).nullish(),
});
export type ChatCompletionRequest = z.output<typeof ChatCompletionRequest>;

const TokenIds = z.array(z.number().int());
export const PromptInput = z.union([z.string(), z.array(z.string()), TokenIds, z.array(TokenIds)]);

export const CompletionRequest = z.looseObject({
  ...SamplingFields,
  prompt: PromptInput,
  echo: z.boolean().nullish(),
  logprobs: nullableInt,
  suffix: z.string().nullish(),
});
export type CompletionRequest = z.output<typeof CompletionRequest>;

export const EmbeddingRequest = z.looseObject({
  model: z.string().nullish(),
  input: PromptInput,
  encoding_format: z.enum(["float", "base64"]).nullish(),
  dimensions: nullableInt,
});
export type EmbeddingRequest = z.output<typeof EmbeddingRequest>;

const ResponseInputItem = z.looseObject({
  type: z.string().nullish(),
  role: z.string().nullish(),
  content: z.union([z.string(), z.array(z.unknown())]).nullish(),
  output: z.string().nullish(),
  /** A `function_call` item sent back with the conversation. */
  name: z.string().nullish(),
  arguments: z.string().nullish(),
  call_id: z.string().nullish(),
});

/** The Responses API's tools are flat: `{type:"function", name, parameters}`; other tool types pass unused. */
export const ResponsesTool = z.looseObject({
  type: z.string(),
  name: z.string().nullish(),
  description: z.string().nullish(),
  parameters: z.record(z.string(), z.unknown()).nullish(),
  strict: z.boolean().nullish(),
});
export type ResponsesTool = z.output<typeof ResponsesTool>;

export const ResponsesToolChoice = z.union([
  z.enum(["none", "auto", "required"]),
  z.looseObject({ type: z.literal("function"), name: z.string() }),
]);

export const ResponsesRequest = z.looseObject({
  model: z.string().nullish(),
  input: z.union([z.string(), z.array(ResponseInputItem)]),
  instructions: z.string().nullish(),
  max_output_tokens: nullableInt,
  stream: z.boolean().nullish(),
  seed: nullableInt,
  temperature: z.number().nullish(),
  top_p: z.number().nullish(),
  tools: z.array(ResponsesTool).nullish(),
  tool_choice: ResponsesToolChoice.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  text: z.looseObject({ format: z.looseObject({ type: z.string() }).nullish() }).nullish(),
  top_logprobs: nullableInt,
});
export type ResponsesRequest = z.output<typeof ResponsesRequest>;

/** vLLM's TokenizeCompletionRequest (`prompt`) or TokenizeChatRequest (`messages`). */
export const TokenizeRequest = z
  .looseObject({
    model: z.string().nullish(),
    prompt: z.string().optional(),
    add_special_tokens: z.boolean().nullish(),
    messages: z.array(ChatMessage).optional(),
    add_generation_prompt: z.boolean().nullish(),
    tools: z.array(ToolDefinition).nullish(),
    return_token_strs: z.boolean().nullish(),
  })
  .refine((r) => (r.prompt === undefined) !== (r.messages === undefined), {
    message: "exactly one of `prompt` and `messages` is required",
  });
export type TokenizeRequest = z.output<typeof TokenizeRequest>;

export const DetokenizeRequest = z.looseObject({
  model: z.string().nullish(),
  tokens: z.array(z.number().int()),
});

/** A one-line summary of validation issues, for the 400 message. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "body"}: ${issue.message}`)
    .join("; ");
}

/** Parses a request body; schema violations are vLLM's 400 "Bad Request". */
export function parseRequest<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const result = schema.safeParse(body);
  if (!result.success) throw new SimError("invalid_request", describeIssues(result.error));
  return result.data;
}

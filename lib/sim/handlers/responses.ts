import { contentText, renderChatPrompt, type TemplateMessage } from "../chat-template";
import { completionId, nowSeconds, resolveModel, type RequestContext } from "../core";
import { SimError } from "../errors";
import { createRun, runGeneration, type GenerationSink } from "../generation";
import { planText, type PlannedText } from "../generator";
import { beginEventStream, sendJson } from "../http";
import { parseRequest, ResponsesRequest } from "../protocol";
import { hexId } from "../random";
import { checkContextLength, checkSamplingCounts } from "../sampling";
import { tokenize } from "../tokenizer";

/**
 * `POST /v1/responses` (vLLM v0.10+): a text answer as one `message` output item. Streams use the
 * Responses API's named events (`event: <type>` + `data:`), with `sequence_number`s and no `[DONE]`.
 */
export async function handleResponses(ctx: RequestContext): Promise<void> {
  const { core } = ctx;
  const request = parseRequest(ResponsesRequest, ctx.body);
  if (core.options.kind !== "chat") throw new SimError("bad_request", "The model does not support Responses API");
  const model = resolveModel(core, request.model);
  const maxTokens = request.max_output_tokens ?? null;
  checkSamplingCounts(1, maxTokens);
  const prompt = renderChatPrompt(toMessages(request));
  const { ids } = tokenize(prompt);
  checkContextLength(core.options.maxModelLen, ids.length, maxTokens);
  const limit = maxTokens ?? core.options.maxModelLen - ids.length;
  const text = planText({ promptKey: prompt, seed: request.seed, choiceIndex: 0, limit });
  const id = completionId("resp_", ctx.xRequestId);
  const response: ResponseInfo = {
    id,
    itemId: `msg_${hexId(id)}`,
    createdAt: nowSeconds(),
    model,
    maxOutputTokens: limit,
    promptTokens: ids.length,
    text,
  };
  const sink = request.stream ? streamSink(ctx, response) : jsonSink(ctx, response);
  await runGeneration(ctx, createRun(ctx, ids), { steps: text.tokens.length, finishReason: text.finishReason }, sink);
}

function toMessages(request: ResponsesRequest): TemplateMessage[] {
  const messages: TemplateMessage[] = [];
  if (request.instructions) messages.push({ role: "system", content: request.instructions });
  if (typeof request.input === "string") {
    messages.push({ role: "user", content: request.input });
    return messages;
  }
  for (const item of request.input) {
    if (item.type === "function_call_output") messages.push({ role: "tool", content: item.output ?? "" });
    else if (item.role) messages.push({ role: item.role, content: contentText(item.content) });
  }
  return messages;
}

interface ResponseInfo {
  id: string;
  itemId: string;
  createdAt: number;
  model: string;
  maxOutputTokens: number;
  promptTokens: number;
  text: PlannedText;
}

function outputPart(text: string) {
  return { annotations: [], text, type: "output_text", logprobs: null };
}

function messageItem(info: ResponseInfo, text: string | null) {
  return {
    id: info.itemId,
    content: text === null ? [] : [outputPart(text)],
    role: "assistant",
    status: text === null ? "in_progress" : "completed",
    type: "message",
  };
}

function responseObject(info: ResponseInfo, status: "in_progress" | "completed" | "incomplete", text: string | null) {
  const outputTokens = text === null ? 0 : info.text.tokens.length;
  return {
    id: info.id,
    created_at: info.createdAt,
    incomplete_details: status === "incomplete" ? { reason: "max_output_tokens" } : null,
    instructions: null,
    metadata: null,
    model: info.model,
    object: "response",
    output: text === null ? [] : [messageItem(info, text)],
    parallel_tool_calls: true,
    temperature: 1.0,
    tool_choice: "auto",
    tools: [],
    top_p: 1.0,
    background: false,
    max_output_tokens: info.maxOutputTokens,
    max_tool_calls: null,
    previous_response_id: null,
    prompt: null,
    reasoning: null,
    service_tier: "auto",
    status,
    text: null,
    top_logprobs: null,
    truncation: "disabled",
    usage:
      text === null
        ? null
        : {
            input_tokens: info.promptTokens,
            input_tokens_details: { cached_tokens: 0 },
            output_tokens: outputTokens,
            output_tokens_details: { reasoning_tokens: 0 },
            total_tokens: info.promptTokens + outputTokens,
          },
    user: null,
  };
}

function finalStatus(info: ResponseInfo): "completed" | "incomplete" {
  return info.text.finishReason === "length" ? "incomplete" : "completed";
}

function jsonSink(ctx: RequestContext, info: ResponseInfo): GenerationSink {
  return {
    onFirstToken() {},
    onStep: (step) => (step < info.text.tokens.length ? 1 : 0),
    onFinish() {
      sendJson(ctx.res, 200, JSON.stringify(responseObject(info, finalStatus(info), info.text.tokens.join(""))));
    },
  };
}

function streamSink(ctx: RequestContext, info: ResponseInfo): GenerationSink {
  const { res } = ctx;
  let sequence = 0;
  const event = (type: string, fields: Record<string, unknown>) =>
    res.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...fields })}\n\n`);
  const where = { item_id: info.itemId, output_index: 0, content_index: 0 };

  return {
    onFirstToken() {
      beginEventStream(res);
      event("response.created", { response: responseObject(info, "in_progress", null) });
      event("response.in_progress", { response: responseObject(info, "in_progress", null) });
      event("response.output_item.added", { output_index: 0, item: messageItem(info, null) });
      event("response.content_part.added", { ...where, part: { ...outputPart(""), logprobs: [] } });
    },
    onStep(step) {
      const token = info.text.tokens[step];
      if (token === undefined) return 0;
      event("response.output_text.delta", { ...where, delta: token, logprobs: [] });
      return 1;
    },
    onFinish() {
      const text = info.text.tokens.join("");
      event("response.output_text.done", { ...where, text, logprobs: [] });
      event("response.content_part.done", { ...where, part: outputPart(text) });
      event("response.output_item.done", { output_index: 0, item: messageItem(info, text) });
      const status = finalStatus(info);
      event(status === "completed" ? "response.completed" : "response.incomplete", {
        response: responseObject(info, status, text),
      });
      res.end();
    },
  };
}

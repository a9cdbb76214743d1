import { answerSteps, garbledAnswer, planAnswer, type AnswerPlan, type AnswerStep } from "../answer-plan";
import { contentText, renderChatPrompt, type TemplateMessage, type TemplateTool } from "../chat-template";
import { completionId, nowSeconds, resolveModel, type RequestContext } from "../core";
import { SimError } from "../errors";
import { createRun, runGeneration, type GenerationSink } from "../generation";
import { beginEventStream, sendJson } from "../http";
import { parseRequest, ResponsesRequest } from "../protocol";
import { hexId } from "../random";
import { checkContextLength, checkSamplingParams } from "../sampling";
import { outputConstraint } from "../structured-output";
import { tokenize } from "../tokenizer";

/**
 * `POST /v1/responses` (vLLM v0.10+): a text answer as one `message` output item, or one `function_call`
 * item when function tools are offered (vLLM's Responses implementation runs the same tool parser as chat).
 * `text.format` constrains the text as chat's `response_format` does. Streams use the Responses API's
 * named events (`event: <type>` + `data:`), with `sequence_number`s and no `[DONE]`.
 */
export async function handleResponses(ctx: RequestContext): Promise<void> {
  const { core } = ctx;
  const request = parseRequest(ResponsesRequest, ctx.body);
  if (core.options.kind !== "chat") throw new SimError("bad_request", "The model does not support Responses API");
  const model = resolveModel(core, request.model);
  const maxTokens = request.max_output_tokens ?? null;
  checkSamplingParams({ n: 1, maxTokens, temperature: request.temperature, topP: request.top_p });
  const tools = functionTools(request);
  const prompt = renderChatPrompt(toMessages(request), { tools });
  const { ids } = tokenize(prompt);
  checkContextLength(core.options.maxModelLen, ids.length, maxTokens);
  const limit = maxTokens ?? core.options.maxModelLen - ids.length;
  const tool = pickFunctionTool(request, tools);
  const plan = planAnswer({
    promptKey: prompt,
    seed: request.seed,
    choiceIndex: 0,
    limit,
    reasoning: false,
    constraint: outputConstraint(ctx.body as Record<string, unknown>),
    tool: tool ? { name: tool.function.name, parameters: tool.function.parameters } : null,
  });
  const id = completionId("resp_", ctx.xRequestId);
  const response: ResponseInfo = {
    id,
    itemId: plan.toolCall ? `fc_${hexId(id)}` : `msg_${hexId(id)}`,
    callId: `call_${hexId(`${id}/call`)}`,
    createdAt: nowSeconds(),
    model,
    maxOutputTokens: limit,
    promptTokens: ids.length,
    plan,
    steps: answerSteps(plan),
    request,
  };
  const sink = request.stream ? streamSink(ctx, response) : jsonSink(ctx, response);
  await runGeneration(
    ctx,
    createRun(ctx, ids),
    {
      steps: response.steps.length,
      finishReason: plan.finishReason === "length" ? "length" : "stop",
      garble: () => {
        response.plan = garbledAnswer(response.plan);
        response.steps = answerSteps(response.plan);
        response.itemId = `msg_${hexId(id)}`;
      },
    },
    sink,
  );
}

/** The request's function tools in chat's shape (for the template and the tool parser). */
function functionTools(request: ResponsesRequest): TemplateTool[] {
  return (request.tools ?? [])
    .filter((t) => t.type === "function" && typeof t.name === "string")
    .map((t) => ({ type: "function", function: { name: t.name ?? "", description: t.description, parameters: t.parameters ?? undefined } }));
}

/** Which tool the model calls: none after a tool result came back, when told not to, or without tools. */
function pickFunctionTool(request: ResponsesRequest, tools: TemplateTool[]): TemplateTool | null {
  const choice = request.tool_choice ?? "auto";
  if (tools.length === 0 || choice === "none") return null;
  if (typeof choice === "object") {
    const named = tools.find((t) => t.function.name === choice.name);
    if (!named) throw new SimError("invalid_request", "The tool specified in `tool_choice` does not match any of the specified `tools`");
    return named;
  }
  const last = Array.isArray(request.input) ? request.input.at(-1) : undefined;
  if (last?.type === "function_call_output") return null;
  return tools[0] ?? null;
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
    else if (item.type === "function_call") {
      messages.push({ role: "assistant", content: null, tool_calls: [{ function: { name: item.name ?? "", arguments: item.arguments ?? "{}" } }] });
    }
    else if (item.role) messages.push({ role: item.role, content: contentText(item.content) });
  }
  return messages;
}

interface ResponseInfo {
  id: string;
  /** `msg_…` for a message, `fc_…` for a function call. */
  itemId: string;
  callId: string;
  createdAt: number;
  model: string;
  maxOutputTokens: number;
  promptTokens: number;
  plan: AnswerPlan;
  steps: AnswerStep[];
  request: ResponsesRequest;
}

type Status = "in_progress" | "completed" | "incomplete";

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

/** openai's ResponseFunctionToolCall, in its key order. */
function functionCallItem(info: ResponseInfo, done: boolean) {
  const call = info.plan.toolCall;
  return {
    arguments: done ? (call?.arguments ?? "") : "",
    call_id: info.callId,
    name: call?.name ?? "",
    type: "function_call",
    id: info.itemId,
    status: done ? "completed" : "in_progress",
  };
}

function outputItems(info: ResponseInfo) {
  return info.plan.toolCall ? [functionCallItem(info, true)] : [messageItem(info, info.plan.content.join(""))];
}

function responseObject(info: ResponseInfo, status: Status, done: boolean) {
  const outputTokens = done ? info.steps.length : 0;
  const { request } = info;
  return {
    id: info.id,
    created_at: info.createdAt,
    incomplete_details: status === "incomplete" ? { reason: "max_output_tokens" } : null,
    instructions: request.instructions ?? null,
    metadata: null,
    model: info.model,
    object: "response",
    output: done ? outputItems(info) : [],
    parallel_tool_calls: request.parallel_tool_calls ?? true,
    temperature: request.temperature ?? 1.0,
    tool_choice: request.tool_choice ?? "auto",
    tools: request.tools ?? [],
    top_p: request.top_p ?? 1.0,
    background: false,
    max_output_tokens: info.maxOutputTokens,
    max_tool_calls: null,
    previous_response_id: null,
    prompt: null,
    reasoning: null,
    service_tier: "auto",
    status,
    text: request.text ?? null,
    top_logprobs: request.top_logprobs ?? null,
    truncation: "disabled",
    usage: done
      ? {
          input_tokens: info.promptTokens,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens: outputTokens,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: info.promptTokens + outputTokens,
        }
      : null,
    user: null,
  };
}

function finalStatus(info: ResponseInfo): "completed" | "incomplete" {
  return info.plan.finishReason === "length" ? "incomplete" : "completed";
}

function jsonSink(ctx: RequestContext, info: ResponseInfo): GenerationSink {
  return {
    onFirstToken() {},
    onStep: (step) => (step < info.steps.length ? 1 : 0),
    onFinish() {
      sendJson(ctx.res, 200, JSON.stringify(responseObject(info, finalStatus(info), true)));
    },
  };
}

function streamSink(ctx: RequestContext, info: ResponseInfo): GenerationSink {
  const { res } = ctx;
  let sequence = 0;
  const event = (type: string, fields: Record<string, unknown>) =>
    res.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...fields })}\n\n`);
  const where = { item_id: info.itemId, output_index: 0, content_index: 0 };
  const isCall = info.plan.toolCall !== null;

  return {
    onFirstToken() {
      beginEventStream(res);
      event("response.created", { response: responseObject(info, "in_progress", false) });
      event("response.in_progress", { response: responseObject(info, "in_progress", false) });
      if (!isCall) {
        event("response.output_item.added", { output_index: 0, item: messageItem(info, null) });
        event("response.content_part.added", { ...where, part: { ...outputPart(""), logprobs: [] } });
      }
    },
    onStep(step) {
      const current = info.steps[step];
      if (current === undefined) return 0;
      if (current.kind === "tool_header") {
        event("response.output_item.added", { output_index: 0, item: functionCallItem(info, false) });
      } else if (current.kind === "tool_arguments") {
        event("response.function_call_arguments.delta", { item_id: info.itemId, output_index: 0, delta: current.text });
      } else {
        event("response.output_text.delta", { ...where, delta: current.text, logprobs: [] });
      }
      return 1;
    },
    onFinish() {
      if (isCall) {
        const item = functionCallItem(info, true);
        event("response.function_call_arguments.done", { item_id: info.itemId, output_index: 0, arguments: item.arguments, name: item.name });
        event("response.output_item.done", { output_index: 0, item });
      } else {
        const text = info.plan.content.join("");
        event("response.output_text.done", { ...where, text, logprobs: [] });
        event("response.content_part.done", { ...where, part: outputPart(text) });
        event("response.output_item.done", { output_index: 0, item: messageItem(info, text) });
      }
      const status = finalStatus(info);
      event(status === "completed" ? "response.completed" : "response.incomplete", {
        response: responseObject(info, status, true),
      });
      res.end();
    },
  };
}

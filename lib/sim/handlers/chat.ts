import { answerSteps, garbledAnswer, planAnswer, stepText, type AnswerPlan, type AnswerStep } from "../answer-plan";
import { renderChatPrompt } from "../chat-template";
import { completionId, nowSeconds, resolveModel, type RequestContext } from "../core";
import { SimError } from "../errors";
import { createRun, runGeneration, type GenerationSink } from "../generation";
import { beginEventStream, DONE_EVENT, sendJson, writeData } from "../http";
import { chatLogprobs } from "../logprobs";
import type { VllmProfile } from "../profiles";
import { ChatCompletionRequest, parseRequest, type ToolDefinition } from "../protocol";
import { hexId } from "../random";
import { checkContextLength, checkSamplingParams, samplingChecksOf, stopStrings, streamSettings, usage, type StreamSettings } from "../sampling";
import { outputConstraint } from "../structured-output";
import { pieceIds, tokenize } from "../tokenizer";
import { responseUsage, systemFingerprint } from "./response-fields";

/** `POST /v1/chat/completions`: vLLM's serving_chat, JSON and SSE, shaped by the vLLM profile. */

interface ChoicePlan {
  plan: AnswerPlan;
  steps: AnswerStep[];
  callId: string;
  /** The text of each step (what logprobs and token ids describe). */
  stepTexts: string[];
}

interface ChatResponse {
  id: string;
  created: number;
  model: string;
  promptIds: number[];
  choices: ChoicePlan[];
  /** Alternatives per token, or null when logprobs were not asked for. */
  topLogprobs: number | null;
  returnTokenIds: boolean;
}

export async function handleChatCompletions(ctx: RequestContext): Promise<void> {
  const { core } = ctx;
  const request = parseRequest(ChatCompletionRequest, ctx.body);
  const settings = streamSettings(request);
  const tool = pickTool(request);
  if (core.options.kind !== "chat") throw new SimError("bad_request", "The model does not support Chat Completions API");
  const model = resolveModel(core, request.model);

  const toolsActive = request.tools && request.tools.length > 0 && request.tool_choice !== "none";
  if (toolsActive && (request.tool_choice ?? "auto") === "auto" && !core.options.enableAutoToolChoice) {
    throw new SimError(
      "bad_request",
      '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set',
    );
  }
  const topLogprobs = logprobsAsked(request);
  const n = request.n ?? 1;
  const maxTokens = request.max_completion_tokens ?? request.max_tokens ?? null;
  checkSamplingParams(samplingChecksOf(request, { n, maxTokens, logprobs: topLogprobs }));
  const constraint = outputConstraint(ctx.body as Record<string, unknown>);
  const prompt = renderChatPrompt(request.messages, { tools: request.tools ?? null });
  const { ids } = tokenize(prompt);
  checkContextLength(core.options.maxModelLen, ids.length, maxTokens);

  const id = completionId("chatcmpl-", ctx.xRequestId);
  const limit = maxTokens ?? core.options.maxModelLen - ids.length;
  const lastRole = request.messages.at(-1)?.role;
  const thinks = core.options.reasoning && request.chat_template_kwargs?.enable_thinking !== false;
  const choices: ChoicePlan[] = [];
  for (let index = 0; index < n; index++) {
    const plan = planAnswer({
      promptKey: prompt,
      seed: request.seed,
      choiceIndex: index,
      limit,
      minTokens: request.min_tokens,
      ignoreEos: request.ignore_eos,
      stop: stopStrings(request.stop),
      reasoning: thinks,
      constraint,
      tool: tool && lastRole !== "tool" ? { name: tool.function.name, parameters: tool.function.parameters } : null,
    });
    const steps = answerSteps(plan);
    const toolName = plan.toolCall?.name ?? "";
    choices.push({ plan, steps, callId: `chatcmpl-tool-${hexId(`${id}/${index}`)}`, stepTexts: steps.map((s) => stepText(s, toolName)) });
  }

  const run = createRun(ctx, ids);
  const response: ChatResponse = {
    id,
    created: nowSeconds(),
    model,
    promptIds: ids,
    choices,
    topLogprobs,
    returnTokenIds: request.return_token_ids === true,
  };
  const sink = settings.stream ? streamSink(ctx, response, settings) : jsonSink(ctx, response);
  const first = choices[0]?.plan;
  await runGeneration(
    ctx,
    run,
    {
      steps: Math.max(0, ...choices.map((c) => c.steps.length)),
      // The engine counts a tool call as an ordinary "stop".
      finishReason: first?.finishReason === "length" ? "length" : "stop",
      garble: () => {
        for (const choice of choices) {
          choice.plan = garbledAnswer(choice.plan);
          choice.steps = answerSteps(choice.plan);
          choice.stepTexts = choice.steps.map((s) => stepText(s, ""));
        }
      },
    },
    sink,
  );
}

/** vLLM's request validator: `top_logprobs` needs `logprobs: true`. Returns the alternatives per token, or null. */
function logprobsAsked(request: ChatCompletionRequest): number | null {
  const top = request.top_logprobs ?? null;
  if (top !== null && top < 0 && top !== -1) {
    throw new SimError("invalid_request", "`top_logprobs` must be a positive value.", "top_logprobs");
  }
  if (top !== null && top !== 0 && request.logprobs !== true) {
    throw new SimError("invalid_request", "when using `top_logprobs`, `logprobs` must be set to true.", "top_logprobs");
  }
  return request.logprobs === true ? (top ?? 0) : null;
}

/** The tool the model will call, or null for a text answer. Also vLLM's check of a named tool choice. */
function pickTool(request: ChatCompletionRequest): ToolDefinition | null {
  const tools = request.tools ?? [];
  const choice = request.tool_choice ?? (tools.length > 0 ? "auto" : "none");
  if (typeof choice === "object") {
    const named = tools.find((t) => t.function.name === choice.function.name);
    if (!named) {
      throw new SimError("invalid_request", "The tool specified in `tool_choice` does not match any of the specified `tools`");
    }
    return named;
  }
  if (choice === "required" && tools.length === 0) {
    throw new SimError("invalid_request", "When using `tool_choice`, `tools` must be set.");
  }
  return choice === "none" ? null : (tools[0] ?? null);
}

function apiFinishReason(choice: ChoicePlan): string {
  return choice.plan.finishReason;
}

/** The reasoning field(s) of the profile, all carrying the same text. */
function reasoningFields(profile: VllmProfile, text: string | null): Record<string, string | null> {
  return Object.fromEntries(profile.reasoningFields.map((field) => [field, text]));
}

function streamSink(ctx: RequestContext, response: ChatResponse, settings: StreamSettings): GenerationSink {
  const { res, core } = ctx;
  const { profile } = core;
  const { choices } = response;
  const head = `{"id":${JSON.stringify(response.id)},"object":"chat.completion.chunk","created":${response.created},"model":${JSON.stringify(response.model)},"choices":[`;
  const sent = choices.map(() => 0);
  const usageTail = (index: number) =>
    settings.continuousUsage ? `,"usage":${JSON.stringify(usage(response.promptIds.length, sent[index] ?? 0))}` : "";
  const emit = (index: number, choiceJson: string) => writeData(res, `${head}${choiceJson}]${usageTail(index)}}`);
  const tokenIds = (ids: number[] | null) => (profile.tokenIds ? `,"token_ids":${JSON.stringify(ids)}` : "");

  return {
    onFirstToken() {
      beginEventStream(res);
      choices.forEach((_, index) =>
        emit(index, `{"index":${index},"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}`),
      );
    },
    onStep(step) {
      let emitted = 0;
      choices.forEach((choice, index) => {
        const current = choice.steps[step];
        if (current === undefined) return;
        sent[index] = (sent[index] ?? 0) + 1;
        emitted++;
        const text = choice.stepTexts[step] ?? "";
        const logprobs =
          response.topLogprobs === null ? null : { content: chatLogprobs([text], step, `${response.id}/${index}`, response.topLogprobs) };
        const ids = response.returnTokenIds ? pieceIds(text) : null;
        emit(
          index,
          `{"index":${index},"delta":${JSON.stringify(stepDelta(profile, choice, current))},"logprobs":${JSON.stringify(logprobs)},"finish_reason":null${tokenIds(ids)}}`,
        );
      });
      return emitted;
    },
    onFinish() {
      choices.forEach((choice, index) => {
        // vLLM's last chunk carries the end-of-sequence token's (empty) text; after a tool call it is empty.
        const delta = choice.plan.toolCall ? "{}" : `{"content":""}`;
        emit(
          index,
          `{"index":${index},"delta":${delta},"logprobs":null,"finish_reason":${JSON.stringify(apiFinishReason(choice))},"stop_reason":${JSON.stringify(choice.plan.stopReason)}${tokenIds(response.returnTokenIds ? [] : null)}}`,
        );
      });
      if (settings.includeUsage) {
        const completion = sent.reduce((a, b) => a + b, 0);
        // Stream chunks are dumped with exclude_unset: the usage chunk has no `*_details`.
        writeData(res, `${head}],"usage":${JSON.stringify(usage(response.promptIds.length, completion))}}`);
      }
      res.end(DONE_EVENT);
    },
  };
}

/** The delta of one step: reasoning or content text, or (hermes tool parser) the call header then argument pieces. */
function stepDelta(profile: VllmProfile, choice: ChoicePlan, step: AnswerStep): object {
  switch (step.kind) {
    case "reasoning":
      return reasoningFields(profile, step.text);
    case "content":
      return { content: step.text };
    case "tool_header":
      return { tool_calls: [{ id: choice.callId, type: "function", index: 0, function: { name: choice.plan.toolCall?.name ?? "" } }] };
    case "tool_arguments":
      return { tool_calls: [{ index: 0, function: { arguments: step.text } }] };
  }
}

function messageOf(profile: VllmProfile, choice: ChoicePlan): Record<string, unknown> {
  const { plan } = choice;
  const reasoning = plan.reasoning.length > 0 ? plan.reasoning.join("") : null;
  const content = plan.toolCall ? null : plan.content.join("");
  const toolCalls = plan.toolCall
    ? [{ id: choice.callId, type: "function", function: { name: plan.toolCall.name, arguments: plan.toolCall.arguments } }]
    : [];
  if (!profile.openAiExtras) {
    // v0.9's message, in its key order.
    return { role: "assistant", reasoning_content: reasoning, content, tool_calls: toolCalls };
  }
  const message: Record<string, unknown> = {
    role: "assistant",
    content,
    refusal: null,
    annotations: null,
    audio: null,
    function_call: null,
  };
  if (toolCalls.length > 0 || !profile.omitEmptyToolCalls) message.tool_calls = toolCalls;
  return { ...message, ...reasoningFields(profile, reasoning) };
}

function jsonSink(ctx: RequestContext, response: ChatResponse): GenerationSink {
  const { profile, options } = ctx.core;
  return {
    onFirstToken() {},
    onStep(step) {
      return response.choices.filter((choice) => step < choice.steps.length).length;
    },
    onFinish() {
      const completion = response.choices.reduce((sum, choice) => sum + choice.steps.length, 0);
      const body: Record<string, unknown> = { id: response.id, object: "chat.completion", created: response.created };
      if (profile.routedExperts) body.prompt_routed_experts = null;
      body.model = response.model;
      body.choices = response.choices.map((choice, index) => {
        const out: Record<string, unknown> = {
          index,
          message: messageOf(profile, choice),
          logprobs:
            response.topLogprobs === null ? null : { content: chatLogprobs(choice.stepTexts, 0, `${response.id}/${index}`, response.topLogprobs) },
          finish_reason: apiFinishReason(choice),
          stop_reason: choice.plan.stopReason,
        };
        if (profile.tokenIds) out.token_ids = response.returnTokenIds ? choice.stepTexts.flatMap(pieceIds) : null;
        if (profile.routedExperts) out.routed_experts = null;
        return out;
      });
      if (profile.openAiExtras) {
        body.service_tier = null;
        body.system_fingerprint = systemFingerprint(profile, options.root);
      }
      body.usage = responseUsage(profile, response.promptIds.length, completion);
      body.prompt_logprobs = null;
      if (profile.tokenIds) body.prompt_token_ids = response.returnTokenIds ? response.promptIds : null;
      if (profile.routedExperts) body.prompt_text = null;
      body.kv_transfer_params = null;
      sendJson(ctx.res, 200, JSON.stringify(body));
    },
  };
}

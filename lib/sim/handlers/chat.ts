import { renderChatPrompt } from "../chat-template";
import { completionId, nowSeconds, resolveModel, type RequestContext } from "../core";
import { SimError } from "../errors";
import { createRun, runGeneration, type GenerationSink } from "../generation";
import { planText, planToolCall, type PlannedText, type PlannedToolCall } from "../generator";
import { ChatCompletionRequest, parseRequest, type ToolDefinition } from "../protocol";
import { hexId } from "../random";
import {
  checkContextLength,
  checkSamplingCounts,
  stopStrings,
  streamSettings,
  usage,
  type StreamSettings,
} from "../sampling";
import { beginEventStream, DONE_EVENT, sendJson, writeData } from "../http";
import { tokenize } from "../tokenizer";

/** `POST /v1/chat/completions`: vLLM's serving_chat, JSON and SSE. */

type ChoicePlan =
  | ({ kind: "text" } & PlannedText)
  | { kind: "tool"; call: PlannedToolCall; callId: string };

function tokenCount(choice: ChoicePlan): number {
  return choice.kind === "text" ? choice.tokens.length : 1 + choice.call.argumentPieces.length;
}

function apiFinishReason(choice: ChoicePlan): string {
  return choice.kind === "text" ? choice.finishReason : choice.call.finishReason;
}

function stopReason(choice: ChoicePlan): string | null {
  return choice.kind === "text" ? choice.stopReason : null;
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

  const n = request.n ?? 1;
  const maxTokens = request.max_completion_tokens ?? request.max_tokens ?? null;
  checkSamplingCounts(n, maxTokens);
  const prompt = renderChatPrompt(request.messages, { tools: request.tools ?? null });
  const { ids } = tokenize(prompt);
  checkContextLength(core.options.maxModelLen, ids.length, maxTokens);

  const id = completionId("chatcmpl-", ctx.xRequestId);
  const limit = maxTokens ?? core.options.maxModelLen - ids.length;
  const lastRole = request.messages.at(-1)?.role;
  const choices: ChoicePlan[] = [];
  for (let index = 0; index < n; index++) {
    if (tool && lastRole !== "tool") {
      const call = planToolCall(
        { name: tool.function.name, parameters: tool.function.parameters },
        prompt,
        request.seed,
        limit,
      );
      choices.push({ kind: "tool", call, callId: `chatcmpl-tool-${hexId(`${id}/${index}`)}` });
    } else {
      const text = planText({
        promptKey: prompt,
        seed: request.seed,
        choiceIndex: index,
        limit,
        minTokens: request.min_tokens,
        ignoreEos: request.ignore_eos,
        stop: stopStrings(request.stop),
      });
      choices.push({ kind: "text", ...text });
    }
  }

  const run = createRun(ctx, ids);
  const response = { id, created: nowSeconds(), model, promptTokens: ids.length, choices };
  const sink = settings.stream ? streamSink(ctx, response, settings) : jsonSink(ctx, response);
  const first = choices[0];
  await runGeneration(
    ctx,
    run,
    {
      steps: Math.max(0, ...choices.map(tokenCount)),
      finishReason: first?.kind === "text" ? first.finishReason : first?.call.finishReason === "length" ? "length" : "stop",
    },
    sink,
  );
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

interface ChatResponse {
  id: string;
  created: number;
  model: string;
  promptTokens: number;
  choices: ChoicePlan[];
}

function streamSink(ctx: RequestContext, response: ChatResponse, settings: StreamSettings): GenerationSink {
  const { res, core } = ctx;
  const { choices, promptTokens } = response;
  const head = `{"id":${JSON.stringify(response.id)},"object":"chat.completion.chunk","created":${response.created},"model":${JSON.stringify(response.model)},"choices":[`;
  const tokenIds = core.compat.streamTokenIds ? ',"token_ids":null' : "";
  const sent = choices.map(() => 0);
  const usageTail = (index: number) =>
    settings.continuousUsage ? `,"usage":${JSON.stringify(usage(promptTokens, sent[index] ?? 0))}` : "";
  const emit = (index: number, choiceJson: string) => writeData(res, `${head}${choiceJson}]${usageTail(index)}}`);

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
        if (step >= tokenCount(choice)) return;
        sent[index] = (sent[index] ?? 0) + 1;
        emitted++;
        emit(index, `{"index":${index},"delta":${JSON.stringify(stepDelta(choice, step))},"logprobs":null,"finish_reason":null${tokenIds}}`);
      });
      return emitted;
    },
    onFinish() {
      choices.forEach((choice, index) =>
        emit(
          index,
          `{"index":${index},"delta":{},"logprobs":null,"finish_reason":${JSON.stringify(apiFinishReason(choice))},"stop_reason":${JSON.stringify(stopReason(choice))}${tokenIds}}`,
        ),
      );
      if (settings.includeUsage) {
        const completion = sent.reduce((a, b) => a + b, 0);
        writeData(res, `${head}],"usage":${JSON.stringify(usage(promptTokens, completion))}}`);
      }
      res.end(DONE_EVENT);
    },
  };
}

/** The delta of one token: text, or (hermes tool parser) the call header then argument pieces. */
function stepDelta(choice: ChoicePlan, step: number): object {
  if (choice.kind === "text") return { content: choice.tokens[step] ?? "" };
  if (step === 0) {
    return { tool_calls: [{ id: choice.callId, type: "function", index: 0, function: { name: choice.call.name } }] };
  }
  return { tool_calls: [{ index: 0, function: { arguments: choice.call.argumentPieces[step - 1] ?? "" } }] };
}

function jsonSink(ctx: RequestContext, response: ChatResponse): GenerationSink {
  return {
    onFirstToken() {},
    onStep(step) {
      return response.choices.filter((choice) => step < tokenCount(choice)).length;
    },
    onFinish() {
      const completion = response.choices.reduce((sum, choice) => sum + tokenCount(choice), 0);
      const body = {
        id: response.id,
        object: "chat.completion",
        created: response.created,
        model: response.model,
        choices: response.choices.map((choice, index) => ({
          index,
          message: {
            role: "assistant",
            content: choice.kind === "text" ? choice.tokens.join("") : null,
            refusal: null,
            annotations: null,
            audio: null,
            function_call: null,
            tool_calls:
              choice.kind === "tool"
                ? [{ id: choice.callId, type: "function", function: { name: choice.call.name, arguments: choice.call.arguments } }]
                : [],
            reasoning_content: null,
          },
          logprobs: null,
          finish_reason: apiFinishReason(choice),
          stop_reason: stopReason(choice),
        })),
        service_tier: null,
        system_fingerprint: null,
        usage: { ...usage(response.promptTokens, completion), prompt_tokens_details: null },
        prompt_logprobs: null,
        kv_transfer_params: null,
      };
      sendJson(ctx.res, 200, JSON.stringify(body));
    },
  };
}

import { completionId, nowSeconds, resolveModel, type RequestContext } from "../core";
import { SimError } from "../errors";
import { createRun, runGeneration, type GenerationSink } from "../generation";
import { planText, type PlannedText } from "../generator";
import { beginEventStream, DONE_EVENT, sendJson, writeData } from "../http";
import { CompletionRequest, parseRequest } from "../protocol";
import { checkContextLength, checkSamplingCounts, stopStrings, streamSettings, usage, type StreamSettings } from "../sampling";
import { tokenize } from "../tokenizer";

/** `POST /v1/completions`: vLLM's serving_completion (one choice per prompt and `n`). */

/** vLLM's CompletionRequest defaults `max_tokens` to 16 (the chat endpoint has no such default). */
const DEFAULT_MAX_TOKENS = 16;

interface PromptItem {
  key: string;
  ids: number[];
}

export function promptItems(prompt: CompletionRequest["prompt"]): PromptItem[] {
  if (typeof prompt === "string") return [{ key: prompt, ids: tokenize(prompt).ids }];
  if (prompt.length === 0) throw new SimError("invalid_request", "prompt: Input cannot be empty");
  const first = prompt[0];
  if (typeof first === "number") {
    const ids = prompt as number[];
    return [{ key: ids.join(","), ids }];
  }
  return (prompt as (string | number[])[]).map((item) =>
    typeof item === "string" ? { key: item, ids: tokenize(item).ids } : { key: item.join(","), ids: item },
  );
}

export async function handleCompletions(ctx: RequestContext): Promise<void> {
  const { core } = ctx;
  const request = parseRequest(CompletionRequest, ctx.body);
  const settings = streamSettings(request);
  if (core.options.kind !== "chat") throw new SimError("bad_request", "The model does not support Completions API");
  const model = resolveModel(core, request.model);
  const n = request.n ?? 1;
  const maxTokens = request.max_tokens === undefined ? DEFAULT_MAX_TOKENS : request.max_tokens;
  checkSamplingCounts(n, maxTokens);
  const prompts = promptItems(request.prompt);
  for (const prompt of prompts) checkContextLength(core.options.maxModelLen, prompt.ids.length, maxTokens);

  const choices: PlannedText[] = [];
  for (const prompt of prompts) {
    for (let index = 0; index < n; index++) {
      choices.push(
        planText({
          promptKey: prompt.key,
          seed: request.seed,
          choiceIndex: index,
          limit: maxTokens ?? core.options.maxModelLen - prompt.ids.length,
          minTokens: request.min_tokens,
          ignoreEos: request.ignore_eos,
          stop: stopStrings(request.stop),
        }),
      );
    }
  }
  const promptIds = prompts.length === 1 ? (prompts[0]?.ids ?? []) : prompts.flatMap((p) => p.ids);
  const response: CompletionResponse = {
    id: completionId("cmpl-", ctx.xRequestId),
    created: nowSeconds(),
    model,
    promptTokens: promptIds.length,
    choices,
  };
  const sink = settings.stream ? streamSink(ctx, response, settings) : jsonSink(ctx, response);
  await runGeneration(
    ctx,
    createRun(ctx, promptIds),
    { steps: Math.max(0, ...choices.map((c) => c.tokens.length)), finishReason: choices[0]?.finishReason ?? "stop" },
    sink,
  );
}

interface CompletionResponse {
  id: string;
  created: number;
  model: string;
  promptTokens: number;
  choices: PlannedText[];
}

function streamSink(ctx: RequestContext, response: CompletionResponse, settings: StreamSettings): GenerationSink {
  const { res, core } = ctx;
  const { choices, promptTokens } = response;
  const head = `{"id":${JSON.stringify(response.id)},"object":"text_completion","created":${response.created},"model":${JSON.stringify(response.model)},"choices":[`;
  // Completion chunks are dumped with exclude_unset=False: every field is present, nulls included.
  const tokenIds = core.compat.streamTokenIds ? ',"prompt_token_ids":null,"token_ids":null' : "";
  const sent = choices.map(() => 0);
  const usageTail = (index: number) =>
    settings.continuousUsage ? JSON.stringify(usage(promptTokens, sent[index] ?? 0)) : "null";
  const emit = (index: number, text: string, finish: string | null, stop: string | null) =>
    writeData(
      res,
      `${head}{"index":${index},"text":${JSON.stringify(text)},"logprobs":null,"finish_reason":${JSON.stringify(finish)},"stop_reason":${JSON.stringify(stop)}${tokenIds}}],"usage":${usageTail(index)}}`,
    );

  return {
    onFirstToken() {
      beginEventStream(res);
    },
    onStep(step) {
      let emitted = 0;
      choices.forEach((choice, index) => {
        const token = choice.tokens[step];
        if (token === undefined) return;
        sent[index] = (sent[index] ?? 0) + 1;
        emitted++;
        emit(index, token, null, null);
      });
      return emitted;
    },
    onFinish() {
      choices.forEach((choice, index) => emit(index, "", choice.finishReason, choice.stopReason));
      if (settings.includeUsage) {
        const completion = sent.reduce((a, b) => a + b, 0);
        writeData(res, `${head}],"usage":${JSON.stringify(usage(promptTokens, completion))}}`);
      }
      res.end(DONE_EVENT);
    },
  };
}

function jsonSink(ctx: RequestContext, response: CompletionResponse): GenerationSink {
  return {
    onFirstToken() {},
    onStep(step) {
      return response.choices.filter((choice) => step < choice.tokens.length).length;
    },
    onFinish() {
      const completion = response.choices.reduce((sum, choice) => sum + choice.tokens.length, 0);
      const body = {
        id: response.id,
        object: "text_completion",
        created: response.created,
        model: response.model,
        choices: response.choices.map((choice, index) => ({
          index,
          text: choice.tokens.join(""),
          logprobs: null,
          finish_reason: choice.finishReason,
          stop_reason: choice.stopReason,
          prompt_logprobs: null,
        })),
        service_tier: null,
        system_fingerprint: null,
        usage: { ...usage(response.promptTokens, completion), prompt_tokens_details: null },
        kv_transfer_params: null,
      };
      sendJson(ctx.res, 200, JSON.stringify(body));
    },
  };
}

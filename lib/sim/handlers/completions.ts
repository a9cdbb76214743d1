import { completionId, nowSeconds, resolveModel, type RequestContext } from "../core";
import { SimError } from "../errors";
import { createRun, runGeneration, type GenerationSink } from "../generation";
import { garbledText, planText, type PlannedText } from "../generator";
import { beginEventStream, DONE_EVENT, sendJson, writeData } from "../http";
import { CompletionRequest, parseRequest } from "../protocol";
import { completionLogprobs } from "../logprobs";
import { checkContextLength, checkSamplingParams, samplingChecksOf, stopStrings, streamSettings, usage, type StreamSettings } from "../sampling";
import { responseUsage, systemFingerprint } from "./response-fields";
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
  // serving_completion refuses `suffix` before anything else.
  if (request.suffix !== null && request.suffix !== undefined) throw new SimError("bad_request", "suffix is not currently supported", "suffix");
  const n = request.n ?? 1;
  const maxTokens = request.max_tokens === undefined ? DEFAULT_MAX_TOKENS : request.max_tokens;
  checkSamplingParams(samplingChecksOf(request, { n, maxTokens, logprobs: request.logprobs }));
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
    logprobs: request.logprobs ?? null,
  };
  const sink = settings.stream ? streamSink(ctx, response, settings) : jsonSink(ctx, response);
  await runGeneration(
    ctx,
    createRun(ctx, promptIds),
    {
      steps: Math.max(0, ...choices.map((c) => c.tokens.length)),
      finishReason: choices[0]?.finishReason ?? "stop",
      garble: () => choices.splice(0, choices.length, ...choices.map(garbledText)),
    },
    sink,
  );
}

interface CompletionResponse {
  id: string;
  created: number;
  model: string;
  promptTokens: number;
  choices: PlannedText[];
  /** Alternatives per token, or null when logprobs were not asked for. */
  logprobs: number | null;
}

function streamSink(ctx: RequestContext, response: CompletionResponse, settings: StreamSettings): GenerationSink {
  const { res, core } = ctx;
  const { choices, promptTokens } = response;
  const head = `{"id":${JSON.stringify(response.id)},"object":"text_completion","created":${response.created},"model":${JSON.stringify(response.model)},"choices":[`;
  // Completion chunks are dumped with exclude_unset=False: every field is present, nulls included.
  const tokenIds = core.profile.tokenIds ? ',"prompt_token_ids":null,"token_ids":null' : "";
  const offsets = choices.map(() => 0);
  const sent = choices.map(() => 0);
  const usageTail = (index: number) =>
    settings.continuousUsage ? JSON.stringify(usage(promptTokens, sent[index] ?? 0)) : "null";
  const emit = (index: number, text: string, finish: string | null, stop: string | null, logprobs: unknown = null) =>
    writeData(
      res,
      `${head}{"index":${index},"text":${JSON.stringify(text)},"logprobs":${JSON.stringify(logprobs)},"finish_reason":${JSON.stringify(finish)},"stop_reason":${JSON.stringify(stop)}${tokenIds}}],"usage":${usageTail(index)}}`,
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
        const logprobs =
          response.logprobs === null ? null : completionLogprobs([token], step, offsets[index] ?? 0, `${response.id}/${index}`, response.logprobs);
        offsets[index] = (offsets[index] ?? 0) + token.length;
        emit(index, token, null, null, logprobs);
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
  const { profile } = ctx.core;
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
          logprobs:
            response.logprobs === null ? null : completionLogprobs(choice.tokens, 0, 0, `${response.id}/${index}`, response.logprobs),
          finish_reason: choice.finishReason,
          stop_reason: choice.stopReason,
          ...(profile.tokenIds ? { token_ids: null } : {}),
          prompt_logprobs: null,
          ...(profile.tokenIds ? { prompt_token_ids: null } : {}),
        })),
        ...(profile.openAiExtras ? { service_tier: null, system_fingerprint: systemFingerprint(profile, ctx.core.options.root) } : {}),
        usage: responseUsage(profile, response.promptTokens, completion),
        kv_transfer_params: null,
      };
      sendJson(ctx.res, 200, JSON.stringify(body));
    },
  };
}

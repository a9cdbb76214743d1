import { renderChatPrompt } from "../chat-template";
import { resolveModel, type RequestContext } from "../core";
import { SimError } from "../errors";
import { sendJson } from "../http";
import { DetokenizeRequest, parseRequest, TokenizeRequest } from "../protocol";
import { detokenize, tokenize, UnknownTokenError } from "../tokenizer";

/** `POST /tokenize` (a prompt, or chat messages through the template) and `POST /detokenize`. */
export function handleTokenize(ctx: RequestContext): void {
  const { core } = ctx;
  const request = parseRequest(TokenizeRequest, ctx.body);
  resolveModel(core, request.model);
  const text =
    request.prompt ??
    renderChatPrompt(request.messages ?? [], {
          tools: request.tools ?? null,
      addGenerationPrompt: request.add_generation_prompt ?? true,
    });
  const { ids, pieces } = tokenize(text);
  sendJson(
    ctx.res,
    200,
    JSON.stringify({
      count: ids.length,
      max_model_len: core.options.maxModelLen,
      tokens: ids,
      token_strs: request.return_token_strs ? pieces : null,
    }),
  );
}

export function handleDetokenize(ctx: RequestContext): void {
  const request = parseRequest(DetokenizeRequest, ctx.body);
  resolveModel(ctx.core, request.model);
  try {
    sendJson(ctx.res, 200, JSON.stringify({ prompt: detokenize(request.tokens) }));
  } catch (err) {
    if (err instanceof UnknownTokenError) throw new SimError("bad_request", err.message);
    throw err;
  }
}

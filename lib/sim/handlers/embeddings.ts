import { completionId, nowSeconds, resolveModel, type RequestContext } from "../core";
import { SimError } from "../errors";
import { createRun, runGeneration } from "../generation";
import { embeddingFor, GARBAGE_TOKEN } from "../generator";
import { sendJson } from "../http";
import { EmbeddingRequest, parseRequest } from "../protocol";
import { usage } from "../sampling";
import { promptItems } from "./completions";

/** `POST /v1/embeddings` on a pooling model: deterministic unit vectors, float or base64 (what openai-node asks for). */
export async function handleEmbeddings(ctx: RequestContext): Promise<void> {
  const { core } = ctx;
  const request = parseRequest(EmbeddingRequest, ctx.body);
  if (core.options.kind !== "embedding") throw new SimError("bad_request", "The model does not support Embeddings API");
  const model = resolveModel(core, request.model);
  const dim = core.options.embeddingDim;
  if (request.dimensions !== null && request.dimensions !== undefined && request.dimensions !== dim) {
    throw new SimError(
      "bad_request",
      `Model "${model}" does not support matryoshka representation, changing output dimensions will lead to poor results.`,
    );
  }
  const inputs = promptItems(request.input);
  for (const input of inputs) {
    if (input.ids.length > core.options.maxModelLen) {
      throw new SimError(
        "bad_request",
        `This model's maximum context length is ${core.options.maxModelLen} tokens. However, you requested ` +
          `${input.ids.length} tokens in the input for embedding generation. Please reduce the length of the input.`,
      );
    }
  }
  const promptIds = inputs.flatMap((input) => input.ids);
  // Garbage weights (a level-2 wake without reload_weights) embed every input as the same vector.
  let garbled = false;
  const garble = () => {
    garbled = true;
  };
  await runGeneration(ctx, createRun(ctx, promptIds), { steps: 0, finishReason: "stop", garble }, {
    onFirstToken() {},
    onStep: () => 0,
    onFinish() {
      const body = {
        id: completionId("embd-", ctx.xRequestId),
        object: "list",
        created: nowSeconds(),
        model,
        data: inputs.map((input, index) => ({
          index,
          object: "embedding",
          embedding: encode(embeddingFor(garbled ? GARBAGE_TOKEN : input.key, dim), request.encoding_format ?? "float"),
        })),
        usage: { ...usage(promptIds.length, 0), prompt_tokens_details: null },
      };
      sendJson(ctx.res, 200, JSON.stringify(body));
    },
  });
}

function encode(vector: number[], format: "float" | "base64"): number[] | string {
  if (format === "float") return vector;
  return Buffer.from(new Float32Array(vector).buffer).toString("base64");
}

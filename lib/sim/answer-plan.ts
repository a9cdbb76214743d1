import { applyStopStrings, GARBAGE_TOKEN, planText, planToolCall, seedFor, type PlannedToolCall, type TextPlanRequest, type ToolSpec } from "./generator";
import { constrainedText, type OutputConstraint } from "./structured-output";
import { splitTokens } from "./tokenizer";

/**
 * One assistant answer as the engine will emit it, shared by chat and the Responses API: optional
 * reasoning tokens, then either content tokens (free text, or text under a structured-output constraint)
 * or one tool call. All of it comes out of one token budget, reasoning first, as in vLLM.
 */

export type AnswerFinish = "stop" | "length" | "tool_calls";

export interface AnswerPlan {
  reasoning: string[];
  content: string[];
  toolCall: PlannedToolCall | null;
  finishReason: AnswerFinish;
  stopReason: string | null;
}

/** The text plan's inputs, plus what decides the answer's shape. */
export interface AnswerRequest extends TextPlanRequest {
  /** The model thinks first (reasoning parser on, thinking not switched off by the request). */
  reasoning: boolean;
  constraint: OutputConstraint | null;
  tool: ToolSpec | null;
}

/** A step of the stream: one token of reasoning or content, the tool call's header, or one argument piece. */
export type AnswerStep =
  | { kind: "reasoning"; text: string }
  | { kind: "content"; text: string }
  | { kind: "tool_header" }
  | { kind: "tool_arguments"; text: string };

export function planAnswer(request: AnswerRequest): AnswerPlan {
  let budget = request.limit;
  let reasoning: string[] = [];
  if (request.reasoning) {
    const thought = planText({ ...request, promptKey: `${request.promptKey}\u0000reasoning`, stop: [], minTokens: null, ignoreEos: false });
    reasoning = thought.tokens;
    budget -= reasoning.length;
    if (thought.finishReason === "length") return { reasoning, content: [], toolCall: null, finishReason: "length", stopReason: null };
  }
  if (request.tool) {
    const call = planToolCall(request.tool, request.promptKey, request.seed, budget);
    return { reasoning, content: [], toolCall: call, finishReason: call.finishReason, stopReason: null };
  }
  if (request.constraint) {
    const pieces = splitTokens(constrainedText(request.constraint, seedFor(request.promptKey, request.seed, request.choiceIndex)));
    const cut = pieces.length > budget;
    const text = applyStopStrings(cut ? pieces.slice(0, budget) : pieces, cut ? "length" : "stop", request.stop ?? []);
    return { reasoning, content: text.tokens, toolCall: null, ...text };
  }
  const text = planText({ ...request, limit: budget });
  return { reasoning, content: text.tokens, toolCall: null, finishReason: text.finishReason, stopReason: text.stopReason };
}

/**
 * The answer of an engine with garbage weights (generator.ts, `GARBAGE_TOKEN`): as many steps, all content, all
 * garbage; no reasoning and no tool call survive, so a tool call's finish becomes a plain stop.
 */
export function garbledAnswer(plan: AnswerPlan): AnswerPlan {
  const count = answerSteps(plan).length;
  return {
    reasoning: [],
    content: new Array<string>(count).fill(GARBAGE_TOKEN),
    toolCall: null,
    finishReason: plan.finishReason === "tool_calls" ? "stop" : plan.finishReason,
    stopReason: null,
  };
}

export function answerSteps(plan: AnswerPlan): AnswerStep[] {
  const steps: AnswerStep[] = [
    ...plan.reasoning.map((text) => ({ kind: "reasoning" as const, text })),
    ...plan.content.map((text) => ({ kind: "content" as const, text })),
  ];
  if (plan.toolCall) {
    steps.push({ kind: "tool_header" });
    for (const text of plan.toolCall.argumentPieces) steps.push({ kind: "tool_arguments", text });
  }
  return steps;
}

/** The text a step stands for (what its logprob entry and token ids describe). */
export function stepText(step: AnswerStep, toolName: string): string {
  return step.kind === "tool_header" ? toolName : step.text;
}

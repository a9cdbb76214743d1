import type { Principal } from "@/lib/auth/principal";
import type { LabConfig } from "@/lib/config/schema";
import type { Remaining } from "@/lib/lab/estimator";
import { servingBackend } from "@/lib/routing/resolve";
import type { RequestContext } from "./request-context";
import type { LabView } from "./route-plan";
import { spokenSeconds, type GatewayEstimates } from "./wait-estimate";

/**
 * Visible progress for a streaming chat client that waits for the lab (a switch, a restart, a load), as llama-swap
 * shows a model's loading state: `chat.completion.chunk` events whose delta carries a line of reasoning text ("Loading
 * qwen2.5-32b-instruct-awq… about 30 s"), at once and then every `gateway.loadingProgress.intervalSeconds`, and a last
 * line when the wait is over; the answer's own chunks follow unchanged. Clients that show reasoning (Open WebUI's
 * "Thinking" block) show the wait; others ignore the field. Only for the routes and keys the operator listed.
 *
 * The chunks are whole OpenAI chunks: one id (`chatcmpl-switchyard-<log id>`), `created` and the requested model for
 * all of them, `choices[0]` with `index: 0` and `finish_reason: null`, the role in the first. The reasoning text goes
 * under `reasoning_content` and `reasoning` when `gateway.compat.reasoningFields` is on (the default, as the gateway
 * mirrors vLLM's reasoning), else under `reasoning` only, vLLM's current name. They never reach the request log's
 * observer (which watches the backend's stream), so usage and first-token time are the answer's own.
 */
export const LOADING_PROGRESS_RULE = "loadingProgress";

/** Whether a streamed chat request for `model` by `principal` gets progress chunks while it waits. */
export function wantsLoadingProgress(config: LabConfig, principal: Principal, model: string): boolean {
  const { routes, keys } = config.gateway.loadingProgress;
  const listed = (names: string[], name: string | null) => names.includes("*") || (name !== null && names.includes(name));
  return listed(routes, model) || listed(keys, principal.keyName);
}

/**
 * The progress for a streamed chat request that waits for the lab to reach `targetMode`, when the operator enabled it
 * for its model or key (else null); its name goes into the row's `compat`.
 */
export function loadingProgressFor(
  config: LabConfig,
  parts: { lab: LabView; estimates?: GatewayEstimates },
  ctx: RequestContext,
  principal: Principal,
  model: string,
  targetMode: string,
): LoadingProgress | null {
  if (!wantsLoadingProgress(config, principal, model)) return null;
  ctx.compatApplied.add(LOADING_PROGRESS_RULE);
  const backendId = servingBackend(config, targetMode, model);
  const loadingModel = (backendId && config.backends[backendId]?.servedModel) || model;
  return new LoadingProgress({
    requestId: ctx.record.id,
    requestedModel: model,
    loadingModel,
    why: parts.lab.currentMode() === targetMode ? `restarting within mode ${targetMode}` : `switching to mode ${targetMode}`,
    remaining: () => parts.estimates?.operationRemaining() ?? null,
    reasoningFields: config.gateway.compat.reasoningFields,
    intervalMs: config.gateway.loadingProgress.intervalSeconds * 1000,
  });
}

export interface LoadingProgressOptions {
  /** The log row's id: the chunks' id is made from it. */
  requestId: number;
  /** The model the client asked for (the chunks' `model`). */
  requestedModel: string;
  /** The model the client is waiting for, by the name the lab serves it as. */
  loadingModel: string;
  /** Why, in a few words: "switching to mode deep". */
  why: string;
  /** The lab's expected remaining time for what the request waits for; null when unknown. */
  remaining: () => Remaining | null;
  reasoningFields: boolean;
  intervalMs: number;
  now?: () => number;
}

const encoder = new TextEncoder();

export class LoadingProgress {
  private timer: NodeJS.Timeout | undefined;
  private sent = 0;
  /** An estimate was seen: a later null means the operation ended and the request is on its way to the backend. */
  private hadEstimate = false;
  private readonly startedAt: number;
  private readonly now: () => number;
  private readonly created: number;

  constructor(private readonly options: LoadingProgressOptions) {
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
    this.created = Math.floor(this.startedAt / 1000);
  }

  /** Sends the first line now and an update every interval, until stop() or done(). */
  start(send: (bytes: Uint8Array) => void): void {
    send(this.chunk(this.firstLine()));
    this.timer = setInterval(() => send(this.chunk(this.updateLine())), this.options.intervalMs);
  }

  /** The wait is over: stops the updates and sends the last line (before the answer's chunks). */
  done(send: (bytes: Uint8Array) => void): void {
    this.stop();
    send(this.chunk(`Ready after ${spokenSeconds(this.now() - this.startedAt)}.\n\n`));
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** "Loading X… about 30 s (usually 41 s; switching to mode deep)" */
  firstLine(): string {
    const { loadingModel, why } = this.options;
    const remaining = this.options.remaining();
    if (!remaining) return `Loading ${loadingModel} (${why})…\n`;
    this.hadEstimate = true;
    const usually = remaining.basis === "history" ? `usually ${spokenSeconds(remaining.expectedMs)}; ` : "";
    if (remaining.overdue) return `Loading ${loadingModel}… taking longer than ${remaining.basis === "history" ? "usual" : "expected"} (${usually}${why})\n`;
    return `Loading ${loadingModel}… about ${spokenSeconds(remaining.remainingMs)} (${usually}${why})\n`;
  }

  /** "… about 18 s left (12 s so far)" */
  updateLine(): string {
    const waited = spokenSeconds(this.now() - this.startedAt);
    const remaining = this.options.remaining();
    if (!remaining) return this.hadEstimate ? `… ready, waiting for the answer (${waited} so far)\n` : `… still loading (${waited} so far)\n`;
    this.hadEstimate = true;
    if (remaining.overdue) return `… taking longer than ${remaining.basis === "history" ? "usual" : "expected"} (${waited} so far)\n`;
    return `… about ${spokenSeconds(remaining.remainingMs)} left (${waited} so far)\n`;
  }

  private chunk(text: string): Uint8Array {
    const delta: Record<string, string> = this.sent === 0 ? { role: "assistant" } : {};
    if (this.options.reasoningFields) delta.reasoning_content = text;
    delta.reasoning = text;
    this.sent++;
    const payload = {
      id: `chatcmpl-switchyard-${this.options.requestId}`,
      object: "chat.completion.chunk",
      created: this.created,
      model: this.options.requestedModel,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: null }],
    };
    return encoder.encode(`data: ${JSON.stringify(payload)}\n\n`);
  }
}

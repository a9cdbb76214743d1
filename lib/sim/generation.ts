import type { RequestContext } from "./core";
import { Run } from "./engine";
import type { FinishReason } from "./generator";

/**
 * One request's trip through the engine, shared by every endpoint that produces tokens: queue for a
 * slot, (maybe) hang, wait the time to first token, then one engine step per token with the inter-token
 * delay, applying the faults as it goes. A client that goes away aborts the run at once.
 *
 * The sink turns steps into bytes. Nothing is written before `onFirstToken` (vLLM sends the stream's
 * headers with its first chunk), so a request that hangs or waits sends nothing at all.
 */
export interface GenerationSink {
  onFirstToken(): void;
  /** Emits step `step` (one token per choice that still has one) and returns how many tokens that was. */
  onStep(step: number): number;
  /** Everything generated: finish chunks, usage and `[DONE]`, or the JSON body. */
  onFinish(): void;
}

export interface GenerationPlan {
  /** Engine steps: the longest choice's token count. */
  steps: number;
  /** What vLLM's engine reports in `request_success_total` (tool calls finish as "stop"). */
  finishReason: FinishReason;
  /**
   * Turns the planned answer into garbage of the same length (`GARBAGE_TOKEN`), in place: called when the run is
   * scheduled on an engine whose weights were not reloaded after a level-2 sleep (sleep.ts, `answersGarbage`).
   */
  garble: () => void;
}

export function createRun(ctx: RequestContext, promptTokenIds: readonly number[]): Run {
  return new Run(promptTokenIds, ctx.path, ctx.xRequestId);
}

export async function runGeneration(ctx: RequestContext, run: Run, plan: GenerationPlan, sink: GenerationSink): Promise<void> {
  const { core, res } = ctx;
  const { engine } = core;
  const onClose = () => {
    if (res.writableFinished || run.aborted) return;
    core.recordAbort({
      path: run.path,
      xRequestId: run.xRequestId,
      at: Date.now(),
      tokensSent: run.tokensSent,
      wasRunning: run.state === "running",
    });
    run.abort("client");
  };
  res.on("close", onClose);
  let corked = false;
  const uncork = () => {
    if (corked) res.uncork();
    corked = false;
  };

  try {
    // While the engine sleeps its scheduler is paused: the request is queued, not refused (vLLM's pause_scheduler).
    const admitted = core.sleep.gate(run, "admit");
    if (admitted !== true && !(await admitted)) return;
    if (!engine.tryAdmit(run) && !(await engine.waitForSlot(run))) return;
    // Decided when the run is scheduled, not when it arrived: a request queued through a sleep and a proper wake
    // is answered with the reloaded weights.
    if (core.sleep.answersGarbage()) plan.garble();
    if (core.faults().hangBeforeFirstToken) {
      await run.untilAborted();
      return;
    }
    const firstDelay = firstTokenDelayMs(ctx, run);
    if (firstDelay > 0) await run.sleep(firstDelay);
    if (run.aborted || faultStops(ctx, run, uncork)) return;

    // With no delay between tokens the whole stream is written in one go: cork so the events leave in
    // one syscall (each event is still its own write).
    res.cork();
    corked = true;
    sink.onFirstToken();
    for (let step = 0; step < plan.steps; step++) {
      const stepping = core.sleep.gate(run, "step");
      if (stepping !== true) {
        uncork();
        if (!(await stepping)) return;
      }
      if (step > 0) {
        const delay = interTokenDelayMs(ctx);
        if (delay > 0) {
          uncork();
          await run.sleep(delay);
          if (run.aborted) return;
        }
      }
      engine.recordTokens(run, sink.onStep(step));
      if (faultStops(ctx, run, uncork)) return;
    }
    sink.onFinish();
    engine.finish(run, plan.finishReason);
  } finally {
    uncork();
    res.off("close", onClose);
    if (run.state !== "finished") {
      engine.finish(run, "abort");
      core.totals.aborted++;
    } else {
      core.totals.finished++;
    }
    // SIGTERM, or a sleep in mode "abort": end the open stream cleanly (or drop a request that never got an answer).
    if ((run.abortReason === "shutdown" || run.abortReason === "sleep") && !res.writableEnded) {
      if (res.headersSent) res.end();
      else res.destroy();
    }
  }
}

/** TTFT = queue wait (already spent) + base + prefill, scaled by the batch; plus the `ttftDelayMs` fault. */
function firstTokenDelayMs({ core }: RequestContext, run: Run): number {
  const { options } = core;
  const extra = core.faults().ttftDelayMs;
  if (options.zeroLatency) return extra;
  const base = options.ttftMs + (run.promptTokens / options.prefillTokensPerSecond) * 1000;
  return base * core.engine.batchFactor(options.batchSlowdown) + extra;
}

function interTokenDelayMs({ core }: RequestContext): number {
  const fixed = core.faults().tokenDelayMs;
  if (fixed !== null) return fixed;
  const { options } = core;
  if (options.zeroLatency) return 0;
  return (1000 / options.tokensPerSecond) * core.engine.batchFactor(options.batchSlowdown);
}

/**
 * Applies `crashAfterTokens` / `dropConnectionAfterTokens`; true when the request must stop here.
 * `flush` first pushes out what was already written, so the client really sees the tokens before the fault.
 */
function faultStops(ctx: RequestContext, run: Run, flush: () => void): boolean {
  const { core, res } = ctx;
  const faults = core.faults();
  if (faults.crashAfterTokens !== null && run.tokensSent >= faults.crashAfterTokens) {
    flush();
    run.abort("crash");
    core.crash();
    return true;
  }
  if (faults.dropConnectionAfterTokens !== null && run.tokensSent >= faults.dropConnectionAfterTokens) {
    flush();
    run.abort("dropped");
    core.totals.dropped++;
    res.socket?.destroy();
    return true;
  }
  return false;
}

import type { LabConfig } from "@/lib/config/schema";
import { errorEvent, GatewayError, toGatewayError } from "./errors";
import { describeWait, waitUntilRoutable, type LabWait, type WaitRouting } from "./lab-wait";
import type { LoadingProgress } from "./loading-progress";
import type { RequestContext } from "./request-context";
import type { LabView, RoutePlan } from "./route-plan";

const encoder = new TextEncoder();

/**
 * A request for a model the lab will serve once it is ready (a mode switch or restart runs, an on-demand switch
 * started, a backend loads or the watchdog brings it back; see lab-wait.ts): it waits (bounded), routed afresh at
 * each change of the lab. A streaming client gets its 200 and SSE comment keep-alives at once, so neither it nor a
 * proxy in between gives up while a model loads.
 */
export class OperationWaiter {
  private readonly startedAt = performance.now();

  constructor(
    private readonly lab: LabView,
    private readonly ctx: RequestContext,
    private readonly config: LabConfig,
    private readonly wait: LabWait,
    private readonly replan: () => Promise<WaitRouting>,
    private readonly clientSignal: AbortSignal,
    /** Retry-After from the lab's estimate (lib/gateway/wait-estimate.ts), and progress chunks for the stream when enabled. */
    private readonly estimate: { retryAfterSeconds?: () => number; progress?: LoadingProgress | null } = {},
  ) {
    ctx.record.routeReason = `waiting for ${describeWait(wait)}`;
    ctx.recordOpen();
  }

  /** Waits for the operation; the plan afterwards, or null when the client left meanwhile (already logged). */
  async waitForPlan(): Promise<RoutePlan | null> {
    const waitSeconds = this.config.gateway.operationWaitSeconds;
    let outcome: Awaited<ReturnType<typeof waitUntilRoutable>>;
    try {
      outcome = await waitUntilRoutable(this.lab, this.wait, this.replan, this.startedAt + waitSeconds * 1000, this.clientSignal);
    } finally {
      this.ctx.noteLabWait(performance.now() - this.startedAt, describeWait(this.wait));
    }
    if ("plan" in outcome) return outcome.plan;
    if (outcome.ended === "left") {
      this.ctx.finish("client_abort", { status: 499, errorMessage: "client left while waiting for a lab operation" });
      return null;
    }
    throw new GatewayError("queue_timeout", `Waited ${waitSeconds} s for ${describeWait(outcome.wait)}; retry shortly.`, {
      retryAfterSeconds: this.estimate.retryAfterSeconds?.() ?? this.config.gateway.retryAfterSeconds,
    });
  }

  streamWhileWaiting(proxy: (plan: RoutePlan) => Promise<Response>, headers: Headers): Response {
    const ctx = this.ctx;
    let keepAlive: NodeJS.Timeout | undefined;
    let upstream: ReadableStreamDefaultReader<Uint8Array> | undefined;
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        const comment = () => controller.enqueue(encoder.encode(`: waiting for ${describeWait(this.wait)}\n\n`));
        comment();
        keepAlive = setInterval(comment, this.config.gateway.keepAliveSeconds * 1000);
        this.estimate.progress?.start((bytes) => controller.enqueue(bytes));
        const stopWaiting = () => {
          clearInterval(keepAlive);
          this.estimate.progress?.stop();
        };
        void this.relay(controller, proxy, stopWaiting, (reader) => (upstream = reader));
      },
      cancel: async () => {
        clearInterval(keepAlive);
        this.estimate.progress?.stop();
        if (upstream) await upstream.cancel();
        else ctx.finish("client_abort", { status: 200, errorMessage: "client left while waiting for a lab operation" });
      },
    });
    return new Response(body, { status: 200, headers });
  }

  private async relay(
    controller: ReadableStreamDefaultController<Uint8Array>,
    proxy: (plan: RoutePlan) => Promise<Response>,
    stopKeepAlive: () => void,
    setUpstream: (reader: ReadableStreamDefaultReader<Uint8Array>) => void,
  ): Promise<void> {
    try {
      const plan = await this.waitForPlan();
      if (!plan) return;
      const response = await proxy(plan);
      stopKeepAlive();
      if (response.status !== 200 || !response.body || !String(response.headers.get("content-type")).includes("text/event-stream")) {
        // Headers went out already: the failure travels as an error event.
        const text = await response.text();
        let message = text;
        try {
          message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text;
        } catch {
          // not JSON: keep the text
        }
        controller.enqueue(encoder.encode(errorEvent(new GatewayError("upstream_error", message || `backend answered ${response.status}`))));
        controller.close();
        return;
      }
      this.estimate.progress?.done((bytes) => controller.enqueue(bytes));
      const reader = response.body.getReader();
      setUpstream(reader);
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        controller.enqueue(value);
      }
      controller.close();
    } catch (thrown) {
      stopKeepAlive();
      const error = toGatewayError(thrown);
      if (!this.ctx.isFinished) this.ctx.finish(error.status === 503 ? "rejected" : "upstream_error", { status: 200, errorCode: error.code, errorMessage: error.message });
      try {
        controller.enqueue(encoder.encode(errorEvent(error)));
        controller.close();
      } catch {
        // the client is gone already
      }
    }
  }
}

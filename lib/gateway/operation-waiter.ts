import type { LabConfig } from "@/lib/config/schema";
import { errorEvent, GatewayError, toGatewayError } from "./errors";
import type { RequestContext } from "./request-context";
import { round } from "./request-context";
import type { LabView, RoutePlan, Routing } from "./route-plan";

const encoder = new TextEncoder();

/**
 * A request that arrived during a mode switch or restart for a model the lab will serve once it is done:
 * it waits (bounded) for the operation, then is routed afresh. A streaming client gets its 200 and SSE comment
 * keep-alives at once, so neither it nor a proxy in between gives up while a model loads.
 */
export class OperationWaiter {
  private readonly startedAt = performance.now();

  constructor(
    private readonly lab: LabView,
    private readonly ctx: RequestContext,
    private readonly config: LabConfig,
    private readonly targetMode: string,
    private readonly replan: () => Routing,
    private readonly clientSignal: AbortSignal,
  ) {
    ctx.record.routeReason = `waiting for the lab operation towards mode ${targetMode}`;
    ctx.recordOpen();
  }

  /** Waits for the operation; the plan afterwards, or null when the client left meanwhile (already logged). */
  async waitForPlan(): Promise<RoutePlan | null> {
    const waitMs = this.config.gateway.operationWaitSeconds * 1000;
    const clientLeft = new Promise<"left">((resolve) => {
      if (this.clientSignal.aborted) resolve("left");
      this.clientSignal.addEventListener("abort", () => resolve("left"), { once: true });
    });
    const outcome = await Promise.race([this.lab.waitForOperation(waitMs), clientLeft]);
    this.ctx.record.queueMs = round(performance.now() - this.startedAt);
    if (outcome === "left") {
      this.ctx.finish("client_abort", { status: 499, errorMessage: "client left while waiting for a lab operation" });
      return null;
    }
    const routing = outcome ? this.replan() : null;
    if (!routing || routing.kind === "wait") {
      throw new GatewayError(
        "queue_timeout",
        `The lab is still switching to mode ${this.targetMode} after ${this.config.gateway.operationWaitSeconds} s; retry shortly.`,
        { retryAfterSeconds: this.config.gateway.retryAfterSeconds },
      );
    }
    return routing.plan;
  }

  streamWhileWaiting(proxy: (plan: RoutePlan) => Promise<Response>, headers: Headers): Response {
    const ctx = this.ctx;
    let keepAlive: NodeJS.Timeout | undefined;
    let upstream: ReadableStreamDefaultReader<Uint8Array> | undefined;
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        const comment = () => controller.enqueue(encoder.encode(`: waiting for the lab to reach mode ${this.targetMode}\n\n`));
        comment();
        keepAlive = setInterval(comment, this.config.gateway.keepAliveSeconds * 1000);
        void this.relay(controller, proxy, () => clearInterval(keepAlive), (reader) => (upstream = reader));
      },
      cancel: async () => {
        clearInterval(keepAlive);
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

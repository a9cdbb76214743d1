import { expect, type APIRequestContext, type APIResponse, type Response } from "@playwright/test";
import type { ModeSwitchJson } from "@/lib/api/lab";

// What the lab recorded and announced, read from the admin API and its event stream. The specs assert on these
// instead of on what the page happened to render at some instant: a step that takes 20 ms is recorded and
// announced like one that takes 2 s, but a DOM sampler may never see it running.

/** A recorded lab operation (mode switch or restart) with its steps, as GET /api/modes/switches/{id} returns it. */
export type RecordedOperation = ModeSwitchJson;

export const MODE_SWITCH_STEPS = ["stop_admitting", "drain", "stop_containers", "wait_gpu_memory", "start_containers", "wait_ready", "switch_routing"];
export const RESTART_STEPS = ["stop_admitting", "drain", "stop_containers", "wait_gpu_memory", "start_containers", "wait_ready", "resume_admitting"];

/** The operation id from the console's 202 answer to POST /api/modes/{name}/activate or /api/backends/{id}/restart. */
export async function startedOperationId(response: Response): Promise<string> {
  expect(response.status(), `${response.request().method()} ${response.url()}`).toBe(202);
  const { data } = (await response.json()) as { data: { status: string; operationId: string } };
  expect(data.status).toBe("started");
  expect(data.operationId).toEqual(expect.any(String));
  return data.operationId;
}

/** Waits until the operation's record is closed (the controller writes the outcome just before it announces it) and returns it. */
export async function finishedOperation(request: APIRequestContext, operationId: string, timeout = 30_000): Promise<RecordedOperation> {
  let record: RecordedOperation | undefined;
  await expect
    .poll(
      async () => {
        const response = await request.get(`/api/modes/switches/${encodeURIComponent(operationId)}`);
        if (!response.ok()) return `HTTP ${response.status()}`;
        record = ((await response.json()) as { data: RecordedOperation }).data;
        return record.status;
      },
      { timeout, message: `operation ${operationId} is recorded as ended` },
    )
    .toMatch(/^(succeeded|failed|rolled_back|interrupted)$/);
  return record!;
}

/**
 * The operation succeeded and recorded exactly `steps`, in that order, each started and finished, one after the other:
 * every step, however short, was recorded as running (started) before it was recorded as done.
 */
export function expectStepsRecorded(operation: RecordedOperation, steps: readonly string[]): void {
  expect(operation.status, `operation ${operation.id} ended ${operation.status}: ${operation.error ?? ""}`).toBe("succeeded");
  expect(operation.error).toBeNull();
  expect(operation.steps.map((step) => step.name)).toEqual(steps);
  let previousEnd = Date.parse(operation.startedAt);
  for (const step of operation.steps) {
    expect(step, `step ${step.name}`).toMatchObject({ status: "succeeded", finishedAt: expect.any(String) });
    const started = Date.parse(step.startedAt);
    const finished = Date.parse(step.finishedAt!);
    // Steps run in turn: each starts once the previous one has ended, and ends after it started.
    expect(started, `${step.name} starts after the previous step ended`).toBeGreaterThanOrEqual(previousEnd);
    expect(finished, `${step.name} ends after it started`).toBeGreaterThanOrEqual(started);
    previousEnd = finished;
  }
  expect(operation.finishedAt).not.toBeNull();
  expect(Date.parse(operation.finishedAt!)).toBeGreaterThanOrEqual(previousEnd);
}

/** One Server-Sent Event of GET /api/events. */
export interface LabStreamEvent {
  type: string;
  // The payloads are the bus's (lib/events/bus.ts); the specs read a few fields of them.
  data: Record<string, unknown>;
}

export interface LabEventStream {
  /** Every event received so far, in order (the first is the status snapshot). */
  events(): LabStreamEvent[];
  /** Resolves with the first event (received so far or later) that matches. */
  waitFor(matches: (event: LabStreamEvent) => boolean, timeoutMs: number, what: string): Promise<LabStreamEvent>;
  /** `step:status` of every operation_step event of one operation, in the order the stream delivered them. */
  stepEvents(operationId: string): string[];
  close(): void;
}

/**
 * Subscribes to GET /api/events, the stream the console renders live progress from, and resolves once the first
 * event (the snapshot, sent after the subscription is in place) has arrived: nothing published later is missed.
 */
export async function openLabEventStream(baseURL: string): Promise<LabEventStream> {
  const abort = new AbortController();
  const received: LabStreamEvent[] = [];
  const waiters = new Set<{ matches: (event: LabStreamEvent) => boolean; resolve: (event: LabStreamEvent) => void }>();
  const response = await fetch(new URL("/api/events", baseURL), { headers: { accept: "text/event-stream" }, signal: abort.signal });
  expect(response.status, "GET /api/events").toBe(200);
  expect(response.headers.get("content-type")).toContain("text/event-stream");

  const push = (event: LabStreamEvent) => {
    received.push(event);
    for (const waiter of waiters) {
      if (waiter.matches(event)) {
        waiters.delete(waiter);
        waiter.resolve(event);
      }
    }
  };
  void (async () => {
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let type = "message";
        const data: string[] = [];
        for (const line of block.split("\n")) {
          if (line.startsWith("event:")) type = line.slice(6).trim();
          else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
        }
        if (data.length > 0) push({ type, data: JSON.parse(data.join("\n")) as Record<string, unknown> });
      }
    }
  })().catch(() => undefined); // aborted by close()

  const stream: LabEventStream = {
    events: () => [...received],
    waitFor(matches, timeoutMs, what) {
      const seen = received.find(matches);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no ${what} on /api/events within ${timeoutMs} ms`));
        }, timeoutMs);
        const waiter = {
          matches,
          resolve: (event: LabStreamEvent) => {
            clearTimeout(timer);
            resolve(event);
          },
        };
        waiters.add(waiter);
      });
    },
    stepEvents: (operationId) =>
      received.filter((event) => event.type === "operation_step" && event.data.operationId === operationId).map((event) => `${String(event.data.step)}:${String(event.data.status)}`),
    close: () => abort.abort(),
  };
  await stream.waitFor((event) => event.type === "snapshot", 15_000, "snapshot");
  return stream;
}

/** Waits for the operation's operation_done event and checks the stream announced each step running, then succeeded, in order. */
export async function expectStepsAnnounced(stream: LabEventStream, operationId: string, steps: readonly string[]): Promise<void> {
  const done = await stream.waitFor((event) => event.type === "operation_done" && event.data.operationId === operationId, 30_000, `operation_done of ${operationId}`);
  expect(done.data.status).toBe("succeeded");
  // Everything about the operation was published before operation_done, and the stream keeps the order.
  expect(stream.stepEvents(operationId)).toEqual(steps.flatMap((step) => [`${step}:running`, `${step}:succeeded`]));
}

/** The id of the request-log row a /v1 answer names (x-switchyard-log-id): the row's own key, whatever x-request-id the client sent. */
export function logIdOf(response: APIResponse): number {
  const id = Number(response.headers()["x-switchyard-log-id"]);
  expect(Number.isSafeInteger(id) && id > 0, `x-switchyard-log-id of ${response.url()}`).toBe(true);
  return id;
}

/** A request-log row, as GET /api/requests/{id} returns it (the fields the specs read). */
export interface LoggedRequest {
  /** Switchyard's id for the request (x-switchyard-log-id). */
  id: number;
  /** The client's x-request-id, when it sent one (not unique: clients reuse them). */
  clientRequestId: string | null;
  outcome: string;
  status: number | null;
  requestedModel: string | null;
  backend: string | null;
}

/**
 * Waits until the request log holds the request (by its log id: logIdOf) with its final outcome. The log is written off the hot path (a
 * batch every 100 ms), so a page opened right after a request may load before its row exists; and the page only
 * hears of requests that finish while it is open. Opening the page after this makes what it loads deterministic.
 */
export async function loggedRequest(request: APIRequestContext, id: number, timeout = 15_000): Promise<LoggedRequest> {
  let row: LoggedRequest | undefined;
  await expect
    .poll(
      async () => {
        const response = await request.get(`/api/requests/${id}`);
        if (!response.ok()) return `HTTP ${response.status()}`;
        row = ((await response.json()) as { data: LoggedRequest }).data;
        return row.outcome;
      },
      { timeout, message: `request ${id} is in the request log, finished` },
    )
    .toMatch(/^(?!open$)(?!HTTP )/);
  return row!;
}

import type { BackendStatus, LabStatus } from "@/lib/api/status";
import type { OperationView } from "@/lib/lab/controller";
import { waitFor } from "./wait";

/** An operation as GET /api/modes/switches/{id} returns it: each step with its duration. */
export type OperationRecord = Omit<OperationView, "steps"> & { steps: (OperationView["steps"][number] & { durationMs: number })[] };

/**
 * What the lab suites ask a running Switchyard over HTTP, as an operator's script would. `baseUrl` is read on each
 * call, so a suite can make its client at the top of the file, before its `beforeAll` has started the app.
 */
export function labClient(baseUrl: () => string) {
  async function status(): Promise<LabStatus> {
    return ((await (await fetch(`${baseUrl()}/api/status`)).json()) as { data: LabStatus }).data;
  }

  /** A short chat; its status and the backend that answered. */
  async function chat(model: string): Promise<{ status: number; backend: string | null }> {
    const response = await fetch(`${baseUrl()}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model, max_tokens: 4, messages: [{ role: "user", content: "hi" }] }),
    });
    await response.text();
    return { status: response.status, backend: response.headers.get("x-switchyard-backend") };
  }

  /**
   * Starts an operation (`/api/modes/<mode>/activate`, `/api/backends/<id>/restart`), waits for it to end and returns
   * its record; each step's time goes to the test output, for a look at how long things take on this machine.
   */
  async function operation(path: string): Promise<OperationRecord> {
    const started = await fetch(`${baseUrl()}${path}`, { method: "POST" });
    if (started.status !== 202) throw new Error(`POST ${path}: ${started.status} ${await started.text()}`);
    const { operationId } = ((await started.json()) as { data: { operationId: string } }).data;
    await waitFor(async () => (await status()).operation === null, path, 90_000, 200);
    const record = ((await (await fetch(`${baseUrl()}/api/modes/switches/${operationId}`)).json()) as { data: OperationRecord }).data;
    console.log(`[timings] ${path}: ${record.steps.map((s) => `${s.name} ${Math.round(s.durationMs)} ms`).join(", ")}`);
    return record;
  }

  return { status, chat, operation, switchTo: (mode: string) => operation(`/api/modes/${mode}/activate`) };
}

/** One backend of a status, or a clear failure naming it. */
export function backendOf(lab: LabStatus, id: string): BackendStatus {
  const backend = lab.backends.find((b) => b.id === id);
  if (!backend) throw new Error(`no backend ${id} in /api/status`);
  return backend;
}

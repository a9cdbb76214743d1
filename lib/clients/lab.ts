import { randomUUID } from "node:crypto";
import { expect } from "vitest";
import type { SimFaultsPatch } from "@/lib/sim/options";
import type { SimState } from "@/lib/sim/state";
import { simulatedLabYaml, startAppHarness, type AppHarness } from "@/lib/testing/app-harness";
import { waitFor } from "@/lib/testing/wait";

export { waitFor };

/**
 * The simulated lab the client-compatibility suites (lib/clients/*.int.test.ts) run their packages against: the
 * whole app from the production factory (startAppHarness: 7B = fast, 14B = reasoning, the 32B offline in standard
 * mode, bge-small-en-v1.5 for embeddings), with `auth: keys` so every SDK passes a real API key, and gateway limits
 * small enough to reach each error class quickly.
 */

export const ADMIN_TOKEN = "client-suite-admin-token-0123456789abcdef";
/** The gateway's body limit here (8 MiB by default): a 300 kB prompt gets the 413. */
export const MAX_BODY_BYTES = 256 * 1024;
/** Retry-After on the 503s: short, so a client that honours it retries within the test. */
export const RETRY_AFTER_SECONDS = 1;
/** The first token of a stream must come by then, else 504 (the simulator can be told to hang). */
export const FIRST_TOKEN_TIMEOUT_SECONDS = 2;

export const EMBEDDING_MODEL = "bge-small-en-v1.5";
export const EMBEDDING_DIM = 384;
/** Served in standard mode by no backend: a 503 with Retry-After naming the mode that serves it. */
export const OFFLINE_MODEL = "qwen2.5-32b-instruct-awq";

export interface ClientLab {
  app: AppHarness;
  /** `http://127.0.0.1:<port>/v1`, what each SDK takes as its base URL. */
  baseURL: string;
  keys: {
    /** Any model, no limits. */
    all: string;
    /** Only `fast`: anything else is a 403. */
    fastOnly: string;
  };
  /** A new key (POST /api/keys) with the given fields, e.g. requestsPerMinute: 1 for a 429 on the second request. */
  createKey(fields: { name: string; allowedModels?: string[]; requestsPerMinute?: number }): Promise<string>;
  /** The finished log row with this id (x-switchyard-log-id), waiting for the writer and for the request's end. */
  row(id: number | string | null | undefined): Promise<LogRow>;
  /** The finished log row of the newest request sent with this x-request-id. */
  rowOfRequest(clientRequestId: string): Promise<LogRow>;
  /** The x-request-ids of the requests a chat backend's simulator saw aborted (/_sim/state). */
  simAborts(backend: "qwen-7b" | "qwen-14b"): Promise<(string | null)[]>;
  /** Sets a fault on a chat backend's simulator (/_sim/faults). */
  setFaults(backend: "qwen-7b" | "qwen-14b", patch: SimFaultsPatch): Promise<void>;
  close(): Promise<void>;
}

export type LogRow = NonNullable<Awaited<ReturnType<AppHarness["switchyard"]["db"]["requestLog"]["findFirst"]>>>;

/** A fresh x-request-id, to find the log row of a call whose SDK does not show response headers. */
export const requestId = (label: string) => `${label}-${randomUUID()}`;

export async function startClientLab(): Promise<ClientLab> {
  const app = await startAppHarness({
    yaml: (ports) =>
      `${simulatedLabYaml(ports).replace("auth: open", "auth: keys")}gateway: { maxBodyBytes: ${MAX_BODY_BYTES}, retryAfterSeconds: ${RETRY_AFTER_SECONDS}, firstTokenTimeoutSeconds: ${FIRST_TOKEN_TIMEOUT_SECONDS} }\n`,
    adminSecrets: { token: ADMIN_TOKEN },
  });
  try {
    // The watchdog may restart a backend that was slow to come up; these suites need a lab that holds still.
    for (const id of ["qwen-7b", "qwen-14b", "embed"]) await admin(app, "PUT", `/api/backends/${id}/watchdog`, { enabled: false });
    await waitFor(async () => {
      const ready = (await (await fetch(`${app.url}/readyz`)).json()) as { backends: Record<string, string> };
      return ["qwen-7b", "qwen-14b", "embed"].every((id) => ready.backends[id] === "ready");
    }, "the standard backends ready");
    const keys = {
      all: await createKey(app, { name: "client-suite" }),
      fastOnly: await createKey(app, { name: "client-suite-fast-only", allowedModels: ["fast"] }),
    };
    return {
      app,
      baseURL: `${app.url}/v1`,
      keys,
      createKey: (fields) => createKey(app, fields),
      row: (id) => finishedRow(app, { id: Number(id) }),
      rowOfRequest: (clientRequestId) => finishedRow(app, { clientRequestId }),
      async simAborts(backend) {
        const state = (await (await fetch(`http://127.0.0.1:${app.ports[backend]}/_sim/state`)).json()) as SimState;
        return state.aborts.map((abort) => abort.xRequestId);
      },
      async setFaults(backend, patch) {
        const response = await fetch(`http://127.0.0.1:${app.ports[backend]}/_sim/faults`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(patch),
        });
        expect(response.status).toBe(200);
        await response.body?.cancel();
      },
      close: () => app.close(),
    };
  } catch (error) {
    await app.close();
    throw error;
  }
}

async function admin(app: AppHarness, method: string, path: string, body: unknown): Promise<unknown> {
  const response = await fetch(`${app.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as unknown;
}

async function createKey(app: AppHarness, body: Record<string, unknown>): Promise<string> {
  const created = (await admin(app, "POST", "/api/keys", body)) as { data: { key: string } };
  return created.data.key;
}

async function finishedRow(app: AppHarness, where: { id: number } | { clientRequestId: string }): Promise<LogRow> {
  if ("id" in where) expect(Number.isSafeInteger(where.id) && where.id > 0, "x-switchyard-log-id").toBe(true);
  let row: LogRow | null = null;
  await waitFor(async () => {
    await app.switchyard.requestLog.flush();
    row = await app.switchyard.db.requestLog.findFirst({ where, orderBy: { id: "desc" } });
    return row !== null && row.outcome !== "open";
  }, `the log row ${JSON.stringify(where)}, finished`);
  return row!;
}


/** About `tokens` tokens for the simulator's tokenizer (it splits words and spaces). */
export const words = (tokens: number) => Array.from({ length: Math.ceil(tokens / 2) }, (_, i) => `w${i % 97}`).join(" ");

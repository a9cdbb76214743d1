import path from "node:path";
import { Worker } from "node:worker_threads";
import { InvalidCursorError } from "@/lib/db/queries/keyset-cursor";
import type { ExportFormat } from "./export-format";
import { laneOf, type ReaderLane, type ReaderOperation, type ReaderOperations, type ReaderRequest, type ReaderResponse } from "./protocol";
import type { RequestLogFilters } from "./queries";

export type { RequestDetail } from "./protocol";

/**
 * The gateway thread's handle on the request log's reader workers (./worker.ts): every console read of the log, its
 * exports and its retention run there, so none of them can stall a stream. Two workers: an interactive one (pages,
 * lookups, usage) and a bulk one (exports, text searches, retention), so a long export or search never holds up a
 * page or a chart (protocol.ts' laneOf routes each call). A worker that dies is started again on its next call; the
 * calls it had in hand fail.
 */
export interface RequestLogReader {
  call<K extends ReaderOperation>(op: K, args: ReaderOperations[K]["args"]): Promise<ReaderOperations[K]["result"]>;
  /** Every matching row as a file, read from one cursor chunk by chunk as the client takes it. */
  exportStream(filters: RequestLogFilters, format: ExportFormat, maxRows: number | null): ReadableStream<Uint8Array>;
  close(): Promise<void>;
}

/**
 * Chunks of an export (2,000 rows, about 0.7 MB) the stream holds ahead of its reader: the worker formats the next
 * while one is on its way to the client; once this many wait, the worker waits too (backpressure).
 */
export const EXPORT_PREFETCH_CHUNKS = 2;

/**
 * The workers' nice values (Linux; see worker.ts): both below the gateway's thread, and exports and searches below
 * pages, so on a busy machine the CPU goes to the gateway first, then to what a person waits on.
 */
export const READER_NICE: Record<ReaderLane, number> = { interactive: 5, bulk: 10 };

/** Where the worker's source is: the project root is the working directory of `npm start`, `next dev` and the tests. */
export function defaultWorkerFile(): string {
  return path.join(process.cwd(), "lib", "db", "request-log", "worker.ts");
}

/** Errors the worker reports by name and the API maps by type. */
function rebuildError(error: { name: string; message: string }): Error {
  if (error.name === "InvalidCursorError") return new InvalidCursorError();
  return Object.assign(new Error(error.message), { name: error.name });
}

interface WorkerLane {
  call<K extends ReaderOperation>(op: K, args: ReaderOperations[K]["args"]): Promise<ReaderOperations[K]["result"]>;
  close(): Promise<void>;
}

/** One worker thread, started on its first call and again on the call after it died. */
function startLane(lane: ReaderLane, dbFile: string, workerFile: string): WorkerLane {
  let worker: Worker | null = null;
  let nextId = 1;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

  function start(): Worker {
    // TypeScript source, loaded through tsx as the rest of the server is (a loader flag does not reach a worker's
    // entry on Node 20, so the worker registers tsx itself before it requires the source).
    const source = `require("tsx/cjs/api").register(); require(${JSON.stringify(workerFile)});`;
    const started = new Worker(source, { eval: true, name: `request-log reader (${lane})`, workerData: { dbFile, lane, nice: READER_NICE[lane] } });
    started.unref(); // an idle reader never keeps the process alive
    started.on("message", (response: ReaderResponse) => {
      const call = pending.get(response.id);
      if (!call) return;
      pending.delete(response.id);
      if (response.ok) call.resolve(response.result);
      else call.reject(rebuildError(response.error));
    });
    const fail = (error: Error) => {
      if (worker === started) worker = null;
      for (const [id, call] of pending) {
        pending.delete(id);
        call.reject(error);
      }
    };
    started.on("error", fail);
    started.on("exit", (code) => fail(new Error(`the request-log reader (${lane}) stopped (exit code ${code})`)));
    return started;
  }

  return {
    call<K extends ReaderOperation>(op: K, args: ReaderOperations[K]["args"]): Promise<ReaderOperations[K]["result"]> {
      worker ??= start();
      const id = nextId++;
      const running = worker;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        // Only a call in flight keeps the process alive; an idle reader does not.
        if (pending.size === 1) running.ref();
        running.postMessage({ id, op, args } as ReaderRequest);
      }).finally(() => {
        if (pending.size === 0) running.unref();
      }) as Promise<ReaderOperations[K]["result"]>;
    },
    async close() {
      const stopping = worker;
      worker = null;
      await stopping?.terminate();
    },
  };
}

export function createRequestLogReader(options: { dbFile: string; workerFile?: string }): RequestLogReader {
  const workerFile = options.workerFile ?? defaultWorkerFile();
  const lanes: Record<ReaderLane, WorkerLane> = {
    interactive: startLane("interactive", options.dbFile, workerFile),
    bulk: startLane("bulk", options.dbFile, workerFile),
  };

  function call<K extends ReaderOperation>(op: K, args: ReaderOperations[K]["args"]): Promise<ReaderOperations[K]["result"]> {
    return lanes[laneOf({ op, args } as Parameters<typeof laneOf>[0])].call(op, args);
  }

  return {
    call,
    exportStream(filters, format, maxRows) {
      let opening: Promise<number> | null = null;
      let cancelled = false;
      return new ReadableStream<Uint8Array>(
        {
          // The stream calls pull() again, one at a time, while fewer than EXPORT_PREFETCH_CHUNKS chunks wait.
          async pull(controller) {
            opening ??= call("exportOpen", { filters, format, maxRows });
            const exportId = await opening;
            const chunk = await call("exportNext", { exportId }).catch((error: unknown) => {
              void call("exportClose", { exportId }).catch(() => undefined); // the stream errors: its cursor goes too
              throw error;
            });
            if (cancelled) return;
            if (chunk === null) controller.close();
            else controller.enqueue(chunk);
          },
          async cancel() {
            // A download cut short: its cursor is closed (after a chunk still being made; the worker takes calls in turn).
            cancelled = true;
            const exportId = await opening?.catch(() => null);
            if (exportId != null) await call("exportClose", { exportId }).catch(() => undefined);
          },
        },
        { highWaterMark: EXPORT_PREFETCH_CHUNKS },
      );
    },
    async close() {
      await Promise.all([lanes.interactive.close(), lanes.bulk.close()]);
    },
  };
}

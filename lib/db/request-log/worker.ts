import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";
import { connectionPragmas, openSqlite, type SqliteDatabase } from "@/lib/db/sqlite";
import { ExportChunks } from "./export-chunks";
import { iterateRawRows } from "./export-rows";
import type { ReaderOperations, ReaderRequest, ReaderResponse } from "./protocol";
import { findRequest, listPage } from "./queries";
import { applyRequestLogRetention } from "./retention";
import { usageReport } from "./usage";

// The request log's reader, on a thread of its own: SQLite calls are synchronous, so a console page, an export or a
// retention pass run here never hold up the gateway's event loop. Reads use a read-only connection (WAL lets them
// run beside the writer); retention has a writable one of its own. The reader runs two of these (./reader.ts): one
// for quick reads, one for bulk work; both answer every operation.

const { dbFile, nice } = workerData as { dbFile: string; nice?: number };

// Behind the gateway's thread for the CPU: on a machine with few cores a worker formatting an export flat out would
// otherwise take turns with the event loop that serves the streams. Linux gives each thread its own nice value
// (setpriority on the thread's id); elsewhere, or when it is refused, the thread keeps the process's priority.
if (nice) {
  try {
    const threadId = Number(readlinkSync("/proc/thread-self").split("/").pop());
    if (Number.isSafeInteger(threadId) && threadId > 0) setPriority(threadId, nice);
  } catch {
    // not Linux
  }
}
const reader: SqliteDatabase = new Database(dbFile, { readonly: true, fileMustExist: true });
reader.exec(connectionPragmas().replace("PRAGMA journal_mode = WAL;", ""));
let writer: SqliteDatabase | null = null;

const exports = new Map<number, ExportChunks>();
let nextExportId = 1;

type Handlers = { [K in keyof ReaderOperations]: (args: ReaderOperations[K]["args"]) => ReaderOperations[K]["result"] | Promise<ReaderOperations[K]["result"]> };

const handlers: Handlers = {
  page: (args) => listPage(reader, args),
  find: ({ key }) => findRequest(reader, key),
  usage: (args) => usageReport(reader, args),
  exportOpen: ({ filters, format, maxRows }) => {
    const id = nextExportId++;
    exports.set(id, new ExportChunks(iterateRawRows(reader, filters), format, maxRows));
    return id;
  },
  exportNext: ({ exportId }) => {
    const chunk = exports.get(exportId)?.next() ?? null;
    if (chunk === null) exports.delete(exportId);
    // UTF-8 bytes in a buffer of their own, moved to the gateway's thread with the answer (see below): that thread
    // does no work per chunk but hand the bytes on.
    return chunk;
  },
  exportClose: ({ exportId }) => {
    exports.get(exportId)?.close();
    exports.delete(exportId);
    return null;
  },
  retention: (args) => {
    writer ??= openSqlite(dbFile, { busyTimeoutMs: 5_000 });
    return applyRequestLogRetention(writer, args);
  },
};

parentPort?.on("message", (request: ReaderRequest) => {
  void (async () => {
    let response: ReaderResponse;
    let transfer: ArrayBuffer[] = [];
    try {
      const handler = handlers[request.op] as (args: unknown) => unknown;
      const result = await handler(request.args);
      // Bytes (an export's chunk, over a buffer made for it alone) are moved, not copied.
      if (result instanceof Uint8Array && result.buffer instanceof ArrayBuffer) transfer = [result.buffer];
      response = { id: request.id, ok: true, result };
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      response = { id: request.id, ok: false, error: { name: err.name, message: err.message } };
    }
    parentPort?.postMessage(response, transfer);
  })();
});

import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";
import { connectionPragmas, openSqlite, type SqliteDatabase } from "@/lib/db/sqlite";
import { exportCapNotice, exportHeader, exportLine, type ExportFormat } from "./export-format";
import type { ReaderOperations, ReaderRequest, ReaderResponse } from "./protocol";
import { findRequest, iterateStoredRows, listPage } from "./queries";
import { applyRequestLogRetention } from "./retention";
import { usageReport } from "./usage";

// The request log's reader, on a thread of its own: SQLite calls are synchronous, so a console page, an export or a
// retention pass run here never hold up the gateway's event loop. Reads use a read-only connection (WAL lets them
// run beside the writer); retention has a writable one of its own.

const { dbFile } = workerData as { dbFile: string };
const reader: SqliteDatabase = new Database(dbFile, { readonly: true, fileMustExist: true });
reader.exec(connectionPragmas().replace("PRAGMA journal_mode = WAL;", ""));
let writer: SqliteDatabase | null = null;

const EXPORT_CHUNK_ROWS = 2_000;

interface OpenExport {
  rows: Iterator<Record<string, unknown>>;
  format: ExportFormat;
  maxRows: number | null;
  sent: number;
  headerSent: boolean;
}
const exports = new Map<number, OpenExport>();
let nextExportId = 1;

function nextChunk(open: OpenExport): string | null {
  if (open.sent < 0) return null; // finished
  let chunk = open.headerSent ? "" : exportHeader(open.format);
  open.headerSent = true;
  for (let i = 0; i < EXPORT_CHUNK_ROWS; i++) {
    if (open.maxRows !== null && open.sent >= open.maxRows) {
      const next = open.rows.next();
      open.rows.return?.();
      open.sent = -1;
      return chunk + (next.done ? "" : exportCapNotice(open.format, open.maxRows));
    }
    const next = open.rows.next();
    if (next.done) {
      open.sent = -1;
      return chunk;
    }
    chunk += exportLine(open.format, next.value);
    open.sent += 1;
  }
  return chunk;
}

type Handlers = { [K in keyof ReaderOperations]: (args: ReaderOperations[K]["args"]) => ReaderOperations[K]["result"] | Promise<ReaderOperations[K]["result"]> };

const handlers: Handlers = {
  page: (args) => listPage(reader, args),
  find: ({ key }) => findRequest(reader, key),
  usage: (args) => usageReport(reader, args),
  exportOpen: ({ filters, format, maxRows }) => {
    const id = nextExportId++;
    exports.set(id, { rows: iterateStoredRows(reader, filters)[Symbol.iterator](), format, maxRows, sent: 0, headerSent: false });
    return id;
  },
  exportNext: ({ exportId }) => {
    const open = exports.get(exportId);
    if (!open) return null;
    const chunk = nextChunk(open);
    if (chunk === null || (open.sent < 0 && chunk === "")) {
      exports.delete(exportId);
      return null;
    }
    return chunk;
  },
  exportClose: ({ exportId }) => {
    exports.get(exportId)?.rows.return?.();
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
    try {
      const handler = handlers[request.op] as (args: unknown) => unknown;
      response = { id: request.id, ok: true, result: await handler(request.args) };
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      response = { id: request.id, ok: false, error: { name: err.name, message: err.message } };
    }
    parentPort?.postMessage(response);
  })();
});

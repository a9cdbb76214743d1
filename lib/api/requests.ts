import { z } from "zod";
import { getRequestLog, listRequestLogRows, listRequestLogs, type RequestLog, type RequestLogFilters } from "@/lib/db/queries/request-logs";
import { REQUEST_LOG_LIST_COLUMNS, REQUEST_LOG_OUTCOMES } from "@/lib/request-log/record";
import { ApiError } from "./envelope";
import { apiRoute } from "./route";

/** A request-log row as the browser receives it: JSON turns its dates into ISO strings. */
export type RequestLogJson = {
  [K in keyof RequestLog]: RequestLog[K] extends Date ? string : RequestLog[K] extends Date | null ? string | null : RequestLog[K];
};

/** GET /api/requests as JSON: one page of rows, newest first. */
export interface RequestLogPageJson {
  rows: RequestLogJson[];
  nextCursor: string | null;
}

const list = (value: string | undefined) => (value ? value.split(",").map((v) => v.trim()).filter(Boolean) : undefined);

const filtersQuery = z.object({
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
  model: z.string().min(1).optional(),
  backend: z.string().min(1).optional(),
  client: z.string().min(1).optional(),
  outcome: z.string().optional().transform(list).pipe(z.array(z.enum(REQUEST_LOG_OUTCOMES)).optional()),
  status: z
    .string()
    .optional()
    .transform((value) => list(value)?.map(Number))
    .pipe(z.array(z.int({ error: "status must be HTTP status codes, comma-separated" })).optional()),
  stream: z.enum(["true", "false"]).optional().transform((v) => (v === undefined ? undefined : v === "true")),
  q: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().optional(),
});

function toFilters(query: z.output<typeof filtersQuery>): { filters: RequestLogFilters; limit: number; cursor: string | undefined } {
  return {
    limit: query.limit,
    cursor: query.cursor,
    filters: {
      from: query.from,
      to: query.to,
      model: query.model,
      backend: query.backend,
      clientAddress: query.client,
      outcome: query.outcome,
      status: query.status,
      stream: query.stream,
      errorText: query.q,
    },
  };
}

/** GET /api/requests: the request log, newest first, filtered, with keyset pagination (`nextCursor`). */
export const listRequests = apiRoute({ query: filtersQuery }, async ({ switchyard, query }) => listRequestLogs(toFilters(query), switchyard.db));

/** GET /api/requests/{id}: one request with every field. */
export const getRequest = apiRoute({ params: z.object({ id: z.string().min(1) }) }, async ({ switchyard, params: { id } }) => {
  const row = await getRequestLog(id, switchyard.db);
  if (!row) throw new ApiError("not_found", `no request with id ${id}`);
  return row;
});

// Every column but the captured bodies: they are large and private, and the detail view shows them.
const csvColumns = REQUEST_LOG_LIST_COLUMNS;

const EXPORT_LIMIT = 100_000;

/** GET /api/requests/export.csv: the filtered rows as CSV, streamed page by page (at most 100,000 rows). */
export const exportRequestsCsv = apiRoute({ query: filtersQuery }, async ({ switchyard, query }) => {
  const { filters } = toFilters(query);
  const encoder = new TextEncoder();
  let cursor: string | null = null;
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(`${csvColumns.join(",")}\n`));
    },
    async pull(controller) {
      const page = await listRequestLogRows({ filters, limit: 500, cursor }, switchyard.db);
      controller.enqueue(encoder.encode(page.rows.map((row) => csvColumns.map((c) => csvCell(row[c])).join(",")).join("\n") + (page.rows.length ? "\n" : "")));
      sent += page.rows.length;
      cursor = page.nextCursor;
      if (!cursor || sent >= EXPORT_LIMIT) controller.close();
    },
  });
  return new Response(body, {
    headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="switchyard-requests.csv"` },
  });
});

/** A CSV cell; text a spreadsheet would run as a formula (any client can plant it via its User-Agent) is defused. */
function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  const raw = value instanceof Date ? value.toISOString() : String(value);
  const text = typeof value === "string" && /^[=+\-@\t\r]/.test(raw) ? `'${raw}` : raw;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

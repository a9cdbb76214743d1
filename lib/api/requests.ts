import { z } from "zod";
import type { EnergyPrice } from "@/lib/config/energy-price";
import { EXPORT_CONTENT_TYPES } from "@/lib/db/request-log/export-format";
import type { RequestLogFilters } from "@/lib/db/request-log/queries";
import type { RequestDetail } from "@/lib/db/request-log/reader";
import type { RequestLogRow } from "@/lib/db/request-log/rows";
import type { UsageReport } from "@/lib/db/request-log/usage";
import { REQUEST_LOG_OUTCOMES } from "@/lib/request-log/record";
import { ROLLUP_DIMENSIONS } from "@/lib/request-log/rollup";
import { ApiError } from "./envelope";
import { apiRoute } from "./route";
import { usageGroupLabels } from "./usage-labels";

// The request log over the API. Every read runs on the request log's reader worker (lib/db/request-log), so an
// operator paging, searching or exporting never holds up the gateway.

type Json<T> = { [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K] };

/** A request-log row as the browser receives it: JSON turns its dates into ISO strings. */
export type RequestLogJson = Json<RequestLogRow>;
/** One request with its captured bodies (GET /api/requests/{id}). */
export type RequestDetailJson = Json<RequestDetail>;

/** GET /api/requests as JSON: one page of rows, newest first. */
export interface RequestLogPageJson {
  rows: RequestLogJson[];
  nextCursor: string | null;
}

/** GET /api/usage: the report, the configured price of a kWh (null: none), and names for groups that are ids (API keys). */
export type UsageReportJson = UsageReport & { energyPrice: EnergyPrice | null; groupLabels: Record<string, string> };

const list = (value: string | undefined) => (value ? value.split(",").map((v) => v.trim()).filter(Boolean) : undefined);
const strings = z.string().optional().transform(list);

/** `status=404,5xx`: exact codes and whole classes. */
const statusFilter = z
  .string()
  .optional()
  .transform(list)
  .pipe(z.array(z.string().regex(/^([1-5]xx|[1-5]\d\d)$/, { error: "status must be HTTP status codes or classes (4xx), comma-separated" })).optional())
  .transform((values) => ({
    status: values?.filter((v) => !v.endsWith("xx")).map(Number),
    statusClass: values?.filter((v) => v.endsWith("xx")).map((v) => Number(v[0])),
  }));

const filtersQuery = z.object({
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
  model: strings,
  route: strings,
  backend: strings,
  client: strings,
  key: strings,
  outcome: z.string().optional().transform(list).pipe(z.array(z.enum(REQUEST_LOG_OUTCOMES)).optional()),
  status: statusFilter,
  stream: z.enum(["true", "false"]).optional().transform((v) => (v === undefined ? undefined : v === "true")),
  requestId: z.string().min(1).max(128).optional(),
  q: z.string().min(1).max(200).optional(),
});

const nonEmpty = <T>(values: T[] | undefined) => (values && values.length > 0 ? values : undefined);

function toFilters(query: z.output<typeof filtersQuery>): RequestLogFilters {
  return {
    from: query.from,
    to: query.to,
    model: query.model,
    route: query.route,
    backend: query.backend,
    clientAddress: query.client,
    apiKeyId: query.key,
    outcome: query.outcome,
    status: nonEmpty(query.status.status),
    statusClass: nonEmpty(query.status.statusClass),
    stream: query.stream,
    clientRequestId: query.requestId,
    errorText: query.q,
  };
}

const pageQuery = filtersQuery.extend({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().optional(),
});

/** GET /api/requests: the request log, newest first, filtered, with keyset pagination (`nextCursor`). */
export const listRequests = apiRoute({ query: pageQuery }, async ({ switchyard, query }) =>
  switchyard.requestLogReader.call("page", { filters: toFilters(query), limit: query.limit, cursor: query.cursor }),
);

/** GET /api/requests/{id}: one request with every field and its captured bodies, by Switchyard's id or the client's x-request-id. */
export const getRequest = apiRoute({ params: z.object({ id: z.string().min(1).max(128) }) }, async ({ switchyard, params: { id } }) => {
  const row = await switchyard.requestLogReader.call("find", { key: id });
  if (!row) throw new ApiError("not_found", `no request with id ${id}`);
  return row;
});

const exportQuery = filtersQuery.extend({
  format: z.enum(["csv", "ndjson"]).default("csv"),
});

/**
 * GET /api/requests/export?format=csv|ndjson: every row matching the filters, newest first, streamed from one cursor
 * on the reader worker as the client reads (no cap; captured bodies are never exported).
 */
export const exportRequests = apiRoute({ query: exportQuery }, async ({ switchyard, query }) => {
  const body = switchyard.requestLogReader.exportStream(toFilters(query), query.format, null);
  return new Response(body, {
    headers: { "content-type": EXPORT_CONTENT_TYPES[query.format], "content-disposition": `attachment; filename="switchyard-requests.${query.format}"` },
  });
});

const RANGE_MS = { "1h": 3_600_000, "6h": 6 * 3_600_000, "24h": 86_400_000, "7d": 7 * 86_400_000, "30d": 30 * 86_400_000 } as const;
/** A point per bucket: 24 to 180 points whatever the range; 15 minutes and more read the narrow usage table. */
const DEFAULT_BUCKET_MS: Record<keyof typeof RANGE_MS, number> = { "1h": 60_000, "6h": 900_000, "24h": 900_000, "7d": 3_600_000, "30d": 4 * 3_600_000 };

const usageQuery = z
  .object({
    range: z.enum(Object.keys(RANGE_MS) as [keyof typeof RANGE_MS]).default("24h"),
    from: z.coerce.date().optional(),
    to: z.coerce.date().optional(),
    bucketMinutes: z.coerce.number().int().min(1).max(1440).optional(),
    groupBy: z.enum(ROLLUP_DIMENSIONS).optional(),
  })
  .refine((query) => !query.from || !query.to || query.from < query.to, { error: "from must be before to", path: ["from"] });

/**
 * GET /api/usage?range=24h&groupBy=apiKeyId: requests, errors, tokens, energy and TTFT/duration percentiles over
 * time and in total, from the per-minute rollups (never the raw log). `from`/`to` override the range.
 */
export const getUsage = apiRoute({ query: usageQuery }, async ({ switchyard, query }): Promise<UsageReportJson> => {
  const to = query.to ?? new Date();
  const from = query.from ?? new Date(to.getTime() - RANGE_MS[query.range]);
  const bucketMs = query.bucketMinutes ? query.bucketMinutes * 60_000 : DEFAULT_BUCKET_MS[query.range];
  const report = await switchyard.requestLogReader.call("usage", { from, to, bucketMs, groupBy: query.groupBy });
  return { ...report, energyPrice: switchyard.config().energyPrice, groupLabels: await usageGroupLabels(report, switchyard.db) };
});

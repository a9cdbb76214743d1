import { percentile } from "../stats";
import type { ApiClient } from "./api-client";
import { iso, type Probes } from "./probes";

/**
 * The console's reads of the request log, each timed from the client: list pages with every filter (rotating over
 * a few values, rare ones included), a page 1,000 pages deep, request details, the overview's data and the usage
 * charts. Each measure warms its route first (Next loads a route's code on first use), then takes its samples.
 */

export type MeasureGroup = "list" | "deep" | "detail" | "overview" | "usage";

export interface LatencyMeasure {
  name: string;
  group: MeasureGroup;
  count: number;
  p50: number;
  p95: number;
  max: number;
  /** The fewest rows a sampled page held (lists only): 0 would mean a filter value that matches nothing. */
  minRows?: number;
  /** Informational rows carry no target. */
  informational?: boolean;
  note?: string;
}

const DAY = 86_400_000;
const WARMUP = 3;

export function summarizeMs(name: string, group: MeasureGroup, samples: number[], extra: Partial<LatencyMeasure> = {}): LatencyMeasure {
  const sorted = [...samples].sort((a, b) => a - b);
  return { name, group, count: sorted.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted.at(-1) ?? Number.NaN, ...extra };
}

async function sample(api: ApiClient, paths: string[], samples: number, onBody?: (body: unknown) => void): Promise<number[]> {
  for (let i = 0; i < WARMUP; i++) await api.json(paths[i % paths.length]!);
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    const { ms, body } = await api.json(paths[i % paths.length]!);
    out.push(ms);
    onBody?.(body);
  }
  return out;
}

const q = (params: Record<string, string | number>) => `?${new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString()}`;
const page = (params: Record<string, string | number> = {}) => `/api/requests${q({ limit: 50, ...params })}`;

/** Every filter of GET /api/requests, each with the values it rotates over. */
export function listFilters(probes: Probes): { name: string; paths: string[] }[] {
  const end = probes.endMs;
  const day = (n: number) => ({ from: iso(end - (n + 1) * DAY), to: iso(end - n * DAY) });
  return [
    { name: "first page, no filter", paths: [page()] },
    { name: "filter from/to (one day)", paths: [1, 6, 13, 27].map((n) => page(day(n))) },
    { name: "filter model", paths: ["auto", "fast", "reasoning", "qwen2.5-7b-instruct", "qwen2.5-32b-instruct-awq", "gpt-4o-mini"].map((model) => page({ model })) },
    { name: "filter route", paths: ["fast", "reasoning", "auto"].map((route) => page({ route })) },
    { name: "filter backend", paths: ["qwen-7b", "qwen-14b", "qwen-32b"].map((backend) => page({ backend })) },
    { name: "filter client (address)", paths: probes.addresses.map((client) => page({ client })) },
    { name: "filter key", paths: probes.keyIds.map((key) => page({ key })) },
    { name: "filter outcome", paths: ["served", "client_abort", "rejected", "bad_request", "upstream_error", "timeout", "interrupted"].map((outcome) => page({ outcome })) },
    { name: "filter status class (4xx, 5xx)", paths: ["4xx", "5xx", "4xx,5xx"].map((status) => page({ status })) },
    { name: "filter status code (429, 504, 499)", paths: ["429", "504", "499"].map((status) => page({ status })) },
    { name: "filter stream", paths: ["true", "false"].map((stream) => page({ stream })) },
    { name: "filter requestId (x-request-id)", paths: probes.clientRequestIds.map((requestId) => page({ requestId })) },
    { name: "filter q (error text)", paths: ["closed", "timeout", "context length", "queue is full"].map((text) => page({ q: text })) },
    { name: "combined: key + outcome", paths: probes.keyIds.map((key) => page({ key, outcome: "client_abort" })) },
    { name: "combined: model + 5xx + one day", paths: [2, 9].map((n) => page({ model: "auto", status: "5xx", ...day(n) })) },
    { name: "combined: backend + stream + q", paths: ["qwen-7b", "qwen-32b"].map((backend) => page({ backend, stream: "true", q: "closed" })) },
  ];
}

export async function measureLists(api: ApiClient, probes: Probes, samples: number, log: (m: string) => void): Promise<LatencyMeasure[]> {
  const results: LatencyMeasure[] = [];
  for (const filter of listFilters(probes)) {
    let minRows = Infinity;
    const ms = await sample(api, filter.paths, Math.max(samples, filter.paths.length), (body) => {
      minRows = Math.min(minRows, (body as { rows: unknown[] }).rows.length);
    });
    results.push(summarizeMs(filter.name, "list", ms, { minRows }));
    log(`${filter.name}: p95 ${results.at(-1)!.p95.toFixed(1)} ms (fewest rows on a page: ${minRows})`);
  }
  return results;
}

/** The worst a search can do: text that is nowhere, so the walk reads every row. One sample; no target of its own. */
export async function measureSearchWithoutMatch(api: ApiClient): Promise<LatencyMeasure> {
  const { ms } = await api.json(page({ q: "no-such-error-text" }));
  return summarizeMs("q matching no row (worst case, 1 sample)", "list", [ms], { informational: true });
}

/** Pages 1..1000 cursor after cursor, then page 1,000 again and again (a smaller log: its last page). */
export async function measureDeepPage(api: ApiClient, label: string, params: Record<string, string | number>, samples: number): Promise<{ walk: LatencyMeasure; deep: LatencyMeasure }> {
  let cursor: string | null = null;
  let depth = 1;
  const walk: number[] = [];
  for (; depth < 1000; depth++) {
    const result: { ms: number; body: { nextCursor: string | null } } = await api.json(page({ ...params, ...(cursor ? { cursor } : {}) }));
    walk.push(result.ms);
    if (!result.body.nextCursor) break;
    cursor = result.body.nextCursor;
  }
  const deepPath = page({ ...params, ...(cursor ? { cursor } : {}) });
  const name = depth >= 1000 ? `page 1,000 (50k rows deep)${label}` : `page ${depth} (the last: the log is smaller)${label}`;
  return {
    walk: summarizeMs(`pages 1-${walk.length} in turn${label}`, "deep", walk),
    deep: summarizeMs(name, "deep", await sample(api, [deepPath], samples)),
  };
}

export async function measureDetails(api: ApiClient, probes: Probes, samples: number): Promise<LatencyMeasure> {
  const paths = [...probes.ids.slice(0, 10), ...probes.idsWithBody, ...probes.clientRequestIds.slice(0, 5)].map((id) => `/api/requests/${encodeURIComponent(String(id))}`);
  return summarizeMs("request detail (by id, with bodies, by x-request-id)", "detail", await sample(api, paths, samples));
}

/** What the overview page loads at once (components/overview): status, GPU history, restarts, watchdog events, the gateway's last minutes. */
export async function measureOverview(api: ApiClient, probes: Probes, samples: number): Promise<LatencyMeasure> {
  const thisMinute = Math.floor((probes.endMs - 1) / 60_000) * 60_000;
  const paths = [
    "/api/status",
    "/api/gpus/history?range=15m",
    "/api/modes/switches?kind=restart&limit=50",
    "/api/lab-events?kind=watchdog_restart&limit=50",
    `/api/usage${q({ from: iso(thisMinute - 60_000), to: iso(thisMinute + 60_000) })}`,
  ];
  const once = async () => {
    const started = performance.now();
    await Promise.all(paths.map((path) => api.json(path)));
    return performance.now() - started;
  };
  for (let i = 0; i < WARMUP; i++) await once();
  const out: number[] = [];
  for (let i = 0; i < samples; i++) out.push(await once());
  return summarizeMs("overview's data (5 calls in parallel)", "overview", out);
}

export async function measureUsage(api: ApiClient, probes: Probes, samples: number): Promise<LatencyMeasure[]> {
  const window = { from: iso(probes.endMs - DAY), to: iso(probes.endMs), bucketMinutes: 15 };
  const results: LatencyMeasure[] = [];
  for (const [name, groupBy] of [["24-hour usage chart", null], ["24-hour usage chart by backend", "backend"], ["24-hour usage chart by key", "apiKeyId"]] as const) {
    const path = `/api/usage${q({ ...window, ...(groupBy ? { groupBy } : {}) })}`;
    results.push(summarizeMs(name, "usage", await sample(api, [path], samples)));
  }
  const week = `/api/usage${q({ from: iso(probes.endMs - 7 * DAY), to: iso(probes.endMs), bucketMinutes: 60 })}`;
  results.push(summarizeMs("7-day usage chart", "usage", await sample(api, [week], Math.max(5, Math.floor(samples / 4))), { informational: true }));
  return results;
}

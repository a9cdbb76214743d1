import type { z } from "zod";
import { getSwitchyard } from "@/lib/app/instance";
import { assertAllowedHost } from "@/lib/auth/allowed-hosts";
import type { Switchyard } from "@/lib/app/switchyard";
import type { AdminIdentity } from "@/lib/auth/admin";
import { readBodyUpTo } from "@/lib/http/read-limited";
import { ApiError, apiErrorResponse, toApiError, WithStatus, type ApiEnvelope } from "./envelope";

/** What Next.js hands a route handler: the dynamic segments, already percent-decoded once. */
export interface NextRouteContext {
  params?: Promise<Record<string, string | string[] | undefined>>;
}

export interface ApiRouteContext<Params, Query, Body> {
  request: Request;
  switchyard: Switchyard;
  /** Who is asking (null on public routes): the audit trail records it. */
  admin: AdminIdentity | null;
  params: Params;
  query: Query;
  body: Body;
}

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface ApiRouteSpec<P, Q, B, R> {
  /** "admin" (default): a console session or the admin token, and same-origin for changes. */
  access?: "admin" | "public";
  params?: P;
  query?: Q;
  body?: B;
  /** The shape of `data`: the answer is parsed through it, so nothing undeclared (a hash, a body) leaves. */
  response?: z.ZodType<R>;
  /** Headers on every answer of this route, errors included. */
  headers?: Record<string, string>;
}

/** Bodies the admin API accepts are small JSON documents (a route table is a few kB). */
export const MAX_API_BODY_BYTES = 1024 * 1024;

/**
 * The one wrapper of every /api route: the Host check (DNS rebinding), admin access, then params, query and JSON body parsed by their zod
 * schemas (a bad one is a 400 naming the field), then the handler with the Switchyard of this process. The
 * handler returns its data (or `WithStatus`, or a whole Response for streams); every error becomes the
 * envelope's error with its status (and Retry-After), an unexpected one a logged 500.
 */
export function apiRoute<P extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined, B extends z.ZodType | undefined = undefined, R = unknown>(
  spec: ApiRouteSpec<P, Q, B, R>,
  handler: (context: ApiRouteContext<Parsed<P>, Parsed<Q>, Parsed<B>>) => Promise<R | WithStatus<R> | Response>,
): (request: Request, context?: NextRouteContext) => Promise<Response> {
  const headers = spec.headers ?? {};
  return async (request, context) => {
    try {
      const switchyard = await getSwitchyard();
      assertAllowedHost(request, switchyard.config().server.allowedHosts);
      const admin = spec.access !== "public" ? await switchyard.adminAuth.require(request) : null;
      const params = (spec.params ? spec.params.parse((await context?.params) ?? {}) : undefined) as Parsed<P>;
      const query = (spec.query ? spec.query.parse(Object.fromEntries(new URL(request.url).searchParams)) : undefined) as Parsed<Q>;
      const body = (spec.body ? spec.body.parse(await readJsonBody(request)) : undefined) as Parsed<B>;
      const result = await handler({ request, switchyard, admin, params, query, body });
      if (result instanceof Response) return result;
      const { status, data, extraHeaders } = result instanceof WithStatus ? { status: result.status, data: result.data, extraHeaders: result.headers } : { status: 200, data: result, extraHeaders: {} };
      const shaped = spec.response ? spec.response.parse(data) : data;
      return Response.json({ data: shaped } satisfies ApiEnvelope<unknown>, { status, headers: headerList({ ...headers, ...extraHeaders }) });
    } catch (error) {
      const apiError = toApiError(error);
      if (apiError.code === "internal_error") console.error(`[api] ${request.method} ${new URL(request.url).pathname} failed`, error);
      return apiErrorResponse(apiError, headers);
    }
  };
}

/** The JSON body, at most MAX_API_BODY_BYTES (413 beyond, without reading the rest); a bad one is a 400. */
async function readJsonBody(request: Request): Promise<unknown> {
  const bytes = await readBodyUpTo(request, MAX_API_BODY_BYTES);
  if (!bytes) throw new ApiError("payload_too_large", `The request body is larger than ${MAX_API_BODY_BYTES / 1024} KiB.`);
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch {
    throw new ApiError("bad_request", "The request body is not valid JSON.");
  }
}

/** Headers with a repeated name (several Set-Cookie values) as the list a Response takes. */
function headerList(headers: Record<string, string | string[]>): [string, string][] {
  return Object.entries(headers).flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map((one): [string, string] => [name, one]));
}

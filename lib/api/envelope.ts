import { ZodError } from "zod";
import { requireAdmin } from "@/lib/auth/admin-access";
import { InvalidCursorError } from "@/lib/db/queries/keyset-cursor";
import { LabInvalidRequestError, LabNotFoundError, OperationConflictError } from "@/lib/lab/errors";
import { BrandedError } from "@/lib/errors/branded-error";

/**
 * The admin API's envelope: `{ "data": ... }` on success, `{ "error": { "code", "message" } }` on failure.
 * Handlers return data (or an `accepted(...)` result) or throw; `adminRoute` does the formatting once, and
 * `toApiError` is the one table from error classes to statuses.
 */

export const apiErrorStatuses = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  unavailable: 503,
  internal_error: 500,
} as const;

export type ApiErrorCode = keyof typeof apiErrorStatuses;

export class ApiError extends BrandedError {
  static override readonly brand = "switchyard.ApiError";
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export interface ApiEnvelope<T> {
  data: T;
}

/** A handler result sent with a status other than 200 (202 Accepted for operations that run on). */
export class WithStatus<T> {
  constructor(
    readonly status: number,
    readonly data: T,
  ) {}
}

export function accepted<T>(data: T): WithStatus<T> {
  return new WithStatus(202, data);
}

export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof LabNotFoundError) return new ApiError("not_found", error.message);
  if (error instanceof OperationConflictError) return new ApiError("conflict", error.message);
  if (error instanceof LabInvalidRequestError) return new ApiError("bad_request", error.message);
  if (error instanceof InvalidCursorError) return new ApiError("bad_request", error.message);
  if (error instanceof ZodError) {
    const issue = error.issues[0];
    return new ApiError("bad_request", `${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"}`);
  }
  return new ApiError("internal_error", "Internal error; see the server log.");
}

/**
 * Wraps an admin handler: admin access (a console session or the admin token, and same-origin for changes) unless
 * the route is public, then the JSON envelope, typed errors to statuses, unexpected errors to a logged 500.
 */
export function adminRoute<Context, T>(
  handler: (request: Request, context: Context) => Promise<T | WithStatus<T> | Response>,
  options: { access?: "admin" | "public" } = {},
) {
  return async (request: Request, context: Context): Promise<Response> => {
    try {
      if (options.access !== "public") await requireAdmin(request);
      const result = await handler(request, context);
      if (result instanceof Response) return result;
      if (result instanceof WithStatus) return Response.json({ data: result.data } satisfies ApiEnvelope<T>, { status: result.status });
      return Response.json({ data: result } satisfies ApiEnvelope<T>);
    } catch (error) {
      const apiError = toApiError(error);
      if (apiError.code === "internal_error") console.error(`[api] ${request.method} ${new URL(request.url).pathname} failed`, error);
      return Response.json({ error: { code: apiError.code, message: apiError.message } }, { status: apiErrorStatuses[apiError.code] });
    }
  };
}

/** Reads and validates a JSON body; a bad one is a 400 naming the problem. */
export async function readJson(request: Request): Promise<unknown> {
  try {
    return await request.json();
  } catch {
    throw new ApiError("bad_request", "The request body is not valid JSON.");
  }
}

export type RouteParams<T extends Record<string, string>> = { params: Promise<T> };

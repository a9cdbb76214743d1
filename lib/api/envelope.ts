import { ZodError } from "zod";
import { AuthError, type AuthErrorKind } from "@/lib/auth/errors";
import { InvalidCursorError } from "@/lib/db/queries/keyset-cursor";
import { BrandedError } from "@/lib/errors/branded-error";
import { LabInvalidRequestError, LabNotFoundError, OperationConflictError } from "@/lib/lab/errors";

/**
 * The admin API's envelope: `{ "data": ... }` on success, `{ "error": { "code", "message" } }` on failure.
 * `toApiError` is the one table from the domain errors of lib/ to the API's codes and statuses.
 */

export const apiErrorStatuses = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  misdirected: 421,
  payload_too_large: 413,
  rate_limited: 429,
  unavailable: 503,
  internal_error: 500,
} as const;

export type ApiErrorCode = keyof typeof apiErrorStatuses;

/** One field that made a request invalid: its dotted path in the body (or the config, for config edits) and why. */
export interface ApiFieldIssue {
  path: string;
  message: string;
}

export class ApiError extends BrandedError {
  static override readonly brand = "switchyard.ApiError";
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly options: { retryAfterSeconds?: number; issues?: ApiFieldIssue[] } = {},
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export interface ApiEnvelope<T> {
  data: T;
}

export interface ApiErrorBody {
  /** `issues`: every invalid field, for forms that show each error beside its field. */
  error: { code: ApiErrorCode; message: string; issues?: ApiFieldIssue[] };
}

/** A handler result sent with a status other than 200 (202 Accepted for operations that run on). */
export class WithStatus<T> {
  constructor(
    readonly status: number,
    readonly data: T,
    /** An array sends the header once per value (Set-Cookie). */
    readonly headers: Record<string, string | string[]> = {},
  ) {}
}

export function accepted<T>(data: T): WithStatus<T> {
  return new WithStatus(202, data);
}

const authErrorCodes: Record<AuthErrorKind, ApiErrorCode> = {
  not_authorized: "unauthorized",
  wrong_password: "unauthorized",
  missing_api_key: "unauthorized",
  invalid_api_key: "unauthorized",
  cross_origin: "forbidden",
  model_not_allowed: "forbidden",
  login_disabled: "bad_request",
  login_rate_limited: "rate_limited",
  misdirected_host: "misdirected",
};

export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof AuthError) return new ApiError(authErrorCodes[error.kind], error.message, { retryAfterSeconds: error.options.retryAfterSeconds });
  if (error instanceof LabNotFoundError) return new ApiError("not_found", error.message);
  if (error instanceof OperationConflictError) return new ApiError("conflict", error.message);
  if (error instanceof LabInvalidRequestError) return new ApiError("bad_request", error.message);
  if (error instanceof InvalidCursorError) return new ApiError("bad_request", error.message);
  if (error instanceof ZodError) {
    const issue = error.issues[0];
    const issues = error.issues.map((one) => ({ path: one.path.map(String).join("."), message: one.message }));
    return new ApiError("bad_request", `${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"}`, { issues });
  }
  return new ApiError("internal_error", "Internal error; see the server log.");
}

/** The error answer, with Retry-After when the error says when to come back. */
export function apiErrorResponse(error: ApiError, headers: Record<string, string> = {}): Response {
  const retryAfter = error.options.retryAfterSeconds;
  const issues = error.options.issues;
  return Response.json({ error: { code: error.code, message: error.message, ...(issues ? { issues } : {}) } } satisfies ApiErrorBody, {
    status: apiErrorStatuses[error.code],
    headers: { ...headers, ...(retryAfter !== undefined ? { "retry-after": String(retryAfter) } : {}) },
  });
}

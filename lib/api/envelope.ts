/**
 * The admin API's envelope: `{ "data": ... }` on success, `{ "error": { "code", "message" } }` on failure.
 * Handlers return data or throw ApiError; `adminRoute` does the formatting once.
 */

export const apiErrorStatuses = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unavailable: 503,
  internal_error: 500,
} as const;

export type ApiErrorCode = keyof typeof apiErrorStatuses;

export class ApiError extends Error {
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

/** Wraps an admin handler: JSON envelope, typed errors to statuses, unexpected errors to a logged 500. */
export function adminRoute<Context, T>(handler: (request: Request, context: Context) => Promise<T>) {
  return async (request: Request, context: Context): Promise<Response> => {
    try {
      const data = await handler(request, context);
      return Response.json({ data } satisfies ApiEnvelope<T>);
    } catch (error) {
      const apiError = error instanceof ApiError ? error : new ApiError("internal_error", "Internal error; see the server log.");
      if (!(error instanceof ApiError)) console.error(`[api] ${request.method} ${new URL(request.url).pathname} failed`, error);
      return Response.json({ error: { code: apiError.code, message: apiError.message } }, { status: apiErrorStatuses[apiError.code] });
    }
  };
}

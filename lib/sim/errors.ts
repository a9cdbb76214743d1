import type { VllmProfile } from "./profiles";

/**
 * The simulator's typed errors. One table maps each code to the HTTP status and the `type` vLLM puts in its
 * error envelope; handlers throw, the server renders once (see `renderError`).
 */
const ERROR_TABLE = {
  /** vLLM's own checks (`create_error_response`): context length, tool choice, unsupported API. */
  bad_request: { status: 400, type: "BadRequestError" },
  /** FastAPI/pydantic validation: bad JSON, wrong types, wrong content type. */
  invalid_request: { status: 400, type: "Bad Request" },
  model_not_found: { status: 404, type: "NotFoundError" },
  engine_error: { status: 500, type: "InternalServerError" },
} as const;

export type SimErrorCode = keyof typeof ERROR_TABLE;

export class SimError extends Error {
  readonly status: number;
  readonly type: string;

  constructor(
    readonly code: SimErrorCode,
    message: string,
    readonly param: string | null = null,
  ) {
    super(message);
    this.name = "SimError";
    this.status = ERROR_TABLE[code].status;
    this.type = ERROR_TABLE[code].type;
  }
}

export const ENGINE_DEAD_MESSAGE = "EngineCore encountered an issue. See stack trace (above) for the root cause.";

export function modelNotFound(model: string): SimError {
  return new SimError("model_not_found", `The model \`${model}\` does not exist.`);
}

/**
 * vLLM v0.10.1+ wraps errors in `{"error": {...}}`; older versions answered a flat object with `"object":"error"`.
 * Only 2026 releases name the offending parameter (VLLMValidationError); before, `param` was always null.
 */
export function renderError(err: SimError, profile: Pick<VllmProfile, "flatErrors" | "errorParam">): string {
  const param = profile.errorParam ? err.param : null;
  if (profile.flatErrors) {
    return JSON.stringify({ object: "error", message: err.message, type: err.type, param, code: err.status });
  }
  return JSON.stringify({ error: { message: err.message, type: err.type, param, code: err.status } });
}

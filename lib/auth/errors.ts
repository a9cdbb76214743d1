import { BrandedError } from "@/lib/errors/branded-error";

/**
 * Why a caller was refused. Thrown by lib/auth; each surface maps the kind to its own answer once
 * (lib/api/envelope.ts for /api, lib/gateway/errors.ts for /v1), so lib/auth depends on neither.
 */
export type AuthErrorKind =
  /** /api: neither a console session nor the admin token (401). */
  | "not_authorized"
  /** /api: a change that does not come from the console's own pages (403). */
  | "cross_origin"
  /** /api: sign-in with a password when none is configured (400). */
  | "login_disabled"
  /** /api: the password was wrong (401). */
  | "wrong_password"
  /** /api: too many failed sign-ins (429 with Retry-After). */
  | "login_rate_limited"
  /** /api and the console: addressed to a host name that is not Switchyard's own (421; DNS rebinding). */
  | "misdirected_host"
  /** /v1: no API key presented (401). */
  | "missing_api_key"
  /** /v1: an unknown, revoked or expired API key (401). */
  | "invalid_api_key"
  /** /v1: the key does not allow the requested model (403). */
  | "model_not_allowed";

export class AuthError extends BrandedError {
  static override readonly brand = "switchyard.AuthError";
  override readonly name = "AuthError";
  constructor(
    readonly kind: AuthErrorKind,
    message: string,
    readonly options: { retryAfterSeconds?: number; param?: string } = {},
  ) {
    super(message);
  }
}

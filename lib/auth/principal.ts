import type { LabConfig } from "@/lib/config/schema";
import { AuthError } from "./errors";

/** Who is calling /v1. With `auth: open` everyone is the anonymous principal. */
export interface Principal {
  keyId: string | null;
  keyName: string | null;
  /** Model names and aliases this caller may use; null = all. */
  allowedModels: string[] | null;
  /** The admission lane of the caller's requests (absent = interactive). */
  lane?: "interactive" | "batch";
  /** The caller's own limit on requests in flight; null/absent = none. */
  concurrency?: number | null;
  requestsPerMinute?: number | null;
  /** The model used when a request names none. */
  defaultModel?: string | null;
  /** Whether prompts and completions of this caller's requests may be stored. */
  captureBodies?: boolean;
}

export const anonymousPrincipal: Principal = { keyId: null, keyName: null, allowedModels: null };

/**
 * The authentication step of the gateway pipeline. `auth: keys` (the default): the request must carry a valid
 * API key (lib/auth/api-keys.ts) and gets its principal; anything else is an AuthError (401 in OpenAI's shape).
 * `auth: open` is the operator's explicit choice to let anyone on the network in.
 */
export function requestAuthenticator(keys: { authenticate(request: Request): Promise<Principal> }): (request: Request, config: LabConfig) => Promise<Principal> {
  return async (request, config) => (config.auth === "open" ? anonymousPrincipal : keys.authenticate(request));
}

/** 403 when the caller's key does not allow the requested model or alias. */
export function assertModelAllowed(principal: Principal, model: string): void {
  if (principal.allowedModels && !principal.allowedModels.includes(model)) {
    throw new AuthError("model_not_allowed", `This API key may not use "${model}". Allowed: ${principal.allowedModels.join(", ")}.`, { param: "model" });
  }
}

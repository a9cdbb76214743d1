import type { LabConfig } from "@/lib/config/schema";
import { GatewayError } from "@/lib/gateway/errors";

/** Who is calling /v1. With `auth: open` everyone is the anonymous principal. */
export interface Principal {
  keyId: string | null;
  keyName: string | null;
  /** Model names and aliases this caller may use; null = all. */
  allowedModels: string[] | null;
}

export const anonymousPrincipal: Principal = { keyId: null, keyName: null, allowedModels: null };

/**
 * The authentication step of the gateway pipeline. API keys (hashed, per-key limits) are not stored yet,
 * so with `auth: keys` no key can be valid and every request is refused with a message saying how to proceed.
 */
export async function authenticateApiRequest(request: Request, config: LabConfig): Promise<Principal> {
  if (config.auth === "open") return anonymousPrincipal;
  const presented = request.headers.get("authorization") ?? request.headers.get("x-api-key");
  if (!presented) {
    throw new GatewayError("missing_api_key", "This lab requires an API key (Authorization: Bearer <key>). Ask the lab's operator for one.");
  }
  throw new GatewayError("invalid_api_key", "The API key is not valid for this lab.");
}

/** 403 when the caller's key does not allow the requested model or alias. */
export function assertModelAllowed(principal: Principal, model: string): void {
  if (principal.allowedModels && !principal.allowedModels.includes(model)) {
    throw new GatewayError("model_not_allowed", `This API key may not use "${model}". Allowed: ${principal.allowedModels.join(", ")}.`, {
      param: "model",
    });
  }
}

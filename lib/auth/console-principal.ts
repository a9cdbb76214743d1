import type { Principal } from "./principal";

// The console's playground sends its chats through the gateway as this principal: the operator's console session
// authenticated the request (POST /api/playground/chat), so no API key is minted or shown to the browser. The
// request log records it like a key ("console" / "console playground"), so the log's key filter (`key=console`)
// and the usage page's grouping by key find the playground's requests. No API key can have this id: key ids are UUIDs.

export const CONSOLE_KEY_ID = "console";
export const CONSOLE_KEY_NAME = "console playground";

/** Every model, the interactive lane, no per-key limits; prompt capture follows the lab's `requestLog.captureBodies`. */
export const consolePrincipal: Principal = { keyId: CONSOLE_KEY_ID, keyName: CONSOLE_KEY_NAME, allowedModels: null, lane: "interactive" };

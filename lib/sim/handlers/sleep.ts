import type { RequestContext } from "../core";
import { SimError } from "../errors";
import { sendEmpty, sendJson } from "../http";
import { PAUSE_MODES, type PauseMode, type SleepLevel } from "../sleep";

/**
 * vLLM's dev-mode sleep routes (vllm/entrypoints/serve/sleep/api_router.py; registered only with
 * `VLLM_SERVER_DEV_MODE=1`): `POST /sleep?level=&mode=`, `POST /wake_up?tags=`, `GET /is_sleeping`. Sleep and wake
 * answer an empty 200 once the engine has finished; query parameters only, any body is ignored.
 */

export async function handleSleep(ctx: RequestContext): Promise<void> {
  const query = queryOf(ctx);
  const level = parseLevel(query.get("level") ?? "1");
  const mode = parseMode(query.get("mode") ?? "abort");
  await ctx.core.sleep.sleep(level, mode);
  sendEmpty(ctx.res, 200);
}

export async function handleWakeUp(ctx: RequestContext): Promise<void> {
  const tags = queryOf(ctx).getAll("tags");
  // No tags = wake everything, as vLLM's `tags = None`.
  await ctx.core.sleep.wakeUp(tags.length === 0 ? null : tags);
  sendEmpty(ctx.res, 200);
}

export function handleIsSleeping(ctx: RequestContext): void {
  sendJson(ctx.res, 200, JSON.stringify({ is_sleeping: ctx.core.sleep.isSleeping() }));
}

function queryOf(ctx: RequestContext): URLSearchParams {
  const url = ctx.req.url ?? "/";
  const start = url.indexOf("?");
  return new URLSearchParams(start === -1 ? "" : url.slice(start + 1));
}

// vLLM does `int(level)` and passes any pause mode on; a bad value raises and FastAPI answers a bare 500. We answer
// a 400 that says what is wrong instead (README.md, "Sleep mode").
function parseLevel(text: string): SleepLevel {
  const level = Number(text);
  if (text.trim() === "" || !(level === 0 || level === 1 || level === 2)) {
    throw new SimError("bad_request", `level must be 0, 1 or 2, got "${text}"`, "level");
  }
  return level;
}

function parseMode(text: string): PauseMode {
  if (!(PAUSE_MODES as readonly string[]).includes(text)) {
    throw new SimError("bad_request", `Invalid pause mode: ${text} (one of ${PAUSE_MODES.join(", ")})`, "mode");
  }
  return text as PauseMode;
}

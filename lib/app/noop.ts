import { getEnv } from "@/lib/env";
import { readBodyUpTo } from "@/lib/http/read-limited";

const body = JSON.stringify({ id: "noop", object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }] });
/** Completion-sized requests are what the benchmark sends; anything larger is refused unread. */
const MAX_NOOP_BODY_BYTES = 64 * 1024;

/**
 * Reads the request body and answers a fixed completion-sized JSON: what Next.js costs with no gateway work.
 * Only `npm run bench` needs it, so it answers 404 unless SWITCHYARD_BENCH_NOOP=on.
 */
export async function noopRoute(request: Request): Promise<Response> {
  if (getEnv().SWITCHYARD_BENCH_NOOP !== "on") return new Response(null, { status: 404 });
  if (!(await readBodyUpTo(request, MAX_NOOP_BODY_BYTES))) return new Response(null, { status: 413 });
  return new Response(body, { headers: { "content-type": "application/json" } });
}

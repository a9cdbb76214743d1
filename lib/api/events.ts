import { getSwitchyard } from "@/lib/app/switchyard";
import { requireAdmin } from "@/lib/auth/admin-access";
import { apiErrorStatuses, toApiError } from "./envelope";
import { buildStatus } from "./status";

const KEEP_ALIVE_MS = 15_000;

/**
 * GET /api/events: the lab live, as Server-Sent Events (`event: <type>` + JSON data): status changes,
 * operation steps, lab events, GPU samples, backend samples, finished requests. The first event is a
 * full status snapshot, so a console that (re)connects is current at once.
 */
export async function streamEvents(request: Request): Promise<Response> {
  const switchyard = await getSwitchyard();
  try {
    await requireAdmin(request);
  } catch (error) {
    const apiError = toApiError(error);
    return Response.json({ error: { code: apiError.code, message: apiError.message } }, { status: apiErrorStatuses[apiError.code] });
  }
  const encoder = new TextEncoder();
  let unsubscribe = () => {};
  let keepAlive: NodeJS.Timeout | undefined;
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (type: string, data: unknown) => {
        try {
          controller.enqueue(encoder.encode(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`));
        } catch {
          close();
        }
      };
      const close = () => {
        unsubscribe();
        clearInterval(keepAlive);
      };
      unsubscribe = switchyard.bus.subscribe((event) => send(event.type, event.data));
      keepAlive = setInterval(() => send("ping", { at: Date.now() }), KEEP_ALIVE_MS);
      request.signal.addEventListener("abort", close, { once: true });
      send("snapshot", await buildStatus(switchyard));
    },
    cancel() {
      unsubscribe();
      clearInterval(keepAlive);
    },
  });
  return new Response(body, {
    headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", "x-accel-buffering": "no" },
  });
}

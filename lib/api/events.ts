import { apiRoute } from "./route";
import { buildStatus } from "./status";

const KEEP_ALIVE_MS = 15_000;

/**
 * GET /api/events: the lab live, as Server-Sent Events (`event: <type>` + JSON data): status changes,
 * operation steps, lab events, GPU samples, backend samples, finished requests. The first event is a
 * full status snapshot, so a console that (re)connects is current at once.
 */
export const streamEvents = apiRoute({}, async ({ request, switchyard }): Promise<Response> => {
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
});

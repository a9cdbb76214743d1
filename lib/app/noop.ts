const body = JSON.stringify({ id: "noop", object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }] });

/** Reads the request body and answers a fixed completion-sized JSON: what Next.js costs with no gateway work. */
export async function noopRoute(request: Request): Promise<Response> {
  await request.arrayBuffer();
  return new Response(body, { headers: { "content-type": "application/json" } });
}

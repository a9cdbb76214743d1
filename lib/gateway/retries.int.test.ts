import { afterAll, beforeAll, expect, test } from "vitest";
import { startGatewayHarness, type GatewayHarness } from "@/lib/testing/gateway-harness";

/**
 * Which failures move a request to the next candidate. Only those before the request left: once the body may
 * have reached vLLM the prompt may be running, and a second backend would run it again.
 */
let lab: GatewayHarness;

beforeAll(async () => {
  lab = await startGatewayHarness({
    backends: {
      resetting: { servedModel: "resetting-model", sim: { ttftMs: 5, tokensPerSecond: 200, faults: { dropConnectionAfterTokens: 1 } } },
      spare: { servedModel: "spare-model", sim: { ttftMs: 5, tokensPerSecond: 200 } },
    },
    modes: { all: ["resetting", "spare"] },
    routes: { pair: ["resetting", "spare"] },
  });
});

afterAll(async () => {
  await lab?.close();
});

test("a connection reset after the request was sent is a 502 from that backend, never a second run elsewhere", async () => {
  const before = (await lab.sims.spare!.state()).totals.requests;
  const response = await fetch(`${lab.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "pair", max_tokens: 8, messages: [{ role: "user", content: "run me once" }] }),
  });
  expect(response.status).toBe(502);
  expect(((await response.json()) as { error: { type: string } }).error.type).toBe("upstream_error");
  expect((await lab.sims.resetting!.state()).totals.requests).toBeGreaterThanOrEqual(1);
  expect((await lab.sims.spare!.state()).totals.requests).toBe(before);

  await lab.flushLog();
  const row = await lab.prisma.requestLog.findFirstOrThrow({ where: { id: Number(response.headers.get("x-switchyard-log-id")) } });
  expect(row).toMatchObject({ outcome: "upstream_error", backend: "resetting", status: 502 });
});

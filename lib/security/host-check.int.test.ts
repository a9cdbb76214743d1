import http from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { simulatedLabYaml, startAppHarness, type AppHarness } from "@/lib/testing/app-harness";
import { discoverApiCalls, MUTATING_METHODS } from "./api-calls";

/**
 * DNS rebinding against an open console (no password, no token: the case the attack is for). A web page the
 * operator visits re-points its own name at the lab; the browser then sends the page's requests to Switchyard as
 * same-origin, with `Host` and `Origin` both naming the attacker. Every /api route must refuse them (421); the
 * same requests addressed to the lab's own name go through, and /v1 answers under any name.
 */

const apiCalls = await discoverApiCalls({ password: "unused" });
const mutatingCalls = apiCalls.filter((call) => MUTATING_METHODS.has(call.method));
const readingCalls = apiCalls.filter((call) => call.method === "GET");

let app: AppHarness;
let port: number;

beforeAll(async () => {
  app = await startAppHarness({ yaml: (ports) => `${simulatedLabYaml(ports)}server: { allowedHosts: [switchyard.lab.example] }\n` });
  port = Number(new URL(app.url).port);
}, 90_000);

afterAll(async () => {
  await app?.close();
});

interface Answer {
  status: number;
  body: { data?: unknown; error?: { code: string; message: string } } | null;
}

/** node:http, because fetch will not send a Host header of our choosing. */
function sendAs(host: string, call: { method: string; path: string; body?: unknown }): Promise<Answer> {
  const payload = call.body === undefined ? undefined : JSON.stringify(call.body);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: "127.0.0.1",
        port,
        method: call.method,
        path: call.path,
        headers: { host, origin: `http://${host}`, "sec-fetch-site": "same-origin", ...(payload ? { "content-type": "application/json" } : {}) },
        timeout: 15_000,
      },
      (response) => {
        // /api/events streams when let in: its first bytes are enough.
        const streaming = response.headers["content-type"]?.includes("text/event-stream");
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          text += chunk;
          if (streaming) response.destroy();
        });
        const finish = () => {
          let body: Answer["body"] = null;
          try {
            body = JSON.parse(text) as Answer["body"];
          } catch {
            // a stream, or an empty HEAD answer
          }
          resolve({ status: response.statusCode ?? 0, body });
        };
        response.on("end", finish);
        response.on("close", finish);
      },
    );
    request.on("error", reject);
    request.end(payload);
  });
}

const evil = () => `evil.example:${port}`;

async function keyCount(): Promise<number> {
  const listed = await sendAs(`127.0.0.1:${port}`, { method: "GET", path: "/api/keys" });
  return (listed.body?.data as { rows: unknown[] }).rows.length;
}

describe("a rebinding page", () => {
  test.each(mutatingCalls)("$method $pattern with Host and Origin evil.example -> 421, nothing changed", async (call) => {
    const before = { keys: await keyCount(), mode: app.switchyard.controller.currentMode(), operation: app.switchyard.controller.runningOperation() };
    const answer = await sendAs(evil(), call);
    expect(answer.status).toBe(421);
    expect(answer.body?.error?.code).toBe("misdirected");
    expect(answer.body?.error?.message).toContain("server.allowedHosts");
    expect({ keys: await keyCount(), mode: app.switchyard.controller.currentMode(), operation: app.switchyard.controller.runningOperation() }).toEqual(before);
  });

  test.each(readingCalls)("$method $pattern with Host evil.example -> 421: it cannot read what it cannot change", async (call) => {
    const answer = await sendAs(evil(), call);
    expect(answer.status).toBe(421);
  });
});

describe("the lab's own names", () => {
  test("the same key creation addressed to the loopback address, localhost or a configured name goes through", async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `switchyard.lab.example:${port}`]) {
      const created = await sendAs(host, { method: "POST", path: "/api/keys", body: { name: `via-${host.split(":")[0]}` } });
      expect({ host, status: created.status }).toEqual({ host, status: 201 });
    }
  });

  test("a subdomain of a configured name is not the name", async () => {
    expect((await sendAs(`x.switchyard.lab.example:${port}`, { method: "GET", path: "/api/status" })).status).toBe(421);
  });

  test("/v1 answers under any name: clients reach the gateway through names of their own", async () => {
    const models = await sendAs(evil(), { method: "GET", path: "/v1/models" });
    expect(models.status).toBe(200);
    expect((models.body as unknown as { data: { id: string }[] }).data.map((model) => model.id)).toContain("fast");
  });
});

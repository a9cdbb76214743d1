import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { LabStatus } from "@/lib/api/status";
import { simulatedLabYaml, startAppHarness, type AppHarness } from "@/lib/testing/app-harness";
import { waitFor } from "@/lib/testing/wait";

/**
 * On-demand switching on the simulated lab with `auth: keys`: each rule of the policy refuses on its own with a 503
 * naming it, an allowed request switches the lab and is served, and an idle lab returns to its default mode. The
 * tests run in order on one lab (standard -> deep -> standard); the policy is changed by editing the config file.
 */
const TOKEN = "on-demand-suite-admin-token-0123456789abcdef";
const DEEP_ONLY = "qwen2.5-32b-instruct-awq";
const STANDARD_ONLY = "qwen2.5-14b-instruct-awq";

let app: AppHarness;
let switcher: string;
let bystander: string;

interface Policy {
  idleSeconds: number;
  minSecondsBetweenSwitches: number;
  returnToDefaultAfterSeconds: number | null;
}

function labYaml(ports: AppHarness["ports"], policy: Policy): string {
  const onDemand = `onDemand: { enabled: true, idleSeconds: ${policy.idleSeconds}, minSecondsBetweenSwitches: ${policy.minSecondsBetweenSwitches}, allowKeys: [switcher], returnToDefaultAfterSeconds: ${policy.returnToDefaultAfterSeconds ?? "null"} }`;
  return simulatedLabYaml(ports).replace("auth: open", "auth: keys").replace("lab: { drainSeconds: 5,", `lab: { ${onDemand}, drainSeconds: 5,`);
}

function setPolicy(policy: Policy): void {
  fs.writeFileSync(app.configFile, labYaml(app.ports, policy));
  app.switchyard.configStore.reload();
  expect(app.switchyard.config().lab.onDemand).toMatchObject(policy);
}

async function admin<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; data: T }> {
  const response = await fetch(`${app.url}${path}`, {
    method: init.method ?? "GET",
    headers: { authorization: `Bearer ${TOKEN}`, ...(init.body !== undefined ? { "content-type": "application/json" } : {}) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: response.status, data: ((await response.json()) as { data: T }).data };
}

function chat(key: string, model: string, extra: Record<string, unknown> = {}): Promise<Response> {
  return fetch(`${app.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hello" }], max_tokens: 4, ...extra }),
  });
}

async function refusal(response: Response): Promise<{ status: number; retryAfter: string | null; code: string; message: string }> {
  const body = (await response.json()) as { error: { code: string; message: string } };
  return { status: response.status, retryAfter: response.headers.get("retry-after"), code: body.error.code, message: body.error.message };
}

interface SwitchRow {
  id: string;
  kind: string;
  fromMode: string;
  toMode: string;
  requestedBy: string;
  trigger: string | null;
  status: string;
}

const switches = async () => (await admin<{ rows: SwitchRow[] }>("/api/modes/switches?kind=mode_switch")).data.rows;

beforeAll(async () => {
  app = await startAppHarness({ yaml: (ports) => labYaml(ports, { idleSeconds: 2, minSecondsBetweenSwitches: 0, returnToDefaultAfterSeconds: null }), adminSecrets: { token: TOKEN } });
  // These tests need a lab that holds still: no watchdog restart of a backend that was slow to come up.
  for (const id of ["qwen-7b", "qwen-14b", "embed", "qwen-32b"]) expect((await admin(`/api/backends/${id}/watchdog`, { method: "PUT", body: { enabled: false } })).status).toBe(200);
  await waitFor(async () => (await admin<LabStatus>("/api/status")).data.backends.filter((b) => b.inCurrentMode && b.state === "ready").length === 3, "the standard backends ready");
  switcher = (await admin<{ key: string }>("/api/keys", { method: "POST", body: { name: "switcher" } })).data.key;
  bystander = (await admin<{ key: string }>("/api/keys", { method: "POST", body: { name: "bystander" } })).data.key;
}, 90_000);

afterAll(async () => {
  await app?.close();
});

describe("each rule refuses on its own, with a 503 that names it and says how to get the model", () => {
  test("a key not in allowKeys", async () => {
    const answer = await refusal(await chat(bystander, DEEP_ONLY));
    expect(answer).toMatchObject({ status: 503, code: "model_offline" });
    expect(answer.message).toContain(`\`${DEEP_ONLY}\` is served in mode deep; the lab is in standard. Switch in the console or POST /api/modes/deep/activate`);
    expect(answer.message).toContain("on-demand switching refused: the API key bystander is not allowed to trigger switches (lab.onDemand.allowKeys)");
    expect(answer.retryAfter).not.toBeNull();
    expect(app.switchyard.controller.currentMode()).toBe("standard");
  });

  test("the mode served a request less than idleSeconds ago", async () => {
    expect((await chat(switcher, "fast")).status).toBe(200);
    const answer = await refusal(await chat(switcher, DEEP_ONLY));
    expect(answer).toMatchObject({ status: 503, code: "model_offline" });
    expect(answer.message).toMatch(/on-demand switching refused: mode standard served a request \d+ s ago; it must be idle for 2 s \(lab\.onDemand\.idleSeconds\)/);
    expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(answer.retryAfter)).toBeLessThanOrEqual(2);
    expect(app.switchyard.controller.currentMode()).toBe("standard");
  });

  test("an interactive request in flight", async () => {
    const stream = await chat(bystander, "fast", { stream: true, max_tokens: 2000 });
    const reader = stream.body!.getReader();
    await reader.read();
    const answer = await refusal(await chat(switcher, DEEP_ONLY));
    await reader.cancel();
    expect(answer).toMatchObject({ status: 503, code: "model_offline" });
    expect(answer.message).toContain("on-demand switching refused: 1 interactive request(s) in flight in mode standard");
    expect(app.switchyard.controller.currentMode()).toBe("standard");
  });
});

describe("when the policy allows", () => {
  test("the request switches the lab, waits for it and is served; the switch is recorded with its trigger", async () => {
    // idleSeconds is 2: let the mode be idle.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const response = await chat(switcher, DEEP_ONLY, { stream: true });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text.startsWith(": waiting for the on-demand switch to mode deep")).toBe(true);
    expect(text).toContain("data: [DONE]");
    expect(response.headers.get("x-switchyard-log-id")).not.toBeNull();
    expect(app.switchyard.controller.currentMode()).toBe("deep");

    const logId = Number(response.headers.get("x-switchyard-log-id"));
    const [latest] = await switches();
    expect(latest).toMatchObject({ fromMode: "standard", toMode: "deep", requestedBy: "on_demand", status: "succeeded" });
    expect(latest?.trigger).toBe(`request ${logId} for ${DEEP_ONLY} by key switcher`);

    await app.switchyard.requestLog.flush();
    await waitFor(async () => (await app.switchyard.db.requestLog.findUnique({ where: { id: logId } }))?.outcome === "served", "the served row");
    const row = await app.switchyard.db.requestLog.findUnique({ where: { id: logId } });
    expect(row).toMatchObject({ backend: "qwen-32b", mode: "deep", status: 200 });
    expect(row?.routeReason).toMatch(/waited [\d.]+ s for the on-demand switch to mode deep$/);

    const events = (await admin<{ rows: { message: string }[] }>("/api/lab-events?kind=mode_switch")).data.rows;
    expect(events.some((e) => e.message === `on-demand switch standard → deep started: ${latest?.trigger}`)).toBe(true);
  });

  test("too soon after the last switch", async () => {
    setPolicy({ idleSeconds: 0, minSecondsBetweenSwitches: 600, returnToDefaultAfterSeconds: null });
    const answer = await refusal(await chat(switcher, STANDARD_ONLY));
    expect(answer).toMatchObject({ status: 503, code: "model_offline" });
    expect(answer.message).toContain(`\`${STANDARD_ONLY}\` is served in mode standard; the lab is in deep.`);
    expect(answer.message).toMatch(/on-demand switching refused: the last switch ended \d+ s ago; switches are at least 600 s apart \(lab\.onDemand\.minSecondsBetweenSwitches\)/);
    expect(Number(answer.retryAfter)).toBeGreaterThan(500);
    expect(app.switchyard.controller.currentMode()).toBe("deep");
  });
});

describe("the idle return", () => {
  test("a mode other than the default, idle for returnToDefaultAfterSeconds, switches back, recorded as idle_return", async () => {
    setPolicy({ idleSeconds: 0, minSecondsBetweenSwitches: 0, returnToDefaultAfterSeconds: 2 });
    await waitFor(() => app.switchyard.controller.currentMode() === "standard" && app.switchyard.controller.runningOperation() === null, "the return to standard", 40_000);
    const [latest] = await switches();
    expect(latest).toMatchObject({ fromMode: "deep", toMode: "standard", requestedBy: "idle_return", status: "succeeded" });
    expect(latest?.trigger).toMatch(/^mode deep idle for \d+ s \(lab\.onDemand\.returnToDefaultAfterSeconds: 2\)$/);
    const events = (await admin<{ rows: { message: string }[] }>("/api/lab-events?kind=mode_switch")).data.rows;
    expect(events.some((e) => e.message === `idle return deep → standard started: ${latest?.trigger}`)).toBe(true);
    expect((await chat(switcher, STANDARD_ONLY)).status).toBe(200);
  });
});

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { LabStatus } from "@/lib/api/status";
import { simulatedLabYaml, startAppHarness, type AppHarness } from "@/lib/testing/app-harness";
import { waitFor, waitUntil } from "@/lib/testing/wait";

/**
 * What the lab keeps across a restart of Switchyard, on the simulated lab with one SQLite file for two processes'
 * worth of apps: the loads Switchyard does at start-up are measured like an operation's (a `cold_load` per started
 * backend, which the next estimates follow), and the on-demand thrash guard reads the last switch back from the
 * ModeSwitch history, so a restart does not allow an immediate switch.
 */
const MIN_SECONDS_BETWEEN_SWITCHES = 600;
const DEEP_ONLY = "qwen2.5-32b-instruct-awq";
const STANDARD_ONLY = "qwen2.5-14b-instruct-awq";
const LOAD_MS: Record<string, number> = { "qwen-7b": 300, "qwen-14b": 400, "qwen-32b": 600 };

let dir: string;
let dbFile: string;
let app: AppHarness;

function labYaml(ports: AppHarness["ports"]): string {
  const onDemand = `onDemand: { enabled: true, idleSeconds: 0, minSecondsBetweenSwitches: ${MIN_SECONDS_BETWEEN_SWITCHES} }`;
  return simulatedLabYaml({ ...ports, embed: undefined }).replace("lab: { drainSeconds: 5,", `lab: { ${onDemand}, drainSeconds: 5,`);
}

async function status(): Promise<LabStatus> {
  return ((await (await fetch(`${app.url}/api/status`)).json()) as { data: LabStatus }).data;
}

async function modeReady(): Promise<void> {
  await waitFor(async () => (await status()).backends.filter((b) => b.inCurrentMode).every((b) => b.state === "ready"), "the mode's backends ready", 30_000, 200);
}

function chat(model: string): Promise<Response> {
  return fetch(`${app.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, max_tokens: 4, messages: [{ role: "user", content: "hello" }] }),
  });
}

/** The start-up loads on record: `cold_load` rows that no operation wrote. */
async function startupLoads(backendId: string) {
  await app.switchyard.estimates.flush();
  return app.switchyard.db.operationTiming.findMany({ where: { kind: "cold_load", backendId, operationId: null }, orderBy: { id: "asc" } });
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "switchyard-restart-"));
  dbFile = path.join(dir, "switchyard.db");
});

afterAll(async () => {
  await app?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("a fresh Switchyard's start-up loads", () => {
  test("leave a cold_load timing per started backend, and the estimates follow it", async () => {
    app = await startAppHarness({ yaml: labYaml, dbFile });
    for (const id of ["qwen-7b", "qwen-14b", "qwen-32b"]) app.switchyard.watchdog?.setEnabled(id, false);
    // Before the loads end nothing is known: the 7B is expected to take its sim.loadMs.
    expect(app.switchyard.estimates.backendReady("qwen-7b")).toEqual({ expectedMs: LOAD_MS["qwen-7b"], basis: "default", samples: 0 });
    await modeReady();

    const loads: Record<string, number> = {};
    for (const id of ["qwen-7b", "qwen-14b"]) {
      const rows = await waitUntil(`the start-up load of ${id} on record`, async () => {
        const found = await startupLoads(id);
        return found.length > 0 ? found : undefined;
      });
      expect(rows).toHaveLength(1);
      // From the start of the simulator process to a one-token answer: at least the simulated load.
      expect(rows[0]!.durationMs).toBeGreaterThanOrEqual(LOAD_MS[id]!);
      expect(rows[0]!.durationMs).toBeLessThan(30_000);
      loads[id] = rows[0]!.durationMs;
    }
    // The 32B is not in the start-up mode: not started, nothing recorded.
    expect(await startupLoads("qwen-32b")).toEqual([]);
    expect(app.switchyard.estimates.backendReady("qwen-7b")).toEqual({ expectedMs: loads["qwen-7b"], basis: "history", samples: 1 });

    // A restart of the 7B (no restart on record yet) is expected to take that load plus the operation's overhead,
    // which is what the console's "usually N s" and a 503's Retry-After are made of.
    const restart = await fetch(`${app.url}/api/backends/qwen-7b/restart`, { method: "POST" });
    expect(restart.status).toBe(202);
    await restart.body?.cancel();
    const during = await status();
    expect(during.operation?.backendId).toBe("qwen-7b");
    expect(during.operationEstimate?.expectation).toMatchObject({ basis: "default", expectedMs: loads["qwen-7b"]! + 1_000 });
    await waitFor(async () => (await status()).operation === null, "the restart to end", 30_000, 200);
  }, 90_000);
});

describe("the on-demand thrash guard across a restart", () => {
  test("a switch before the restart still keeps the next one away for minSecondsBetweenSwitches after it", async () => {
    const served = await chat(DEEP_ONLY);
    expect(served.status).toBe(200);
    await served.text();
    expect(app.switchyard.controller.currentMode()).toBe("deep");
    const [last] = await app.switchyard.db.modeSwitch.findMany({ where: { kind: "mode_switch" }, orderBy: { startedAt: "desc" }, take: 1 });
    expect(last).toMatchObject({ toMode: "deep", requestedBy: "on_demand", status: "succeeded" });

    const ports = app.ports;
    await app.close();
    app = await startAppHarness({ yaml: labYaml, dbFile, ports });
    for (const id of ["qwen-7b", "qwen-14b", "qwen-32b"]) app.switchyard.watchdog?.setEnabled(id, false);
    expect(app.switchyard.controller.currentMode()).toBe("deep");
    await modeReady();

    // Nothing was served in deep since the restart and nothing is in flight: only the spacing may refuse.
    const refused = await chat(STANDARD_ONLY);
    const body = (await refused.json()) as { error: { code: string; message: string } };
    expect(refused.status).toBe(503);
    expect(body.error.code).toBe("model_offline");
    expect(body.error.message).toMatch(
      new RegExp(`on-demand switching refused: the last switch ended \\d+ s ago; switches are at least ${MIN_SECONDS_BETWEEN_SWITCHES} s apart \\(lab\\.onDemand\\.minSecondsBetweenSwitches\\)`),
    );
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(MIN_SECONDS_BETWEEN_SWITCHES - 120);
    expect(retryAfter).toBeLessThanOrEqual(MIN_SECONDS_BETWEEN_SWITCHES);
    expect(app.switchyard.controller.runningOperation()).toBeNull();
    expect(app.switchyard.controller.currentMode()).toBe("deep");

    // The new process's own start-up load (the 32B, started by reconcile in deep) is on record too.
    const rows = await waitUntil("the 32B's start-up load on record", async () => {
      const found = await startupLoads("qwen-32b");
      return found.length > 0 ? found : undefined;
    });
    expect(rows[0]!.durationMs).toBeGreaterThanOrEqual(LOAD_MS["qwen-32b"]!);
  }, 90_000);
});

import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import Database from "better-sqlite3";
import { afterEach, expect, test } from "vitest";
import { pickFreePort } from "@/lib/sim/ports";
import { simulatedLabYaml } from "@/lib/testing/app-harness";

/**
 * The application as a real process, killed two ways: SIGTERM (graceful: finish what runs, write every row,
 * exit 0) and SIGKILL (nothing graceful: the database must survive, and the next start must account for it).
 */
const projectRoot = path.resolve(__dirname, "../..");
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
});

async function setup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "switchyard-proc-"));
  const ports = { "qwen-7b": await pickFreePort(), "qwen-14b": await pickFreePort(), "qwen-32b": await pickFreePort() };
  const configFile = path.join(dir, "switchyard.yaml");
  fs.writeFileSync(configFile, simulatedLabYaml(ports));
  return { dir, configFile, dbFile: path.join(dir, "switchyard.db"), port: await pickFreePort() };
}

async function startApp(env: { configFile: string; dbFile: string; port: number }): Promise<{ child: ChildProcess; url: string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(projectRoot, "lib/testing/app-process.ts")], {
    cwd: projectRoot,
    env: { ...process.env, SWITCHYARD_CONFIG: env.configFile, SWITCHYARD_DB: env.dbFile, PORT: String(env.port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  child.stderr?.resume();
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the app did not start in time")), 30_000);
    readline.createInterface({ input: child.stdout! }).on("line", (line) => {
      if (line.startsWith('{"event":"listening"')) {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { url: string }).url);
      }
    });
    child.once("exit", () => reject(new Error("the app exited before listening")));
  });
  for (let i = 0; i < 200; i++) {
    const ready = (await (await fetch(`${url}/readyz`)).json()) as { backends: Record<string, string> };
    if (Object.values(ready.backends).every((state) => state === "ready")) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, url, exited };
}

/** A chat stream whose headers have arrived: the gateway admitted it and it is generating. */
function openStream(url: string, maxTokens: number): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "fast", stream: true, max_tokens: maxTokens, ignore_eos: true, messages: [{ role: "user", content: "go" }] }),
  });
}

function stream(url: string, maxTokens: number): Promise<string> {
  return openStream(url, maxTokens).then((r) => r.text());
}

test("SIGTERM with 20 streams in flight -> readyz 503 at once, new requests 503, all 20 finish, every row written, exit 0", async () => {
  const env = await setup();
  const app = await startApp(env);
  // 100 tokens at 100 tokens/s: each stream runs about a second after the signal. The signal goes once every stream
  // has its headers (they leave with the first token): all 20 are in flight, however slow the machine is today.
  const streams = await Promise.all(Array.from({ length: 20 }, () => openStream(app.url, 100)));
  app.child.kill("SIGTERM");
  // The signal reaches the process in a moment, not at a known instant: wait for its effect, then check the rest.
  await expect.poll(async () => (await fetch(`${app.url}/readyz`)).status, { interval: 10, timeout: 2_000 }).toBe(503);
  const refused = await fetch(`${app.url}/v1/chat/completions`, { method: "POST", body: JSON.stringify({ model: "fast", messages: [{ role: "user", content: "late" }] }) });
  expect(refused.status).toBe(503);
  const texts = await Promise.all(streams.map((response) => response.text()));
  for (const text of texts) {
    expect(text).not.toContain('"error"');
    expect(text.trim().endsWith("data: [DONE]")).toBe(true);
  }
  expect(await app.exited).toBe(0);
  const db = new Database(env.dbFile, { readonly: true });
  const outcomes = db.prepare("SELECT outcome, count(*) AS n FROM RequestLog WHERE endpoint = '/v1/chat/completions' GROUP BY outcome").all() as { outcome: string; n: number }[];
  db.close();
  expect(Object.fromEntries(outcomes.map((o) => [o.outcome, o.n]))).toEqual({ served: 20, rejected: 1 });
}, 60_000);

test("kill -9 under load -> integrity_check ok, every response finished a second before the kill has its row, open rows become interrupted", async () => {
  const env = await setup();
  const app = await startApp(env);
  const completed: { id: number; at: number }[] = [];
  let killing = false;
  const load = async () => {
    while (!killing) {
      try {
        const response = await fetch(`${app.url}/v1/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ model: "fast", max_tokens: 4, messages: [{ role: "user", content: "x" }] }),
        });
        await response.text();
        if (response.status === 200) completed.push({ id: Number(response.headers.get("x-switchyard-log-id")), at: Date.now() });
      } catch {
        return;
      }
    }
  };
  const longStreams = Array.from({ length: 3 }, () => stream(app.url, 1000).catch(() => ""));
  const workers = Array.from({ length: 8 }, load);
  await new Promise((r) => setTimeout(r, 3000));
  const killedAt = Date.now();
  killing = true;
  app.child.kill("SIGKILL");
  await app.exited;
  await Promise.all([...workers, ...longStreams]);

  const db = new Database(env.dbFile);
  expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
  db.close();

  const restarted = await startApp({ ...env, port: await pickFreePort() });
  const check = new Database(env.dbFile, { readonly: true });
  const ids = new Set((check.prepare("SELECT id FROM RequestLog").all() as { id: number }[]).map((r) => r.id));
  // The writer commits every 100 ms; a full second of margin keeps a busy machine's late flush from failing this.
  const due = completed.filter((c) => c.at < killedAt - 1000);
  expect(due.length).toBeGreaterThan(10);
  expect(due.filter((c) => !ids.has(c.id))).toEqual([]);
  const open = check.prepare("SELECT count(*) AS n FROM RequestLog WHERE outcome = 'open'").get() as { n: number };
  const interrupted = check.prepare("SELECT count(*) AS n FROM RequestLog WHERE outcome = 'interrupted'").get() as { n: number };
  check.close();
  expect(open.n).toBe(0);
  // The three long streams were open (inserted as open after the first flush) when the process died.
  expect(interrupted.n).toBeGreaterThanOrEqual(3);
  restarted.child.kill("SIGTERM");
  expect(await restarted.exited).toBe(0);
}, 90_000);

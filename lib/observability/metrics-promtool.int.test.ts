import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getEnv } from "@/lib/env";
import { startAppHarness, type AppHarness } from "@/lib/testing/app-harness";

/**
 * /metrics of the whole app (the simulated lab, after some traffic) as tools read it: `promtool check metrics` finds
 * nothing to complain about, and the Grafana dashboard in deploy/grafana asks only for metrics that exist.
 * promtool comes from Debian's `prometheus` package (.ci/run installs it): without it the check is skipped here,
 * and fails in CI.
 */

const IN_CI = getEnv().CI;
const PROMTOOL = "promtool";
const PROMTOOL_PRESENT = spawnSync(PROMTOOL, ["--version"], { stdio: "ignore" }).status === 0;
const DASHBOARD = path.resolve(__dirname, "../../deploy/grafana/switchyard-dashboard.json");

let app: AppHarness;
let text: string;

async function scrape(): Promise<string> {
  const response = await fetch(`${app.url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return response.text();
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function chat(model: string, extra: Record<string, unknown> = {}): Promise<Response> {
  return fetch(`${app.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hello" }], max_tokens: 8, ...extra }),
  });
}

/** Every metric family on the page: its name and type, from the `# TYPE` lines. */
function families(exposition: string): Map<string, string> {
  return new Map([...exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((match) => [match[1]!, match[2]!]));
}

/** The series names a family's samples carry (a histogram's are _bucket, _sum and _count). */
function seriesNames(all: Map<string, string>): Set<string> {
  const names = new Set<string>();
  for (const [name, type] of all) {
    if (type === "histogram") for (const suffix of ["_bucket", "_sum", "_count"]) names.add(name + suffix);
    else if (type === "summary") for (const suffix of ["", "_sum", "_count"]) names.add(name + suffix);
    else names.add(name);
  }
  return names;
}

/** Every PromQL expression in a Grafana dashboard (panel targets, template variable queries). */
function expressions(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(expressions);
  if (node === null || typeof node !== "object") return [];
  const found: string[] = [];
  for (const [key, value] of Object.entries(node)) {
    if ((key === "expr" || key === "query") && typeof value === "string") found.push(value);
    else if (key === "query" && value && typeof value === "object" && typeof (value as { query?: unknown }).query === "string") found.push((value as { query: string }).query);
    else found.push(...expressions(value));
  }
  return found;
}

beforeAll(async () => {
  app = await startAppHarness();
  await waitFor("both standard backends up", async () => (await scrape()).match(/^switchyard_backend_up\{backend="qwen-(7b|14b)"\} 1$/gm)?.length === 2);
  // Traffic, so that the request families have samples: a plain answer, a stream (time to first token), a 404.
  expect((await chat("fast")).status).toBe(200);
  const stream = await chat("reasoning", { stream: true });
  expect(stream.status, await stream.clone().text()).toBe(200);
  await stream.text();
  expect((await chat("no-such-model")).status).toBe(404);
  // Scrape-time families: GPU readings, engine readings, energy charged to requests, rows written to the log.
  await waitFor("GPU, engine, energy and request-log readings", async () => {
    const page = await scrape();
    return (
      /^switchyard_gpu_power_draw_watts\{gpu="1"\} \d/m.test(page) &&
      /^switchyard_backend_kv_cache_usage_ratio\{backend="qwen-14b"\} /m.test(page) &&
      /^switchyard_gpu_energy_requests_joules_total\{gpu="0"\} [1-9]/m.test(page) &&
      /^switchyard_request_log_written_total [1-9]/m.test(page)
    );
  });
  text = await scrape();
}, 60_000);

afterAll(async () => {
  await app?.close();
});

describe.skipIf(!PROMTOOL_PRESENT && !IN_CI)("/metrics under promtool", () => {
  test("`promtool check metrics` exits 0 and says nothing", () => {
    expect(PROMTOOL_PRESENT, `${PROMTOOL} not found: install Debian's prometheus package (.ci/run does)`).toBe(true);
    const result = spawnSync(PROMTOOL, ["check", "metrics"], { input: text, encoding: "utf8" });
    expect(`${result.stdout}${result.stderr}`.trim()).toBe("");
    expect(result.status).toBe(0);
  });
});

describe("/metrics", () => {
  test("every family is switchyard_*, with HELP, and every counter and only counters end in _total", () => {
    const all = families(text);
    expect(all.size).toBeGreaterThan(40);
    for (const [name, type] of all) {
      expect(name).toMatch(/^switchyard_[a-z0-9_]+$/);
      expect(name).not.toMatch(/^switchyard_process_process_/);
      expect(name.endsWith("_total"), `${name} (${type})`).toBe(type === "counter");
      expect(text).toMatch(new RegExp(`^# HELP ${name} \\S`, "m"));
    }
  });

  test("shows the mode, the backends and the GPUs of the simulated lab", () => {
    const sample = (series: string) => new RegExp(`^${series.replace(/[{}]/g, "\\$&")} (\\S+)$`, "m").exec(text)?.[1];
    expect(sample('switchyard_mode_active{mode="standard"}')).toBe("1");
    expect(sample('switchyard_mode_active{mode="deep"}')).toBe("0");
    expect(sample('switchyard_lab_operation_running{kind="mode_switch"}')).toBe("0");
    expect(sample('switchyard_backend_in_mode{backend="qwen-32b"}')).toBe("0");
    expect(sample('switchyard_backend_up{backend="qwen-32b"}')).toBe("0");
    expect(sample('switchyard_backend_health_state{backend="qwen-7b",state="ready"}')).toBe("1");
    expect(sample('switchyard_gpu_memory_total_bytes{gpu="0"}')).toBe(String(24576 * 1024 * 1024));
    expect(Number(sample('switchyard_gpu_memory_used_bytes{gpu="0"}'))).toBeGreaterThan(10_000 * 1024 * 1024);
    expect(Number(sample('switchyard_gpu_utilization_ratio{gpu="0"}'))).toBeLessThanOrEqual(1);
    expect(Number(sample('switchyard_gpu_energy_joules_total{gpu="0"}'))).toBeGreaterThan(0);
    expect(sample('switchyard_gpu_telemetry_up{source="simulated"}')).toBe("1");
  });
});

describe("deploy/grafana/switchyard-dashboard.json", () => {
  const dashboard = JSON.parse(fs.readFileSync(DASHBOARD, "utf8")) as { __inputs?: { name: string; pluginId: string }[]; panels?: unknown[] };

  test("takes its Prometheus data source as the DS_PROMETHEUS input", () => {
    expect(dashboard.__inputs).toEqual([expect.objectContaining({ name: "DS_PROMETHEUS", pluginId: "prometheus" })]);
  });

  test("asks only for metrics that /metrics has", () => {
    const exprs = expressions(dashboard);
    expect(exprs.length).toBeGreaterThan(10);
    const referenced = new Set(exprs.flatMap((expr) => expr.match(/\bswitchyard_[a-z0-9_]+/g) ?? []));
    const available = seriesNames(families(text));
    expect([...referenced].filter((name) => !available.has(name))).toEqual([]);
    // And it draws the lab, not just the gateway.
    for (const name of ["switchyard_mode_active", "switchyard_backend_up", "switchyard_gpu_power_draw_watts", "switchyard_gpu_energy_joules_total"]) {
      expect(referenced).toContain(name);
    }
  });
});

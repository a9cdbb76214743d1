import v8 from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, expect, test } from "vitest";
import { simulatedLabYaml, startAppHarness, type AppHarness } from "@/lib/testing/app-harness";

/** Every route that reads a body has a byte limit: 10 MB gets a 413 in the route's own error shape, never a 500. */
let app: AppHarness;

// The gateway's limit is 1 MiB here too (8 MiB by default), so every route's limit is far below the 10 MB sent and
// a route that held a whole body would stand out in the memory test.
const LIMIT_BYTES = 1024 * 1024;

beforeAll(async () => {
  app = await startAppHarness({ yaml: (ports) => `${simulatedLabYaml(ports)}gateway: { maxBodyBytes: ${LIMIT_BYTES} }\n` });
}, 60_000);

afterAll(async () => {
  await app?.close();
});

const TEN_MB = "x".repeat(10 * 1024 * 1024);

/** Each body-reading route, and the answer shape it speaks: the admin envelope or OpenAI's. */
const bodyRoutes: [method: string, path: string, shape: "api" | "openai"][] = [
  ["POST", "/api/auth/login", "api"],
  ["POST", "/api/keys", "api"],
  ["PUT", "/api/routes", "api"],
  ["PUT", "/api/backends/qwen-7b/limits", "api"],
  ["PUT", "/api/backends/qwen-7b/watchdog", "api"],
  ["POST", "/v1/chat/completions", "openai"],
  ["POST", "/v1/completions", "openai"],
  ["POST", "/v1/embeddings", "openai"],
  ["POST", "/v1/responses", "openai"],
  ["POST", "/tokenize", "openai"],
  ["POST", "/detokenize", "openai"],
];

test.each(bodyRoutes)("%s %s with 10 MB -> 413", async (method, path, shape) => {
  const response = await fetch(`${app.url}${path}`, { method, headers: { "content-type": "application/json", origin: app.url }, body: TEN_MB });
  expect(response.status).toBe(413);
  const body = (await response.json()) as { error: { code: string | number; type?: string } };
  if (shape === "api") expect(body.error.code).toBe("payload_too_large");
  else expect(body.error.code).toBe("body_too_large");
});

test("a body sent in chunks without a length is cut off at the limit too", async () => {
  const chunk = new TextEncoder().encode("x".repeat(256 * 1024));
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= 40) return controller.close();
      sent++;
      controller.enqueue(chunk);
    },
  });
  const response = await fetch(`${app.url}/api/keys`, { method: "POST", headers: { origin: app.url }, body, duplex: "half" } as RequestInit);
  expect(response.status).toBe(413);
});

/** The app runs in this process: its memory is this process's. A collection first, so only live bytes count. */
v8.setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;
const liveBytes = () => {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
};

/** 10 MB in 256 KiB chunks of one reused buffer, without a length: the server has to count, and the sender holds almost nothing. */
function tenMegabytesChunked(): ReadableStream<Uint8Array> {
  const chunk = new Uint8Array(256 * 1024).fill(0x78);
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= 40) return controller.close();
      sent++;
      controller.enqueue(chunk);
    },
  });
}

/** The most live memory grew over `baseline` while `send` ran (sampled every millisecond; garbage counts until collected). */
async function peakGrowthDuring(send: () => Promise<void>, baseline: number): Promise<number> {
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, liveBytes())), 1);
  try {
    await send();
  } finally {
    clearInterval(sampler);
  }
  return peak - baseline;
}

// Garbage counts until it is collected, and a loaded machine collects late: one round can show a spike no route
// holds. A route that holds a whole body shows it every round, so each route's smallest peak over three is judged.
test("10 MB to every body-reading route, three times each, holds about the limit at a time and leaves no memory behind", async () => {
  collectGarbage();
  const start = liveBytes();
  const peaks: Record<string, number> = {};
  for (let round = 0; round < 3; round++) {
    for (const [method, path] of bodyRoutes) {
      collectGarbage();
      const growth = await peakGrowthDuring(async () => {
        const response = await fetch(`${app.url}${path}`, { method, headers: { "content-type": "application/json", origin: app.url }, body: tenMegabytesChunked(), duplex: "half" } as RequestInit);
        expect({ path, status: response.status }).toEqual({ path, status: 413 });
        await response.arrayBuffer();
      }, liveBytes());
      peaks[path] = Math.min(peaks[path] ?? Infinity, growth);
    }
  }
  collectGarbage();
  // Holding one body up to the limit (plus copies on the way) is expected; a whole 10 MB body is not.
  for (const [path, growth] of Object.entries(peaks)) expect({ path, fits: growth < 6 * LIMIT_BYTES }).toEqual({ path, fits: true });
  expect(liveBytes() - start).toBeLessThan(2 * LIMIT_BYTES);
}, 60_000);

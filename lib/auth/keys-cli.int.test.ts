import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, test } from "vitest";
import { parseLabConfig } from "@/lib/config/parse";
import { createPrismaClient, type PrismaClient } from "@/lib/db/client";
import { findApiKeyByHash, touchApiKey } from "@/lib/db/queries/api-keys";
import { createApiKeyAuthenticator } from "./api-keys";
import { requestAuthenticator } from "./principal";

// `npm run keys` as a real process on a fresh database file, and its keys at the gateway's seam.

const projectRoot = path.resolve(import.meta.dirname, "../..");
const run = promisify(execFile);
let tempDir: string;
let dbFile: string;
// Opened once the CLI has created the database, as a running gateway would have it open.
let prisma: PrismaClient | undefined;

beforeAll(() => {
  tempDir = mkdtempSync(path.join(os.tmpdir(), "switchyard-keys-cli-"));
  dbFile = path.join(tempDir, "nested", "switchyard.db");
});

afterAll(async () => {
  await prisma?.$disconnect();
  rmSync(tempDir, { recursive: true, force: true });
});

async function keys(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", "scripts/keys.ts", ...args], {
      cwd: projectRoot,
      env: { ...process.env, SWITCHYARD_DB: dbFile },
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

const labConfig = parseLabConfig(
  JSON.stringify({
    runtime: "none",
    auth: "keys",
    backends: { small: { url: "http://127.0.0.1:9", servedModel: "small" } },
    modes: { standard: { backends: ["small"], default: true } },
  }),
);
function openGatewayDatabase(): PrismaClient {
  prisma ??= createPrismaClient(dbFile);
  return prisma;
}
const authenticate = requestAuthenticator(
  createApiKeyAuthenticator({
    findByHash: (hash) => findApiKeyByHash(hash, openGatewayDatabase()),
    touch: (keyId, at) => touchApiKey(keyId, at, openGatewayDatabase()),
  }),
);
const gatewayCall = (key: string) => authenticate(new Request("http://127.0.0.1/v1/models", { headers: { "x-api-key": key } }), labConfig);

test("create prints the key alone on stdout, on a database it migrates first; list shows it; revoke by prefix ends it", async () => {
  const created = await keys("create", "--name", "bot", "--models", "fast,reasoning", "--concurrency", "4", "--rpm", "60", "--lane", "batch", "--expires", "30d");
  expect(created.code).toBe(0);
  const key = created.stdout.trim();
  expect(key).toMatch(/^sy-[a-z2-7]{8}-[A-Za-z0-9_-]{43}$/);
  expect(created.stderr).toContain("applied 20261127120000_init");
  expect(created.stderr).toContain("only time the key is shown");
  expect(created.stderr).toContain("models fast, reasoning, lane batch, concurrency 4, 60 requests/min, expires");

  expect(await gatewayCall(key)).toMatchObject({ keyName: "bot", allowedModels: ["fast", "reasoning"], lane: "batch", concurrency: 4, requestsPerMinute: 60 });

  const listed = await keys("list");
  expect(listed.code).toBe(0);
  expect(listed.stdout).toMatch(new RegExp(`${key.slice(0, 11)}\\s+bot\\s+active\\s+fast,reasoning\\s+batch`));
  expect(listed.stdout).not.toContain(key.slice(12));
  const json = JSON.parse((await keys("list", "--json")).stdout) as Array<Record<string, unknown>>;
  expect(json).toHaveLength(1);
  expect(json[0]).toMatchObject({ name: "bot", status: "active" });
  expect(json[0]).not.toHaveProperty("hash");

  const revoked = await keys("revoke", key.slice(3, 11));
  expect(revoked.code).toBe(0);
  expect(revoked.stderr).toContain('Revoked API key "bot"');
  expect((await keys("list")).stdout).toMatch(/bot\s+revoked/);
  expect((await keys("revoke", key.slice(0, 11))).stderr).toContain("already revoked");
});

test("usage errors exit 2 with the help; an unknown key exits 1", async () => {
  const usage = await keys("create", "--models", "fast");
  expect(usage.code).toBe(2);
  expect(usage.stderr).toContain("create needs --name");
  expect(usage.stderr).toContain("Usage: npm run keys");
  const badExpiry = await keys("create", "--name", "x", "--expires", "soon");
  expect(badExpiry.code).toBe(2);
  expect(badExpiry.stderr).toContain("--expires");
  expect((await keys("revoke", "nosuchkey")).code).toBe(1);
});

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getEnv } from "@/lib/env";
import { startGatewayHarness, type GatewayHarness } from "@/lib/testing/gateway-harness";

/**
 * The database's disk fills up (a 4 MiB tmpfs, mounted for the test: needs root, as CI runs): the gateway keeps
 * serving, the request log counts what it drops and says why, and logging resumes once there is space again.
 */
const canMount = process.getuid?.() === 0;

describe.skipIf(!canMount && !getEnv().CI)("a full disk under the request log", () => {
  const mountPoint = fs.mkdtempSync(path.join(os.tmpdir(), "switchyard-full-"));
  const filler = path.join(mountPoint, "filler");
  let lab: GatewayHarness;

  beforeAll(async () => {
    if (!canMount) throw new Error("CI=true but not root: this test mounts a tmpfs");
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", mountPoint]);
    lab = await startGatewayHarness({
      backends: { fast: { servedModel: "fast-model", sim: { ttftMs: 2, tokensPerSecond: 1000 } } },
      modes: { all: ["fast"] },
      dbDir: mountPoint,
    });
  });

  afterAll(async () => {
    await lab?.close();
    try {
      execFileSync("umount", [mountPoint]);
    } catch {
      // not mounted
    }
    fs.rmSync(mountPoint, { recursive: true, force: true });
  });

  const chat = () =>
    fetch(`${lab.url}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ model: "fast-model", max_tokens: 4, messages: [{ role: "user", content: "x".repeat(2000) }] }),
    });

  test("requests are served while the disk is full, drops are counted with the reason, and logging resumes when space returns", async () => {
    // Fill the disk to the last byte.
    const block = Buffer.alloc(64 * 1024, 1);
    const fd = fs.openSync(filler, "w");
    try {
      for (;;) fs.writeSync(fd, block);
    } catch (error) {
      expect((error as NodeJS.ErrnoException).code).toBe("ENOSPC");
    } finally {
      fs.closeSync(fd);
    }

    for (let i = 0; i < 30; i++) expect((await chat()).status).toBe(200);
    await lab.flushLog();
    const full = lab.switchyard.requestLog.stats();
    expect(full.dropped).toBeGreaterThan(0);
    expect(full.failedBatches).toBeGreaterThan(0);
    expect(full.lastError).toMatch(/full/i);

    fs.rmSync(filler);
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push(Number((await chat()).headers.get("x-switchyard-log-id")));
    await lab.flushLog();
    const rows = await lab.prisma.requestLog.findMany({ where: { id: { in: ids } } });
    expect(rows).toHaveLength(5);
    expect(lab.switchyard.requestLog.stats().written).toBeGreaterThanOrEqual(5);

    const db = new Database(path.join(mountPoint, "switchyard.db"), { readonly: true });
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    db.close();
  });
});

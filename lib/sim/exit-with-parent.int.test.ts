import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, test } from "vitest";
import { spawnSimulator, type SimulatorProcess } from "./spawn";
import { eventually, sleep } from "./test-support";

// `--exit-with-parent`: a simulator must never outlive the Switchyard process that spawned it, even when that
// process is SIGKILLed and none of its exit hooks run.

const here = path.dirname(fileURLToPath(import.meta.url));
const projectRoot = path.resolve(here, "..", "..");

const sims: SimulatorProcess[] = [];
const strayPids: number[] = [];
const tempDirs: string[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((sim) => sim.stop()));
  for (const pid of strayPids.splice(0)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** Alive and not a zombie waiting to be reaped. */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

/** A stand-in for the gateway: a separate Node process that spawns a simulator and prints the simulator's pid. */
async function startParentWithSimulator(): Promise<{ parent: ChildProcess; simPid: number }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "sim-parent-"));
  tempDirs.push(dir);
  const script = path.join(dir, "parent.mjs");
  await writeFile(
    script,
    [
      "const { spawnSimulator } = await import(process.argv[2]);",
      "const sim = await spawnSimulator({ zeroLatency: true });",
      'process.stdout.write(JSON.stringify({ simPid: sim.pid }) + "\\n");',
      "setInterval(() => {}, 60_000);",
    ].join("\n"),
  );
  const parent = spawn(process.execPath, ["--import", "tsx", script, path.join(here, "spawn.ts")], {
    cwd: projectRoot,
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (parent.pid !== undefined) strayPids.push(parent.pid);
  const simPid = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the parent did not report its simulator in time")), 30_000);
    parent.once("exit", (code) => reject(new Error(`the parent exited early with code ${code}`)));
    readline.createInterface({ input: parent.stdout! }).on("line", (line) => {
      clearTimeout(timer);
      resolve((JSON.parse(line) as { simPid: number }).simPid);
    });
  });
  strayPids.push(simPid);
  return { parent, simPid };
}

describe("--exit-with-parent", () => {
  test("spawnSimulator passes it by default: closing the child's stdin stops it with exit code 0", async () => {
    const sim = await spawnSimulator({ zeroLatency: true });
    sims.push(sim);
    expect(sim.child.spawnargs).toContain("--exit-with-parent");
    const closedAt = performance.now();
    sim.child.stdin?.end();
    expect(await sim.exited).toBe(0);
    expect(performance.now() - closedAt).toBeLessThan(2000);
  });

  test("a simulator dies with the process that spawned it, even when that process is SIGKILLed", async () => {
    const { parent, simPid } = await startParentWithSimulator();
    expect(isAlive(simPid)).toBe(true);
    parent.kill("SIGKILL");
    await eventually(() => (isAlive(simPid) ? undefined : true), 3000);
  });

  test("without it, the simulator keeps serving after its stdin closes", async () => {
    const sim = await spawnSimulator({ zeroLatency: true }, { exitWithParent: false });
    sims.push(sim);
    expect(sim.child.spawnargs).not.toContain("--exit-with-parent");
    sim.child.stdin?.end();
    await sleep(500);
    expect((await fetch(`${sim.url}/health`)).status).toBe(200);
  });
});

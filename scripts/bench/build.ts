import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import type { Janitor } from "./janitor";

export function hasBuild(projectRoot: string): boolean {
  return existsSync(path.join(projectRoot, ".next", "BUILD_ID"));
}

/** `next build`, output shown as it goes; rejects on a non-zero exit. */
export async function buildApp(projectRoot: string, janitor: Janitor): Promise<void> {
  const child = spawn(path.join(projectRoot, "node_modules", ".bin", "next"), ["build"], {
    cwd: projectRoot,
    env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => resolve(code));
  });
  const untrack = janitor.track({
    label: "next build",
    stop: () => (child.kill("SIGTERM"), exited),
    kill: () => void child.kill("SIGKILL"),
  });
  try {
    const code = await exited;
    if (code !== 0) throw new Error(`next build exited with code ${code}`);
  } finally {
    untrack();
  }
}

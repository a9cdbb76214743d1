import { spawn } from "node:child_process";
import { expect, test } from "vitest";
import { Janitor } from "./janitor";

function sleeper() {
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return { child, exited };
}

test("stopAll ends every tracked process, and stop() of one forgets only that one", async () => {
  const janitor = new Janitor();
  const a = sleeper();
  const b = sleeper();
  const trackedA = { label: "a", stop: () => (a.child.kill("SIGTERM"), a.exited), kill: () => void a.child.kill("SIGKILL") };
  janitor.track(trackedA);
  janitor.track({ label: "b", stop: () => (b.child.kill("SIGTERM"), b.exited), kill: () => void b.child.kill("SIGKILL") });
  try {
    await janitor.stop(trackedA);
    expect(a.child.exitCode !== null || a.child.signalCode !== null).toBe(true);
    expect(b.child.exitCode).toBeNull();
    await janitor.stopAll();
    expect(b.child.signalCode).toBe("SIGTERM");
  } finally {
    a.child.kill("SIGKILL");
    b.child.kill("SIGKILL");
  }
});

import { execFile, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getEnv } from "@/lib/env";
import { pickFreePort } from "@/lib/sim/ports";
import { TEST_DOCKER_SOCKET, testEngineAnswers } from "@/lib/testing/test-engine";
import { waitUntil } from "@/lib/testing/wait";

/**
 * The root Dockerfile, built and run for real with Podman (the engine of scripts/ci/podman-setup.sh): the image
 * builds from the base images scripts/ci/image-base.sh makes (nothing can be pulled in CI), runs as a non-root
 * user with a read-only root filesystem and its database on the /data volume, answers /readyz, passes its own
 * HEALTHCHECK, serves a chat completion on the simulated lab, and drains and exits 0 on SIGTERM.
 */

const SOCKET = TEST_DOCKER_SOCKET;
const IN_CI = getEnv().CI;
const PODMAN_PRESENT = !spawnSync("podman", ["--version"], { stdio: "ignore" }).error;
const ENGINE_PRESENT = testEngineAnswers() && PODMAN_PRESENT;
const PROJECT_ROOT = path.resolve(__dirname, "../..");
const IMAGE = process.env.SWITCHYARD_TEST_IMAGE || "localhost/switchyard:test";
// The stand-ins scripts/ci/image-base.sh tags; on a machine that can pull, the Dockerfile's pinned digests apply.
const BUILD_ARGS = [
  `NODE_BUILD_IMAGE=${process.env.SWITCHYARD_BASE_BUILD_IMAGE || "docker.io/library/node:20-bookworm"}`,
  `NODE_RUNTIME_IMAGE=${process.env.SWITCHYARD_BASE_SLIM_IMAGE || "docker.io/library/node:20-bookworm-slim"}`,
];
const BUILD_TIMEOUT_MS = 20 * 60_000;

const exec = promisify(execFile);
const suffix = `${process.pid}-${Date.now().toString(36)}`;
const CONTAINER = `switchyard-image-it-${suffix}`;

/** The podman CLI against the test engine's socket (remote mode), as podman-create-sim.sh uses it. */
function podman(args: string[], timeoutMs = 120_000) {
  return exec("podman", ["--url", `unix://${SOCKET}`, ...args], { cwd: PROJECT_ROOT, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
}

describe.skipIf(!ENGINE_PRESENT && !IN_CI)("the Switchyard image (Dockerfile)", () => {
  let dataDir = "";
  let port = 0;
  let buildSeconds = 0;

  const containerLogs = async () => {
    const { stdout, stderr } = await podman(["logs", "--tail", "80", CONTAINER]).catch(() => ({ stdout: "", stderr: "(no logs)" }));
    return `${stdout}${stderr}`;
  };

  beforeAll(async () => {
    if (!ENGINE_PRESENT) {
      throw new Error(`CI=true but no podman engine at ${SOCKET}: run "sudo scripts/ci/podman-setup.sh" and "sudo scripts/ci/image-base.sh" first`);
    }
    const started = Date.now();
    await podman(
      ["build", "--pull=never", "--network=host", "--format=docker", ...BUILD_ARGS.flatMap((arg) => ["--build-arg", arg]), "-t", IMAGE, "."],
      BUILD_TIMEOUT_MS,
    ).catch((error: { stdout?: string; stderr?: string }) => {
      throw new Error(`podman build failed (base images missing? run scripts/ci/image-base.sh):\n${String(error.stderr ?? "").slice(-4000)}`);
    });
    buildSeconds = Math.round((Date.now() - started) / 1000);
    console.log(`[image test] podman build took ${buildSeconds} s`);

    // The simulated lab with free ports (the host network is shared with everything else on the machine), placed
    // where the image's default config path leads: ./data -> /data, the volume.
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "switchyard-image-it-"));
    await fs.chmod(dataDir, 0o777);
    const simulated = await fs.readFile(path.join(PROJECT_ROOT, "switchyard.simulated.yaml"), "utf8");
    let config = simulated;
    for (const fixed of new Set(simulated.match(/127\.0\.0\.1:180\d\d/g) ?? [])) config = config.replaceAll(fixed, `127.0.0.1:${await pickFreePort()}`);
    expect(config).not.toMatch(/:180\d\d/);
    await fs.writeFile(path.join(dataDir, "switchyard.yaml"), config, { mode: 0o666 });

    port = await pickFreePort();
    await podman([
      "run", "-d", "--name", CONTAINER,
      "--network", "host",
      "--read-only", "--tmpfs", "/tmp",
      "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
      // podman-teardown.sh removes containers with this label if a run is interrupted.
      "--label", "io.switchyard.test-sim=1",
      "-e", `PORT=${port}`,
      "-v", `${dataDir}:/data`,
      IMAGE,
    ]);
  }, BUILD_TIMEOUT_MS + 120_000);

  afterAll(async () => {
    await podman(["rm", "-f", "-t", "0", CONTAINER]).catch(() => {});
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  });

  test("runs as a non-root user, with a health check on /readyz and /data as a volume", async () => {
    const inspect = async (field: string) => JSON.parse((await podman(["image", "inspect", "--format", `{{json ${field}}}`, IMAGE])).stdout) as unknown;
    const config = (await inspect(".Config")) as { User?: string; Volumes?: Record<string, unknown> };
    expect(config.User).toBe("10001:10001");
    expect(Object.keys(config.Volumes ?? {})).toContain("/data");
    // Podman reports the health check beside Config (and only a docker-format image keeps it at all).
    const healthCheck = (await inspect(".HealthCheck")) as { Test?: string[] } | null;
    expect((healthCheck?.Test ?? []).join(" ")).toMatch(/\/readyz/);
    const { stdout: uid } = await podman(["exec", CONTAINER, "node", "-p", "process.getuid()"]);
    expect(uid.trim()).toBe("10001");
  });

  test("becomes ready, is healthy by its own HEALTHCHECK, and serves a chat completion", async () => {
    await waitUntil(
      "/readyz",
      async () => {
        const state = (await podman(["inspect", "--format", "{{.State.Status}}", CONTAINER])).stdout.trim();
        if (state !== "running") throw new Error(`the container is ${state}:\n${await containerLogs()}`);
        const response = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2000) }).catch(() => null);
        await response?.body?.cancel();
        return response?.status === 200 ? true : undefined;
      },
      120_000,
      250,
    );

    // The image's HEALTHCHECK command, run by the engine inside the container: exit 0 is "healthy".
    const health = await podman(["healthcheck", "run", CONTAINER]).then(
      () => "healthy",
      (error: { stdout?: string; stderr?: string }) => `unhealthy: ${error.stdout ?? ""}${error.stderr ?? ""}`,
    );
    expect(health).toBe("healthy");

    // /readyz is the process; the simulated backends load on their own clock: a 503 "loading" is retried.
    const chat = async () => {
      const response = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "fast", max_tokens: 8, messages: [{ role: "user", content: "Hello from the image test" }] }),
        signal: AbortSignal.timeout(30_000),
      });
      const body = (await response.json()) as { choices?: Array<{ message?: { content?: string } }>; usage?: { completion_tokens?: number } };
      return { response, body };
    };
    const { response, body } = await waitUntil(
      "a chat completion that is not a 503",
      async () => {
        const answer = await chat();
        return answer.response.status === 503 ? undefined : answer;
      },
      60_000,
      250,
    );
    expect(response.status, JSON.stringify(body)).toBe(200);
    expect(response.headers.get("x-switchyard-backend")).toBe("qwen-7b");
    expect(body.choices?.[0]?.message?.content?.length ?? 0).toBeGreaterThan(0);
    expect(body.usage?.completion_tokens ?? 0).toBeGreaterThan(0);

    // The database lives on the volume, not in the image.
    expect(existsSync(path.join(dataDir, "switchyard.db"))).toBe(true);
  }, 180_000);

  test("drains and exits 0 on SIGTERM (podman stop)", async () => {
    await podman(["stop", "-t", "45", CONTAINER], 60_000);
    const { stdout } = await podman(["inspect", "--format", "{{.State.ExitCode}}", CONTAINER]);
    expect(stdout.trim(), await containerLogs()).toBe("0");
  }, 90_000);
});

import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getEnv } from "@/lib/env";
import { pickFreePort } from "@/lib/sim/ports";
import { createDockerRuntime, NoContainerConfiguredError } from "./docker";
import { ContainerNotFoundError, RuntimeUnavailableError, type ContainerEvent, type ContainerRuntime } from "./types";
import { healthStatusAt, TEST_DOCKER_SOCKET, testEngineAnswers } from "@/lib/testing/test-engine";
import { waitUntil } from "@/lib/testing/wait";

/**
 * The docker runtime against a real Docker-compatible engine: Podman's API service, brought up by
 * `sudo scripts/ci/podman-setup.sh` (see deploy/podman/README.md). Two simulator containers are created the way an
 * operator would (podman create, not run) and the runtime adopts them by name.
 */

const SOCKET = TEST_DOCKER_SOCKET;
const IN_CI = getEnv().CI;
const ENGINE_PRESENT = testEngineAnswers();
const PROJECT_ROOT = path.resolve(__dirname, "../..");
const CREATE_SIM = path.join(PROJECT_ROOT, "scripts/ci/podman-create-sim.sh");

const run = promisify(execFile);
const suffix = `${process.pid}-${Date.now().toString(36)}`;
const sims = {
  "sim-a": { container: `switchyard-it-a-${suffix}`, model: "it-model-a", port: 0 },
  "sim-b": { container: `switchyard-it-b-${suffix}`, model: "it-model-b", port: 0 },
};

function waitForHealth(port: number): Promise<true> {
  return waitUntil(`/health on port ${port}`, async () => ((await healthStatusAt(port)) === 200 ? true : undefined));
}

// Skipped only on a developer machine without the engine; CI must have it, so there it fails in beforeAll.
describe.skipIf(!ENGINE_PRESENT && !IN_CI)("docker runtime against a real engine (Podman)", () => {
  let runtime: ContainerRuntime;
  const engine = new Docker({ socketPath: SOCKET });
  const events: ContainerEvent[] = [];
  let unsubscribe: () => void = () => {};

  beforeAll(async () => {
    if (!existsSync(SOCKET)) {
      throw new Error(`CI=true but no container engine socket at ${SOCKET}: run "sudo scripts/ci/podman-setup.sh" before the integration tests`);
    }
    for (const sim of Object.values(sims)) {
      sim.port = await pickFreePort();
      // The script finds the same socket: it inherits SWITCHYARD_TEST_DOCKER_SOCKET, or both use the default.
      await run(CREATE_SIM, [sim.container, String(sim.port), sim.model]);
    }
    runtime = createDockerRuntime({
      docker: { socketPath: SOCKET },
      containers: () => Object.fromEntries(Object.entries(sims).map(([id, sim]) => [id, sim.container])),
      eventsBackoff: { initialMs: 200, maxMs: 2000 },
    });
  });

  afterAll(async () => {
    unsubscribe();
    await runtime?.close();
    // The runtime never removes containers; the test cleans up with the engine directly.
    await Promise.all(
      Object.values(sims).map((sim) =>
        engine
          .getContainer(sim.container)
          .remove({ force: true })
          .catch(() => {}),
      ),
    );
  });

  test("ping reaches the engine", async () => {
    expect(await runtime.ping()).toEqual({ ok: true });
  });

  test("inspect adopts a created container by name: created, never ran", async () => {
    const info = await runtime.inspect("sim-a");
    expect(info).toMatchObject({ backendId: "sim-a", name: sims["sim-a"].container, state: "created", exitCode: null, startedAt: null });
  });

  test("start runs the simulator: running, and /health answers within a few seconds", async () => {
    await runtime.start("sim-a");
    const info = await runtime.inspect("sim-a");
    expect(info.state).toBe("running");
    expect(info.startedAt).toBeInstanceOf(Date);
    await waitForHealth(sims["sim-a"].port);
    // Starting a running container is not an error (the engine answers 304).
    await expect(runtime.start("sim-a")).resolves.toBeUndefined();
  });

  test("logs hold the simulator's listening line, without the engine's stream headers", async () => {
    const lines = await runtime.logs("sim-a", { tail: 50 });
    expect(lines).toContain(`{"event":"listening","port":${sims["sim-a"].port}}`);
    // stderr JSON log lines are there too, interleaved.
    expect(lines.some((line) => line.includes('"event":"loading"'))).toBe(true);
    for (const line of lines) expect(line).not.toMatch(/[\u0000-\u0008]/);
    expect(await runtime.logs("sim-a", { tail: 1 })).toHaveLength(1);
  });

  test("stop with a timeout ends the simulator gracefully: exited with code 0", async () => {
    const startedAt = Date.now();
    await runtime.stop("sim-a", { timeoutSeconds: 8 });
    // SIGTERM was handled: no wait for the SIGKILL deadline.
    expect(Date.now() - startedAt).toBeLessThan(6000);
    const info = await runtime.inspect("sim-a");
    expect(info).toMatchObject({ state: "exited", exitCode: 0, oomKilled: false });
    expect(info.finishedAt).toBeInstanceOf(Date);
    expect(await healthStatusAt(sims["sim-a"].port)).toBeNull();
    // Stopping a stopped container is not an error.
    await expect(runtime.stop("sim-a", { timeoutSeconds: 2 })).resolves.toBeUndefined();
  });

  test("restart brings a stopped container back, and restarts a running one", async () => {
    await runtime.restart("sim-a", { timeoutSeconds: 5 });
    expect((await runtime.inspect("sim-a")).state).toBe("running");
    await waitForHealth(sims["sim-a"].port);
    const firstStart = (await runtime.inspect("sim-a")).startedAt;

    await runtime.restart("sim-a", { timeoutSeconds: 5 });
    const info = await runtime.inspect("sim-a");
    expect(info.state).toBe("running");
    expect(info.startedAt!.getTime()).toBeGreaterThan(firstStart!.getTime());
    await waitForHealth(sims["sim-a"].port);
  });

  test("an engine crash mid-stream: the container exits 1 and the event stream reports the die", async () => {
    let connected: () => void = () => {};
    const streamUp = new Promise<void>((resolve) => (connected = resolve));
    const watching = createDockerRuntime({
      docker: { socketPath: SOCKET },
      containers: () => ({ "sim-b": sims["sim-b"].container }),
      onEventsConnectionChange: (change) => {
        if (change.connected) connected();
      },
    });
    unsubscribe = watching.onEvent((event) => events.push(event));
    await streamUp;

    await runtime.start("sim-b");
    const port = sims["sim-b"].port;
    await waitForHealth(port);
    await waitUntil("the start event", async () => events.find((e) => e.backendId === "sim-b" && e.action === "start"));

    const faults = await fetch(`http://127.0.0.1:${port}/_sim/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ crashAfterTokens: 1 }),
    });
    expect(faults.status).toBe(200);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: sims["sim-b"].model, messages: [{ role: "user", content: "hi" }], stream: true, max_tokens: 32 }),
      });
      await response.text();
    } catch {
      // The engine dies mid-stream: the connection breaks, which is the point.
    }

    const die = await waitUntil("the die event", async () => events.find((e) => e.backendId === "sim-b" && e.action === "die"));
    expect(die.exitCode).toBe(1);
    expect(die.at).toBeInstanceOf(Date);
    expect(events.every((e) => e.backendId === "sim-b")).toBe(true);
    expect(await runtime.inspect("sim-b")).toMatchObject({ state: "exited", exitCode: 1 });
    expect((await runtime.logs("sim-b")).some((line) => line.includes("EngineCore encountered a fatal error"))).toBe(true);
    await watching.close();
  });

  test("a container name the engine does not know is a ContainerNotFoundError, for every operation", async () => {
    const ghost = createDockerRuntime({ docker: { socketPath: SOCKET }, containers: () => ({ ghost: `switchyard-no-such-${suffix}` }) });
    await expect(ghost.inspect("ghost")).rejects.toBeInstanceOf(ContainerNotFoundError);
    await expect(ghost.start("ghost")).rejects.toBeInstanceOf(ContainerNotFoundError);
    await expect(ghost.stop("ghost")).rejects.toBeInstanceOf(ContainerNotFoundError);
    await expect(ghost.restart("ghost")).rejects.toBeInstanceOf(ContainerNotFoundError);
    await expect(ghost.logs("ghost")).rejects.toBeInstanceOf(ContainerNotFoundError);
    await expect(ghost.inspect("ghost")).rejects.toThrow(/switchyard-no-such-/);
  });

  test("a backend without a container in the config cannot be managed", async () => {
    await expect(runtime.start("external")).rejects.toBeInstanceOf(NoContainerConfiguredError);
  });
});

// Needs no engine: runs everywhere.
describe("docker runtime without an engine", () => {
  test("a missing socket is a RuntimeUnavailableError naming the socket, at once", async () => {
    const missing = `/tmp/switchyard-no-engine-${process.pid}/docker.sock`;
    const runtime = createDockerRuntime({ docker: { socketPath: missing }, containers: () => ({ b: "vllm-b" }) });
    const began = Date.now();
    const error = await runtime.inspect("b").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuntimeUnavailableError);
    expect((error as Error).message).toContain(missing);
    await expect(runtime.start("b")).rejects.toBeInstanceOf(RuntimeUnavailableError);
    const ping = await runtime.ping();
    expect(ping.ok).toBe(false);
    expect(ping.ok ? "" : ping.error).toContain(missing);
    expect(Date.now() - began).toBeLessThan(2000);
    await runtime.close();
  });

  test("DOCKER_HOST values are honoured: unix:// names the socket in errors", async () => {
    const runtime = createDockerRuntime({ docker: { dockerHost: "unix:///tmp/switchyard-nowhere.sock" }, containers: () => ({ b: "vllm-b" }) });
    await expect(runtime.logs("b")).rejects.toThrow(/unix:\/\/\/tmp\/switchyard-nowhere\.sock does not exist/);
  });

  test("an engine that accepts the connection but never answers is unavailable after the request timeout", async () => {
    const socketPath = path.join(os.tmpdir(), `switchyard-hung-engine-${process.pid}.sock`);
    const sockets = new Set<net.Socket>();
    const hung = net.createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => hung.listen(socketPath, resolve));
    try {
      const runtime = createDockerRuntime({ docker: { socketPath }, containers: () => ({ b: "vllm-b" }), requestTimeoutMs: 300 });
      const began = Date.now();
      await expect(runtime.inspect("b")).rejects.toThrow(`docker engine at unix://${socketPath} did not answer within 300 ms`);
      expect(Date.now() - began).toBeLessThan(2000);
      expect(await runtime.ping()).toEqual({ ok: false, error: `docker engine at unix://${socketPath} did not answer within 300 ms` });
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => hung.close(resolve));
    }
  });

  test("a TCP endpoint nobody listens on is unavailable, not a hang", async () => {
    const port = await pickFreePort();
    const runtime = createDockerRuntime({ docker: { dockerHost: `tcp://127.0.0.1:${port}` }, containers: () => ({ b: "vllm-b" }) });
    await expect(runtime.stop("b")).rejects.toThrow(RuntimeUnavailableError);
    await expect(runtime.stop("b")).rejects.toThrow(`tcp://127.0.0.1:${port} refused the connection`);
  });
});

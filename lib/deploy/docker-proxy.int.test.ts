import { execFile, spawn, spawnSync, type ChildProcess } from "node:child_process";
import http from "node:http";
import path from "node:path";
import { promisify } from "node:util";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getEnv } from "@/lib/env";
import { createDockerRuntime } from "@/lib/runtime/docker";
import type { ContainerEvent, ContainerRuntime } from "@/lib/runtime/types";
import { pickFreePort } from "@/lib/sim/ports";
import { healthStatusAt, TEST_DOCKER_SOCKET, testEngineAnswers } from "@/lib/testing/test-engine";
import { waitUntil } from "@/lib/testing/wait";

/**
 * The Docker API socket proxy of deploy/lab (deploy/lab/docker-proxy.haproxy.cfg), run for real: Debian's haproxy
 * with that very file in front of Podman's Docker-compatible socket (scripts/ci/podman-setup.sh). Switchyard's own
 * docker runtime drives a lab container through it; everything Switchyard does not need, and every container that is
 * not the lab's, must be refused by the proxy and never reach the engine.
 */

const SOCKET = TEST_DOCKER_SOCKET;
const HAPROXY = process.env.SWITCHYARD_TEST_HAPROXY || "haproxy";
const IN_CI = getEnv().CI;
const ENGINE_PRESENT = testEngineAnswers();
const HAPROXY_PRESENT = !spawnSync(HAPROXY, ["-v"], { stdio: "ignore" }).error;
const PROJECT_ROOT = path.resolve(__dirname, "../..");
const PROXY_CONFIG = path.join(PROJECT_ROOT, "deploy/lab/docker-proxy.haproxy.cfg");
const CREATE_SIM = path.join(PROJECT_ROOT, "scripts/ci/podman-create-sim.sh");
const SIM_IMAGE = process.env.SWITCHYARD_SIM_IMAGE || "localhost/switchyard-sim:test";

const run = promisify(execFile);
const suffix = `${process.pid}-${Date.now().toString(36)}`;
const LAB = `switchyard-proxy-lab-${suffix}`;
/** Listed in the proxy's lab containers but never created: the list holds more than one name. */
const LAB_ABSENT = `switchyard-proxy-lab2-${suffix}`;
/** Exists on the engine, not in the lab: the proxy must not let anyone touch it. */
const OUTSIDER = `switchyard-proxy-other-${suffix}`;
/** What a refused create would have made; must never exist. */
const PROBE = `switchyard-proxy-probe-${suffix}`;

/** One raw request, path sent byte for byte (fetch would normalise `..` and percent-escapes). */
function rawRequest(port: number, method: string, rawPath: string, body?: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        method,
        path: rawPath,
        headers: payload === undefined ? {} : { "content-type": "application/json", "content-length": Buffer.byteLength(payload) },
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${rawPath}: timed out`)));
    req.on("error", reject);
    req.end(payload);
  });
}

describe.skipIf(!(ENGINE_PRESENT && HAPROXY_PRESENT) && !IN_CI)("the lab's Docker API proxy (deploy/lab/docker-proxy.haproxy.cfg)", () => {
  const engine = new Docker({ socketPath: SOCKET });
  let proxy: ChildProcess | undefined;
  let proxyLog = "";
  let proxyPort = 0;
  let labPort = 0;
  let runtime: ContainerRuntime;
  const events: ContainerEvent[] = [];
  let unsubscribe: () => void = () => {};

  const proxyEnv = () => ({
    ...process.env,
    SWITCHYARD_PROXY_BIND: `127.0.0.1:${proxyPort}`,
    SWITCHYARD_DOCKER_SOCKET: SOCKET,
    SWITCHYARD_LAB_CONTAINERS: `${LAB} ${LAB_ABSENT}`,
  });

  beforeAll(async () => {
    if (!ENGINE_PRESENT) throw new Error(`CI=true but no container engine socket at ${SOCKET}: run "sudo scripts/ci/podman-setup.sh" first`);
    if (!HAPROXY_PRESENT) throw new Error(`CI=true but "${HAPROXY}" is not installed (apt-get install haproxy; .ci/run does)`);

    labPort = await pickFreePort();
    await run(CREATE_SIM, [LAB, String(labPort), "proxy-lab-model"]);
    await run(CREATE_SIM, [OUTSIDER, String(await pickFreePort()), "proxy-other-model"]);

    proxyPort = await pickFreePort();
    proxy = spawn(HAPROXY, ["-db", "-f", PROXY_CONFIG], { env: proxyEnv(), stdio: ["ignore", "pipe", "pipe"] });
    proxy.stdout?.on("data", (chunk: Buffer) => (proxyLog += chunk.toString("utf8")));
    proxy.stderr?.on("data", (chunk: Buffer) => (proxyLog += chunk.toString("utf8")));
    await waitUntil("the proxy to answer /_ping", async () => {
      if (proxy?.exitCode !== null) throw new Error(`haproxy exited (${proxy?.exitCode}):\n${proxyLog}`);
      const answer = await rawRequest(proxyPort, "GET", "/_ping").catch(() => undefined);
      return answer?.status === 200 ? true : undefined;
    });

    runtime = createDockerRuntime({
      docker: { dockerHost: `tcp://127.0.0.1:${proxyPort}` },
      containers: () => ({ lab: LAB, outsider: OUTSIDER }),
      requestTimeoutMs: 5_000,
      eventsBackoff: { initialMs: 200, maxMs: 2000 },
    });
  });

  afterAll(async () => {
    unsubscribe();
    await runtime?.close();
    if (proxy && proxy.exitCode === null) {
      proxy.kill("SIGTERM");
      await new Promise((resolve) => proxy?.once("exit", resolve));
    }
    await Promise.all(
      [LAB, OUTSIDER, PROBE].map((name) =>
        engine
          .getContainer(name)
          .remove({ force: true })
          .catch(() => {}),
      ),
    );
    await engine
      .getVolume(PROBE)
      .remove()
      .catch(() => {});
  });

  test("the file is a valid HAProxy configuration", async () => {
    const { stdout, stderr } = await run(HAPROXY, ["-c", "-f", PROXY_CONFIG], { env: proxyEnv() });
    expect(`${stdout}${stderr}`).toMatch(/Configuration file is valid/);
  });

  test("Switchyard's docker runtime pings, inspects, starts, restarts, stops and reads logs and events of a lab container through it", async () => {
    unsubscribe = runtime.onEvent((event) => events.push(event));
    expect(await runtime.ping()).toEqual({ ok: true });
    expect((await runtime.inspect("lab")).state).toBe("created");

    await runtime.start("lab");
    await waitUntil("the lab simulator to answer /health", async () => ((await healthStatusAt(labPort)) === 200 ? true : undefined), 30_000);
    expect((await runtime.inspect("lab")).state).toBe("running");

    await runtime.restart("lab", { timeoutSeconds: 2 });
    await waitUntil("the lab simulator to answer /health after the restart", async () => ((await healthStatusAt(labPort)) === 200 ? true : undefined), 30_000);

    const lines = await runtime.logs("lab", { tail: 50 });
    expect(Array.isArray(lines)).toBe(true);

    await runtime.stop("lab", { timeoutSeconds: 2 });
    expect((await runtime.inspect("lab")).state).toBe("exited");

    // The events came through the proxy's event stream: the start and the exit of the lab container.
    await waitUntil("start and die events", async () => {
      const actions = events.filter((event) => event.backendId === "lab").map((event) => event.action);
      return actions.includes("start") && actions.includes("die") ? true : undefined;
    });
  });

  test("a container that is not the lab's cannot be inspected, started or stopped through it", async () => {
    await expect(runtime.inspect("outsider")).rejects.toThrow();
    await expect(runtime.start("outsider")).rejects.toThrow();
    await expect(runtime.stop("outsider")).rejects.toThrow();
    for (const [method, rawPath] of [
      ["GET", `/containers/${OUTSIDER}/json`],
      ["POST", `/containers/${OUTSIDER}/start`],
      ["POST", `/v1.41/containers/${OUTSIDER}/start`],
      ["GET", `/containers/${OUTSIDER}/logs?stdout=1`],
      // Path tricks that would land on the outsider if the engine normalised them after the check.
      ["POST", `/containers/${LAB}/../${OUTSIDER}/start`],
      ["POST", `/containers/${LAB}%2F..%2F${OUTSIDER}/start`],
      ["POST", `/containers/${OUTSIDER}%00/start`],
      ["POST", `//containers/${OUTSIDER}/start`],
    ] as const) {
      expect({ method, rawPath, status: (await rawRequest(proxyPort, method, rawPath)).status }).toEqual({ method, rawPath, status: 403 });
    }
    // Directly on the engine: nothing happened to it.
    expect((await engine.getContainer(OUTSIDER).inspect()).State.Status).toBe("created");
  });

  test("create, exec, build, volumes, images and everything else are refused with a reason, and never reach the engine", async () => {
    const refused: Array<[string, string, unknown?]> = [
      ["POST", `/containers/create?name=${PROBE}`, { Image: SIM_IMAGE, Cmd: ["/bin/sh"] }],
      ["POST", `/v1.41/containers/create?name=${PROBE}`, { Image: SIM_IMAGE, Cmd: ["/bin/sh"] }],
      ["POST", `/containers/create?name=${LAB}`, { Image: SIM_IMAGE }],
      ["POST", `/containers/${LAB}/exec`, { Cmd: ["/bin/sh", "-c", "id"], AttachStdout: true }],
      ["POST", "/exec/0123456789abcdef/start", { Detach: true }],
      ["POST", `/containers/${LAB}/kill`],
      ["POST", `/containers/${LAB}/pause`],
      ["POST", `/containers/${LAB}/update`, { Privileged: true }],
      ["POST", `/containers/${LAB}/attach?stream=1&stdin=1`],
      ["POST", `/containers/${LAB}/rename?name=x`],
      ["PUT", `/containers/${LAB}/archive?path=/`],
      ["GET", `/containers/${LAB}/archive?path=/etc`],
      ["GET", `/containers/${LAB}/export`],
      ["DELETE", `/containers/${LAB}?force=1`],
      ["POST", "/containers/prune"],
      ["GET", "/containers/json?all=1"],
      // The allowed actions with the wrong method, and the wrong action with the right one.
      ["GET", `/containers/${LAB}/start`],
      ["POST", `/containers/${LAB}/json`],
      ["DELETE", `/containers/${LAB}/stop`],
      ["POST", `/containers/${LAB}/start/extra`],
      ["POST", "/_ping"],
      ["POST", "/events"],
      ["POST", "/build?t=probe"],
      ["POST", "/commit?container=" + LAB],
      ["POST", "/images/create?fromImage=busybox"],
      ["GET", "/images/json"],
      ["DELETE", `/images/${SIM_IMAGE}`],
      ["POST", "/volumes/create", { Name: PROBE }],
      ["GET", "/volumes"],
      ["POST", "/networks/create", { Name: PROBE }],
      ["GET", "/networks"],
      ["GET", "/info"],
      ["GET", "/system/df"],
      ["POST", "/session"],
      ["POST", "/auth", {}],
      ["GET", "/libpod/info"],
      ["POST", `/libpod/containers/${LAB}/exec`, { Cmd: ["id"] }],
    ];
    for (const [method, rawPath, body] of refused) {
      const answer = await rawRequest(proxyPort, method, rawPath, body);
      expect({ method, rawPath, status: answer.status }).toEqual({ method, rawPath, status: 403 });
      expect(answer.body).toMatch(/refused by the Switchyard Docker API proxy/);
    }

    // The same probe requests, checked on the engine itself: no container, volume, network or exec was made.
    await expect(engine.getContainer(PROBE).inspect()).rejects.toMatchObject({ statusCode: 404 });
    const { Volumes } = await engine.listVolumes();
    expect((Volumes ?? []).map((volume) => volume.Name)).not.toContain(PROBE);
    expect((await engine.listNetworks()).map((network) => network.Name)).not.toContain(PROBE);
    expect((await engine.getContainer(LAB).inspect()).ExecIDs ?? []).toEqual([]);

    // A control: the engine itself would have created the container, so the 403 above is the proxy's doing.
    const created = await engine.createContainer({ name: PROBE, Image: SIM_IMAGE, Cmd: ["/bin/sh"] });
    expect((await created.inspect()).Name.replace(/^\//, "")).toBe(PROBE);
    await created.remove({ force: true });
    // And an allowed call passes the very same proxy.
    expect((await rawRequest(proxyPort, "GET", `/containers/${LAB}/json`)).status).toBe(200);
  });
});

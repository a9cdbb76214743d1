import { afterEach, describe, expect, test, vi } from "vitest";
import { createDockerClient, DEFAULT_DOCKER_SOCKET, describeDockerEndpoint, InvalidDockerHostError, parseDockerHost } from "./docker-connection";

describe("parseDockerHost", () => {
  test("unset or empty means the default socket", () => {
    expect(parseDockerHost(undefined)).toEqual({ kind: "unix", socketPath: DEFAULT_DOCKER_SOCKET });
    expect(parseDockerHost("  ")).toEqual({ kind: "unix", socketPath: DEFAULT_DOCKER_SOCKET });
    expect(parseDockerHost("unix://")).toEqual({ kind: "unix", socketPath: DEFAULT_DOCKER_SOCKET });
  });

  test("unix:// names a socket path", () => {
    expect(parseDockerHost("unix:///run/podman/podman.sock")).toEqual({ kind: "unix", socketPath: "/run/podman/podman.sock" });
  });

  test("tcp:// (a socket proxy) with and without a port", () => {
    expect(parseDockerHost("tcp://127.0.0.1:2375")).toEqual({ kind: "tcp", host: "127.0.0.1", port: 2375 });
    expect(parseDockerHost("tcp://docker-proxy:23750")).toEqual({ kind: "tcp", host: "docker-proxy", port: 23750 });
    expect(parseDockerHost("tcp://docker-proxy")).toEqual({ kind: "tcp", host: "docker-proxy", port: 2375 });
    expect(parseDockerHost("docker-proxy:2375")).toEqual({ kind: "tcp", host: "docker-proxy", port: 2375 });
  });

  test("schemes it cannot serve are refused with the value in the message", () => {
    expect(() => parseDockerHost("ssh://user@gpu-host")).toThrow(InvalidDockerHostError);
    expect(() => parseDockerHost("ssh://user@gpu-host")).toThrow(/ssh:\/\/user@gpu-host.*unsupported scheme ssh/);
    expect(() => parseDockerHost("unix://relative.sock")).toThrow(/absolute/);
  });

  test("endpoints are described the way DOCKER_HOST spells them", () => {
    expect(describeDockerEndpoint({ kind: "unix", socketPath: "/run/podman-test.sock" })).toBe("unix:///run/podman-test.sock");
    expect(describeDockerEndpoint({ kind: "tcp", host: "127.0.0.1", port: 2375 })).toBe("tcp://127.0.0.1:2375");
  });
});

describe("createDockerClient", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  // docker-modem merges DOCKER_HOST from the environment into its options; the endpoint we pass must win.
  test("talks to the given socket even when DOCKER_HOST says otherwise", () => {
    vi.stubEnv("DOCKER_HOST", "tcp://somewhere-else:2376");
    vi.stubEnv("DOCKER_TLS_VERIFY", "1");
    const client = createDockerClient({ kind: "unix", socketPath: "/run/podman-test.sock" });
    const modem = client.modem as { socketPath?: unknown; host?: unknown; protocol?: unknown };
    expect(modem.socketPath).toBe("/run/podman-test.sock");
    expect(modem.host).toBeUndefined();
    expect(modem.protocol).toBe("http");
  });

  test("talks to the given TCP address over plain HTTP", () => {
    vi.stubEnv("DOCKER_HOST", "unix:///elsewhere.sock");
    const client = createDockerClient({ kind: "tcp", host: "127.0.0.1", port: 2375 });
    const modem = client.modem as { socketPath?: unknown; host?: unknown; port?: unknown; protocol?: unknown };
    expect(modem.host).toBe("127.0.0.1");
    expect(modem.port).toBe(2375);
    expect(modem.socketPath).toBeUndefined();
    expect(modem.protocol).toBe("http");
  });
});

import Docker from "dockerode";

/**
 * Where the Docker Engine API lives. Callers pass DOCKER_HOST in (lib/ never reads the environment): a unix
 * socket, or plain HTTP over TCP for a socket proxy that only allows the calls Switchyard makes.
 */
export type DockerEndpoint = { kind: "unix"; socketPath: string } | { kind: "tcp"; host: string; port: number };

export const DEFAULT_DOCKER_SOCKET = "/var/run/docker.sock";

export class InvalidDockerHostError extends Error {
  readonly code = "INVALID_DOCKER_HOST";
  constructor(readonly value: string, reason: string) {
    super(`DOCKER_HOST="${value}": ${reason} (use unix:///var/run/docker.sock or tcp://127.0.0.1:2375)`);
    this.name = "InvalidDockerHostError";
  }
}

/** Parses a DOCKER_HOST value; unset or empty means the default socket. */
export function parseDockerHost(value: string | undefined): DockerEndpoint {
  const trimmed = value?.trim() ?? "";
  if (trimmed === "") return { kind: "unix", socketPath: DEFAULT_DOCKER_SOCKET };
  if (trimmed.startsWith("unix://")) {
    const socketPath = trimmed.slice("unix://".length);
    if (socketPath !== "" && !socketPath.startsWith("/")) {
      throw new InvalidDockerHostError(value ?? "", "a unix socket path must be absolute");
    }
    return { kind: "unix", socketPath: socketPath || DEFAULT_DOCKER_SOCKET };
  }
  if (trimmed.startsWith("/")) return { kind: "unix", socketPath: trimmed };

  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `tcp://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new InvalidDockerHostError(value ?? "", "not a URL");
  }
  if (url.protocol !== "tcp:" && url.protocol !== "http:") {
    // TLS client certificates and ssh tunnels are out of scope: put a socket proxy on localhost instead.
    throw new InvalidDockerHostError(value ?? "", `unsupported scheme ${url.protocol.replace(/:$/, "")}://`);
  }
  if (url.hostname === "") throw new InvalidDockerHostError(value ?? "", "no host name");
  const port = url.port === "" ? 2375 : Number(url.port);
  return { kind: "tcp", host: url.hostname, port };
}

/** How error messages name the engine: the socket path or the TCP address. */
export function describeDockerEndpoint(endpoint: DockerEndpoint): string {
  return endpoint.kind === "unix" ? `unix://${endpoint.socketPath}` : `tcp://${endpoint.host}:${endpoint.port}`;
}

/**
 * A dockerode client for exactly this endpoint. docker-modem merges DOCKER_HOST, DOCKER_TLS_VERIFY,
 * DOCKER_CERT_PATH and DOCKER_CLIENT_TIMEOUT from the environment into whatever it is given, so every one of
 * those settings is stated here to keep the environment out of it.
 */
export function createDockerClient(endpoint: DockerEndpoint): Docker {
  const neutral = { ca: undefined, cert: undefined, key: undefined, timeout: undefined, protocol: "http" as const };
  if (endpoint.kind === "unix") {
    return new Docker({ ...neutral, socketPath: endpoint.socketPath, host: undefined, port: undefined });
  }
  const options: Docker.DockerOptions & { pathPrefix: string } = {
    ...neutral,
    host: endpoint.host,
    port: endpoint.port,
    pathPrefix: "/",
  };
  return new Docker(options);
}

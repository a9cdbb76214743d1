import Docker from "dockerode";
import { createDockerClient, parseDockerHost, type DockerEndpoint } from "./docker-connection";
import { containerOperationError, isNotModified, NoContainerConfiguredError, unreachableError } from "./docker-errors";
import { watchDockerEvents, type DockerEventWatcher, type EngineContainerEvent, type EventStream } from "./docker-events";
import { toContainerInfo } from "./docker-inspect";
import { dockerLogLines } from "./docker-log-frames";
import { fetchRawContainerLogs } from "./docker-logs";
import type { ContainerEvent, ContainerInfo, ContainerRuntime } from "./types";

/**
 * The docker container runtime (ARCHITECTURE.md, "the lab"): adopts the operator's containers by name through the Docker
 * Engine API (Docker, or Podman's compatible service). It inspects, starts, stops, restarts and reads logs and
 * events; it never creates or removes a container.
 */

export { NoContainerConfiguredError, DockerEngineError } from "./docker-errors";

/** A client, a socket path, or a DOCKER_HOST value (unix:// or tcp://) the caller read from its environment. */
export type DockerClientOption = Docker | { socketPath: string } | { dockerHost: string | undefined };

export interface DockerRuntimeOptions {
  docker: DockerClientOption;
  /** Backend id -> container name, read on every call so a config reload takes effect at once. */
  containers: () => Readonly<Record<string, string | undefined>>;
  /** Limit for reads (ping, inspect, logs) before the engine counts as unavailable. Default 10 s. */
  requestTimeoutMs?: number;
  /** Limit for start, and for stop/restart on top of their grace period. Default 60 s. */
  operationTimeoutMs?: number;
  /** Grace period between SIGTERM and SIGKILL when the caller gives none. Default 10 s, as `docker stop`. */
  defaultStopTimeoutSeconds?: number;
  /** Reconnect delays of the event stream. */
  eventsBackoff?: { initialMs?: number; maxMs?: number };
  /** Told when the event stream drops or comes back (it reconnects by itself). */
  onEventsConnectionChange?: (change: { connected: boolean; error?: unknown }) => void;
}

const DEFAULT_LOG_TAIL = 100;
const MAX_LOG_TAIL = 10_000;

function endpointOf(client: Docker): DockerEndpoint {
  const modem: unknown = client.modem;
  if (typeof modem === "object" && modem !== null) {
    if ("socketPath" in modem && typeof modem.socketPath === "string") return { kind: "unix", socketPath: modem.socketPath };
    if ("host" in modem && typeof modem.host === "string") {
      const port = "port" in modem ? Number(modem.port) : NaN;
      return { kind: "tcp", host: modem.host, port: Number.isFinite(port) ? port : 2375 };
    }
  }
  return { kind: "unix", socketPath: "(socket of the given docker client)" };
}

function resolveClient(option: DockerClientOption): { client: Docker; endpoint: DockerEndpoint } {
  if (option instanceof Docker) return { client: option, endpoint: endpointOf(option) };
  const endpoint: DockerEndpoint = "socketPath" in option ? { kind: "unix", socketPath: option.socketPath } : parseDockerHost(option.dockerHost);
  return { client: createDockerClient(endpoint), endpoint };
}

/** Docker reports names with a leading slash in some places and without in others. */
function sameName(a: string, b: string): boolean {
  return a.replace(/^\//, "") === b.replace(/^\//, "");
}

export function createDockerRuntime(options: DockerRuntimeOptions): ContainerRuntime {
  const { client, endpoint } = resolveClient(options.docker);
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  const operationTimeoutMs = options.operationTimeoutMs ?? 60_000;
  const defaultStopSeconds = options.defaultStopTimeoutSeconds ?? 10;

  const listeners = new Set<(event: ContainerEvent) => void>();
  let watcher: DockerEventWatcher | null = null;

  const containerNameOf = (backendId: string): string => {
    const name = options.containers()[backendId];
    if (!name) throw new NoContainerConfiguredError(backendId);
    return name;
  };

  /** Runs one engine call for a backend's container with a deadline, and maps failures to the runtime's errors. */
  const withContainer = async <T>(
    backendId: string,
    operation: string,
    timeoutMs: number,
    call: (container: Docker.Container, signal: AbortSignal, name: string) => Promise<T>,
  ): Promise<T> => {
    const name = containerNameOf(backendId);
    try {
      return await call(client.getContainer(name), AbortSignal.timeout(timeoutMs), name);
    } catch (error) {
      throw containerOperationError(error, { endpoint, backendId, containerName: name, operation, timeoutMs });
    }
  };

  const stopBudgetMs = (seconds: number) => seconds * 1000 + operationTimeoutMs;

  const dispatch = (event: EngineContainerEvent) => {
    for (const [backendId, name] of Object.entries(options.containers())) {
      if (!name || !sameName(name, event.containerName)) continue;
      const out: ContainerEvent = { backendId, action: event.action, exitCode: event.exitCode, at: event.at };
      for (const listener of listeners) {
        try {
          listener(out);
        } catch {
          // A listener's bug must not end the event stream for the others.
        }
      }
    }
  };

  const startWatching = () => {
    watcher = watchDockerEvents({
      // Only the type is filtered by the engine. Actions are filtered here because Podman matches its own names
      // ("died", not "die") against an event filter; container names here so a config reload needs no new stream.
      open: async (sinceSeconds) => {
        const filters = { type: ["container" as const] };
        const stream = await client.getEvents(sinceSeconds === undefined ? { filters } : { filters, since: sinceSeconds });
        return stream as unknown as EventStream;
      },
      onEvent: dispatch,
      ...(options.onEventsConnectionChange ? { onConnectionChange: options.onEventsConnectionChange } : {}),
      ...(options.eventsBackoff ? { backoff: options.eventsBackoff } : {}),
    });
  };

  return {
    kind: "docker",

    async ping() {
      try {
        // dockerode's typings omit ping's options; the implementation takes the same { abortSignal } as the rest.
        const ping = client.ping.bind(client) as (opts: { abortSignal: AbortSignal }) => Promise<unknown>;
        await ping({ abortSignal: AbortSignal.timeout(requestTimeoutMs) });
        return { ok: true };
      } catch (error) {
        const unreachable = unreachableError(error, endpoint, requestTimeoutMs);
        return { ok: false, error: unreachable?.message ?? `docker engine ping failed: ${String(error)}` };
      }
    },

    inspect(backendId): Promise<ContainerInfo> {
      return withContainer(backendId, "inspect", requestTimeoutMs, async (container, signal, name) =>
        toContainerInfo(backendId, name, await container.inspect({ abortSignal: signal })),
      );
    },

    async start(backendId) {
      await withContainer(backendId, "start", operationTimeoutMs, async (container, signal) => {
        try {
          await container.start({ abortSignal: signal });
        } catch (error) {
          if (!isNotModified(error)) throw error;
        }
      });
    },

    async stop(backendId, stopOptions) {
      const seconds = stopOptions?.timeoutSeconds ?? defaultStopSeconds;
      await withContainer(backendId, "stop", stopBudgetMs(seconds), async (container, signal) => {
        try {
          await container.stop({ t: seconds, abortSignal: signal });
        } catch (error) {
          if (!isNotModified(error)) throw error;
        }
      });
    },

    async restart(backendId, restartOptions) {
      const seconds = restartOptions?.timeoutSeconds ?? defaultStopSeconds;
      await withContainer(backendId, "restart", stopBudgetMs(seconds), async (container, signal) => {
        // dockerode types restart's options as {}; the engine takes t like stop.
        await container.restart({ t: seconds, abortSignal: signal });
      });
    },

    logs(backendId, logOptions) {
      const tail = Math.min(Math.max(Math.trunc(logOptions?.tail ?? DEFAULT_LOG_TAIL), 0), MAX_LOG_TAIL);
      return withContainer(backendId, "read the logs of", requestTimeoutMs, async (container, signal) => {
        if (tail === 0) return [];
        // Only a container without a TTY has its output multiplexed.
        const info = await container.inspect({ abortSignal: signal });
        const raw = await fetchRawContainerLogs(container, { tail, signal });
        return dockerLogLines(raw, { tty: info.Config.Tty, tail });
      });
    },

    onEvent(listener) {
      listeners.add(listener);
      if (!watcher) startWatching();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && watcher) {
          watcher.close();
          watcher = null;
        }
      };
    },

    async close() {
      listeners.clear();
      watcher?.close();
      watcher = null;
    },
  };
}

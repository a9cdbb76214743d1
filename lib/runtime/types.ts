import { BrandedError } from "@/lib/errors/branded-error";
/**
 * Container runtimes behind one interface (ARCHITECTURE.md, "the lab"). Runtimes adopt existing containers by name
 * (docker) or run simulator processes (simulated); they never create or remove containers.
 */

export type ContainerState = "running" | "created" | "restarting" | "paused" | "exited" | "dead" | "missing";

export interface ContainerInfo {
  backendId: string;
  /** Container name (docker) or a process label (simulated). */
  name: string;
  state: ContainerState;
  exitCode: number | null;
  oomKilled: boolean;
  restartCount: number;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** The runtime's own error text when it could not tell (e.g. permission denied). */
  error: string | null;
}

export interface ContainerEvent {
  backendId: string;
  /** start | die | oom | stop | restart | kill, as the runtime reports. */
  action: string;
  exitCode: number | null;
  at: Date;
}

/** A runtime that cannot be reached (socket missing, permission denied): reported, never thrown into the lab. */
export class RuntimeUnavailableError extends BrandedError {
  static override readonly brand = "switchyard.RuntimeUnavailableError";
  constructor(message: string) {
    super(message);
    this.name = "RuntimeUnavailableError";
  }
}

/** The config names a container the runtime does not have: a config problem, not a crash. */
export class ContainerNotFoundError extends BrandedError {
  static override readonly brand = "switchyard.ContainerNotFoundError";
  constructor(
    readonly backendId: string,
    readonly containerName: string,
  ) {
    super(`backend ${backendId}: no container named "${containerName}" exists; create it (docker compose up --no-start) or fix the config`);
    this.name = "ContainerNotFoundError";
  }
}

export interface ContainerRuntime {
  readonly kind: "docker" | "simulated";
  /** Reachability of the engine itself. */
  ping(): Promise<{ ok: true } | { ok: false; error: string }>;
  inspect(backendId: string): Promise<ContainerInfo>;
  start(backendId: string): Promise<void>;
  /** Stops gracefully (SIGTERM, then SIGKILL after `timeoutSeconds`). */
  stop(backendId: string, options?: { timeoutSeconds?: number }): Promise<void>;
  restart(backendId: string, options?: { timeoutSeconds?: number }): Promise<void>;
  /** The last `tail` lines of the container's output (stdout and stderr interleaved). */
  logs(backendId: string, options?: { tail?: number }): Promise<string[]>;
  /** Subscribes to container lifecycle events of the configured backends; returns an unsubscribe function. */
  onEvent(listener: (event: ContainerEvent) => void): () => void;
  close(): Promise<void>;
}

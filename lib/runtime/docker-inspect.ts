import type Docker from "dockerode";
import type { ContainerInfo, ContainerState } from "./types";

/** The parts of `GET /containers/{id}/json` the runtime reads (Docker and Podman's compat API agree on these). */
export type DockerInspect = Pick<Docker.ContainerInspectInfo, "RestartCount"> & {
  State: Pick<Docker.ContainerInspectInfo["State"], "Status" | "ExitCode" | "OOMKilled" | "Error" | "StartedAt" | "FinishedAt">;
  Config: Pick<Docker.ContainerInspectInfo["Config"], "Tty">;
};

const DOCKER_STATES: Record<string, ContainerState> = {
  created: "created",
  running: "running",
  restarting: "restarting",
  paused: "paused",
  exited: "exited",
  dead: "dead",
  removing: "dead",
  // libpod's own names, in case an engine passes them through.
  configured: "created",
  initialized: "created",
  stopped: "exited",
};

/** Engines report "never" as Go's zero time (0001-01-01T00:00:00Z). */
export function parseEngineTime(value: string | undefined): Date | null {
  if (!value) return null;
  const date = new Date(value);
  const time = date.getTime();
  return Number.isNaN(time) || time <= 0 ? null : date;
}

export function toContainerInfo(backendId: string, name: string, inspect: DockerInspect): ContainerInfo {
  const state = DOCKER_STATES[inspect.State.Status];
  const startedAt = parseEngineTime(inspect.State.StartedAt);
  const finishedAt = parseEngineTime(inspect.State.FinishedAt);
  // The engine says 0 for a container that never ran or is running: only a finished run has an exit code.
  const hasExited = (state === "exited" || state === "dead") && finishedAt !== null;
  const errors = [inspect.State.Error, state ? "" : `unknown container state "${inspect.State.Status}"`].filter(Boolean);
  return {
    backendId,
    name,
    state: state ?? "dead",
    exitCode: hasExited ? inspect.State.ExitCode : null,
    oomKilled: inspect.State.OOMKilled,
    restartCount: inspect.RestartCount ?? 0,
    startedAt,
    finishedAt,
    error: errors.length > 0 ? errors.join("; ") : null,
  };
}

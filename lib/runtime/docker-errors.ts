import { ContainerNotFoundError, RuntimeUnavailableError } from "./types";
import { describeDockerEndpoint, type DockerEndpoint } from "./docker-connection";
import { BrandedError } from "@/lib/errors/branded-error";

/** The backend has no `container` in the config: it is external, so there is nothing to start or stop. */
export class NoContainerConfiguredError extends BrandedError {
  static override readonly brand = "switchyard.NoContainerConfiguredError";
  readonly code = "NO_CONTAINER_CONFIGURED";
  constructor(readonly backendId: string) {
    super(`backend ${backendId} has no container in the config: it is external, so Switchyard cannot manage it`);
    this.name = "NoContainerConfiguredError";
  }
}

/** The engine answered but refused the operation (e.g. a start that fails because a port or GPU is taken). */
export class DockerEngineError extends BrandedError {
  static override readonly brand = "switchyard.DockerEngineError";
  readonly code = "DOCKER_ENGINE_ERROR";
  constructor(
    message: string,
    readonly statusCode: number | null,
  ) {
    super(message);
    this.name = "DockerEngineError";
  }
}

interface ErrorShape {
  code?: unknown;
  name?: unknown;
  statusCode?: unknown;
  message?: unknown;
  json?: unknown;
}

function shapeOf(error: unknown): ErrorShape {
  return typeof error === "object" && error !== null ? (error as ErrorShape) : {};
}

/** The engine's 304: the container already is where we want it (started, or stopped). */
export function isNotModified(error: unknown): boolean {
  return shapeOf(error).statusCode === 304;
}

/** The engine's own message ({"message": "..."}), without docker-modem's "(HTTP code 500) server error - " prefix. */
function engineMessage(error: ErrorShape): string {
  const json = error.json;
  if (typeof json === "object" && json !== null && "message" in json && typeof json.message === "string") {
    return json.message;
  }
  const message = typeof error.message === "string" ? error.message : String(error);
  return message.replace(/^\(HTTP code \d+\)\s*[^-]*-\s*/, "").trim();
}

/** Socket-level failures: the engine cannot be reached at all, whichever call was made. */
export function unreachableError(error: unknown, endpoint: DockerEndpoint, timeoutMs: number): RuntimeUnavailableError | null {
  const shape = shapeOf(error);
  const where = describeDockerEndpoint(endpoint);
  const socketHint =
    endpoint.kind === "unix" ? "is the Docker (or Podman) service running, and does DOCKER_HOST point at its socket?" : "is the engine or socket proxy running?";
  switch (shape.code) {
    case "ENOENT":
      return new RuntimeUnavailableError(`docker engine socket ${where} does not exist: ${socketHint}`);
    case "EACCES":
    case "EPERM":
      return new RuntimeUnavailableError(
        `permission denied on docker engine socket ${where}: run Switchyard as a user allowed to use it (the docker group) or point DOCKER_HOST at a socket proxy`,
      );
    case "ECONNREFUSED":
      return new RuntimeUnavailableError(`docker engine at ${where} refused the connection: ${socketHint}`);
    case "ECONNRESET":
    case "EPIPE":
    case "ETIMEDOUT":
    case "EHOSTUNREACH":
    case "ENETUNREACH":
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return new RuntimeUnavailableError(`docker engine at ${where} is unreachable (${shape.code})`);
  }
  if (shape.name === "AbortError" || shape.name === "TimeoutError") {
    const limit = timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`;
    return new RuntimeUnavailableError(`docker engine at ${where} did not answer within ${limit}`);
  }
  if (shape.statusCode === 401 || shape.statusCode === 403) {
    return new RuntimeUnavailableError(
      `docker engine at ${where} refused the call (HTTP ${shape.statusCode}: ${engineMessage(shape)}); a socket proxy must allow list, inspect, start, stop, restart, logs and events`,
    );
  }
  return null;
}

/** Maps whatever dockerode threw for one container operation to the runtime's error classes. */
export function containerOperationError(
  error: unknown,
  context: { endpoint: DockerEndpoint; backendId: string; containerName: string; operation: string; timeoutMs: number },
): Error {
  const unreachable = unreachableError(error, context.endpoint, context.timeoutMs);
  if (unreachable) return unreachable;
  const shape = shapeOf(error);
  if (shape.statusCode === 404) return new ContainerNotFoundError(context.backendId, context.containerName);
  const statusCode = typeof shape.statusCode === "number" ? shape.statusCode : null;
  return new DockerEngineError(
    `backend ${context.backendId}: could not ${context.operation} container "${context.containerName}": ${engineMessage(shape)}`,
    statusCode,
  );
}

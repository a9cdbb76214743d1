import { createLineSplitter } from "@/lib/telemetry/line-splitter";

/**
 * Follows the engine's event stream (`GET /events`, one JSON object per line) and keeps following it: when the
 * stream ends or cannot be opened (engine restarted, socket gone), it reconnects with exponential backoff and asks
 * for the events it missed meanwhile (`since`), dropping the ones it already passed on.
 */

/** The lifecycle actions the lab reacts to; the engine reports many more (exec, attach, health_status...). */
export const WATCHED_ACTIONS = ["start", "die", "oom", "stop", "restart"] as const;
export type WatchedAction = (typeof WATCHED_ACTIONS)[number];

export interface EngineContainerEvent {
  containerName: string;
  action: WatchedAction;
  exitCode: number | null;
  at: Date;
  /** Engine timestamp in nanoseconds: orders events and spots the ones replayed after a reconnect. */
  timeNano: bigint;
}

interface RawEvent {
  Type?: unknown;
  Action?: unknown;
  status?: unknown;
  time?: unknown;
  Actor?: { Attributes?: Record<string, unknown> };
}

/** JSON.parse would round a nanosecond timestamp (above 2^53), so it is read from the text itself. */
function toTimeNano(line: string, raw: RawEvent): bigint | null {
  const exact = /"timeNano"\s*:\s*(\d+)/.exec(line)?.[1];
  if (exact !== undefined) return BigInt(exact);
  if (typeof raw.time === "number" && Number.isInteger(raw.time)) return BigInt(raw.time) * 1_000_000_000n;
  return null;
}

/** One line of the event stream to a container lifecycle event, or null for anything else. */
export function parseDockerEvent(line: string): EngineContainerEvent | null {
  let raw: RawEvent;
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed !== "object" || parsed === null) return null;
    raw = parsed as RawEvent;
  } catch {
    return null;
  }
  if (raw.Type !== undefined && raw.Type !== "container") return null;
  const actionText = typeof raw.Action === "string" ? raw.Action : typeof raw.status === "string" ? raw.status : "";
  // libpod's native name for die.
  const normalized = actionText === "died" ? "die" : actionText;
  if (!(WATCHED_ACTIONS as readonly string[]).includes(normalized)) return null;
  const attributes = raw.Actor?.Attributes ?? {};
  const containerName = attributes.name;
  const timeNano = toTimeNano(line, raw);
  if (typeof containerName !== "string" || timeNano === null) return null;
  const exitText = attributes.exitCode ?? (normalized === "die" ? attributes.containerExitCode : undefined);
  const exitCode = typeof exitText === "string" && /^-?\d+$/.test(exitText) ? Number(exitText) : null;
  return {
    containerName,
    action: normalized as WatchedAction,
    exitCode,
    at: new Date(Number(timeNano / 1_000_000n)),
    timeNano,
  };
}

/** What the watcher needs from the event stream dockerode hands back. */
export interface EventStream {
  on(event: "data", listener: (chunk: Buffer | string) => void): unknown;
  on(event: "end" | "close", listener: () => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
  destroy?(): unknown;
}

export interface DockerEventWatcherOptions {
  /** Opens the stream; `sinceSeconds` (engine time) asks for the events since then first. */
  open(sinceSeconds: number | undefined): Promise<EventStream>;
  onEvent(event: EngineContainerEvent): void;
  /** Connection changes (not every failed retry), for logs and status pages; the watcher handles them itself. */
  onConnectionChange?(change: { connected: boolean; error?: unknown }): void;
  /** Reconnect delays: `initialMs`, doubling up to `maxMs` (defaults 500 ms and 30 s). */
  backoff?: { initialMs?: number; maxMs?: number };
  now?: () => number;
}

export interface DockerEventWatcher {
  close(): void;
}

/** A stream that lived this long was a real connection: the next failure starts the backoff afresh. */
const HEALTHY_STREAM_MS = 10_000;

export function watchDockerEvents(options: DockerEventWatcherOptions): DockerEventWatcher {
  const initialMs = options.backoff?.initialMs ?? 500;
  const maxMs = options.backoff?.maxMs ?? 30_000;
  const now = options.now ?? Date.now;

  let closed = false;
  let current: EventStream | null = null;
  let retryTimer: NodeJS.Timeout | null = null;
  let nextDelayMs = initialMs;
  let lastTimeNano: bigint | null = null;
  /** Engine time (ms) from which a reconnect must replay: when the previous stream was opened. */
  let resumeFromMs: number | null = null;

  let reportedConnected: boolean | null = null;
  const report = (connected: boolean, error?: unknown) => {
    if (reportedConnected === connected) return;
    reportedConnected = connected;
    options.onConnectionChange?.({ connected, ...(error === undefined ? {} : { error }) });
  };

  const scheduleReconnect = (error?: unknown) => {
    if (closed || retryTimer) return;
    report(false, error);
    retryTimer = setTimeout(() => {
      retryTimer = null;
      void connect();
    }, nextDelayMs);
    nextDelayMs = Math.min(nextDelayMs * 2, maxMs);
  };

  const connect = async () => {
    if (closed) return;
    const replayFrom = lastTimeNano !== null ? Number(lastTimeNano / 1_000_000n) : resumeFromMs;
    const openedAt = now();
    let stream: EventStream;
    try {
      stream = await options.open(replayFrom === null ? undefined : Math.floor(replayFrom / 1000));
    } catch (error) {
      scheduleReconnect(error);
      return;
    }
    if (closed) {
      stream.destroy?.();
      return;
    }
    current = stream;
    resumeFromMs ??= openedAt;
    report(true);

    let ended = false;
    let delivered = false;
    const splitter = createLineSplitter((line) => {
      if (line.trim() === "") return;
      const event = parseDockerEvent(line);
      if (!event) return;
      if (lastTimeNano !== null && event.timeNano <= lastTimeNano) return;
      lastTimeNano = event.timeNano;
      delivered = true;
      options.onEvent(event);
    });
    const decoder = new TextDecoder();
    const finish = (error?: unknown) => {
      if (ended) return;
      ended = true;
      if (current === stream) current = null;
      if (closed) return;
      if (delivered || now() - openedAt >= HEALTHY_STREAM_MS) nextDelayMs = initialMs;
      // Events between this stream's start and its end may still come: replay from its start, at the latest.
      if (lastTimeNano === null) resumeFromMs = openedAt;
      scheduleReconnect(error);
    };
    stream.on("data", (chunk) => splitter.push(typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true })));
    stream.on("end", () => finish());
    stream.on("close", () => finish());
    stream.on("error", (error) => finish(error));
  };

  void connect();

  return {
    close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = null;
      current?.destroy?.();
      current = null;
    },
  };
}

/**
 * The order in which a stopping Switchyard lets go: refuse new requests, let the running ones finish (bounded),
 * stop everything that produces work, flush what was produced, then close the connections. Each part is
 * stopped even when an earlier one fails, so a stop always releases the database and the ports.
 */
export interface ShutdownParts {
  /** Called first: from now on new requests are refused. */
  beginDraining(): void;
  inFlight(): number;
  drainMs: number;
  /** Timers and watchers: nothing new gets started after these. */
  producers: (() => void | Promise<void>)[];
  /** Writers that flush what they hold. */
  flushers: (() => Promise<void>)[];
  /** Connections and child processes, closed last. */
  closers: (() => Promise<void>)[];
}

export async function runShutdown(parts: ShutdownParts, sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))): Promise<void> {
  parts.beginDraining();
  const deadline = Date.now() + parts.drainMs;
  while (parts.inFlight() > 0 && Date.now() < deadline) await sleep(50);
  for (const stage of [parts.producers, parts.flushers, parts.closers]) {
    for (const stop of stage) {
      try {
        await stop();
      } catch (error) {
        console.error("[switchyard] a part failed to stop", error);
      }
    }
  }
}

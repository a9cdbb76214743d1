import { getSwitchyard, type Switchyard } from "./switchyard";

/**
 * Starts Switchyard inside the Next.js server process and owns its shutdown: on SIGTERM/SIGINT new requests
 * are refused, in-flight ones finish (bounded), the request log is flushed, then the process exits 0.
 * `npm start` sets NEXT_MANUAL_SIG_HANDLE so that Next leaves the signals to us.
 */
export async function startOnServer(): Promise<void> {
  installShutdownHandlers(await getSwitchyard());
}

export function installShutdownHandlers(switchyard: Switchyard): void {
  const onSignal = (signal: NodeJS.Signals) => {
    console.log(`[switchyard] ${signal}: draining, then exiting`);
    switchyard.shutdown().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error("[switchyard] shutdown failed", error);
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
}

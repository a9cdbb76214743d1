import { createSwitchyardFromEnv } from "./from-env";
import { getSwitchyard, provideSwitchyard } from "./instance";
import type { Switchyard } from "./switchyard";

/**
 * Creates this process's Switchyard from the environment, provides it to Next's code, and owns its stop: on
 * SIGTERM/SIGINT new requests are refused, in-flight ones finish (bounded), the request log is flushed, then the
 * process exits 0. Under a custom server (`npm start`) Next installs no signal handlers; `npm run dev` sets
 * NEXT_MANUAL_SIG_HANDLE so that `next dev` leaves them to us too.
 */
export async function startProcessSwitchyard(): Promise<Switchyard> {
  provideSwitchyard(createSwitchyardFromEnv());
  const switchyard = await getSwitchyard();
  installShutdownHandlers(switchyard);
  return switchyard;
}

export function installShutdownHandlers(switchyard: Switchyard): void {
  const onSignal = (signal: NodeJS.Signals) => {
    console.log(`[switchyard] ${signal}: draining, then exiting`);
    switchyard.stop().then(
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

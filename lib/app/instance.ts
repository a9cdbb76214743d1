import type { Switchyard } from "./switchyard";

/**
 * The one process-wide handle. `npm start` (scripts/server.ts) creates the Switchyard before Next prepares and
 * provides it here; `next dev` has instrumentation.ts do the same. Next bundles its route code apart from the
 * server script, so the two hold different copies of this module: the handle lives on globalThis, under a key
 * written only here. Nothing else in the project may keep state on globalThis.
 */
const KEY = Symbol.for("switchyard.instance");
const holder = globalThis as typeof globalThis & { [KEY]?: Promise<Switchyard> };

export function provideSwitchyard(instance: Promise<Switchyard>): void {
  if (holder[KEY]) throw new Error("provideSwitchyard: a Switchyard is already provided in this process");
  holder[KEY] = instance;
}

export function hasSwitchyard(): boolean {
  return holder[KEY] !== undefined;
}

/** The Switchyard of this process; a request that arrives before one was provided is a start-up bug, not a wait. */
export function getSwitchyard(): Promise<Switchyard> {
  const instance = holder[KEY];
  if (!instance) return Promise.reject(new Error("Switchyard has not been created: the server (or instrumentation.ts) must call provideSwitchyard() first"));
  return instance;
}

/** Forgets the handle after the instance stopped (tests that create several in one process). */
export function withdrawSwitchyard(): void {
  delete holder[KEY];
}

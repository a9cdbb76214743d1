/**
 * Next.js calls register() once when its server starts. Under `npm start` the server script has already created
 * and provided the Switchyard (lib/app/instance.ts); under `next dev` nothing has, so it is created here, before
 * the first request. NEXT_RUNTIME is Next's own switch between its Node.js and edge runtimes.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { hasSwitchyard } = await import("./lib/app/instance");
  if (hasSwitchyard()) return;
  const { startProcessSwitchyard } = await import("./lib/app/server-start");
  await startProcessSwitchyard();
}

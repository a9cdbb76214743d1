/**
 * Next.js calls register() once when the server starts: the lab is watched before the first request.
 * NEXT_RUNTIME is Next's own switch between its Node.js and edge runtimes.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { startOnServer } = await import("./lib/app/server-start");
    await startOnServer();
  }
}

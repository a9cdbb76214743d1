/**
 * The application as its own process, without a Next.js build: the Switchyard made as `npm start` makes it,
 * and the real route files behind a plain HTTP server, with the same signal handling as `npm start`. Tests spawn it to kill it (SIGTERM, SIGKILL).
 * Environment: PORT, SWITCHYARD_CONFIG, SWITCHYARD_DB. Prints {"event":"listening","url":...} when ready.
 */
import path from "node:path";
import { startProcessSwitchyard } from "@/lib/app/server-start";
import { getEnv } from "@/lib/env";
import { createAppRouter } from "./app-router";
import { serveFetchHandler } from "./fetch-server";

async function main(): Promise<void> {
  await startProcessSwitchyard();
  const server = await serveFetchHandler(createAppRouter(path.resolve(__dirname, "../../app")), getEnv().PORT);
  process.stdout.write(`${JSON.stringify({ event: "listening", url: server.url })}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

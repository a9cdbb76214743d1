#!/usr/bin/env node
// Generates the Prisma client into lib/db/generated/prisma (the package's postinstall and `npm run prisma:generate`).
//
// Why a wrapper: the Prisma CLI insists on resolving its schema-engine binary before any command, downloading
// it when absent, even though `generate` never runs it. Offline machines cannot download it, so we point
// PRISMA_SCHEMA_ENGINE_BINARY at any existing file (this Node binary) unless the caller already chose one.
// Migrations do not depend on the engine either: lib/db/migrate.ts applies prisma/migrations itself.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const isWindows = process.platform === "win32";
const prismaBin = path.join(projectRoot, "node_modules", ".bin", isWindows ? "prisma.cmd" : "prisma");

if (!existsSync(prismaBin)) {
  // A production install without devDependencies has no CLI; failing here would abort `npm install` itself.
  console.warn(`prisma-generate: ${prismaBin} not found (devDependencies not installed?); skipping client generation.`);
  process.exit(0);
}

const env = { ...process.env };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY) env.PRISMA_SCHEMA_ENGINE_BINARY = process.execPath;

const result = spawnSync(prismaBin, ["generate"], {
  cwd: projectRoot,
  env,
  stdio: "inherit",
  shell: isWindows, // .cmd shims need a shell on Windows
});

if (result.error) {
  console.error(`prisma-generate: could not run ${prismaBin}: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);

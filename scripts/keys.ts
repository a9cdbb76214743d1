/**
 * API keys from the command line: `npm run keys -- create --name bot --models fast,reasoning [--concurrency 4]
 * [--rpm 60] [--lane batch] [--expires 30d]`, `npm run keys -- list`, `npm run keys -- revoke <id|prefix>`.
 * Works on the database at SWITCHYARD_DB (default data/switchyard.db), migrating it first, whether or not
 * Switchyard is running (SQLite WAL lets both write).
 */
import path from "node:path";
import { createPrismaClient } from "@/lib/db/client";
import { applyMigrations } from "@/lib/db/migrate";
import { KeysCliError, keysHelp, parseKeysArgs, runKeysCommand, type KeysCommand } from "@/lib/auth/keys-cli";

async function main(): Promise<number> {
  let command: KeysCommand;
  try {
    command = parseKeysArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof KeysCliError)) throw error;
    process.stderr.write(`${error.message}\n\n${keysHelp()}\n`);
    return 2;
  }
  if (command.command === "help") {
    process.stdout.write(`${keysHelp()}\n`);
    return 0;
  }
  const dbFile = path.resolve(process.env.SWITCHYARD_DB || "data/switchyard.db");
  const applied = applyMigrations(dbFile, path.resolve(import.meta.dirname, "../prisma/migrations"));
  if (applied.length > 0) process.stderr.write(`database ${dbFile}: applied ${applied.join(", ")}\n`);
  const prisma = createPrismaClient(dbFile);
  try {
    return await runKeysCommand(command, {
      prisma,
      stdout: (line) => process.stdout.write(`${line}\n`),
      stderr: (line) => process.stderr.write(`${line}\n`),
    });
  } finally {
    await prisma.$disconnect();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`keys: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);

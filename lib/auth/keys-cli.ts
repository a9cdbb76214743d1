import { parseArgs } from "node:util";
import type { PrismaClient } from "@/lib/db/client";
import { findApiKeysByIdOrPrefix, listApiKeys, revokeApiKey, type ApiKeyLane, type ApiKeySummary } from "@/lib/db/queries/api-keys";
import { API_KEY_CACHE_TTL_MS, apiKeyStatus, issueApiKey } from "./api-keys";
import { InvalidExpiryError, parseExpiry } from "./expiry";

/** `npm run keys -- <create|list|revoke>`: the argument parser and the commands (scripts/keys.ts is the entry point). */

export type KeysCommand =
  | {
      command: "create";
      name: string;
      models: string[];
      concurrency: number | null;
      requestsPerMinute: number | null;
      lane: ApiKeyLane;
      expires: string | null;
      defaultModel: string | null;
      captureBodies: boolean;
    }
  | { command: "list"; json: boolean }
  | { command: "revoke"; ref: string }
  | { command: "help" };

export class KeysCliError extends Error {
  override readonly name = "KeysCliError";
}

export function keysHelp(): string {
  return `Usage: npm run keys -- <command>

  create --name <name> [--models a,b] [--concurrency N] [--rpm N] [--lane interactive|batch]
         [--expires 30d|12h|2027-01-31] [--default-model <model>] [--capture-bodies]
      Creates an API key and prints it once (stdout); it cannot be shown again.
      --models limits the key to these model names and aliases (default: all).
  list [--json]
      Lists keys (never the keys themselves) with their status and last use.
  revoke <id|prefix>
      Revokes a key. A running Switchyard stops accepting it within ${API_KEY_CACHE_TTL_MS / 1000} s.

The database is SWITCHYARD_DB (default data/switchyard.db); pending migrations are applied first.`;
}

function positiveInt(value: string | undefined, flag: string): number | null {
  if (value === undefined) return null;
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) throw new KeysCliError(`${flag} needs a positive whole number, not "${value}".`);
  return Number(value);
}

export function parseKeysArgs(argv: string[]): KeysCommand {
  const [command, ...rest] = argv;
  if (command === undefined || command === "help" || command === "--help" || command === "-h") return { command: "help" };
  try {
    switch (command) {
      case "create": {
        const { values, positionals } = parseArgs({
          args: rest,
          strict: true,
          allowPositionals: true,
          options: {
            name: { type: "string" },
            models: { type: "string" },
            concurrency: { type: "string" },
            rpm: { type: "string" },
            lane: { type: "string" },
            expires: { type: "string" },
            "default-model": { type: "string" },
            "capture-bodies": { type: "boolean" },
          },
        });
        if (positionals.length > 0) throw new KeysCliError(`create takes no positional arguments (got "${positionals.join(" ")}").`);
        const name = values.name?.trim();
        if (!name) throw new KeysCliError("create needs --name <name> (who or what the key is for).");
        if (name.length > 100) throw new KeysCliError("--name is limited to 100 characters.");
        const lane = values.lane ?? "interactive";
        if (lane !== "interactive" && lane !== "batch") throw new KeysCliError(`--lane is interactive or batch, not "${lane}".`);
        return {
          command: "create",
          name,
          models: (values.models ?? "").split(",").map((model) => model.trim()).filter(Boolean),
          concurrency: positiveInt(values.concurrency, "--concurrency"),
          requestsPerMinute: positiveInt(values.rpm, "--rpm"),
          lane,
          expires: values.expires ?? null,
          defaultModel: values["default-model"]?.trim() || null,
          captureBodies: values["capture-bodies"] ?? false,
        };
      }
      case "list": {
        const { values, positionals } = parseArgs({ args: rest, strict: true, allowPositionals: true, options: { json: { type: "boolean" } } });
        if (positionals.length > 0) throw new KeysCliError("list takes no positional arguments.");
        return { command: "list", json: values.json ?? false };
      }
      case "revoke": {
        const { positionals } = parseArgs({ args: rest, strict: true, allowPositionals: true, options: {} });
        if (positionals.length !== 1 || !positionals[0]) throw new KeysCliError("revoke needs exactly one key id or prefix.");
        return { command: "revoke", ref: positionals[0] };
      }
      default:
        throw new KeysCliError(`Unknown command "${command}".`);
    }
  } catch (error) {
    if (error instanceof KeysCliError) throw error;
    // node:util parseArgs reports unknown or malformed options with a TypeError.
    throw new KeysCliError(error instanceof Error ? error.message : String(error));
  }
}

export interface KeysCliIo {
  prisma: PrismaClient;
  now?: () => Date;
  /** The key itself goes here alone, so `... create > key.txt` captures exactly the key. */
  stdout: (line: string) => void;
  stderr: (line: string) => void;
}

/** Runs one command; returns the process exit code. */
export async function runKeysCommand(command: KeysCommand, io: KeysCliIo): Promise<number> {
  const now = io.now?.() ?? new Date();
  switch (command.command) {
    case "help":
      io.stdout(keysHelp());
      return 0;
    case "create": {
      let expiresAt: Date | null = null;
      try {
        expiresAt = command.expires === null ? null : parseExpiry(command.expires, now);
      } catch (error) {
        if (!(error instanceof InvalidExpiryError)) throw error;
        io.stderr(`--expires: ${error.message}`);
        return 2;
      }
      const { key, apiKey } = await issueApiKey(
        {
          name: command.name,
          allowedModels: command.models,
          concurrency: command.concurrency,
          requestsPerMinute: command.requestsPerMinute,
          lane: command.lane,
          defaultModel: command.defaultModel,
          expiresAt,
          captureBodies: command.captureBodies,
          createdAt: now,
        },
        io.prisma,
      );
      io.stderr(`Created API key "${apiKey.name}" (id ${apiKey.id}, prefix ${apiKey.prefix}): ${describeLimits(apiKey)}.`);
      io.stderr("This is the only time the key is shown; store it now:");
      io.stdout(key);
      return 0;
    }
    case "list": {
      const keys = await listApiKeys(io.prisma);
      if (command.json) {
        io.stdout(JSON.stringify(keys.map((key) => ({ ...key, status: apiKeyStatus(key, now) })), null, 2));
        return 0;
      }
      if (keys.length === 0) {
        io.stderr("No API keys yet. Create one with: npm run keys -- create --name <name>");
        return 0;
      }
      io.stdout(formatTable(keys, now));
      return 0;
    }
    case "revoke": {
      const matches = await findApiKeysByIdOrPrefix(command.ref, io.prisma);
      if (matches.length === 0) {
        io.stderr(`No API key has the id or prefix "${command.ref}".`);
        return 1;
      }
      if (matches.length > 1) {
        io.stderr(`"${command.ref}" matches ${matches.length} keys; revoke one by id:\n${formatTable(matches, now)}`);
        return 1;
      }
      const target = matches[0]!;
      if (target.revokedAt) {
        io.stderr(`API key "${target.name}" (${target.prefix}) was already revoked at ${target.revokedAt.toISOString()}.`);
        return 0;
      }
      await revokeApiKey(target.id, now, io.prisma);
      io.stderr(`Revoked API key "${target.name}" (${target.prefix}). A running Switchyard refuses it within ${API_KEY_CACHE_TTL_MS / 1000} s.`);
      return 0;
    }
  }
}

function describeLimits(key: ApiKeySummary): string {
  return [
    `models ${key.allowedModels?.join(", ") ?? "all"}`,
    `lane ${key.lane}`,
    `concurrency ${key.concurrency ?? "unlimited"}`,
    `${key.requestsPerMinute ?? "unlimited"} requests/min`,
    key.expiresAt ? `expires ${key.expiresAt.toISOString()}` : "does not expire",
    ...(key.defaultModel ? [`default model ${key.defaultModel}`] : []),
    ...(key.captureBodies ? ["captures prompts and completions"] : []),
  ].join(", ");
}

function formatTable(keys: ApiKeySummary[], now: Date): string {
  const rows = [
    ["ID", "PREFIX", "NAME", "STATUS", "MODELS", "LANE", "LAST USED", "EXPIRES"],
    ...keys.map((key) => [
      key.id,
      key.prefix,
      key.name,
      apiKeyStatus(key, now),
      key.allowedModels?.join(",") ?? "all",
      key.lane,
      key.lastUsedAt?.toISOString() ?? "never",
      key.expiresAt?.toISOString() ?? "never",
    ]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join("  ").trimEnd()).join("\n");
}

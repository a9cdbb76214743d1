import path from "node:path";
import fs from "node:fs";
import { z } from "zod";

/**
 * The process environment, parsed once. Nothing else in the project reads `process.env`.
 */
const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  /** The HTTP port (`next start` reads it itself; the test server reads it here). */
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Path of the lab config file. Unset: ./switchyard.yaml if it exists, else the simulated lab. */
  SWITCHYARD_CONFIG: z.string().min(1).optional(),
  /** SQLite database file. */
  SWITCHYARD_DB: z.string().min(1).default("data/switchyard.db"),
  /** `off` disables the request log (benchmarks measure its cost); anything else keeps it on. */
  SWITCHYARD_REQUEST_LOG: z.enum(["on", "off"]).default("on"),
  /** `on` serves POST /noop, the benchmark's framework ceiling; off (404) everywhere else. */
  SWITCHYARD_BENCH_NOOP: z.enum(["on", "off"]).default("off"),
  /** The Docker Engine API for `runtime: docker`: unix:///var/run/docker.sock (default) or tcp://host:port (a socket proxy). */
  DOCKER_HOST: z.string().min(1).optional(),
  /** Console password (sign-in). Unset together with SWITCHYARD_ADMIN_TOKEN: the console is open. */
  SWITCHYARD_ADMIN_PASSWORD: z
    .string()
    .optional()
    .transform((value) => value || undefined),
  /** Admin token for scripts: `Authorization: Bearer <token>` on /api/*. */
  SWITCHYARD_ADMIN_TOKEN: z.string().min(16, "use at least 16 characters, e.g. openssl rand -base64 32").optional(),
  /** Set by CI; some checks refuse to skip when it is. */
  CI: z
    .string()
    .optional()
    .transform((value) => value === "true" || value === "1"),
});

export type Env = z.output<typeof envSchema>;

let parsed: Env | undefined;

export function getEnv(): Env {
  parsed ??= envSchema.parse(process.env);
  return parsed;
}

/**
 * The config file to load: the explicit one, a local switchyard.yaml, or the simulated lab. The simulated lab is
 * copied to data/switchyard.yaml on first use, so edits made from the console never touch the shipped file.
 */
export function resolveConfigPath(env: Env = getEnv(), cwd = process.cwd()): string {
  if (env.SWITCHYARD_CONFIG) return path.resolve(cwd, env.SWITCHYARD_CONFIG);
  const local = path.join(cwd, "switchyard.yaml");
  if (fs.existsSync(local)) return local;
  const copy = path.join(cwd, "data", "switchyard.yaml");
  if (!fs.existsSync(copy)) {
    fs.mkdirSync(path.dirname(copy), { recursive: true });
    fs.copyFileSync(path.join(cwd, "switchyard.simulated.yaml"), copy);
  }
  return copy;
}

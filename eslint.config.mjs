import { defineConfig, globalIgnores } from "eslint/config";
import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

export default defineConfig([
  ...nextVitals,
  ...nextTs,
  globalIgnores([".next/**", "node_modules/**", "lib/db/generated/**", "test-results/**", "playwright-report/**", "next-env.d.ts", ".tmp/**"]),
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" }],
      "@typescript-eslint/no-explicit-any": "error",
    },
  },
  {
    // An import cycle is a temporal-dead-zone crash waiting for one innocent edit (and, here, for Next's bundling).
    files: ["lib/**/*.{ts,tsx}", "app/**/*.{ts,tsx}", "components/**/*.{ts,tsx}", "scripts/**/*.ts", "e2e/**/*.ts"],
    rules: {
      "import/no-cycle": ["error", { ignoreExternal: true }],
    },
  },
  {
    // State shared across the process lives in the Switchyard; its one handle is lib/app/instance.ts.
    files: ["lib/**/*.{ts,tsx}", "app/**/*.{ts,tsx}", "components/**/*.{ts,tsx}", "scripts/**/*.ts"],
    ignores: ["lib/app/instance.ts"],
    rules: {
      "no-restricted-globals": ["error", { name: "globalThis", message: "Keep process state in the Switchyard (lib/app/switchyard.ts); its one handle is lib/app/instance.ts." }],
    },
  },
  {
    // lib/auth decides who may do what; each surface (/api, /v1) turns its AuthError into its own answer.
    files: ["lib/auth/**/*.ts"],
    ignores: ["**/*.test.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["@/lib/api/*", "@/lib/gateway/*", "@/lib/app/*"], message: "lib/auth throws AuthError (lib/auth/errors.ts); the surfaces map it." }] }],
    },
  },
  {
    // The environment is parsed once in lib/env.ts; everything else receives values.
    files: ["lib/**/*.ts", "components/**/*.{ts,tsx}", "app/**/*.{ts,tsx}"],
    // Tests and their harnesses set up child processes and read test-only settings.
    ignores: ["lib/env.ts", "**/*.test.ts", "lib/testing/**"],
    rules: {
      "no-restricted-properties": ["error", { object: "process", property: "env", message: "Read configuration through lib/env.ts." }],
    },
  },
  {
    // Client code never reaches the database, the container runtime or the gateway internals.
    files: ["components/**/*.{ts,tsx}"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["@/lib/db/*", "@/lib/runtime/*", "@/lib/gateway/*", "@/lib/app/*", "@/lib/sim/*"], message: "Components talk to the server through the API." },
            { group: ["dockerode", "better-sqlite3", "@prisma/*"], message: "Server-only package." },
          ],
        },
      ],
    },
  },
]);

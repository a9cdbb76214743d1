import path from "node:path";
import { defineConfig } from "vitest/config";

// Two tiers: unit tests (pure, fast, fakes allowed) and integration tests
// (real simulator processes, real SQLite, real HTTP). `*.int.test.ts` marks the latter.
export default defineConfig({
  resolve: { alias: { "@": path.resolve(__dirname) } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["lib/**/*.test.ts", "components/**/*.test.ts", "scripts/**/*.test.ts"],
          exclude: ["**/*.int.test.ts", "node_modules/**"],
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["lib/**/*.int.test.ts", "scripts/**/*.int.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // Integration tests bind ports and spawn processes: keep them from fighting over the 2 cores.
          fileParallelism: false,
        },
      },
    ],
  },
});

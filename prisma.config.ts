import { defineConfig } from "prisma/config";

// Used by the Prisma CLI only (generate, and migrate/studio where the schema engine is available).
// The app opens its own database file through lib/db/client.ts and applies migrations with
// lib/db/migrate.ts, so this URL is just the default location for CLI use.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "file:./data/switchyard.db" },
});

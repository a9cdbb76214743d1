import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { Prisma } from "@/lib/db/generated/prisma/client";
import { applyMigrations, MigrationError, PRISMA_MIGRATIONS_TABLE_DDL } from "@/lib/db/migrate";

const projectRoot = path.resolve(import.meta.dirname, "../..");
const schemaFile = path.join(projectRoot, "prisma", "schema.prisma");
const migrationsDir = path.join(projectRoot, "prisma", "migrations");

// ---------------------------------------------------------------------------------------------------------
// A deliberately strict reader of schema.prisma: it understands what Prisma's SQLite migrations turn into
// columns and indexes, and throws on anything else, so a new schema feature makes this test ask for an
// update instead of silently skipping a check.

type SchemaField = {
  name: string;
  column: string;
  type: string;
  optional: boolean;
  list: boolean;
  attributes: Map<string, string>;
};
type SchemaIndex = { name: string; columns: string[]; unique: boolean };
type SchemaModel = { name: string; table: string; fields: SchemaField[]; primaryKey: string[]; indexes: SchemaIndex[] };

const FIELD_ATTRIBUTES = new Set(["id", "default", "updatedAt", "unique", "map", "relation"]);
const SQLITE_TYPES: Record<string, string> = {
  String: "TEXT",
  Boolean: "BOOLEAN",
  Int: "INTEGER",
  BigInt: "BIGINT",
  Float: "REAL",
  Decimal: "DECIMAL",
  DateTime: "DATETIME",
  Bytes: "BLOB",
};

function stripComment(line: string): string {
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (char === '"' && line[i - 1] !== "\\") inString = !inString;
    if (!inString && char === "/" && line[i + 1] === "/") return line.slice(0, i);
  }
  return line;
}

/** Splits `@a @b(x, (y)) @db.Text` into [name, args] pairs, honouring nested parentheses and strings. */
function parseAttributes(text: string, prefix: "@" | "@@"): Array<[string, string]> {
  const result: Array<[string, string]> = [];
  let rest = text.trim();
  while (rest.length > 0) {
    const head = new RegExp(`^${prefix}([A-Za-z][\\w.]*)`).exec(rest);
    if (!head?.[1]) throw new Error(`schema parser: cannot read attribute in "${text}"`);
    rest = rest.slice(head[0].length);
    let args = "";
    if (rest.startsWith("(")) {
      let depth = 0;
      let inString = false;
      let end = 0;
      for (; end < rest.length; end++) {
        const char = rest[end];
        if (char === '"' && rest[end - 1] !== "\\") inString = !inString;
        if (inString) continue;
        if (char === "(") depth++;
        if (char === ")" && --depth === 0) break;
      }
      args = rest.slice(1, end);
      rest = rest.slice(end + 1);
    }
    result.push([head[1], args]);
    rest = rest.trim();
  }
  return result;
}

const quoted = (args: string) => /^\s*"([^"]+)"/.exec(args)?.[1];
const fieldList = (args: string) => {
  const list = /\[([^\]]*)\]/.exec(args)?.[1];
  if (list === undefined) throw new Error(`schema parser: expected a field list in (${args})`);
  return list.split(",").map((item) => item.trim().replace(/\(.*\)$/, ""));
};
const mapArgument = (args: string) => /map:\s*"([^"]+)"/.exec(args)?.[1];

function parseSchema(source: string): SchemaModel[] {
  const lines = source.split(/\r?\n/).map(stripComment);
  const blocks: Array<{ kind: string; name: string; body: string[] }> = [];
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? "").trim();
    if (line === "") continue;
    const open = /^(\w+)\s+(\w+)\s*\{$/.exec(line);
    if (!open?.[1] || !open[2]) throw new Error(`schema parser: unexpected top-level line "${line}"`);
    const body: string[] = [];
    for (i++; i < lines.length && (lines[i] ?? "").trim() !== "}"; i++) body.push((lines[i] ?? "").trim());
    blocks.push({ kind: open[1], name: open[2], body: body.filter((l) => l !== "") });
  }
  const unsupported = blocks.find((block) => !["model", "enum", "generator", "datasource"].includes(block.kind));
  if (unsupported) throw new Error(`schema parser: "${unsupported.kind}" blocks are not supported yet`);
  const enumNames = new Set(blocks.filter((block) => block.kind === "enum").map((block) => block.name));
  const modelNames = new Set(blocks.filter((block) => block.kind === "model").map((block) => block.name));

  return blocks
    .filter((block) => block.kind === "model")
    .map((block) => {
      const fields: SchemaField[] = [];
      const blockAttributes: Array<[string, string]> = [];
      for (const line of block.body) {
        if (line.startsWith("@@")) {
          blockAttributes.push(...parseAttributes(line, "@@"));
          continue;
        }
        const match = /^(\w+)\s+(\w+)(\[\])?(\?)?\s*(.*)$/.exec(line);
        if (!match?.[1] || !match[2]) throw new Error(`schema parser: cannot read field line "${line}" in ${block.name}`);
        const attributes = new Map<string, string>();
        for (const [name, args] of parseAttributes(match[5] ?? "", "@")) {
          if (!FIELD_ATTRIBUTES.has(name) && !name.startsWith("db.")) {
            throw new Error(`schema parser: field attribute @${name} is not supported yet (${block.name}.${match[1]})`);
          }
          attributes.set(name, args);
        }
        fields.push({
          name: match[1],
          column: quoted(attributes.get("map") ?? "") ?? match[1],
          type: match[2],
          optional: match[4] === "?",
          list: match[3] === "[]",
          attributes,
        });
      }
      const table = quoted(blockAttributes.find(([name]) => name === "map")?.[1] ?? "") ?? block.name;
      const scalar = fields.filter((field) => !modelNames.has(field.type));
      const columnOf = (fieldName: string) => {
        const field = scalar.find((candidate) => candidate.name === fieldName);
        if (!field) throw new Error(`schema parser: ${block.name} has no scalar field ${fieldName}`);
        return field.column;
      };
      let primaryKey = scalar.filter((field) => field.attributes.has("id")).map((field) => field.column);
      const indexes: SchemaIndex[] = scalar
        .filter((field) => field.attributes.has("unique"))
        .map((field) => ({
          name: mapArgument(field.attributes.get("unique") ?? "") ?? `${table}_${field.column}_key`,
          columns: [field.column],
          unique: true,
        }));
      for (const [name, args] of blockAttributes) {
        if (name === "map") continue;
        const columns = fieldList(args).map(columnOf);
        if (name === "id") primaryKey = columns;
        else if (name === "index" || name === "unique") {
          const suffix = name === "index" ? "idx" : "key";
          indexes.push({
            name: mapArgument(args) ?? `${table}_${columns.join("_")}_${suffix}`,
            columns,
            unique: name === "unique",
          });
        } else throw new Error(`schema parser: block attribute @@${name} is not supported yet (${block.name})`);
      }
      for (const field of scalar) {
        if (field.list) throw new Error(`schema parser: scalar lists are not supported on SQLite (${block.name}.${field.name})`);
        if (!enumNames.has(field.type) && !(field.type in SQLITE_TYPES)) {
          throw new Error(`schema parser: no SQLite type known for ${field.type} (${block.name}.${field.name})`);
        }
      }
      return { name: block.name, table, fields: scalar, primaryKey, indexes };
    });
}

const sqliteTypeOf = (field: SchemaField) => SQLITE_TYPES[field.type] ?? "TEXT"; // enums are TEXT on SQLite

// ---------------------------------------------------------------------------------------------------------

type ColumnInfo = { name: string; type: string; notnull: number; pk: number; hidden: number };
type IndexListRow = { name: string; unique: number; origin: string };
type IndexInfoRow = { seqno: number; name: string };
type HistoryRow = {
  id: string;
  checksum: string;
  finished_at: number | null;
  migration_name: string;
  logs: string | null;
  rolled_back_at: number | null;
  started_at: number;
  applied_steps_count: number;
};

let tempDir: string;
let dbFile: string;

beforeEach(() => {
  tempDir = mkdtempSync(path.join(os.tmpdir(), "switchyard-migrate-"));
  dbFile = path.join(tempDir, "nested", "folder", "switchyard.db");
});

afterEach(() => {
  rmSync(tempDir, { recursive: true, force: true });
});

function withDb<T>(fn: (db: Database.Database) => T): T {
  const db = new Database(dbFile);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

const readHistory = () =>
  withDb((db) => db.prepare(`SELECT * FROM "_prisma_migrations" ORDER BY "migration_name"`).all() as HistoryRow[]);

/** A private copy of the migrations folder that a test may edit. */
function copyMigrations(): string {
  const copy = path.join(tempDir, "migrations");
  cpSync(migrationsDir, copy, { recursive: true });
  return copy;
}

const localMigrationNames = () =>
  readdirSync(migrationsDir)
    .filter((name) => existsSync(path.join(migrationsDir, name, "migration.sql")))
    .sort();

describe("the schema parser used by these tests", () => {
  test("sees exactly the models and fields Prisma generated the client from", () => {
    const models = parseSchema(readFileSync(schemaFile, "utf8"));
    expect(models.map((model) => model.name).sort()).toEqual(Object.values(Prisma.ModelName).sort());
    const namespace = Prisma as unknown as Record<string, Record<string, string> | undefined>;
    for (const model of models) {
      const generated = namespace[`${model.name}ScalarFieldEnum`];
      expect(generated, `generated client lacks ${model.name}; run npm run prisma:generate`).toBeDefined();
      expect(model.fields.map((field) => field.name).sort()).toEqual(Object.keys(generated ?? {}).sort());
    }
  });
});

describe("applyMigrations", () => {
  test("gives a fresh database (and its folder) a table for every model, column for column", () => {
    const applied = applyMigrations(dbFile, migrationsDir);
    expect(applied).toEqual(localMigrationNames());
    expect(existsSync(dbFile)).toBe(true);

    const models = parseSchema(readFileSync(schemaFile, "utf8"));
    withDb((db) => {
      const tables = (
        db
          .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
          .all() as Array<{ name: string }>
      ).map((row) => row.name);
      // No table without a model, no model without a table.
      expect(tables).toEqual([...models.map((model) => model.table), "_prisma_migrations"].sort());

      for (const model of models) {
        const columns = (db.prepare(`PRAGMA table_xinfo("${model.table}")`).all() as ColumnInfo[]).filter(
          (column) => column.hidden === 0,
        );
        const actual = columns.map((column) => ({ column: column.name, type: column.type, notNull: column.notnull === 1 }));
        const expected = model.fields.map((field) => ({
          column: field.column,
          type: sqliteTypeOf(field),
          notNull: !field.optional,
        }));
        expect(actual, `columns of ${model.table}`).toEqual(expected);

        const primaryKey = columns
          .filter((column) => column.pk > 0)
          .sort((a, b) => a.pk - b.pk)
          .map((column) => column.name);
        expect(primaryKey, `primary key of ${model.table}`).toEqual(model.primaryKey);

        const indexes = (db.prepare(`PRAGMA index_list("${model.table}")`).all() as IndexListRow[])
          .filter((index) => index.origin === "c")
          .map((index) => ({
            name: index.name,
            unique: index.unique === 1,
            columns: (db.prepare(`PRAGMA index_info("${index.name}")`).all() as IndexInfoRow[])
              .sort((a, b) => a.seqno - b.seqno)
              .map((column) => column.name),
          }))
          .sort((a, b) => a.name.localeCompare(b.name));
        const expectedIndexes = [...model.indexes]
          .map((index) => ({ name: index.name, unique: index.unique, columns: index.columns }))
          .sort((a, b) => a.name.localeCompare(b.name));
        expect(indexes, `indexes of ${model.table}`).toEqual(expectedIndexes);
      }
    });
  });

  test("records each migration in _prisma_migrations as prisma migrate deploy does", () => {
    const before = Date.now();
    applyMigrations(dbFile, migrationsDir);
    const after = Date.now();

    const ddl = withDb(
      (db) =>
        (db.prepare(`SELECT sql FROM sqlite_master WHERE name = '_prisma_migrations'`).get() as { sql: string }).sql,
    );
    expect(ddl).toBe(PRISMA_MIGRATIONS_TABLE_DDL);

    const history = readHistory();
    expect(history.map((row) => row.migration_name)).toEqual(localMigrationNames());
    for (const row of history) {
      const sql = readFileSync(path.join(migrationsDir, row.migration_name, "migration.sql"));
      expect(row.checksum).toBe(createHash("sha256").update(sql).digest("hex"));
      expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(row.applied_steps_count).toBe(1);
      expect(row.logs).toBeNull();
      expect(row.rolled_back_at).toBeNull();
      expect(row.started_at).toBeGreaterThanOrEqual(before);
      expect(row.finished_at).toBeGreaterThanOrEqual(row.started_at);
      expect(row.finished_at).toBeLessThanOrEqual(after);
    }
  });

  test("applies nothing the second time and leaves the history alone", () => {
    applyMigrations(dbFile, migrationsDir);
    const history = readHistory();
    expect(applyMigrations(dbFile, migrationsDir)).toEqual([]);
    expect(readHistory()).toEqual(history);
  });

  test("applies only the migrations added since the last run, in name order", () => {
    const dir = copyMigrations();
    applyMigrations(dbFile, dir);
    for (const [name, sql] of [
      ["29990102000000_second", `CREATE TABLE "Second" ("id" TEXT NOT NULL PRIMARY KEY);\n`],
      ["29990101000000_first", `CREATE TABLE "First" ("id" TEXT NOT NULL PRIMARY KEY);\n`],
    ] as const) {
      mkdirSync(path.join(dir, name));
      writeFileSync(path.join(dir, name, "migration.sql"), sql);
    }
    expect(applyMigrations(dbFile, dir)).toEqual(["29990101000000_first", "29990102000000_second"]);
    expect(readHistory().map((row) => row.migration_name).slice(-2)).toEqual([
      "29990101000000_first",
      "29990102000000_second",
    ]);
  });

  test("refuses to run when an applied migration was edited, but not for a line-ending conversion", () => {
    const dir = copyMigrations();
    applyMigrations(dbFile, dir);
    const [first] = localMigrationNames();
    const file = path.join(dir, first ?? "", "migration.sql");
    const original = readFileSync(file, "utf8");

    writeFileSync(file, original.replaceAll("\n", "\r\n")); // as git might check it out on Windows
    expect(applyMigrations(dbFile, dir)).toEqual([]);

    writeFileSync(file, `${original}\n-- an innocent-looking edit\n`);
    let error: unknown;
    try {
      applyMigrations(dbFile, dir);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).code).toBe("migration_checksum_mismatch");
    expect((error as MigrationError).message).toContain(first);
  });

  test("refuses to run when the history records a failed migration", () => {
    applyMigrations(dbFile, migrationsDir);
    withDb((db) =>
      db
        .prepare(
          `INSERT INTO "_prisma_migrations" ("id", "checksum", "started_at", "migration_name", "logs", "applied_steps_count")
           VALUES ('x', 'abc', 1, '29990101000000_broken', 'syntax error', 0)`,
        )
        .run(),
    );
    expect(() => applyMigrations(dbFile, migrationsDir)).toThrow(
      expect.objectContaining({ code: "migration_failed_previously", migrationName: "29990101000000_broken" }),
    );
  });

  test("a failing migration is rolled back completely and can be fixed and re-run", () => {
    const dir = copyMigrations();
    applyMigrations(dbFile, dir);
    const name = "29990101000000_half_broken";
    mkdirSync(path.join(dir, name));
    const good = `CREATE TABLE "Extra" ("id" TEXT NOT NULL PRIMARY KEY);\n`;
    writeFileSync(path.join(dir, name, "migration.sql"), `${good}CREATE TABLE oops (;\n`);

    expect(() => applyMigrations(dbFile, dir)).toThrow(expect.objectContaining({ code: "migration_failed" }));
    withDb((db) => {
      expect(db.prepare(`SELECT name FROM sqlite_master WHERE name = 'Extra'`).get()).toBeUndefined();
    });
    expect(readHistory().some((row) => row.migration_name === name)).toBe(false);

    writeFileSync(path.join(dir, name, "migration.sql"), good);
    expect(applyMigrations(dbFile, dir)).toEqual([name]);
  });

  test("a recorded rolled-back migration is applied again", () => {
    const dir = copyMigrations();
    applyMigrations(dbFile, dir);
    const name = "29990101000000_retry";
    mkdirSync(path.join(dir, name));
    writeFileSync(path.join(dir, name, "migration.sql"), `CREATE TABLE "Retry" ("id" TEXT NOT NULL PRIMARY KEY);\n`);
    // What `prisma migrate resolve --rolled-back` leaves behind after a failed attempt.
    withDb((db) =>
      db
        .prepare(
          `INSERT INTO "_prisma_migrations" ("id", "checksum", "started_at", "migration_name", "rolled_back_at")
           VALUES ('y', 'abc', 1, ?, 2)`,
        )
        .run(name),
    );
    expect(applyMigrations(dbFile, dir)).toEqual([name]);
  });
});

import type { SqliteDatabase } from "@/lib/db/sqlite";
import { toDbTimestamp } from "@/lib/db/timestamps";
import { ROLLUP_COUNTERS, ROLLUP_DIMENSIONS, ROLLUP_MAXIMA, rollupOf, usageKeysOf, type RollupCounts } from "@/lib/request-log/rollup";

// The two rollup tables the log writer keeps in the same transaction as the rows: RequestRollup (per minute and
// every dimension) and RequestUsage (per 15 minutes and per hour, per one dimension). Increments are summed in memory
// over a batch and written once per key, so a burst of requests costs a few upserts, not a dozen per request.
// The maxima (ttftMaxMs, durationMaxMs) keep the larger value instead: a replaced row's cannot be taken back.

const MINUTE_KEY = ["minute", ...ROLLUP_DIMENSIONS];
const USAGE_KEY = ["period", "dimension", "bucket", "value"];

function upsertSql(table: string, key: readonly string[]): string {
  const columns = [...key, ...ROLLUP_COUNTERS, ...ROLLUP_MAXIMA];
  return (
    `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(", ")}) VALUES (${columns.map((c) => `@${c}`).join(", ")}) ` +
    `ON CONFLICT (${key.map((c) => `"${c}"`).join(", ")}) DO UPDATE SET ` +
    [...ROLLUP_COUNTERS.map((c) => `"${c}" = "${c}" + excluded."${c}"`), ...ROLLUP_MAXIMA.map((c) => `"${c}" = MAX("${c}", excluded."${c}")`)].join(", ")
  );
}

type Increment = { key: Record<string, string>; counts: RollupCounts };

/** A finished row as stored, with its rollup fields read as the rollup wants them (nulls for absent values). */
function rollupSource(row: Record<string, unknown>) {
  const value = <T>(column: string) => (row[column] ?? null) as T;
  return {
    receivedAt: new Date(row.receivedAt as string),
    backend: value<string | null>("backend"),
    route: value<string | null>("route"),
    requestedModel: value<string | null>("requestedModel"),
    apiKeyId: value<string | null>("apiKeyId"),
    clientAddress: value<string | null>("clientAddress"),
    status: value<number | null>("status"),
    outcome: row.outcome as string,
    promptTokens: value<number | null>("promptTokens"),
    completionTokens: value<number | null>("completionTokens"),
    energyWh: value<number | null>("energyWh"),
    ttftMs: value<number | null>("ttftMs"),
    durationMs: value<number | null>("durationMs"),
  };
}

export class RollupAccumulator {
  private readonly minutes = new Map<string, Increment>();
  private readonly usage = new Map<string, Increment>();
  private readonly upsertMinute;
  private readonly upsertUsage;

  constructor(db: SqliteDatabase) {
    this.upsertMinute = db.prepare(upsertSql("RequestRollup", MINUTE_KEY));
    this.upsertUsage = db.prepare(upsertSql("RequestUsage", USAGE_KEY));
  }

  /** Forgets what a failed transaction added: call at the start of each. */
  reset(): void {
    this.minutes.clear();
    this.usage.clear();
  }

  /** Adds a finished row's contribution (sign -1 takes a replaced row's back). */
  add(row: Record<string, unknown>, sign: 1 | -1): void {
    const { key, counts } = rollupOf(rollupSource(row));
    const minuteKey = { ...key, minute: toDbTimestamp(key.minute) };
    addTo(this.minutes, minuteKey, counts, sign);
    for (const usageKey of usageKeysOf(key)) addTo(this.usage, { ...usageKey, bucket: toDbTimestamp(usageKey.bucket) }, counts, sign);
  }

  /** Writes what was added (inside the caller's transaction) and starts afresh. */
  write(): void {
    for (const { key, counts } of this.minutes.values()) this.upsertMinute.run({ ...key, ...counts });
    for (const { key, counts } of this.usage.values()) this.upsertUsage.run({ ...key, ...counts });
    this.reset();
  }
}

function addTo(map: Map<string, Increment>, key: Record<string, string>, counts: RollupCounts, sign: 1 | -1): void {
  const id = Object.values(key).join("\u0000");
  let increment = map.get(id);
  if (!increment) {
    increment = { key, counts: Object.fromEntries([...ROLLUP_COUNTERS, ...ROLLUP_MAXIMA].map((column) => [column, 0])) };
    map.set(id, increment);
  }
  for (const counter of ROLLUP_COUNTERS) increment.counts[counter]! += sign * (counts[counter] ?? 0);
  // Taking a row back leaves the maximum as it is: the largest value seen stays seen.
  if (sign === 1) for (const maximum of ROLLUP_MAXIMA) increment.counts[maximum] = Math.max(increment.counts[maximum]!, counts[maximum] ?? 0);
}

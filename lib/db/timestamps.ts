// How DateTime columns are stored. Prisma's better-sqlite3 adapter writes Dates as ISO-8601 text with an
// explicit "+00:00" offset (its default `timestampFormat: "iso8601"`), and range filters compare that text
// byte for byte. Anything that writes DateTime columns without Prisma (the request-log writer) must use
// exactly this format, or `receivedAt >= …` filters and keyset pagination silently go wrong.

export const DB_TIMESTAMP_FORMAT = "iso8601" as const;

/** A Date as the Prisma adapter stores it: "2026-11-27T12:00:00.000+00:00". */
export function toDbTimestamp(date: Date): string {
  return date.toISOString().replace("Z", "+00:00");
}

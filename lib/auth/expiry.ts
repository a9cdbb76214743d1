/**
 * When a new key expires, as an operator types it: a duration from now ("90m", "12h", "30d", "8w") or a date
 * ("2027-01-31", "2027-01-31T18:00:00Z"). Shared by the CLI (--expires) and the admin API (expiresIn / expiresAt).
 */

export class InvalidExpiryError extends Error {
  override readonly name = "InvalidExpiryError";
}

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const TEN_YEARS_MS = 10 * 365 * UNIT_MS.d;

export function parseExpiry(value: string, now: Date = new Date()): Date {
  const text = value.trim();
  const duration = /^(\d{1,6})\s*([mhdw])$/i.exec(text);
  let at: Date;
  if (duration) {
    const unit = (duration[2] ?? "d").toLowerCase() as keyof typeof UNIT_MS;
    at = new Date(now.getTime() + Number(duration[1]) * UNIT_MS[unit]);
  } else if (/^\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) {
    at = new Date(text);
  } else {
    throw new InvalidExpiryError(`"${value}" is neither a duration (90m, 12h, 30d, 8w) nor a date (2027-01-31).`);
  }
  if (Number.isNaN(at.getTime())) throw new InvalidExpiryError(`"${value}" is not a valid date.`);
  if (at.getTime() <= now.getTime()) throw new InvalidExpiryError(`"${value}" is not in the future.`);
  if (at.getTime() - now.getTime() > TEN_YEARS_MS) throw new InvalidExpiryError(`"${value}" is more than ten years away; omit it for a key that does not expire.`);
  return at;
}

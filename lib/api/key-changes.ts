/**
 * What an edit of an API key changes (PATCH /api/keys/{id}): the settings as the admin view shows them, compared
 * field by field, so the audit trail keeps exactly the changed fields and an edit that changes nothing is none.
 */

export interface KeySettingsView {
  name: string;
  /** null = every model. */
  allowedModels: string[] | null;
  concurrency: number | null;
  requestsPerMinute: number | null;
  lane: "interactive" | "batch";
  defaultModel: string | null;
  /** ISO time; null = never. */
  expiresAt: string | null;
  captureBodies: boolean;
}

export type KeySettingField = keyof KeySettingsView;

/** In the order the summary names them. */
const FIELDS: readonly KeySettingField[] = ["name", "allowedModels", "concurrency", "requestsPerMinute", "lane", "defaultModel", "expiresAt", "captureBodies"];

export interface KeySettingsChange {
  fields: KeySettingField[];
  before: Partial<KeySettingsView>;
  after: Partial<KeySettingsView>;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The fields of `wanted` that differ from `current`, with their values before and after. */
export function keySettingsChange(current: KeySettingsView, wanted: Partial<KeySettingsView>): KeySettingsChange {
  const change: KeySettingsChange = { fields: [], before: {}, after: {} };
  for (const field of FIELDS) {
    if (wanted[field] === undefined || same(current[field], wanted[field])) continue;
    change.fields.push(field);
    Object.assign(change.before, { [field]: current[field] });
    Object.assign(change.after, { [field]: wanted[field] });
  }
  return change;
}

const noneOf: Partial<Record<KeySettingField, string>> = { allowedModels: "every model", concurrency: "no cap", requestsPerMinute: "no limit", defaultModel: "none", expiresAt: "never" };

function describeValue(field: KeySettingField, value: unknown): string {
  if (value === null || value === undefined) return noneOf[field] ?? "none";
  if (Array.isArray(value)) return value.join(", ");
  return String(value);
}

/** "requestsPerMinute 60 → 10, allowedModels fast, reasoning → fast": the audit entry's summary of the edit. */
export function describeKeySettingsChange(change: KeySettingsChange): string {
  return change.fields.map((field) => `${field} ${describeValue(field, change.before[field])} → ${describeValue(field, change.after[field])}`).join(", ");
}

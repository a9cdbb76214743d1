import Database from "better-sqlite3";
import type { DatasetMeta } from "./dataset-cache";
import { buildCatalogue } from "./lab-catalogue";
import { Prng } from "./prng";

/**
 * Values the console measures ask with, taken from the generated log before the app starts: keys and machines of
 * heavy, middling and light users, x-request-ids and ids (with and without bodies) that exist, and the windows of
 * time the data covers. Fixed by the seed, so runs ask the same questions.
 */
export interface Probes {
  endMs: number;
  keyIds: string[];
  addresses: string[];
  clientRequestIds: string[];
  ids: number[];
  idsWithBody: number[];
}

export function readProbes(file: string, meta: DatasetMeta): Probes {
  const lab = buildCatalogue(meta.params.seed, meta.params.days * 24);
  const heavy = lab.keyList[0]!;
  const middle = lab.keyList[7]!;
  const light = lab.keyList[lab.keyList.length - 1]!;
  const rng = new Prng(meta.params.seed ^ 0x9e0b);
  const rows = meta.params.rows;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const requestIdAfter = db.prepare(`SELECT "clientRequestId" AS v FROM "RequestLog" WHERE "id" >= ? AND "clientRequestId" IS NOT NULL ORDER BY "id" LIMIT 1`);
    const bodyAfter = db.prepare(`SELECT "requestLogId" AS v FROM "RequestBody" WHERE "requestLogId" >= ? ORDER BY "requestLogId" LIMIT 1`);
    const pick = <T>(statement: Database.Statement, count: number): T[] =>
      Array.from({ length: count }, () => (statement.get(1 + rng.int(rows)) as { v: T } | undefined)?.v).filter((v): v is T => v !== undefined);
    return {
      endMs: meta.endMs,
      keyIds: [heavy.id, middle.id, light.id],
      addresses: [heavy.addresses[0]!, middle.addresses[0]!, light.addresses[0]!],
      clientRequestIds: pick<string>(requestIdAfter, 10),
      ids: Array.from({ length: 20 }, () => 1 + rng.int(rows)),
      idsWithBody: pick<number>(bodyAfter, 10),
    };
  } finally {
    db.close();
  }
}

export const iso = (ms: number) => new Date(ms).toISOString();

import { buildCatalogue } from "./lab-catalogue";
import { Prng } from "./prng";
import { generateRequest, type GeneratedRequest } from "./request-mix";
import { buildSchedule } from "./schedule";

/** What a synthetic log is made from: the same parameters always give the same rows (relative to `endMs`). */
export interface DatasetParams {
  rows: number;
  days: number;
  seed: number;
}

/**
 * Every request of the synthetic log, oldest first, ids 1..rows in receivedAt order (as the writer gives them).
 * Lazy: `limit` stops early (the first rows can be made again without the rest).
 */
export function* generateDataset(params: DatasetParams, endMs: number, limit = params.rows): Generator<GeneratedRequest> {
  const schedule = buildSchedule(params.rows, params.days, endMs, params.seed);
  const lab = buildCatalogue(params.seed, params.days * 24);
  const rng = new Prng(params.seed);
  const offsets: number[] = [];
  let id = 0;
  for (let m = 0; m < schedule.perMinute.length && id < limit; m++) {
    const minuteMs = schedule.startMs + m * 60_000;
    const count = schedule.perMinute[m]!;
    offsets.length = 0;
    for (let k = 0; k < count; k++) offsets.push(rng.int(60_000));
    offsets.sort((a, b) => a - b);
    const deep = lab.deepHours[Math.floor(m / 60)] ?? false;
    for (const offset of offsets) {
      if (id >= limit) return;
      id += 1;
      yield generateRequest(id, minuteMs + offset, deep, lab, rng);
    }
  }
}

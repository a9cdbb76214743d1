import { Prng } from "./prng";

/**
 * When the synthetic requests arrive: `rows` requests over `days` days ending at `endMs` (a whole minute), more in
 * working hours and on weekdays, with some hour-to-hour noise. Counts per minute by cumulative rounding, so they
 * add up to exactly `rows`.
 */
export interface Schedule {
  startMs: number;
  endMs: number;
  /** Requests in each minute from startMs. */
  perMinute: Uint32Array;
}

function weightAt(ms: number, noise: number): number {
  const at = new Date(ms);
  const hour = at.getUTCHours() + at.getUTCMinutes() / 60;
  // A working day in Europe (UTC 7-18) on top of a night floor; weekends at 35 %.
  const day = 0.25 + Math.exp(-((hour - 12.5) ** 2) / (2 * 3.2 ** 2));
  const weekday = at.getUTCDay() === 0 || at.getUTCDay() === 6 ? 0.35 : 1;
  return day * weekday * noise;
}

export function buildSchedule(rows: number, days: number, endMs: number, seed: number): Schedule {
  const minutes = days * 1440;
  const startMs = endMs - minutes * 60_000;
  const rng = new Prng(seed ^ 0x7153);
  const weights = new Float64Array(minutes);
  let noise = 1;
  let total = 0;
  for (let m = 0; m < minutes; m++) {
    if (m % 60 === 0) noise = 0.7 + 0.6 * rng.next();
    weights[m] = weightAt(startMs + m * 60_000, noise);
    total += weights[m]!;
  }
  const perMinute = new Uint32Array(minutes);
  let cumulative = 0;
  let given = 0;
  for (let m = 0; m < minutes; m++) {
    cumulative += weights[m]!;
    const upTo = m === minutes - 1 ? rows : Math.round((cumulative / total) * rows);
    perMinute[m] = upTo - given;
    given = upTo;
  }
  return { startMs, endMs, perMinute };
}

// Shares each GPU's measured energy among the requests that ran on it, so that the request log adds up:
// the rows' energy plus the GPUs' idle energy is what the GPUs drew.
//
// The rule: at every moment a GPU's power is split equally among the requests in flight on it then; power drawn
// while none is in flight is idle energy, charged to nobody. A request on several GPUs (tensor parallel) takes its
// share of each.
//
// Why equal shares by time and not by generated tokens: vLLM batches continuously, so every running sequence gets
// one token per engine step and, while decoding, tokens in an interval are proportional to time in it. Token counts
// exist mid-flight only for streams (non-streamed answers and embeddings report usage at the end), prefill makes no
// token yet draws the most power, and counting tokens per request would put work on the hot path. Admission keeps a
// backend's in-flight requests within what vLLM runs at once, so "in flight" is "running".
//
// How: power is a straight line between two readings (as integrateEnergyWh); the number of requests is a step
// function that changes when one starts or ends. When a reading closes an interval, the interval is cut at those
// events and each piece's energy is divided by its count. Each GPU keeps a virtual clock V: the energy one request
// in flight all along would have been charged; a request's share is V at its end minus V at its start. A start or
// an end costs one array push; a reading costs one step per event since the last reading, nothing per running
// request. A request's share is known at the first reading after it ended: it is settled then.
//
// Unknown is null: a request that overlapped a stretch without power readings (telemetry down, a GPU that does not
// report power) settles as null, and what it was charged of the known stretches is counted as unattributed.

const WATT_MS_PER_WH = 3_600_000;

export interface EnergyLedgerOptions {
  /** Readings further apart than this say nothing about the time between them (telemetry was down). */
  maxGapMs: number;
}

/** A request's energy, once every GPU it ran on has a reading after it ended; null when unknown. */
export interface EnergySettlement {
  requestId: string;
  energyWh: number | null;
}

export interface GpuEnergyTotals {
  gpu: number;
  /** Everything the GPU drew between readings no more than maxGapMs apart. */
  measuredWh: number;
  /** Drawn while no request was in flight on the GPU: charged to nobody. */
  idleWh: number;
  /** Charged to requests (settled or still running). */
  requestsWh: number;
  /** Charged to requests that settled as unknown (they also ran while power was not known). */
  unattributedWh: number;
  /** The reading the totals run up to (epoch ms); null before the first or after telemetry went quiet. */
  upToMs: number | null;
}

export interface EnergyTotals {
  gpus: GpuEnergyTotals[];
  measuredWh: number;
  idleWh: number;
  requestsWh: number;
  unattributedWh: number;
  /** The earliest of the GPUs' upToMs: every GPU's totals cover the time up to it. */
  upToMs: number | null;
}

/** One request's stay on one GPU, from a start to an end. */
interface Slot {
  gpu: number;
  request: RequestEntry;
  /** V when the stay started; set when the interval holding the start is closed. */
  startV: number;
  energyWh: number;
  unknown: boolean;
}

interface RequestEntry {
  id: string;
  /** Slots started and not ended yet. */
  running: Slot[];
  /** Slots whose share is not settled yet (running, or ended after the last reading). */
  unsettled: number;
  settled: Slot[];
  /** Ran somewhere power was not known. */
  unknown: boolean;
  finished: boolean;
}

interface LedgerEvent {
  at: number;
  slot: Slot;
  kind: "start" | "end";
}

interface GpuAccount {
  gpu: number;
  last: { at: number; watts: number } | null;
  /** The energy one request in flight on this GPU all along would have been charged (Wh). */
  v: number;
  /** Requests in flight on this GPU now. */
  inFlight: Set<Slot>;
  /** Starts and ends since the last reading, in time order. */
  events: LedgerEvent[];
  totals: Omit<GpuEnergyTotals, "gpu" | "upToMs">;
}

export interface EnergyLedger {
  /** A request started holding GPUs (a backend admitted it). A request may start again after an end (a retry). */
  begin(requestId: string, gpus: readonly number[], at: number): void;
  /** It stopped holding them. */
  end(requestId: string, at: number): void;
  /**
   * The request will start nothing more. Its settlement when it is already known, "pending" when it comes with a
   * later reading, "untracked" when the request never held a GPU here.
   */
  finish(requestId: string): EnergySettlement | "pending" | "untracked";
  /** A GPU's power reading: closes the interval since its previous one and settles the requests that ended in it. */
  reading(gpu: number, at: number, watts: number | null): EnergySettlement[];
  /** GPUs without a reading for maxGapMs: their open interval is unknown; settles what ended in it. */
  expire(now: number): EnergySettlement[];
  /** Closes every GPU's interval at `at`, the last reading held flat, settles what ended; later calls are no-ops. */
  close(at: number): EnergySettlement[];
  totals(): EnergyTotals;
}

export function createEnergyLedger(options: EnergyLedgerOptions): EnergyLedger {
  const accounts = new Map<number, GpuAccount>();
  const requests = new Map<string, RequestEntry>();
  let closed = false;

  const account = (gpu: number): GpuAccount => {
    let found = accounts.get(gpu);
    if (!found) {
      found = { gpu, last: null, v: 0, inFlight: new Set(), events: [], totals: { measuredWh: 0, idleWh: 0, requestsWh: 0, unattributedWh: 0 } };
      accounts.set(gpu, found);
    }
    return found;
  };

  const hasFreshPower = (gpu: GpuAccount, at: number) => gpu.last !== null && at - gpu.last.at <= options.maxGapMs;

  /** Events are kept in time order even if the clock steps back. */
  const push = (gpu: GpuAccount, event: LedgerEvent) => {
    const floor = gpu.events.at(-1)?.at ?? gpu.last?.at ?? event.at;
    gpu.events.push({ ...event, at: Math.max(event.at, floor) });
  };

  const settleIfDone = (request: RequestEntry, out: EnergySettlement[]) => {
    if (!request.finished || request.unsettled > 0 || requests.get(request.id) !== request) return;
    requests.delete(request.id);
    if (request.unknown) {
      for (const slot of request.settled) account(slot.gpu).totals.unattributedWh += slot.energyWh;
      out.push({ requestId: request.id, energyWh: null });
      return;
    }
    out.push({ requestId: request.id, energyWh: request.settled.reduce((sum, slot) => sum + slot.energyWh, 0) });
  };

  const settleSlot = (slot: Slot, v: number, out: EnergySettlement[]) => {
    slot.energyWh = v - slot.startV;
    slot.request.unsettled -= 1;
    slot.request.settled.push(slot);
    if (slot.unknown) slot.request.unknown = true;
    settleIfDone(slot.request, out);
  };

  /**
   * Closes a GPU's interval at `to`. With `power` (the line from the last reading to `to`) the pieces between
   * events are charged; without it the interval is unknown and every request in flight during it is marked so.
   */
  const closeInterval = (gpu: GpuAccount, to: number, power: ((t: number) => number) | null, out: EnergySettlement[]) => {
    // Events stamped after `to` (a reading that raced a start or an end) belong to the next interval.
    const due = gpu.events.filter((event) => event.at <= to);
    gpu.events = gpu.events.filter((event) => event.at > to);
    let n = gpu.inFlight.size;
    for (const event of [...due, ...gpu.events]) n += event.kind === "start" ? -1 : 1;
    if (!power) {
      const startsLater = new Set(gpu.events.filter((event) => event.kind === "start").map((event) => event.slot));
      for (const slot of gpu.inFlight) if (!startsLater.has(slot)) slot.unknown = true;
    }
    let t = gpu.last?.at ?? to;
    const charge = (until: number) => {
      if (power && until > t) {
        const wh = (((power(t) + power(until)) / 2) * (until - t)) / WATT_MS_PER_WH;
        gpu.totals.measuredWh += wh;
        if (n === 0) gpu.totals.idleWh += wh;
        else {
          gpu.totals.requestsWh += wh;
          gpu.v += wh / n;
        }
      }
      t = Math.max(t, until);
    };
    for (const event of due) {
      charge(event.at);
      if (!power) event.slot.unknown = true;
      if (event.kind === "start") {
        event.slot.startV = gpu.v;
        n += 1;
      } else {
        n -= 1;
        settleSlot(event.slot, gpu.v, out);
      }
    }
    charge(to);
  };

  const closeAt = (gpu: GpuAccount, at: number, watts: number | null, out: EnergySettlement[]) => {
    const last = gpu.last;
    if (last && watts !== null && at - last.at <= options.maxGapMs) {
      const span = at - last.at;
      closeInterval(gpu, at, (t) => (span === 0 ? watts : last.watts + ((watts - last.watts) * (t - last.at)) / span), out);
    } else {
      closeInterval(gpu, at, null, out);
    }
  };

  return {
    begin(requestId, gpus, at) {
      if (closed || gpus.length === 0) return;
      let request = requests.get(requestId);
      if (!request) {
        request = { id: requestId, running: [], unsettled: 0, settled: [], unknown: false, finished: false };
        requests.set(requestId, request);
      }
      for (const index of new Set(gpus)) {
        const gpu = account(index);
        // No recent reading: this stay cannot be priced (and no reading may come to settle it).
        if (!hasFreshPower(gpu, at)) {
          request.unknown = true;
          continue;
        }
        const slot: Slot = { gpu: index, request, startV: gpu.v, energyWh: 0, unknown: false };
        request.running.push(slot);
        request.unsettled += 1;
        gpu.inFlight.add(slot);
        push(gpu, { at, slot, kind: "start" });
      }
    },

    end(requestId, at) {
      const request = requests.get(requestId);
      if (!request) return;
      for (const slot of request.running.splice(0)) {
        const gpu = account(slot.gpu);
        gpu.inFlight.delete(slot);
        push(gpu, { at, slot, kind: "end" });
      }
    },

    finish(requestId) {
      const request = requests.get(requestId);
      if (!request) return "untracked";
      request.finished = true;
      const out: EnergySettlement[] = [];
      settleIfDone(request, out);
      return out[0] ?? "pending";
    },

    reading(index, at, watts) {
      const out: EnergySettlement[] = [];
      if (closed || watts === null || !Number.isFinite(watts)) return out;
      const gpu = account(index);
      if (gpu.last && at <= gpu.last.at) return out;
      closeAt(gpu, at, watts, out);
      gpu.last = { at, watts };
      return out;
    },

    expire(now) {
      const out: EnergySettlement[] = [];
      if (closed) return out;
      for (const gpu of accounts.values()) {
        if (hasFreshPower(gpu, now) || (gpu.events.length === 0 && gpu.inFlight.size === 0 && gpu.last === null)) continue;
        closeInterval(gpu, now, null, out);
        gpu.last = null;
      }
      return out;
    },

    close(at) {
      const out: EnergySettlement[] = [];
      if (closed) return out;
      for (const gpu of accounts.values()) closeAt(gpu, at, gpu.last?.watts ?? null, out);
      closed = true;
      // Requests still running when the ledger closes are not priced: they finish as untracked.
      requests.clear();
      return out;
    },

    totals() {
      const gpus = [...accounts.values()]
        .sort((a, b) => a.gpu - b.gpu)
        .map((gpu): GpuEnergyTotals => ({ gpu: gpu.gpu, ...gpu.totals, upToMs: gpu.last?.at ?? null }));
      const sum = (field: "measuredWh" | "idleWh" | "requestsWh" | "unattributedWh") => gpus.reduce((total, gpu) => total + gpu[field], 0);
      const upTo = gpus.map((gpu) => gpu.upToMs);
      return {
        gpus,
        measuredWh: sum("measuredWh"),
        idleWh: sum("idleWh"),
        requestsWh: sum("requestsWh"),
        unattributedWh: sum("unattributedWh"),
        upToMs: upTo.length === 0 || upTo.some((at) => at === null) ? null : Math.min(...(upTo as number[])),
      };
    },
  };
}

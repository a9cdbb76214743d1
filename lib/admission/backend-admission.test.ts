import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { AdmissionError } from "./admission-error";
import { createAdmission, type AdmissionLane, type AdmissionLimits, type AdmissionOptions, type AdmissionTicket } from "./backend-admission";

beforeEach(() => {
  vi.useFakeTimers({ now: 1_800_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

const backend = "qwen-7b";

function setup(limits: Partial<AdmissionLimits> = {}, options: Partial<AdmissionOptions> = {}) {
  let current: AdmissionLimits = { maxConcurrency: 2, maxQueue: 4, queueTimeoutMs: 10_000, ...limits };
  const admission = createAdmission({ limits: () => current, ...options });
  return {
    admission,
    setLimits: (next: Partial<AdmissionLimits>) => {
      current = { ...current, ...next };
    },
    snapshot: () => admission.snapshotOf(backend),
    admit: (lane: AdmissionLane = "interactive", controller = new AbortController()) =>
      track(admission.admit(backend, { lane, signal: controller.signal }), controller),
  };
}

interface Tracked {
  state: "pending" | "admitted" | "rejected";
  ticket?: AdmissionTicket;
  error?: AdmissionError;
  controller: AbortController;
}

function track(promise: Promise<AdmissionTicket>, controller: AbortController): Tracked {
  const tracked: Tracked = { state: "pending", controller };
  promise.then(
    (ticket) => {
      tracked.state = "admitted";
      tracked.ticket = ticket;
    },
    (error: unknown) => {
      tracked.state = "rejected";
      if (!(error instanceof AdmissionError)) throw error;
      tracked.error = error;
    },
  );
  return tracked;
}

/** Lets resolved promises run their callbacks (no timers move). */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

function ticketOf(tracked: Tracked): AdmissionTicket {
  if (!tracked.ticket) throw new Error(`expected an admitted request, got ${tracked.state}`);
  return tracked.ticket;
}

describe("concurrency limit", () => {
  test("admits exactly maxConcurrency at once and queues the next", async () => {
    const lab = setup({ maxConcurrency: 3 });
    const first = [lab.admit(), lab.admit(), lab.admit()];
    const fourth = lab.admit();
    await settle();

    expect(first.map((t) => t.state)).toEqual(["admitted", "admitted", "admitted"]);
    expect(first.map((t) => ticketOf(t).queuedMs)).toEqual([0, 0, 0]);
    expect(fourth.state).toBe("pending");
    expect(lab.snapshot()).toMatchObject({ inFlight: 3, queued: { interactive: 1, batch: 0 } });

    ticketOf(first[1]!).release();
    await settle();
    expect(fourth.state).toBe("admitted");
    expect(lab.snapshot()).toMatchObject({ inFlight: 3, queued: { interactive: 0, batch: 0 } });
  });

  test("a waiter's ticket reports how long it queued", async () => {
    const lab = setup({ maxConcurrency: 1 });
    const holder = lab.admit();
    const waiter = lab.admit();
    await settle();
    vi.advanceTimersByTime(1_500);
    ticketOf(holder).release();
    await settle();
    expect(ticketOf(waiter).queuedMs).toBe(1_500);
  });

  test("backends are limited independently", async () => {
    const lab = setup({ maxConcurrency: 1 });
    const signal = new AbortController().signal;
    await lab.admission.admit("a", { lane: "interactive", signal });
    await expect(lab.admission.admit("b", { lane: "interactive", signal })).resolves.toMatchObject({ backendId: "b" });
    expect(lab.admission.snapshot()).toMatchObject({ a: { inFlight: 1 }, b: { inFlight: 1 } });
  });

  test("releasing a ticket twice frees one slot only", async () => {
    const lab = setup({ maxConcurrency: 1 });
    const holder = lab.admit();
    const next = lab.admit();
    const after = lab.admit();
    await settle();

    ticketOf(holder).release();
    ticketOf(holder).release();
    await settle();
    expect(next.state).toBe("admitted");
    expect(after.state).toBe("pending");
    expect(lab.snapshot()).toMatchObject({ inFlight: 1, queued: { interactive: 1 } });
  });

  test("a newcomer does not overtake waiters when a slot frees", async () => {
    const lab = setup({ maxConcurrency: 1 });
    const holder = lab.admit();
    const waiter = lab.admit();
    await settle();
    ticketOf(holder).release();
    const newcomer = lab.admit();
    await settle();
    expect(waiter.state).toBe("admitted");
    expect(newcomer.state).toBe("pending");
  });
});

describe("lanes", () => {
  test("FIFO within each lane", async () => {
    const lab = setup({ maxConcurrency: 1, maxQueue: 10 });
    let running = lab.admit();
    const interactive = [lab.admit("interactive"), lab.admit("interactive"), lab.admit("interactive")];
    const batch = [lab.admit("batch"), lab.admit("batch")];
    await settle();

    const order: Tracked[] = [];
    for (let step = 0; step < 5; step++) {
      ticketOf(running).release();
      await settle();
      const admitted = [...interactive, ...batch].filter((t) => t.state === "admitted" && !order.includes(t));
      expect(admitted).toHaveLength(1);
      running = admitted[0]!;
      order.push(running);
    }
    // Three interactive grants while batch waits, then batch's share (batchEvery = 4), then the rest of batch.
    expect(order).toEqual([interactive[0], interactive[1], interactive[2], batch[0], batch[1]]);
  });

  test("an interactive request overtakes batch requests that queued before it", async () => {
    const lab = setup({ maxConcurrency: 1 });
    const holder = lab.admit();
    const batch = lab.admit("batch");
    const interactive = lab.admit("interactive");
    await settle();

    ticketOf(holder).release();
    await settle();
    expect(interactive.state).toBe("admitted");
    expect(batch.state).toBe("pending");
  });

  test("batch still progresses under a steady interactive load: 1 of every batchEvery grants", async () => {
    const lab = setup({ maxConcurrency: 1, maxQueue: 20 }, { batchEvery: 4 });
    let running = lab.admit();
    const batch = [lab.admit("batch"), lab.admit("batch"), lab.admit("batch")];
    const interactive: Tracked[] = [lab.admit(), lab.admit()];
    await settle();

    const seen = new Set<Tracked>();
    const grants: AdmissionLane[] = [];
    for (let step = 0; step < 12; step++) {
      // Interactive requests keep arriving: more than one always waits.
      interactive.push(lab.admit());
      ticketOf(running).release();
      await settle();
      const admitted = [...batch, ...interactive].filter((t) => t.state === "admitted" && !seen.has(t));
      expect(admitted).toHaveLength(1);
      running = admitted[0]!;
      seen.add(running);
      grants.push(ticketOf(running).lane);
    }
    const cycle: AdmissionLane[] = ["interactive", "interactive", "interactive", "batch"];
    expect(grants).toEqual([...cycle, ...cycle, ...cycle]);
    expect(batch.every((t) => t.state === "admitted")).toBe(true);
  });

  test("batch requests alone are served in order without waiting for a share", async () => {
    const lab = setup({ maxConcurrency: 1 });
    const holder = lab.admit("batch");
    const batch = [lab.admit("batch"), lab.admit("batch")];
    await settle();
    ticketOf(holder).release();
    await settle();
    expect(batch.map((t) => t.state)).toEqual(["admitted", "pending"]);
  });
});

describe("batch cap", () => {
  test("batch never holds more than its cap: the reserved slot goes to an interactive request at once", async () => {
    const lab = setup({ maxConcurrency: 4, maxQueue: 10, batchMaxConcurrency: 3 });
    const batch = [lab.admit("batch"), lab.admit("batch"), lab.admit("batch"), lab.admit("batch")];
    await settle();
    expect(batch.map((t) => t.state)).toEqual(["admitted", "admitted", "admitted", "pending"]);
    const interactive = lab.admit("interactive");
    await settle();
    expect(interactive.state).toBe("admitted");
    expect(lab.snapshot()).toMatchObject({ inFlight: 4, queued: { interactive: 0, batch: 1 } });
    ticketOf(interactive).release();
    await settle();
    // The freed slot is the interactive reserve: the waiting batch request may not take it.
    expect(batch[3]?.state).toBe("pending");
    ticketOf(batch[0]!).release();
    await settle();
    expect(batch[3]?.state).toBe("admitted");
  });

  test("a full batch queue refuses batch requests only: interactive ones still queue", async () => {
    const lab = setup({ maxConcurrency: 1, maxQueue: 4, batchMaxQueue: 1 });
    lab.admit("interactive");
    lab.admit("batch");
    const secondBatch = lab.admit("batch");
    const interactive = lab.admit("interactive");
    await settle();
    expect(secondBatch.error?.code).toBe("queue_full");
    expect(interactive.state).toBe("pending");
  });
});

describe("rejections", () => {
  test("a full queue rejects at once with queue_full and a Retry-After", async () => {
    const lab = setup({ maxConcurrency: 1, maxQueue: 2 });
    lab.admit();
    const queued = [lab.admit("interactive"), lab.admit("batch")];
    const rejected = lab.admit("interactive");
    await settle();

    expect(queued.map((t) => t.state)).toEqual(["pending", "pending"]);
    expect(rejected.state).toBe("rejected");
    expect(rejected.error?.code).toBe("queue_full");
    expect(rejected.error?.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(lab.snapshot().totals.rejectedFull).toBe(1);
  });

  test("maxQueue 0 means no waiting at all", async () => {
    const lab = setup({ maxConcurrency: 1, maxQueue: 0 });
    lab.admit();
    const second = lab.admit();
    await settle();
    expect(second.error?.code).toBe("queue_full");
  });

  test("waiting longer than queueTimeoutMs rejects with queue_timeout, exactly then", async () => {
    const lab = setup({ maxConcurrency: 1, queueTimeoutMs: 5_000 });
    const holder = lab.admit();
    const waiter = lab.admit();
    await settle();

    vi.advanceTimersByTime(4_999);
    await settle();
    expect(waiter.state).toBe("pending");

    vi.advanceTimersByTime(1);
    await settle();
    expect(waiter.error?.code).toBe("queue_timeout");
    expect(waiter.error?.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(lab.snapshot()).toMatchObject({ inFlight: 1, queued: { interactive: 0 }, totals: { timedOut: 1 } });

    // The timed-out request never gets the slot.
    ticketOf(holder).release();
    await settle();
    expect(lab.snapshot().inFlight).toBe(0);
  });

  test("a request admitted before its timeout is not rejected later", async () => {
    const lab = setup({ maxConcurrency: 1, queueTimeoutMs: 5_000 });
    const holder = lab.admit();
    const waiter = lab.admit();
    await settle();
    vi.advanceTimersByTime(2_000);
    ticketOf(holder).release();
    await settle();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(10_000);
    await settle();
    expect(waiter.state).toBe("admitted");
  });

  test("a client abort while queued leaves the queue at once and frees its place for the next waiter", async () => {
    const lab = setup({ maxConcurrency: 1, maxQueue: 1 });
    const holder = lab.admit();
    const leaving = lab.admit();
    const refused = lab.admit();
    await settle();
    expect(refused.error?.code).toBe("queue_full");

    leaving.controller.abort();
    await settle();
    expect(leaving.error?.code).toBe("client_gone");
    expect(lab.snapshot()).toMatchObject({ queued: { interactive: 0 }, totals: { abandoned: 1 } });
    expect(vi.getTimerCount()).toBe(0);

    const next = lab.admit();
    await settle();
    expect(next.state).toBe("pending");
    ticketOf(holder).release();
    await settle();
    expect(next.state).toBe("admitted");
    expect(lab.snapshot().inFlight).toBe(1);
  });

  test("an already aborted client is refused without taking a slot", async () => {
    const lab = setup();
    const controller = new AbortController();
    controller.abort();
    const gone = lab.admit("interactive", controller);
    await settle();
    expect(gone.error?.code).toBe("client_gone");
    expect(lab.snapshot().inFlight).toBe(0);
  });

  test("C + Q + 5 concurrent admits: exactly 5 queue_full, and every counter returns to zero", async () => {
    const concurrency = 3;
    const queue = 4;
    const lab = setup({ maxConcurrency: concurrency, maxQueue: queue });
    const requests = Array.from({ length: concurrency + queue + 5 }, (_, i) => lab.admit(i % 3 === 0 ? "batch" : "interactive"));
    await settle();

    expect(requests.filter((t) => t.error?.code === "queue_full")).toHaveLength(5);
    expect(requests.filter((t) => t.state === "admitted")).toHaveLength(concurrency);
    expect(lab.snapshot()).toMatchObject({ inFlight: concurrency, queued: { interactive: 2, batch: 2 } });

    const released = new Set<Tracked>();
    while (requests.some((t) => t.state === "admitted" && !released.has(t))) {
      for (const t of requests.filter((r) => r.state === "admitted" && !released.has(r))) {
        released.add(t);
        ticketOf(t).release();
      }
      await settle();
    }
    expect(requests.every((t) => t.state !== "pending")).toBe(true);
    expect(lab.snapshot()).toMatchObject({
      inFlight: 0,
      queued: { interactive: 0, batch: 0 },
      totals: { admitted: concurrency + queue, rejectedFull: 5, timedOut: 0, abandoned: 0 },
    });
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("limits from config", () => {
  test("raised limits let waiters in on limitsChanged(), lowered limits take effect as requests finish", async () => {
    const lab = setup({ maxConcurrency: 1 });
    const holder = lab.admit();
    const waiters = [lab.admit(), lab.admit()];
    await settle();

    lab.setLimits({ maxConcurrency: 3 });
    lab.admission.limitsChanged();
    await settle();
    expect(waiters.map((t) => t.state)).toEqual(["admitted", "admitted"]);

    lab.setLimits({ maxConcurrency: 1 });
    const late = lab.admit();
    ticketOf(holder).release();
    ticketOf(waiters[0]!).release();
    await settle();
    expect(late.state).toBe("pending");
    ticketOf(waiters[1]!).release();
    await settle();
    expect(late.state).toBe("admitted");
    expect(lab.snapshot().limits.maxConcurrency).toBe(1);
  });
});

describe("retry after", () => {
  test("grows with the line ahead and the recent service time, divided over the slots", async () => {
    const lab = setup({ maxConcurrency: 2, maxQueue: 10 });
    const first = [lab.admit(), lab.admit()];
    await settle();
    vi.advanceTimersByTime(10_000);
    first.forEach((t) => ticketOf(t).release());

    const running = [lab.admit(), lab.admit()];
    const queued = [lab.admit(), lab.admit(), lab.admit()];
    await settle();
    expect(running.every((t) => t.state === "admitted") && queued.every((t) => t.state === "pending")).toBe(true);
    // 3 waiting + the newcomer, 2 slots, 10 s each.
    expect(lab.admission.retryAfterSeconds(backend)).toBe(20);
  });

  test("never below 1 s, never above the cap", async () => {
    const fast = setup({ maxConcurrency: 8 }, { initialServiceMs: 10 });
    expect(fast.admission.retryAfterSeconds(backend)).toBe(1);

    const slow = setup({ maxConcurrency: 1, maxQueue: 100 }, { initialServiceMs: 600_000, maxRetryAfterSeconds: 30 });
    expect(slow.admission.retryAfterSeconds(backend)).toBe(30);
  });
});

test("batchEvery below 2 is refused: it would invert the lanes", () => {
  expect(() => createAdmission({ limits: () => ({ maxConcurrency: 1, maxQueue: 1, queueTimeoutMs: 1 }), batchEvery: 1 })).toThrow(RangeError);
});

const operation = fc.oneof(
  fc.record({ kind: fc.constant("admit" as const), lane: fc.constantFrom<AdmissionLane>("interactive", "batch") }),
  fc.record({ kind: fc.constant("release" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("abort" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("wait" as const), ms: fc.integer({ min: 1, max: 1_500 }) }),
);

test("random admits, releases, aborts and timeouts keep the limits, settle every promise and return the counters to zero", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.record({
        maxConcurrency: fc.integer({ min: 1, max: 4 }),
        maxQueue: fc.integer({ min: 0, max: 5 }),
        queueTimeoutMs: fc.integer({ min: 100, max: 2_000 }),
      }),
      fc.array(operation, { minLength: 1, maxLength: 60 }),
      async (limits, operations) => {
        const lab = setup(limits);
        const requests: Tracked[] = [];
        const checkLimits = () => {
          const snapshot = lab.snapshot();
          const queued = snapshot.queued.interactive + snapshot.queued.batch;
          expect(snapshot.inFlight).toBeGreaterThanOrEqual(0);
          expect(snapshot.inFlight).toBeLessThanOrEqual(limits.maxConcurrency);
          expect(queued).toBeLessThanOrEqual(limits.maxQueue);
          // The counters match what the callers see.
          expect(snapshot.inFlight).toBe(requests.filter((t) => t.state === "admitted" && !releasedSet.has(t)).length);
          expect(queued).toBe(requests.filter((t) => t.state === "pending").length);
        };
        const releasedSet = new Set<Tracked>();

        for (const op of operations) {
          if (op.kind === "admit") requests.push(lab.admit(op.lane));
          if (op.kind === "release" && requests.length > 0) {
            const target = requests[op.pick % requests.length]!;
            if (target.ticket) {
              target.ticket.release();
              releasedSet.add(target);
            }
          }
          if (op.kind === "abort" && requests.length > 0) requests[op.pick % requests.length]!.controller.abort();
          if (op.kind === "wait") vi.advanceTimersByTime(op.ms);
          await settle();
          checkLimits();
        }

        // Wind down: release whatever runs until nothing is left waiting.
        for (let round = 0; round < requests.length + 1; round++) {
          for (const t of requests) {
            if (t.ticket && !releasedSet.has(t)) {
              t.ticket.release();
              releasedSet.add(t);
            }
          }
          await settle();
          checkLimits();
        }

        expect(requests.every((t) => t.state !== "pending")).toBe(true);
        const snapshot = lab.snapshot();
        expect(snapshot).toMatchObject({ inFlight: 0, queued: { interactive: 0, batch: 0 } });
        const { admitted, rejectedFull, timedOut, abandoned } = snapshot.totals;
        expect(admitted + rejectedFull + timedOut + abandoned).toBe(requests.length);
        expect(vi.getTimerCount()).toBe(0);
      },
    ),
    { numRuns: 300 },
  );
});

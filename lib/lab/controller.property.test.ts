import fc from "fast-check";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { backendsOfMode } from "@/lib/routing/resolve";
import { parseLabConfig } from "@/lib/config/parse";
import { createTestLab, labYaml } from "./test-support";

beforeEach(() => {
  vi.useFakeTimers({ now: 1_800_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

const config = parseLabConfig(labYaml);
const backends = Object.keys(config.backends);

const command = fc.oneof(
  fc.record({ kind: fc.constant("switch" as const), mode: fc.constantFrom("standard", "deep") }),
  fc.record({ kind: fc.constant("restart" as const), backend: fc.constantFrom(...backends) }),
  fc.record({ kind: fc.constant("request" as const), backend: fc.constantFrom(...backends), durationMs: fc.integer({ min: 10, max: 8_000 }) }),
  fc.record({ kind: fc.constant("crash" as const), backend: fc.constantFrom(...backends) }),
  fc.record({ kind: fc.constant("abort" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("wait" as const), ms: fc.integer({ min: 50, max: 5_000 }) }),
);

test.each([
  { lab: "stops leaving engines", sleep: false },
  { lab: "puts leaving engines to sleep", sleep: true },
])("a lab that $lab, over random switches, restarts, requests, crashes and aborts: one mode at a time, every request ends, counters return to zero", async ({ sleep }) => {
  await fc.assert(
    fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 25 }), async (commands) => {
      const lab = createTestLab({ drainMs: 3_000 }, { sleep });
      const open = new Set<{ release: () => void }>();
      let started = 0;
      let ended = 0;
      const broken: string[] = [];

      const checkInvariants = () => {
        const mode = lab.controller.currentMode();
        const inMode = new Set(backendsOfMode(config, mode));
        for (const id of backends) {
          // A backend that serves requests must belong to the mode in force.
          if (lab.inFlight.inFlight(id) > 0 && !inMode.has(id) && lab.controller.isAdmitting(id)) broken.push(`${id} serving outside mode ${mode}`);
        }
      };

      for (const c of commands) {
        try {
          if (c.kind === "switch") lab.controller.activateMode(c.mode, "property");
          if (c.kind === "restart") lab.controller.restartBackend(c.backend, "property");
        } catch {
          // 409 while busy, or a backend outside the mode: refused, which is fine.
        }
        if (c.kind === "request") {
          const inMode = backendsOfMode(config, lab.controller.currentMode()).includes(c.backend);
          if (inMode && lab.controller.isAdmitting(c.backend) && lab.runtime.ready(c.backend)) {
            started++;
            const lease = lab.inFlight.acquire(c.backend);
            let done = false;
            const handle = {
              release: () => {
                if (done) return;
                done = true;
                ended++;
                lease.release();
                open.delete(handle);
              },
            };
            open.add(handle);
            lease.onEvict(handle.release);
            setTimeout(handle.release, c.durationMs);
          }
        }
        if (c.kind === "crash") lab.runtime.crash(c.backend);
        if (c.kind === "abort") [...open][c.pick % Math.max(open.size, 1)]?.release();
        if (c.kind === "wait") await vi.advanceTimersByTimeAsync(c.ms);
        checkInvariants();
      }
      // Let everything finish: operations, drains, request timers.
      for (let i = 0; i < 2_000 && (lab.controller.runningOperation() || open.size > 0); i++) {
        await vi.advanceTimersByTimeAsync(100);
        checkInvariants();
      }

      expect(broken).toEqual([]);
      expect(lab.runtime.violations).toEqual([]);
      expect(lab.controller.runningOperation()).toBeNull();
      expect(ended).toBe(started);
      expect(lab.inFlight.total()).toBe(0);
      for (const id of backends) expect(lab.controller.isAdmitting(id)).toBe(true);
      for (const op of lab.recorder.operations) expect(op.status).not.toBe("running");
      // The containers running awake at the end are a subset of one mode's backends; the others are asleep or stopped.
      const running = [...lab.runtime.running.keys()].filter((id) => !lab.runtime.asleep.has(id));
      expect(running.every((id) => backendsOfMode(config, lab.controller.currentMode()).includes(id))).toBe(true);
    }),
    { numRuns: 60 },
  );
});

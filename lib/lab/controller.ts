import { randomUUID } from "node:crypto";
import type { LabConfig } from "@/lib/config/schema";
import type { EventBus } from "@/lib/events/bus";
import { backendsOfMode } from "@/lib/routing/resolve";
import type { EngineSleepControl, SleepLevel } from "./engine-sleep";
import { LabInvalidRequestError, LabNotFoundError, OperationConflictError } from "./errors";
import { SleepActions } from "./sleep-actions";
import { SleepingEngines, type SleepingEngine } from "./sleeping-engines";
import { StepActions, type StepActionDeps } from "./step-actions";

export type OperationKind = "mode_switch" | "restart";
export type OperationStatus = "running" | "succeeded" | "failed" | "rolled_back" | "interrupted";
export type StepStatus = "running" | "succeeded" | "failed" | "skipped";

/** Where operations and their steps are recorded (the ModeSwitch tables); failures to record never stop an operation. */
export interface OperationRecorder {
  create(op: { id: string; kind: OperationKind; fromMode: string | null; toMode: string | null; backendId: string | null; requestedBy: string; reason: string | null; trigger?: string | null; startedAt: Date }): Promise<void>;
  startStep(opId: string, position: number, name: string): Promise<number | null>;
  finishStep(stepId: number | null, status: StepStatus, detail: string | null): Promise<void>;
  finish(opId: string, status: OperationStatus, error: string | null): Promise<void>;
  saveMode(mode: string): Promise<void>;
}

export interface OperationView {
  id: string;
  kind: OperationKind;
  fromMode: string | null;
  toMode: string | null;
  backendId: string | null;
  requestedBy: string;
  /** Why it was started, when the requester said (the watchdog does). */
  reason: string | null;
  /** What started an automatic operation (the request of an on-demand switch, the idle time of an idle return). */
  trigger?: string | null;
  status: OperationStatus;
  error: string | null;
  startedAt: number;
  steps: { name: string; status: StepStatus; detail: string | null; startedAt: number; finishedAt: number | null }[];
}

export interface LabControllerDeps extends StepActionDeps {
  recorder: OperationRecorder;
  bus?: EventBus;
  initialMode: string;
  /** The engines' sleep endpoints (lib/lab/engine-sleep.ts); without it backends that declare `sleep` are stopped as others. */
  engineSleep?: EngineSleepControl | null;
}

/**
 * The lab's control plane: the current mode, and the one lab operation (mode switch or backend restart) that may
 * run at a time. An operation is a fixed sequence of recorded steps; a failed mode switch rolls back to the mode it
 * came from, so the lab always ends in a declared state. See lib/lab/README.md.
 */
export class LabController {
  private mode: string;
  private running: { view: OperationView; done: Promise<void> } | null = null;
  /** Backends that take no new requests (draining, stopped or starting during an operation). */
  private readonly closed = new Set<string>();
  private readonly actions: StepActions;
  private readonly sleep: SleepActions;
  private readonly sleeping = new SleepingEngines();
  private recording: Promise<void> = Promise.resolve();

  constructor(private readonly deps: LabControllerDeps) {
    this.mode = deps.initialMode;
    this.actions = new StepActions(deps);
    this.sleep = new SleepActions({ ...deps, engineSleep: deps.engineSleep ?? null, steps: this.actions, sleeping: this.sleeping });
    // A sleeping engine whose container exits or starts again is no longer asleep (a crash, an operator's restart).
    deps.runtime?.onEvent((event) => {
      if (["die", "oom", "stop", "start"].includes(event.action)) this.sleeping.delete(event.backendId);
    });
  }

  /** The engine asleep on purpose (put to sleep by a switch, verified), or null. */
  sleepingEngine(backendId: string): SleepingEngine | null {
    return this.sleeping.get(backendId);
  }

  /** An engine found asleep at start-up (reconcile) outside the mode: left asleep, and known as such. */
  adoptSleepingEngine(backendId: string, level: SleepLevel): void {
    this.sleeping.set(backendId, level, this.deps.clock.now());
  }

  /** A sleeping engine whose container is found not running: it is stopped, no longer asleep. */
  forgetSleepingEngine(backendId: string): void {
    this.sleeping.delete(backendId);
  }

  currentMode(): string {
    return this.mode;
  }

  isAdmitting(backendId: string): boolean {
    return !this.closed.has(backendId);
  }

  /** The running operation, for the API and for requests that wait for it. */
  runningOperation(): OperationView | null {
    return this.running ? structuredClone(this.running.view) : null;
  }

  /** Resolves when the running operation (if any) has ended, or after `timeoutMs`; true if it ended. */
  async waitForOperation(timeoutMs: number): Promise<boolean> {
    const running = this.running;
    if (!running) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const ended = await Promise.race([running.done.then(() => true as const), timeout]);
    clearTimeout(timer);
    return ended;
  }

  /** The mode the lab will be in once the running operation succeeds. */
  targetMode(): string {
    return this.running?.view.toMode ?? this.mode;
  }

  activateMode(target: string, requestedBy: string, trigger: string | null = null): { status: "already_active" } | { status: "started"; operationId: string } {
    const config = this.deps.config();
    if (!config.modes[target]) throw new LabNotFoundError(`unknown mode "${target}" (modes: ${Object.keys(config.modes).join(", ")})`);
    this.assertIdle();
    if (target === this.mode) return { status: "already_active" };
    const from = this.mode;
    // The gate closes now, not when the first step gets to run: nothing new may reach a leaving backend.
    for (const id of leavingBackends(config, from, target)) this.closed.add(id);
    const view = this.begin("mode_switch", { fromMode: from, toMode: target, backendId: null, requestedBy, reason: null, trigger });
    this.launch(view, () => this.runModeSwitch(view, from, target));
    return { status: "started", operationId: view.id };
  }

  restartBackend(backendId: string, requestedBy: string, reason: string | null = null): { operationId: string } {
    const config = this.deps.config();
    if (!config.backends[backendId]) throw new LabNotFoundError(`unknown backend "${backendId}" (backends: ${Object.keys(config.backends).join(", ")})`);
    if (this.actions.managed([backendId]).length === 0) {
      throw new LabInvalidRequestError(`${backendId} is external (no container, or runtime: none): Switchyard cannot restart it`);
    }
    if (!backendsOfMode(config, this.mode).includes(backendId)) {
      throw new LabInvalidRequestError(`${backendId} is not part of the current mode (${this.mode}); activate a mode that runs it instead`);
    }
    this.assertIdle();
    this.closed.add(backendId);
    const view = this.begin("restart", { fromMode: this.mode, toMode: this.mode, backendId, requestedBy, reason });
    this.launch(view, () => this.runRestart(view, backendId));
    return { operationId: view.id };
  }

  private assertIdle(): void {
    const running = this.running?.view;
    if (running) throw new OperationConflictError({ id: running.id, kind: running.kind, target: running.backendId ?? running.toMode ?? "" });
  }

  private begin(kind: OperationKind, fields: Pick<OperationView, "fromMode" | "toMode" | "backendId" | "requestedBy" | "reason" | "trigger">): OperationView {
    const view: OperationView = { id: randomUUID(), kind, ...fields, status: "running", error: null, startedAt: this.deps.clock.now(), steps: [] };
    void this.record(() => this.deps.recorder.create({ ...fields, id: view.id, kind, startedAt: new Date(view.startedAt) }));
    this.deps.bus?.publish("status", { reason: `${kind} started` });
    return view;
  }

  private launch(view: OperationView, body: () => Promise<void>): void {
    const done = body()
      .catch((error: unknown) => console.error(`[lab] operation ${view.id} crashed`, error))
      .finally(() => {
        this.running = null;
        this.deps.bus?.publish("operation_done", { operationId: view.id, kind: view.kind, backendId: view.backendId, requestedBy: view.requestedBy, status: view.status, error: view.error });
        this.deps.bus?.publish("status", { reason: `${view.kind} ${view.status}` });
      });
    this.running = { view, done };
  }

  private async runModeSwitch(view: OperationView, from: string, to: string): Promise<void> {
    const config = this.deps.config();
    const fromBackends = backendsOfMode(config, from);
    const toBackends = backendsOfMode(config, to);
    const leaving = leavingBackends(config, from, to);
    const entering = toBackends.filter((id) => !fromBackends.includes(id));
    const staying = toBackends.filter((id) => fromBackends.includes(id));
    // The sleep steps appear only in a lab where some managed backend declares `sleep`.
    const sleepAware = this.sleep.sleepCapable(Object.keys(config.backends)).length > 0;
    const started: string[] = [];
    const woken: string[] = [];
    try {
      await this.step(view, "stop_admitting", async () => {
        return leaving.length > 0 ? `${leaving.join(", ")} take no new requests` : "no backend leaves";
      });
      await this.step(view, "drain", () => this.actions.drain(leaving));
      const toStop = [...leaving];
      if (sleepAware) {
        await this.step(view, "sleep_engines", async () => {
          const sleepers = this.sleep.sleepCapable(leaving);
          const result = await this.sleep.putToSleep(sleepers);
          toStop.splice(0, toStop.length, ...leaving.filter((id) => !sleepers.includes(id) || result.failed.includes(id)));
          return result.detail;
        });
      }
      await this.step(view, "stop_containers", () => this.sleep.stop(toStop));
      await this.step(view, "wait_gpu_memory", () => this.releaseFor(entering, staying));
      const coldStart = entering.filter((id) => !this.sleeping.has(id));
      if (sleepAware) {
        await this.step(view, "wake_engines", async () => {
          const asleep = entering.filter((id) => this.sleeping.has(id));
          for (const id of asleep) this.closed.add(id);
          const result = await this.sleep.wake(asleep);
          woken.push(...result.woken);
          if (result.failed.length === 0) return result.detail;
          // A failed wake is a cold start: the container stops (its memory is released), then starts with the rest.
          await this.sleep.stop(result.failed);
          const release = await this.releaseFor(result.failed, [...staying, ...result.woken]);
          coldStart.push(...result.failed);
          return `${result.detail}; ${release}`;
        });
      }
      await this.step(view, "start_containers", async () => {
        for (const id of entering) this.closed.add(id);
        started.push(...coldStart);
        return this.actions.start(coldStart);
      });
      await this.step(view, "wait_ready", () => this.actions.waitReady(entering));
      await this.step(view, "switch_routing", async () => {
        this.mode = to;
        await this.record(() => this.deps.recorder.saveMode(to));
        for (const id of [...leaving, ...entering]) this.closed.delete(id);
        return `now serving mode ${to}`;
      });
      await this.end(view, "succeeded", null);
    } catch (error) {
      const reason = (error as Error).message;
      try {
        await this.step(view, "rollback", () => this.rollBack({ from, leaving, staying, started, woken }));
        await this.end(view, "rolled_back", reason);
      } catch (rollbackError) {
        await this.end(view, "failed", `${reason}; the rollback to ${from} also failed: ${(rollbackError as Error).message}`);
      } finally {
        this.mode = from;
        for (const id of [...leaving, ...entering]) this.closed.delete(id);
      }
    }
  }

  /**
   * Back to the old mode with its engines awake and serving: engines the switch woke go back to sleep (or stop),
   * those it started stop; the old mode's GPUs are released; its sleeping engines wake (a failed wake is a cold
   * start) and its stopped ones start; all must pass the readiness checks.
   */
  private async rollBack(switched: { from: string; leaving: string[]; staying: string[]; started: string[]; woken: string[] }): Promise<string> {
    const { from, leaving, staying, started, woken } = switched;
    const resleep = await this.sleep.putToSleep(this.sleep.sleepCapable(woken));
    await this.sleep.stop([...started, ...woken.filter((id) => !this.sleeping.has(id))]);
    await this.releaseFor(leaving, staying).catch(() => undefined);
    const wake = await this.sleep.wake(leaving.filter((id) => this.sleeping.has(id)));
    if (wake.failed.length > 0) {
      await this.sleep.stop(wake.failed);
      await this.releaseFor(wake.failed, [...staying, ...wake.woken]).catch(() => undefined);
    }
    await this.actions.start(leaving.filter((id) => !wake.woken.includes(id)));
    await this.actions.waitReady(leaving);
    const notes = [woken.length > 0 ? resleep.detail : null, wake.woken.length + wake.failed.length > 0 ? wake.detail : null].filter(Boolean);
    return `back in mode ${from}${notes.length > 0 ? ` (${notes.join("; ")})` : ""}`;
  }

  /**
   * The memory check before backends start or wake: their GPUs, but those staying backends fill, must have room for
   * them (what each declares, else the fixed threshold). Sleeping engines that hold too much are stopped: first those that are not about to serve, then the ones that are
   * (which then cold-start).
   */
  private releaseFor(backendIds: string[], staying: string[]): Promise<string> {
    // In config order, so that what the step says does not depend on which engine fell asleep first.
    const others = Object.keys(this.deps.config().backends).filter((id) => this.sleeping.has(id) && !backendIds.includes(id));
    const own = backendIds.filter((id) => this.sleeping.has(id));
    return this.sleep.releaseGpus(backendIds, new Set(this.gpusOf(staying)), [others, own]);
  }

  private async runRestart(view: OperationView, backendId: string): Promise<void> {
    const config = this.deps.config();
    const others = backendsOfMode(config, this.mode).filter((id) => id !== backendId);
    try {
      await this.step(view, "stop_admitting", async () => `${backendId} takes no new requests`);
      await this.step(view, "drain", () => this.actions.drain([backendId]));
      await this.step(view, "stop_containers", () => this.sleep.stop([backendId]));
      await this.step(view, "wait_gpu_memory", () => this.releaseFor([backendId], others));
      await this.step(view, "start_containers", () => this.actions.start([backendId]));
      await this.step(view, "wait_ready", () => this.actions.waitReady([backendId]));
      await this.step(view, "resume_admitting", async () => `${backendId} takes requests again`);
      await this.end(view, "succeeded", null);
    } catch (error) {
      await this.end(view, "failed", (error as Error).message);
    } finally {
      this.closed.delete(backendId);
    }
  }

  private async step(view: OperationView, name: string, action: () => Promise<string>): Promise<void> {
    const entry: OperationView["steps"][number] = { name, status: "running", detail: null, startedAt: this.deps.clock.now(), finishedAt: null };
    view.steps.push(entry);
    const stepId = await this.record(() => this.deps.recorder.startStep(view.id, view.steps.length - 1, name));
    this.publishStep(view, entry);
    try {
      entry.detail = await action();
      entry.status = "succeeded";
    } catch (error) {
      entry.detail = (error as Error).message;
      entry.status = "failed";
      throw error;
    } finally {
      entry.finishedAt = this.deps.clock.now();
      await this.record(() => this.deps.recorder.finishStep(stepId ?? null, entry.status, entry.detail));
      this.publishStep(view, entry);
    }
  }

  private async end(view: OperationView, status: OperationStatus, error: string | null): Promise<void> {
    view.status = status;
    view.error = error;
    await this.record(() => this.deps.recorder.finish(view.id, status, error));
  }

  private publishStep(view: OperationView, step: OperationView["steps"][number]): void {
    this.deps.bus?.publish("operation_step", {
      operationId: view.id,
      kind: view.kind,
      step: step.name,
      status: step.status,
      detail: step.detail,
      at: new Date(step.finishedAt ?? step.startedAt).toISOString(),
    });
  }

  private gpusOf(backendIds: string[]): number[] {
    const config: LabConfig = this.deps.config();
    return [...new Set(backendIds.flatMap((id) => config.backends[id]?.gpus ?? []))];
  }

  /**
   * Recording is best effort (the lab must not stall because the database is unwell) and in order: writes are
   * chained, so a step is never recorded before the operation it belongs to.
   */
  private record<T>(write: () => Promise<T>): Promise<T | undefined> {
    const result = this.recording.then(write).catch((error: unknown) => {
      console.error("[lab] could not record an operation step", error);
      return undefined;
    });
    this.recording = result.then(() => undefined);
    return result;
  }
}

function leavingBackends(config: LabConfig, from: string, to: string): string[] {
  const target = backendsOfMode(config, to);
  return backendsOfMode(config, from).filter((id) => !target.includes(id));
}

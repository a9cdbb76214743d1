import { defaultModeName, type LabConfig } from "@/lib/config/schema";
import type { EventBus } from "@/lib/events/bus";
import { backendsOfMode } from "@/lib/routing/resolve";
import type { Clock } from "./clock";
import { OperationConflictError } from "./errors";
import type { LabEventInput } from "./event-log";

/** What a request that wants another mode is told: the switch it started, or the rule that refused it. */
export type OnDemandVerdict = { started: true; operationId: string } | { started: false; rule: string; retryAfterSeconds: number | null };

export interface OnDemandRequest {
  model: string;
  targetMode: string;
  keyId: string | null;
  keyName: string | null;
  requestId: number;
}

export interface OnDemandDeps {
  config: () => LabConfig;
  lab: {
    currentMode(): string;
    runningOperation(): { kind: string; toMode: string | null; backendId: string | null } | null;
    activateMode(target: string, requestedBy: string, trigger?: string | null): { status: "already_active" } | { status: "started"; operationId: string };
  };
  /** Requests on a backend now: all of them, and those of the interactive lane (in flight or queued). */
  load: (backendId: string) => { total: number; interactive: number };
  recordEvent: (event: LabEventInput) => void;
  bus: EventBus;
  clock: Clock;
  /** When the last mode switch ended before this process started (epoch ms; from ModeSwitch), or null. */
  lastSwitchEndedAt?: number | null;
}

const IDLE_CHECK_MS = 1_000;

/**
 * On-demand switching (`lab.onDemand`): a request for a model only another mode serves starts the switch when the
 * policy allows (the key may, no switch for `minSecondsBetweenSwitches` (counted from the last switch in ModeSwitch,
 * across restarts), no interactive request in flight, the mode
 * idle for `idleSeconds`), and a mode other than the default that stays idle for `returnToDefaultAfterSeconds`
 * switches back. "Idle" is measured from the last request a backend of that mode worked on (any outcome).
 */
export class OnDemandSwitching {
  private readonly lastServed = new Map<string, number>();
  private lastSwitchEndedAt: number | null = null;
  /** When the current mode became current (a switch ended, or Switchyard started). */
  private modeSince: number;
  private timer: NodeJS.Timeout | undefined;
  private readonly unsubscribe: () => void;

  constructor(private readonly deps: OnDemandDeps) {
    this.modeSince = deps.clock.now();
    // A restart of Switchyard must not open the guard: the spacing counts from the last switch on record.
    this.lastSwitchEndedAt = deps.lastSwitchEndedAt ?? null;
    this.unsubscribe = deps.bus.subscribe((event) => {
      if (event.type !== "operation_done" || event.data.kind !== "mode_switch") return;
      this.lastSwitchEndedAt = deps.clock.now();
      this.modeSince = this.lastSwitchEndedAt;
    });
  }

  /** A request ended: if a backend worked on it, its mode was not idle. */
  observe(record: { backend: string | null; mode: string | null }): void {
    if (record.backend !== null && record.mode !== null) this.lastServed.set(record.mode, this.deps.clock.now());
  }

  /** Null while on-demand switching is off; else the switch this request started, or the rule that refused it. */
  trySwitch(request: OnDemandRequest): OnDemandVerdict | null {
    const policy = this.deps.config().lab.onDemand;
    if (!policy.enabled) return null;
    const refusal = this.keyRefusal(request, policy.allowKeys) ?? this.refusal({ interactiveOnly: true });
    if (refusal) return { started: false, ...refusal };
    const trigger = `request ${request.requestId} for ${request.model} by ${request.keyName ? `key ${request.keyName}` : "an anonymous caller"}`;
    return this.switchTo(request.targetMode, "on_demand", trigger);
  }

  /** Checks the idle return every second; stop() ends it. */
  start(): void {
    this.timer ??= setInterval(() => this.returnIfIdle(), IDLE_CHECK_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.unsubscribe();
  }

  /** Switches back to the default mode when the current one has been idle for `returnToDefaultAfterSeconds`. */
  returnIfIdle(): void {
    const config = this.deps.config();
    const { enabled, returnToDefaultAfterSeconds } = config.lab.onDemand;
    const mode = this.deps.lab.currentMode();
    const home = defaultModeName(config);
    if (!enabled || returnToDefaultAfterSeconds === null || mode === home) return;
    const idleMs = this.deps.clock.now() - Math.max(this.lastServed.get(mode) ?? 0, this.modeSince);
    if (idleMs < returnToDefaultAfterSeconds * 1000) return;
    // Nothing may be cut by the return, batch requests included; the thrash guard applies as to any automatic switch.
    if (this.refusal({ interactiveOnly: false, ignoreIdle: true })) return;
    this.switchTo(home, "idle_return", `mode ${mode} idle for ${Math.round(idleMs / 1000)} s (lab.onDemand.returnToDefaultAfterSeconds: ${returnToDefaultAfterSeconds})`);
  }

  private keyRefusal(request: OnDemandRequest, allowKeys: string[]): { rule: string; retryAfterSeconds: null } | null {
    if (allowKeys.length === 0) return null;
    if (request.keyId !== null && (allowKeys.includes(request.keyId) || (request.keyName !== null && allowKeys.includes(request.keyName)))) return null;
    const who = request.keyName ? `the API key ${request.keyName} is` : "requests without an API key are";
    return { rule: `${who} not allowed to trigger switches (lab.onDemand.allowKeys)`, retryAfterSeconds: null };
  }

  /** The first policy rule that refuses a switch now, with when it may pass; null when none does. */
  private refusal(options: { interactiveOnly: boolean; ignoreIdle?: boolean }): { rule: string; retryAfterSeconds: number | null } | null {
    const { config, lab, clock, load } = this.deps;
    const policy = config().lab.onDemand;
    const now = clock.now();
    const running = lab.runningOperation();
    if (running) {
      const what = running.kind === "restart" ? `a restart of ${running.backendId}` : `a switch to mode ${running.toMode}`;
      return { rule: `another lab operation is running (${what})`, retryAfterSeconds: null };
    }
    if (this.lastSwitchEndedAt !== null && now - this.lastSwitchEndedAt < policy.minSecondsBetweenSwitches * 1000) {
      const waitMs = policy.minSecondsBetweenSwitches * 1000 - (now - this.lastSwitchEndedAt);
      return {
        rule: `the last switch ended ${wholeSeconds(now - this.lastSwitchEndedAt)} s ago; switches are at least ${policy.minSecondsBetweenSwitches} s apart (lab.onDemand.minSecondsBetweenSwitches)`,
        retryAfterSeconds: wholeSeconds(waitMs),
      };
    }
    const mode = lab.currentMode();
    const busy = backendsOfMode(config(), mode).reduce((sum, id) => sum + (options.interactiveOnly ? load(id).interactive : load(id).total), 0);
    if (busy > 0) return { rule: `${busy} ${options.interactiveOnly ? "interactive " : ""}request(s) in flight in mode ${mode}`, retryAfterSeconds: null };
    const lastServed = this.lastServed.get(mode);
    if (!options.ignoreIdle && lastServed !== undefined && now - lastServed < policy.idleSeconds * 1000) {
      return {
        rule: `mode ${mode} served a request ${wholeSeconds(now - lastServed)} s ago; it must be idle for ${policy.idleSeconds} s (lab.onDemand.idleSeconds)`,
        retryAfterSeconds: wholeSeconds(policy.idleSeconds * 1000 - (now - lastServed)),
      };
    }
    return null;
  }

  private switchTo(target: string, requestedBy: "on_demand" | "idle_return", trigger: string): OnDemandVerdict {
    const from = this.deps.lab.currentMode();
    let result: ReturnType<OnDemandDeps["lab"]["activateMode"]>;
    try {
      result = this.deps.lab.activateMode(target, requestedBy, trigger);
    } catch (error) {
      if (error instanceof OperationConflictError) return { started: false, rule: `another lab operation is running (${error.running.kind} ${error.running.target})`, retryAfterSeconds: null };
      throw error;
    }
    if (result.status === "already_active") return { started: false, rule: `the lab is already in mode ${target}`, retryAfterSeconds: null };
    this.deps.recordEvent({
      kind: "mode_switch",
      severity: "info",
      message: `${requestedBy === "on_demand" ? "on-demand switch" : "idle return"} ${from} → ${target} started: ${trigger}`,
      detail: { operationId: result.operationId, requestedBy, trigger },
    });
    return { started: true, operationId: result.operationId };
  }
}

function wholeSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

import type { LabEventMap } from "@/lib/events/bus";
import type { GpuSample } from "@/lib/telemetry/types";
import type { AlertDraft } from "./alert";
import type { AlertsConfig } from "./config";

/**
 * Which happenings become alerts. The lab already detects crashes (lab-event-rules.ts), runs and judges restarts and
 * switches (LabController) and gives up on backends (Watchdog); these rules only translate what those announce.
 * The two measured conditions (error rate, GPU temperature) are judged here, from the bus's request and GPU events.
 */

type LabEvent = LabEventMap["lab_event"];

/** A container exit or OOM of the current mode (containerExitRule's events), and the watchdog giving up. */
export function alertForLabEvent(event: LabEvent): AlertDraft | null {
  const backend = event.backendId;
  switch (event.kind) {
    case "container_exit":
    case "oom":
      return {
        kind: "backend_crashed",
        severity: "error",
        title: `${backend ?? "A backend"} ${event.kind === "oom" ? "ran out of GPU memory" : "crashed"}`,
        message: event.message,
        backend,
        subject: backend ?? "lab",
        path: "/backends",
      };
    case "watchdog_gave_up":
      return { kind: "watchdog_gave_up", severity: "error", title: `The watchdog gave up on ${backend ?? "a backend"}`, message: event.message, backend, subject: backend ?? "lab", path: "/backends" };
    default:
      return null;
  }
}

/** A crashed backend is back: the end of its `backend_crashed` alert (the service sends it only if that alert went out). */
export function crashResolved(backend: string, how: string): AlertDraft {
  return { kind: "backend_crashed", severity: "error", status: "resolved", title: `${backend} is ready again`, message: `${backend} is ready again (${how}).`, backend, subject: backend, path: "/backends" };
}

/**
 * The lab events that end a condition: a backend's health back to ready (healthChangeRule records a change to ready
 * as an `info` health_change, one to down or unhealthy as a `warning`).
 */
export function resolutionForLabEvent(event: LabEvent): AlertDraft | null {
  if (event.kind !== "health_change" || event.severity !== "info" || !event.backendId) return null;
  return crashResolved(event.backendId, "its health checks pass");
}

/** A finished lab operation as its record says (who asked, which backend, which modes). */
export interface FinishedOperation {
  id: string;
  kind: "mode_switch" | "restart";
  status: string;
  error: string | null;
  backendId: string | null;
  requestedBy: string;
  fromMode: string | null;
  toMode: string | null;
}

const who = (requestedBy: string) => (requestedBy === "watchdog" ? "the watchdog" : requestedBy === "console" ? "the console" : `the ${requestedBy}`);

export function alertForOperation(op: FinishedOperation): AlertDraft | null {
  if (op.kind === "restart") {
    const backend = op.backendId;
    const name = backend ?? "a backend";
    if (op.status === "succeeded") {
      return {
        kind: "backend_restarted",
        severity: op.requestedBy === "watchdog" ? "warning" : "info",
        title: `${name} was restarted by ${who(op.requestedBy)}`,
        message: `${name} was restarted by ${who(op.requestedBy)} and is serving again.`,
        backend,
        subject: backend ?? op.id,
        path: "/backends",
      };
    }
    if (op.status === "failed") {
      return { kind: "restart_failed", severity: "error", title: `Restarting ${name} failed`, message: `The restart of ${name} asked by ${who(op.requestedBy)} failed: ${op.error ?? "no reason recorded"}`, backend, subject: backend ?? op.id, path: "/backends" };
    }
    return null;
  }
  const switchName = `${op.fromMode ?? "?"} → ${op.toMode ?? "?"}`;
  if (op.status === "rolled_back") {
    return {
      kind: "mode_switch_rolled_back",
      severity: "warning",
      title: `Mode switch ${switchName} was rolled back`,
      message: `The switch from ${op.fromMode ?? "?"} to ${op.toMode ?? "?"} failed and the lab is back in ${op.fromMode ?? "its previous mode"}: ${op.error ?? "no reason recorded"}`,
      backend: null,
      subject: `${op.fromMode}->${op.toMode}`,
      path: "/modes",
    };
  }
  if (op.status === "failed") {
    return {
      kind: "mode_switch_failed",
      severity: "error",
      title: `Mode switch ${switchName} failed`,
      message: `The switch from ${op.fromMode ?? "?"} to ${op.toMode ?? "?"} failed and so did its rollback: ${op.error ?? "no reason recorded"}`,
      backend: null,
      subject: `${op.fromMode}->${op.toMode}`,
      path: "/modes",
    };
  }
  return null;
}

/** A restart that succeeded brought its backend back: the end of its crash, if one was alerted. */
export function resolutionForOperation(op: FinishedOperation): AlertDraft | null {
  if (op.kind !== "restart" || op.status !== "succeeded" || !op.backendId) return null;
  return crashResolved(op.backendId, `restarted by ${who(op.requestedBy)}`);
}

/** A finished request as the bus announces it. */
type FinishedRequest = Pick<LabEventMap["request"], "status" | "outcome">;

/** The lab's own failures: a 5xx answer, or a stream the backend or a timeout cut after its 200. */
export function isLabFailure(request: FinishedRequest): boolean {
  return (request.status ?? 0) >= 500 || request.outcome === "upstream_error" || request.outcome === "timeout";
}

/**
 * The share of lab failures over a sliding window, counted in one-second buckets so a busy gateway costs a few
 * hundred numbers, not one entry per request.
 */
export class ErrorRateRule {
  private readonly buckets: { second: number; total: number; failed: number }[] = [];
  private total = 0;
  private failed = 0;
  /** Above the threshold at the last evaluation that said so, until the share is back at or under it. */
  private firing = false;

  constructor(private readonly settings: () => AlertsConfig["errorRate"]) {}

  /**
   * At start: the window as the request log's per-minute rollups left it (each minute counted whole, at its last
   * second, as the usage page counts a minute that overlaps its range), and whether the alert was open. Only before
   * the first request is observed: the rollups also hold what this process counts itself.
   */
  seed(minutes: readonly { minuteMs: number; total: number; failed: number }[], nowMs: number, firing: boolean): void {
    const nowSecond = Math.floor(nowMs / 1000);
    for (const minute of [...minutes].sort((a, b) => a.minuteMs - b.minuteMs)) {
      if (minute.total <= 0) continue;
      const second = Math.min(Math.floor(minute.minuteMs / 1000) + 59, nowSecond);
      const last = this.buckets.at(-1);
      if (last && last.second >= second) {
        last.total += minute.total;
        last.failed += minute.failed;
      } else this.buckets.push({ second, total: minute.total, failed: minute.failed });
      this.total += minute.total;
      this.failed += minute.failed;
    }
    this.firing = this.firing || firing;
  }

  /** Counts one finished request; returns an alert while the share is above the threshold, or its end (once). */
  observe(request: FinishedRequest, nowMs: number): AlertDraft | null {
    const second = Math.floor(nowMs / 1000);
    let last = this.buckets.at(-1);
    if (!last || last.second !== second) this.buckets.push((last = { second, total: 0, failed: 0 }));
    const failed = isLabFailure(request) ? 1 : 0;
    last.total += 1;
    last.failed += failed;
    this.total += 1;
    this.failed += failed;
    return this.evaluate(nowMs);
  }

  evaluate(nowMs: number): AlertDraft | null {
    const { thresholdPct, windowMinutes, minRequests } = this.settings();
    const oldest = Math.floor((nowMs - windowMinutes * 60_000) / 1000);
    while (this.buckets.length > 0 && this.buckets[0]!.second <= oldest) {
      const gone = this.buckets.shift()!;
      this.total -= gone.total;
      this.failed -= gone.failed;
    }
    const pct = this.total === 0 ? 0 : (this.failed / this.total) * 100;
    if (this.total < minRequests || pct <= thresholdPct) {
      // Back under the threshold with enough requests to say so, or no failure left in the window (traffic stopped).
      const ended = this.failed === 0 || (this.total >= minRequests && pct <= thresholdPct);
      if (!this.firing || !ended) return null;
      this.firing = false;
      return {
        kind: "error_rate",
        severity: "error",
        status: "resolved",
        title: `Error rate back to ${pct.toFixed(1)} %`,
        message: `${this.failed} of ${this.total} requests in the last ${windowMinutes} min failed on the lab's side, at or under the ${thresholdPct} % threshold.`,
        backend: null,
        subject: "gateway",
        path: "/requests?status=5xx",
      };
    }
    this.firing = true;
    return {
      kind: "error_rate",
      severity: "error",
      title: `${pct.toFixed(1)} % of requests failed`,
      message: `${this.failed} of ${this.total} requests in the last ${windowMinutes} min failed on the lab's side (5xx, or a stream cut by the backend or a timeout), above the ${thresholdPct} % threshold.`,
      backend: null,
      subject: "gateway",
      path: "/requests?status=5xx",
    };
  }
}

/**
 * A GPU at or above the temperature threshold for the sustained time (readings from the telemetry's GPU events), and
 * its end once it reads below the threshold less `hysteresisC`: a GPU hovering at the threshold ends nothing.
 */
export class GpuTemperatureRule {
  private readonly hotSince = new Map<number, number>();
  /** GPUs whose alert was raised and whose end has not been said. */
  private readonly firing = new Set<number>();

  constructor(private readonly settings: () => AlertsConfig["gpuTemperature"]) {}

  /** At start: the GPU's alert was open when Switchyard stopped, so its next cool reading ends it. */
  seedFiring(index: number): void {
    this.firing.add(index);
  }

  observe(samples: readonly GpuSample[]): AlertDraft[] {
    const { thresholdC, sustainedSeconds, hysteresisC } = this.settings();
    const alerts: AlertDraft[] = [];
    for (const sample of samples) {
      const temperature = sample.temperatureC;
      if (temperature !== null && temperature < thresholdC - hysteresisC && this.firing.delete(sample.index)) {
        alerts.push({
          kind: "gpu_temperature",
          severity: "warning",
          status: "resolved",
          title: `GPU ${sample.index} is back to ${temperature} °C`,
          message: `GPU ${sample.index}${sample.name ? ` (${sample.name})` : ""} is at ${temperature} °C, below ${thresholdC - hysteresisC} °C (the ${thresholdC} °C threshold less ${hysteresisC} °C).`,
          backend: null,
          subject: `gpu${sample.index}`,
          path: "/gpus",
        });
      }
      if (temperature === null || temperature < thresholdC) {
        // An unknown reading does not prove the GPU cooled down, but neither does it prove it is still hot.
        this.hotSince.delete(sample.index);
        continue;
      }
      const since = this.hotSince.get(sample.index) ?? sample.at;
      this.hotSince.set(sample.index, since);
      const hotForMs = sample.at - since;
      if (hotForMs < sustainedSeconds * 1000) continue;
      this.firing.add(sample.index);
      alerts.push({
        kind: "gpu_temperature",
        severity: "warning",
        title: `GPU ${sample.index} is at ${temperature} °C`,
        message: `GPU ${sample.index}${sample.name ? ` (${sample.name})` : ""} has been at or above ${thresholdC} °C for ${Math.round(hotForMs / 1000)} s (now ${temperature} °C).`,
        backend: null,
        subject: `gpu${sample.index}`,
        path: "/gpus",
      });
    }
    return alerts;
  }
}

/**
 * At most one alert per kind and subject per cool-down; what it held back is counted and told with the next one,
 * so a flapping backend reads as "crashed (4 more since 10:02)" rather than as silence or as spam.
 */
export class Cooldown {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(private readonly seconds: () => number) {}

  /** At start: an alert of this key went out at `atMs` (before a restart), so the cool-down runs on from it. */
  seed(key: string, atMs: number): void {
    const previous = this.last.get(key);
    if (!previous || previous.at < atMs) this.last.set(key, { at: atMs, suppressed: 0 });
  }

  /** null: hold this one back; else how many were held back since the last one that went out. */
  admit(key: string, nowMs: number): { suppressed: number } | null {
    const previous = this.last.get(key);
    if (previous && nowMs - previous.at < this.seconds() * 1000) {
      previous.suppressed += 1;
      return null;
    }
    this.last.set(key, { at: nowMs, suppressed: 0 });
    return { suppressed: previous?.suppressed ?? 0 };
  }
}

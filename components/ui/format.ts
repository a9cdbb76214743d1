/**
 * Numbers with units and times in the browser's zone, the same way on every page. Everything accepts null
 * (telemetry that is unknown or unsupported) and shows it as an em dash rather than a misleading zero.
 */

export const MISSING = "—";

const isNumber = (value: number | null | undefined): value is number => typeof value === "number" && Number.isFinite(value);

export function formatNumber(value: number | null | undefined, maximumFractionDigits = 0): string {
  if (!isNumber(value)) return MISSING;
  return value.toLocaleString("en-US", { maximumFractionDigits, minimumFractionDigits: 0 });
}

/** 0.25, 12, 1.5k: a bare number short enough for a chart axis. */
export function formatCompact(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1_000_000) return `${+(value / 1_000_000).toFixed(1)}M`;
  if (abs >= 1_000) return `${+(value / 1_000).toFixed(1)}k`;
  if (abs >= 10 || abs === 0) return String(Math.round(value));
  return String(+value.toFixed(2));
}

/** A percentage already on a 0-100 scale. */
export function formatPercent(value: number | null | undefined, digits = 0): string {
  return isNumber(value) ? `${value.toFixed(digits)} %` : MISSING;
}

/** A fraction 0..1 (vLLM's KV-cache usage) as a percentage. */
export function formatFraction(value: number | null | undefined, digits = 0): string {
  return isNumber(value) ? formatPercent(value * 100, digits) : MISSING;
}

export const MIB_PER_GIB = 1024;

export function mibToGib(value: number | null | undefined): number | null {
  return isNumber(value) ? value / MIB_PER_GIB : null;
}

/** With a no-break space: "20.5 GiB / 24.0 GiB" may wrap at the slash, never between a number and its unit. */
export function formatMemoryMiB(value: number | null | undefined): string {
  const gib = mibToGib(value);
  return gib === null ? MISSING : `${gib.toFixed(1)}\u00a0GiB`;
}

export function formatWatts(value: number | null | undefined): string {
  return isNumber(value) ? `${Math.round(value)} W` : MISSING;
}

export function formatCelsius(value: number | null | undefined): string {
  return isNumber(value) ? `${Math.round(value)} °C` : MISSING;
}

export function formatTokensPerSecond(value: number | null | undefined): string {
  if (!isNumber(value)) return MISSING;
  return `${value >= 100 ? Math.round(value).toLocaleString("en-US") : value.toFixed(1)} tok/s`;
}

/** Milliseconds as "85 ms", "1.24 s", "2 min 05 s", "1 h 02 min". */
export function formatDuration(ms: number | null | undefined): string {
  if (!isNumber(ms)) return MISSING;
  if (ms < 0) return MISSING;
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(ms / 1_000).toFixed(2)} s`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const totalSeconds = Math.round(ms / 1_000);
  if (totalSeconds < 3_600) return `${Math.floor(totalSeconds / 60)} min ${String(totalSeconds % 60).padStart(2, "0")} s`;
  const totalMinutes = Math.round(totalSeconds / 60);
  return `${Math.floor(totalMinutes / 60)} h ${String(totalMinutes % 60).padStart(2, "0")} min`;
}

export function formatEnergyWh(value: number | null | undefined): string {
  if (!isNumber(value)) return MISSING;
  if (value < 1) return `${(value * 1_000).toFixed(value < 0.01 ? 2 : 1)} mWh`;
  return `${value.toFixed(2)} Wh`;
}

type TimeInput = string | number | Date | null | undefined;

function toDate(value: TimeInput): Date | null {
  if (value === null || value === undefined) return null;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** Wall-clock time in the browser's zone, to the second. */
export function formatTime(value: TimeInput): string {
  const date = toDate(value);
  return date ? date.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false }) : MISSING;
}

/** Date and time in the browser's zone. */
export function formatDateTime(value: TimeInput): string {
  const date = toDate(value);
  return date
    ? date.toLocaleString(undefined, { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false })
    : MISSING;
}

/** "just now", "42 s ago", "5 min ago", "3 h ago", "2 d ago". */
export function formatRelative(value: TimeInput, now: number): string {
  const date = toDate(value);
  if (!date) return MISSING;
  const seconds = Math.round((now - date.getTime()) / 1_000);
  if (seconds < 5) return "just now";
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3_600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3_600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}

/** snake_case identifiers from the API ("wait_gpu_memory", "client_abort") in words. */
export function humanize(identifier: string): string {
  const words = identifier.replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

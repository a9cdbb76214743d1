/**
 * When a GPU's temperature deserves colour. An RTX 3090's default temperature target is 83 °C (boost clocks drop
 * from there) and it slows down hard at about 93 °C: amber from 80 °C, red from 90 °C. Power is measured against
 * the GPU's own limit (the cap nvidia-smi reports, else 350 W, the 3090's): amber from 85 %, red from 95 %.
 */
export const TEMPERATURE_WARN_C = 80;
export const TEMPERATURE_CRITICAL_C = 90;
/** The sparkline's fixed temperature scale, so cards compare at a glance. */
export const TEMPERATURE_SCALE_C: [number, number] = [20, 100];

export type Tone = "ok" | "warn" | "bad" | "none";

export function temperatureTone(celsius: number | null | undefined): Tone {
  if (typeof celsius !== "number" || !Number.isFinite(celsius)) return "none";
  return celsius >= TEMPERATURE_CRITICAL_C ? "bad" : celsius >= TEMPERATURE_WARN_C ? "warn" : "ok";
}

/** "80 °C warn · 90 °C critical": said beside the reading, so the colours are never the only cue. */
export function temperatureToneWord(tone: Tone): string | null {
  return tone === "bad" ? "critical" : tone === "warn" ? "hot" : null;
}

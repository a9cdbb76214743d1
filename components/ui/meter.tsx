/** A horizontal gauge (GPU memory, power against its cap); with `warnings`, amber then red near the top. */
export function Meter({ value, max, label, warnings = true }: { value: number | null; max: number | null; label: string; warnings?: boolean }) {
  const ratio = value !== null && max ? Math.min(Math.max(value / max, 0), 1) : null;
  const tone = ratio === null || !warnings ? "" : ratio >= 0.95 ? "bad" : ratio >= 0.85 ? "warn" : "ok";
  return (
    <div className="meter" role="meter" aria-label={label} aria-valuemin={0} aria-valuemax={max ?? undefined} aria-valuenow={value ?? undefined}>
      <div className={`meter-fill ${tone}`} style={{ width: `${(ratio ?? 0) * 100}%` }} />
    </div>
  );
}

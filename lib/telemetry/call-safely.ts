/**
 * Runs a consumer's callback (onSample, onStatus) and swallows what it throws: a bug in the consumer must not stop
 * a telemetry loop, crash the process from inside a stream handler, or pass for an unreachable target.
 */
export function callSafely(callback: () => void): void {
  try {
    callback();
  } catch {
    // Deliberately ignored; see above.
  }
}

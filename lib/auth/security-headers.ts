/**
 * Response headers for the console's pages (applied in next.config.ts `headers()`). Next.js bootstraps
 * hydration with inline scripts, so script-src needs 'unsafe-inline' until nonces are wired in; everything
 * else is limited to Switchyard's own origin, and no other site may frame the console (clickjacking).
 */
export function securityHeaders(options: { development?: boolean } = {}): Record<string, string> {
  const csp = [
    "default-src 'self'",
    // `next dev` evaluates modules for fast refresh; production builds never need eval.
    `script-src 'self' 'unsafe-inline'${options.development ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
  ].join("; ");
  return {
    "Content-Security-Policy": csp,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
  };
}

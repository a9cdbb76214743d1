import type { AlertsConfig, WebhookConfig } from "./config";

/** A webhook as the admin API shows it: the URL masked (Discord's carries its token, ntfy's topic is a password), header names only. */
export interface WebhookView {
  name: string;
  format: WebhookConfig["format"];
  url: string;
  headerNames: string[];
  kinds: string[] | null;
  minSeverity: WebhookConfig["minSeverity"];
}

/**
 * Enough of a URL to tell webhooks apart, not enough to post to one: scheme, host and port, then the last four
 * characters of the path; credentials and the query are never shown.
 */
export function maskUrl(url: string): string {
  const parsed = new URL(url);
  const path = parsed.pathname.replace(/\/+$/, "");
  const tail = path.length > 1 ? `/…${path.slice(-4)}` : "";
  return `${parsed.protocol}//${parsed.username || parsed.password ? "•••@" : ""}${parsed.host}${tail}${parsed.search ? "?…" : ""}`;
}

export function webhookView(webhook: WebhookConfig): WebhookView {
  return {
    name: webhook.name,
    format: webhook.format,
    url: maskUrl(webhook.url),
    headerNames: Object.keys(webhook.headers),
    kinds: webhook.kinds ?? null,
    minSeverity: webhook.minSeverity,
  };
}

/** The alert settings as the console shows them (no webhook secrets). */
export function alertSettingsView(alerts: AlertsConfig) {
  return {
    errorRate: alerts.errorRate,
    gpuTemperature: alerts.gpuTemperature,
    cooldownSeconds: alerts.cooldownSeconds,
    delivery: alerts.delivery,
    retentionDays: alerts.retentionDays,
    consoleUrl: alerts.consoleUrl ?? null,
  };
}

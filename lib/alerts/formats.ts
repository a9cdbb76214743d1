import type { Alert, AlertStatus } from "./alert";
import type { AlertSeverity, WebhookFormat } from "./config";

/**
 * The body and headers each webhook format expects for one alert. Pure: the unit tests pin every format's shape,
 * and delivery only adds the webhook's own headers and sends.
 */

export interface WebhookRequest {
  headers: Record<string, string>;
  body: string;
}

/** The generic JSON payload (README, "Alerts"): a stable, documented schema. */
export interface JsonAlertPayload {
  schema: "switchyard.alert/v1";
  id: string;
  kind: string;
  severity: AlertSeverity;
  /** `resolved`: the alert of this kind and backend (or GPU, or gateway) sent earlier is over. */
  status: AlertStatus;
  title: string;
  message: string;
  backend: string | null;
  /** ISO-8601, UTC. */
  at: string;
  link: string | null;
}

export function jsonPayload(alert: Alert): JsonAlertPayload {
  return {
    schema: "switchyard.alert/v1",
    id: alert.id,
    kind: alert.kind,
    severity: alert.severity,
    status: alert.status,
    title: alert.title,
    message: alert.message,
    backend: alert.backend,
    at: alert.at.toISOString(),
    link: alert.link,
  };
}

// Discord's documented limits (Execute Webhook, Embed Limits).
export const DISCORD_LIMITS = { content: 2000, title: 256, description: 4096, fieldValue: 1024, footer: 2048, embedTotal: 6000 } as const;
const DISCORD_COLORS: Record<AlertSeverity, number> = { info: 0x5865f2, warning: 0xfee75c, error: 0xed4245 };
/** Discord's own green: a resolved notice reads as good news whatever the alert's severity was. */
export const DISCORD_RESOLVED_COLOR = 0x57f287;

export function discordPayload(alert: Alert) {
  const resolved = alert.status === "resolved";
  const label = resolved ? "Resolved" : severityLabel(alert.severity);
  const title = truncate(`${label}: ${alert.title}`, DISCORD_LIMITS.title);
  const fields = [
    { name: "Kind", value: alert.kind, inline: true },
    ...(alert.backend ? [{ name: "Backend", value: truncate(alert.backend, DISCORD_LIMITS.fieldValue), inline: true }] : []),
  ];
  const footer = "Switchyard";
  const fixed = title.length + footer.length + fields.reduce((sum, field) => sum + field.name.length + field.value.length, 0);
  const description = truncate(alert.message, Math.min(DISCORD_LIMITS.description, DISCORD_LIMITS.embedTotal - fixed));
  return {
    username: "Switchyard",
    content: truncate(`**${resolved ? "RESOLVED" : label}** ${alert.title}`, DISCORD_LIMITS.content),
    embeds: [{ title, description, color: resolved ? DISCORD_RESOLVED_COLOR : DISCORD_COLORS[alert.severity], timestamp: alert.at.toISOString(), ...(alert.link ? { url: alert.link } : {}), fields, footer: { text: footer } }],
    // Text from the lab (a backend's name, an error) must never ping @everyone or a role.
    allowed_mentions: { parse: [] as string[] },
  };
}

/** ntfy's priorities: 3 is the default, 4 high, 5 urgent. */
const NTFY_PRIORITY: Record<AlertSeverity, string> = { info: "3", warning: "4", error: "5" };
const NTFY_TAGS: Record<AlertSeverity, string> = { info: "information_source", warning: "warning", error: "rotating_light" };
/** ntfy turns longer messages into attachments. */
export const NTFY_MAX_MESSAGE_BYTES = 4096;

/**
 * ntfy's publish-as-body format: the message is the body, the rest rides in headers (POST to the topic URL). A
 * resolved notice is "Resolved: …" at the default priority, tagged ✅ and `resolved`, whatever the alert's severity.
 */
export function ntfyRequest(alert: Alert): WebhookRequest {
  const resolved = alert.status === "resolved";
  const headers: Record<string, string> = {
    "content-type": "text/plain; charset=utf-8",
    title: headerSafe(resolved ? `Resolved: ${alert.title}` : alert.title),
    priority: resolved ? "3" : NTFY_PRIORITY[alert.severity],
    tags: resolved ? `white_check_mark,switchyard,${alert.kind},resolved` : `${NTFY_TAGS[alert.severity]},switchyard,${alert.kind}`,
  };
  if (alert.link) headers.click = alert.link;
  return { headers, body: truncateUtf8(alert.message, NTFY_MAX_MESSAGE_BYTES) };
}

export function webhookRequest(alert: Alert, format: WebhookFormat): WebhookRequest {
  switch (format) {
    case "json":
      return { headers: { "content-type": "application/json" }, body: JSON.stringify(jsonPayload(alert)) };
    case "discord":
      return { headers: { "content-type": "application/json" }, body: JSON.stringify(discordPayload(alert)) };
    case "ntfy":
      return ntfyRequest(alert);
  }
}

function severityLabel(severity: AlertSeverity): string {
  return severity === "error" ? "ERROR" : severity === "warning" ? "WARNING" : "INFO";
}

/** At most `max` characters (UTF-16 units, as Discord counts), an ellipsis marking a cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, Math.max(0, max - 1));
  // Never leave half of a surrogate pair at the end.
  return `${/[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut}…`;
}

function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let cut = text;
  while (Buffer.byteLength(cut) > maxBytes - 3) cut = cut.slice(0, Math.max(0, cut.length - Math.max(1, Math.floor((Buffer.byteLength(cut) - maxBytes) / 4))));
  return `${/[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut}…`;
}

/** HTTP header values are Latin-1 at best: anything else goes as RFC 2047 (`=?UTF-8?B?...?=`), which ntfy decodes. */
export function headerSafe(value: string): string {
  const oneLine = value.replace(/[\r\n]+/g, " ");
  return /^[\x20-\x7e]*$/.test(oneLine) ? oneLine : `=?UTF-8?B?${Buffer.from(oneLine, "utf8").toString("base64")}?=`;
}

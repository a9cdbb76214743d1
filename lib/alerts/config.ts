import { z } from "zod";

/**
 * The `alerts:` section of the lab config: where alerts go (webhooks), when a measured condition becomes one
 * (thresholds), how often the same one may repeat (cool-down) and how hard delivery tries. Secrets (a header's
 * value, a URL's token) live only here: the admin API shows them masked and nothing logs them.
 */

export const ALERT_KINDS = [
  "backend_crashed",
  "backend_restarted",
  "restart_failed",
  "mode_switch_failed",
  "mode_switch_rolled_back",
  "watchdog_gave_up",
  "error_rate",
  "gpu_temperature",
  "test",
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export const ALERT_SEVERITIES = ["info", "warning", "error"] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

export const WEBHOOK_FORMATS = ["json", "discord", "ntfy"] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

const headerName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, "a header name is a token (letters, digits, '-', ...)");

export const webhookSchema = z
  .object({
    name: z.string().trim().min(1).max(64).regex(/^[^\p{Cc}]*$/u, "no control characters"),
    url: z.url({ protocol: /^https?$/, error: "url must be an http(s) URL" }),
    format: z.enum(WEBHOOK_FORMATS).default("json"),
    /** Sent with every delivery (an Authorization header, say); the values are secrets. */
    headers: z.record(headerName, z.string().regex(/^[^\r\n]*$/, "no line breaks in a header value")).default({}),
    /** Only these kinds (absent: every kind). A test message always goes through. */
    kinds: z.array(z.enum(ALERT_KINDS)).min(1).optional(),
    /** Alerts below this severity are not sent to this webhook. */
    minSeverity: z.enum(ALERT_SEVERITIES).default("info"),
  })
  .strict();

export const alertsSchema = z
  .object({
    webhooks: z.array(webhookSchema).default([]),
    /** The console's address as operators reach it (https://lab.example:3000): alerts link to the page that explains them. */
    consoleUrl: z.url({ protocol: /^https?$/ }).optional(),
    /** The share of requests the lab failed (5xx, or a stream cut by an upstream error or timeout) over a sliding window. */
    errorRate: z
      .object({
        thresholdPct: z.number().positive().max(100).default(10),
        windowMinutes: z.number().positive().max(60).default(5),
        /** Fewer finished requests than this in the window never alert (two failures of three are not a trend). */
        minRequests: z.int().positive().default(20),
      })
      .strict()
      .default({ thresholdPct: 10, windowMinutes: 5, minRequests: 20 }),
    gpuTemperature: z
      .object({
        thresholdC: z.number().positive().default(85),
        /** The GPU must stay at or above the threshold this long. */
        sustainedSeconds: z.number().nonnegative().default(60),
        /** The alert's end is sent once the GPU reads below the threshold less this (no flapping at the threshold). */
        hysteresisC: z.number().nonnegative().default(5),
      })
      .strict()
      .default({ thresholdC: 85, sustainedSeconds: 60, hysteresisC: 5 }),
    /** The same alert (kind and subject: a backend, a GPU, the gateway) is sent at most once per cool-down. */
    cooldownSeconds: z.number().nonnegative().default(300),
    delivery: z
      .object({
        timeoutSeconds: z.number().positive().max(60).default(5),
        /** Tries per alert and webhook, with a backoff doubling from `backoffSeconds`. */
        attempts: z.int().min(1).max(10).default(3),
        backoffSeconds: z.number().nonnegative().default(2),
        /** Alerts waiting per webhook; beyond, the oldest is dropped (and recorded as dropped). */
        queueSize: z.int().min(1).max(10_000).default(100),
      })
      .strict()
      .default({ timeoutSeconds: 5, attempts: 3, backoffSeconds: 2, queueSize: 100 }),
    /** Delivery records are kept this long. */
    retentionDays: z.int().positive().default(30),
  })
  .strict()
  .superRefine((alerts, ctx) => {
    const seen = new Set<string>();
    alerts.webhooks.forEach((webhook, i) => {
      if (seen.has(webhook.name)) ctx.addIssue({ code: "custom", path: ["webhooks", i, "name"], message: `two webhooks are named "${webhook.name}": names must be unique` });
      seen.add(webhook.name);
    });
  })
  .default({
    webhooks: [],
    errorRate: { thresholdPct: 10, windowMinutes: 5, minRequests: 20 },
    gpuTemperature: { thresholdC: 85, sustainedSeconds: 60, hysteresisC: 5 },
    cooldownSeconds: 300,
    delivery: { timeoutSeconds: 5, attempts: 3, backoffSeconds: 2, queueSize: 100 },
    retentionDays: 30,
  });

export type AlertsConfig = z.output<typeof alertsSchema>;
export type WebhookConfig = z.output<typeof webhookSchema>;

export const severityRank: Record<AlertSeverity, number> = { info: 0, warning: 1, error: 2 };

import { expect, test } from "vitest";
import { alertsSchema } from "./config";
import { redact } from "./delivery";
import { maskUrl, webhookView } from "./view";

test("a masked URL tells webhooks apart without the token, the credentials or the query", () => {
  expect(maskUrl("https://discord.com/api/webhooks/1234567890/AbCdEfGhIjKlMnOp")).toBe("https://discord.com/…MnOp");
  expect(maskUrl("https://user:secret@ntfy.example:8443/lab-alerts-x9f2?auth=tk_123")).toBe("https://•••@ntfy.example:8443/…x9f2?…");
  expect(maskUrl("http://127.0.0.1:28009/")).toBe("http://127.0.0.1:28009");
});

test("the API's view of a webhook has header names, never their values", () => {
  const [webhook] = alertsSchema.parse({ webhooks: [{ name: "ops", url: "https://hooks.example/abc/secret-token", headers: { Authorization: "Bearer s3cr3t" } }] }).webhooks;
  const view = webhookView(webhook!);
  expect(view).toEqual({ name: "ops", format: "json", url: "https://hooks.example/…oken", headerNames: ["Authorization"], kinds: null, minSeverity: "info" });
  expect(JSON.stringify(view)).not.toContain("s3cr3t");
  expect(redact("HTTP 401: echo Bearer s3cr3t from https://hooks.example/abc/secret-token", webhook!)).toBe("HTTP 401: echo ••• from •••");
});

test("the config refuses two webhooks of one name, unknown kinds and formats, and header values with line breaks", () => {
  const url = "https://hooks.example/x";
  expect(() => alertsSchema.parse({ webhooks: [{ name: "a", url }, { name: "a", url }] })).toThrow(/two webhooks are named/);
  expect(() => alertsSchema.parse({ webhooks: [{ name: "a", url, kinds: ["backend_exploded"] }] })).toThrow();
  expect(() => alertsSchema.parse({ webhooks: [{ name: "a", url, format: "slack" }] })).toThrow();
  expect(() => alertsSchema.parse({ webhooks: [{ name: "a", url, headers: { "X-Token": "a\r\nInjected: 1" } }] })).toThrow(/line breaks/);
  expect(() => alertsSchema.parse({ webhooks: [{ name: "a", url: "ftp://hooks.example/x" }] })).toThrow();
  expect(alertsSchema.parse(undefined)).toMatchObject({ webhooks: [], cooldownSeconds: 300, delivery: { timeoutSeconds: 5, attempts: 3, queueSize: 100 } });
});

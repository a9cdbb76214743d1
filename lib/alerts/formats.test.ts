import { expect, test } from "vitest";
import type { Alert } from "./alert";
import { DISCORD_LIMITS, DISCORD_RESOLVED_COLOR, discordPayload, headerSafe, jsonPayload, ntfyRequest, NTFY_MAX_MESSAGE_BYTES, webhookRequest } from "./formats";

const crash: Alert = {
  id: "3f2b8a5e-0000-4000-8000-000000000001",
  kind: "backend_crashed",
  severity: "error",
  status: "firing",
  title: "qwen-14b crashed",
  message: "qwen-14b exited with code 137",
  backend: "qwen-14b",
  subject: "qwen-14b",
  at: new Date("2026-12-07T14:00:00.000Z"),
  link: "https://lab.example/backends",
};

test("json: the documented schema, nothing more", () => {
  const request = webhookRequest(crash, "json");
  expect(request.headers["content-type"]).toBe("application/json");
  expect(JSON.parse(request.body)).toEqual({
    schema: "switchyard.alert/v1",
    id: crash.id,
    kind: "backend_crashed",
    severity: "error",
    status: "firing",
    title: "qwen-14b crashed",
    message: "qwen-14b exited with code 137",
    backend: "qwen-14b",
    at: "2026-12-07T14:00:00.000Z",
    link: "https://lab.example/backends",
  });
  expect(jsonPayload({ ...crash, backend: null, link: null })).toMatchObject({ backend: null, link: null });
});

test("discord: content and one embed, coloured by severity, linking to the console, pinging no one", () => {
  const body = JSON.parse(webhookRequest(crash, "discord").body) as ReturnType<typeof discordPayload>;
  expect(body.content).toBe("**ERROR** qwen-14b crashed");
  expect(body.allowed_mentions).toEqual({ parse: [] });
  expect(body.embeds).toHaveLength(1);
  expect(body.embeds[0]).toMatchObject({
    title: "ERROR: qwen-14b crashed",
    description: "qwen-14b exited with code 137",
    color: 0xed4245,
    timestamp: "2026-12-07T14:00:00.000Z",
    url: "https://lab.example/backends",
    fields: [
      { name: "Kind", value: "backend_crashed", inline: true },
      { name: "Backend", value: "qwen-14b", inline: true },
    ],
  });
  const info = discordPayload({ ...crash, severity: "info", link: null, backend: null });
  expect(info.embeds[0]).not.toHaveProperty("url");
  expect(info.embeds[0]?.fields).toEqual([{ name: "Kind", value: "backend_crashed", inline: true }]);
  expect(info.embeds[0]?.color).not.toBe(0xed4245);
});

test("discord: long texts are cut to Discord's limits (content 2000, title 256, description 4096, embed 6000 in all)", () => {
  const body = discordPayload({ ...crash, title: "t".repeat(5000), message: "m".repeat(10_000), backend: "b".repeat(2000) });
  const embed = body.embeds[0]!;
  expect(body.content.length).toBeLessThanOrEqual(DISCORD_LIMITS.content);
  expect(embed.title.length).toBe(DISCORD_LIMITS.title);
  expect(embed.title.endsWith("…")).toBe(true);
  expect(embed.description.length).toBeLessThanOrEqual(DISCORD_LIMITS.description);
  for (const field of embed.fields) expect(field.value.length).toBeLessThanOrEqual(DISCORD_LIMITS.fieldValue);
  const total = embed.title.length + embed.description.length + embed.footer.text.length + embed.fields.reduce((sum, field) => sum + field.name.length + field.value.length, 0);
  expect(total).toBeLessThanOrEqual(DISCORD_LIMITS.embedTotal);
});

test("ntfy: the message as the body; title, priority, tags and click in headers", () => {
  const request = ntfyRequest(crash);
  expect(request.body).toBe("qwen-14b exited with code 137");
  expect(request.headers).toEqual({
    "content-type": "text/plain; charset=utf-8",
    title: "qwen-14b crashed",
    priority: "5",
    tags: "rotating_light,switchyard,backend_crashed",
    click: "https://lab.example/backends",
  });
  expect(ntfyRequest({ ...crash, severity: "warning", link: null }).headers).toMatchObject({ priority: "4", tags: "warning,switchyard,backend_crashed" });
  expect(ntfyRequest({ ...crash, severity: "info" }).headers.priority).toBe("3");
  expect(ntfyRequest({ ...crash, link: null }).headers).not.toHaveProperty("click");
});

test("ntfy: a non-ASCII title goes as RFC 2047, a long message is cut to ntfy's 4096 bytes", () => {
  const title = "GPU 0 is at 91 °C";
  const encoded = ntfyRequest({ ...crash, title }).headers.title!;
  expect(encoded).toMatch(/^=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=$/);
  expect(Buffer.from(encoded.slice(10, -2), "base64").toString("utf8")).toBe(title);
  expect(headerSafe("line one\r\nline two")).toBe("line one line two");
  const body = ntfyRequest({ ...crash, message: "é".repeat(5000) }).body;
  expect(Buffer.byteLength(body)).toBeLessThanOrEqual(NTFY_MAX_MESSAGE_BYTES);
  expect(body.endsWith("…")).toBe(true);
});

test("a resolved notice: status in the JSON, a green 'Resolved:' embed on Discord, ntfy's default priority and a check mark", () => {
  const back: Alert = { ...crash, id: "3f2b8a5e-0000-4000-8000-000000000002", status: "resolved", title: "qwen-14b is ready again", message: "qwen-14b is ready again (restarted by the watchdog)." };
  expect(JSON.parse(webhookRequest(back, "json").body)).toMatchObject({ schema: "switchyard.alert/v1", kind: "backend_crashed", severity: "error", status: "resolved", title: "qwen-14b is ready again" });
  const discord = JSON.parse(webhookRequest(back, "discord").body) as ReturnType<typeof discordPayload>;
  expect(discord.content).toBe("**RESOLVED** qwen-14b is ready again");
  expect(discord.embeds[0]).toMatchObject({ title: "Resolved: qwen-14b is ready again", color: DISCORD_RESOLVED_COLOR, description: back.message });
  expect(discordPayload(crash).embeds[0]?.color).not.toBe(DISCORD_RESOLVED_COLOR);
  expect(ntfyRequest(back).headers).toMatchObject({ title: "Resolved: qwen-14b is ready again", priority: "3", tags: "white_check_mark,switchyard,backend_crashed,resolved" });
});

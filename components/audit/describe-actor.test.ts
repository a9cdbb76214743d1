import { expect, test } from "vitest";
import { describeActor, shortUserAgent } from "./describe-actor";

test("who made a change reads as one line", () => {
  expect(describeActor({ actorVia: "session", actorSession: "3f2a9c1b00aa", actorAddress: "10.0.0.5", actorUserAgent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", actorClient: "console" })).toBe(
    "console session 3f2a9c1b00aa · from the console · 10.0.0.5 · Chrome 131 on Linux",
  );
  expect(describeActor({ actorVia: "token", actorSession: null, actorAddress: "127.0.0.1", actorUserAgent: "curl/8.5.0", actorClient: "api" })).toBe("admin token · through the API · 127.0.0.1 · curl 8");
  expect(describeActor({ actorVia: "open", actorSession: null, actorAddress: null, actorUserAgent: null, actorClient: "api" })).toBe("open console (no sign-in) · through the API");
});

test("unknown agents are cut short rather than guessed", () => {
  expect(shortUserAgent("my-script")).toBe("my-script");
  expect(shortUserAgent(null)).toBeNull();
});

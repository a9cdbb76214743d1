import { expect, test } from "vitest";
import { chatBody, defaultChatSettings, settingsProblem } from "./chat-body";

test("the system prompt first, answered exchanges as turns, the new prompt last; streams ask for usage", () => {
  const body = chatBody("fast", { ...defaultChatSettings, system: "Be brief.", temperature: 0.2, maxTokens: 64 }, [
    { prompt: "Hi", answer: "Hello!" },
    { prompt: "Refused one", answer: null },
  ], "And now?");
  expect(body).toEqual({
    model: "fast",
    messages: [
      { role: "system", content: "Be brief." },
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Hello!" },
      { role: "user", content: "And now?" },
    ],
    temperature: 0.2,
    max_tokens: 64,
    stream: true,
    stream_options: { include_usage: true },
  });
});

test("no system message for a blank system prompt; no stream options without streaming", () => {
  const body = chatBody("reasoning", { ...defaultChatSettings, system: "  ", stream: false }, [], "Q");
  expect(body.messages).toEqual([{ role: "user", content: "Q" }]);
  expect(body).not.toHaveProperty("stream_options");
  expect(body).not.toHaveProperty("ignore_eos");
  expect(body.stream).toBe(false);
});

test("a set length asks vLLM to ignore the end of sequence", () => {
  expect(chatBody("fast", { ...defaultChatSettings, ignoreEos: true }, [], "Q").ignore_eos).toBe(true);
});

test("settings outside what vLLM takes are explained before sending", () => {
  expect(settingsProblem(defaultChatSettings)).toBeNull();
  expect(settingsProblem({ ...defaultChatSettings, temperature: 3 })).toMatch(/Temperature/);
  expect(settingsProblem({ ...defaultChatSettings, temperature: Number.NaN })).toMatch(/Temperature/);
  expect(settingsProblem({ ...defaultChatSettings, maxTokens: 0 })).toMatch(/Max tokens/);
  expect(settingsProblem({ ...defaultChatSettings, maxTokens: 1.5 })).toMatch(/Max tokens/);
});

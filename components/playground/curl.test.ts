import { execFileSync } from "node:child_process";
import { describe, expect, test } from "vitest";
import { chatCurl, shellQuote } from "./curl";

const body = { model: "fast", messages: [{ role: "user", content: "It's \"quoted\" and $HOME stays literal\nnew line" }], max_tokens: 16, stream: true, stream_options: { include_usage: true } };

describe("chatCurl", () => {
  test("open lab: no key; a stream gets -N; the body is the /v1 body", () => {
    const curl = chatCurl({ origin: "http://lab:3000/", body, auth: "open" });
    expect(curl.split(" \\\n  ")).toEqual([
      "curl -sN 'http://lab:3000/v1/chat/completions'",
      "-H 'content-type: application/json'",
      `-d ${shellQuote(JSON.stringify(body))}`,
    ]);
  });

  test("auth: keys reads the key from the environment (a placeholder, never a key of the console's)", () => {
    const curl = chatCurl({ origin: "http://lab:3000", body: { ...body, stream: false }, auth: "keys" });
    expect(curl).toContain(`-H "Authorization: Bearer $SWITCHYARD_API_KEY"`);
    expect(curl.startsWith("curl -s 'http")).toBe(true);
  });

  test("a shell hands curl the body byte for byte: quotes, $ and new lines survive", () => {
    const echoed = execFileSync("sh", ["-c", `printf %s ${shellQuote(JSON.stringify(body))}`], { encoding: "utf8" });
    expect(JSON.parse(echoed)).toEqual(body);
  });
});

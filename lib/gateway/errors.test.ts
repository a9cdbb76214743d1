import { describe, expect, test } from "vitest";
import { errorEvent, errorResponse, GatewayError, gatewayErrorCodes, openAiErrorBody, toGatewayError } from "./errors";

describe("error mapping", () => {
  test.each([
    ["invalid_request", 400, "invalid_request_error"],
    ["missing_api_key", 401, "authentication_error"],
    ["model_not_allowed", 403, "permission_error"],
    ["model_not_found", 404, "invalid_request_error"],
    ["body_too_large", 413, "invalid_request_error"],
    ["queue_full", 429, "rate_limit_error"],
    ["rate_limited", 429, "rate_limit_error"],
    ["backend_unavailable", 503, "service_unavailable_error"],
    ["model_offline", 503, "service_unavailable_error"],
    ["queue_timeout", 503, "service_unavailable_error"],
    ["first_token_timeout", 504, "timeout_error"],
  ] as const)("%s -> %i %s", (code, status, type) => {
    const error = new GatewayError(code, "message");
    expect(error.status).toBe(status);
    expect(error.type).toBe(type);
    expect(gatewayErrorCodes[code].status).toBe(status);
  });

  test("bodies have OpenAI's shape, with the param when there is one", () => {
    expect(openAiErrorBody(new GatewayError("model_not_found", "no such model", { param: "model" }))).toEqual({
      error: { message: "no such model", type: "invalid_request_error", param: "model", code: "model_not_found" },
    });
  });

  test("responses carry Retry-After when the error says when to come back", async () => {
    const response = errorResponse(new GatewayError("queue_full", "full", { retryAfterSeconds: 7 }), { "x-request-id": "r1" });
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("7");
    expect(response.headers.get("x-request-id")).toBe("r1");
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("queue_full");
    expect(errorResponse(new GatewayError("invalid_request", "bad")).headers.get("retry-after")).toBeNull();
  });

  test("an error after the headers went out is an SSE error event and the stream's end", () => {
    const event = errorEvent(new GatewayError("upstream_error", "backend died"));
    const [data, done] = event.split("\n\n");
    expect(JSON.parse(data!.slice("data: ".length))).toEqual({ error: { message: "backend died", type: "upstream_error", param: null, code: 502 } });
    expect(done).toBe("data: [DONE]");
  });

  test("anything else thrown is a 500 that leaks nothing", () => {
    const error = toGatewayError(new TypeError("secret internals at /srv/x.ts:12"));
    expect(error.status).toBe(500);
    expect(error.message).not.toContain("secret");
  });
});

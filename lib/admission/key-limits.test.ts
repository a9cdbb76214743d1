import { describe, expect, test } from "vitest";
import { AdmissionError } from "./admission-error";
import { createKeyLimiter, type KeyLimits } from "./key-limits";

function setup() {
  let now = 0;
  const limiter = createKeyLimiter({ now: () => now });
  return {
    limiter,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

function refusal(run: () => unknown): AdmissionError {
  try {
    run();
  } catch (error) {
    if (error instanceof AdmissionError) return error;
    throw error;
  }
  throw new Error("expected the request to be refused");
}

test("a key without limits always passes", () => {
  const { limiter } = setup();
  for (let i = 0; i < 1_000; i++) limiter.acquire("key", {});
  expect(() => limiter.acquire("key", { concurrency: null, requestsPerMinute: null })).not.toThrow();
});

describe("concurrency cap", () => {
  test("refuses the request over the cap with key_concurrency, and admits again after a release", () => {
    const { limiter } = setup();
    const limits: KeyLimits = { concurrency: 2 };
    const first = limiter.acquire("key", limits);
    limiter.acquire("key", limits);
    expect(refusal(() => limiter.acquire("key", limits)).code).toBe("key_concurrency");

    first();
    expect(() => limiter.acquire("key", limits)).not.toThrow();
    expect(limiter.snapshotOf("key", limits).inFlight).toBe(2);
  });

  test("releasing twice frees one slot only", () => {
    const { limiter } = setup();
    const limits: KeyLimits = { concurrency: 1 };
    const release = limiter.acquire("key", limits);
    release();
    release();
    limiter.acquire("key", limits);
    expect(refusal(() => limiter.acquire("key", limits)).code).toBe("key_concurrency");
  });

  test("keys are counted separately", () => {
    const { limiter } = setup();
    limiter.acquire("alice", { concurrency: 1 });
    expect(() => limiter.acquire("bob", { concurrency: 1 })).not.toThrow();
  });

  test("Retry-After follows how long the key's requests take, spread over its slots", () => {
    const { limiter, advance } = setup();
    const limits: KeyLimits = { concurrency: 2 };
    const releases = [limiter.acquire("key", limits), limiter.acquire("key", limits)];
    // Nothing finished yet: no history, so the shortest sensible wait.
    expect(refusal(() => limiter.acquire("key", limits)).retryAfterSeconds).toBe(1);

    // These requests held their slot 20 s: with 2 slots one frees about every 10 s.
    advance(20_000);
    releases.forEach((release) => release());
    limiter.acquire("key", limits);
    limiter.acquire("key", limits);
    expect(refusal(() => limiter.acquire("key", limits)).retryAfterSeconds).toBe(10);
  });
});

describe("requests per minute", () => {
  test("allows a minute's burst, then refills at the configured rate", () => {
    const { limiter, advance } = setup();
    const limits: KeyLimits = { requestsPerMinute: 60 };
    for (let i = 0; i < 60; i++) limiter.acquire("key", limits)();
    const refused = refusal(() => limiter.acquire("key", limits));
    expect(refused.code).toBe("key_rate");
    expect(refused.retryAfterSeconds).toBe(1);

    advance(999);
    expect(refusal(() => limiter.acquire("key", limits)).code).toBe("key_rate");
    advance(1);
    expect(() => limiter.acquire("key", limits)).not.toThrow();
    expect(refusal(() => limiter.acquire("key", limits)).code).toBe("key_rate");
  });

  test("Retry-After is the time until the next request is allowed, and a retry then succeeds", () => {
    const { limiter, advance } = setup();
    const limits: KeyLimits = { requestsPerMinute: 7 };
    for (let i = 0; i < 7; i++) limiter.acquire("key", limits)();
    const wait = refusal(() => limiter.acquire("key", limits)).retryAfterSeconds;
    expect(wait).toBe(9); // one request every 60/7 = 8.6 s, rounded up

    advance(wait * 1000 - 1_000);
    expect(refusal(() => limiter.acquire("key", limits)).code).toBe("key_rate");
    advance(1_000);
    expect(() => limiter.acquire("key", limits)).not.toThrow();
  });

  test("an idle hour does not bank more than a minute's burst", () => {
    const { limiter, advance } = setup();
    const limits: KeyLimits = { requestsPerMinute: 10 };
    limiter.acquire("key", limits)();
    advance(3_600_000);
    expect(limiter.snapshotOf("key", limits).tokens).toBe(10);
    for (let i = 0; i < 10; i++) limiter.acquire("key", limits)();
    expect(refusal(() => limiter.acquire("key", limits)).code).toBe("key_rate");
  });

  test("a request refused for concurrency does not use up the rate allowance", () => {
    const { limiter } = setup();
    const limits: KeyLimits = { concurrency: 1, requestsPerMinute: 2 };
    const release = limiter.acquire("key", limits);
    expect(refusal(() => limiter.acquire("key", limits)).code).toBe("key_concurrency");
    release();
    expect(() => limiter.acquire("key", limits)).not.toThrow();
  });

  test("a very low rate still lets one request through and caps Retry-After", () => {
    const limiter = createKeyLimiter({ now: () => 0, maxRetryAfterSeconds: 30 });
    const limits: KeyLimits = { requestsPerMinute: 0.5 };
    limiter.acquire("key", limits)();
    const refused = refusal(() => limiter.acquire("key", limits));
    expect(refused.code).toBe("key_rate");
    expect(refused.retryAfterSeconds).toBe(30);
  });
});

// An edit of the key (PATCH /api/keys/{id}) reaches the limiter as new limits on the key's next request.
describe("limits edited while the key is in use", () => {
  test("a lower concurrency refuses new requests while those in flight keep their slots and finish", () => {
    const { limiter } = setup();
    const held = [1, 2, 3].map(() => limiter.acquire("key", { concurrency: 4 }));
    expect(refusal(() => limiter.acquire("key", { concurrency: 2 })).code).toBe("key_concurrency");
    held[0]!();
    expect(refusal(() => limiter.acquire("key", { concurrency: 2 })).code).toBe("key_concurrency");
    held[1]!();
    expect(() => limiter.acquire("key", { concurrency: 2 })).not.toThrow();
    held[2]!();
    expect(limiter.snapshotOf("key", { concurrency: 2 }).inFlight).toBe(1);
  });

  test("a lower rate cuts the saved-up burst to the new minute's allowance at once", () => {
    const { limiter } = setup();
    limiter.acquire("key", { requestsPerMinute: 600 })();
    for (let i = 0; i < 3; i++) limiter.acquire("key", { requestsPerMinute: 3 })();
    expect(refusal(() => limiter.acquire("key", { requestsPerMinute: 3 })).code).toBe("key_rate");
  });

  test("a higher rate refills at the new rate from where the bucket stood", () => {
    const { limiter, advance } = setup();
    for (let i = 0; i < 2; i++) limiter.acquire("key", { requestsPerMinute: 2 })();
    expect(refusal(() => limiter.acquire("key", { requestsPerMinute: 2 })).code).toBe("key_rate");
    advance(1_000);
    expect(() => limiter.acquire("key", { requestsPerMinute: 120 })).not.toThrow();
  });
});

import { expect, test } from "vitest";
import { LoginRateLimiter } from "./login-rate-limit";

function limiter(options: { maxFailuresOverall?: number } = {}) {
  let clock = 0;
  const instance = new LoginRateLimiter({ maxFailures: 5, windowMs: 5 * 60_000, now: () => clock, ...options });
  return { limiter: instance, advance: (ms: number) => (clock += ms) };
}

test("five failures in five minutes block the sixth attempt until the first failure is five minutes old", () => {
  const { limiter: l, advance } = limiter();
  for (let i = 0; i < 5; i++) {
    expect(l.attempt("10.0.0.1")).toEqual({ allowed: true });
    advance(10_000); // failures at 0, 10, 20, 30, 40 s
  }
  expect(l.attempt("10.0.0.1")).toEqual({ allowed: false, retryAfterSeconds: 250 }); // at 50 s: free at 300 s
  advance(249_000);
  expect(l.attempt("10.0.0.1")).toEqual({ allowed: false, retryAfterSeconds: 1 });
  advance(1_000); // 300 s: the failure at 0 s has left the window
  expect(l.attempt("10.0.0.1")).toEqual({ allowed: true });
  expect(l.attempt("10.0.0.1")).toMatchObject({ allowed: false, retryAfterSeconds: 10 }); // next: the one at 10 s
});

test("addresses are limited separately", () => {
  const { limiter: l } = limiter();
  for (let i = 0; i < 5; i++) l.attempt("10.0.0.1");
  expect(l.attempt("10.0.0.1").allowed).toBe(false);
  expect(l.attempt("10.0.0.2").allowed).toBe(true);
});

test("a success clears the address's failures", () => {
  const { limiter: l } = limiter();
  for (let i = 0; i < 4; i++) l.attempt("10.0.0.1");
  l.succeeded("10.0.0.1");
  for (let i = 0; i < 5; i++) expect(l.attempt("10.0.0.1").allowed).toBe(true);
  expect(l.attempt("10.0.0.1").allowed).toBe(false);
});

test("blocked attempts do not extend the block", () => {
  const { limiter: l, advance } = limiter();
  for (let i = 0; i < 5; i++) l.attempt("a");
  for (let i = 0; i < 100; i++) {
    advance(2_000);
    l.attempt("a");
  }
  advance(100_000); // 300 s after the first five failures
  expect(l.attempt("a").allowed).toBe(true);
});

test("failures from rotating addresses hit the overall ceiling", () => {
  const { limiter: l, advance } = limiter({ maxFailuresOverall: 20 });
  for (let i = 0; i < 20; i++) expect(l.attempt(`spoofed-${i}`).allowed).toBe(true);
  const blocked = l.attempt("the-operator");
  expect(blocked).toEqual({ allowed: false, retryAfterSeconds: 300 });
  advance(300_000);
  expect(l.attempt("the-operator").allowed).toBe(true);
});

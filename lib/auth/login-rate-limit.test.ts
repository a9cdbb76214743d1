import { expect, test } from "vitest";
import { LoginRateLimiter, type LoginClient } from "./login-rate-limit";

function limiter(options: { maxFailuresOverall?: number } = {}) {
  let clock = 0;
  const instance = new LoginRateLimiter({ maxFailures: 5, windowMs: 5 * 60_000, now: () => clock, ...options });
  return { limiter: instance, advance: (ms: number) => (clock += ms) };
}

const remote = (address: string): LoginClient => ({ address, loopback: false });
const device = (id: string): LoginClient => ({ device: id });

test("five failures in five minutes block the sixth attempt until the first failure is five minutes old", () => {
  const { limiter: l, advance } = limiter();
  for (let i = 0; i < 5; i++) {
    expect(l.attempt(remote("10.0.0.1"))).toEqual({ allowed: true });
    advance(10_000); // failures at 0, 10, 20, 30, 40 s
  }
  expect(l.attempt(remote("10.0.0.1"))).toEqual({ allowed: false, retryAfterSeconds: 250 }); // at 50 s: free at 300 s
  advance(249_000);
  expect(l.attempt(remote("10.0.0.1"))).toEqual({ allowed: false, retryAfterSeconds: 1 });
  advance(1_000); // 300 s: the failure at 0 s has left the window
  expect(l.attempt(remote("10.0.0.1"))).toEqual({ allowed: true });
  expect(l.attempt(remote("10.0.0.1"))).toMatchObject({ allowed: false, retryAfterSeconds: 10 }); // next: the one at 10 s
});

test("addresses are limited separately", () => {
  const { limiter: l } = limiter();
  for (let i = 0; i < 5; i++) l.attempt(remote("10.0.0.1"));
  expect(l.attempt(remote("10.0.0.1")).allowed).toBe(false);
  expect(l.attempt(remote("10.0.0.2")).allowed).toBe(true);
});

test("a success clears the client's failures", () => {
  const { limiter: l } = limiter();
  for (let i = 0; i < 4; i++) l.attempt(remote("10.0.0.1"));
  l.succeeded(remote("10.0.0.1"));
  for (let i = 0; i < 5; i++) expect(l.attempt(remote("10.0.0.1")).allowed).toBe(true);
  expect(l.attempt(remote("10.0.0.1")).allowed).toBe(false);
});

test("blocked attempts do not extend the block", () => {
  const { limiter: l, advance } = limiter();
  for (let i = 0; i < 5; i++) l.attempt(remote("a"));
  for (let i = 0; i < 100; i++) {
    advance(2_000);
    l.attempt(remote("a"));
  }
  advance(100_000); // 300 s after the first five failures
  expect(l.attempt(remote("a")).allowed).toBe(true);
});

test("failures from many addresses hit the overall ceiling for unknown devices on other machines", () => {
  const { limiter: l, advance } = limiter({ maxFailuresOverall: 20 });
  for (let i = 0; i < 20; i++) expect(l.attempt(remote(`10.0.1.${i}`)).allowed).toBe(true);
  expect(l.attempt(remote("10.0.0.99"))).toEqual({ allowed: false, retryAfterSeconds: 300 });
  advance(300_000);
  expect(l.attempt(remote("10.0.0.99")).allowed).toBe(true);
});

test("an attacker who trips every limit cannot lock out a known device, nor this machine's loopback", () => {
  const { limiter: l } = limiter({ maxFailuresOverall: 20 });
  for (let i = 0; i < 200; i++) l.attempt(remote(`10.0.1.${i % 50}`));
  expect(l.attempt(remote("10.0.0.99")).allowed).toBe(false);
  expect(l.attempt(device("operator-laptop")).allowed).toBe(true);
  expect(l.attempt({ address: "127.0.0.1", loopback: true }).allowed).toBe(true);
});

test("a known device has its own budget: five failures block it, and only it", () => {
  const { limiter: l } = limiter();
  for (let i = 0; i < 5; i++) expect(l.attempt(device("stolen")).allowed).toBe(true);
  expect(l.attempt(device("stolen")).allowed).toBe(false);
  expect(l.attempt(device("operator")).allowed).toBe(true);
  expect(l.attempt(remote("10.0.0.1")).allowed).toBe(true);
});

test("a known device's failures do not count towards the overall ceiling", () => {
  const { limiter: l } = limiter({ maxFailuresOverall: 5 });
  for (let i = 0; i < 10; i++) l.attempt(device(`d${i}`));
  expect(l.attempt(remote("10.0.0.1")).allowed).toBe(true);
});

import { expect, test } from "vitest";
import { InvalidExpiryError, parseExpiry } from "./expiry";

const now = new Date("2026-11-29T12:00:00.000Z");

test.each([
  ["90m", "2026-11-29T13:30:00.000Z"],
  ["12h", "2026-11-30T00:00:00.000Z"],
  ["30d", "2026-12-29T12:00:00.000Z"],
  ["2W", "2026-12-13T12:00:00.000Z"],
  ["2027-01-31", "2027-01-31T00:00:00.000Z"],
  ["2027-01-31T18:00:00Z", "2027-01-31T18:00:00.000Z"],
  ["2027-01-31T18:00:00.000+02:00", "2027-01-31T16:00:00.000Z"],
])("%s -> %s", (input, expected) => {
  expect(parseExpiry(input, now).toISOString()).toBe(expected);
});

test.each(["", "30", "30y", "-1d", "0m", "2026-11-28", "2027-13-45", "tomorrow", "9999999d"])("%j is refused", (input) => {
  expect(() => parseExpiry(input, now)).toThrow(InvalidExpiryError);
});

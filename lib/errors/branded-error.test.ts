import { expect, test } from "vitest";
import { BrandedError } from "./branded-error";

/** Two copies of one error class, as when a bundler includes a module twice. */
function defineCopy() {
  return class NotFound extends BrandedError {
    static override readonly brand = "switchyard.test.NotFound";
  };
}

class Other extends BrandedError {
  static override readonly brand = "switchyard.test.Other";
}

test("instanceof holds across two copies of the same class, and not across different classes", () => {
  const CopyA = defineCopy();
  const CopyB = defineCopy();
  const error = new CopyA("missing");
  expect(error instanceof CopyB).toBe(true);
  expect(error instanceof BrandedError).toBe(true);
  expect(error instanceof Error).toBe(true);
  expect(error instanceof Other).toBe(false);
  expect(new Error("plain") instanceof CopyA).toBe(false);
  expect((null as unknown as object) instanceof CopyA).toBe(false);
  expect(error.message).toBe("missing");
});

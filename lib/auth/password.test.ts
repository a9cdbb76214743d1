import { expect, test } from "vitest";
import { hashPassword, verifyPassword } from "./password";

// Cheaper scrypt than production so the suite stays fast; the code path is the same.
const params = { N: 1024, r: 8, p: 1 };

test("the right password verifies; a wrong, empty, longer or differently-cased one does not", async () => {
  const stored = await hashPassword("correct horse battery staple", params);
  expect(await verifyPassword("correct horse battery staple", stored)).toBe(true);
  for (const wrong of ["", "correct horse battery stapl", "correct horse battery staple ", "Correct horse battery staple"]) {
    expect(await verifyPassword(wrong, stored)).toBe(false);
  }
});

test("each hash gets its own salt, and the password itself is not in it", async () => {
  const [a, b] = await Promise.all([hashPassword("secret", params), hashPassword("secret", params)]);
  expect(a.salt.equals(b.salt)).toBe(false);
  expect(a.hash.equals(b.hash)).toBe(false);
  expect(a.hash.includes(Buffer.from("secret"))).toBe(false);
  expect(await verifyPassword("secret", b)).toBe(true);
});

test("unicode passwords verify whichever normalization the browser sent", async () => {
  const stored = await hashPassword("caf\u00e9", params);
  expect(await verifyPassword("cafe\u0301", stored)).toBe(true);
});

test("an absurdly long candidate is refused without hashing", async () => {
  const stored = await hashPassword("x".repeat(5000), params);
  expect(await verifyPassword("x".repeat(5000), stored)).toBe(false);
});

test("the default cost is the production one (scrypt N=2^14)", async () => {
  const stored = await hashPassword("pw");
  expect(stored.params).toEqual({ N: 16_384, r: 8, p: 1 });
  expect(await verifyPassword("pw", stored)).toBe(true);
});

import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";

/**
 * The admin password, held in memory only as an scrypt hash (random salt), so the comparison at sign-in
 * is slow and constant-time whatever the candidate. N=2^14, r=8 costs about 16 MB and tens of milliseconds:
 * cheap for one operator, expensive for a guesser (the login rate limit does the rest).
 */

export interface PasswordHash {
  salt: Buffer;
  hash: Buffer;
  params: Required<Pick<ScryptOptions, "N" | "r" | "p">>;
}

const DEFAULT_PARAMS = { N: 16_384, r: 8, p: 1 };
const KEY_LENGTH = 64;
/** Longer candidates are refused unhashed: no operator types 4 KB, and it bounds the work an attacker can ask for. */
const MAX_PASSWORD_BYTES = 4096;

/** scrypt of the password with this salt: the stored hash, or (with a fixed salt) a key that outlives restarts. */
export function deriveKey(password: string, salt: Buffer, params: PasswordHash["params"] = DEFAULT_PARAMS): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize("NFC"), salt, KEY_LENGTH, { ...params, maxmem: 64 * 1024 * 1024 }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

export async function hashPassword(password: string, params: PasswordHash["params"] = DEFAULT_PARAMS): Promise<PasswordHash> {
  const salt = randomBytes(16);
  return { salt, hash: await deriveKey(password, salt, params), params };
}

export async function verifyPassword(candidate: string, stored: PasswordHash): Promise<boolean> {
  if (Buffer.byteLength(candidate, "utf8") > MAX_PASSWORD_BYTES) return false;
  const derived = await deriveKey(candidate, stored.salt, stored.params);
  return derived.length === stored.hash.length && timingSafeEqual(derived, stored.hash);
}

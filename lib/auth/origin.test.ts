import { describe, expect, test } from "vitest";
import { toApiError } from "@/lib/api/envelope";
import { AuthError } from "./errors";
import { assertSameOrigin, type AdminVia } from "./origin";

type Case = {
  name: string;
  method?: string;
  url?: string;
  headers?: Record<string, string>;
  via: AdminVia | "anonymous";
  allowed: boolean;
};

const own = "http://lab.local:3000";

const cases: Case[] = [
  { name: "same-origin POST from the console", headers: { origin: own, "sec-fetch-site": "same-origin" }, via: "session", allowed: true },
  { name: "Origin matches although the URL says localhost (Host decides)", url: "http://localhost:3000/api/keys", headers: { origin: own }, via: "session", allowed: true },
  { name: "Origin compares case-insensitively and without the default port", url: "http://lab.local/api/keys", headers: { host: "LAB.local", origin: "http://lab.local:80" }, via: "session", allowed: true },
  { name: "another host", headers: { origin: "http://evil.example" }, via: "session", allowed: false },
  { name: "another port on the same host", headers: { origin: "http://lab.local:3001" }, via: "session", allowed: false },
  { name: "another scheme", headers: { origin: "https://lab.local:3000" }, via: "session", allowed: false },
  { name: "https behind a TLS-terminating proxy", headers: { origin: "https://lab.local:3000", "x-forwarded-proto": "https" }, via: "session", allowed: true },
  { name: "the opaque origin null (sandboxed frame, file: page)", headers: { origin: "null" }, via: "session", allowed: false },
  { name: "a malformed Origin", headers: { origin: "not a url" }, via: "token", allowed: false },
  { name: "Sec-Fetch-Site: cross-site, even with a matching Origin", headers: { origin: own, "sec-fetch-site": "cross-site" }, via: "token", allowed: false },
  { name: "Sec-Fetch-Site: cross-site without Origin on an open console", headers: { "sec-fetch-site": "cross-site" }, via: "open", allowed: false },
  { name: "cookie-authenticated without Origin", headers: {}, via: "session", allowed: false },
  { name: "token script without Origin", headers: {}, via: "token", allowed: true },
  { name: "open console, script without Origin", headers: {}, via: "open", allowed: true },
  { name: "sign-in from curl (no Origin)", headers: {}, via: "anonymous", allowed: true },
  { name: "sign-in from a foreign page", headers: { origin: "http://evil.example" }, via: "anonymous", allowed: false },
  { name: "token script with a foreign Origin", headers: { origin: "http://evil.example" }, via: "token", allowed: false },
  { name: "PUT is checked", method: "PUT", headers: { origin: "http://evil.example" }, via: "session", allowed: false },
  { name: "PATCH is checked", method: "PATCH", headers: {}, via: "session", allowed: false },
  { name: "DELETE is checked", method: "DELETE", headers: { "sec-fetch-site": "cross-site" }, via: "token", allowed: false },
  { name: "GET is not checked (reads change nothing)", method: "GET", headers: { origin: "http://evil.example", "sec-fetch-site": "cross-site" }, via: "session", allowed: true },
  { name: "HEAD is not checked", method: "HEAD", headers: {}, via: "session", allowed: true },
];

describe("assertSameOrigin", () => {
  test.each(cases)("$name -> allowed: $allowed", ({ method = "POST", url = `${own}/api/keys`, headers = {}, via, allowed }) => {
    const request = new Request(url, { method, headers: { host: "lab.local:3000", ...headers } });
    if (allowed) {
      expect(() => assertSameOrigin(request, via)).not.toThrow();
    } else {
      let thrown: unknown;
      try {
        assertSameOrigin(request, via);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(AuthError);
      expect((thrown as AuthError).kind).toBe("cross_origin");
      expect(toApiError(thrown).code).toBe("forbidden");
    }
  });
});

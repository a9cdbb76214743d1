import { expect, test } from "vitest";
import { clientAddressOf, PEER_HEADER } from "./request-facts";

const from = (peer: string | null, forwardedFor?: string) =>
  new Request("http://lab.local/v1/models", { headers: { ...(peer ? { [PEER_HEADER]: peer } : {}), ...(forwardedFor ? { "x-forwarded-for": forwardedFor } : {}) } });

test("without trusted proxies the socket is the client, whatever X-Forwarded-For says", () => {
  expect(clientAddressOf(from("10.0.0.5", "6.6.6.6"))).toBe("10.0.0.5");
  expect(clientAddressOf(from("::ffff:10.0.0.5"))).toBe("10.0.0.5");
});

test("behind a trusted proxy the nearest untrusted hop of X-Forwarded-For is the client", () => {
  const proxies = ["10.0.0.1", "10.0.0.2"];
  expect(clientAddressOf(from("10.0.0.1", "198.51.100.7"), proxies)).toBe("198.51.100.7");
  // A client that prepends its own entries cannot choose its address: the proxy appended the real one.
  expect(clientAddressOf(from("10.0.0.1", "6.6.6.6, 198.51.100.7, 10.0.0.2"), proxies)).toBe("198.51.100.7");
  // A request that did not come through a trusted proxy is not believed.
  expect(clientAddressOf(from("192.0.2.9", "198.51.100.7"), proxies)).toBe("192.0.2.9");
});

test("no recorded peer (next dev) is unknown", () => {
  expect(clientAddressOf(from(null, "6.6.6.6"))).toBe("unknown");
});

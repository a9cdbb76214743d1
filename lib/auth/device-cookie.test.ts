import { expect, test } from "vitest";
import { createDeviceCookies, DEVICE_COOKIE } from "./device-cookie";

const FAST = { N: 1024, r: 8, p: 1 };
const request = (cookie?: string, url = "http://lab:3000/api/auth/login") => new Request(url, { method: "POST", headers: cookie ? { cookie } : {} });
const pairOf = (setCookie: string) => setCookie.split(";")[0] ?? "";

test("a cookie issued at sign-in names the same device on the next request, and keeps its id when reissued", async () => {
  const devices = await createDeviceCookies("hunter2", FAST);
  const setCookie = devices.issue(request());
  expect(setCookie).toMatch(new RegExp(`^${DEVICE_COOKIE}=[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=/api/auth; Max-Age=34560000$`));
  const id = devices.deviceOf(request(pairOf(setCookie)));
  expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
  expect(devices.deviceOf(request(pairOf(devices.issue(request(pairOf(setCookie))))))).toBe(id);
});

test("a forged, altered or foreign-password cookie names no device", async () => {
  const devices = await createDeviceCookies("hunter2", FAST);
  const [id, mac] = pairOf(devices.issue(request())).split("=")[1]!.split(".");
  expect(devices.deviceOf(request())).toBeNull();
  expect(devices.deviceOf(request(`${DEVICE_COOKIE}=${id}`))).toBeNull();
  // Altered in its first character: the last one of 43 base64url characters carries 2 bits that decode to nothing,
  // so replacing it may leave the same bytes (the test failed 1 run in 16 that way).
  const alteredMac = `${mac!.startsWith("A") ? "B" : "A"}${mac!.slice(1)}`;
  expect(devices.deviceOf(request(`${DEVICE_COOKIE}=${id}.${alteredMac}`))).toBeNull();
  expect(devices.deviceOf(request(`${DEVICE_COOKIE}=AAAAAAAAAAAAAAAAAAAAAA.${mac}`))).toBeNull();
  expect(devices.deviceOf(request(`${DEVICE_COOKIE}=${id}.${mac}.x`))).toBeNull();
  const other = await createDeviceCookies("another password", FAST);
  expect(other.deviceOf(request(`${DEVICE_COOKIE}=${id}.${mac}`))).toBeNull();
});

test("the same password recognises its cookies after a restart", async () => {
  const before = await createDeviceCookies("hunter2", FAST);
  const cookie = pairOf(before.issue(request()));
  const after = await createDeviceCookies("hunter2", FAST);
  expect(after.deviceOf(request(cookie))).toBe(before.deviceOf(request(cookie)));
});

test("over https the cookie is Secure", async () => {
  const devices = await createDeviceCookies("hunter2", FAST);
  expect(devices.issue(request(undefined, "https://lab/api/auth/login"))).toContain("; Secure");
});

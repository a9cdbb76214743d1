import { expect, test } from "vitest";
import { hostnameOf } from "@/lib/http/host";
import { isAllowedHost, isMachineEndpoint } from "./allowed-hosts";

const machine = () => new Set(["labbox", "labbox.local", "192.168.1.20", "fe80::1"]);
const allowed = (host: string | null, configured: string[] = []) => isAllowedHost(host, configured, machine);

test("host names are read without port, brackets or a trailing dot, lower-cased", () => {
  expect(hostnameOf("LabBox:3000")).toBe("labbox");
  expect(hostnameOf("[::1]:3000")).toBe("::1");
  expect(hostnameOf("lab.example.")).toBe("lab.example");
  expect(hostnameOf("a b")).toBeNull();
  expect(hostnameOf("[not-v6]:1")).toBeNull();
  expect(hostnameOf("evil.example:3000@lab")).toBeNull();
});

test("loopback, localhost and the machine's own names and addresses are allowed by default", () => {
  for (const host of ["localhost:3000", "127.0.0.1:3000", "127.8.9.10", "[::1]:3000", "app.localhost", "labbox:3000", "LABBOX.local", "192.168.1.20:3000"]) {
    expect(allowed(host), host).toBe(true);
  }
});

test("a rebinding attacker's name, a bare other address and garbage are refused", () => {
  for (const host of ["evil.example", "evil.example:3000", "10.9.9.9", "localhost.evil.example", "", "lab box"]) {
    expect(allowed(host), host).toBe(false);
  }
});

test("server.allowedHosts adds exact names, domains with a leading dot, or everything with *", () => {
  expect(allowed("lab.example.com", ["lab.example.com"])).toBe(true);
  expect(allowed("other.example.com", ["lab.example.com"])).toBe(false);
  expect(allowed("gpu.lab.example", [".lab.example"])).toBe(true);
  expect(allowed("lab.example", [".lab.example"])).toBe(true);
  expect(allowed("notlab.example", [".lab.example"])).toBe(false);
  expect(allowed("anything.example", ["*"])).toBe(true);
});

test("a request without a Host header (HTTP/1.0, no browser) is allowed", () => {
  expect(allowed(null)).toBe(true);
});

test("the gateway, health and metrics are machine endpoints; pages, assets and /api are the console", () => {
  for (const path of ["/v1/chat/completions", "/v1/models", "/v1", "/tokenize", "/detokenize", "/healthz", "/readyz", "/metrics", "/health", "/ping", "/version", "/load"]) {
    expect(isMachineEndpoint(path), path).toBe(true);
  }
  for (const path of ["/", "/requests", "/api/status", "/api/keys", "/_next/static/x.js", "/v1x", "/metricsx", "/favicon.ico"]) {
    expect(isMachineEndpoint(path), path).toBe(false);
  }
});

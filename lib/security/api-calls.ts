import path from "node:path";
import { discoverRoutes } from "@/lib/testing/app-router";

/**
 * Every (route, method) pair app/api exports, as calls the security suites can send: a new route is covered the
 * day it is added. Dynamic segments get values their handlers would accept, and changes get bodies that would
 * change something if the request were let through.
 */

export const PUBLIC_ROUTES = ["/api/auth/login", "/api/auth/logout", "/api/auth/session"];
const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
export const MUTATING_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

const SAMPLE_ID = "00000000-0000-4000-8000-000000000000";
const SAMPLE_SEGMENT: Record<string, string> = { backends: "qwen-7b", modes: "deep", keys: SAMPLE_ID, switches: SAMPLE_ID, requests: SAMPLE_ID };

export interface ApiCall {
  pattern: string;
  method: string;
  path: string;
  body: unknown;
}

export async function discoverApiCalls(options: { password: string }): Promise<ApiCall[]> {
  const sampleBody: Record<string, unknown> = {
    "/api/auth/login": { password: options.password },
    "/api/keys": { name: "intruder" },
    "/api/keys/[id]": { requestsPerMinute: 1_000_000 },
    "/api/routes": { routes: { fast: ["qwen-14b"] } },
    "/api/config/preview": { routes: { fast: ["qwen-14b"] } },
    "/api/backends/[id]/limits": { maxConcurrency: 1 },
    "/api/backends/[id]/watchdog": { enabled: false },
    "/api/playground/chat": { model: "fast", messages: [{ role: "user", content: "spend the lab's GPUs" }], max_tokens: 1 },
  };
  const apiDir = path.resolve(import.meta.dirname, "../../app/api");
  const calls: ApiCall[] = [];
  for (const route of discoverRoutes(apiDir)) {
    const pattern = `/api${route.pattern === "/" ? "" : route.pattern}`;
    const routeModule = (await import(route.file)) as Record<string, unknown>;
    const segments = pattern.split("/");
    const filled = segments.map((segment, i) => {
      if (!/^\[.+\]$/.test(segment)) return segment;
      return encodeURIComponent(SAMPLE_SEGMENT[segments[i - 1] ?? ""] ?? "qwen-7b");
    });
    for (const method of HTTP_METHODS) {
      if (typeof routeModule[method] !== "function") continue;
      calls.push({ pattern, method, path: filled.join("/"), body: MUTATING_METHODS.has(method) ? (sampleBody[pattern] ?? {}) : undefined });
    }
  }
  return calls;
}

import fs from "node:fs";
import path from "node:path";

type Handler = (request: Request, context: { params: Promise<Record<string, string | string[] | undefined>> }) => Promise<Response> | Response;

interface RouteEntry {
  /** The URL pattern, e.g. /api/backends/[id]/restart. */
  pattern: string;
  regex: RegExp;
  paramNames: { name: string; catchAll: boolean }[];
  file: string;
  /** Static segments sort first, catch-alls last, as Next.js matches. */
  rank: number;
}

/**
 * The app's route files, found on disk and matched the way Next.js matches them (static segments before
 * dynamic ones, catch-alls last). Tests serve the real route modules through this without a Next build,
 * and can list every route (so a new route cannot be left out of a test).
 */
export function discoverRoutes(appDir: string): RouteEntry[] {
  const entries: RouteEntry[] = [];
  const walk = (dir: string, segments: string[]) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(path.join(dir, entry.name), [...segments, entry.name]);
      else if (entry.name === "route.ts") entries.push(toEntry(segments, path.join(dir, entry.name)));
    }
  };
  walk(appDir, []);
  return entries.sort((a, b) => a.rank - b.rank || b.pattern.length - a.pattern.length);
}

function toEntry(segments: string[], file: string): RouteEntry {
  const visible = segments.filter((s) => !(s.startsWith("(") && s.endsWith(")")));
  const paramNames: RouteEntry["paramNames"] = [];
  let rank = 0;
  const parts = visible.map((segment) => {
    const catchAll = /^\[\.\.\.(.+)\]$/.exec(segment);
    if (catchAll) {
      paramNames.push({ name: catchAll[1] ?? "", catchAll: true });
      rank += 100;
      return "/(.+)";
    }
    const dynamic = /^\[(.+)\]$/.exec(segment);
    if (dynamic) {
      paramNames.push({ name: dynamic[1] ?? "", catchAll: false });
      rank += 1;
      return "/([^/]+)";
    }
    return `/${segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`;
  });
  const pattern = `/${visible.join("/")}`;
  return { pattern, regex: new RegExp(`^${parts.join("") || "/"}$`), paramNames, file, rank };
}

/** A fetch handler that dispatches to the route modules like Next.js does (405 for a method a file does not export). */
export function createAppRouter(appDir: string): (request: Request) => Promise<Response> {
  const routes = discoverRoutes(appDir);
  const modules = new Map<string, Promise<Record<string, unknown>>>();
  return async (request) => {
    const { pathname } = new URL(request.url);
    for (const route of routes) {
      const match = route.regex.exec(pathname);
      if (!match) continue;
      let routeModule = modules.get(route.file);
      if (!routeModule) {
        routeModule = import(route.file) as Promise<Record<string, unknown>>;
        modules.set(route.file, routeModule);
      }
      const handler = (await routeModule)[request.method] as Handler | undefined;
      if (!handler) return new Response(null, { status: 405 });
      // Next decodes each segment once before handing it over, and refuses a segment it cannot decode.
      const decoded = decodeSegments(route.paramNames.map((p, i) => (p.catchAll ? (match[i + 1] ?? "").split("/") : (match[i + 1] ?? ""))));
      if (!decoded) return new Response("bad request", { status: 400 });
      const params = Object.fromEntries(route.paramNames.map((p, i) => [p.name, decoded[i]]));
      return handler(request, { params: Promise.resolve(params) });
    }
    return new Response("not found", { status: 404 });
  };
}

function decodeSegments(values: (string | string[])[]): (string | string[])[] | null {
  try {
    return values.map((value) => (Array.isArray(value) ? value.map(decodeURIComponent) : decodeURIComponent(value)));
  } catch {
    return null;
  }
}

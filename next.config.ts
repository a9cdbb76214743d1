import type { NextConfig } from "next";
import { securityHeaders } from "./lib/auth/security-headers";

const nextConfig: NextConfig = {
  // Native and process-spawning modules stay outside the server bundle.
  serverExternalPackages: ["better-sqlite3", "@prisma/adapter-better-sqlite3", "dockerode", "prom-client", "undici"],
  poweredByHeader: false,
  // Compression would hold back SSE chunks of token streams; a reverse proxy may compress other responses.
  compress: false,
  // Types are checked by `npm run typecheck` (CI runs it before the tests); the build need not check them again.
  typescript: { ignoreBuildErrors: true },
  async headers() {
    // NODE_ENV is Next's own switch here: `next dev` needs 'unsafe-eval' in the CSP.
    const headers = securityHeaders({ development: process.env.NODE_ENV === "development" });
    return [{ source: "/:path*", headers: Object.entries(headers).map(([key, value]) => ({ key, value })) }];
  },
};

export default nextConfig;

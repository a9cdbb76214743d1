import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Native and process-spawning modules stay outside the server bundle.
  serverExternalPackages: ["better-sqlite3", "@prisma/adapter-better-sqlite3", "dockerode", "prom-client", "undici"],
  poweredByHeader: false,
  // Compression would hold back SSE chunks of token streams; a reverse proxy may compress other responses.
  compress: false,
};

export default nextConfig;

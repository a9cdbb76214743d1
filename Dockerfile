# Switchyard: the gateway and console of the GPU lab, as one container.
#
#   docker build -t switchyard .
#   docker run -d --name switchyard -p 3000:3000 -v switchyard-data:/data switchyard   # the simulated lab
#
# The real lab: deploy/lab/compose.yaml (this image on the host network beside the vLLM containers, talking to
# Docker only through the socket proxy of deploy/lab/docker-proxy.haproxy.cfg). CI builds it with Podman
# (lib/deploy/image.int.test.ts) from local base images made by scripts/ci/image-base.sh.
#
# Base images: the official Node 20 images on Debian bookworm, pinned by tag and digest. The digests
# were not pulled from here (no registry access where this was written); they are the ones public build logs and
# Dockerfiles resolve these tags to (see deploy/lab/README.md, "Pinned images"). Check or bump them with
#   docker buildx imagetools inspect node:20-bookworm-slim --format '{{.Manifest.Digest}}'
# CI cannot pull: it passes --build-arg with local stand-ins of the same tags (scripts/ci/image-base.sh).
ARG NODE_BUILD_IMAGE=docker.io/library/node:20-bookworm@sha256:8f693eaa7e0a8e71560c9a82b55fd54c2ae920a2ba5d2cde28bac7d1c01c9ba5
ARG NODE_RUNTIME_IMAGE=docker.io/library/node:20-bookworm-slim@sha256:2cf067cfed83d5ea958367df9f966191a942351a2df77d6f0193e162b5febfc0

# --- build: compile better-sqlite3, generate the Prisma client (postinstall), build Next.js ---
FROM ${NODE_BUILD_IMAGE} AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary can be downloaded; node-gyp then takes the headers
# of the node in this image (/usr/local/include/node) instead of downloading them from nodejs.org.
ENV npm_config_nodedir=/usr/local \
    NEXT_TELEMETRY_DISABLED=1
# Dependencies first, so a source change does not reinstall them. postinstall runs scripts/prisma-generate.mjs,
# which needs the schema and prisma.config.ts.
COPY package.json package-lock.json prisma.config.ts ./
COPY scripts/prisma-generate.mjs scripts/
COPY prisma/ prisma/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf .next/cache

# --- runtime: node and the built app, no compilers, not root ---
FROM ${NODE_RUNTIME_IMAGE}
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    PORT=3000 \
    SWITCHYARD_DB=/data/switchyard.db
# A fixed uid/gid, so a host directory mounted on /data or /config can be given to it (chown 10001:10001).
RUN groupadd --gid 10001 switchyard \
 && useradd --uid 10001 --gid 10001 --no-log-init --home-dir /data --no-create-home --shell /usr/sbin/nologin switchyard \
 && mkdir -p /data \
 && chown 10001:10001 /data
WORKDIR /app
# The app stays root-owned and read-only to the process; only /data (and Next's cache) is writable.
COPY --from=build /app /app
# Without SWITCHYARD_CONFIG the app copies the simulated lab to ./data/switchyard.yaml on first start: ./data is the
# volume, so that copy (and the console's edits of it) live with the database.
RUN ln -s /data /app/data \
 && mkdir -p /app/.next/cache \
 && chown 10001:10001 /app/.next/cache
USER 10001:10001
VOLUME /data
EXPOSE 3000
# /readyz: 200 once Switchyard serves (also while the lab's models load: requests wait for them), 503 while shutting
# down. Not /readyz?strict=1: a mode switch or a backend's restart would mark Switchyard itself unhealthy. No curl in
# the slim image: node's fetch.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# What `npm start` runs (tsx scripts/server.ts), in one process: node receives SIGTERM itself and drains
# (running streams finish, the request log is flushed) before it exits.
CMD ["node", "--import", "tsx", "scripts/server.ts"]

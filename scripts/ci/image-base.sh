#!/usr/bin/env bash
# Builds local stand-ins for the two base images the root Dockerfile names, because images cannot be pulled on the
# CI machine (no Docker Hub):
#
#   docker.io/library/node:20-bookworm-slim   Debian bookworm (debootstrap --variant=minbase) + this host's Node 20
#   docker.io/library/node:20-bookworm        the above + python3 make g++ ca-certificates (better-sqlite3 compiles)
#
# Node is laid out as in the official images (/usr/local/bin/node, /usr/local/include/node,
# /usr/local/lib/node_modules/npm), copied from the host's install, so `podman build --pull=never` of the root
# Dockerfile runs the same steps it runs on a machine that pulls the official images. Nothing here is committed.
#
# Idempotent: an image that exists is kept (on a machine holding the real official images, they are used as they
# are). Every image built here carries the label io.switchyard.ci-base=1; `--purge` removes exactly those.
# Needs root and the engine of podman-setup.sh (CONTAINERS_CONF from podman-common.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/podman-common.sh"

[ "$(id -u)" = 0 ] || die "run as root (sudo $0): debootstrap and podman import need it"

SLIM_IMAGE="${SWITCHYARD_BASE_SLIM_IMAGE:-docker.io/library/node:20-bookworm-slim}"
BUILD_IMAGE="${SWITCHYARD_BASE_BUILD_IMAGE:-docker.io/library/node:20-bookworm}"
BASE_LABEL="io.switchyard.ci-base=1"

if [ "${1:-}" = "--purge" ]; then
  for image in "$BUILD_IMAGE" "$SLIM_IMAGE"; do
    if podman image exists "$image" && [ "$(podman image inspect --format '{{index .Labels "io.switchyard.ci-base"}}' "$image")" = 1 ]; then
      podman rmi -f "$image" >/dev/null && log "removed $image"
    fi
  done
  exit 0
fi

# The Debian mirror apt already uses here (deb822 .sources or a one-line sources.list), else deb.debian.org.
debian_mirror() {
  local uri
  uri="$(grep -hsE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -n1 || true)"
  [ -n "$uri" ] || uri="$(grep -hsE '^deb\s' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | grep -v security | head -n1 || true)"
  printf '%s\n' "${uri:-http://deb.debian.org/debian}"
}

build_slim() {
  if podman image exists "$SLIM_IMAGE"; then
    log "image $SLIM_IMAGE present"
    return
  fi
  command -v debootstrap >/dev/null 2>&1 || die "debootstrap missing (apt-get install debootstrap)"
  local node_bin node_prefix npm_dir mirror work rootfs
  node_bin="$(readlink -f "$(command -v node)")" || die "node not found on PATH"
  node_prefix="$(dirname "$(dirname "$node_bin")")"
  npm_dir="$(npm root -g)/npm"
  [ -d "$node_prefix/include/node" ] || die "no Node headers at $node_prefix/include/node (needed to compile better-sqlite3 offline)"
  [ -f "$npm_dir/bin/npm-cli.js" ] || die "npm not found at $npm_dir"
  case "$(node -p 'process.versions.node.split(".")[0]')" in 20) ;; *) die "host node is $(node -v); the images are node:20" ;; esac

  mirror="$(debian_mirror)"
  work="$(mktemp -d /var/tmp/switchyard-base.XXXXXX)"
  trap 'rm -rf "$work"' RETURN
  rootfs="$work/rootfs"
  log "debootstrap --variant=minbase bookworm from $mirror (a minute or two)"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 || {
    tail -n 30 "$work/debootstrap.log" >&2
    die "debootstrap failed"
  }
  # What the official image has: node and its headers under /usr/local, npm and npx linked into /usr/local/bin.
  mkdir -p "$rootfs/usr/local/bin" "$rootfs/usr/local/include" "$rootfs/usr/local/lib/node_modules"
  cp "$node_bin" "$rootfs/usr/local/bin/node"
  cp -a "$node_prefix/include/node" "$rootfs/usr/local/include/node"
  cp -a "$npm_dir" "$rootfs/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  # Smaller image; apt lists come back with `apt-get update` in a build that needs them.
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/*
  env -u NODE_EXTRA_CA_CERTS chroot "$rootfs" /usr/local/bin/node -e 'process.exit(0)' || die "node does not run in the new rootfs"
  tar -C "$rootfs" --numeric-owner -c . |
    podman import --quiet \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change "ENV NODE_VERSION=$(node -p process.versions.node)" \
      --change "LABEL $BASE_LABEL" \
      --change 'CMD ["node"]' \
      --message "local stand-in for $SLIM_IMAGE (debootstrap minbase + host node)" - "$SLIM_IMAGE" >/dev/null
  log "built $SLIM_IMAGE"
}

build_full() {
  if podman image exists "$BUILD_IMAGE"; then
    log "image $BUILD_IMAGE present"
    return
  fi
  local work
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' RETURN
  # Where the way to the npm registry is through a TLS-inspecting proxy, the host trusts its CA through
  # NODE_EXTRA_CA_CERTS; `npm ci` in the build needs the same trust. A property of this machine, not of the
  # Dockerfile, so it goes into the stand-in base image only.
  local extra_ca=""
  if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f "$NODE_EXTRA_CA_CERTS" ]; then
    cp "$NODE_EXTRA_CA_CERTS" "$work/host-extra-ca.pem"
    extra_ca=$'COPY host-extra-ca.pem /etc/ssl/certs/switchyard-ci-host-extra-ca.pem\nENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/switchyard-ci-host-extra-ca.pem'
    log "the build base trusts the host's NODE_EXTRA_CA_CERTS ($NODE_EXTRA_CA_CERTS)"
  fi
  cat >"$work/Containerfile" <<EOF
FROM $SLIM_IMAGE
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 make g++ ca-certificates \\
 && rm -rf /var/lib/apt/lists/*
$extra_ca
LABEL $BASE_LABEL
EOF
  log "building $BUILD_IMAGE (apt-get install python3 make g++ ca-certificates)"
  podman build --quiet --pull=never --network=host -t "$BUILD_IMAGE" -f "$work/Containerfile" "$work" >/dev/null
  log "built $BUILD_IMAGE"
}

start=$SECONDS
build_slim
build_full
log "base images ready in $((SECONDS - start)) s: $SLIM_IMAGE, $BUILD_IMAGE"

#!/usr/bin/env bash
# Brings up a Docker-compatible engine (Podman's API service) for the docker runtime's integration tests, plus the
# tiny local image the simulator containers run from. Idempotent: run it as often as you like; it only does what is
# missing. Needs root (package install, rootful podman, a socket under /run). See deploy/podman/README.md.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/podman-common.sh"

[ "$(id -u)" = 0 ] || die "run as root (sudo $0): it installs packages and runs a rootful podman service"

install_packages() {
  local wanted=(podman runc busybox-static) missing=() pkg
  command -v curl >/dev/null 2>&1 || wanted+=(curl)
  for pkg in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    log "packages present: ${wanted[*]}"
    return
  fi
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install these yourself: ${missing[*]}"
  log "installing ${missing[*]}"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
}

# No ulimits by default: podman's default nofile limit can exceed the hard limit of a CI VM, and runc refuses to
# start the container. runc because it is what the distribution ships next to podman here; cgroupfs and a file
# event log because a CI container or VM often has no systemd/journald, and the events API needs a readable log.
write_containers_conf() {
  mkdir -p "$PODMAN_TEST_STATE_DIR"
  cat >"$CONTAINERS_CONF" <<'CONF'
[containers]
default_ulimits = []

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
  log "wrote $CONTAINERS_CONF"
}

start_service() {
  local pid
  if pid="$(service_pid)" && engine_answers; then
    log "podman service already running (pid $pid) at unix://$PODMAN_TEST_SOCKET"
    return
  fi
  if engine_answers; then
    log "an engine already answers at unix://$PODMAN_TEST_SOCKET (not started by this script); using it"
    return
  fi
  if pid="$(service_pid)"; then
    log "podman service pid $pid does not answer; restarting it"
    kill "$pid" 2>/dev/null || true
    sleep 1
  fi
  rm -f "$PODMAN_TEST_SOCKET" "$PODMAN_TEST_PID_FILE"
  log "starting podman system service at unix://$PODMAN_TEST_SOCKET (log: $PODMAN_TEST_LOG_FILE)"
  # setsid: the service must outlive this script and its CI step's process group.
  setsid podman system service --time=0 "unix://$PODMAN_TEST_SOCKET" </dev/null >>"$PODMAN_TEST_LOG_FILE" 2>&1 &
  echo $! >"$PODMAN_TEST_PID_FILE"
  for _ in $(seq 1 150); do
    if engine_answers; then
      log "engine answers _ping (pid $(cat "$PODMAN_TEST_PID_FILE"))"
      return
    fi
    if ! service_pid >/dev/null; then
      tail -n 30 "$PODMAN_TEST_LOG_FILE" >&2 || true
      die "podman system service exited during start-up"
    fi
    sleep 0.2
  done
  tail -n 30 "$PODMAN_TEST_LOG_FILE" >&2 || true
  die "podman system service did not answer _ping within 30 s"
}

# The user who ran `sudo` runs the tests: let them use the socket without root.
share_socket() {
  if [ -n "${SUDO_UID:-}" ] && [ -n "${SUDO_GID:-}" ]; then
    chown "$SUDO_UID:$SUDO_GID" "$PODMAN_TEST_SOCKET"
    log "socket owned by uid $SUDO_UID"
  fi
}

# busybox for /bin/sh and nothing else: node, its libraries and the project are bind-mounted read-only at run time
# (podman-create-sim.sh), so the image never goes stale and nothing is pulled from a registry.
build_image() {
  if podman image exists "$SWITCHYARD_SIM_IMAGE"; then
    log "image $SWITCHYARD_SIM_IMAGE present"
    return
  fi
  [ -x /bin/busybox ] || die "/bin/busybox missing (package busybox-static)"
  build_dir="$(mktemp -d)"
  trap 'rm -rf "$build_dir"' EXIT
  local work="$build_dir"
  mkdir -p "$work/rootfs/bin" "$work/rootfs/etc" "$work/rootfs/tmp" "$work/rootfs/usr/local/bin" "$work/rootfs/project"
  chmod 1777 "$work/rootfs/tmp"
  cp /bin/busybox "$work/rootfs/bin/busybox"
  ln -s busybox "$work/rootfs/bin/sh"
  # node's os.userInfo() and friends look the user up.
  echo 'root:x:0:0:root:/root:/bin/sh' >"$work/rootfs/etc/passwd"
  echo 'root:x:0:' >"$work/rootfs/etc/group"
  tar -C "$work/rootfs" --owner=0 --group=0 -c . |
    podman import --quiet --change 'CMD ["/bin/sh"]' --message "switchyard simulator base (busybox only)" - "$SWITCHYARD_SIM_IMAGE" >/dev/null
  log "built $SWITCHYARD_SIM_IMAGE"
}

install_packages
write_containers_conf
start_service
share_socket
build_image

# Later CI steps (and the podman CLI) need the same engine settings.
if [ -n "${GITHUB_ENV:-}" ]; then
  echo "CONTAINERS_CONF=$CONTAINERS_CONF" >>"$GITHUB_ENV"
fi
log "ready: engine at unix://$PODMAN_TEST_SOCKET, image $SWITCHYARD_SIM_IMAGE"
log "to use the podman CLI with the same settings: export CONTAINERS_CONF=$CONTAINERS_CONF"

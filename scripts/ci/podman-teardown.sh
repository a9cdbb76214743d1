#!/usr/bin/env bash
# Undoes podman-setup.sh's running parts: removes leftover test containers (simulators, and the image test's
# Switchyard container: both carry the label) and stops the API service. Packages, containers.conf and the images
# stay, so the next setup is quick. `--purge` also removes the images (simulator, Switchyard test image, the base
# images image-base.sh made) and the state directory.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/podman-common.sh"

[ "$(id -u)" = 0 ] || die "run as root (sudo $0)"

purge=false
[ "${1:-}" = "--purge" ] && purge=true

if command -v podman >/dev/null 2>&1; then
  # Leftovers from an interrupted test run: they use the host network and would keep their ports.
  leftovers="$(podman ps -aq --filter "label=$SWITCHYARD_SIM_LABEL" 2>/dev/null || true)"
  if [ -n "$leftovers" ]; then
    log "removing leftover simulator containers: $(echo $leftovers)"
    # shellcheck disable=SC2086
    podman rm -f -t 2 $leftovers >/dev/null
  fi
fi

if pid="$(service_pid)"; then
  log "stopping podman service (pid $pid)"
  kill "$pid"
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "service did not stop within 10 s; killing it"
    kill -9 "$pid" 2>/dev/null || true
  fi
  # Only our own socket: an engine this script did not start is none of its business.
  rm -f "$PODMAN_TEST_SOCKET"
else
  log "no podman service started by podman-setup.sh is running"
fi
rm -f "$PODMAN_TEST_PID_FILE"

if $purge; then
  if command -v podman >/dev/null 2>&1 && podman image exists "$SWITCHYARD_SIM_IMAGE"; then
    podman rmi -f "$SWITCHYARD_SIM_IMAGE" >/dev/null
    log "removed image $SWITCHYARD_SIM_IMAGE"
  fi
  # The image lib/deploy/image.int.test.ts builds, and the base images of image-base.sh (only those it made).
  if command -v podman >/dev/null 2>&1 && podman image exists "${SWITCHYARD_TEST_IMAGE:-localhost/switchyard:test}"; then
    podman rmi -f "${SWITCHYARD_TEST_IMAGE:-localhost/switchyard:test}" >/dev/null
    log "removed image ${SWITCHYARD_TEST_IMAGE:-localhost/switchyard:test}"
  fi
  command -v podman >/dev/null 2>&1 && bash "$(dirname "${BASH_SOURCE[0]}")/image-base.sh" --purge
  rm -rf "$PODMAN_TEST_STATE_DIR"
  log "removed $PODMAN_TEST_STATE_DIR"
fi
log "done"

# Shared settings for the Podman test-engine scripts (sourced, not run). Every value can be overridden from the
# environment so a developer can run a second engine next to the CI one.

# The Docker-compatible API socket the integration tests talk to (lib/runtime/docker.int.test.ts reads the same
# variable).
PODMAN_TEST_SOCKET="${SWITCHYARD_TEST_DOCKER_SOCKET:-/run/podman-test.sock}"
# Where setup keeps what it owns: containers.conf, the service's pid file and log.
PODMAN_TEST_STATE_DIR="${SWITCHYARD_PODMAN_STATE_DIR:-/run/switchyard-podman}"
PODMAN_TEST_PID_FILE="$PODMAN_TEST_STATE_DIR/service.pid"
PODMAN_TEST_LOG_FILE="$PODMAN_TEST_STATE_DIR/service.log"
# Built locally by podman-setup.sh from busybox; never pulled.
SWITCHYARD_SIM_IMAGE="${SWITCHYARD_SIM_IMAGE:-localhost/switchyard-sim:test}"
# Every container podman-create-sim.sh makes carries this label, so teardown can find leftovers.
SWITCHYARD_SIM_LABEL="io.switchyard.test-sim=1"

# Podman reads its engine settings (runtime, cgroup manager, event log) from here; see podman-setup.sh.
export CONTAINERS_CONF="$PODMAN_TEST_STATE_DIR/containers.conf"

log() { printf '[podman-ci] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

engine_answers() {
  [ -S "$PODMAN_TEST_SOCKET" ] && [ "$(curl -fsS --max-time 2 --unix-socket "$PODMAN_TEST_SOCKET" http://d/_ping 2>/dev/null)" = "OK" ]
}

# Talks to the engine behind the socket (podman's remote mode), whichever user runs the script.
podman_remote() { podman --url "unix://$PODMAN_TEST_SOCKET" "$@"; }

service_pid() {
  local pid
  [ -f "$PODMAN_TEST_PID_FILE" ] || return 1
  pid="$(cat "$PODMAN_TEST_PID_FILE")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && printf '%s\n' "$pid"
}

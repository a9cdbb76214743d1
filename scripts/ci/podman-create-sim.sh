#!/usr/bin/env bash
# Creates (does not start) a vLLM-simulator container the way an operator's compose file would create a vLLM one:
# host network, named, with the simulator as PID 1. Switchyard's docker runtime then adopts it by name.
#
#   scripts/ci/podman-create-sim.sh NAME PORT MODEL [extra simulator flags...]
#
# The image holds only busybox: node, the libraries it links against and this project tree are bind-mounted
# read-only from the host, so the container always runs the simulator code of the working tree.
# Talks to the engine at $SWITCHYARD_TEST_DOCKER_SOCKET (default /run/podman-test.sock); prints the container id.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/podman-common.sh"

[ "$#" -ge 3 ] || die "usage: $0 NAME PORT MODEL [extra simulator flags...]"
name="$1" port="$2" model="$3"
shift 3

project_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
node_bin="$(command -v node)" || die "node not found on PATH"
node_bin="$(readlink -f "$node_bin")"

mounts=(-v "$node_bin:/usr/local/bin/node:ro" -v "$project_dir:/project:ro")
# ldd prints "libx.so => /path (addr)" and the loader as "/lib64/ld-linux-x86-64.so.2 (addr)"; mount each at the
# path the loader will look for.
while read -r lib; do
  mounts+=(-v "$lib:$lib:ro")
done < <(ldd "$node_bin" | grep -o '/[^ ]*' | sort -u)

podman_remote create \
  --name "$name" \
  --label "$SWITCHYARD_SIM_LABEL" \
  --network host \
  --workdir /project \
  "${mounts[@]}" \
  "$SWITCHYARD_SIM_IMAGE" \
  /usr/local/bin/node --import tsx /project/scripts/sim.ts \
  --port "$port" --host 127.0.0.1 --model "$model" --load-ms 500 "$@"

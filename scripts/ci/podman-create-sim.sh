#!/usr/bin/env bash
# Creates (does not start) a vLLM-simulator container the way an operator's compose file would create a vLLM one:
# host network, named, with the simulator as PID 1. Switchyard's docker runtime then adopts it by name.
#
#   scripts/ci/podman-create-sim.sh NAME PORT MODEL [extra simulator flags...]
#
# `--env KEY=VALUE` among the extra flags sets a variable in the container instead of passing a flag, e.g. a
# sleeping vLLM: `--env VLLM_SERVER_DEV_MODE=1 --enable-sleep-mode` (dev-mode routes come from the environment).
#
# The image holds only busybox: node, the libraries it links against and this project tree are bind-mounted
# read-only from the host, so the container always runs the simulator code of the working tree.
# Talks to the engine at $SWITCHYARD_TEST_DOCKER_SOCKET (default /run/podman-test.sock); prints the container id.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/podman-common.sh"

[ "$#" -ge 3 ] || die "usage: $0 NAME PORT MODEL [--env KEY=VALUE] [extra simulator flags...]"
name="$1" port="$2" model="$3"
shift 3

env_args=() sim_args=()
while [ "$#" -gt 0 ]; do
  case "$1" in
    --env)
      [ "$#" -ge 2 ] || die "--env needs KEY=VALUE"
      env_args+=(--env "$2")
      shift 2
      ;;
    --env=*)
      env_args+=(--env "${1#--env=}")
      shift
      ;;
    *)
      sim_args+=("$1")
      shift
      ;;
  esac
done

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
  "${env_args[@]}" \
  "${mounts[@]}" \
  "$SWITCHYARD_SIM_IMAGE" \
  /usr/local/bin/node --import tsx /project/scripts/sim.ts \
  --port "$port" --host 127.0.0.1 --model "$model" --load-ms 500 "${sim_args[@]}"

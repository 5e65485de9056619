#!/usr/bin/env bash
# Host-side benchmark of root's API latency under an unprivileged read flood: the real pathkeeperd on its
# simulated back end (lib/sim) with 512 paths, on a private system-type dbus-daemon. It times root's
# `pathctl status` (whole processes, start-up included) with the daemon idle, then while uid 65534 keeps
# 8 connections x 32 calls of one read method in flight (pathkeeper-read-flood), and prints one row per daemon
# build and flood method: median / min / max ms of each, and what the flood got answered and refused. Figures
# only: no pass/fail.
#
#   bench/host-read-flood.sh [--build BUILD] [--before BUILD_BEFORE] [--paths 512] [--runs 21]
#                            [--methods "GetTopology GetManagedObjects"]
#
# METHODS: pathkeeper-read-flood's --method values (GetTopology, GetManagedObjects, GetAll, Get), one flood
# after the other against the same daemon.
# BUILD (default: $PK_BUILD_DIR or ./build) must hold daemon/pathkeeperd, cli/pathctl and
# tests/dbus/pathkeeper-read-flood. BUILD_BEFORE: another build's pathkeeperd measured first, with the same
# pathctl and flood (an A/B in one run).
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(pwd)
build=${PK_BUILD_DIR:-$src/build}
before=""
paths=512
runs=21
methods="GetTopology GetManagedObjects"
while [ $# -gt 0 ]; do
    case "$1" in
    --build) build=$2; shift 2 ;;
    --before) before=$2; shift 2 ;;
    --paths) paths=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --methods) methods=$2; shift 2 ;;
    -h | --help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "host-read-flood.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
for bin in "$build/daemon/pathkeeperd" "$build/cli/pathctl" "$build/tests/dbus/pathkeeper-read-flood" \
    ${before:+"$before/daemon/pathkeeperd"}; do
    [ -x "$bin" ] || { echo "host-read-flood.sh: $bin is not built" >&2; exit 2; }
done
command -v dbus-daemon >/dev/null || { echo "host-read-flood.sh: dbus-daemon is not installed" >&2; exit 2; }

work=$(mktemp -d /tmp/pathkeeper-flood-bench.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
# The flood runs as uid 65534: it needs its binary and the bus socket in a directory it can reach.
mkdir -p "$work/bin" && chmod 755 "$work/bin"
cp "$build/cli/pathctl" "$build/tests/dbus/pathkeeper-read-flood" "$work/bin/"
pathctl=$work/bin/pathctl
flood=$work/bin/pathkeeper-read-flood

# shellcheck source=host_lib.sh
. "$src/bench/host_lib.sh"
start_private_bus host-read-flood.sh
sim_scenario "$paths" >"$work/scenario.yaml"
sim_config >"$work/pathkeeper.yaml"
# summary: "median / min / max ms" of the numbers on stdin.
summary() { stats | awk '{ printf "%s / %s / %s ms", $1, $2, $3 }'; }

# measure LABEL DAEMON: one table row per flood method.
measure() {
    local label=$1 daemon=$2 pid idle flooded flood_pid tally method
    rm -rf "$work/state" && mkdir -p "$work/state"
    "$daemon" --backend sim --sim-scenario "$work/scenario.yaml" --config "$work/pathkeeper.yaml" \
        --state-dir "$work/state" --foreground --log-level warning >"$work/daemon-$label.log" 2>&1 &
    pid=$!
    pids+=("$pid")
    wait_for_paths "$pathctl" "$paths" || { echo "host-read-flood.sh: $label did not publish $paths paths" >&2; exit 1; }
    sleep 1
    idle=$(for _ in $(seq "$runs"); do time_ms "$pathctl" status; done | summary)
    for method in $methods; do
        setpriv --reuid=65534 --regid=65534 --clear-groups "$flood" --method "$method" --connections 8 \
            --calls 32 --seconds 36000 >"$work/flood-$label-$method.out" 2>&1 &
        flood_pid=$!
        pids+=("$flood_pid")
        sleep 2
        flooded=$(for _ in $(seq "$runs"); do time_ms "$pathctl" status; done | summary)
        kill -TERM "$flood_pid"
        wait "$flood_pid" || true
        tally=$(head -1 "$work/flood-$label-$method.out")
        printf '| %s | %s | %s | %s | %s | %s |\n' "$label" "$method" "$paths" "$idle" "$flooded" "$tally"
        sleep 1
    done
    kill "$pid"
    wait "$pid" 2>/dev/null || true
}

printf '# root'"'"'s pathctl status during an unprivileged read flood, %s, %s (%s cores)\n' \
    "$(date -u '+%Y-%m-%d %H:%M UTC')" "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)" "$(nproc)"
printf '# flood: uid 65534, 8 connections x 32 calls of the method in flight; %s runs of pathctl status each\n' "$runs"
printf '# (median / min / max ms, whole process)\n\n'
printf '| daemon | flood method | paths | pathctl status, idle | pathctl status, during the flood | flood calls while status was timed (2 s + runs) |\n'
printf '|---|---|---|---|---|---|\n'
[ -z "$before" ] || measure before "$before/daemon/pathkeeperd"
measure after "$build/daemon/pathkeeperd"

#!/usr/bin/env bash
# Host-side benchmark of root's API latency under an unprivileged read flood: the real pathkeeperd on its
# simulated back end (lib/sim) with 512 paths, on a private system-type dbus-daemon. It times root's
# `pathctl status` (whole processes, start-up included) with the daemon idle, then while uid 65534 keeps
# 8 connections x 32 GetTopology calls in flight (pathkeeper-read-flood), and prints one row per daemon build:
# median / min / max ms of each, and what the flood got answered and refused. Figures only: no pass/fail.
#
#   bench/host-read-flood.sh [--build BUILD] [--before BUILD_BEFORE] [--paths 512] [--runs 21]
#
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
while [ $# -gt 0 ]; do
    case "$1" in
    --build) build=$2; shift 2 ;;
    --before) before=$2; shift 2 ;;
    --paths) paths=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    -h | --help) sed -n '2,13p' "$0"; exit 0 ;;
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

socket=$work/system_bus_socket
. "$src/tests/dbus/integration_lib.sh"
write_private_system_bus_conf "$work/bus.conf" "$socket" "$src/lib/api/org.pathkeeper.PathKeeper1.conf"
dbus-daemon --config-file="$work/bus.conf" --nofork --nopidfile 2>"$work/dbus-daemon.log" &
pids+=($!)
for _ in $(seq 50); do [ -S "$socket" ] && break; sleep 0.1; done
[ -S "$socket" ] || { echo "host-read-flood.sh: dbus-daemon did not start" >&2; exit 1; }
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$socket

# disk_name I: the kernel's name of the I-th SCSI disk (sda ... sdz, sdaa ...).
disk_name() {
    local i=$1 name=""
    while :; do
        name=$(printf "\\$(printf '%03o' $((97 + i % 26)))")$name
        i=$((i / 26 - 1))
        [ "$i" -ge 0 ] || break
    done
    echo "sd$name"
}
{
    echo "paths:"
    for ((i = 0; i < paths; i++)); do
        printf '  - {dev: %s, devt: "%d:%d", wwid: "36001405%024x", vendor: LIO-ORG, product: disk}\n' \
            "$(disk_name "$i")" $((65 + i / 16)) $(((i % 16) * 16)) $((i / 2 + 1))
    done
} >"$work/scenario.yaml"
printf 'defaults:\n  find_multipaths: greedy\n  polling_interval: 5s\n  max_polling_interval: 5s\n' >"$work/pathkeeper.yaml"

time_ms() {
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null
    end=$(date +%s%N)
    awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f\n", (b - a) / 1e6 }'
}
stats() { sort -n | awk '{ v[NR] = $1 } END { printf "%.1f / %.1f / %.1f ms", v[int((NR + 1) / 2)], v[1], v[NR] }'; }

# measure LABEL DAEMON: one table row.
measure() {
    local label=$1 daemon=$2 pid ready=0 idle flooded flood_pid tally
    rm -rf "$work/state" && mkdir -p "$work/state"
    "$daemon" --backend sim --sim-scenario "$work/scenario.yaml" --config "$work/pathkeeper.yaml" \
        --state-dir "$work/state" --foreground --log-level warning >"$work/daemon-$label.log" 2>&1 &
    pid=$!
    pids+=("$pid")
    for _ in $(seq 300); do
        if [ "$("$pathctl" show paths --json 2>/dev/null | grep -o '"devnode"' | wc -l)" -eq "$paths" ]; then
            ready=1
            break
        fi
        sleep 0.1
    done
    [ "$ready" = 1 ] || { echo "host-read-flood.sh: $label did not publish $paths paths" >&2; exit 1; }
    sleep 1
    idle=$(for _ in $(seq "$runs"); do time_ms "$pathctl" status; done | stats)
    setpriv --reuid=65534 --regid=65534 --clear-groups "$flood" --connections 8 --calls 32 --seconds 36000 \
        >"$work/flood-$label.out" 2>&1 &
    flood_pid=$!
    pids+=("$flood_pid")
    sleep 2
    flooded=$(for _ in $(seq "$runs"); do time_ms "$pathctl" status; done | stats)
    kill -TERM "$flood_pid"
    wait "$flood_pid" || true
    tally=$(head -1 "$work/flood-$label.out")
    printf '| %s | %s | %s | %s | %s |\n' "$label" "$paths" "$idle" "$flooded" "$tally"
    kill "$pid"
    wait "$pid" 2>/dev/null || true
}

printf '# root'"'"'s pathctl status during an unprivileged read flood, %s, %s (%s cores)\n' \
    "$(date -u '+%Y-%m-%d %H:%M UTC')" "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)" "$(nproc)"
printf '# flood: uid 65534, 8 connections x 32 GetTopology calls in flight; %s runs of pathctl status each\n' "$runs"
printf '# (median / min / max ms, whole process)\n\n'
printf '| daemon | paths | pathctl status, idle | pathctl status, during the flood | flood calls while status was timed (2 s + runs) |\n'
printf '|---|---|---|---|---|\n'
[ -z "$before" ] || measure before "$before/daemon/pathkeeperd"
measure after "$build/daemon/pathkeeperd"

#!/usr/bin/env bash
# Host-side benchmark of the API path (the goal: with 512 paths, pathctl show paths --json answers in well under
# 100 ms): the real pathkeeperd on its simulated back end (lib/sim; no kernel needed), published on a private
# system-type dbus-daemon, queried by the real pathctl. For each size it prints the median, minimum and maximum
# wall time of whole pathctl processes (start-up included, as an admin sees it), and the daemon's RSS and CPU
# over an idle window. It prints figures only: no thresholds, no pass/fail.
#
#   bench/host-cli-latency.sh [--build BUILD] [--sizes 64,256,512] [--runs 21] [--idle-seconds 20]
#
# BUILD (default: $PK_BUILD_DIR or ./build) must hold daemon/pathkeeperd and cli/pathctl.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(pwd)
build=${PK_BUILD_DIR:-$src/build}
sizes=64,256,512
runs=21
idle_seconds=20
while [ $# -gt 0 ]; do
    case "$1" in
    --build) build=$2; shift 2 ;;
    --sizes) sizes=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --idle-seconds) idle_seconds=$2; shift 2 ;;
    -h | --help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "host-cli-latency.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
daemon=$build/daemon/pathkeeperd
pathctl=$build/cli/pathctl
for bin in "$daemon" "$pathctl"; do
    [ -x "$bin" ] || { echo "host-cli-latency.sh: $bin is not built (cmake --build $build)" >&2; exit 2; }
done
command -v dbus-daemon >/dev/null || { echo "host-cli-latency.sh: dbus-daemon is not installed" >&2; exit 2; }

work=$(mktemp -d /tmp/pathkeeper-cli-bench.XXXXXX)
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=host_lib.sh
. "$src/bench/host_lib.sh"
start_private_bus host-cli-latency.sh

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

printf '# pathctl against pathkeeperd on the simulated back end, %s, %s (%s cores)\n' "$(date -u '+%Y-%m-%d %H:%M UTC')" \
    "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)" "$(nproc)"
printf '# %s runs per command (median / min / max ms, whole process); idle window %s s\n\n' "$runs" "$idle_seconds"
printf '| paths | maps | show paths --json | show maps --json | show topology | daemon RSS | idle CPU |\n'
printf '|---|---|---|---|---|---|---|\n'
results=()
IFS=, read -ra size_list <<<"$sizes"
for n in "${size_list[@]}"; do
    sim_scenario "$n" >"$work/scenario-$n.yaml"
    sim_config >"$work/pathkeeper-$n.yaml"
    mkdir -p "$work/state-$n"
    "$daemon" --backend sim --sim-scenario "$work/scenario-$n.yaml" --config "$work/pathkeeper-$n.yaml" \
        --state-dir "$work/state-$n" --foreground --log-level warning >"$work/daemon-$n.log" 2>&1 &
    pid=$!
    pids+=("$pid")
    wait_for_paths "$pathctl" "$n" ||
        { echo "host-cli-latency.sh: the daemon did not publish $n paths; log:" >&2; tail "$work/daemon-$n.log" >&2; exit 1; }
    # The maps column is what the daemon reports, so a scenario whose paths build no maps shows as such.
    maps=$("$pathctl" show maps --json | grep -o '"wwid"' | wc -l)
    sleep 1
    for cmd in "show paths --json" "show maps --json" "show topology"; do
        # shellcheck disable=SC2086  # the command words are meant to split
        for _ in $(seq "$runs"); do time_ms "$pathctl" $cmd; done >"$work/times"
        read -r med min max < <(stats <"$work/times")
        results+=("$med / $min / $max ms")
    done
    t0=$(cpu_ticks "$pid")
    sleep "$idle_seconds"
    t1=$(cpu_ticks "$pid")
    rss=$(awk '/^VmRSS:/ { printf "%.1f MiB", $2 / 1024 }' "/proc/$pid/status")
    cpu=$(awk -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f CPU-s", t / hz }')
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$n" "$maps" "${results[0]}" "${results[1]}" "${results[2]}" "$rss" "$cpu"
    results=()
    kill "$pid"
    wait "$pid" 2>/dev/null || true
done

# Shared by the host-side benches (sourced): a private system bus, the simulated host's scenario, and whole-process
# timings. Callers set `src` (the source tree), `work` (their temp dir) and a `pids` array their cleanup kills.

# stripped_copy BUILD PROGRAM_PATH: a copy without debug information in BUILD/bench-stripped, as the package
# installs it (like Debian's multipath-tools); prints its path, nothing for an empty PROGRAM_PATH. A build tree's
# binaries are many times larger, and a VM guest reads them over its 9p root at every start.
stripped_copy() {
    [ -n "$2" ] || return 0
    mkdir -p "$1/bench-stripped"
    strip --strip-unneeded -o "$1/bench-stripped/$(basename "$2")" "$2" && echo "$1/bench-stripped/$(basename "$2")"
}

# start_private_bus NAME: a system-type dbus-daemon with the shipped policy, its socket in $work; exports
# DBUS_SYSTEM_BUS_ADDRESS. NAME is the calling script, for the error message.
start_private_bus() {
    local socket=$work/system_bus_socket
    # shellcheck source=../tests/dbus/integration_lib.sh
    . "$src/tests/dbus/integration_lib.sh"
    write_private_system_bus_conf "$work/bus.conf" "$socket" "$src/lib/api/org.pathkeeper.PathKeeper1.conf"
    dbus-daemon --config-file="$work/bus.conf" --nofork --nopidfile 2>"$work/dbus-daemon.log" &
    pids+=($!)
    for _ in $(seq 50); do [ -S "$socket" ] && break; sleep 0.1; done
    [ -S "$socket" ] || { echo "$1: dbus-daemon did not start" >&2; exit 1; }
    export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$socket
}

# disk_name I: the kernel's name of the I-th SCSI disk (sda ... sdz, sdaa ...); names like sd0 would be
# blacklisted by the built-in devnode rule, leaving no maps to show.
disk_name() {
    local i=$1 name=""
    while :; do
        name=$(printf "\\$(printf '%03o' $((97 + i % 26)))")$name
        i=$((i / 26 - 1))
        [ "$i" -ge 0 ] || break
    done
    echo "sd$name"
}

# sim_scenario N: N paths, two per WWID, in the sim back end's scenario format.
sim_scenario() {
    local n=$1 i
    echo "paths:"
    for ((i = 0; i < n; i++)); do
        printf '  - {dev: %s, devt: "%d:%d", wwid: "36001405%024x", vendor: LIO-ORG, product: disk}\n' \
            "$(disk_name "$i")" $((65 + i / 16)) $(((i % 16) * 16)) $((i / 2 + 1))
    done
}

# sim_config: the daemon's configuration for these benches (every path multipathed, 5 s checks).
sim_config() { printf 'defaults:\n  find_multipaths: greedy\n  polling_interval: 5s\n  max_polling_interval: 5s\n'; }

# time_ms COMMAND...: wall time of one run in milliseconds (fractional).
time_ms() {
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null
    end=$(date +%s%N)
    awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f\n", (b - a) / 1e6 }'
}

# stats: "median min max" of the numbers on stdin.
stats() { sort -n | awk '{ v[NR] = $1 } END { printf "%.1f %.1f %.1f\n", v[int((NR + 1) / 2)], v[1], v[NR] }'; }

# wait_for_paths PATHCTL N: true once the daemon publishes N paths (30 s at most).
wait_for_paths() {
    for _ in $(seq 300); do
        [ "$("$1" show paths --json 2>/dev/null | grep -o '"devnode"' | wc -l)" -eq "$2" ] && return 0
        sleep 0.1
    done
    return 1
}

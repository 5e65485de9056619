#!/bin/bash
# The README's demo, guest side (run by scripts/vm-demo.sh through tests/vm/vm.sh): a two-cable iSCSI SAN, the
# multipath daemon, a cable pulled while an application writes, and the figures in plain words.
# Usage: demo.sh BUILD_DIR
. "$(dirname "$0")/lib.sh"
require_prober "${1:-}"
find_pathkeeper_binaries "${1:-}"

say() { printf '\n%s\n' "$*" | fold -s -w 100 >&2; }
banner() { printf '\n==================== %s ====================\n' "$*" >&2; }

daemon=pathkeeperd
if [ -z "$PK_PATHKEEPERD" ] || [ ! -x "$PK_PATHKEEPERD" ] || [ -z "$PK_PATHCTL" ] || [ ! -x "$PK_PATHCTL" ]; then
    daemon=multipathd
fi

banner "pathkeeper demo: one disk, two cables"
say "Inside this VM, a storage target (tgtd, in its own network namespace 'san') exports one 64 MiB disk over two \
network cables: cable-a (10.77.1.0/24) and cable-b (10.77.2.0/24). The iSCSI initiator logs in over both, so the \
kernel sees the same disk twice: two paths. The multipath daemon joins them into one device that survives losing \
either cable."
if [ "$daemon" = multipathd ]; then
    say "NOTE: pathkeeperd is not built in ${1:-the build tree} yet, so this run shows Debian's multipathd (the \
reference pathkeeper must beat) doing the same job."
fi

load_multipath_modules
start_udev
san_setup

show_topology() {
    if [ "$daemon" = pathkeeperd ]; then
        say "\$ pathctl show topology"
        pathctl show topology >&2 || true
    else
        say "\$ multipath -ll"
        multipath -ll >&2 || true
    fi
}

banner "starting $daemon"
if [ "$daemon" = pathkeeperd ]; then
    start_system_dbus
    config=/etc/pathkeeper/pathkeeper.yaml
    write_pathkeeper_config "$config" "defaults:
  find_multipaths: \"on\""
    start_pathkeeperd "$config"
else
    start_multipathd
fi
wait_until 60 "the multipath map" map_count_is 1
map=$(mpath_maps | awk '{ print $1 }')
wait_until 30 "path over cable-a" dm_path_is "$(cable_disk a)" A
wait_until 30 "path over cable-b" dm_path_is "$(cable_disk b)" A
say "The multipath device is /dev/mapper/$map. Path $(cable_disk a) runs over cable-a, $(cable_disk b) over cable-b."
show_topology

on_path_failed() {
    say "The daemon has marked $1 failed: I/O now goes over the other cable only."
    show_topology
}
on_path_reinstated() {
    say "$1 is back in use."
    show_topology
}

banner "pulling a cable while an application writes"
say "An application (pk-io-prober) now writes 4 KiB blocks to /dev/mapper/$map, each write going all the way to the \
disk (O_DIRECT|O_SYNC) and stamped with a sequence number so that every block can be checked afterwards. It \
measures the longest time it had to wait for a write. In 5 s we pull the cable that carries its writes, leave it \
out for 25 s, then plug it back in."
PK_REPORT_ONLY=1 cable_pull_under_load "/dev/mapper/$map" 25

banner "what happened"
stall=$PULL_STALL_S
say "Cable pulled: cable-$PULL_CABLE (path $PULL_DISK)."
if [ "$PULL_FAILED_OVER" = yes ]; then
    say "The application's writes paused for at most $stall seconds while the daemon and the kernel moved I/O to \
the other cable."
else
    say "PROBLEM: the application's writes paused for $stall seconds, longer than the cable was out: I/O did not \
move to the other cable, it waited for the pulled one to come back."
fi
say "$PULL_WRITES writes completed; $PULL_ERRORS failed; $PULL_MISMATCHES of the $PULL_VERIFIED blocks read back \
differed from what was written."
say "The path was marked failed $PULL_FAILED_S s after the pull."
say "After the cable was plugged back in, the iSCSI session logged in again after $PULL_LOGIN_S s and the path carried \
I/O again $PULL_REINSTATED_S s after the cable returned ($PULL_AFTER_LOGIN_S s after the login)."
say "For comparison, Debian's multipathd with the same stock open-iscsi settings: about 15 s of paused writes and about \
8-10 s until the path is used again (as the e2e test multipathd_iscsi_cable_pull measures it in this VM)."
{
    echo "daemon=$daemon"
    echo "stall_s=$PULL_STALL_S"
    echo "failed_after_s=$PULL_FAILED_S"
    echo "login_after_s=$PULL_LOGIN_S"
    echo "reinstated_after_s=$PULL_REINSTATED_S"
    echo "write_errors=$PULL_ERRORS"
    echo "mismatches=$PULL_MISMATCHES"
    echo "failed_over=$PULL_FAILED_OVER"
} >"$PK_OUT/demo-figures.txt"
[ "$PULL_FAILED_OVER" = yes ] || exit 1

#!/bin/bash
# pathkeeperd on the two-cable iSCSI SAN: the cable carrying the writes is pulled under prober load and restored,
# first at the guest's end (its link goes down: failed over at once, local-link failover), then at the target's
# (its port stops answering, the guest's link keeps its carrier: failed over at the noop timeout). Passes with zero
# write errors and zero mismatches, the path failed and then reinstated each time; prints the figures.
# Usage: pathkeeperd_iscsi_cable_pull.sh BUILD_DIR [--tuned]
. "$(dirname "$0")/../guest/lib.sh"
require_pathkeeperd "${1:-}"
require_prober "${1:-}"
tuning=stock
san_options=()
[ "${2:-}" = --tuned ] && tuning=tuned && san_options=(--tuned)

load_multipath_modules
start_udev
san_setup "${san_options[@]}"
start_system_dbus
config=/etc/pathkeeper/pathkeeper.yaml
write_pathkeeper_config "$config" "defaults:
  find_multipaths: \"on\""

step "pathkeeperd builds the map"
start_pathkeeperd "$config"
wait_until 60 "one map with 2 paths" map_count_is 1
map=$(mpath_maps | awk '{ print $1 }')
wait_until 30 "both paths active" dm_path_is "$(cable_disk a)" A
wait_until 30 "both paths active" dm_path_is "$(cable_disk b)" A
pathctl show topology >&2

step "local cable pull under write load (iSCSI $tuning timeouts): failed over at once"
cable_pull_under_load "/dev/mapper/$map" 8 local
pathctl show topology >&2
local_line="pathkeeperd $tuning local pull: stall ${PULL_STALL_S}s failed-after ${PULL_FAILED_S}s reinstated-after ${PULL_REINSTATED_S}s (kernel log: failed-after ${PULL_K_FAILED_S}s reinstated-after ${PULL_K_REINSTATED_S}s)"
grep -q "cable-$PULL_CABLE: local link down: failing over iSCSI session" "$PK_OUT/pathkeeperd.log" ||
    fail "pathkeeperd did not log failing over the session of cable-$PULL_CABLE"
grep -q "ended 1 TCP connection(s)" "$PK_OUT/pathkeeperd.log" ||
    fail "pathkeeperd did not end the session's TCP connection"
# The noop timeout (5 s + 5 s stock) is what a pull costs without local-link failover.
awk -v s="$PULL_STALL_S" 'BEGIN { exit !(s < 3) }' ||
    fail "a local pull stalled writes ${PULL_STALL_S} s: not failed over at once"
local_failovers=$(grep -c "local link down: failing over" "$PK_OUT/pathkeeperd.log")

step "target port lost under write load (local link keeps its carrier): left to the noop timeout"
cable_pull_under_load "/dev/mapper/$map" 20 remote
pathctl show topology >&2
[ "$(grep -c "local link down: failing over" "$PK_OUT/pathkeeperd.log")" = "$local_failovers" ] ||
    fail "pathkeeperd failed a session over for a link that kept its carrier"
# Failed by the session's noop timeout (at least one noop interval after the loss), not earlier.
awk -v f="$PULL_K_FAILED_S" 'BEGIN { exit !(f != "?" && f >= 4) }' ||
    fail "the path of a blackholed target port was failed after ${PULL_K_FAILED_S} s, before the noop timeout"
echo "$local_line
pathkeeperd $tuning remote loss: stall ${PULL_STALL_S}s failed-after ${PULL_FAILED_S}s reinstated-after ${PULL_REINSTATED_S}s (kernel log: failed-after ${PULL_K_FAILED_S}s reinstated-after ${PULL_K_REINSTATED_S}s)" \
    >"$PK_OUT/figures.txt"
cat "$PK_OUT/figures.txt" >&2
log "pathkeeperd iSCSI cable pull passed"

#!/bin/bash
# pathkeeperd on the two-cable iSCSI SAN: the cable carrying the writes is pulled under prober load and restored.
# Passes with zero write errors and zero mismatches, the path failed and then reinstated; prints the figures.
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

step "cable pull under write load (iSCSI $tuning timeouts)"
cable_pull_under_load "/dev/mapper/$map" 25
pathctl show topology >&2
echo "pathkeeperd $tuning: stall ${PULL_STALL_S}s failed-after ${PULL_FAILED_S}s reinstated-after ${PULL_REINSTATED_S}s (kernel log: failed-after ${PULL_K_FAILED_S}s reinstated-after ${PULL_K_REINSTATED_S}s)" \
    >"$PK_OUT/figures.txt"
log "pathkeeperd iSCSI cable pull passed"

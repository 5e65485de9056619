#!/bin/bash
# Reference run with Debian's multipathd on the two-cable iSCSI SAN: the cable carrying the writes is pulled under
# prober load and restored. Passes with zero write errors and zero mismatches; prints the stall figures pathkeeperd
# must beat. Usage: multipathd_iscsi_cable_pull.sh BUILD_DIR [--tuned]
. "$(dirname "$0")/../guest/lib.sh"
require_prober "${1:-}"
tuning=stock
san_options=()
[ "${2:-}" = --tuned ] && tuning=tuned && san_options=(--tuned)

load_multipath_modules
start_udev
san_setup "${san_options[@]}"

step "multipathd (default settings) builds the map"
start_multipathd
wait_until 60 "one map with 2 paths" map_count_is 1
map=$(mpath_maps | awk '{ print $1 }')
wait_until 30 "both paths active" dm_path_is "$(cable_disk a)" A
multipath -ll >&2 || true

step "cable pull under write load (iSCSI $tuning timeouts)"
cable_pull_under_load "/dev/mapper/$map" 25
stop_multipathd
echo "multipathd $tuning: stall ${PULL_STALL_S}s failed-after ${PULL_FAILED_S}s reinstated-after ${PULL_REINSTATED_S}s (kernel log: failed-after ${PULL_K_FAILED_S}s reinstated-after ${PULL_K_REINSTATED_S}s)" \
    >"$PK_OUT/figures.txt"
log "multipathd reference cable pull passed"

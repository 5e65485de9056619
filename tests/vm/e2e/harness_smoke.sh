#!/bin/bash
# Harness smoke test: the VM boots, udev runs, the multipath modules load, scsi_debug gives 8 disks in 4 WWIDs with
# 2 paths each, and the prober verifies its own stamps.
. "$(dirname "$0")/../guest/lib.sh"
require_prober

step "kernel modules"
load_multipath_modules
for m in dm_multipath dm_round_robin dm_service_time dm_queue_length scsi_dh_alua; do
    grep -q "^$m " /proc/modules || fail "module $m not loaded"
done
log "dm-multipath targets: $(dmsetup targets | awk '{ print $1 }' | tr '\n' ' ')"
[[ "$(dmsetup targets)" == *multipath* ]] || fail "no multipath target in dmsetup targets"

step "udev"
t0=$(now_s)
start_udev
log "udev started and settled in $(elapsed "$t0" "$(now_s)") s"

step "scsi_debug: 2 hosts x 4 LUNs"
t0=$(now_s)
scsi_debug_setup
wait_for_disks 8
log "8 disks appeared and were processed by udev in $(elapsed "$t0" "$(now_s)") s"
declare -A paths_of=()
for d in $(scsi_disks); do
    w=$(disk_wwid "$d")
    paths_of[$w]="${paths_of[$w]:-} $d"
    log "$d wwid $w alua $(<"/sys/block/$d/device/access_state") state $(<"/sys/block/$d/device/state")"
done
[ "${#paths_of[@]}" -eq 4 ] || fail "expected 4 WWIDs, got ${#paths_of[@]}: ${!paths_of[*]}"
for w in "${!paths_of[@]}"; do
    set -- ${paths_of[$w]}
    [ $# -eq 2 ] || fail "WWID $w has paths ${paths_of[$w]}, expected 2"
done
log "4 WWIDs with 2 paths each"

step "prober: self-test, a clean run on an optimized path, and a run that must fail on an offline path"
"$PK_PROBER" --self-test
d=$(grep -l 'active/optimized' /sys/block/sd*/device/access_state | head -1 | cut -d/ -f4) || true
[ -n "$d" ] || fail "scsi_debug reports no active/optimized path"
"$PK_PROBER" --device "/dev/$d" --seconds 2 --blocks 256 || fail "prober found errors on a healthy disk"
echo offline >"/sys/block/$d/device/state"
[ "$(<"/sys/block/$d/device/state")" = offline ] || fail "$d did not go offline"
if "$PK_PROBER" --device "/dev/$d" --seconds 1 --blocks 16 --quiet; then
    fail "prober reported success on offline path $d"
fi
echo running >"/sys/block/$d/device/state"
[ "$(<"/sys/block/$d/device/state")" = running ] || fail "$d did not come back"
"$PK_PROBER" --device "/dev/$d" --seconds 1 --blocks 16 --quiet || fail "prober fails on $d after it came back"
log "harness smoke test passed"

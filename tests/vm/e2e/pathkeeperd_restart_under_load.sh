#!/bin/bash
# pathkeeperd is killed (SIGKILL) and restarted while the prober writes to one of its maps: zero write errors, zero
# mismatches, and the restarted daemon adopts the existing maps without loading a new table (no dm change uevent,
# identical tables).
. "$(dirname "$0")/../guest/lib.sh"
require_pathkeeperd "${1:-}"
require_prober "${1:-}"

load_multipath_modules
start_udev
scsi_debug_setup add_host=2 vpd_use_hostno=0 num_tgts=1 max_luns=2 dev_size_mb=16
wait_for_disks 4
start_system_dbus
config=/etc/pathkeeper/pathkeeper.yaml
write_pathkeeper_config "$config" "defaults:
  polling_interval: 2s
  find_multipaths: greedy
  path_grouping_policy: group_by_prio"
start_pathkeeperd "$config"
wait_until 60 "two multipath maps" map_count_is 2
for d in $(scsi_disks); do wait_until 30 "$d in a map" disk_in_map "$d"; done
map=$(mpath_maps | awk 'NR == 1 { print $1 }')
sleep 3
dmsetup table >"$PK_OUT/tables-before.txt"

step "SIGKILL under write load, then restart"
start_prober "/dev/mapper/$map" 30 "$PK_OUT/prober-restart.json"
sleep 5
udevadm monitor --kernel --subsystem-match=block >"$PK_OUT/uevents-restart.log" 2>&1 &
monitor=$!
sleep 1
stop_pathkeeperd KILL
sleep 2
t0=$(now_s)
start_pathkeeperd "$config"
log "restarted daemon answers after $(elapsed "$t0" "$(now_s)") s"
sleep 8
kill "$monitor" 2>/dev/null || true
wait "$monitor" 2>/dev/null || true
dmsetup table >"$PK_OUT/tables-after.txt"
wait_prober "$PK_OUT/prober-restart.json" || fail "the prober saw write errors or mismatches across the restart"
log "longest write stall across the restart: $(json_field "$PK_OUT/prober-restart.json" max_gap_ms) ms"

step "maps adopted without a reload"
diff "$PK_OUT/tables-before.txt" "$PK_OUT/tables-after.txt" >&2 || fail "the restarted daemon changed a table"
if grep -E 'change .*/dm-[0-9]+ ' "$PK_OUT/uevents-restart.log" >&2; then
    fail "a dm change uevent shows a table was loaded during the restart"
fi
# Control: the same monitor does see a table load (same table reloaded by hand), so the check above can fail.
udevadm monitor --kernel --subsystem-match=block >"$PK_OUT/uevents-control.log" 2>&1 &
monitor=$!
sleep 1
dmsetup table "$map" | dmsetup reload "$map"
dmsetup resume "$map"
sleep 1
kill "$monitor" 2>/dev/null || true
wait "$monitor" 2>/dev/null || true
grep -qE 'change .*/dm-[0-9]+ ' "$PK_OUT/uevents-control.log" || fail "control failed: a table load raised no dm change uevent"
pathctl show topology >&2
log "pathkeeperd restart under load passed"

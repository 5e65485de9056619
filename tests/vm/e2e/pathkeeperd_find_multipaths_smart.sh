#!/bin/bash
# find_multipaths smart on scsi_debug (2 hosts, LUNs plugged in one host at a time) with pathkeeper's udev rule and
# helper installed: the first path of a new LUN is held back (udev claims it, no map) until
# find_multipaths_timeout; with no second path by then the daemon releases it (udev answers 0 again after the
# daemon's change event, the WWID is recorded in released-wwids, still no map). A LUN whose second path comes
# within the timeout gets a map with both paths.
. "$(dirname "$0")/../guest/lib.sh"
require_pathkeeperd "${1:-}"

load_multipath_modules
start_udev
scsi_debug_setup add_host=2 vpd_use_hostno=0 num_tgts=1 max_luns=1 dev_size_mb=16
wait_for_disks 2
start_system_dbus
install_pathkeeper_udev_rules

config=/etc/pathkeeper/pathkeeper.yaml
timeout_s=10
write_pathkeeper_config "$config" "defaults:
  polling_interval: 2s
  find_multipaths: smart
  find_multipaths_timeout: ${timeout_s}s
  user_friendly_names: no
overrides:
  no_path_retry: fail"
start_pathkeeperd "$config"
wait_until 60 "the two-path LUN's map" map_count_is 1

claim_of() { sed -n 's/^E:DM_MULTIPATH_DEVICE_PATH=//p' "/run/udev/data/b$(cat "/sys/block/$1/dev")" 2>/dev/null; }
held_of() { sed -n 's/^E:PATHKEEPER_HELD=//p' "/run/udev/data/b$(cat "/sys/block/$1/dev")" 2>/dev/null; }
mapfile -t hosts < <(scsi_debug_hosts)
[ "${#hosts[@]}" -eq 2 ] || fail "expected 2 scsi_debug hosts, got: ${hosts[*]}"

# plug_lun LUN HOST_INDEX: LUN appears on that host only; prints the new disk.
plug_lun() {
    local before
    before=$(scsi_disks)
    echo "0 0 $1" >"/sys/class/scsi_host/${hosts[$2]}/scan"
    local i new=
    for i in $(seq 1 120); do
        new=$(comm -13 <(echo "$before") <(scsi_disks))
        [ -n "$new" ] && break
        sleep 0.5
    done
    [ -n "$new" ] || fail "LUN $1 did not appear on host ${hosts[$2]}"
    udevadm settle --timeout=60 || true
    echo "$new"
}

step "a LUN with one path: held back, then released after ${timeout_s}s"
echo 3 >/sys/bus/pseudo/drivers/scsi_debug/max_luns
t0=$(now_s)
lone=$(plug_lun 1 0)
lone_wwid=$(disk_wwid "$lone")
log "lone path $lone (WWID $lone_wwid): DM_MULTIPATH_DEVICE_PATH='$(claim_of "$lone")' PATHKEEPER_HELD='$(held_of "$lone")'"
t_seen=$(elapsed "$t0" "$(now_s)")
[ "$(claim_of "$lone")" = 1 ] && [ "$(held_of "$lone")" = 1 ] ||
    fail "$lone was not held back while waiting for a second path (after $t_seen s)"
map_count_is 1 || fail "a map was made for the single path $lone: $(mpath_maps)"
wait_until $((timeout_s + 40)) "the release of $lone" grep -q "released as a single-path disk" "$PK_OUT/pathkeeperd.log"
t_released=$(elapsed "$t0" "$(now_s)")
for _ in $(seq 1 60); do
    [ "$(claim_of "$lone")" = 0 ] && break
    sleep 0.5
done
log "after release: DM_MULTIPATH_DEVICE_PATH='$(claim_of "$lone")' PATHKEEPER_HELD='$(held_of "$lone")'"
[ "$(claim_of "$lone")" = 0 ] || fail "$lone is still claimed after its release"
awk -v t="$t_released" -v m=$((timeout_s - 1)) 'BEGIN { exit !(t >= m) }' || fail "$lone was released after $t_released s, before the ${timeout_s}s timeout"
grep -qxF "/$lone_wwid/" /var/lib/pathkeeper/released-wwids ||
    fail "$lone_wwid is not remembered in released-wwids: $(cat /var/lib/pathkeeper/released-wwids 2>&1)"
map_count_is 1 || fail "a map was made for the released path $lone: $(mpath_maps)"
# Remembered: another event for the disk is answered at once, not held again.
udevadm trigger --action=change "/sys/block/$lone"
udevadm settle --timeout=60 || true
[ "$(claim_of "$lone")" = 0 ] || fail "$lone was held again after its release"

step "a LUN whose second path comes within the timeout: mapped with both paths"
t0=$(now_s)
first=$(plug_lun 2 0)
second=$(plug_lun 2 1)
wwid=$(disk_wwid "$first")
[ "$(disk_wwid "$second")" = "$wwid" ] || fail "$first and $second report different WWIDs"
wait_until 60 "a map for $wwid" map_count_is 2
t_mapped=$(elapsed "$t0" "$(now_s)")
name=$(mpath_maps | awk -v u="mpath-$wwid" '$2 == u { print $1 }')
[ -n "$name" ] || fail "the new map is not mpath-$wwid: $(mpath_maps)"
for d in "$first" "$second"; do
    [ "$(map_of_disk "$d")" = "$name" ] || fail "$d is not in $name: $(dmsetup table "$name")"
done
for _ in $(seq 1 60); do
    [ "$(claim_of "$first")" = 1 ] && [ "$(claim_of "$second")" = 1 ] && break
    sleep 0.5
done
[ "$(claim_of "$first")" = 1 ] && [ "$(claim_of "$second")" = 1 ] ||
    fail "the paths of $name are not both claimed: $first '$(claim_of "$first")', $second '$(claim_of "$second")'"
grep -q "released as a single-path disk" <(grep "$wwid" "$PK_OUT/pathkeeperd.log") &&
    fail "$wwid was released although its second path came in time"
kill -0 "$PK_PATHKEEPERD_PID" || fail "pathkeeperd died"
log "RESULT: lone path held ${t_seen}s after plug-in, released at ${t_released}s (timeout ${timeout_s}s);" \
    "two-path LUN mapped as $name ${t_mapped}s after its first path"

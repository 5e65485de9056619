#!/bin/bash
# pathkeeperd follows LUN hotplug on scsi_debug (2 hosts x 4 LUNs) under write load on one map: a fifth LUN plugged
# in (max_luns raised, hosts rescanned) gets a new map; its paths deleted, its map goes away (flush_on_last_del);
# the four other maps keep their tables and dm event counters throughout, and the prober sees no errors.
# Then, with find_multipaths "on" and pathkeeper's udev rule and helper installed, a sixth LUN appears one path at
# a time: udev leaves the first path unclaimed (no second path yet), and once the map exists the daemon's change
# event has udev claim it, so both paths of the map carry DM_MULTIPATH_DEVICE_PATH=1.
. "$(dirname "$0")/../guest/lib.sh"
require_pathkeeperd "${1:-}"
require_prober "${1:-}"

load_multipath_modules
start_udev
scsi_debug_setup
wait_for_disks 8
start_system_dbus

config=/etc/pathkeeper/pathkeeper.yaml
write_pathkeeper_config "$config" "defaults:
  polling_interval: 2s
  find_multipaths: greedy
  user_friendly_names: no
  flush_on_last_del: yes
overrides:
  no_path_retry: fail"
start_pathkeeperd "$config"
wait_until 60 "4 multipath maps" map_count_is 4
mapfile -t old_wwids < <(disk_wwids)

# One line per existing map: uuid, dm minor, event counter and a hash of the table.
maps_snapshot() {
    local u
    for u in "$@"; do
        printf '%s minor=%s events=%s table=%s\n' "$u" \
            "$(dmsetup info -c --noheadings -o minor -u "$u" | tr -d ' ')" \
            "$(dmsetup info -c --noheadings -o events -u "$u" | tr -d ' ')" \
            "$(dmsetup table -u "$u" | md5sum | cut -c1-12)"
    done
}
old_uuids=()
for w in "${old_wwids[@]}"; do old_uuids+=("mpath-$w"); done
before=$(maps_snapshot "${old_uuids[@]}")
log "maps before: $(echo; echo "$before")"

load_map=${old_wwids[0]}
result=$PK_OUT/prober-hotplug.json
start_prober "/dev/mapper/$load_map" 600 "$result"
sleep 3

step "plug a fifth LUN in"
t0=$(now_s)
echo 5 >/sys/bus/pseudo/drivers/scsi_debug/max_luns
scsi_debug_rescan
wait_for_disks 10 120
new_wwid=$(comm -13 <(printf '%s\n' "${old_wwids[@]}") <(disk_wwids))
[ -n "$new_wwid" ] && [ "$(echo "$new_wwid" | wc -l)" -eq 1 ] || fail "expected one new WWID, got: '$new_wwid'"
wait_until 60 "a map for the new LUN $new_wwid" map_count_is 5
t_add=$(elapsed "$t0" "$(now_s)")
new_name=$(mpath_maps | awk -v u="mpath-$new_wwid" '$2 == u { print $1 }')
[ -n "$new_name" ] || fail "the fifth map is not mpath-$new_wwid: $(mpath_maps)"
[ "$(map_groups "$new_name" | wc -w)" -eq 2 ] || fail "new map $new_name does not hold both paths: $(dmsetup table "$new_name")"
log "new map $new_name after $t_add s: $(dmsetup table "$new_name")"

step "delete the new LUN's paths"
new_disks=$(for d in $(scsi_disks); do [ "$(disk_wwid "$d")" = "$new_wwid" ] && echo "$d"; done)
t0=$(now_s)
for d in $new_disks; do
    log "deleting $d"
    echo 1 >"/sys/block/$d/device/delete"
done
wait_until 60 "the map of the removed LUN to go" map_count_is 4
t_del=$(elapsed "$t0" "$(now_s)")
log "map $new_name removed $t_del s after its paths were deleted"

sleep 2
after=$(maps_snapshot "${old_uuids[@]}")
log "maps after: $(echo; echo "$after")"
kill -INT "$PK_PROBER_PID" 2>/dev/null || true
rc=0
wait_prober "$result" || rc=$?
kill -0 "$PK_PATHKEEPERD_PID" || fail "pathkeeperd died"
[ "$before" = "$after" ] || fail "an untouched map changed (minor, event counter or table):
before: $before
after:  $after"
[ "$rc" -eq 0 ] || fail "the prober on /dev/mapper/$load_map saw errors or mismatches"
log "RESULT: map added in $t_add s, removed in $t_del s; other maps untouched; prober writes" \
    "$(json_field "$result" writes), errors $(json_field "$result" errors), mismatches $(json_field "$result" mismatches)"

step "find_multipaths on, udev rule installed: a new LUN's first path is claimed once its map exists"
install_pathkeeper_udev_rules
write_pathkeeper_config "$config" "defaults:
  polling_interval: 2s
  find_multipaths: \"on\"
  user_friendly_names: no
  flush_on_last_del: yes
overrides:
  no_path_retry: fail"
kill -HUP "$PK_PATHKEEPERD_PID"
sleep 2
map_count_is 4 || fail "switching to find_multipaths on changed the maps: $(mpath_maps)"
mapfile -t before_disks < <(scsi_disks)
claim_of() { sed -n 's/^E:DM_MULTIPATH_DEVICE_PATH=//p' "/run/udev/data/b$(cat "/sys/block/$1/dev")" 2>/dev/null; }
mapfile -t hosts < <(scsi_debug_hosts)
[ "${#hosts[@]}" -eq 2 ] || fail "expected 2 scsi_debug hosts, got: ${hosts[*]}"
echo 6 >/sys/bus/pseudo/drivers/scsi_debug/max_luns
t0=$(now_s)
echo '0 0 5' >"/sys/class/scsi_host/${hosts[0]}/scan"
wait_for_disks 9 120
first=$(comm -13 <(printf '%s\n' "${before_disks[@]}") <(scsi_disks))
[ "$(echo "$first" | wc -w)" -eq 1 ] || fail "expected one new disk, got: '$first'"
udev_first=$(claim_of "$first")
log "first path $first alone: DM_MULTIPATH_DEVICE_PATH='$udev_first'"
[ "$udev_first" != 1 ] || fail "$first was claimed with no second path and an unknown WWID: nothing to prove"
map_count_is 4 || fail "a map was made for the single path $first: $(mpath_maps)"
echo '0 0 5' >"/sys/class/scsi_host/${hosts[1]}/scan"
wait_for_disks 10 120
lun6_wwid=$(disk_wwid "$first")
second=$(for d in $(scsi_disks); do [ "$d" != "$first" ] && [ "$(disk_wwid "$d")" = "$lun6_wwid" ] && echo "$d"; done)
[ -n "$second" ] || fail "no second path of $lun6_wwid"
wait_until 60 "a map for $lun6_wwid" map_count_is 5
lun6_map=$(mpath_maps | awk -v u="mpath-$lun6_wwid" '$2 == u { print $1 }')
[ -n "$lun6_map" ] || fail "the fifth map is not mpath-$lun6_wwid: $(mpath_maps)"
# udev's verdict comes with the change event the daemon triggers once the map exists: give it a minute.
for _ in $(seq 1 60); do
    [ "$(claim_of "$first")" = 1 ] && [ "$(claim_of "$second")" = 1 ] && break
    sleep 1
done
t_claimed=$(elapsed "$t0" "$(now_s)")
udevadm settle --timeout=60 || true
for d in "$first" "$second"; do
    log "udevadm info $d: $(udevadm info --query=property --name="/dev/$d" | grep -E '^(DM_MULTIPATH_DEVICE_PATH|PATHKEEPER_WWID|SYSTEMD_READY)=' | tr '\n' ' ')"
    udevadm info --query=property --name="/dev/$d" | grep -qx DM_MULTIPATH_DEVICE_PATH=1 ||
        fail "$d, a path of $lun6_map, is not claimed by udev (first path $first: '$(claim_of "$first")'," \
            "second $second: '$(claim_of "$second")'; change triggered: $(grep -c 'change event triggered' "$PK_OUT/pathkeeperd.log"))"
    [ "$(map_of_disk "$d")" = "$lun6_map" ] || fail "$d is not in $lun6_map: $(dmsetup table "$lun6_map")"
done
log "RESULT: new LUN under find_multipaths on: map $lun6_map with $first and $second, both claimed by udev" \
    "$t_claimed s after the first path appeared"

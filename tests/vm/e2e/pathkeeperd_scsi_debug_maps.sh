#!/bin/bash
# pathkeeperd on scsi_debug (2 hosts x 4 LUNs, ALUA): 4 maps, each with 2 paths, dm uuid mpath-<ID_SERIAL>, aliases
# from the YAML file where given and WWID names otherwise, group_by_prio with the optimized group first. A SIGTERM
# leaves the maps in place.
. "$(dirname "$0")/../guest/lib.sh"
require_pathkeeperd "${1:-}"

load_multipath_modules
start_udev
scsi_debug_setup
wait_for_disks 8
start_system_dbus

mapfile -t wwids < <(disk_wwids)
config=/etc/pathkeeper/pathkeeper.yaml
write_pathkeeper_config "$config" "defaults:
  polling_interval: 2s
  find_multipaths: greedy
  user_friendly_names: no
  path_grouping_policy: group_by_prio
# The built-in scsi_debug device entry says no_path_retry 12 and, as in multipath-tools, a device entry
# beats defaults: only overrides (or per-WWID multipaths entries) win over it.
overrides:
  no_path_retry: fail
multipaths:
  - wwid: ${wwids[0]}
    alias: pk_lun0
  - wwid: ${wwids[1]}
    alias: pk_lun1"
"$PK_PATHKEEPERD" --check-config "$config" || fail "pathkeeperd rejects the test config"

step "pathkeeperd builds the maps"
t0=$(now_s)
start_pathkeeperd "$config"
wait_until 60 "4 multipath maps" map_count_is 4
log "4 maps after $(elapsed "$t0" "$(now_s)") s"
dmsetup info -c -o name,uuid,open,segments >&2
dmsetup table >&2
pathctl show topology >&2 || fail "pathctl show topology failed"
pathctl_maps_json >"$PK_OUT/maps.json" || fail "pathctl show maps --json failed"
cat "$PK_OUT/maps.json" >&2

step "each map: name, uuid, paths, group order"
for i in 0 1 2 3; do
    w=${wwids[$i]}
    want_name=$w
    [ "$i" -eq 0 ] && want_name=pk_lun0
    [ "$i" -eq 1 ] && want_name=pk_lun1
    line=$(mpath_maps | awk -v u="mpath-$w" '$2 == u')
    [ -n "$line" ] || fail "no map with uuid mpath-$w; maps: $(mpath_maps)"
    name=${line%% *}
    [ "$name" = "$want_name" ] || fail "map for $w is named $name, expected $want_name"
    grep -q "\"$name\"" "$PK_OUT/maps.json" || fail "pathctl show maps --json does not list $name"
    groups=$(map_groups "$name")
    [ "$(echo "$groups" | wc -l)" -eq 2 ] || fail "$name: expected 2 path groups (group_by_prio), got: $groups"
    first=$(echo "$groups" | head -1)
    optimized=
    for d in $(scsi_disks); do
        [ "$(disk_wwid "$d")" = "$w" ] || continue
        [ "$(cat /sys/block/$d/device/access_state)" = active/optimized ] && optimized=$(cat /sys/block/$d/dev)
    done
    [ "$first" = "$optimized" ] || fail "$name: first group is '$first', expected the optimized path $optimized"
    # no_path_retry: fail means I/O fails when the last path is gone, so the kernel must not be queueing. dm
    # prints the table's features from the map's current flags, so this also sees queue_if_no_path messages.
    features=$(dmsetup table "$name" | awk '{ f = ""; for (i = 5; i < 5 + $4; i++) f = f " " $i; print f }')
    [[ "$features" != *queue_if_no_path* ]] ||
        fail "$name: no_path_retry is fail but the kernel queues I/O when no path is left (features:$features)"
    # udev's dm rules own the names: /dev/mapper/NAME is their symlink (a device node there would be
    # libdevmapper's fallback, invisible to the udev database), and the by-id link points at the same device.
    wait_until 30 "udev's /dev/mapper/$name symlink" test -L "/dev/mapper/$name"
    wait_until 30 "/dev/disk/by-id/dm-uuid-mpath-$w" test -L "/dev/disk/by-id/dm-uuid-mpath-$w"
    [ "$(readlink -f "/dev/mapper/$name")" = "$(readlink -f "/dev/disk/by-id/dm-uuid-mpath-$w")" ] ||
        fail "$name: /dev/mapper -> $(readlink -f "/dev/mapper/$name") but by-id -> $(readlink -f "/dev/disk/by-id/dm-uuid-mpath-$w")"
    log "map $name uuid mpath-$w, 2 groups, optimized path $optimized first, not queueing, /dev/mapper/$name -> $(readlink "/dev/mapper/$name")"
done

step "SIGTERM leaves the maps in place"
stop_pathkeeperd TERM
[ "$(map_count)" -eq 4 ] || fail "maps were removed at shutdown: $(mpath_maps)"
log "pathkeeperd scsi_debug maps passed"

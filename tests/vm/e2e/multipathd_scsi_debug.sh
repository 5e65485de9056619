#!/bin/bash
# Reference run with Debian's multipathd on scsi_debug: 4 maps, uuid mpath-<ID_SERIAL>, 2 paths each; a path set
# offline via sysfs is failed by the checker and reinstated when set running again. Shows what pathkeeperd must match.
. "$(dirname "$0")/../guest/lib.sh"

load_multipath_modules
start_udev
scsi_debug_setup
wait_for_disks 8

step "multipathd builds the maps"
t0=$(now_s)
start_multipathd "    polling_interval 5"
wait_until 120 "4 multipath maps" map_count_is 4
log "4 maps after $(elapsed "$t0" "$(now_s)") s"
multipath -ll >&2 || true
dmsetup table --target multipath >&2

step "each map: uuid mpath-<ID_SERIAL>, 2 paths, both with that WWID"
for w in $(disk_wwids); do
    line=$(mpath_maps | awk -v u="mpath-$w" '$2 == u')
    [ -n "$line" ] || fail "no map with uuid mpath-$w; maps: $(mpath_maps)"
    name=${line%% *}
    paths=$(dmsetup table "$name" | grep -o '[0-9]*:[0-9]*' | sort -u | wc -l)
    [ "$paths" -eq 2 ] || fail "map $name has $paths paths, expected 2"
    log "map $name uuid mpath-$w with 2 paths"
done

step "a path set offline is failed, set running is reinstated"
disk=$(grep -l 'active/optimized' /sys/block/sd*/device/access_state | head -1 | cut -d/ -f4) || true
t0=$(now_s)
echo offline >"/sys/block/$disk/device/state"
wait_until 60 "dm to fail $disk" dm_path_is "$disk" F
log "multipathd failed $disk $(elapsed "$t0" "$(now_s)") s after it went offline"
t0=$(now_s)
echo running >"/sys/block/$disk/device/state"
wait_until 60 "dm to reinstate $disk" dm_path_is "$disk" A
log "multipathd reinstated $disk $(elapsed "$t0" "$(now_s)") s after it came back"
stop_multipathd
log "multipathd reference on scsi_debug passed"

#!/bin/bash
# pathkeeperd follows a path set offline via sysfs (dm status F, daemon shows it failed) and reinstates it when set
# running again; prints both delays.
. "$(dirname "$0")/../guest/lib.sh"
require_pathkeeperd "${1:-}"

load_multipath_modules
start_udev
scsi_debug_setup add_host=2 vpd_use_hostno=0 num_tgts=1 max_luns=1 dev_size_mb=16
wait_for_disks 2
start_system_dbus
config=/etc/pathkeeper/pathkeeper.yaml
write_pathkeeper_config "$config" "defaults:
  polling_interval: 2s
  find_multipaths: greedy
  path_grouping_policy: group_by_prio"
start_pathkeeperd "$config"
wait_until 60 "one multipath map" map_count_is 1
disk=$(grep -l 'active/optimized' /sys/block/sd*/device/access_state | head -1 | cut -d/ -f4) || true
wait_until 30 "$disk active in dm" dm_path_is "$disk" A
pathctl show topology >&2

step "$disk goes offline"
t0=$(now_s)
echo offline >"/sys/block/$disk/device/state"
wait_until 30 "dm to fail $disk" dm_path_is "$disk" F
t_dm=$(now_s)
wait_until 30 "pathctl to show $disk failed" topology_shows_failed "$disk"
log "dm failed $disk $(elapsed "$t0" "$t_dm") s after it went offline; pathctl showed it after $(elapsed "$t0" "$(now_s)") s"
pathctl show topology >&2
dmsetup status >&2

step "$disk runs again"
t0=$(now_s)
echo running >"/sys/block/$disk/device/state"
wait_until 30 "dm to reinstate $disk" dm_path_is "$disk" A
t_dm=$(now_s)
wait_until 30 "pathctl to show $disk active" topology_shows_active "$disk"
log "dm reinstated $disk $(elapsed "$t0" "$t_dm") s after it came back"
pathctl show topology >&2
echo "offline-to-failed and running-to-reinstated measured above" >/dev/null
log "pathkeeperd path offline/online passed"

#!/bin/bash
# pathctl watch against the real daemon: a path set offline via sysfs produces a watch line within 1 s of dm
# failing it (kernel log "Failing path"), and another line within 1 s of dm reinstating it. Prints both delays.
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
devno=$(<"/sys/block/$disk/dev")
wait_until 30 "$disk active in dm" dm_path_is "$disk" A

# Every watch line, prefixed with the uptime (dmesg's clock) at which it was read.
watch_log=$PK_OUT/watch.log
: >"$watch_log"
(pathctl watch 2>&1 | while IFS= read -r line; do printf '%s %s\n' "$(now_s)" "$line"; done >>"$watch_log") &
PK_PIDS+=($!)
sleep 2
# watch_line_after T WORD: uptime of the first watch line at or after T that names the disk and WORD.
watch_line_after() {
    awk -v t="$1" -v d="$disk" -v w="$2" '$1 + 0 >= t + 0 && index($0, d) && tolower($0) ~ w { print $1; exit }' "$watch_log"
}
has_watch_line() { [ -n "$(watch_line_after "$1" "$2")" ]; }

step "$disk goes offline"
t0=$(now_s)
echo offline >"/sys/block/$disk/device/state"
wait_until 30 "dm to fail $disk" dm_path_is "$disk" F
wait_until 10 "a watch line for $disk failing" has_watch_line "$t0" '-> (failed|faulty|down|offline)'
k_fail=$(kernel_time "Failing path $devno" "$t0")
w_fail=$(watch_line_after "$t0" '-> (failed|faulty|down|offline)')
d_fail=$(awk -v a="$k_fail" -v b="$w_fail" 'BEGIN { printf "%.2f", b - a }')
log "dm failed $devno at $k_fail, watch line at $w_fail: delay $d_fail s"

step "$disk runs again"
t1=$(now_s)
echo running >"/sys/block/$disk/device/state"
wait_until 30 "dm to reinstate $disk" dm_path_is "$disk" A
wait_until 10 "a watch line for $disk reinstated" has_watch_line "$t1" '-> (active|ready|up)'
k_back=$(kernel_time "Reinstating path $devno" "$t1")
w_back=$(watch_line_after "$t1" '-> (active|ready|up)')
d_back=$(awk -v a="$k_back" -v b="$w_back" 'BEGIN { printf "%.2f", b - a }')
log "dm reinstated $devno at $k_back, watch line at $w_back: delay $d_back s"
log "watch output:"
cat "$watch_log" >&2
kill -0 "$PK_PATHKEEPERD_PID" || fail "pathkeeperd died"
log "RESULT: watch line $d_fail s after dm failed the path, $d_back s after dm reinstated it"
awk -v a="$d_fail" -v b="$d_back" 'BEGIN { exit !(a < 1.0 && b < 1.0 && a > -1 && b > -1) }' ||
    fail "a watch line came later than 1 s after the kernel event (fail $d_fail s, reinstate $d_back s)"

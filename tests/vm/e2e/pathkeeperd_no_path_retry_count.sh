#!/bin/bash
# no_path_retry: N: both cables pulled under write load. dm queues I/O for N polling
# intervals, then the daemon sends fail_if_no_path (the live table loses queue_if_no_path), logs a clear line
# and publishes the change (pathctl watch); when one cable returns, its path is reinstated and queueing is
# restored. Application errors are expected once queueing stops, so the prober's error count is only printed.
# Usage: pathkeeperd_no_path_retry_count.sh BUILD_DIR
. "$(dirname "$0")/../guest/lib.sh"
require_pathkeeperd "${1:-}"
require_prober "${1:-}"
retries=3
interval_s=2
expected_s=$((retries * interval_s))

load_multipath_modules
start_udev
san_setup --tuned
start_system_dbus
config=/etc/pathkeeper/pathkeeper.yaml
write_pathkeeper_config "$config" "defaults:
  find_multipaths: \"on\"
  polling_interval: ${interval_s}s
# The built-in rule for tgt (IET VIRTUAL-DISK) sets no_path_retry 12, and a device rule wins over defaults.
overrides:
  no_path_retry: $retries"

step "pathkeeperd builds the map (no_path_retry $retries, polling_interval ${interval_s}s)"
start_pathkeeperd "$config"
start_timed_daemon_log
wait_until 60 "one map with 2 paths" map_count_is 1
map=$(mpath_maps | awk '{ print $1 }')
disk_a=$(cable_disk a)
disk_b=$(cable_disk b)
wait_until 30 "$disk_a active" dm_path_is "$disk_a" A
wait_until 30 "$disk_b active" dm_path_is "$disk_b" A
map_queues "$map" || fail "no_path_retry $retries: the table should start with queue_if_no_path: $(dmsetup table "$map")"
[ "$(map_json "$map" no_path_retry)" = "$retries" ] || fail "pathctl shows no_path_retry '$(map_json "$map" no_path_retry)'"
watch_log=$PK_OUT/watch.log
start_watch_log "$watch_log"

# last_path_recovery_tmo: session (the default): the last path's session gets back the node record's
# replacement_timeout (5 s, --tuned), not a fixed 120 s. A 120 s timeout there kept the prober's one
# outstanding write blocked for 2 minutes when both cables went, whatever no_path_retry said.
session_of_disk() { readlink -f "/sys/block/$1/device" | grep -o 'session[0-9]*' | head -n 1; }
recovery_tmo_of() { cat "/sys/class/iscsi_session/$(session_of_disk "$1")/recovery_tmo"; }
recovery_tmo_is() { [ "$(recovery_tmo_of "$1")" = "$2" ]; }
both_recovery_tmo_are() { recovery_tmo_is "$disk_a" "$1" && recovery_tmo_is "$disk_b" "$1"; }
step "one cable pulled: the last path's session gets its own replacement_timeout (5 s) back"
wait_until 10 "both sessions at fast_io_fail (0 s)" both_recovery_tmo_are 0
pull_cable a
wait_until 40 "dm to fail $disk_a" dm_path_is "$disk_a" F
wait_until 10 "$disk_b's session recovery_tmo to be 5 s" recovery_tmo_is "$disk_b" 5
log "$disk_b is the last path: its session's recovery_tmo is $(recovery_tmo_of "$disk_b") s"
restore_cable a
wait_until 60 "dm to reinstate $disk_a" dm_path_is "$disk_a" A
wait_until 10 "both sessions back at 0 s" both_recovery_tmo_are 0

step "both cables pulled: queueing for $retries checks, then off"
result=$PK_OUT/prober-no-path-retry.json
start_prober "/dev/mapper/$map" 180 "$result"
sleep 3
# The countdown as pathctl shows it: every answer that has queueing_ends_at, with the wall clock of the call.
countdown_log=$PK_OUT/queueing-ends-at.txt
(while :; do
    ends_at=$(map_json "$map" queueing_ends_at)
    [ "$ends_at" = null ] || [ -z "$ends_at" ] || echo "$(date +%s) $ends_at"
    sleep 0.3
done) >"$countdown_log" 2>/dev/null &
PK_PIDS+=($!)
countdown_pid=$!
t_pull=$(now_s)
kmsg_mark "pulling both cables"
pull_cable a
pull_cable b
wait_until 40 "dm to fail $disk_a" dm_path_is "$disk_a" F
wait_until 40 "dm to fail $disk_b" dm_path_is "$disk_b" F
t_failed=$(now_s)
log "dm failed both paths $(elapsed "$t_pull" "$t_failed") s after the pull; table: $(dmsetup table "$map")"
wait_until 30 "the daemon to log that no usable path is left" has_timed_log_after "$t_pull" 'no usable path left'
t_nopath=$(timed_log_after "$t_pull" 'no usable path left')
wait_until 60 "queue_if_no_path to be switched off" map_fails_io "$map"
t_off=$(now_s)
log "queueing switched off $(elapsed "$t_nopath" "$t_off") s after the daemon saw no usable path" \
    "($(elapsed "$t_failed" "$t_off") s after dm had failed both paths; expected ${expected_s} s)"
log "  dmsetup table:  $(dmsetup table "$map")"
log "  dmsetup status: $(dmsetup status "$map")"
wait_until 10 "the daemon's log line about it" has_timed_log_after "$t_pull" "queued I/O now fails"
kill "$countdown_pid" 2>/dev/null || true
log "pathctl's queueing_ends_at during the countdown (call time, deadline): $(head -n 3 "$countdown_log" | tr '\n' ' ')"
[ -s "$countdown_log" ] || fail "pathctl never showed queueing_ends_at while the map counted down"
awk -v e="$expected_s" '{ left = $2 - $1; if (left < -1 || left > e + 1) bad = 1 } END { exit bad }' "$countdown_log" ||
    fail "queueing_ends_at is not within ${expected_s} s of the calls: $(cat "$countdown_log")"
[ "$(map_json "$map" queueing_ends_at)" = null ] || fail "queueing_ends_at still set after queueing stopped"
t_logline=$(timed_log_after "$t_pull" "queued I/O now fails")
log "daemon: $(grep -m1 'queued I/O now fails' "$PK_OUT/pathkeeperd.log")"
watch_map_line_after() { awk -v t="$1" -v m="$map" '$1 + 0 >= t + 0 && /map_changed/ && index($0, m) { print $1; exit }' "$watch_log"; }
has_watch_map_line_after() { [ -n "$(watch_map_line_after "$1")" ]; }
# The daemon's log and the watch are stamped by two readers whose order is not the daemon's: the window
# opens halfway between "no usable path" (and its own map events) and the switch-off.
t_window=$(awk -v t="$t_nopath" -v e="$expected_s" 'BEGIN { printf "%.2f", t + e / 2 }')
wait_until 30 "a pathctl watch map event after queueing stopped" has_watch_map_line_after "$t_window"
[ "$(map_json "$map" queueing)" = false ] || fail "pathctl still reports $map as queueing: $(pathctl show maps --json)"
for d in "$disk_a" "$disk_b"; do
    [ "$(path_json "$d" dm_state)" = failed ] || fail "pathctl shows $d dm_state '$(path_json "$d" dm_state)'"
done
off_after=$(elapsed "$t_nopath" "$t_logline")
awk -v s="$off_after" -v e="$expected_s" 'BEGIN { exit !(s >= e - 0.5) }' ||
    fail "queueing stopped after ${off_after} s, before $retries polling intervals (${expected_s} s)"
awk -v s="$off_after" -v e="$expected_s" 'BEGIN { exit !(s <= e + 10) }' ||
    fail "queueing stopped only after ${off_after} s (no_path_retry $retries x ${interval_s}s = ${expected_s} s)"
sleep 3
map_fails_io "$map" || fail "queue_if_no_path came back while no path had returned: $(dmsetup table "$map")"
errors_while_off=$(prober_error_lines "$result")

step "cable-a back: path reinstated, queueing restored"
t_restore=$(now_s)
kmsg_mark "restoring cable-a"
restore_cable a
wait_until 60 "dm to reinstate $disk_a" dm_path_is "$disk_a" A
t_active=$(now_s)
wait_until 20 "queue_if_no_path to be restored" map_queues "$map"
t_queue=$(now_s)
wait_until 10 "the daemon's log line about it" has_timed_log_after "$t_restore" "queue_if_no_path restored"
# The daemon's own log times (same clock): the polling above lags behind under TCG load.
t_queue_log=$(timed_log_after "$t_restore" "queue_if_no_path restored")
t_login_log=$(timed_log_after "$t_restore" "iSCSI session state .* -> LOGGED_IN")
wait_until 30 "a pathctl watch map event after the restore" has_watch_map_line_after "$t_restore"
[[ "$(map_json "$map" features)" == *queue_if_no_path* ]] ||
    fail "pathctl does not show queue_if_no_path in the features after the restore"
[ "$(map_json "$map" queueing)" = false ] || fail "a path carries I/O, yet pathctl reports $map as queueing"
log "path $disk_a active $(elapsed "$t_restore" "$t_active") s after the cable returned;" \
    "queue_if_no_path back $(elapsed "$t_restore" "$t_queue") s after it; table: $(dmsetup table "$map")"
writes_now=$(map_writes "$map")
writes_moved() { [ "$(map_writes "$map")" -gt "$writes_now" ]; }
wait_until 30 "writes to go through $disk_a" writes_moved
restore_cable b
wait_until 60 "dm to reinstate $disk_b" dm_path_is "$disk_b" A
kill -INT "$PK_PROBER_PID" 2>/dev/null || true
wait_prober "$result" || true
log "watch output:"
cat "$watch_log" >&2
pathctl show topology >&2 || true
figures="no_path_retry ${retries} x polling_interval ${interval_s}s: dm failed both paths $(elapsed "$t_pull" "$t_failed")s after the pull; queueing stopped ${off_after}s after the daemon saw no usable path (expected ${expected_s}s); prober write-error lines while queueing was off: ${errors_while_off}; path back $(elapsed "$t_restore" "$t_active")s and queue_if_no_path restored $(elapsed "$t_restore" "$t_queue_log")s after one cable returned (daemon log; $(elapsed "$t_login_log" "$t_queue_log")s after its session logged in); prober errors $(json_field "$result" errors), mismatches $(json_field "$result" mismatches)"
echo "$figures" >"$PK_OUT/figures.txt"
log "RESULT: $figures"
kill -0 "$PK_PATHKEEPERD_PID" || fail "pathkeeperd died"
log "no_path_retry count passed"

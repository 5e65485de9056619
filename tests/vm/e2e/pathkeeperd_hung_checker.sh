#!/bin/bash
# A target port that stops answering while its cable stays up: netem drops every packet the target
# sends on the busy cable, so TEST UNIT READY on that path hangs until the iSCSI session gives up (stock
# noop 5 s + 5 s, then recovery_tmo). Meanwhile the checks of the other path must keep their 1 s schedule (read
# from the daemon's timestamped debug log), `pathctl show paths` must keep answering quickly (latency printed;
# more than 3 s would mean the event loop is blocked), and the prober must see zero errors and zero mismatches.
# After the qdisc is removed the path returns.
# Usage: pathkeeperd_hung_checker.sh BUILD_DIR
. "$(dirname "$0")/../guest/lib.sh"
require_pathkeeperd "${1:-}"
require_prober "${1:-}"
silent_s=25
max_check_gap_s=4
max_pathctl_ms=3000

load_multipath_modules
start_udev
san_setup
start_system_dbus
config=/etc/pathkeeper/pathkeeper.yaml
# fast_io_fail 10s keeps the dead session's commands (the checker's TUR among them) blocked for 10 s after
# open-iscsi gives up on the connection (itself 5 s + 5 s after the target went silent): a checker that hangs
# for about 20 s. checker_timeout stays at its default (30 s): a shorter SCSI timeout than open-iscsi's noop
# detection would start SCSI error handling, which can end with the device offlined.
write_pathkeeper_config "$config" "defaults:
  find_multipaths: \"on\"
  polling_interval: 1s
  max_polling_interval: 1s
  fast_io_fail: 10s
  log_level: debug"

step "pathkeeperd builds the map"
start_pathkeeperd "$config"
start_timed_daemon_log
wait_until 60 "one map with 2 paths" map_count_is 1
map=$(mpath_maps | awk '{ print $1 }')
wait_until 30 "cable-a path active" dm_path_is "$(cable_disk a)" A
wait_until 30 "cable-b path active" dm_path_is "$(cable_disk b)" A

step "target port stops answering under write load"
result=$PK_OUT/prober-hung-checker.json
start_prober "/dev/mapper/$map" $((silent_s + 150)) "$result"
sleep 3
cable=$(busy_cable)
other=$([ "$cable" = a ] && echo b || echo a)
disk=$(cable_disk "$cable")
other_disk=$(cable_disk "$other")
log "silencing the target behind cable-$cable ($disk); $other_disk keeps working"
t_silent=$(now_s)
blackhole_cable "$cable"
latencies=()
failed_seen=
while awk -v a="$t_silent" -v b="$(now_s)" -v d="$silent_s" 'BEGIN { exit !(b - a < d) }'; do
    ms=$(pathctl_ms show paths) || fail "pathctl show paths failed while $disk hung"
    latencies+=("$ms")
    [ "$ms" -le "$max_pathctl_ms" ] || fail "pathctl show paths took ${ms} ms while $disk's checker hung"
    [ -n "$failed_seen" ] || ! dm_path_is "$disk" F || failed_seen=$(now_s)
    sleep 0.5
done
t_end=$(now_s)
max_ms=$(printf '%s\n' "${latencies[@]}" | sort -n | tail -1)
median_ms=$(printf '%s\n' "${latencies[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
log "pathctl show paths: ${#latencies[@]} calls, median ${median_ms} ms, max ${max_ms} ms"
[ -n "$failed_seen" ] || fail "dm never failed $disk while its target was silent for ${silent_s} s"
log "dm failed $disk $(elapsed "$t_silent" "$failed_seen") s after the target went silent"
log "session of $disk: $(session_state "$disk" 2>/dev/null || echo '?')"

# Check times of the other path (and of the silent one, for the report) from the timestamped debug log.
check_times() { awk -v a="$1" -v b="$2" -v d="$3" '$1 + 0 >= a + 0 && $1 + 0 <= b + 0 && index($0, "[debug]: " d ": ") && /checker|tur|timed out|transport|error/ { print $1 }' "$PK_TIMED_LOG"; }
max_gap() { awk -v a="$1" -v b="$2" 'NR == 1 { g = $1 - a } NR > 1 && $1 - p > g { g = $1 - p } { p = $1 } END { if (NR == 0) g = b - a; else if (b - p > g) g = b - p; printf "%.2f", g }'; }
other_checks=$(check_times "$t_silent" "$t_end" "$other_disk" | wc -l)
other_gap=$(check_times "$t_silent" "$t_end" "$other_disk" | max_gap "$t_silent" "$t_end")
silent_checks=$(check_times "$t_silent" "$t_end" "$disk" | wc -l)
silent_gap=$(check_times "$t_silent" "$t_end" "$disk" | max_gap "$t_silent" "$t_end")
log "checks in the ${silent_s} s: $other_disk $other_checks (longest gap ${other_gap} s)," \
    "$disk $silent_checks (longest gap ${silent_gap} s)"
grep -E "\[(debug|notice|warning)\]: $disk: " "$PK_TIMED_LOG" | awk -v a="$t_silent" '$1 + 0 >= a + 0' | head -n 20 >&2 || true
awk -v g="$other_gap" -v m="$max_check_gap_s" 'BEGIN { exit !(g <= m) }' ||
    fail "$other_disk went ${other_gap} s without a check while $disk hung (polling_interval 1 s)"

step "target answers again: the path returns"
t_back=$(now_s)
unblackhole_cable "$cable"
wait_until 120 "dm to reinstate $disk" dm_path_is "$disk" A
t_active=$(now_s)
wait_until 30 "pathctl to show $disk up" path_json_is "$disk" checker_state up
# The daemon's log clock (the polling above lags behind under TCG load).
t_login_log=$(timed_log_after "$t_back" "iSCSI session state .* -> LOGGED_IN")
t_up_log=$(timed_log_after "$t_back" "$disk: path .* -> up")
log "$disk active again $(elapsed "$t_back" "$t_active") s after the qdisc was removed (daemon log:" \
    "session logged in after $(elapsed "$t_back" "$t_login_log") s, path up after $(elapsed "$t_back" "$t_up_log") s)"
sleep 2
kill -INT "$PK_PROBER_PID" 2>/dev/null || true
rc=0
wait_prober "$result" || rc=$?
errors=$(json_field "$result" errors)
mismatches=$(json_field "$result" mismatches)
stall=$(awk -v g="$(json_field "$result" max_gap_ms)" 'BEGIN { printf "%.1f", g / 1000 }')
figures="hung checker: target silent ${silent_s}s; dm failed the path after $(elapsed "$t_silent" "$failed_seen")s; other path checked ${other_checks} times, longest gap ${other_gap}s (limit ${max_check_gap_s}s); silent path checks ${silent_checks}, longest gap ${silent_gap}s; pathctl show paths median ${median_ms} ms, max ${max_ms} ms over ${#latencies[@]} calls; path back $(elapsed "$t_back" "$t_up_log")s after the qdisc went (its session logged in after $(elapsed "$t_back" "$t_login_log")s); longest write stall ${stall}s; write errors ${errors}; mismatches ${mismatches}"
echo "$figures" >"$PK_OUT/figures.txt"
log "RESULT: $figures"
[ "$rc" -eq 0 ] && [ "$errors" = 0 ] && [ "$mismatches" = 0 ] || fail "write errors or mismatches while a checker hung"
kill -0 "$PK_PATHKEEPERD_PID" || fail "pathkeeperd died"
log "hung checker passed"

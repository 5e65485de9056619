#!/bin/bash
# Both cables pulled for 30 s under write load with no_path_retry: queue. Writes must
# block (no progress, no error) while dm queues them (queue_if_no_path kept, requests in flight on the map),
# pathctl must show the outage (map queueing, both paths down and failed in dm), and once the cables are back
# the writes resume with zero errors and zero mismatches on read-back. Prints the stall and recovery figures.
# Then both cables out again with a write blocked in the queue: `pathctl queueing MAP disable` must end it with
# EIO (the time it took is printed).
# Usage: pathkeeperd_all_paths_down_queue.sh BUILD_DIR
. "$(dirname "$0")/../guest/lib.sh"
require_pathkeeperd "${1:-}"
require_prober "${1:-}"
outage_s=30

load_multipath_modules
start_udev
san_setup --tuned
start_system_dbus
config=/etc/pathkeeper/pathkeeper.yaml
write_pathkeeper_config "$config" "defaults:
  find_multipaths: \"on\"
  polling_interval: 2s
# The built-in rule for tgt (IET VIRTUAL-DISK) sets no_path_retry 12, and a device rule wins over defaults.
overrides:
  no_path_retry: queue"

step "pathkeeperd builds the map (no_path_retry queue)"
start_pathkeeperd "$config"
wait_until 60 "one map with 2 paths" map_count_is 1
map=$(mpath_maps | awk '{ print $1 }')
disk_a=$(cable_disk a)
disk_b=$(cable_disk b)
wait_until 30 "$disk_a active" dm_path_is "$disk_a" A
wait_until 30 "$disk_b active" dm_path_is "$disk_b" A
map_queues "$map" || fail "map $map has no queue_if_no_path: $(dmsetup table "$map")"
log "table: $(dmsetup table "$map")"

step "both cables pulled for ${outage_s} s under write load"
result=$PK_OUT/prober-all-paths-down.json
start_prober "/dev/mapper/$map" $((outage_s + 120)) "$result"
sleep 4
[ "$(map_writes "$map")" -gt 0 ] || fail "the prober's writes do not reach $map"
t_pull=$(now_s)
kmsg_mark "pulling both cables"
pull_cable a
pull_cable b
wait_until 40 "dm to fail $disk_a" dm_path_is "$disk_a" F
wait_until 40 "dm to fail $disk_b" dm_path_is "$disk_b" F
t_failed=$(now_s)
log "dm failed both paths $(elapsed "$t_pull" "$t_failed") s after the pull"
# Writes already completed are done; from here on nothing may complete, and nothing may fail.
sleep 2
writes_before=$(map_writes "$map")
errors_before=$(prober_error_lines "$result")

log "during the outage:"
log "  dmsetup table:  $(dmsetup table "$map")"
log "  dmsetup status: $(dmsetup status "$map")"
# dm requeues a request it cannot map every 100 ms, so "in flight" is sampled; the writer itself must sit in
# uninterruptible sleep (D), waiting for its write.
inflight=0 writer_states=
for _ in 1 2 3 4 5; do
    n=$(map_inflight "$map")
    [ "$n" -le "$inflight" ] || inflight=$n
    writer_states+=$(awk '{ print $3 }' "/proc/$PK_PROBER_PID/stat" 2>/dev/null || echo '?')
    sleep 0.2
done
log "  requests in flight on $(map_dm_dev "$map"): up to $inflight; writer process states: $writer_states"
pathctl show topology >&2 || true
map_queues "$map" || fail "queue_if_no_path was switched off during the outage: $(dmsetup table "$map")"
[[ "$writer_states" == *D* ]] || fail "the writer is not blocked in a write (states $writer_states)"
[ "$(map_json "$map" queueing)" = true ] || fail "pathctl does not report $map as queueing: $(pathctl show maps --json)"
for d in "$disk_a" "$disk_b"; do
    state=$(path_json "$d" checker_state)
    dm_state=$(path_json "$d" dm_state)
    log "  pathctl: $d checker_state $state, dm_state $dm_state"
    [[ "$state" =~ ^(down|shaky)$ ]] || fail "pathctl shows $d as '$state' while its cable is out"
    [ "$dm_state" = failed ] || fail "pathctl shows $d dm_state '$dm_state' while dm has it failed"
done
kill -0 "$PK_PROBER_PID" 2>/dev/null || fail "the prober exited during the outage (it should block)"

remaining=$(awk -v a="$t_pull" -v b="$(now_s)" -v d="$outage_s" 'BEGIN { r = d - (b - a); print (r > 0 ? r : 0) }')
sleep "$remaining"
writes_after=$(map_writes "$map")
errors_after=$(prober_error_lines "$result")
log "writes completed on $map while both paths were down: $((writes_after - writes_before))" \
    "(over $(elapsed "$t_failed" "$(now_s)") s); prober error lines: $((errors_after - errors_before))"
[ "$writes_after" -eq "$writes_before" ] || fail "writes completed with no path (queueing is not holding them)"
[ "$errors_after" -eq 0 ] || fail "the prober saw write errors during the outage: $(cat "$result.err")"
map_queues "$map" || fail "queue_if_no_path was switched off at the end of the outage"

step "cables back: queued writes complete"
t_restore=$(now_s)
kmsg_mark "restoring both cables"
restore_cable a
restore_cable b
writes_moved() { [ "$(map_writes "$map")" -gt "$writes_after" ]; }
wait_until 90 "writes to resume on $map" writes_moved
t_resumed=$(now_s)
wait_until 60 "dm to reinstate $disk_a" dm_path_is "$disk_a" A
wait_until 60 "dm to reinstate $disk_b" dm_path_is "$disk_b" A
t_both=$(now_s)
log "writes resumed $(elapsed "$t_restore" "$t_resumed") s after the cables returned;" \
    "both paths active after $(elapsed "$t_restore" "$t_both") s"
# "queueing" is I/O held now; the policy stays on: the features keep queue_if_no_path.
[ "$(map_json "$map" queueing)" = false ] || fail "I/O flows again, yet pathctl reports $map as queueing"
[[ "$(map_json "$map" features)" == *queue_if_no_path* ]] ||
    fail "no_path_retry queue: pathctl should still show queue_if_no_path in the features"
map_queues "$map" || fail "queue_if_no_path lost after the outage"
sleep 3
kill -INT "$PK_PROBER_PID" 2>/dev/null || true
rc=0
wait_prober "$result" || rc=$?
stall=$(awk -v g="$(json_field "$result" max_gap_ms)" 'BEGIN { printf "%.1f", g / 1000 }')
errors=$(json_field "$result" errors)
mismatches=$(json_field "$result" mismatches)
pathctl show topology >&2 || true
figures="all paths down, no_path_retry queue: outage $(elapsed "$t_pull" "$t_restore")s (planned ${outage_s}s); dm failed both paths after $(elapsed "$t_pull" "$t_failed")s; longest write stall ${stall}s; writes resumed $(elapsed "$t_restore" "$t_resumed")s after the cables returned; both paths active after $(elapsed "$t_restore" "$t_both")s; write errors ${errors}; mismatches ${mismatches}; verified $(json_field "$result" verified)"
echo "$figures" >"$PK_OUT/figures.txt"
log "RESULT: $figures"
[ "$rc" -eq 0 ] && [ "$errors" = 0 ] && [ "$mismatches" = 0 ] || fail "data lost or write errors"
awk -v s="$stall" -v d="$outage_s" 'BEGIN { exit !(s >= d - 5) }' ||
    fail "the longest stall (${stall}s) is shorter than the outage: writes did not block"
# The kernel refuses recovery_tmo while a session is down: the daemon must not retry the write (and log a
# warning) at every tick of the outage.
refused=$(grep -c 'setting recovery_tmo failed' "$PK_OUT/pathkeeperd.log" || true)
log "recovery_tmo writes refused during the outage: $refused"
[ "$refused" -le 4 ] || fail "the daemon retried recovery_tmo $refused times while the sessions were down"
kill -0 "$PK_PATHKEEPERD_PID" || fail "pathkeeperd died"

step "the admin ends a queue: pathctl queueing disable fails the blocked write"
pull_cable a
pull_cable b
wait_until 40 "dm to fail $disk_a" dm_path_is "$disk_a" F
wait_until 40 "dm to fail $disk_b" dm_path_is "$disk_b" F
dd if=/dev/zero of="/dev/mapper/$map" bs=4k count=1 oflag=direct 2>"$PK_OUT/dd-queued.err" &
dd_pid=$!
sleep 2
kill -0 "$dd_pid" 2>/dev/null || fail "the write did not block on the queueing map: $(cat "$PK_OUT/dd-queued.err")"
t_disable=$(now_s)
pathctl queueing "$map" disable >&2 || fail "pathctl queueing $map disable failed"
dd_rc=0
wait "$dd_pid" || dd_rc=$?
t_eio=$(now_s)
log "the blocked write ended $(elapsed "$t_disable" "$t_eio") s after queueing disable (dd exit $dd_rc: $(tail -n 1 "$PK_OUT/dd-queued.err"))"
[ "$dd_rc" -ne 0 ] || fail "the queued write succeeded with no path"
grep -q "Input/output error" "$PK_OUT/dd-queued.err" || fail "the queued write did not fail with EIO: $(cat "$PK_OUT/dd-queued.err")"
map_queues "$map" && fail "queue_if_no_path still set after queueing disable: $(dmsetup table "$map")"
[ "$(map_json "$map" no_path_retry)" = fail ] || fail "pathctl does not show no_path_retry fail: $(pathctl show maps --json)"
echo "queueing disable: blocked write failed with EIO after $(elapsed "$t_disable" "$t_eio")s" >>"$PK_OUT/figures.txt"
log "all paths down with no_path_retry queue passed"

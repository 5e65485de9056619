#!/bin/bash
# Flapping cable under write load: the cable carrying the writes goes down and
# up again and again. Zero write errors and zero mismatches; after a few flaps flap damping holds the path out
# (pathctl: checker_state shaky, dm: failed) while the other path carries the writes; once the flapping stops,
# the path returns within a bounded wait. Prints how many flaps, how often dm reinstated the path during the
# flapping and how long it was held out.
#
# Each outage lasts FLAP_DOWN_S (default 5 s): open-iscsi only notices a dead link after noop_out_interval +
# noop_out_timeout (2 s + 2 s here), so a shorter outage is ridden out by TCP retransmission and never reaches
# SCSI or dm at all (the writes just pause). The cable is up for FLAP_UP_S (default 5 s) in between: open-iscsi
# takes up to about 3 s to log in again, and the path must come back before it can flap again.
# Usage: pathkeeperd_flapping_cable.sh BUILD_DIR
. "$(dirname "$0")/../guest/lib.sh"
require_pathkeeperd "${1:-}"
require_prober "${1:-}"
flaps=${FLAP_COUNT:-6}
down_s=${FLAP_DOWN_S:-5}
up_s=${FLAP_UP_S:-5}
hold_s=10

load_multipath_modules
start_udev
san_setup --tuned
start_system_dbus
config=/etc/pathkeeper/pathkeeper.yaml
write_pathkeeper_config "$config" "defaults:
  find_multipaths: \"on\"
  polling_interval: 2s
  flap_window: 30s
  flap_threshold: 2
  flap_hold_time: ${hold_s}s
  flap_hold_max: 1m"

step "pathkeeperd builds the map"
start_pathkeeperd "$config"
start_timed_daemon_log
wait_until 60 "one map with 2 paths" map_count_is 1
map=$(mpath_maps | awk '{ print $1 }')
wait_until 30 "cable-a path active" dm_path_is "$(cable_disk a)" A
wait_until 30 "cable-b path active" dm_path_is "$(cable_disk b)" A

step "cable flapping under write load: $flaps x (${down_s} s down, ${up_s} s up)"
result=$PK_OUT/prober-flapping.json
start_prober "/dev/mapper/$map" $((flaps * (down_s + up_s) + 150)) "$result"
sleep 3
cable=$(busy_cable)
other=$([ "$cable" = a ] && echo b || echo a)
disk=$(cable_disk "$cable")
other_disk=$(cable_disk "$other")
devno=$(<"/sys/block/$disk/dev")
log "flapping cable-$cable ($disk, $devno); cable-$other ($other_disk) stays up"
t_start=$(now_s)
kmsg_mark "flapping starts"
t_first_held=
held_dm_failed=no
other_writes_while_held=0
# sample_for SECONDS: watches the flapping path until SECONDS have passed: the first time pathctl shows it held
# out (shaky), whether dm has it failed then, and whether the other path completes writes meanwhile.
last_state=
sample_for() {
    local until_s w0
    until_s=$(awk -v n="$(now_s)" -v d="$1" 'BEGIN { print n + d }')
    while awk -v u="$until_s" -v n="$(now_s)" 'BEGIN { exit !(n < u) }'; do
        last_state=$(path_json "$disk" checker_state)
        if [ "$last_state" = shaky ]; then
            [ -n "$t_first_held" ] || { t_first_held=$(now_s) && log "$disk held out (shaky)"; }
            # Once is enough: each sample costs process start-ups, slow under TCG.
            if [ "$held_dm_failed" = no ] && dm_path_is "$disk" F; then
                held_dm_failed=yes
                w0=$(disk_writes "$other_disk")
                sleep 0.5
                other_writes_while_held=$(($(disk_writes "$other_disk") - w0))
                log "held out: dm has $disk failed; $other_disk completed $other_writes_while_held writes in 0.5 s"
            fi
        fi
        sleep 0.2
    done
}
for i in $(seq 1 "$flaps"); do
    pull_cable "$cable"
    sample_for "$down_s"
    t_last_restore=$(now_s)
    restore_cable "$cable"
    sample_for "$up_s"
    log "flap $i/$flaps: $disk checker_state $last_state"
done
t_stop=$(now_s)
kmsg_mark "flapping stops"
log "flapping over after $(elapsed "$t_start" "$t_stop") s"
# dm reinstated the path this often while the cable flapped (each one lets I/O onto a cable about to die).
reinstated=$(dmesg | awk -v a="$(kernel_time 'pk-e2e: flapping starts')" -v b="$(kernel_time 'pk-e2e: flapping stops')" \
    -v p="Reinstating path $devno." 'index($0, p) { t = $0; sub(/^\[ */, "", t); sub(/\].*/, "", t); if (t >= a && t <= b) n++ } END { print n + 0 }')
failed=$(dmesg | awk -v a="$(kernel_time 'pk-e2e: flapping starts')" -v b="$(kernel_time 'pk-e2e: flapping stops')" \
    -v p="Failing path $devno." 'index($0, p) { t = $0; sub(/^\[ */, "", t); sub(/\].*/, "", t); if (t >= a && t <= b) n++ } END { print n + 0 }')
log "during the flapping dm failed $disk $failed times and reinstated it $reinstated times"
pathctl show paths --json | jq -c '.paths[] | {devnode, checker_state, dm_state}' >&2 || true
[ -n "$t_first_held" ] || fail "$disk was never held out (checker_state shaky) although its cable flapped $flaps times"
[ "$held_dm_failed" = yes ] || fail "pathctl showed $disk held out but dm still had it active"
[ "$other_writes_while_held" -gt 0 ] || fail "no writes went through $other_disk while $disk was held out"
[ "$reinstated" -lt "$flaps" ] || fail "dm reinstated $disk $reinstated times in $flaps flaps: it was never held out"

step "flapping over: the path returns after its hold"
back_in_service() { [ "$(path_json "$disk" checker_state)" = up ] && dm_path_is "$disk" A; }
wait_until 90 "$disk back in service (checker up, dm active)" back_in_service
t_back=$(now_s)
# The daemon's log clock for the figures (the polling lags behind under TCG load): first held out, back up.
t_held_log=$(timed_log_after "$t_start" "$disk: path .* -> shaky")
t_back_log=$(awk -v t="$t_last_restore" -v re="$disk: path .* -> up" '$1 + 0 >= t + 0 && $0 ~ re { v = $1 } END { print v }' "$PK_TIMED_LOG")
[ -n "$t_back_log" ] || t_back_log=$t_back
log "$disk back $(elapsed "$t_last_restore" "$t_back_log") s after the cable was plugged in for good;" \
    "held out from $t_held_log to $t_back_log ($(elapsed "$t_held_log" "$t_back_log") s)"
sleep 2
kill -INT "$PK_PROBER_PID" 2>/dev/null || true
rc=0
wait_prober "$result" || rc=$?
errors=$(json_field "$result" errors)
mismatches=$(json_field "$result" mismatches)
stall=$(awk -v g="$(json_field "$result" max_gap_ms)" 'BEGIN { printf "%.1f", g / 1000 }')
grep -E "$disk: path .* -> (shaky|down|up)" "$PK_OUT/pathkeeperd.log" | tail -n 30 >&2 || true
figures="flapping cable: $flaps flaps of ${down_s}s down/${up_s}s up; dm failed the path $failed times and reinstated it $reinstated times during the flapping; held out (shaky) $(elapsed "$t_start" "$t_held_log")s after the flapping began; back $(elapsed "$t_last_restore" "$t_back_log")s after the last restore (held out $(elapsed "$t_held_log" "$t_back_log")s in all; flapping lasted $(elapsed "$t_start" "$t_last_restore")s); longest write stall ${stall}s; write errors ${errors}; mismatches ${mismatches}"
echo "$figures" >"$PK_OUT/figures.txt"
log "RESULT: $figures"
[ "$rc" -eq 0 ] && [ "$errors" = 0 ] && [ "$mismatches" = 0 ] || fail "write errors or mismatches during the flapping"
kill -0 "$PK_PATHKEEPERD_PID" || fail "pathkeeperd died"
log "flapping cable passed"

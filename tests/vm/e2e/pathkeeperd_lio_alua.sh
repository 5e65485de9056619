#!/bin/bash
# pathkeeperd follows ALUA on a LIO iSCSI target: one LUN through two portals on two cables, each portal in its own
# ALUA target port group (implicit ALUA). Checks:
#   1. the map has hardware handler "1 alua" and two path groups (group_by_prio), the optimized path's group first
#      and active; pathctl reports ALUA states and priorities 50/10;
#   2. under prober write load the target makes the other port group optimized: the daemon regroups and that
#      path's group becomes the active one; the delay from the state change to the switch is printed (a figure:
#      the goal is one check interval, see the end); zero write errors, zero mismatches;
#   3. a port group put in standby shows as a ghost path.
# Usage: pathkeeperd_lio_alua.sh BUILD_DIR
. "$(dirname "$0")/../guest/lib.sh"
require_pathkeeperd "${1:-}"
require_prober "${1:-}"
polling_interval_s=5 # the shipped default; "one check interval" below

load_multipath_modules
start_udev
lio_setup
start_system_dbus
disk_a=$(lio_disk pg_a)
disk_b=$(lio_disk pg_b)
[ -n "$disk_a" ] && [ -n "$disk_b" ] || fail "expected one disk per portal, got '$disk_a' and '$disk_b'"
devno_a=$(<"/sys/block/$disk_a/dev")
devno_b=$(<"/sys/block/$disk_b/dev")

step "what the kernel reports"
for d in "$disk_a" "$disk_b"; do
    log "$d: $(cat "/sys/block/$d/device/vendor") $(cat "/sys/block/$d/device/model")," \
        "handler $(cat "/sys/block/$d/device/dh_state"), access_state $(cat "/sys/block/$d/device/access_state")"
done
sg_rtpg --decode "/dev/$disk_a" >&2 || log "sg_rtpg failed"
[ "$(cat "/sys/block/$disk_a/device/access_state")" = active/optimized ] || fail "$disk_a is not active/optimized"
[ "$(cat "/sys/block/$disk_b/device/access_state")" = active/non-optimized ] ||
    fail "$disk_b is not active/non-optimized"

config=/etc/pathkeeper/pathkeeper.yaml
write_pathkeeper_config "$config" "defaults:
  polling_interval: ${polling_interval_s}s
  max_polling_interval: ${polling_interval_s}s
  find_multipaths: \"on\"
  user_friendly_names: no
overrides:
  path_grouping_policy: group_by_prio
  prio: alua
  hardware_handler: alua
  failback: immediate
  no_path_retry: queue"
"$PK_PATHKEEPERD" --check-config "$config" || fail "pathkeeperd rejects the test config"

# The devices (maj:min) of the path group dm currently marks active, from `dmsetup status`.
active_group() {
    dmsetup status "$1" | awk '{
        i = 4; i += $i + 1;          # features
        i += $i + 1;                 # hardware handler
        groups = $i; i += 2          # number of groups, next group
        for (g = 0; g < groups; g++) {
            state = $i; i++
            i += $i + 1              # selector status args
            paths = $i; info = $(i + 1); i += 2
            line = ""
            for (p = 0; p < paths; p++) { line = line (p ? " " : "") $i; i += 3 + info }
            if (state == "A") print line
        }
    }'
}
# Predicate: dm's active path group is exactly DEVNO.
active_group_is() { [ "$(active_group "$1")" = "$2" ]; }
# The hardware handler field of the map's table ("1 alua").
table_handler() { dmsetup table "$1" | awk '{ i = 4; i += $i + 1; h = $i; for (k = 1; k <= $i; k++) h = h " " $(i + k); print h }'; }
# pathctl's view of one path: "alua_state priority".
path_view() {
    pathctl show paths --json | jq -r --arg d "$1" \
        '.paths[] | select(.devnode == $d or .devnode == ("/dev/" + $d)) | "\(.alua_state) \(.priority)"'
}
# pathctl's view of the map's active group: "priority path,path".
active_group_view() {
    pathctl show maps --json | jq -r '.maps[0] as $m | $m.groups[] | select(.index == $m.active_group) |
        "\(.priority) \(.paths | map(tostring) | join(","))"'
}
expect_active_group_view() {
    local disk=$1 got
    got=$(active_group_view)
    [[ "$got" =~ ^50\ (/dev/)?$disk$ ]] || fail "pathctl shows the active group as '$got', expected priority 50 with $disk"
    log "pathctl: active group: $got"
}
expect_path_view() {
    local disk=$1 want=$2 got
    got=$(path_view "$disk")
    [ "$got" = "$want" ] || fail "pathctl shows $disk as '$got', expected '$want'"
    log "pathctl: $disk $got"
}

step "pathkeeperd builds the map: alua handler, optimized group first"
start_pathkeeperd "$config"
start_timed_daemon_log
wait_until 60 "one map" map_count_is 1
map=$(mpath_maps | awk '{ print $1 }')
wait_until 30 "$disk_a active in dm" dm_path_is "$disk_a" A
wait_until 30 "$disk_b active in dm" dm_path_is "$disk_b" A
dmsetup table "$map" >&2
[ "$(table_handler "$map")" = "1 alua" ] || fail "hardware handler is '$(table_handler "$map")', expected '1 alua'"
groups=$(map_groups "$map")
[ "$(echo "$groups" | wc -l)" -eq 2 ] || fail "expected 2 path groups, got: $groups"
[ "$(echo "$groups" | head -1)" = "$devno_a" ] || fail "first group is '$(echo "$groups" | head -1)', expected $disk_a ($devno_a)"

prober_out=$PK_OUT/prober-alua.json
start_prober "/dev/mapper/$map" 300 "$prober_out"
wait_until 30 "$disk_a's group to carry the I/O" active_group_is "$map" "$devno_a"
dmsetup status "$map" >&2
expect_path_view "$disk_a" "active/optimized 50"
expect_path_view "$disk_b" "active/non-optimized 10"
expect_active_group_view "$disk_a"
pathctl show topology >&2
writes_b=$(disk_writes "$disk_b")
sleep 2
[ "$(disk_writes "$disk_b")" -eq "$writes_b" ] || fail "the non-optimized path $disk_b carries writes"

step "the target makes pg_b optimized under write load"
kmsg_mark "ALUA swap"
t_change=$(now_s)
( # what the kernel shows, every 0.2 s for 10 s (diagnostics for the log)
    for _ in $(seq 50); do
        read -r up _ </proc/uptime
        echo "$up $disk_a=$(cat "/sys/block/$disk_a/device/access_state") $disk_b=$(cat "/sys/block/$disk_b/device/access_state")" \
            >>"$PK_OUT/access-states.log"
        sleep 0.2
    done
) &
lio_set_alua_state pg_b 0
lio_set_alua_state pg_a 1
wait_until 60 "$disk_b's group to become the active one" active_group_is "$map" "$devno_b"
t_switch=$(now_s)
delay=$(elapsed "$t_change" "$t_switch")
log "dm switched to $disk_b's group $delay s after the state change"
log "the daemon meanwhile:"
awk -v t="$t_change" '$1 + 0 >= t + 0' "$PK_TIMED_LOG" >&2
k_mark=$(kernel_time "pk-e2e: ALUA swap")
k_ua=$(kernel_time "Asymmetric access state changed" "${k_mark:-0}")
[ -z "$k_mark" ] || [ -z "$k_ua" ] ||
    log "kernel log: the first unit attention arrived $(elapsed "$k_mark" "$k_ua") s after the state change"
dmsetup table "$map" >&2
dmsetup status "$map" >&2
log "kernel: $disk_a $(cat "/sys/block/$disk_a/device/access_state")," \
    "$disk_b $(cat "/sys/block/$disk_b/device/access_state")"
grep -E 'ALUA|switched|reload' "$PK_OUT/pathkeeperd.log" | tail -n 12 >&2 || true
expect_path_view "$disk_b" "active/optimized 50"
expect_path_view "$disk_a" "active/non-optimized 10"
expect_active_group_view "$disk_b"
pathctl show topology >&2
writes_a=$(disk_writes "$disk_a")
sleep 2
[ "$(disk_writes "$disk_a")" -eq "$writes_a" ] || fail "the now non-optimized path $disk_a still carries writes"

step "standby: pg_a's path is a ghost"
lio_set_alua_state pg_a 2
path_is_ghost() { [[ "$(topology_line "$disk_a" | tr 'A-Z' 'a-z')" == *ghost* ]]; }
wait_until 30 "pathctl to show $disk_a as ghost" path_is_ghost
expect_path_view "$disk_a" "standby 1"
topology_line "$disk_a" >&2
active_group_is "$map" "$devno_b" || fail "the optimized group lost the I/O when the other went standby"

kill -INT "$PK_PROBER_PID" 2>/dev/null || true
wait_prober "$prober_out" || fail "the prober saw write errors or data mismatches"
errors=$(json_field "$prober_out" errors)
mismatches=$(json_field "$prober_out" mismatches)
[ "$errors" = 0 ] && [ "$mismatches" = 0 ] || fail "prober: $errors errors, $mismatches mismatches"
echo "pathkeeperd ALUA: switched to the newly optimized group ${delay}s after the state change" \
    "(polling_interval ${polling_interval_s}s); prober errors $errors, mismatches $mismatches" >"$PK_OUT/figures.txt"
# The delay is a figure, not a pass/fail limit (under TCG it moves with the host's load). On 2026-12-01 it was
# 4.6-5.2 s in 4 of 5 runs while the first path's SDEV_UA uevent made the daemon reload the map from that path's
# new state beside its sibling's old one, and again a moment later: two suspends under write load. Since the
# daemon reads every ALUA path on such a uevent, the swap is one switch_group: 0.8 and 1.8 s in the next runs.
awk -v d="$delay" -v p="$polling_interval_s" 'BEGIN { exit !(d <= p) }' ||
    log "NOTE: the daemon followed the ALUA change after $delay s, more than one check interval (${polling_interval_s} s)"
log "RESULT: ALUA switch after $delay s (polling_interval ${polling_interval_s} s); prober errors $errors, mismatches $mismatches"
log "pathkeeperd LIO ALUA passed"

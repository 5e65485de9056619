#!/bin/bash
# pathkeeperd when dm and the disks change behind its back, on scsi_debug (2 hosts x 4 LUNs):
# (a) a map removed with `dmsetup remove` is dropped from `pathctl show maps`, its paths shown unmapped, without
#     errors; it is not created again while its paths are checked for several intervals; a change uevent of one
#     of its paths creates it again;
# (b) with the daemon stopped (SIGSTOP) and a small udev receive buffer, a burst of uevents overflows the
#     monitor socket while one LUN's paths are deleted and a new LUN appears; after SIGCONT the daemon logs the
#     loss, enumerates again, and its maps and paths equal what sysfs and dm say.
. "$(dirname "$0")/../guest/lib.sh"
require_pathkeeperd "${1:-}"

load_multipath_modules
start_udev
scsi_debug_setup
wait_for_disks 8
start_system_dbus

config=/etc/pathkeeper/pathkeeper.yaml
write_pathkeeper_config "$config" "defaults:
  polling_interval: 1s
  find_multipaths: greedy
  user_friendly_names: no
overrides:
  no_path_retry: fail"
# The smallest buffer the daemon takes (the kernel doubles it): a handful of uevents overflow it.
start_pathkeeperd "$config" --udev-buffer-size 4096
start_timed_daemon_log
wait_until 60 "4 multipath maps" map_count_is 4
mapfile -t wwids < <(disk_wwids)

disks_of_wwid() {
    local d
    for d in $(scsi_disks); do [ "$(disk_wwid "$d")" = "$1" ] && echo "$d"; done
    return 0
}
daemon_shows_map() { pathctl_maps_json | jq -e --arg m "$1" '.maps[] | select(.name == $m)' >/dev/null; }
path_unmapped() { local m; m=$(path_json "$1" map); [ -z "$m" ] || [ "$m" = null ]; }
log_lines() { grep -c "$1" "$PK_OUT/pathkeeperd.log" || true; }

step "(a) dmsetup remove behind the daemon's back"
victim=${wwids[0]}
mapfile -t victim_disks < <(disks_of_wwid "$victim")
errors_before=$(log_lines 'pathkeeperd\[error\]')
warnings_before=$(log_lines 'pathkeeperd\[warning\]')
t0=$(now_s)
dmsetup remove --retry "$victim" || fail "dmsetup remove $victim failed"
wait_until 20 "the daemon notices" has_timed_log_after "$t0" "map is gone from device-mapper"
t_drop=$(elapsed "$t0" "$(timed_log_after "$t0" "map is gone from device-mapper")")
wait_until 20 "pathctl no longer shows $victim" eval '! daemon_shows_map "$victim"'
for d in "${victim_disks[@]}"; do
    wait_until 10 "$d shown unmapped" path_unmapped "$d"
done
log "map $victim dropped $t_drop s after dmsetup remove (daemon log); paths ${victim_disks[*]} shown unmapped"
pathctl show topology >&2 || true
step "not created again by itself over 6 check intervals"
sleep 6
[ -z "$(mpath_maps | awk -v u="mpath-$victim" '$2 == u')" ] || fail "the daemon created $victim again by itself"
daemon_shows_map "$victim" && fail "pathctl shows $victim again without a path event"
errors=$(($(log_lines 'pathkeeperd\[error\]') - errors_before))
warnings=$(($(log_lines 'pathkeeperd\[warning\]') - warnings_before))
grep -E 'pathkeeperd\[(error|warning)\]' "$PK_OUT/pathkeeperd.log" | tail -n "$((warnings + errors))" >&2 || true
[ "$errors" -eq 0 ] || fail "$errors error line(s) after the map was removed"
[ "$warnings" -le 2 ] || fail "$warnings warning lines after the map was removed (expected the one drop notice)"
log "still absent after 6 s; $errors error(s), $warnings warning(s) logged"
step "a change uevent of one of its paths creates it again"
t0=$(now_s)
udevadm trigger --action=change "/sys/block/${victim_disks[0]}"
wait_until 30 "$victim back in dm" eval '[ -n "$(mpath_maps | awk -v u="mpath-$victim" '"'"'$2 == u'"'"')" ]'
wait_until 10 "pathctl shows $victim" daemon_shows_map "$victim"
for d in "${victim_disks[@]}"; do
    wait_until 10 "$d in $victim" eval '[ "$(map_of_disk "$d")" = "$victim" ]'
done
t_create=$(elapsed "$t0" "$(timed_log_after "$t0" "created map for WWID $victim")")
log "map $victim created again with ${victim_disks[*]} $t_create s after the change uevent (daemon log)"

step "(b) overflow the udev monitor while the daemon is stopped"
gone=${wwids[1]}
mapfile -t gone_disks < <(disks_of_wwid "$gone")
kill -STOP "$PK_PATHKEEPERD_PID"
t_stop=$(now_s)
# The rescan first: it would find a deleted LUN again.
echo 5 >/sys/bus/pseudo/drivers/scsi_debug/max_luns
scsi_debug_rescan
for d in "${gone_disks[@]}"; do echo 1 >"/sys/block/$d/device/delete"; done
udevadm trigger --action=change --subsystem-match=block --sysname-match='sd*'
wait_for_disks 8 180
log "deleted ${gone_disks[*]}, added a fifth LUN, a change uevent for every disk; stopped for $(elapsed "$t_stop" "$(now_s)") s"
t0=$(now_s)
kill -CONT "$PK_PATHKEEPERD_PID"

# The true topology: one map per WWID of the disks present, holding exactly those disks, and the daemon showing
# exactly those maps and disks (one pathctl call each: they are slow under TCG).
converged() {
    local w d want have
    [ "$(map_count)" -eq "$(disk_wwids | wc -l)" ] || return 1
    for w in $(disk_wwids); do
        want=$(for d in $(disks_of_wwid "$w"); do cat "/sys/block/$d/dev"; done | sort | tr '\n' ' ')
        have=$(dmsetup table "$w" 2>/dev/null | grep -o '[0-9]*:[0-9]*' | sort | tr '\n' ' ')
        [ "$want" = "$have" ] || return 1
    done
    want=$(for d in $(scsi_disks); do echo "$d $(disk_wwid "$d")"; done)
    have=$(pathctl show paths --json 2>/dev/null | jq -r '.paths[] | "\(.devnode) \(.map)"' | sort)
    [ "$want" = "$have" ] || return 1
    [ "$(pathctl_maps_json | jq -r '.maps[].name' | sort)" = "$(disk_wwids)" ]
}
wait_until 60 "the daemon logs the lost uevents" has_timed_log_after "$t0" "uevents were lost"
wait_until 90 "maps and paths equal sysfs and dm" converged
new_wwid=$(disk_wwid "$(scsi_disks | tail -1)")
log "after SIGCONT: overflow logged at $(elapsed "$t0" "$(timed_log_after "$t0" "uevents were lost")") s," \
    "re-enumerated at $(elapsed "$t0" "$(timed_log_after "$t0" "re-enumerated")") s, new LUN's map created at" \
    "$(elapsed "$t0" "$(timed_log_after "$t0" "created map for WWID $new_wwid")") s (daemon log);" \
    "convergence confirmed by the test at $(elapsed "$t0" "$(now_s)") s"
grep -E 'overflowed|re-enumerated' "$PK_OUT/pathkeeperd.log" >&2
mpath_maps >&2
pathctl show topology >&2 || true
[ -z "$(mpath_maps | awk -v u="mpath-$gone" '$2 == u')" ] || fail "the map of the deleted LUN is still there"
log "pathkeeperd lost events passed"

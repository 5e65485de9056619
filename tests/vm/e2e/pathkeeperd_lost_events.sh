#!/bin/bash
# pathkeeperd when dm and the disks change behind its back, on scsi_debug (2 hosts x 2 LUNs):
# (a) a map removed with `dmsetup remove` is dropped from `pathctl show maps`, its paths shown unmapped, without
#     errors; it is not created again while its paths are checked for several intervals; a change uevent of one
#     of its paths creates it again;
# (b) with the daemon stopped (SIGSTOP) and a small udev receive buffer, a burst of uevents overflows the
#     monitor socket while one LUN's paths are deleted and a new LUN appears; after SIGCONT the daemon logs the
#     loss, enumerates again, and its maps and paths equal what sysfs and dm say.
# Every check of the whole topology is one pass: sysfs and udev's database read by the shell, one dmsetup call,
# one pathctl call (process start-up under TCG costs far more than the daemon's own work).
. "$(dirname "$0")/../guest/lib.sh"
require_pathkeeperd "${1:-}"

# SCSI disks as sysfs and udev's database show them, read without forking: DISK_DEVT[sdX]=maj:min and
# DISK_WWID[sdX]=ID_SERIAL (empty while udev has not named it yet).
declare -A DISK_DEVT=() DISK_WWID=()
read_disks() {
    DISK_DEVT=()
    DISK_WWID=()
    local p d devt line
    for p in /sys/block/sd*; do
        d=${p##*/}
        read -r devt 2>/dev/null <"$p/dev" || continue
        DISK_DEVT[$d]=$devt
        DISK_WWID[$d]=
        [ -r "/run/udev/data/b$devt" ] || continue
        while IFS= read -r line; do
            [[ $line != E:ID_SERIAL=* ]] || DISK_WWID[$d]=${line#E:ID_SERIAL=}
        done <"/run/udev/data/b$devt"
    done
}

# The disks of one WWID, in name order (from the last read_disks).
disks_of_wwid() {
    local p
    for p in /sys/block/sd*; do [ "${DISK_WWID[${p##*/}]:-}" != "$1" ] || echo "${p##*/}"; done
}

# True when N disks exist, udev has named each, and udev's event queue is empty (every uevent it took from the
# kernel has been processed and sent to the listeners).
udev_done_with() {
    local d
    read_disks
    [ "${#DISK_DEVT[@]}" -eq "$1" ] || return 1
    for d in "${!DISK_WWID[@]}"; do [ -n "${DISK_WWID[$d]}" ] || return 1; done
    [ ! -e /run/udev/queue ]
}

# cs T: an uptime reading (seconds with decimals) in hundredths of a second, in CS.
cs() {
    local whole=${1%%.*} frac=''
    [[ $1 != *.* ]] || frac=${1#*.}
    frac=${frac}00
    CS=$((10#$whole * 100 + 10#${frac:0:2}))
}

# secs A B: B - A in seconds, one decimal, for two uptime readings (two decimals, as /proc/uptime and now_s give
# them); '?' when one is missing. No fork: under TCG a process costs more than most steps measured here.
secs() {
    if [ -z "$1" ] || [ -z "$2" ]; then
        echo '?'
        return
    fi
    local a d sign=''
    cs "$1"
    a=$CS
    cs "$2"
    d=$((CS - a))
    [ "$d" -ge 0 ] || { sign=-; d=$((-d)); }
    d=$((d + 5))
    echo "$sign$((d / 100)).$((d % 100 / 10))"
}

# daemon_logged T TEXT: true when the timed daemon log has a line containing TEXT read at or after uptime T; its
# uptime is left in LOGGED_AT. Read by the shell, so polling it takes no CPU from udev and the daemon.
daemon_logged() {
    local t up line
    cs "$1"
    t=$CS
    LOGGED_AT=''
    while read -r up line; do
        [[ $line == *"$2"* ]] || continue
        cs "$up"
        [ "$CS" -lt "$t" ] || { LOGGED_AT=$up && return 0; }
    done <"$PK_TIMED_LOG"
    return 1
}
# since T TEXT: seconds from T to the first such line, or '?'.
since() {
    daemon_logged "$1" "$2" || true
    secs "$1" "$LOGGED_AT"
}

# level_lines: LEVEL_LINES = the daemon's error and warning lines so far, ERRORS and WARNINGS their counts.
level_lines() {
    local line
    LEVEL_LINES=() ERRORS=0 WARNINGS=0
    while IFS= read -r line; do
        case $line in
        *'pathkeeperd[error]'*) ERRORS=$((ERRORS + 1)) LEVEL_LINES+=("$line") ;;
        *'pathkeeperd[warning]'*) WARNINGS=$((WARNINGS + 1)) LEVEL_LINES+=("$line") ;;
        esac
    done <"$PK_OUT/pathkeeperd.log"
}

# The daemon's view from the last topology_agrees, for the log (another pathctl call costs seconds under TCG).
show_seen() { printf '%s\n' "$TOPOLOGY_HAVE" >&2; }


load_multipath_modules
start_udev
scsi_debug_setup add_host=2 vpd_use_hostno=0 num_tgts=1 max_luns=2 dev_size_mb=16
wait_until 120 "4 SCSI disks named by udev, udev idle" udev_done_with 4
log "4 SCSI disks ready: ${!DISK_DEVT[*]}"
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

# same_lines A B: true when the newline-separated lists A and B hold the same lines, in any order (no fork).
same_lines() {
    local line n=0 m=0
    local -A want=() have=()
    while IFS= read -r line; do [ -z "$line" ] || { want[$line]=1; n=$((n + 1)); }; done <<<"$1"
    while IFS= read -r line; do
        [ -n "$line" ] || continue
        [ -n "${want[$line]:-}" ] || return 1
        have[$line]=1
        m=$((m + 1))
    done <<<"$2"
    [ "$n" -eq "$m" ] && [ "${#have[@]}" -eq "${#want[@]}" ]
}

# topology_agrees [UNMAPPED_WWID]: the true topology, checked in one pass. In dm: one multipath map per WWID of
# the present disks (except UNMAPPED_WWID), named by it and holding exactly its disks. In the daemon: exactly those
# maps with exactly those disks in their groups, and every present disk as a path with its devt and WWID, in its
# map or (UNMAPPED_WWID's disks) in none. The last expectation and what was seen stay in TOPOLOGY_* for pk_on_fail.
TOPOLOGY_WHAT='' TOPOLOGY_WANT='' TOPOLOGY_HAVE=''
topology_agrees() {
    local unmapped=${1:-} d w name rest token want_dm='' want_daemon='' have_dm=''
    local -A mapped=()
    read_disks
    [ "${#DISK_DEVT[@]}" -gt 0 ] || return 1
    for d in "${!DISK_DEVT[@]}"; do
        w=${DISK_WWID[$d]}
        [ -n "$w" ] || return 1
        if [ "$w" = "$unmapped" ]; then
            want_daemon+="path $d ${DISK_DEVT[$d]} $w -"$'\n'
        else
            mapped[$w]=1
            want_dm+="$w ${DISK_DEVT[$d]}"$'\n'
            want_daemon+="path $d ${DISK_DEVT[$d]} $w $w"$'\n'"member $w $d"$'\n'
        fi
    done
    for w in "${!mapped[@]}"; do
        want_dm+="$w"$'\n'
        want_daemon+="map $w"$'\n'
    done
    # "NAME: 0 SECTORS multipath ... MAJ:MIN ..." per map: its name, then one line per path device.
    while read -r name rest; do
        name=${name%:}
        have_dm+="$name"$'\n'
        for token in $rest; do [[ ! $token =~ ^[0-9]+:[0-9]+$ ]] || have_dm+="$name $token"$'\n'; done
    done <<<"$(dmsetup table --target multipath 2>&1)"
    TOPOLOGY_WHAT=dm TOPOLOGY_WANT=$want_dm TOPOLOGY_HAVE=$have_dm
    same_lines "$want_dm" "$have_dm" || return 1
    TOPOLOGY_WHAT=pathctl TOPOLOGY_WANT=$want_daemon
    TOPOLOGY_HAVE=$(pathctl show topology --json 2>&1 | jq -r '
        (.maps[] | "map \(.name)", (.name as $m | .groups[].paths[] | "member \($m) \(.)")),
        (.paths[] | "path \(.devnode) \(.devt) \(.wwid) \(.map // "-")")' 2>&1)
    same_lines "$want_daemon" "$TOPOLOGY_HAVE"
}
pk_on_fail() {
    [ -n "$TOPOLOGY_WANT" ] || return 0
    echo "last topology check ($TOPOLOGY_WHAT), expected:"
    sort <<<"$TOPOLOGY_WANT"
    echo "seen:"
    sort <<<"$TOPOLOGY_HAVE"
}

wait_until 60 "2 multipath maps equal sysfs in dm and in the daemon" topology_agrees
# No udev rules claim the paths here, so the daemon triggers one change event per path once it has checked it;
# such a path event re-creates a map removed behind its back, so all of them must have arrived before (a).
triggered_change_seen() {
    grep -F "$1: " "$PK_OUT/pathkeeperd.log" |
        awk -v d="$1:" 'index($0, d " not claimed by udev yet") { t = 1 } t && index($0, d " uevent change") { ok = 1 }
            END { exit !ok }'
}
for d in $(scsi_disks); do
    wait_until 60 "the change event the daemon triggered on $d to arrive" triggered_change_seen "$d"
done
mapfile -t wwids < <(printf '%s\n' "${DISK_WWID[@]}" | sort -u)
log "topology agrees: maps ${wwids[*]}"

step "(a) dmsetup remove behind the daemon's back"
victim=${wwids[0]}
mapfile -t victim_disks < <(disks_of_wwid "$victim")
level_lines
errors_before=$ERRORS warnings_before=$WARNINGS
t0=$(now_s)
dmsetup remove --retry "$victim" || fail "dmsetup remove $victim failed"
wait_until 20 "the daemon notices" daemon_logged "$t0" "map is gone from device-mapper"
t_dropped=$LOGGED_AT
wait_until 20 "$victim gone from dm and the daemon, ${victim_disks[*]} unmapped" topology_agrees "$victim"
drop_s=$(secs "$t0" "$t_dropped")
log "map $victim dropped $drop_s s after dmsetup remove (daemon log); paths" \
    "${victim_disks[*]} shown unmapped, confirmed by the test at $(secs "$t0" "$(now_s)") s"
show_seen

step "not created again by itself over 6 check intervals"
# Six polling intervals counted from the drop, not from when the test got round to checking it.
cs "$(now_s)"
rest=$CS
cs "$t_dropped"
rest=$((600 - rest + CS))
[ "$rest" -le 0 ] || sleep "$((rest / 100)).$((rest % 100 / 10))"
topology_agrees "$victim" || fail "$victim is back, or the topology changed, $(secs "$t_dropped" "$(now_s)") s" \
    "after the drop without a path event"
level_lines
errors=$((ERRORS - errors_before))
warnings=$((WARNINGS - warnings_before))
[ "$((errors + warnings))" -eq 0 ] || printf '%s\n' "${LEVEL_LINES[@]: -$((errors + warnings))}" >&2
[ "$errors" -eq 0 ] || fail "$errors error line(s) after the map was removed"
[ "$warnings" -le 2 ] || fail "$warnings warning lines after the map was removed (expected the one drop notice)"
log "still absent $(secs "$t_dropped" "$(now_s)") s after the drop; $errors error(s), $warnings warning(s) logged"

step "a change uevent of one of its paths creates it again"
t0=$(now_s)
echo change >"/sys/block/${victim_disks[0]}/uevent"
wait_until 60 "the daemon to create $victim" daemon_logged "$t0" "created map for WWID $victim"
wait_until 30 "$victim back with ${victim_disks[*]} in dm and the daemon" topology_agrees
t_create=$(since "$t0" "created map for WWID $victim")
log "map $victim created again with ${victim_disks[*]} $t_create s after the change uevent (daemon log)," \
    "confirmed by the test at $(secs "$t0" "$(now_s)") s"

step "(b) overflow the udev monitor while the daemon is stopped"
gone=${wwids[1]}
mapfile -t gone_disks < <(disks_of_wwid "$gone")
kill -STOP "$PK_PATHKEEPERD_PID"
t_stop=$(now_s)
# The rescan first: it would find a deleted LUN again.
echo 3 >/sys/bus/pseudo/drivers/scsi_debug/max_luns
scsi_debug_rescan
for d in "${gone_disks[@]}"; do echo 1 >"/sys/block/$d/device/delete"; done
for d in "${victim_disks[@]}"; do echo change >"/sys/block/$d/uevent"; done
wait_until 180 "udev to name the new LUN's disks and send every uevent" udev_done_with 4
new_wwid=''
for w in "${DISK_WWID[@]}"; do [ "$w" = "$victim" ] || new_wwid=$w; done
if [ -z "$new_wwid" ] || [ "$new_wwid" = "$gone" ]; then fail "no new LUN after the rescan: ${DISK_WWID[*]}"; fi
log "deleted ${gone_disks[*]}, added a third LUN ($new_wwid), a change uevent for ${victim_disks[*]};" \
    "stopped for $(secs "$t_stop" "$(now_s)") s"
t0=$(now_s)
kill -CONT "$PK_PATHKEEPERD_PID"
wait_until 60 "the daemon logs the lost uevents" daemon_logged "$t0" "uevents were lost"
wait_until 60 "the daemon to enumerate again" daemon_logged "$t0" "re-enumerated"
wait_until 60 "the daemon to create the new LUN's map" daemon_logged "$t0" "created map for WWID $new_wwid"
wait_until 90 "maps and paths equal sysfs and dm" topology_agrees
t_converged=$(secs "$t0" "$(now_s)")
t_lost=$(since "$t0" "uevents were lost")
t_enumerated=$(since "$t0" "re-enumerated")
t_new_map=$(since "$t0" "created map for WWID $new_wwid")
log "after SIGCONT: overflow logged at $t_lost s, re-enumerated at $t_enumerated s, new LUN's map created at" \
    "$t_new_map s (daemon log); convergence confirmed by the test at $t_converged s"
grep -E 'overflowed|re-enumerated' "$PK_OUT/pathkeeperd.log" >&2
[ -z "$(dmsetup table "$gone" 2>/dev/null)" ] || fail "the map of the deleted LUN is still there"
show_seen
echo "map dropped after $drop_s s; created again $t_create s after the change uevent;" \
    "after SIGCONT: overflow logged $t_lost s, re-enumerated $t_enumerated s, new map $t_new_map s," \
    "agreement confirmed $t_converged s" >"$PK_OUT/figures.txt"
log "pathkeeperd lost events passed"

#!/bin/bash
# Reliability under churn, on scsi_debug (2 hosts x PK_CHURN_LUNS LUNs, default 6), with the prober
# writing to the map of LUN 0, which stays throughout:
#   1. udev event storm: PK_CHURN_ROUNDS times (default 2) every path of LUNs 1..N-1 is deleted (their maps go,
#      flush_on_last_del) and the hosts are rescanned (the maps come back);
#   2. meanwhile `pathctl reconfigure` calls until the storm is over (at least PK_CHURN_RECONFIGURES, default
#      30), alternating two valid configurations that differ in no_path_retry, so every call reloads every
#      map (the prober's map included) while paths come and go;
#   3. a LUN removed on the target while mapped: scsi_debug's max_luns is lowered, so the last LUN answers
#      LOGICAL UNIT NOT SUPPORTED; both its paths must fail in dm while the other maps are left alone; raised
#      again, its paths are reinstated.
# At the end: every present WWID has exactly one map with both paths and no other mpath map exists, the daemon
# leaks no file descriptor (see daemon_fd_leaks), its RSS did not grow grossly (printed), every reconfigure
# succeeded, and the prober saw zero errors and mismatches.
# Usage: pathkeeperd_churn.sh BUILD_DIR
. "$(dirname "$0")/../guest/lib.sh"
require_pathkeeperd "${1:-}"
require_prober "${1:-}"
luns=${PK_CHURN_LUNS:-6}
rounds=${PK_CHURN_ROUNDS:-2}
# Reconfigure calls go on while the storm lasts, and at least this many in all (PK_CHURN_RECONFIGURES).
min_reconfigures=${PK_CHURN_RECONFIGURES:-30}
max_rss_growth_kib=$((16 * 1024))
# udev under TCG needs about a second per path, so the waits for maps to go and come back grow with the size.
step_timeout=$((120 + 3 * luns))

load_multipath_modules
start_udev
scsi_debug_setup add_host=2 vpd_use_hostno=0 num_tgts=1 max_luns="$luns" dev_size_mb=8
wait_for_disks $((2 * luns)) $((300 + 3 * luns))
start_system_dbus

config=/etc/pathkeeper/pathkeeper.yaml
# churn_config NO_PATH_RETRY
churn_config() {
    write_pathkeeper_config "$config.new" "defaults:
  polling_interval: 2s
  find_multipaths: greedy
  user_friendly_names: no
  flush_on_last_del: yes
overrides:
  no_path_retry: $1"
    mv "$config.new" "$config"
}
# On a failure: what dm, udev and the daemon's threads were doing (a stuck map or worker shows here).
pk_on_fail() {
    log "dmsetup info:"
    dmsetup info -c
    log "udev queue: $(udevadm settle --timeout=0 >/dev/null 2>&1 && echo empty || echo busy)"
    local t
    for t in /proc/"$PK_PATHKEEPERD_PID"/task/*; do
        log "daemon thread $(basename "$t") $(cat "$t/comm"): wchan $(cat "$t/wchan" 2>/dev/null)"
        cat "$t/stack" 2>/dev/null | head -n 8
    done
    ps -eo pid,stat,wchan:24,args | grep -E 'udev|blkid|dmsetup|pathkeeper' | grep -v grep
}
churn_config fail
start_pathkeeperd "$config"
wait_until "$step_timeout" "$luns multipath maps" map_count_is "$luns"

# disks_of_lun LUN: the sdX whose SCSI address (H:C:T:L) ends in LUN. One glob and no subprocess: the storm
# loop asks this once per LUN, and a fork per disk made deleting 126 paths take 700 s at 64 LUNs under TCG.
disks_of_lun() {
    local addr d
    for addr in /sys/block/sd*/device/scsi_device/*:*; do
        [ -e "$addr" ] && [ "${addr##*:}" = "$1" ] || continue
        d=${addr#/sys/block/}
        echo "${d%%/*}"
    done
    return 0
}
mapfile -t lun0_disks < <(disks_of_lun 0)
stable_disk=${lun0_disks[0]:-}
[ -n "$stable_disk" ] || fail "no path of LUN 0 among $(scsi_disks | tr "\n" " ")"
stable_wwid=$(disk_wwid "$stable_disk")
[ -n "$stable_wwid" ] || fail "no WWID for LUN 0 ($stable_disk)"
stable_map=$(mpath_maps | awk -v u="mpath-$stable_wwid" '$2 == u { print $1 }')
[ -n "$stable_map" ] || fail "no map for LUN 0 ($stable_wwid): $(mpath_maps)"

# The daemon's fds, counted as the fewest of 10 samples 0.2 s apart (printed as a figure). The listing of that
# sample goes to $PK_OUT/fds-$1.txt.
daemon_fds() {
    local best="" n i
    for i in $(seq 10); do
        n=$(ls "/proc/$PK_PATHKEEPERD_PID/fd" | wc -l)
        if [ -z "$best" ] || [ "$n" -lt "$best" ]; then
            best=$n
            ls -l "/proc/$PK_PATHKEEPERD_PID/fd" | tail -n +2 | awk '{ print $NF }' | sort >"$PK_OUT/fds-$1.txt"
        fi
        sleep 0.2
    done
    echo "$best"
}
# Per-path files: a disk's /dev node (the checker keeps it open) and its SCSI device's state and access_state
# (kept open by the state reads). Which of them are open depends on history, not only on the paths present: a
# path's own state file is first opened when a check of it fails, and stays open while the disk exists. So a
# leak is not "more fds than before" but one of:
#   - an fd whose file is gone or was replaced (a removed disk's, even when a rescan brought the same name
#     back: its inode differs),
#   - one file held twice,
#   - more than 3 per-path files per disk present,
#   - more fds of any other kind (sockets, eventfds, timers, config and state files) than before the storm.
# A check of a removed disk that is still running holds its descriptor until it returns (transient, not a
# leak), so daemon_fd_leaks passes when one of 10 samples 0.2 s apart shows none of these.
is_per_path_file() { case "$1" in /dev/sd* | /sys/devices/*) return 0 ;; esac; return 1; }
# daemon_fd_list: "FD TARGET" per open fd, from one listing (a fork per fd costs seconds under emulation). A
# target may have spaces: "/dev/sdb (deleted)".
daemon_fd_list() {
    ls -l "/proc/$PK_PATHKEEPERD_PID/fd" |
        awk 'NR > 1 { i = index($0, " -> "); n = split(substr($0, 1, i - 1), f, " "); print f[n], substr($0, i + 4) }'
}
other_fds() {
    local fd target n=0
    while read -r fd target; do
        is_per_path_file "$target" || n=$((n + 1))
    done < <(daemon_fd_list)
    echo "$n"
}
# daemon_fd_leaks OTHER_FDS_BEFORE: prints what leaks (nothing when the daemon holds no leaked fd).
daemon_fd_leaks() {
    local i fd target found disks per_path others listing
    for i in $(seq 10); do
        found=""
        per_path=0
        others=0
        listing=$(daemon_fd_list)  # one sample for every test below
        while read -r fd target; do
            if ! is_per_path_file "$target"; then
                others=$((others + 1))
                continue
            fi
            per_path=$((per_path + 1))
            # -ef: the open file and the file at that path now are the same device and inode.
            [ "/proc/$PK_PATHKEEPERD_PID/fd/$fd" -ef "$target" ] ||
                found+="fd $fd holds a file that is gone or replaced: $target"$'\n'
        done <<<"$listing"
        found+=$(cut -d ' ' -f 2- <<<"$listing" | grep -E '^(/dev/sd|/sys/devices/)' | sort | uniq -d |
            sed 's/^/held twice: /')
        disks=$(scsi_disks | wc -l)
        [ "$per_path" -le $((3 * disks)) ] ||
            found+=$'\n'"$per_path per-path files open for $disks disks (at most 3 each)"
        [ "$others" -le "$1" ] || found+=$'\n'"other fds $1 -> $others"
        if [ -z "${found//$'\n'/}" ]; then
            return 0
        fi
        sleep 0.2
    done
    printf '%s\n' "$found"
}
daemon_rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$PK_PATHKEEPERD_PID/status"; }
# Every present WWID has one map holding both its paths, and there is no other mpath map.
maps_match_disks() {
    local want have w name
    want=$(disk_wwids | sed 's/^/mpath-/' | sort)
    have=$(mpath_maps | awk '{ print $2 }' | sort)
    [ "$want" = "$have" ] || return 1
    for w in $(disk_wwids); do
        name=$(mpath_maps | awk -v u="mpath-$w" '$2 == u { print $1 }')
        [ "$(map_groups "$name" | wc -w)" -eq 2 ] || return 1
    done
}
wait_until $((60 + 2 * luns)) "every map to hold both paths" maps_match_disks
udevadm settle --timeout=60 || true
sleep 4
fds_before=$(daemon_fds before)
other_fds_before=$(other_fds)
rss_before=$(daemon_rss_kib)
log "before the storm: $luns maps, daemon fds $fds_before, RSS $rss_before KiB; prober on $stable_map (LUN 0)"

result=$PK_OUT/prober-churn.json
start_prober "/dev/mapper/$stable_map" 1800 "$result"
sleep 2

step "reconfigure calls in the background while LUNs come and go (at least $min_reconfigures)"
reconfigure_log=$PK_OUT/reconfigure.log
storm_over=$PK_OUT/storm-over
(
    failures=0
    i=0
    while [ "$i" -lt "$min_reconfigures" ] || [ ! -e "$storm_over" ]; do
        i=$((i + 1))
        if [ $((i % 2)) -eq 0 ]; then churn_config fail; else churn_config queue; fi
        t_call=$(now_s)
        if ! "$PK_PATHCTL" reconfigure >>"$reconfigure_log" 2>&1; then
            failures=$((failures + 1))
            echo "[$(now_s)] call $i failed after $(elapsed "$t_call" "$(now_s)") s" >>"$reconfigure_log"
        fi
        sleep 0.5
    done
    echo "calls $i" >>"$reconfigure_log"
    echo "failures $failures" >>"$reconfigure_log"
) &
reconfigure_pid=$!

t_storm=$(now_s)
for round in $(seq 1 "$rounds"); do
    removed=0
    for lun in $(seq 1 $((luns - 1))); do
        for d in $(disks_of_lun "$lun"); do
            echo 1 >"/sys/block/$d/device/delete"
            removed=$((removed + 1))
        done
    done
    log "round $round: deleted $removed paths"
    wait_until "$step_timeout" "round $round: only the LUN 0 map left" map_count_is 1
    scsi_debug_rescan
    wait_for_disks $((2 * luns)) $((300 + 3 * luns))
    wait_until "$step_timeout" "round $round: $luns maps again" map_count_is "$luns"
    log "round $round: $luns maps back"
done
t_storm_end=$(now_s)
touch "$storm_over"
wait "$reconfigure_pid" || true
reconfigure_failures=$(awk '/^failures/ { print $2 }' "$reconfigure_log")
reconfigures=$(awk '/^calls/ { print $2 }' "$reconfigure_log")
[ "${reconfigure_failures:-x}" = 0 ] || fail "reconfigure calls failed: ${reconfigure_failures:-none recorded}
$(tail -n 20 "$reconfigure_log")
daemon event-loop stalls: $(grep -c 'event loop held' "$PK_OUT/pathkeeperd.log")
$(grep 'event loop held' "$PK_OUT/pathkeeperd.log" | sort -t' ' -k6 -n | tail -n 5)"
kill -0 "$PK_PATHKEEPERD_PID" || fail "pathkeeperd died during the storm"
all_maps_fail_io() {
    local name
    for name in $(mpath_maps | awk '{ print $1 }'); do map_fails_io "$name" || return 1; done
}
all_maps_queue() {
    local name
    for name in $(mpath_maps | awk '{ print $1 }'); do map_queues "$name" || return 1; done
}
# Every existing map follows a changed no_path_retry, whichever configuration it was created with.
churn_config queue
pathctl reconfigure >/dev/null || fail "the reconfigure to no_path_retry queue failed"
wait_until $((60 + 2 * luns)) "no_path_retry queue in every table" all_maps_queue
churn_config fail
pathctl reconfigure >/dev/null || fail "the final reconfigure failed"
wait_until $((60 + 2 * luns)) "the final configuration (no_path_retry fail) in every table" all_maps_fail_io

step "a LUN removed on the target while mapped"
last_lun=$((luns - 1))
mapfile -t gone_disks < <(disks_of_lun "$last_lun")
[ "${#gone_disks[@]}" -eq 2 ] || fail "LUN $last_lun has ${#gone_disks[@]} paths: ${gone_disks[*]}"
gone_map=$(map_of_disk "${gone_disks[0]}")
[ -n "$gone_map" ] || fail "LUN $last_lun (${gone_disks[*]}) is in no map"
# Each other map's table and its paths' dm states (the status line also carries the selector's in-flight
# counters, which move with the prober's I/O).
snapshot_others() {
    local name
    for name in $(mpath_maps | awk -v g="$gone_map" '$1 != g { print $1 }'); do
        printf '%s table=%s paths=%s\n' "$name" "$(dmsetup table "$name" | md5sum | cut -c1-12)" \
            "$(dmsetup status "$name" | awk '{ for (i = 1; i < NF; i++) if ($i ~ /^[0-9]+:[0-9]+$/) printf "%s=%s,", $i, $(i + 1) }')"
    done
}
others_before=$(snapshot_others)
t_lun=$(now_s)
echo "$last_lun" >/sys/bus/pseudo/drivers/scsi_debug/max_luns
both_failed() { dm_path_is "${gone_disks[0]}" F && dm_path_is "${gone_disks[1]}" F; }
wait_until 30 "both paths of the removed LUN failed in dm" both_failed
t_lun_failed=$(elapsed "$t_lun" "$(now_s)")
log "LUN $last_lun gone on the target: $gone_map's paths ${gone_disks[*]} failed after $t_lun_failed s"
others_after=$(snapshot_others)
[ "$others_before" = "$others_after" ] || fail "other maps changed while LUN $last_lun went away:
before: $others_before
after:  $others_after"
echo "$luns" >/sys/bus/pseudo/drivers/scsi_debug/max_luns
both_active() { dm_path_is "${gone_disks[0]}" A && dm_path_is "${gone_disks[1]}" A; }
wait_until 30 "both paths of the returned LUN active in dm" both_active
t_lun_back=$(elapsed "$t_lun" "$(now_s)")

step "after the storm"
wait_until $((60 + 2 * luns)) "every WWID mapped once with both paths, no stale map" maps_match_disks
udevadm settle --timeout=60 || true
sleep 4
fds_after=$(daemon_fds after)
rss_after=$(daemon_rss_kib)
kill -INT "$PK_PROBER_PID" 2>/dev/null || true
prober_rc=0
wait_prober "$result" || prober_rc=$?
kill -0 "$PK_PATHKEEPERD_PID" || fail "pathkeeperd died"
log "daemon fds $fds_before -> $fds_after, RSS $rss_before -> $rss_after KiB"
fd_leaks=$(daemon_fd_leaks "$other_fds_before")
[ -z "$fd_leaks" ] || fail "the daemon leaks file descriptors after the storm ($fds_before -> $fds_after):" \
    "$fd_leaks"$'\n'"$(diff "$PK_OUT/fds-before.txt" "$PK_OUT/fds-after.txt")"
[ $((rss_after - rss_before)) -le "$max_rss_growth_kib" ] || fail "RSS grew by more than" \
    "$max_rss_growth_kib KiB: $rss_before -> $rss_after KiB"
[ "$prober_rc" -eq 0 ] || fail "the prober on $stable_map saw errors or mismatches"
# A rescanned LUN's unit attention comes before udev has described its disk; taken then, the disk would get
# a WWID from sysfs instead of udev's and be re-identified a moment later.
wwid_changes=$(grep -c "WWID changed" "$PK_OUT/pathkeeperd.log" || true)
[ "$wwid_changes" -eq 0 ] || fail "$wwid_changes disks changed WWID (taken before udev described them):" \
    "$(grep -m 5 "WWID changed" "$PK_OUT/pathkeeperd.log")"
longest_stall_ms=$(awk '/event loop held for/ { ms = $6; if (ms > max) max = ms } END { print max + 0 }' \
    "$PK_OUT/pathkeeperd.log")
figures="$rounds rounds of deleting and rescanning $((2 * (luns - 1))) of $((2 * luns)) paths in $(elapsed "$t_storm" "$t_storm_end") s with $reconfigures reconfigures (0 failed); LUN removed on the target: paths failed after ${t_lun_failed} s, back ${t_lun_back} s after the removal; daemon fds $fds_before -> $fds_after, RSS $rss_before -> $rss_after KiB; longest event-loop stall $longest_stall_ms ms; prober writes $(json_field "$result" writes), errors $(json_field "$result" errors), mismatches $(json_field "$result" mismatches)"
echo "$figures" >"$PK_OUT/figures.txt"
log "RESULT: $figures"

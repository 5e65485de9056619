#!/bin/bash
# More checks hang than the daemon has checker workers, for longer than a check's deadline: three LUNs of the
# target are backed by dm "zero" devices that are suspended for hang_s seconds, so every directio check of
# their six paths blocks in the target (the iSCSI sessions stay up, the SCSI command timeout of those disks is
# long, so no error handling ends the hang). Meanwhile a healthy LUN carries stamped writes. Its paths must
# never be failed in dm, its checks must keep their 1 s schedule (longest gap printed), `pathctl show paths`
# must answer quickly throughout, and the prober must see 0 errors and 0 mismatches. After the hang the hung
# paths return.
# Usage: pathkeeperd_hung_storage.sh BUILD_DIR
. "$(dirname "$0")/../guest/lib.sh"
require_pathkeeperd "${1:-}"
require_prober "${1:-}"
hang_s=15
hung_luns=(2 3 4)
max_check_gap_s=5
# Higher than pathkeeperd_hung_checker's 3 s: this guest runs eight disks, four maps, the prober and a target with
# hung LUNs under TCG, where pathctl is slow even with the daemon idle. An event loop blocked behind the hung
# checks would exceed it by far.
max_pathctl_ms=5000

# The SCSI LUN number of a disk (H:C:T:L).
disk_lun() { basename "$(readlink -f "/sys/block/$1/device")" | awk -F: '{ print $4 }'; }
disks_of_lun() {
    local d
    for d in $(iscsi_disks); do
        [ "$(disk_lun "$d")" = "$1" ] && echo "$d"
    done
    return 0
}

load_multipath_modules
start_udev
san_setup
start_system_dbus

step "three more LUNs, backed by devices that can be made to hang"
for n in "${hung_luns[@]}"; do
    dmsetup create "pk-hang-$n" --table "0 32768 zero"
    ip netns exec san tgtadm --lld iscsi --op new --mode logicalunit --tid 1 --lun "$n" \
        -b "/dev/mapper/pk-hang-$n" --bsoflags direct
done
iscsiadm -m session --rescan >/dev/null
wait_for_disks $((2 + 2 * ${#hung_luns[@]})) 60
healthy_disks=$(disks_of_lun 1 | xargs)
hung_disks=$(for n in "${hung_luns[@]}"; do disks_of_lun "$n"; done | xargs)
log "healthy LUN 1: $healthy_disks; LUNs ${hung_luns[*]} (to hang): $hung_disks"
for d in $hung_disks; do
    echo 600 >"/sys/block/$d/device/timeout"  # no SCSI error handling during the hang
done

config=/etc/pathkeeper/pathkeeper.yaml
# checker_timeout 3 s: a hung check is past its deadline (timeout + the pool's grace, or timeout + one polling
# interval in the engine) long before the hang ends.
write_pathkeeper_config "$config" "defaults:
  find_multipaths: \"on\"
  polling_interval: 1s
  max_polling_interval: 1s
  path_checker: directio
  checker_timeout: 3s
  log_level: debug"

step "pathkeeperd builds the maps"
start_pathkeeperd "$config"
start_timed_daemon_log
wait_until 90 "four maps" map_count_is $((1 + ${#hung_luns[@]}))
for d in $healthy_disks $hung_disks; do
    wait_until 30 "$d active" dm_path_is "$d" A
done
map=$(map_of_disk "${healthy_disks%% *}")
log "healthy map $map"

step "the storage of ${#hung_luns[@]} LUNs hangs for ${hang_s} s under write load on the healthy one"
result=$PK_OUT/prober-hung-storage.json
start_prober "/dev/mapper/$map" $((hang_s + 120)) "$result"
sleep 3
t_hang=$(now_s)
for n in "${hung_luns[@]}"; do
    dmsetup suspend "pk-hang-$n"
done
log "backing devices of LUNs ${hung_luns[*]} suspended"
# pathctl is timed in a loop of its own, so its samples cover the whole hang however slow the dm polling is.
latency_file=$PK_OUT/pathctl-latency.txt
: >"$latency_file"
(
    while [ ! -e "$PK_OUT/hang-over" ]; do
        if ms=$(pathctl_ms show paths); then echo "$ms ok"; else echo "$ms failed"; fi
        sleep 0.5
    done >>"$latency_file"
) &
latency_pid=$!
healthy_failed=
hung_failed=0
while awk -v a="$t_hang" -v b="$(now_s)" -v d="$hang_s" 'BEGIN { exit !(b - a < d) }'; do
    for d in $healthy_disks; do
        [[ "$healthy_failed" == *" $d@"* ]] || ! dm_path_is "$d" F ||
            healthy_failed+=" $d@$(elapsed "$t_hang" "$(now_s)")s"
    done
    sleep 0.5
done
t_end=$(now_s)
touch "$PK_OUT/hang-over"
wait "$latency_pid" || true
status_text=$(pathctl status 2>&1 || true)
log "pathctl status at the end of the hang:
$status_text"
for d in $hung_disks; do
    dm_path_is "$d" F && hung_failed=$((hung_failed + 1))
done
# The daemon's own word too, in case dm polling (seconds per round under TCG) missed a short failure.
for d in $healthy_disks; do
    t_down=$(timed_log_after "$t_hang" ": $d: path .* -> down")
    [ -z "$t_down" ] || [[ "$healthy_failed" == *" $d@"* ]] || healthy_failed+=" $d@$(elapsed "$t_hang" "$t_down")s"
done
mapfile -t latencies < <(awk '{ print $1 }' "$latency_file")
pathctl_failed=$(grep -c ' failed$' "$latency_file" || true)
max_ms=$(printf '%s\n' "${latencies[@]}" | sort -n | tail -1)
median_ms=$(printf '%s\n' "${latencies[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')

# Check times of the healthy paths from the timestamped debug log.
check_times() { awk -v a="$1" -v b="$2" -v d="$3" '$1 + 0 >= a + 0 && $1 + 0 <= b + 0 && index($0, "[debug]: " d ": ") && /checker|timed out|hung|error/ { print $1 }' "$PK_TIMED_LOG"; }
max_gap() { awk -v a="$1" -v b="$2" 'NR == 1 { g = $1 - a } NR > 1 && $1 - p > g { g = $1 - p } { p = $1 } END { if (NR == 0) g = b - a; else if (b - p > g) g = b - p; printf "%.2f", g }'; }
worst_gap=0
healthy_checks=0
for d in $healthy_disks; do
    n=$(check_times "$t_hang" "$t_end" "$d" | wc -l)
    gap=$(check_times "$t_hang" "$t_end" "$d" | max_gap "$t_hang" "$t_end")
    log "$d: $n checks in the ${hang_s} s, longest gap ${gap} s"
    healthy_checks=$((healthy_checks + n))
    worst_gap=$(awk -v a="$worst_gap" -v b="$gap" 'BEGIN { print (b > a) ? b : a }')
done
grep -E "did not answer|timed out|still hung|fail_path" "$PK_TIMED_LOG" | awk -v a="$t_hang" '$1 + 0 >= a + 0' |
    head -n 20 >&2 || true

step "the storage answers again: the hung paths return"
t_back=$(now_s)
for n in "${hung_luns[@]}"; do
    dmsetup resume "pk-hang-$n"
done
for d in $hung_disks; do
    wait_until 120 "dm to reinstate $d" dm_path_is "$d" A
done
log "hung paths active again $(elapsed "$t_back" "$(now_s)") s after the storage answered"
sleep 2
kill -INT "$PK_PROBER_PID" 2>/dev/null || true
rc=0
wait_prober "$result" || rc=$?
errors=$(json_field "$result" errors)
mismatches=$(json_field "$result" mismatches)
stall=$(awk -v g="$(json_field "$result" max_gap_ms)" 'BEGIN { printf "%.1f", g / 1000 }')
figures="hung storage: ${#hung_luns[@]} LUNs (6 paths, 4 checker workers) hung ${hang_s}s, checker_timeout 3s; healthy paths failed in dm:${healthy_failed:- none}; healthy checks ${healthy_checks}, longest gap ${worst_gap}s (limit ${max_check_gap_s}s); hung paths failed by the end ${hung_failed}/$(echo "$hung_disks" | wc -w); pathctl show paths median ${median_ms} ms, max ${max_ms} ms over ${#latencies[@]} calls, ${pathctl_failed} failed; longest write stall ${stall}s; write errors ${errors}; mismatches ${mismatches}"
echo "$figures" >"$PK_OUT/figures.txt"
log "RESULT: $figures"
[ -z "$healthy_failed" ] || fail "healthy paths failed in dm while other LUNs hung:$healthy_failed"
awk -v g="$worst_gap" -v m="$max_check_gap_s" 'BEGIN { exit !(g <= m) }' ||
    fail "a healthy path went ${worst_gap} s without a check (polling_interval 1 s)"
[ "$pathctl_failed" = 0 ] && [ "$max_ms" -le "$max_pathctl_ms" ] ||
    fail "pathctl show paths failed ${pathctl_failed} times or took ${max_ms} ms while storage hung"
[ "$rc" -eq 0 ] && [ "$errors" = 0 ] && [ "$mismatches" = 0 ] || fail "write errors or mismatches while storage hung"
kill -0 "$PK_PATHKEEPERD_PID" || fail "pathkeeperd died"
log "hung storage passed"

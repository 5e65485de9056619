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
# Longer than a check's deadline (checker_timeout 3 s plus the pool's grace or one polling interval).
hang_s=9
hung_luns=(2 3 4)
checker_workers=4  # the pool's base number of threads: fewer than the hung paths
max_check_gap_s=5
# Higher than pathkeeperd_hung_checker's 3 s: this guest runs eight disks, four maps, the prober and a target with
# hung LUNs under TCG, where pathctl is slow even with the daemon idle. An event loop blocked behind the hung
# checks would exceed it by far.
max_pathctl_ms=5000

# The SCSI LUN number of a disk, from its scsi_disk name H:C:T:L (no process started: forks are slow under TCG).
disk_lun() {
    local f
    for f in "/sys/block/$1/device/scsi_disk/"*; do echo "${f##*:}"; done
}

# dm's view of every multipath map from one dmsetup call (each process costs up to a second under a loaded TCG
# guest): dm_maps, the number of maps, and dm_status, their status lines joined into one.
dm_maps=0
dm_status=
read_dm_status() {
    local raw line
    raw=$(dmsetup status --target multipath 2>/dev/null) || raw=
    dm_maps=0
    while IFS= read -r line; do
        if [[ "$line" == *" multipath "* ]]; then dm_maps=$((dm_maps + 1)); fi
    done <<<"$raw"
    dm_status=" ${raw//$'\n'/ } "
}
declare -A devno_of=()
# dm_says DISK A|F: the state of the disk's path in the last read_dm_status.
dm_says() { [[ "$dm_status" == *" ${devno_of[$1]} $2 "* ]]; }

# Predicate: exactly N multipath maps, and dm reports every disk given active.
maps_with_active_paths() {
    local want=$1 d
    shift
    read_dm_status
    [ "$dm_maps" -eq "$want" ] || return 1
    for d in "$@"; do
        dm_says "$d" A || return 1
    done
}

load_multipath_modules
start_udev
step "four LUNs, three backed by devices that can be made to hang"
lun_args=()
for n in "${hung_luns[@]}"; do
    dmsetup create "pk-hang-$n" --table "0 32768 zero"
    lun_args+=(--block-lun "$n" "/dev/mapper/pk-hang-$n")
done
san_setup "${lun_args[@]}"
start_system_dbus
healthy_disks=
hung_disks=
for d in $(iscsi_disks); do
    read -r "devno_of[$d]" <"/sys/block/$d/dev"
    lun=$(disk_lun "$d")
    if [ "$lun" = 1 ]; then
        healthy_disks+=" $d"
    elif [[ " ${hung_luns[*]} " == *" $lun "* ]]; then
        hung_disks+=" $d"
    else
        fail "$d is LUN $lun, not one of the target's"
    fi
done
healthy_disks=${healthy_disks# }
hung_disks=${hung_disks# }
log "healthy LUN 1: $healthy_disks; LUNs ${hung_luns[*]} (to hang): $hung_disks"
n_hung=$(wc -w <<<"$hung_disks")
[ "$n_hung" -gt "$checker_workers" ] || fail "$n_hung paths to hang, not more than $checker_workers checker workers"
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
# shellcheck disable=SC2086  # word lists of disk names
wait_until 120 "four maps, every path active" \
    maps_with_active_paths $((1 + ${#hung_luns[@]})) $healthy_disks $hung_disks
map=$(map_of_disk "${healthy_disks%% *}")
log "healthy map $map"

step "the storage of ${#hung_luns[@]} LUNs hangs for ${hang_s} s under write load on the healthy one"
result=$PK_OUT/prober-hung-storage.json
start_prober "/dev/mapper/$map" $((hang_s + 120)) "$result"
sleep 2
t_hang=$(now_s)
for n in "${hung_luns[@]}"; do
    dmsetup suspend "pk-hang-$n"
done
log "backing devices of LUNs ${hung_luns[*]} suspended"
# pathctl is timed in a loop of its own, so its samples cover the whole hang however slow the dm polling is.
latency_file=$PK_OUT/pathctl-latency.txt
# In the guest's fresh /run: a marker left in $PK_OUT by an earlier run would end the loop before its first call.
hang_over=/run/pk-hang-over
: >"$latency_file"
(
    while [ ! -e "$hang_over" ]; do
        if ms=$(pathctl_ms show paths); then echo "$ms ok"; else echo "$ms failed"; fi
        sleep 0.5
    done >>"$latency_file"
) &
latency_pid=$!
healthy_failed=
hung_failed=0
# Uptime in centiseconds, compared without starting a process.
hang_end_cs=$((10#${t_hang/./} + hang_s * 100))
hang_lasts() {
    local up _
    read -r up _ </proc/uptime
    [ "$((10#${up/./}))" -lt "$hang_end_cs" ]
}
while hang_lasts; do
    read_dm_status
    for d in $healthy_disks; do
        [[ "$healthy_failed" == *" $d@"* ]] || ! dm_says "$d" F ||
            healthy_failed+=" $d@$(elapsed "$t_hang" "$(now_s)")s"
    done
    sleep 0.5
done
t_end=$(now_s)
touch "$hang_over"
wait "$latency_pid" || true
status_text=$(pathctl status 2>&1 || true)
log "pathctl status at the end of the hang:
$status_text"
read_dm_status
for d in $hung_disks; do
    if dm_says "$d" F; then hung_failed=$((hung_failed + 1)); fi
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
    log "$d: $n checks in the $(elapsed "$t_hang" "$t_end") s of the hang, longest gap ${gap} s"
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
# shellcheck disable=SC2086
wait_until 120 "dm to reinstate $hung_disks" maps_with_active_paths $((1 + ${#hung_luns[@]})) $hung_disks
log "hung paths active again $(elapsed "$t_back" "$(now_s)") s after the storage answered"
sleep 1
kill -INT "$PK_PROBER_PID" 2>/dev/null || true
rc=0
wait_prober "$result" || rc=$?
errors=$(json_field "$result" errors)
mismatches=$(json_field "$result" mismatches)
stall=$(awk -v g="$(json_field "$result" max_gap_ms)" 'BEGIN { printf "%.1f", g / 1000 }')
figures="hung storage: ${#hung_luns[@]} LUNs ($n_hung paths, $checker_workers checker workers) hung ${hang_s}s, checker_timeout 3s; healthy paths failed in dm:${healthy_failed:- none}; healthy checks ${healthy_checks}, longest gap ${worst_gap}s (limit ${max_check_gap_s}s); hung paths failed by the end ${hung_failed}/${n_hung}; pathctl show paths median ${median_ms} ms, max ${max_ms} ms over ${#latencies[@]} calls, ${pathctl_failed} failed; longest write stall ${stall}s; write errors ${errors}; mismatches ${mismatches}"
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

# shellcheck shell=bash
# Helpers of the multipathd-vs-pathkeeperd benchmark (guest side). Sourced after tests/vm/guest/lib.sh.
# Rules kept everywhere here: one daemon at a time (the other fully stopped and every map removed before the next
# starts), the same paths for both, the same check interval for both, and a failed measurement becomes an
# "n/a (reason)" value instead of ending the run.

BENCH_RESULTS=$PK_OUT/bench-results.tsv
: >"$BENCH_RESULTS"
BENCH_REPS=${BENCH_REPS:-5}
BENCH_IDLE_S=${BENCH_IDLE_S:-30}
# The check interval both daemons use on the scsi_debug rows: fixed (no growth to max_polling_interval), so the
# idle-CPU row compares the same number of checks.
BENCH_CHECK_INTERVAL_S=5

record() {
    printf '%s\t%s\n' "$1" "$2" >>"$BENCH_RESULTS"
    log "BENCH $1 = $2"
}

# try_until TIMEOUT_S COMMAND...: like wait_until, but returns 1 on timeout instead of failing the run.
try_until() {
    local timeout=$1
    shift
    local deadline_ms=$((${EPOCHREALTIME/./} / 1000 + timeout * 1000))
    until "$@" >/dev/null 2>&1; do
        [ "$((${EPOCHREALTIME/./} / 1000))" -le "$deadline_ms" ] || return 1
        sleep 0.2
    done
}

bench_record_meta() {
    record meta.kernel "$(uname -r)"
    record meta.vcpus "$(nproc)"
    record meta.mem_mb "$(awk '/MemTotal/ { printf "%d", $2 / 1024 }' /proc/meminfo)"
    record meta.multipathd_version "$(dpkg-query -W -f '${Version}' multipath-tools 2>/dev/null || echo unknown)"
    record meta.pathkeeperd_version "$("${PK_PATHKEEPERD:-false}" --version 2>/dev/null | head -1 || echo 'not built')"
    record meta.check_interval_s "$BENCH_CHECK_INTERVAL_S"
    record meta.reps "$BENCH_REPS"
    record meta.idle_s "$BENCH_IDLE_S"
}

pathkeeper_built() { [ -n "${PK_PATHKEEPERD:-}" ] && [ -x "$PK_PATHKEEPERD" ] && [ -n "${PK_PATHCTL:-}" ] && [ -x "$PK_PATHCTL" ]; }

# --- one daemon at a time ---------------------------------------------------------------------------------------

# bench_start_multipathd EXTRA_DEFAULTS_LINES: Debian's multipathd at its default verbosity (the e2e helper runs
# -v3, whose logging would be charged to multipathd's CPU), every disk multipathed (find_multipaths no).
bench_start_multipathd() {
    mkdir -p /etc/multipath
    cat >/etc/multipath.conf <<MPCONF
defaults {
    user_friendly_names no
    find_multipaths no
${1:-}
}
MPCONF
    log "starting Debian's multipathd with: $(tr '\n' ' ' </etc/multipath.conf)"
    BENCH_T_START=$(now_s)
    setsid multipathd -d -s >>"$PK_OUT/multipathd.log" 2>&1 &
    PK_MULTIPATHD_PID=$!
    PK_PIDS+=("$PK_MULTIPATHD_PID")
}

# bench_start_pathkeeperd CONFIG: like lib.sh's start_pathkeeperd, but without polling pathctl while the daemon
# builds its maps (that would load the 2 vCPUs during the timed start) and without a 30 s limit.
bench_start_pathkeeperd() {
    mkdir -p /var/lib/pathkeeper
    local foreground=()
    [[ "$("$PK_PATHKEEPERD" --help 2>&1)" != *--foreground* ]] || foreground=(--foreground)
    log "starting pathkeeperd with: $(tr '\n' ' ' <"$1")"
    BENCH_T_START=$(now_s)
    setsid "$PK_PATHKEEPERD" --config "$1" --state-dir /var/lib/pathkeeper "${foreground[@]}" \
        >>"$PK_OUT/pathkeeperd.log" 2>&1 &
    PK_PATHKEEPERD_PID=$!
    PK_PIDS+=("$PK_PATHKEEPERD_PID")
}

# The daemon's own pid (setsid execs in place when it is not a group leader, but do not rely on it).
daemon_pid() {
    local pid=$1 name=$2
    if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$name" ]; then
        echo "$pid"
    else
        pgrep -x "$name" | head -1
    fi
}

# remove_all_maps: no multipath map (nor any other dm device) is left, and udev has processed the removals.
remove_all_maps() {
    multipath -F >/dev/null 2>&1 || true
    [ "$(map_count)" -eq 0 ] || dmsetup remove_all >/dev/null 2>&1 || true
    try_until 120 map_count_is 0 || log "WARNING: maps left after flush: $(mpath_maps | tr '\n' ' ')"
    udevadm settle --timeout=300 || true
}

bench_stop_daemon() {
    case "$1" in
    multipathd) stop_multipathd ;;
    pathkeeperd) stop_pathkeeperd TERM ;;
    esac
    # Nothing of the stopped daemon may still be running when the next one starts.
    try_until 30 bash -c "! pgrep -x $1" || log "WARNING: $1 still running after stop"
    remove_all_maps
}

# --- per-process figures ----------------------------------------------------------------------------------------

# cpu_ticks PID: utime + stime + cutime + cstime (all threads, plus waited-for children such as callouts).
cpu_ticks() { awk '{ print $14 + $15 + $16 + $17 }' "/proc/$1/stat"; }

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# median_ms REPS COMMAND...: median wall time of COMMAND (stdout discarded) over REPS runs, in ms; returns 1 (and
# prints the reason) when any run fails.
median_ms() {
    local reps=$1
    shift
    local i t0 t1 rc times=()
    for ((i = 0; i < reps; i++)); do
        t0=${EPOCHREALTIME/./}
        rc=0
        "$@" >/dev/null 2>"$PK_OUT/bench-cmd.err" || rc=$?
        t1=${EPOCHREALTIME/./}
        if [ "$rc" -ne 0 ]; then
            echo "n/a ($* exited $rc: $(head -c 80 "$PK_OUT/bench-cmd.err" | tr '\n\t' '  '))"
            return 1
        fi
        times+=($(((t1 - t0) / 1000)))
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; print m }'
}

# --- iSCSI rows -------------------------------------------------------------------------------------------------

declare -A BENCH_STOCK_TMO=()

save_session_timeouts() {
    local s
    for s in /sys/class/iscsi_session/session*; do BENCH_STOCK_TMO[$s]=$(cat "$s/recovery_tmo"); done
}

# Each daemon starts from the sessions' timeouts as open-iscsi set them (both daemons rewrite recovery_tmo).
restore_session_timeouts() {
    local s
    for s in "${!BENCH_STOCK_TMO[@]}"; do
        if [ -e "$s/recovery_tmo" ]; then echo "${BENCH_STOCK_TMO[$s]}" >"$s/recovery_tmo" 2>/dev/null || true; fi
    done
}

both_cables_up() {
    ip link set cable-a up 2>/dev/null || true
    ip link set cable-b up 2>/dev/null || true
    local d
    for d in $(iscsi_disks); do
        try_until 120 session_logged_in "$d" || log "WARNING: session of $d not logged in again"
    done
}

# bench_cable_pull DAEMON KEY DOWN_S [MULTIPATHD_EXTRA] [local|remote]: one cable pull under write load with one
# daemon (remote: the target's port stops answering, the guest's link keeps its carrier); records
# KEY.stall_s (prober), KEY.k_reinstated_s (kernel log: cable back -> "Reinstating path"), KEY.after_login_s
# (session LOGGED_IN -> dm shows the path active, polled), KEY.errors, KEY.mismatches.
bench_cable_pull() {
    local daemon=$1 key=$2 down=$3 extra=${4:-} where=${5:-local}
    step "cable pull under write load: $daemon ($key, $where)"
    restore_session_timeouts
    if [ "$daemon" = multipathd ]; then
        bench_start_multipathd "$extra"
    else
        write_pathkeeper_config /etc/pathkeeper/pathkeeper.yaml "defaults:
  find_multipaths: \"on\""
        start_pathkeeperd /etc/pathkeeper/pathkeeper.yaml
    fi
    local map="" why=""
    if ! try_until 120 map_count_is 1; then
        why="no map within 120 s"
    else
        map=$(mpath_maps | awk '{ print $1 }')
        try_until 60 dm_path_is "$(cable_disk a)" A && try_until 60 dm_path_is "$(cable_disk b)" A ||
            why="paths not both active within 60 s"
    fi
    local figures=$PK_OUT/pull-$key.env
    rm -f "$figures"
    # cable_pull_under_load finds its /dev/kmsg markers by text, first match wins: with several pulls in one boot,
    # the kernel log must start empty at each pull (what came before is kept in a file).
    dmesg >"$PK_OUT/dmesg-before-$key.log" 2>/dev/null || true
    dmesg -C 2>/dev/null || log "WARNING: cannot clear the kernel log; kernel-log figures may be from an earlier pull"
    if [ -z "$why" ]; then
        # A subshell, so that a failed wait inside the shared experiment costs this row, not the whole run.
        (
            trap 'kill "${PK_PROBER_PID:-}" 2>/dev/null || true' EXIT
            PK_REPORT_ONLY=1 cable_pull_under_load "/dev/mapper/$map" "$down" "$where"
            declare -p PULL_STALL_S PULL_K_REINSTATED_S PULL_AFTER_LOGIN_S PULL_ERRORS PULL_MISMATCHES \
                PULL_FAILED_OVER PULL_K_FAILED_S PULL_REINSTATED_S >"$figures"
        ) || why="experiment failed (see guest.log)"
    fi
    both_cables_up
    if [ -s "$figures" ]; then
        # shellcheck disable=SC1090
        . "$figures"
        record "$key.stall_s" "$PULL_STALL_S"
        record "$key.k_failed_s" "$PULL_K_FAILED_S"
        record "$key.k_reinstated_s" "$PULL_K_REINSTATED_S"
        record "$key.reinstated_polled_s" "$PULL_REINSTATED_S"
        record "$key.after_login_s" "$PULL_AFTER_LOGIN_S"
        record "$key.errors" "$PULL_ERRORS"
        record "$key.mismatches" "$PULL_MISMATCHES"
        record "$key.failed_over" "$PULL_FAILED_OVER"
    else
        local f
        for f in stall_s k_reinstated_s after_login_s; do record "$key.$f" "n/a ($why)"; done
    fi
    bench_stop_daemon "$daemon"
}

bench_iscsi_rows() {
    local down=$1
    step "iSCSI: two-cable SAN, stock open-iscsi timeouts"
    # The detection rows may have set the SAN up already.
    if [ -z "$(iscsi_disks)" ] && ! san_setup; then
        record iscsi.note "n/a (SAN setup failed)"
        return 0
    fi
    save_session_timeouts
    bench_cable_pull multipathd iscsi.stock.multipathd "$down"
    bench_cable_pull multipathd iscsi.stock_poll2.multipathd "$down" "    polling_interval 2"
    if pathkeeper_built; then
        bench_cable_pull pathkeeperd iscsi.stock.pathkeeperd "$down"
    fi
    bench_cable_pull multipathd iscsi.remote.multipathd "$down" "" remote
    if pathkeeper_built; then
        bench_cable_pull pathkeeperd iscsi.remote.pathkeeperd "$down" "" remote
    fi

    step "iSCSI: re-login with noop 2 s + 2 s, replacement_timeout 5 s"
    iscsiadm -m node --logoutall=all >/dev/null 2>&1 || true
    # shellcheck disable=SC2016  # expanded by the inner bash, at each poll
    try_until 60 bash -c '[ -z "$(ls /sys/class/iscsi_session 2>/dev/null)" ]' || log "WARNING: sessions left"
    local portal
    for portal in "${PK_SAN_PORTALS[@]}"; do
        iscsiadm -m node -T "$PK_SAN_IQN" -p "$portal:3260" -o update -n 'node.conn[0].timeo.noop_out_interval' -v 2
        iscsiadm -m node -T "$PK_SAN_IQN" -p "$portal:3260" -o update -n 'node.conn[0].timeo.noop_out_timeout' -v 2
        iscsiadm -m node -T "$PK_SAN_IQN" -p "$portal:3260" -o update -n node.session.timeo.replacement_timeout -v 5
        iscsiadm -m node -T "$PK_SAN_IQN" -p "$portal:3260" --login >/dev/null
    done
    try_until 120 disks_ready 2 || log "WARNING: iSCSI disks not back after re-login"
    udevadm settle --timeout=60 || true
    BENCH_STOCK_TMO=()
    save_session_timeouts
    bench_cable_pull multipathd iscsi.tuned.multipathd "$down"
    if pathkeeper_built; then
        bench_cable_pull pathkeeperd iscsi.tuned.pathkeeperd "$down"
    fi
    step "iSCSI: logging out, so the scsi_debug rows see scsi_debug disks only"
    iscsiadm -m node --logoutall=all >/dev/null 2>&1 || true
    try_until 60 map_count_is 0 || true
    try_until 60 disks_ready 0 || log "WARNING: iSCSI disks still present: $(scsi_disks | tr '\n' ' ')"
}

# --- scsi_debug rows --------------------------------------------------------------------------------------------

# bench_measure_daemon DAEMON N: start DAEMON with no map present, time until N/2 maps exist, then idle CPU, RSS
# and the CLI latencies; stop it and remove its maps.
bench_measure_daemon() {
    local daemon=$1 n=$2 maps=$(($2 / 2)) key=size.$2.$1
    step "$daemon on $n scsi_debug paths"
    [ "$(map_count)" -eq 0 ] || remove_all_maps
    local t1 interval=$BENCH_CHECK_INTERVAL_S
    if [ "$daemon" = multipathd ]; then
        bench_start_multipathd "    polling_interval $interval
    max_polling_interval $interval"
    else
        write_pathkeeper_config /etc/pathkeeper/pathkeeper.yaml "defaults:
  find_multipaths: greedy
  user_friendly_names: false
  polling_interval: ${interval}s
  max_polling_interval: ${interval}s"
        bench_start_pathkeeperd /etc/pathkeeper/pathkeeper.yaml
    fi
    local map_timeout=$((120 + n))
    if try_until "$map_timeout" map_count_is "$maps"; then
        t1=$(now_s)
        # From the moment the daemon is launched (its config is written before), so only the daemon is timed.
        record "$key.maps_s" "$(elapsed "$BENCH_T_START" "$t1")"
    else
        record "$key.maps_s" "n/a ($(map_count) of $maps maps after ${map_timeout} s)"
    fi
    # Maps existing is not the end of the work: udev still runs its rules on every new dm device (pathkeeperd waits
    # for that per map through libdevmapper's udev cookies; a daemon that does not is "done" earlier). So the time
    # until udev is idle again is recorded too.
    udevadm settle --timeout=900 || true
    record "$key.maps_settled_s" "$(elapsed "$BENCH_T_START" "$(now_s)")"
    local pid hz
    hz=$(getconf CLK_TCK)
    pid=$(daemon_pid "$([ "$daemon" = multipathd ] && echo "$PK_MULTIPATHD_PID" || echo "$PK_PATHKEEPERD_PID")" "$daemon")
    if [ -n "$pid" ]; then
        # Everything the daemon used since it was launched: the maps' creation, its start-up, its first checks.
        record "$key.create_cpu_s" "$(awk -v t="$(cpu_ticks "$pid")" -v hz="$hz" 'BEGIN { printf "%.2f", t / hz }')"
    else
        record "$key.create_cpu_s" "n/a ($daemon not running)"
    fi
    local mapped
    mapped=$({ dmsetup table --target multipath 2>/dev/null || true; } | grep -o ' [0-9]*:[0-9]* ' | sort -u | wc -l)
    record "$key.paths_in_maps" "$mapped"

    if [ -z "$pid" ]; then
        record "$key.idle_cpu_s" "n/a ($daemon not running)"
        record "$key.rss_mb" "n/a ($daemon not running)"
    else
        # Let the start-up work (first checks) finish before the idle window.
        sleep "$interval"
        local c0 c1
        c0=$(cpu_ticks "$pid")
        sleep "$BENCH_IDLE_S"
        c1=$(cpu_ticks "$pid")
        record "$key.idle_cpu_s" "$(awk -v a="$c0" -v b="$c1" -v hz="$hz" 'BEGIN { printf "%.2f", (b - a) / hz }')"
        record "$key.rss_mb" "$(awk -v k="$(rss_kb "$pid")" 'BEGIN { printf "%.1f", k / 1024 }')"
    fi

    local v
    [ "$daemon" = multipathd ] || try_until 120 "$PK_PATHCTL" show topology || log "WARNING: pathctl gets no answer"
    if [ "$daemon" = multipathd ]; then
        v=$(median_ms "$BENCH_REPS" multipathd show paths) || true
        record "$key.show_paths_ms" "$v"
        v=$(median_ms "$BENCH_REPS" multipathd show maps json) || true
        record "$key.show_maps_json_ms" "$v"
        record "$key.show_paths_json_ms" "n/a (multipathd has no JSON path list)"
        log "multipathd show paths lists $(multipathd show paths 2>/dev/null | tail -n +2 | wc -l) paths"
    else
        v=$(median_ms "$BENCH_REPS" "$PK_PATHCTL" show paths) || true
        record "$key.show_paths_ms" "$v"
        v=$(median_ms "$BENCH_REPS" "$PK_PATHCTL" show maps --json) || true
        record "$key.show_maps_json_ms" "$v"
        v=$(median_ms "$BENCH_REPS" "$PK_PATHCTL" show paths --json) || true
        record "$key.show_paths_json_ms" "$v"
        log "pathctl show paths lists $("$PK_PATHCTL" show paths 2>/dev/null | tail -n +2 | wc -l) paths"
    fi
    bench_stop_daemon "$daemon"
}

# Disks whose udev record has an ID_SERIAL: one grep for all of them (lib.sh's disks_ready spawns a sed per disk,
# which with hundreds of disks would steal the 2 vCPUs from udev itself).
serial_disk_count() {
    local d files=()
    for d in /sys/block/sd*; do
        [ -e "$d/dev" ] && files+=("/run/udev/data/b$(<"$d/dev")")
    done
    [ "${#files[@]}" -gt 0 ] || { echo 0; return 0; }
    { grep -ls '^E:ID_SERIAL=' "${files[@]}" 2>/dev/null || true; } | wc -l
}

# bench_wait_disks N TIMEOUT_S: polls every 2 s until N disks exist and all have an ID_SERIAL.
bench_wait_disks() {
    local want=$1 deadline=$((SECONDS + $2)) have
    while :; do
        have=$(serial_disk_count)
        [ "$have" -ne "$want" ] || [ "$(disk_count)" -ne "$want" ] || return 0
        [ "$SECONDS" -lt "$deadline" ] || { log "only $have of $want disks ready"; return 1; }
        sleep 2
    done
}

# bench_size N: N scsi_debug paths (2 hosts x T targets x L LUNs, N/2 WWIDs), created once, then both daemons.
bench_size() {
    local n=$1 per_host tgts luns
    per_host=$((n / 2))
    if [ "$per_host" -le 64 ]; then tgts=1 luns=$per_host; else tgts=$((per_host / 64)) luns=64; fi
    [ $((2 * tgts * luns)) -eq "$n" ] || fail "bench_size: $n paths is not 2 x T x L with L <= 64"
    step "scsi_debug: $n paths (2 hosts x $tgts targets x $luns LUNs), $((n / 2)) maps"
    if lsmod | grep -q '^scsi_debug'; then
        remove_all_maps
        modprobe -r scsi_debug || fail "cannot unload scsi_debug"
        udevadm settle --timeout=300 || true
    fi
    local t0
    t0=$(now_s)
    scsi_debug_setup add_host=2 vpd_use_hostno=0 num_tgts="$tgts" max_luns="$luns" dev_size_mb=8
    if ! bench_wait_disks "$n" $((300 + 4 * n)); then
        record "size.$n.udev_s" "n/a ($(disk_count) disks after $((300 + 4 * n)) s)"
        return 0
    fi
    udevadm settle --timeout=600 || true
    record "size.$n.udev_s" "$(elapsed "$t0" "$(now_s)")"
    bench_udev_decision "$n"
    bench_measure_daemon multipathd "$n"
    if pathkeeper_built; then
        bench_measure_daemon pathkeeperd "$n"
    else
        record "size.$n.pathkeeperd.maps_s" "n/a (pathkeeperd not built)"
    fi
}

# bench_udev_decision N: the udev rule's decision per disk event at N disks, no daemon running: `multipath -u`
# beside pathkeeper's helper, two rounds in opposite orders (neither gets the warm caches alone); records each
# program's mean of the two.
bench_udev_decision() {
    local n=$1 multipath helper mpd=() pk=()
    multipath=$(command -v multipath) || { record "size.$n.multipathd.udev_decision_ms" "n/a (no multipath)"; return 0; }
    helper=$(udev_decision_helper) || { record "size.$n.pathkeeperd.udev_decision_ms" "n/a (no helper)"; return 0; }
    step "udev rule decision per disk event, $n disks"
    udev_decision_prepare 50
    record "size.$n.udev_decision_calls" "${#UDEV_DECISION_SAMPLE[@]}"
    udev_decision_time "size.$n.multipathd.udev_decision_round1_ms" "$multipath" -u
    mpd+=("$UDEV_DECISION_MS")
    udev_decision_time "size.$n.pathkeeperd.udev_decision_round1_ms" "$helper" path
    pk+=("$UDEV_DECISION_MS")
    udev_decision_time "size.$n.pathkeeperd.udev_decision_round2_ms" "$helper" path
    pk+=("$UDEV_DECISION_MS")
    udev_decision_time "size.$n.multipathd.udev_decision_round2_ms" "$multipath" -u
    mpd+=("$UDEV_DECISION_MS")
    record "size.$n.multipathd.udev_decision_ms" "$(awk -v a="${mpd[0]}" -v b="${mpd[1]}" 'BEGIN { printf "%.1f", (a + b) / 2 }')"
    record "size.$n.pathkeeperd.udev_decision_ms" "$(awk -v a="${pk[0]}" -v b="${pk[1]}" 'BEGIN { printf "%.1f", (a + b) / 2 }')"
}

# --- path failure detection rows --------------------------------------------------------------------------------
# Fault -> path failed in dm, and fault cleared -> path active again, for each way the VM can make a path fail,
# no I/O running (only the daemons' checks notice). One daemon at a time on the same disks: 2 scsi_debug hosts x
# 2 LUNs (2 maps) and, unless --skip-iscsi, the two-cable SAN (1 map). Both daemons check every 5 s, no growth.

# devnos_are A|F DEVNO...: one `dmsetup status` says every DEVNO is active (A), or failed or in no map (F).
devnos_are() {
    local want=$1 status tok prev=""
    shift
    status=$(dmsetup status --target multipath 2>/dev/null) || return 1
    local -A state=()
    for tok in $status; do
        if [ -n "$prev" ]; then
            state[$prev]=$tok
            prev=""
        elif [[ "$tok" =~ ^[0-9]+:[0-9]+$ ]]; then
            prev=$tok
        fi
    done
    local d
    for d; do
        if [ "$want" = F ]; then
            [ "${state[$d]:-F}" = F ] || return 1
        else
            [ "${state[$d]:-}" = A ] || return 1
        fi
    done
}

# poll_dm TIMEOUT_S A|F DEVNO...: polls dm every ~0.1 s; prints now_s of the first poll that saw the state.
poll_dm() {
    local timeout=$1
    shift
    local deadline_ms=$((${EPOCHREALTIME/./} / 1000 + timeout * 1000))
    while :; do
        if devnos_are "$@"; then
            now_s
            return 0
        fi
        [ "$((${EPOCHREALTIME/./} / 1000))" -le "$deadline_ms" ] || return 1
        sleep 0.08
    done
}

# The disk (sdX) at SCSI address H:C:T:L, or nothing.
hctl_disk() { ls "/sys/class/scsi_device/$1/device/block/" 2>/dev/null | head -1 || true; }

hctl_has_disk() { [ -n "$(hctl_disk "$1")" ]; }

# median VALUE...: median of the numeric values (non-numbers ignored); nothing when there is none.
median() {
    printf '%s\n' "$@" | grep -E '^-?[0-9]+(\.[0-9]+)?$' | sort -g |
        awk '{ v[NR] = $1 } END { if (NR) { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.1f\n", m } }'
}

# record_reps KEY VALUE...: KEY = median of the repetitions (or the first reason when none gave a number),
# KEY.runs = every repetition.
record_reps() {
    local key=$1 m
    shift
    m=$(median "$@")
    if [ -z "$m" ]; then
        m=$(printf '%s\n' "$@" | grep -v -E '^-?[0-9]+(\.[0-9]+)?$' | head -1)
        m=${m:-n/a (not measured)}
    fi
    record "$key" "$m"
    record "$key.runs" "$(printf '%s, ' "$@" | sed 's/, $//')"
}

# kernel_delay MARK TEXT: seconds from the /dev/kmsg marker MARK to the first kernel line with TEXT after it.
kernel_delay() {
    local k0 k1
    k0=$(kernel_time "pk-e2e: $1")
    [ -n "$k0" ] || { echo '?'; return 0; }
    k1=$(kernel_time "$2" "$k0")
    [ -n "$k1" ] && elapsed "$k0" "$k1" || echo '?'
}

# Each detect_* runs one repetition and sets DET_FAILED, DET_BACK, DET_K_FAILED, DET_K_BACK (seconds or a reason).
detect_reset() {
    DET_FAILED="n/a ($1)" DET_BACK="n/a ($1)" DET_K_FAILED='?' DET_K_BACK='?'
    DET_SESSION="n/a ($1)" DET_TOFF="n/a ($1)" DET_TOFF_TO_FAILED="n/a ($1)" DET_TMO='?'
}

# detect_run DETECT_FUNC ARGS...: one repetition in a subshell, so that a failed step costs this repetition, not
# the run; its DET_* figures come back through a file. After a failure every fault is undone (best effort).
detect_run() {
    local f=$PK_OUT/detect-rep.env v
    rm -f "$f"
    detect_reset "repetition failed (see guest.log)"
    if (
        "$@"
        for v in DET_FAILED DET_BACK DET_K_FAILED DET_K_BACK DET_SESSION DET_TOFF DET_TOFF_TO_FAILED DET_TMO; do
            printf '%s=%q\n' "$v" "${!v}"
        done >"$f"
    ) && [ -s "$f" ]; then
        # shellcheck disable=SC1090
        . "$f"
        return 0
    fi
    log "WARNING: $* failed; undoing every fault"
    ip netns exec san tc qdisc del dev san-a ingress 2>/dev/null || true
    ip netns exec san tgtadm --lld iscsi --op new --mode logicalunit --tid 1 --lun 1 -b /tmp/san/lun1.img \
        2>/dev/null || true
    local d h
    for d in /sys/block/sd*/device/state; do
        [ "$(cat "$d")" != offline ] || echo running >"$d" || true
    done
    for h in $(scsi_debug_hosts); do echo '- - -' >"/sys/class/scsi_host/$h/scan" || true; done
    detect_reset "repetition failed (see guest.log)"
}

# SCSI device offline, then running again (the same disk every time).
detect_offline() {
    local hctl=$1 tag=$2 disk devno t0 t1
    detect_reset "disk $hctl missing"
    disk=$(hctl_disk "$hctl")
    [ -n "$disk" ] || return 0
    devno=$(<"/sys/block/$disk/dev")
    poll_dm 60 A "$devno" >/dev/null || { detect_reset "$disk not active before the fault"; return 0; }
    kmsg_mark "$tag offline $disk"
    t0=$(now_s)
    echo offline >"/sys/block/$disk/device/state"
    if t1=$(poll_dm 60 F "$devno"); then DET_FAILED=$(elapsed "$t0" "$t1"); else DET_FAILED="n/a (not failed in 60 s)"; fi
    kmsg_mark "$tag running $disk"
    t0=$(now_s)
    echo running >"/sys/block/$disk/device/state"
    if t1=$(poll_dm 60 A "$devno"); then DET_BACK=$(elapsed "$t0" "$t1"); else DET_BACK="n/a (not active in 60 s)"; fi
    DET_K_FAILED=$(kernel_delay "$tag offline $disk" "Failing path $devno.")
    DET_K_BACK=$(kernel_delay "$tag running $disk" "Reinstating path $devno.")
    log "offline $disk ($devno): failed in dm after $DET_FAILED s (kernel log $DET_K_FAILED), active again" \
        "$DET_BACK s after 'running' (kernel log $DET_K_BACK)"
}

# scsi_debug LUN deleted from the SCSI layer (the kernel removes the disk), then found again by a host rescan.
detect_scsi_delete() {
    local hctl=$1 disk devno t0 t1 host=${1%%:*}
    detect_reset "disk $hctl missing"
    disk=$(hctl_disk "$hctl")
    [ -n "$disk" ] || return 0
    devno=$(<"/sys/block/$disk/dev")
    poll_dm 60 A "$devno" >/dev/null || { detect_reset "$disk not active before the fault"; return 0; }
    t0=$(now_s)
    echo 1 >"/sys/block/$disk/device/delete"
    if t1=$(poll_dm 60 F "$devno"); then DET_FAILED=$(elapsed "$t0" "$t1"); else DET_FAILED="n/a (still in dm after 60 s)"; fi
    t0=$(now_s)
    echo '- - -' >"/sys/class/scsi_host/host$host/scan"
    if ! try_until 120 hctl_has_disk "$hctl"; then
        DET_BACK="n/a (disk not found again in 120 s)"
        return 0
    fi
    disk=$(hctl_disk "$hctl")
    devno=$(<"/sys/block/$disk/dev")
    if t1=$(poll_dm 120 A "$devno"); then DET_BACK=$(elapsed "$t0" "$t1"); else DET_BACK="n/a (not active in 120 s)"; fi
    log "deleted $hctl: out of dm after $DET_FAILED s; rescan -> $disk ($devno) active in dm after $DET_BACK s"
}

# iSCSI: the target deletes the LUN while both sessions stay up, then adds it back (same backing file, same id).
detect_target_lun() {
    local tag=$1 disk other devno odevno t0 t1 err
    detect_reset "no iSCSI disk"
    disk=$(cable_disk a) other=$(cable_disk b)
    [ -n "$disk" ] && [ -n "$other" ] || return 0
    devno=$(<"/sys/block/$disk/dev") odevno=$(<"/sys/block/$other/dev")
    poll_dm 60 A "$devno" "$odevno" >/dev/null || { detect_reset "paths not active before the fault"; return 0; }
    kmsg_mark "$tag lun gone"
    t0=$(now_s)
    if ! err=$(ip netns exec san tgtadm --lld iscsi --op delete --mode logicalunit --tid 1 --lun 1 2>&1); then
        detect_reset "tgtadm delete: $(echo "$err" | head -c 60)"
        return 0
    fi
    if t1=$(poll_dm 60 F "$devno"); then DET_FAILED=$(elapsed "$t0" "$t1"); else DET_FAILED="n/a (not failed in 60 s)"; fi
    try_until 30 devnos_are F "$odevno" || log "WARNING: $other not failed 30 s after the LUN was deleted"
    kmsg_mark "$tag lun back"
    t0=$(now_s)
    ip netns exec san tgtadm --lld iscsi --op new --mode logicalunit --tid 1 --lun 1 -b /tmp/san/lun1.img
    if t1=$(poll_dm 60 A "$devno"); then DET_BACK=$(elapsed "$t0" "$t1"); else DET_BACK="n/a (not active in 60 s)"; fi
    try_until 60 devnos_are A "$odevno" || log "WARNING: $other not active 60 s after the LUN came back"
    DET_K_FAILED=$(kernel_delay "$tag lun gone" "Failing path $devno.")
    DET_K_BACK=$(kernel_delay "$tag lun back" "Reinstating path $devno.")
    log "target LUN deleted: $disk ($devno) failed in dm after $DET_FAILED s (kernel log $DET_K_FAILED);" \
        "LUN back -> active after $DET_BACK s (kernel log $DET_K_BACK)"
}

# iSCSI: the target drops everything arriving on cable a and aborts its end of the connection (RST), so the
# session fails at once and every reconnection goes unanswered; after recovery_tmo the disk goes
# transport-offline. Sets DET_SESSION (fault -> session FAILED), DET_TOFF (fault -> transport-offline),
# DET_TOFF_TO_FAILED (transport-offline -> dm failed; negative when dm failed the path first), DET_TMO.
detect_session() {
    local tag=$1 disk devno sess t0 t1 t_sess="" t_toff="" t_failed="" state dstate
    detect_reset "no iSCSI disk"
    disk=$(cable_disk a)
    [ -n "$disk" ] || return 0
    devno=$(<"/sys/block/$disk/dev") sess=$(disk_session "$disk")
    poll_dm 60 A "$devno" >/dev/null || { detect_reset "$disk not active before the fault"; return 0; }
    DET_TMO=$(cat "/sys/class/iscsi_session/$sess/recovery_tmo" 2>/dev/null || echo '?')
    modprobe -a sch_ingress cls_matchall act_gact 2>/dev/null || true
    ip netns exec san tc qdisc add dev san-a ingress
    ip netns exec san tc filter add dev san-a parent ffff: protocol ip matchall action drop
    kmsg_mark "$tag session cut"
    t0=$(now_s)
    ip netns exec san ss -K -tn state established 'sport = :3260' dst 10.77.1.1 >/dev/null 2>&1 ||
        log "WARNING: ss -K failed; the session fails by its noop timeout instead"
    # Until dm failed the path and the disk went transport-offline (recovery_tmo may be the stock 120 s).
    local deadline=$((SECONDS + 200))
    while [ "$SECONDS" -lt "$deadline" ]; do
        state=$(<"/sys/class/iscsi_session/$sess/state")
        dstate=$(<"/sys/block/$disk/device/state")
        [ -n "$t_sess" ] || [ "$state" != FAILED ] || t_sess=$(now_s)
        [ -n "$t_toff" ] || [ "$dstate" != transport-offline ] || t_toff=$(now_s)
        [ -n "$t_failed" ] || ! devnos_are F "$devno" || t_failed=$(now_s)
        [ -z "$t_failed" ] || [ -z "$t_toff" ] || break
        sleep 0.08
    done
    [ -z "$t_sess" ] && DET_SESSION="n/a (state FAILED not seen by the poll)" || DET_SESSION=$(elapsed "$t0" "$t_sess")
    [ -z "$t_failed" ] && DET_FAILED="n/a (not failed in 200 s)" || DET_FAILED=$(elapsed "$t0" "$t_failed")
    [ -z "$t_toff" ] && DET_TOFF="n/a (no transport-offline in 200 s)" || DET_TOFF=$(elapsed "$t0" "$t_toff")
    [ -z "$t_toff" ] || [ -z "$t_failed" ] || DET_TOFF_TO_FAILED=$(elapsed "$t_toff" "$t_failed")
    kmsg_mark "$tag session allowed"
    t0=$(now_s)
    ip netns exec san tc qdisc del dev san-a ingress
    if t1=$(poll_dm 180 A "$devno"); then DET_BACK=$(elapsed "$t0" "$t1"); else DET_BACK="n/a (not active in 180 s)"; fi
    try_until 60 session_logged_in "$disk" || log "WARNING: session of $disk not logged in again"
    DET_K_FAILED=$(kernel_delay "$tag session cut" "Failing path $devno.")
    DET_K_BACK=$(kernel_delay "$tag session allowed" "Reinstating path $devno.")
    log "session cut ($disk, $devno, recovery_tmo $DET_TMO): session FAILED after $DET_SESSION s, dm failed the" \
        "path after $DET_FAILED s (kernel log $DET_K_FAILED), transport-offline after $DET_TOFF s;" \
        "allowed back -> active after $DET_BACK s (kernel log $DET_K_BACK)"
}

# bench_detection_daemon DAEMON REPS ISCSI HOST: every row, REPS times, with DAEMON running.
bench_detection_daemon() {
    local daemon=$1 reps=$2 iscsi=$3 h=$4 i maps=2 key=detect
    step "path failure detection: $daemon"
    [ "$(map_count)" -eq 0 ] || remove_all_maps
    [ "$iscsi" = 0 ] || { restore_session_timeouts; maps=3; }
    local interval=$BENCH_CHECK_INTERVAL_S
    if [ "$daemon" = multipathd ]; then
        bench_start_multipathd "    polling_interval $interval
    max_polling_interval $interval"
    else
        # Every repetition faults the same path within minutes: flap damping, on by default, would hold it out
        # longer each time, which multipathd's counterparts (san_path_err_*, marginal_path_*) do not do by
        # default. The rows time detection, so damping is off here.
        write_pathkeeper_config /etc/pathkeeper/pathkeeper.yaml "defaults:
  find_multipaths: greedy
  user_friendly_names: false
  polling_interval: ${interval}s
  max_polling_interval: ${interval}s
  flap_threshold: 0"
        bench_start_pathkeeperd /etc/pathkeeper/pathkeeper.yaml
    fi
    if ! try_until 180 map_count_is "$maps"; then
        record "$key.note.$daemon" "n/a ($(map_count) of $maps maps after 180 s)"
        bench_stop_daemon "$daemon"
        return 0
    fi
    udevadm settle --timeout=120 || true
    # The first checks after start-up are done before the first fault.
    sleep "$interval"
    local -a off_f=() off_b=() off_kf=() off_kb=() del_f=() del_b=()
    local -a lun_f=() lun_b=() lun_kf=() lun_kb=() ses_s=() ses_f=() ses_b=() ses_kf=() toff=() toff_f=() tmo=()
    for ((i = 1; i <= reps; i++)); do
        detect_run detect_offline "$h:0:0:0" "$daemon-$i"
        off_f+=("$DET_FAILED") off_b+=("$DET_BACK") off_kf+=("$DET_K_FAILED") off_kb+=("$DET_K_BACK")
    done
    for ((i = 1; i <= reps; i++)); do
        detect_run detect_scsi_delete "$h:0:0:1"
        del_f+=("$DET_FAILED") del_b+=("$DET_BACK")
    done
    if [ "$iscsi" = 1 ]; then
        for ((i = 1; i <= reps; i++)); do
            detect_run detect_target_lun "$daemon-$i"
            lun_f+=("$DET_FAILED") lun_b+=("$DET_BACK") lun_kf+=("$DET_K_FAILED") lun_kb+=("$DET_K_BACK")
        done
        for ((i = 1; i <= reps; i++)); do
            detect_run detect_session "$daemon-$i"
            ses_s+=("$DET_SESSION") ses_f+=("$DET_FAILED") ses_b+=("$DET_BACK") ses_kf+=("$DET_K_FAILED")
            toff+=("$DET_TOFF") toff_f+=("$DET_TOFF_TO_FAILED") tmo+=("$DET_TMO")
        done
    fi
    record_reps "$key.offline.$daemon.failed_s" "${off_f[@]}"
    record_reps "$key.offline.$daemon.back_s" "${off_b[@]}"
    record_reps "$key.offline.$daemon.k_failed_s" "${off_kf[@]}"
    record_reps "$key.offline.$daemon.k_back_s" "${off_kb[@]}"
    record_reps "$key.sd_delete.$daemon.failed_s" "${del_f[@]}"
    record_reps "$key.sd_delete.$daemon.back_s" "${del_b[@]}"
    if [ "$iscsi" = 1 ]; then
        record_reps "$key.target_lun.$daemon.failed_s" "${lun_f[@]}"
        record_reps "$key.target_lun.$daemon.back_s" "${lun_b[@]}"
        record_reps "$key.target_lun.$daemon.k_failed_s" "${lun_kf[@]}"
        record_reps "$key.target_lun.$daemon.k_back_s" "${lun_kb[@]}"
        record_reps "$key.session.$daemon.session_failed_s" "${ses_s[@]}"
        record_reps "$key.session.$daemon.failed_s" "${ses_f[@]}"
        record_reps "$key.session.$daemon.back_s" "${ses_b[@]}"
        record_reps "$key.session.$daemon.k_failed_s" "${ses_kf[@]}"
        record_reps "$key.session.$daemon.toffline_s" "${toff[@]}"
        record_reps "$key.toffline.$daemon.failed_s" "${toff_f[@]}"
        record "$key.session.$daemon.recovery_tmo" "$(printf '%s, ' "${tmo[@]}" | sed 's/, $//')"
    fi
    bench_stop_daemon "$daemon"
}

# bench_detection_rows REPS ISCSI(0|1): the disks, both daemons, then the disks are taken away again (the
# scsi_debug module unloaded; the SAN stays logged in with open-iscsi's timeouts for the cable-pull rows).
bench_detection_rows() {
    local reps=$1 iscsi=$2
    step "path failure detection: 2 scsi_debug hosts x 2 LUNs$([ "$iscsi" = 1 ] && echo ' + the two-cable SAN')"
    record detect.reps "$reps"
    local before
    before=$(disk_count)
    scsi_debug_setup add_host=2 vpd_use_hostno=0 num_tgts=1 max_luns=2 dev_size_mb=8
    if ! bench_wait_disks $((before + 4)) 300; then
        record detect.note "n/a (scsi_debug disks not ready)"
        return 0
    fi
    udevadm settle --timeout=120 || true
    local h
    h=$(scsi_debug_hosts | head -1)
    h=${h#host}
    if [ "$iscsi" = 1 ]; then
        if [ -z "$(iscsi_disks)" ] && ! san_setup; then
            record detect.note "n/a (SAN setup failed)"
            iscsi=0
        fi
        BENCH_STOCK_TMO=()
        [ "$iscsi" = 0 ] || save_session_timeouts
    fi
    bench_detection_daemon multipathd "$reps" "$iscsi" "$h"
    if pathkeeper_built; then
        bench_detection_daemon pathkeeperd "$reps" "$iscsi" "$h"
    fi
    [ "$iscsi" = 0 ] || restore_session_timeouts
    step "path failure detection: unloading scsi_debug"
    remove_all_maps
    modprobe -r scsi_debug || log "WARNING: cannot unload scsi_debug"
    udevadm settle --timeout=120 || true
}

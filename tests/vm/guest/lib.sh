# shellcheck shell=bash
# Guest-side helpers for pathkeeper's VM scenarios. Source it from a scenario run by tests/vm/vm.sh:
#     . "$(dirname "$0")/../guest/lib.sh"
# Everything here runs inside the VM as root. Logs of background daemons go to $PK_OUT (shared with the host).
# One file on purpose: every scenario sources this one library, so each helper (disks, SAN, daemons, writers)
# is written once for all of them.
# Network: only the guest's loopback and the private 'san' namespace (10.77.1.0/24, 10.77.2.0/24) are used.

set -euo pipefail
export PK_OUT=${PK_OUT:-/pk-out}
PK_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PK_SAN_IQN=iqn.2026-11.org.example:pathkeeper-san
PK_SAN_PORTALS=(10.77.1.2 10.77.2.2)
PK_PIDS=()

# --- logging and assertions ------------------------------------------------------------------------------------

# Seconds since boot with millisecond resolution: one clock for every step of a scenario.
now_s() {
    local up _
    read -r up _ </proc/uptime
    echo "$up"
}
log() { printf '[%8.2f] %s\n' "$(now_s)" "$*" >&2; }
step() { printf '\n[%8.2f] === %s\n' "$(now_s)" "$*" >&2; }
fail() {
    log "FAIL: $*"
    [ "$(type -t pk_on_fail)" != function ] || pk_on_fail >&2 || true
    exit 1
}
skip() {
    log "SKIP: $*"
    exit 77
}
# Elapsed seconds between two now_s readings, one decimal.
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# wait_until TIMEOUT_S DESCRIPTION COMMAND...: polls COMMAND every 0.2 s; fails the scenario on timeout.
wait_until() {
    local timeout=$1 what=$2
    shift 2
    local now_ms deadline_ms
    now_ms=$((${EPOCHREALTIME/./} / 1000))
    deadline_ms=$((now_ms + timeout * 1000))
    until "$@" >/dev/null 2>&1; do
        now_ms=$((${EPOCHREALTIME/./} / 1000))
        [ "$now_ms" -le "$deadline_ms" ] || fail "timed out after ${timeout}s waiting for: $what"
        sleep 0.2
    done
}

# Background processes started by the helpers are stopped when the scenario exits. Daemons run under setsid:
# some (iscsid, tgtd) signal their whole process group when they stop, which would kill the scenario too.
pk_cleanup() {
    local rc=$?
    # The multipath daemons first (and waited for), then the rest newest first, so nothing loses the system bus
    # or its SAN while it is still shutting down.
    stop_pathkeeperd TERM 2>/dev/null || true
    stop_multipathd 2>/dev/null || true
    local i
    for ((i = ${#PK_PIDS[@]} - 1; i >= 0; i--)); do
        kill "${PK_PIDS[$i]}" 2>/dev/null || true
    done
    # A daemon built with ASan/UBSan (test.sh's sanitizer stage) writes its reports to its log: any report fails
    # the scenario, whatever else it checked.
    local daemon_log=$PK_OUT/pathkeeperd.log
    if [ -f "$daemon_log" ] && grep -qE 'ERROR: (Address|Leak|Thread)Sanitizer|runtime error:' "$daemon_log"; then
        log "FAIL: sanitizer report in pathkeeperd.log:"
        grep -E -A 25 'ERROR: (Address|Leak|Thread)Sanitizer|runtime error:' "$daemon_log" | head -n 80 >&2
        [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] || rc=1
    fi
    exit "$rc"
}
trap pk_cleanup EXIT

# --- udev and kernel modules -----------------------------------------------------------------------------------

start_udev() {
    log "starting systemd-udevd"
    /lib/systemd/systemd-udevd --daemon --resolve-names=never
    # Only storage devices: a full coldplug loads drm, kvm, crypto... modules and costs seconds under TCG.
    udevadm trigger --action=add --type=devices --subsystem-match=block --subsystem-match=scsi \
        --subsystem-match=scsi_disk --subsystem-match=scsi_device --subsystem-match=misc
    udevadm settle --timeout=120 || log "udevadm settle timed out (continuing)"
}

load_multipath_modules() {
    modprobe -a dm-mod dm-multipath dm-round-robin dm-service-time dm-queue-length scsi_dh_alua sd_mod sg
}

# scsi_debug_setup [PARAM=VALUE...]: defaults give 8 paths to 4 LUNs, two paths per WWID, with ALUA.
scsi_debug_setup() {
    local params=(add_host=2 vpd_use_hostno=0 num_tgts=1 max_luns=4 dev_size_mb=16)
    [ $# -eq 0 ] || params=("$@")
    log "modprobe scsi_debug ${params[*]}"
    modprobe scsi_debug "${params[@]}"
}

# SCSI disks (sdX names) currently present, sorted.
scsi_disks() { (cd /sys/block && ls -d sd* 2>/dev/null) | sort || true; }

disk_count() { scsi_disks | wc -l; }

# udev's ID_SERIAL, read from the udev database directly (udevadm info costs ~0.3 s per call under TCG).
disk_wwid() { sed -n 's/^E:ID_SERIAL=//p' "/run/udev/data/b$(cat "/sys/block/$1/dev" 2>/dev/null)" 2>/dev/null || true; }

# True when exactly N disks exist and udev has given each one an ID_SERIAL.
disks_ready() {
    local want=$1 d
    [ "$(disk_count)" -eq "$want" ] || return 1
    for d in $(scsi_disks); do
        [ -n "$(disk_wwid "$d")" ] || return 1
    done
}

# wait_for_disks N [TIMEOUT_S]
wait_for_disks() {
    local want=$1 timeout=${2:-120}
    wait_until "$timeout" "$want SCSI disks with udev ID_SERIAL" disks_ready "$want"
    udevadm settle --timeout=60 || true
    log "$want SCSI disks ready: $(scsi_disks | tr '\n' ' ')"
}

# Distinct WWIDs of the present disks, one per line.
disk_wwids() {
    local d
    for d in $(scsi_disks); do disk_wwid "$d"; done | sort -u
}

# --- D-Bus -----------------------------------------------------------------------------------------------------

# A system bus for pathctl <-> pathkeeperd (and targetcli-fb). Installs pathkeeper's bus policy from the source
# tree first, because the system bus only lets a service own a name that a policy file allows.
start_system_dbus() {
    local policy
    local src=${PK_SOURCE_DIR:-$PK_LIB_DIR/../../..} candidate
    policy=
    for candidate in "$src/lib/api" "$src/dbus" "$src/packaging" "$src/conf"; do
        [ -f "$candidate/org.pathkeeper.PathKeeper1.conf" ] && policy=$candidate/org.pathkeeper.PathKeeper1.conf && break
    done
    [ -n "$policy" ] || policy=$(find "$src" -maxdepth 4 -name org.pathkeeper.PathKeeper1.conf 2>/dev/null | head -1)
    mkdir -p /etc/dbus-1/system.d /run/dbus
    if [ -n "$policy" ]; then
        cp "$policy" /etc/dbus-1/system.d/
        log "installed D-Bus policy $policy"
    else
        log "no org.pathkeeper.PathKeeper1.conf policy found; using a permissive test policy"
        cat >/etc/dbus-1/system.d/org.pathkeeper.PathKeeper1.conf <<'EOF'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <policy user="root">
    <allow own="org.pathkeeper.PathKeeper1"/>
    <allow send_destination="org.pathkeeper.PathKeeper1"/>
  </policy>
</busconfig>
EOF
    fi
    dbus-daemon --system --fork --print-pid >/run/dbus/pid.txt
    PK_PIDS+=("$(cat /run/dbus/pid.txt)")
    wait_until 10 "system bus socket" test -S /run/dbus/system_bus_socket
}

# --- the two-cable iSCSI SAN -----------------------------------------------------------------------------------

# san_setup [--tuned] [--size-mb N] [--block-lun N DEVICE]...
#   Target side in netns 'san' (tgtd, one file-backed LUN on tmpfs), two veth cables:
#   cable-a 10.77.1.1 <-> san-a 10.77.1.2, cable-b 10.77.2.1 <-> san-b 10.77.2.2.
#   Initiator side in the root namespace: iscsid, discovery and login on both portals -> two SCSI disks, one WWID.
#   Stock timeouts are Debian's iscsid.conf (noop 5 s + 5 s, replacement_timeout 120 s); --tuned sets
#   noop 2 s + 2 s and replacement_timeout 5 s.
#   --block-lun N DEVICE (repeatable) adds LUN N backed by the block device DEVICE, which tgtd opens O_DIRECT so
#   its page cache never answers for the device; added before the login, so one login scan finds every LUN.
# san_cables [NETNS CABLE:N...]: a target network namespace joined to the guest by veth cables, cable-X on
# 10.77.N.1/24 in the guest, san-X on 10.77.N.2 in the namespace. Default: 'san' with cable-a (N=1), cable-b (N=2).
san_cables() {
    local netns=${1:-san}
    local cables=("${@:2}")
    [ "${#cables[@]}" -gt 0 ] || cables=(a:1 b:2)
    modprobe -a veth iscsi_tcp
    ip netns add "$netns"
    ip -n "$netns" link set lo up
    local spec cable i
    for spec in "${cables[@]}"; do
        cable=${spec%%:*} i=${spec##*:}
        ip link add "cable-$cable" type veth peer name "san-$cable" netns "$netns"
        ip addr add "10.77.$i.1/24" dev "cable-$cable"
        ip link set "cable-$cable" up
        ip -n "$netns" addr add "10.77.$i.2/24" dev "san-$cable"
        ip -n "$netns" link set "san-$cable" up
    done
}

san_setup() {
    local tuned=0 size_mb=64 block_luns=()
    while [ $# -gt 0 ]; do
        case "$1" in
        --tuned) tuned=1; shift ;;
        --size-mb) size_mb=$2; shift 2 ;;
        --block-lun) block_luns+=("$2" "$3"); shift 3 ;;
        *) fail "san_setup: unknown option $1" ;;
        esac
    done
    local before
    before=$(disk_count)
    san_cables
    wait_until 10 "cable-b to carry traffic" busybox ping -c1 -W1 10.77.2.2
    wait_until 10 "cable-a to carry traffic" busybox ping -c1 -W1 10.77.1.2

    log "starting tgtd in netns san"
    mkdir -p /run/tgtd /var/run/tgtd /tmp/san
    truncate -s "${size_mb}M" /tmp/san/lun1.img
    setsid ip netns exec san tgtd -f >"$PK_OUT/tgtd.log" 2>&1 &
    PK_PIDS+=($!)
    wait_until 20 "tgtd management socket" ip netns exec san tgtadm --lld iscsi --op show --mode target
    ip netns exec san tgtadm --lld iscsi --op new --mode target --tid 1 -T "$PK_SAN_IQN"
    ip netns exec san tgtadm --lld iscsi --op new --mode logicalunit --tid 1 --lun 1 -b /tmp/san/lun1.img
    local i
    for ((i = 0; i < ${#block_luns[@]}; i += 2)); do
        ip netns exec san tgtadm --lld iscsi --op new --mode logicalunit --tid 1 --lun "${block_luns[$i]}" \
            -b "${block_luns[$((i + 1))]}" --bsoflags direct
    done
    ip netns exec san tgtadm --lld iscsi --op bind --mode target --tid 1 -I ALL

    log "starting iscsid ($([ "$tuned" = 1 ] && echo 'tuned: noop 2s+2s, replacement_timeout 5s' ||
        echo 'stock Debian timeouts: noop 5s+5s, replacement_timeout 120s'))"
    mkdir -p /etc/iscsi /run/lock/iscsi /var/lib/iscsi
    echo "InitiatorName=iqn.2026-11.org.example:pathkeeper-vm" >/etc/iscsi/initiatorname.iscsi
    # Debian's stock iscsid.conf, except that iscsiadm must never try to start iscsid through systemd.
    sed -i 's|^iscsid.startup = .*|iscsid.startup = /bin/true|' /etc/iscsi/iscsid.conf
    setsid iscsid -f >"$PK_OUT/iscsid.log" 2>&1 &
    PK_PIDS+=($!)
    wait_until 20 "iscsid to answer iscsiadm" iscsid_answers

    local portal
    for portal in "${PK_SAN_PORTALS[@]}"; do
        iscsiadm -m discovery -t sendtargets -p "$portal:3260" >/dev/null
    done
    if [ "$tuned" = 1 ]; then
        for portal in "${PK_SAN_PORTALS[@]}"; do
            iscsiadm -m node -T "$PK_SAN_IQN" -p "$portal:3260" -o update \
                -n 'node.conn[0].timeo.noop_out_interval' -v 2
            iscsiadm -m node -T "$PK_SAN_IQN" -p "$portal:3260" -o update \
                -n 'node.conn[0].timeo.noop_out_timeout' -v 2
            iscsiadm -m node -T "$PK_SAN_IQN" -p "$portal:3260" -o update \
                -n node.session.timeo.replacement_timeout -v 5
        done
    fi
    for portal in "${PK_SAN_PORTALS[@]}"; do
        iscsiadm -m node -T "$PK_SAN_IQN" -p "$portal:3260" --login >/dev/null
    done
    wait_for_disks $((before + 2 * (1 + ${#block_luns[@]} / 2))) 120  # two paths per LUN
    local d
    for d in $(iscsi_disks); do
        log "iSCSI path $d via $(disk_portal "$d") wwid $(disk_wwid "$d")"
    done
}

iscsid_answers() {
    local answer
    answer=$(iscsiadm -m session 2>&1 || true)
    case "$answer" in *"No active sessions"* | *"tcp: ["*) return 0 ;; *) return 1 ;; esac
}

# iSCSI disks (sdX), one per line.
iscsi_disks() {
    local d
    for d in $(scsi_disks); do
        [[ "$(readlink -f "/sys/block/$d/device")" == */session[0-9]*/* ]] && echo "$d"
    done
    return 0
}

# The target portal address an iSCSI disk is reached through.
disk_portal() {
    local session
    session=$(readlink -f "/sys/block/$1/device" | grep -o 'session[0-9]*' | head -1)
    cat /sys/class/iscsi_connection/connection"${session#session}":*/persistent_address 2>/dev/null | head -1
}

disk_session() { readlink -f "/sys/block/$1/device" | grep -o 'session[0-9]*' | head -1; }

session_state() { cat "/sys/class/iscsi_session/$(disk_session "$1")/state"; }

# san_second_server [--size-mb N]: a second SAN server beside san_setup's (run that first: it starts iscsid),
# for layouts that mirror across two servers: netns 'san2', tgtd on its own control port (two tgtd share one
# control socket otherwise), target tid 2 (tgt's WWID carries the tid, so its LUN gets a WWID of its own), two
# cables: cable-c 10.77.5.1 <-> san-c 10.77.5.2, cable-d 10.77.6.1 <-> san-d 10.77.6.2. Logs in over both.
PK_SAN2_IQN=iqn.2026-11.org.example:pathkeeper-san2
PK_SAN2_PORTALS=(10.77.5.2 10.77.6.2)
san_second_server() {
    local size_mb=64
    [ "${1:-}" != --size-mb ] || size_mb=$2
    local before
    before=$(disk_count)
    san_cables san2 c:5 d:6
    wait_until 10 "cable-c to carry traffic" busybox ping -c1 -W1 10.77.5.2
    wait_until 10 "cable-d to carry traffic" busybox ping -c1 -W1 10.77.6.2
    log "starting a second tgtd in netns san2 (control port 1)"
    truncate -s "${size_mb}M" /tmp/san/lun2.img
    setsid ip netns exec san2 tgtd -f --control-port 1 >"$PK_OUT/tgtd2.log" 2>&1 &
    PK_PIDS+=($!)
    local tgtadm2=(ip netns exec san2 tgtadm -C 1 --lld iscsi)
    wait_until 20 "the second tgtd's management socket" "${tgtadm2[@]}" --op show --mode target
    "${tgtadm2[@]}" --op new --mode target --tid 2 -T "$PK_SAN2_IQN"
    "${tgtadm2[@]}" --op new --mode logicalunit --tid 2 --lun 1 -b /tmp/san/lun2.img
    "${tgtadm2[@]}" --op bind --mode target --tid 2 -I ALL
    local portal
    for portal in "${PK_SAN2_PORTALS[@]}"; do
        iscsiadm -m discovery -t sendtargets -p "$portal:3260" >/dev/null
        iscsiadm -m node -T "$PK_SAN2_IQN" -p "$portal:3260" --login >/dev/null
    done
    wait_for_disks $((before + 2)) 120
}

# The disk reached over a cable: a -> 10.77.1.2, b -> 10.77.2.2 (san_setup), c -> 10.77.5.2, d -> 10.77.6.2
# (san_second_server).
cable_disk() {
    local want d
    case "${1#cable-}" in
    a) want=10.77.1.2 ;;
    b) want=10.77.2.2 ;;
    c) want=10.77.5.2 ;;
    d) want=10.77.6.2 ;;
    *) fail "cable_disk: no cable $1" ;;
    esac
    for d in $(iscsi_disks); do
        [ "$(disk_portal "$d")" = "$want" ] && echo "$d"
    done
    return 0
}

pull_cable() {
    log "pulling cable-${1#cable-}"
    ip link set "cable-${1#cable-}" down
}

restore_cable() {
    log "plugging cable-${1#cable-} back in"
    ip link set "cable-${1#cable-}" up
}

# --- LIO (kernel target) with ALUA -----------------------------------------------------------------------------

# lio_setup [--size-mb N] [--no-login]: a LIO iSCSI target (configured through configfs) in netns 'lio', two cables:
#   cable-l1 10.77.3.1 <-> lio-l1 10.77.3.2 (TPG 1, ALUA port group pg_a, id 1, active/optimized),
#   cable-l2 10.77.4.1 <-> lio-l2 10.77.4.2 (TPG 2, ALUA port group pg_b, id 2, active/non-optimized).
# One fileio LUN on tmpfs, exported through both TPGs, implicit ALUA (the target alone changes states: see
# lio_set_alua_state). open-iscsi logs in over both portals -> two SCSI disks (LIO-ORG, TPGS), one WWID.
# Starts iscsid unless one already answers; --no-login stops there (for scenarios that log in their own way,
# see lib_reservation.sh). The portals' listening sockets are created in the namespace of the
# process that creates them in configfs, so those writes run under `nsenter --net` (`ip netns exec` would remount
# /sys and hide configfs).
PK_LIO_IQN=iqn.2026-11.org.example:pathkeeper-lio
PK_LIO_PORTALS=(10.77.3.2 10.77.4.2)
PK_LIO_GROUPS=(pg_a pg_b)
PK_LIO_CFG=/sys/kernel/config/target
PK_LIO_DEV=$PK_LIO_CFG/core/fileio_0/lun1
lio_setup() {
    local size_mb=64 login=1
    while [ $# -gt 0 ]; do
        case "$1" in
        --size-mb) size_mb=$2; shift 2 ;;
        --no-login) login=0; shift ;;
        *) fail "lio_setup: unknown option $1" ;;
        esac
    done
    local before
    before=$(disk_count)
    modprobe -a target_core_mod iscsi_target_mod target_core_file veth iscsi_tcp
    mountpoint -q /sys/kernel/config || mount -t configfs configfs /sys/kernel/config
    ip netns add lio
    ip -n lio link set lo up
    local i
    for i in 1 2; do
        ip link add "cable-l$i" type veth peer name "lio-l$i" netns lio
        ip addr add "10.77.$((i + 2)).1/24" dev "cable-l$i"
        ip link set "cable-l$i" up
        ip -n lio addr add "10.77.$((i + 2)).2/24" dev "lio-l$i"
        ip -n lio link set "lio-l$i" up
    done
    wait_until 10 "cable-l1 to carry traffic" busybox ping -c1 -W1 10.77.3.2
    wait_until 10 "cable-l2 to carry traffic" busybox ping -c1 -W1 10.77.4.2

    log "LIO: fileio LUN (${size_mb} MiB on tmpfs), ALUA port groups pg_a (optimized) and pg_b (non-optimized)"
    # LIO rewrites its APTPL file under db_root (/var/target, /etc/target being absent) on every persistent
    # reservation change, even without APTPL, and fails the command when it cannot.
    mkdir -p /tmp/lio /var/target/pr
    truncate -s "${size_mb}M" /tmp/lio/lun1.img
    mkdir -p "$PK_LIO_DEV"
    echo "fd_dev_name=/tmp/lio/lun1.img,fd_dev_size=$((size_mb * 1024 * 1024))" >"$PK_LIO_DEV/control"
    # A fixed unit serial gives a fixed NAA WWID (36001405...) from run to run.
    echo 5e1c0a7a-4c1d-4e55-9a1f-0a1cabcd0001 >"$PK_LIO_DEV/wwn/vpd_unit_serial"
    echo 1 >"$PK_LIO_DEV/enable"
    local g
    for i in 0 1; do
        g=${PK_LIO_GROUPS[$i]}
        mkdir "$PK_LIO_DEV/alua/$g"
        echo $((i + 1)) >"$PK_LIO_DEV/alua/$g/tg_pt_gp_id"
        echo 1 >"$PK_LIO_DEV/alua/$g/alua_access_type" # implicit only
        echo "$i" >"$PK_LIO_DEV/alua/$g/alua_access_state" # pg_a 0 active/optimized, pg_b 1 non-optimized
    done

    local tpg
    mkdir -p "$PK_LIO_CFG/iscsi/$PK_LIO_IQN"
    for i in 1 2; do
        tpg=$PK_LIO_CFG/iscsi/$PK_LIO_IQN/tpgt_$i
        mkdir "$tpg"
        nsenter --net=/run/netns/lio mkdir "$tpg/np/${PK_LIO_PORTALS[$((i - 1))]}:3260"
        mkdir "$tpg/lun/lun_0"
        ln -s "$PK_LIO_DEV" "$tpg/lun/lun_0/lun1"
        echo "${PK_LIO_GROUPS[$((i - 1))]}" >"$tpg/lun/lun_0/alua_tg_pt_gp"
        echo 0 >"$tpg/attrib/authentication"
        echo 1 >"$tpg/attrib/generate_node_acls"
        echo 1 >"$tpg/attrib/cache_dynamic_acls"
        echo 0 >"$tpg/attrib/demo_mode_write_protect"
        echo 1 >"$tpg/enable"
    done

    if ! pgrep -x iscsid >/dev/null; then
        log "starting iscsid"
        mkdir -p /etc/iscsi /run/lock/iscsi /var/lib/iscsi
        echo "InitiatorName=iqn.2026-11.org.example:pathkeeper-vm" >/etc/iscsi/initiatorname.iscsi
        sed -i 's|^iscsid.startup = .*|iscsid.startup = /bin/true|' /etc/iscsi/iscsid.conf
        setsid iscsid -f >"$PK_OUT/iscsid.log" 2>&1 &
        PK_PIDS+=($!)
        wait_until 20 "iscsid to answer iscsiadm" iscsid_answers
    fi
    [ "$login" = 1 ] || return 0
    local portal
    for portal in "${PK_LIO_PORTALS[@]}"; do
        iscsiadm -m discovery -t sendtargets -p "$portal:3260" >/dev/null
    done
    for portal in "${PK_LIO_PORTALS[@]}"; do
        iscsiadm -m node -T "$PK_LIO_IQN" -p "$portal:3260" --login >/dev/null
    done
    wait_for_disks $((before + 2)) 120
    local d
    for d in $(lio_disk pg_a) $(lio_disk pg_b); do
        log "LIO path $d via $(disk_portal "$d"): wwid $(disk_wwid "$d"), access_state" \
            "$(cat "/sys/block/$d/device/access_state" 2>/dev/null || echo none)," \
            "handler $(cat "/sys/block/$d/device/dh_state" 2>/dev/null || echo none)"
    done
}

# lio_disk pg_a|pg_b: the disk (sdX) reached through that ALUA port group's portal.
lio_disk() {
    local want d
    want=$([ "$1" = pg_a ] && echo "${PK_LIO_PORTALS[0]}" || echo "${PK_LIO_PORTALS[1]}")
    for d in $(iscsi_disks); do
        [ "$(disk_portal "$d")" = "$want" ] && echo "$d"
    done
    return 0
}

# lio_set_alua_state pg_a|pg_b 0|1|2: implicit transition of a port group on the target (0 active/optimized,
# 1 active/non-optimized, 2 standby). LIO queues an ASYMMETRIC ACCESS STATE CHANGED unit attention for every
# I_T nexus of the group's LUNs; the initiator sees it on its next command there.
lio_set_alua_state() {
    log "LIO: port group $1 -> ALUA state $2"
    echo "$2" >"$PK_LIO_DEV/alua/$1/alua_access_state"
}

lio_alua_state() { cat "$PK_LIO_DEV/alua/$1/alua_access_state"; }

# --- multipathd (Debian's, the reference) ----------------------------------------------------------------------

# start_multipathd [EXTRA_DEFAULTS_LINES]: every disk is multipathed (find_multipaths no); maps named by WWID.
start_multipathd() {
    mkdir -p /etc/multipath
    cat >/etc/multipath.conf <<EOF
defaults {
    user_friendly_names no
    find_multipaths no
${1:-}
}
EOF
    log "starting Debian's multipathd ($(dpkg-query -W -f '${Version}' multipath-tools 2>/dev/null || true))"
    setsid multipathd -d -s -v3 >"$PK_OUT/multipathd.log" 2>&1 &
    PK_MULTIPATHD_PID=$!
    PK_PIDS+=("$PK_MULTIPATHD_PID")
}

stop_multipathd() {
    [ -n "${PK_MULTIPATHD_PID:-}" ] || return 0
    kill "$PK_MULTIPATHD_PID" 2>/dev/null || true
    wait "$PK_MULTIPATHD_PID" 2>/dev/null || true
    PK_MULTIPATHD_PID=
}

# --- pathkeeperd -----------------------------------------------------------------------------------------------

# install_pathkeeper_udev_rules: the build's udev helper and the source tree's rules, as the package installs
# them (rules under /run/udev/rules.d, which shadows nothing the host ships), then udev reloads them.
install_pathkeeper_udev_rules() {
    local helper=${PK_BUILD_DIR:-}/udev-rules/pathkeeper-udev-helper rules
    [ -x "$helper" ] || fail "pathkeeper-udev-helper is not built in ${PK_BUILD_DIR:-?}"
    install -D -m 0755 "$helper" /usr/libexec/pathkeeper/pathkeeper-udev-helper
    for rules in "${PK_SOURCE_DIR:?}"/udev-rules/*.rules; do
        install -D -m 0644 "$rules" "/run/udev/rules.d/$(basename "$rules")"
    done
    udevadm control --reload
}

# Binaries under test, from the build tree (the CTest registration passes their exact paths as PK_*).
find_pathkeeper_binaries() {
    local build=${PK_BUILD_DIR:-${1:-}}
    PK_PATHKEEPERD=${PK_PATHKEEPERD:-$(find "$build" -type f -name pathkeeperd -perm -u+x 2>/dev/null | head -1)}
    PK_PATHCTL=${PK_PATHCTL:-$(find "$build" -type f -name pathctl -perm -u+x 2>/dev/null | head -1)}
    PK_PROBER=${PK_PROBER:-$(find "$build" -type f -name pk-io-prober -perm -u+x 2>/dev/null | head -1)}
    PK_MPATHPERSIST=${PK_MPATHPERSIST:-$(find "$build" -type f -name pathkeeper-mpathpersist -perm -u+x 2>/dev/null |
        head -1)}
}

require_pathkeeperd() {
    find_pathkeeper_binaries "$@"
    [ -n "$PK_PATHKEEPERD" ] && [ -x "$PK_PATHKEEPERD" ] || skip "pathkeeperd is not built in ${PK_BUILD_DIR:-?}"
    [ -n "$PK_PATHCTL" ] && [ -x "$PK_PATHCTL" ] || skip "pathctl is not built in ${PK_BUILD_DIR:-?}"
}

require_prober() {
    find_pathkeeper_binaries "$@"
    [ -n "$PK_PROBER" ] && [ -x "$PK_PROBER" ] || fail "pk-io-prober is not built in ${PK_BUILD_DIR:-?}"
}

# write_pathkeeper_config FILE [YAML_BODY]: the daemon's YAML config; default: every disk is multipathed.
write_pathkeeper_config() {
    local file=$1
    mkdir -p "$(dirname "$file")"
    if [ $# -ge 2 ]; then
        printf '%s\n' "$2" >"$file"
    else
        cat >"$file" <<'EOF'
defaults:
  find_multipaths: greedy
  user_friendly_names: false
EOF
    fi
}

# start_pathkeeperd CONFIG [EXTRA_ARGS...]: foreground daemon, stderr to $PK_OUT/pathkeeperd.log; waits until
# pathctl can reach it over the system bus.
start_pathkeeperd() {
    local config=$1
    shift
    mkdir -p /var/lib/pathkeeper
    log "starting pathkeeperd --config $config"
    # Log to stderr only (the guest has no journal) when this build knows the flag.
    local foreground=()
    [[ "$("$PK_PATHKEEPERD" --help 2>&1)" != *--foreground* ]] || foreground=(--foreground)
    # Sanitizer builds: report leaks at exit and stop at the first UBSan report, so the log shows it plainly
    # (pk_cleanup fails the scenario on it). Normal builds ignore these variables.
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
        setsid "$PK_PATHKEEPERD" --config "$config" --state-dir /var/lib/pathkeeper "${foreground[@]}" "$@" \
        >>"$PK_OUT/pathkeeperd.log" 2>&1 &
    PK_PATHKEEPERD_PID=$!
    PK_PIDS+=("$PK_PATHKEEPERD_PID")
    local i
    for i in $(seq 1 150); do
        if "$PK_PATHCTL" show topology >/dev/null 2>&1; then
            log "pathkeeperd (pid $PK_PATHKEEPERD_PID) answers on the system bus"
            return 0
        fi
        kill -0 "$PK_PATHKEEPERD_PID" 2>/dev/null || fail "pathkeeperd exited at start; see pathkeeperd.log:
$(tail -n 30 "$PK_OUT/pathkeeperd.log")"
        sleep 0.2
    done
    fail "pathkeeperd did not answer pathctl within 30 s"
}

# stop_pathkeeperd [SIGNAL]: TERM by default (maps stay in place); KILL simulates a crash.
stop_pathkeeperd() {
    local signal=${1:-TERM}
    [ -n "${PK_PATHKEEPERD_PID:-}" ] || return 0
    log "sending SIG$signal to pathkeeperd (pid $PK_PATHKEEPERD_PID)"
    kill -s "$signal" "$PK_PATHKEEPERD_PID" 2>/dev/null || true
    wait "$PK_PATHKEEPERD_PID" 2>/dev/null || true
    PK_PATHKEEPERD_PID=
}

pathctl() { "$PK_PATHCTL" "$@"; }

# The daemon's maps as JSON (pathctl show maps --json; older builds took --json before the command).
pathctl_maps_json() { pathctl show maps --json 2>/dev/null || pathctl --json show maps; }

# --- device-mapper inspection ----------------------------------------------------------------------------------

# Multipath maps (dm uuid mpath-...) as "name uuid" lines.
mpath_maps() {
    { dmsetup info -c --noheadings -o name,uuid --separator ' ' 2>/dev/null || true; } | awk '$2 ~ /^mpath-/' | sort
}

map_count() { mpath_maps | wc -l; }

# The map holding a disk (by its major:minor), or nothing.
map_of_disk() {
    local devno name
    devno=$(cat "/sys/block/$1/dev")
    for name in $(mpath_maps | awk '{ print $1 }'); do
        [[ " $(dmsetup table "$name" 2>/dev/null | tr '\n' ' ') " == *" $devno "* ]] && echo "$name"
    done
    return 0
}

# The state letter (A or F) dm reports for a disk in its map's status line.
dm_path_state() {
    local disk=$1 map
    map=$(map_of_disk "$disk")
    [ -n "$map" ] || return 1
    path_letter "$map" "$(<"/sys/block/$disk/dev")"
}

path_letter() { dmsetup status "$1" 2>/dev/null | awk -v d="$2" '{ for (i = 1; i < NF; i++) if ($i == d) print $(i + 1) }'; }

# dm_path_is DISK A|F: predicate for wait_until. Remembers the disk's map, so one poll costs one dmsetup call
# (delays measured by polling must not drown in process start-up under TCG).
declare -A PK_DISK_MAP=()
dm_path_is() {
    local disk=$1 want=$2 devno map letter=
    devno=$(<"/sys/block/$disk/dev")
    map=${PK_DISK_MAP[$disk]:-}
    [ -z "$map" ] || letter=$(path_letter "$map" "$devno")
    if [ -z "$letter" ]; then
        map=$(map_of_disk "$disk")
        [ -n "$map" ] || return 1
        PK_DISK_MAP[$disk]=$map
        letter=$(path_letter "$map" "$devno")
    fi
    [ "$letter" = "$want" ]
}

# run_prober DEVICE SECONDS OUTFILE: background prober run; its JSON summary lands in OUTFILE.
start_prober() {
    local device=$1 seconds=$2 outfile=$3
    log "prober: stamped O_DIRECT|O_SYNC 4 KiB writes to $device for ${seconds}s"
    "$PK_PROBER" --device "$device" --seconds "$seconds" --blocks 512 >"$outfile" 2>"$outfile.err" &
    PK_PROBER_PID=$!
}

# wait_prober OUTFILE: waits for the prober, prints its summary; returns its exit status.
wait_prober() {
    local outfile=$1 rc=0
    wait "$PK_PROBER_PID" || rc=$?
    cat "$outfile.err" >&2 || true
    log "prober summary: $(cat "$outfile")"
    return "$rc"
}

# json_field FILE KEY: one numeric/string field of the prober's one-line JSON.
json_field() { sed -n "s/.*\"$2\":\"\{0,1\}\([^,\"}]*\).*/\1/p" "$1"; }

# Writes completed on a disk so far (field 5 of /sys/block/X/stat).
disk_writes() { awk '{ print $5 }' "/sys/block/$1/stat"; }

# busy_cable: the cable (a or b) whose disk completes the most writes in one second: the one to pull so the
# application's I/O is really hit.
busy_cable() {
    local da db wa wb
    da=$(cable_disk a)
    db=$(cable_disk b)
    wa=$(disk_writes "$da")
    wb=$(disk_writes "$db")
    sleep 1
    wa=$(($(disk_writes "$da") - wa))
    wb=$(($(disk_writes "$db") - wb))
    log "writes in 1 s: cable-a ($da) $wa, cable-b ($db) $wb"
    if [ "$wa" -gt "$wb" ]; then echo a; else echo b; fi
}

# Markers written to /dev/kmsg share dmesg's clock with dm's own "Failing path" / "Reinstating path" lines, so
# figures taken from the kernel log carry none of the polling and process start-up lag (seconds under TCG load)
# of the wait_until measurements.
kmsg_mark() { echo "pk-e2e: $*" >/dev/kmsg 2>/dev/null || true; }

# kernel_time TEXT [NOT_BEFORE]: dmesg timestamp (s) of the first line containing TEXT at or after NOT_BEFORE.
kernel_time() {
    dmesg 2>/dev/null | awk -v p="$1" -v after="${2:-0}" 'index($0, p) {
        t = $0; sub(/^\[ */, "", t); sub(/\].*/, "", t)
        if (t + 0 >= after + 0) { print t; exit }
    }'
}

# Hooks: on_path_failed DISK and on_path_reinstated DISK are called when defined (the demo shows the topology).
# cable_pull_under_load MAP_DEVICE SECONDS_DOWN [local|remote]: the failover experiment shared by the multipathd
# reference and pathkeeperd scenarios. Runs the prober on MAP_DEVICE, pulls the cable carrying the I/O, waits until
# dm reports the path failed, restores the cable after SECONDS_DOWN, waits for the session to log in again and dm to
# reinstate the path. Sets PULL_* figures; fails on prober errors or mismatches. local (the default): the guest's
# own end of the cable goes down (pull_cable); remote: the target's port stops answering and the guest's link
# keeps its carrier (blackhole_cable).
cable_pull_under_load() {
    local device=$1 down=$2 where=${3:-local} result=$PK_OUT/prober-cable-pull-${3:-local}.json
    local pull=pull_cable restore=restore_cable
    [ "$where" = local ] || pull=blackhole_cable restore=unblackhole_cable
    local total=$((down + 45))
    start_prober "$device" "$total" "$result"
    sleep 5
    local cable disk
    cable=$(busy_cable)
    disk=$(cable_disk "$cable")
    local t_pull t_failed t_restore t_login t_active
    # A second experiment in one boot reads the kernel log from its own start.
    PULL_K_NOT_BEFORE=$(awk '{ print $1 }' /proc/uptime)
    t_pull=$(now_s)
    kmsg_mark "pulling cable-$cable"
    "$pull" "$cable"
    wait_until $((down + 60)) "dm to mark $disk failed" dm_path_is "$disk" F
    t_failed=$(now_s)
    log "dm marked $disk failed $(elapsed "$t_pull" "$t_failed") s after the pull (session $(session_state "$disk"))"
    ! declare -F on_path_failed >/dev/null || on_path_failed "$disk"
    local remaining
    remaining=$(awk -v a="$t_pull" -v b="$(now_s)" -v d="$down" 'BEGIN { r = d - (b - a); print (r > 0 ? r : 0) }')
    sleep "$remaining"
    t_restore=$(now_s)
    kmsg_mark "restoring cable-$cable"
    "$restore" "$cable"
    wait_until 90 "iSCSI session of $disk to log in again" session_logged_in "$disk"
    t_login=$(now_s)
    log "session of $disk logged in $(elapsed "$t_restore" "$t_login") s after the cable returned"
    wait_until 90 "dm to reinstate $disk" dm_path_is "$disk" A
    t_active=$(now_s)
    log "dm reinstated $disk $(elapsed "$t_restore" "$t_active") s after the cable returned" \
        "($(elapsed "$t_login" "$t_active") s after the session logged in)"
    ! declare -F on_path_reinstated >/dev/null || on_path_reinstated "$disk"
    kill -INT "$PK_PROBER_PID" 2>/dev/null || true
    local rc=0
    wait_prober "$result" || rc=$?
    # shellcheck disable=SC2034  # PULL_* are the results scenarios and the demo print
    PULL_STALL_S=$(awk -v g="$(json_field "$result" max_gap_ms)" 'BEGIN { printf "%.1f", g / 1000 }')
    PULL_FAILED_S=$(elapsed "$t_pull" "$t_failed")
    PULL_REINSTATED_S=$(elapsed "$t_restore" "$t_active")
    # shellcheck disable=SC2034
    PULL_LOGIN_S=$(elapsed "$t_restore" "$t_login") PULL_CABLE=$cable PULL_DISK=$disk
    # shellcheck disable=SC2034
    PULL_VERIFIED=$(json_field "$result" verified) PULL_WRITES=$(json_field "$result" writes)
    PULL_AFTER_LOGIN_S=$(elapsed "$t_login" "$t_active")
    PULL_ERRORS=$(json_field "$result" errors)
    PULL_MISMATCHES=$(json_field "$result" mismatches)
    local devno k_pull k_failed k_restore k_active
    devno=$(<"/sys/block/$disk/dev")
    k_pull=$(kernel_time "pk-e2e: pulling cable-$cable" "$PULL_K_NOT_BEFORE")
    k_failed=$(kernel_time "Failing path $devno." "${k_pull:-0}")
    k_restore=$(kernel_time "pk-e2e: restoring cable-$cable" "${k_pull:-0}")
    k_active=$(kernel_time "Reinstating path $devno." "${k_restore:-0}")
    # shellcheck disable=SC2034  # kernel-clock figures, read by scenarios and the demo
    PULL_K_FAILED_S=$([ -n "$k_pull" ] && [ -n "$k_failed" ] && elapsed "$k_pull" "$k_failed" || echo '?')
    # shellcheck disable=SC2034
    PULL_K_REINSTATED_S=$([ -n "$k_restore" ] && [ -n "$k_active" ] && elapsed "$k_restore" "$k_active" || echo '?')
    log "kernel log: dm failed $disk ($devno) ${PULL_K_FAILED_S} s after the pull, reinstated it" \
        "${PULL_K_REINSTATED_S} s after the cable returned"
    log "RESULT: longest write stall ${PULL_STALL_S} s; path failed after ${PULL_FAILED_S} s;" \
        "reinstated ${PULL_REINSTATED_S} s after the cable returned (${PULL_AFTER_LOGIN_S} s after login);" \
        "write errors ${PULL_ERRORS}, mismatches ${PULL_MISMATCHES}"
    [ "$rc" -eq 0 ] || fail "the prober saw write errors or data mismatches during the cable pull"
    # Failover means writes resume over the other cable while this one is still out. The demo only reports it
    # (PK_REPORT_ONLY=1) so that it can still explain the figures.
    # shellcheck disable=SC2034  # read by the demo
    PULL_FAILED_OVER=yes
    if ! awk -v s="$PULL_STALL_S" -v d="$down" 'BEGIN { exit !(s < d) }'; then
        # shellcheck disable=SC2034
        PULL_FAILED_OVER=no
        local why="writes stalled ${PULL_STALL_S} s, as long as the cable was out (${down} s): I/O did not fail over"
        [ "${PK_REPORT_ONLY:-0}" = 1 ] && log "WARNING: $why" || fail "$why"
    fi
}

session_logged_in() { [ "$(session_state "$1")" = LOGGED_IN ]; }

# Predicate for wait_until: exactly N multipath maps exist.
map_count_is() { [ "$(map_count)" -eq "$1" ]; }

# Path groups of a map's table, one line per group listing its devices (maj:min), in table order.
map_groups() {
    dmsetup table "$1" | awk '{
        i = 4; i += $i + 1;          # features
        i += $i + 1;                 # hardware handler
        groups = $i; i += 2;         # number of groups, initial group
        for (g = 0; g < groups; g++) {
            i++;                     # selector name
            i += $i + 1;             # selector args
            paths = $i; pargs = $(i + 1); i += 2
            line = ""
            for (p = 0; p < paths; p++) { line = line (p ? " " : "") $i; i += pargs + 1 }
            print line
        }
    }'
}

# The line pathctl's topology shows for one disk (empty when it does not show it).
topology_line() { pathctl show topology 2>/dev/null | grep -w "$1" || true; }

topology_shows_failed() { [[ "$(topology_line "$1" | tr 'A-Z' 'a-z')" =~ fail|faulty|down|offline ]]; }
topology_shows_active() { [[ "$(topology_line "$1" | tr 'A-Z' 'a-z')" =~ active|ready|up ]] && ! topology_shows_failed "$1"; }

disk_in_map() { [ -n "$(map_of_disk "$1")" ]; }

# --- scsi_debug hotplug and fault helpers (scsi-faults) --------------------------------------------------------

# SCSI hosts created by scsi_debug (hostN names), one per line.
scsi_debug_hosts() {
    local h
    for h in /sys/class/scsi_host/host*; do
        [ "$(cat "$h/proc_name" 2>/dev/null)" = scsi_debug ] && basename "$h"
    done
    return 0
}

# start_one_scsi_debug_map: one scsi_debug LUN (16 MiB) on two paths, pathkeeperd (find_multipaths greedy,
# polling 2 s) with its map made; the map's name in PK_MAP. For scenarios about one map's lifecycle.
start_one_scsi_debug_map() {
    load_multipath_modules
    start_udev
    scsi_debug_setup add_host=2 vpd_use_hostno=0 num_tgts=1 max_luns=1 dev_size_mb=16
    wait_for_disks 2
    start_system_dbus
    local config=/etc/pathkeeper/pathkeeper.yaml
    write_pathkeeper_config "$config" "defaults:
  polling_interval: 2s
  find_multipaths: greedy"
    start_pathkeeperd "$config"
    wait_until 60 "one multipath map" map_count_is 1
    PK_MAP=$(mpath_maps | awk '{ print $1; exit }')
}

# Rescans every scsi_debug host for new targets and LUNs (after max_luns or num_tgts was raised).
scsi_debug_rescan() {
    local h
    for h in $(scsi_debug_hosts); do
        log "rescanning $h"
        echo '- - -' >"/sys/class/scsi_host/$h/scan"
    done
}

# --- iSCSI fault helpers: all paths down, flapping cable, hung checker (iscsi-faults) --------------------------

# The dm-N kernel name of a map.
map_dm_dev() {
    local d
    for d in /sys/block/dm-*; do
        [ "$(cat "$d/dm/name" 2>/dev/null)" = "$1" ] && basename "$d" && return 0
    done
    return 1
}

# Writes the map device has completed so far, and requests in flight in it now (reads + writes): I/O that dm
# queues (queue_if_no_path) or that waits on a dead session stays counted as in flight.
map_writes() { awk '{ print $5 }' "/sys/block/$(map_dm_dev "$1")/stat"; }
map_inflight() { awk '{ print $1 + $2 }' "/sys/block/$(map_dm_dev "$1")/inflight"; }

# True when the map's live table (dm's current flags, changed by queue_if_no_path / fail_if_no_path messages)
# has queue_if_no_path.
map_queues() { [[ " $(dmsetup table "$1" 2>/dev/null) " == *" queue_if_no_path "* ]]; }
map_fails_io() { dmsetup table "$1" >/dev/null 2>&1 && ! map_queues "$1"; }

# One key of one path in `pathctl show paths --json` (empty when the path or key is missing).
path_json() { pathctl show paths --json 2>/dev/null | jq -r --arg d "$1" ".paths[] | select(.devnode == \$d) | .$2" || true; }
path_json_is() { [ "$(path_json "$1" "$2")" = "$3" ]; }
# One key of one map in `pathctl show maps --json`.
map_json() { pathctl show maps --json 2>/dev/null | jq -r --arg m "$1" ".maps[] | select(.name == \$m) | .$2" || true; }

# start_timed_daemon_log: copies every new pathkeeperd.log line to pathkeeperd.timed.log prefixed with the uptime
# it was written at (the daemon's stderr carries no timestamps): per-path check times are read from it.
PK_TIMED_LOG=$PK_OUT/pathkeeperd.timed.log
start_timed_daemon_log() {
    : >"$PK_TIMED_LOG"
    (
        tail -n 0 -F "$PK_OUT/pathkeeperd.log" 2>/dev/null | while IFS= read -r line; do
            read -r up _ </proc/uptime
            printf '%s %s\n' "$up" "$line"
        done >>"$PK_TIMED_LOG"
    ) &
    PK_PIDS+=($!)
    sleep 0.5
}

# timed_log_after T REGEX: uptime of the first timed daemon log line at or after T that matches REGEX.
timed_log_after() { awk -v t="$1" -v re="$2" '$1 + 0 >= t + 0 && $0 ~ re { print $1; exit }' "$PK_TIMED_LOG"; }
has_timed_log_after() { [ -n "$(timed_log_after "$1" "$2")" ]; }

# start_watch_log FILE: `pathctl watch --json` in the background, every line prefixed with its uptime.
start_watch_log() {
    local file=$1
    : >"$file"
    (pathctl watch --json 2>&1 | while IFS= read -r line; do
        read -r up _ </proc/uptime
        printf '%s %s\n' "$up" "$line"
    done >>"$file") &
    PK_PIDS+=($!)
    sleep 1
}

# pathctl_ms ARGS...: runs pathctl, prints how long it took in ms on stdout (its own output is discarded);
# returns pathctl's exit status.
pathctl_ms() {
    local t0 rc=0
    t0=${EPOCHREALTIME/./}
    "$PK_PATHCTL" "$@" >/dev/null 2>&1 || rc=$?
    echo $(((${EPOCHREALTIME/./} - t0) / 1000))
    return "$rc"
}

# blackhole_cable a|b / unblackhole_cable a|b: the target's side of the cable drops every packet it sends
# (netem loss 100%): the link stays up, the target receives commands but none of its answers arrive.
blackhole_cable() {
    modprobe sch_netem
    log "target port san-${1#cable-} stops answering (netem loss 100%)"
    ip netns exec san tc qdisc add dev "san-${1#cable-}" root netem loss 100%
}
unblackhole_cable() {
    log "target port san-${1#cable-} answers again (qdisc removed)"
    ip netns exec san tc qdisc del dev "san-${1#cable-}" root
}

# prober_error_lines FILE: how many write-error lines the prober (started with OUTFILE FILE) has printed so far
# (it prints the first 10).
prober_error_lines() { grep -c 'write error' "$1.err" 2>/dev/null || true; }

# shellcheck shell=bash
# SCSI-3 persistent reservation helpers: several initiators ("hosts") on one guest, each an open-iscsi iface with
# its own initiator name logged in to lio_setup's target over both portals. Source after lib.sh:
#     . "$(dirname "$0")/../guest/lib_reservation.sh"
# Kept apart from lib.sh because only the reservation scenarios use them.

pr_iqn() { echo "iqn.2026-11.org.example:$1"; }

# pr_login_hosts HOST...: one iface per HOST (initiator name pr_iqn HOST), each logged in over both LIO portals:
# two disks per host, one WWID. Run after `lio_setup --no-login`.
pr_login_hosts() {
    local before host portal
    before=$(disk_count)
    for host in "$@"; do
        iscsiadm -m iface -I "$host" --op=new >/dev/null
        iscsiadm -m iface -I "$host" --op=update -n iface.initiatorname -v "$(pr_iqn "$host")" >/dev/null
    done
    local ifaces=()
    for host in "$@"; do ifaces+=(-I "$host"); done
    for portal in "${PK_LIO_PORTALS[@]}"; do
        iscsiadm -m discovery -t sendtargets -p "$portal:3260" "${ifaces[@]}" >/dev/null
    done
    for host in "$@"; do
        for portal in "${PK_LIO_PORTALS[@]}"; do
            iscsiadm -m node -T "$PK_LIO_IQN" -p "$portal:3260" -I "$host" --login >/dev/null
        done
    done
    wait_for_disks $((before + 2 * $#)) 120
    local d
    for d in $(iscsi_disks); do
        log "$d: $(disk_host "$d") ($(disk_iqn "$d")) via $(disk_portal "$d")," \
            "relative target port $(disk_rtpi "$d"), wwid $(disk_wwid "$d")"
    done
}

disk_session_attr() { cat "/sys/class/iscsi_session/$(disk_session "$1")/$2" 2>/dev/null || true; }
disk_host() { disk_session_attr "$1" ifacename; }
disk_iqn() { disk_session_attr "$1" initiatorname; }

# The SCSI relative target port identifier a disk is reached through (device identification VPD page).
disk_rtpi() { sg_vpd -p di_port "/dev/$1" 2>/dev/null | awk '/^ *Relative target port: / { print $4; exit }'; }

# host_disk HOST 1|2: HOST's disk through LIO portal 1 (cable-l1) or 2 (cable-l2).
host_disk() {
    local d want=${PK_LIO_PORTALS[$(($2 - 1))]}
    for d in $(iscsi_disks); do
        [ "$(disk_host "$d")" = "$1" ] && [ "$(disk_portal "$d")" = "$want" ] && echo "$d"
    done
    return 0
}

# pr_in DISK OPTION: one PERSISTENT RESERVE IN through DISK; prints sg_persist's output. A preemption or a
# reservation change leaves a unit attention on the other nexuses that the first command there returns instead
# of data (sg_persist exits 6), so that one is retried.
pr_in() {
    local out rc=0 try
    for try in 1 2 3; do
        rc=0
        out=$(sg_persist -n -i "$2" "/dev/$1" 2>&1) || rc=$?
        [ "$rc" -eq 6 ] || break
    done
    printf '%s\n' "$out"
    [ "$rc" -eq 0 ] || log "sg_persist -i $2 /dev/$1: rc $rc: $out"
    return 0
}

# pr_out DISK SG_PERSIST_OPTION...: one PERSISTENT RESERVE OUT through DISK, retried past a unit attention as
# pr_in; returns sg_persist's status, its message on stderr.
pr_out() {
    local disk=$1 out rc=0 try
    shift
    for try in 1 2 3; do
        rc=0
        out=$(sg_persist -n -o "$@" "/dev/$disk" 2>&1) || rc=$?
        [ "$rc" -eq 6 ] || break
    done
    [ "$rc" -eq 0 ] || log "sg_persist -o $* /dev/$disk: rc $rc: $out"
    return "$rc"
}

# pr_keys DISK: the registered keys READ KEYS returns through DISK, one per line (lower case, 0x...).
pr_keys() { pr_in "$1" -k | awk '/^ +0x[0-9a-fA-F]+ *$/ { print tolower($1) }'; }

# pr_reservation DISK: "KEY TYPE" of the reservation READ RESERVATION returns through DISK; empty when none.
pr_reservation() {
    pr_in "$1" -r | awk '
        /Key *= *0x/ { sub(/.*Key *= */, ""); key = tolower($1) }
        /type:/ { sub(/.*type: */, ""); type = $0 }
        END { if (key != "") print key " " type }'
}

# pr_registrations DISK: READ FULL STATUS through DISK, one registration a line: "KEY IQN RELATIVE_PORT".
pr_registrations() {
    pr_in "$1" -s | awk '
        function flush() { if (key != "") print key " " iqn " " (port == "" ? "all" : port); key = iqn = port = "" }
        /Key *= *0x/ { flush(); sub(/.*Key *= */, ""); key = tolower($1) }
        /Relative port address/ { sub(/.*: */, ""); port = $1 }
        /iqn\./ { match($0, /iqn\.[^ ,]*/); iqn = substr($0, RSTART, RLENGTH) }
        END { flush() }'
}

# pr_nexus_registered DISK KEY: READ FULL STATUS through DISK lists KEY for DISK's own I_T nexus (its session's
# initiator name at its relative target port).
pr_nexus_registered() {
    pr_registrations "$1" | grep -qx "$2 $(disk_iqn "$1") $(disk_rtpi "$1")"
}

# What the target itself records (configfs): registered I_T nexuses, holder, type. For the log.
lio_pr_view() {
    local f
    for f in res_pr_registered_i_pts res_pr_holder_tg_port res_pr_type res_pr_generation; do
        [ -r "$PK_LIO_DEV/pr/$f" ] && sed "s/^/  target $f: /" "$PK_LIO_DEV/pr/$f"
    done
    return 0
}

# pr_dump DISK...: keys, reservation and full status through each disk, then the target's view. For the log.
pr_dump() {
    local d
    for d in "$@"; do
        log "$d ($(disk_host "$d") via $(disk_portal "$d")): keys [$(pr_keys "$d" | tr '\n' ' ')]," \
            "reservation [$(pr_reservation "$d")]"
        pr_registrations "$d" | sed 's/^/    registration: /' >&2
    done
    lio_pr_view >&2
}

# direct_write DEVICE BLOCK: one 64 KiB O_DIRECT write at 4 KiB block BLOCK; dd's status and message on stdout.
direct_write() {
    local out rc=0
    out=$(dd if=/dev/urandom of="$1" bs=4k count=16 seek="$2" oflag=direct status=none 2>&1) || rc=$?
    echo "rc=$rc${out:+ $out}"
    return "$rc"
}

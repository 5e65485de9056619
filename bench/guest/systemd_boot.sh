#!/bin/bash
# vm.sh: boot=systemd
# vm.sh: boots=5
# Guest side of bench/systemd-boot.sh: the systemd-booted VM of e2e_systemd_boot (its preparation: the package
# installed and enabled, the iSCSI SAN unit, open-iscsi node.startup = automatic, an fstab _netdev ext4 on the
# LUN), booted five times on the same persistent overlay. Boot 1 (pathkeeperd, as the package enables it) is the
# first boot after the installation, with cold caches: it is recorded apart. Boots 2-5 alternate the daemons
# A-B-B-A (multipathd, pathkeeperd, pathkeeperd, multipathd; the other one masked) so a drift of the host's load
# weighs on both alike. Each boot records, on the monotonic clock: udev's coldplug trigger started, the daemon
# active, the multipath map created (udev's USEC_INITIALIZED of the dm device), the fstab mount active. Figures go
# to $PK_OUT/bench-systemd-boot.tsv (daemon, key, seconds, boot).
. "$(dirname "$0")/../../tests/vm/guest/lib.sh"

e2e=$(readlink -f "$(dirname "$0")/../../tests/vm/e2e/systemd_boot.sh")
mount_point=/mnt/pk-san
results=$PK_OUT/bench-systemd-boot.tsv
schedule=(pathkeeperd multipathd pathkeeperd pathkeeperd multipathd)

# usec_s USEC: seconds, 2 decimals.
usec_s() { awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000000 }'; }
unit_usec() { systemctl show -P "$2" "$1"; }

# The multipath map's udev initialization time (CLOCK_MONOTONIC usec), the first map's.
map_usec() {
    local d
    for d in /sys/block/dm-*; do
        [[ "$(cat "$d/dm/uuid" 2>/dev/null)" == mpath-* ]] || continue
        sed -n 's/^I://p' "/run/udev/data/b$(cat "$d/dev")"
        return 0
    done
    return 1
}

measure() {
    local daemon=$1 unit=$2 state
    state=$(timeout 300 systemctl is-system-running --wait 2>&1 || true)
    log "$daemon boot: system $state"
    local trigger map mount active
    trigger=$(unit_usec systemd-udev-trigger.service ExecMainStartTimestampMonotonic)
    active=$(unit_usec "$unit" ActiveEnterTimestampMonotonic)
    wait_until 60 "a multipath map" map_usec
    map=$(map_usec)
    mount=$(unit_usec "$(systemd-escape -p --suffix=mount "$mount_point")" ActiveEnterTimestampMonotonic)
    log "$daemon: udev trigger $(usec_s "$trigger") s, $unit active $(usec_s "$active") s, map $(usec_s "$map") s," \
        "mount $(usec_s "$mount") s; maps: $(dmsetup table --target multipath | cut -c1-120)"
    [ "$mount" -gt 0 ] || fail "$mount_point was not mounted at boot with $daemon"
    [[ "$(findmnt -n -o SOURCE "$mount_point")" == /dev/mapper/* ]] ||
        fail "$mount_point is on $(findmnt -n -o SOURCE "$mount_point"), not a multipath map, with $daemon"
    {
        printf '%s\tsystem_state\t%s\t%s\n' "$daemon" "$state" "$PK_BOOT"
        printf '%s\tdaemon_active_s\t%s\t%s\n' "$daemon" "$(usec_s $((active - trigger)))" "$PK_BOOT"
        printf '%s\tmap_ready_s\t%s\t%s\n' "$daemon" "$(usec_s $((map - trigger)))" "$PK_BOOT"
        printf '%s\tmount_done_s\t%s\t%s\n' "$daemon" "$(usec_s $((mount - trigger)))" "$PK_BOOT"
        printf '%s\tuserspace_s\t%s\t%s\n' "$daemon" "$(usec_s $(($(systemctl show -P FinishTimestampMonotonic) -
            $(systemctl show -P UserspaceTimestampMonotonic))))" "$PK_BOOT"
    } >>"$results"
    systemd-analyze critical-chain "$(systemd-escape -p --suffix=mount "$mount_point")" 2>&1 | sed 's/^/  /' >&2 || true
}

switch_to_pathkeeperd() {
    step "next boot: multipathd masked, pathkeeperd enabled"
    systemctl disable multipathd.service multipathd.socket 2>&1 | sed 's/^/  /' >&2
    systemctl mask multipathd.service multipathd.socket 2>&1 | sed 's/^/  /' >&2
    systemctl unmask pathkeeperd.service 2>&1 | sed 's/^/  /' >&2
    systemctl enable pathkeeperd.service 2>&1 | sed 's/^/  /' >&2
    rm -f /etc/multipath.conf
    sync
}

switch_to_multipathd() {
    step "next boot: pathkeeperd masked, multipathd enabled"
    systemctl disable pathkeeperd.service 2>&1 | sed 's/^/  /' >&2
    systemctl mask pathkeeperd.service 2>&1 | sed 's/^/  /' >&2
    rm -f /etc/systemd/system/multipathd.service /etc/systemd/system/multipathd.socket
    systemctl enable multipathd.service multipathd.socket 2>&1 | sed 's/^/  /' >&2
    # Every SCSI disk is a path (as pathkeeperd's greedy default here), names as user_friendly_names yes.
    cat >/etc/multipath.conf <<'CONF'
defaults {
    user_friendly_names yes
    find_multipaths greedy
}
blacklist {
    devnode "^vd[a-z]"
}
CONF
    sync
}

case "$PK_PHASE" in
prepare) PK_PHASE=prepare bash "$e2e" ;;
check)
    daemon=${schedule[PK_BOOT - 1]}
    measure "$daemon" "$daemon.service"
    if [ "$PK_BOOT" -lt "${#schedule[@]}" ] && [ "${schedule[PK_BOOT]}" != "$daemon" ]; then
        "switch_to_${schedule[PK_BOOT]}"
    fi
    ;;
*) fail "run by bench/systemd-boot.sh through tests/vm/vm.sh" ;;
esac

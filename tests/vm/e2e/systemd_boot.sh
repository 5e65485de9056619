#!/bin/bash
# vm.sh: boot=systemd
# vm.sh: boots=2
# vm.sh: poweroff-within=180
# A real boot with the package enabled: the guest's PID 1 is Debian's systemd (tests/vm/guest/systemd-init.sh),
# booted twice on the same persistent overlay (PK_BOOT=1, 2).
#   PK_PHASE=prepare (before systemd, in the overlay, like an admin's chroot): `apt-get install ./pathkeeper_*.deb`
#     (its maintainer scripts enable pathkeeperd.service as on any install), `systemctl disable` multipathd,
#     the host's services the guest must not run masked, a test SAN (tgtd in network namespace "san" behind two
#     veth cables, started by pk-vm-san.service before open-iscsi), open-iscsi node records for both portals
#     with node.startup = automatic, and an fstab line mounting the LUN's ext4 by UUID with _netdev.
#   PK_PHASE=check (pk-vm-check.service, after multi-user.target): no ordering cycle in the journal,
#     `systemd-analyze verify default.target` clean, `systemctl is-system-running` says running, pathkeeperd was
#     active before open-iscsi logged in, the map has both paths, the fstab mount is on the map, and
#     `pathctl show topology` answers. Boot figures (systemd-analyze) go to the log.
#     Boot 1 then: `systemctl restart dbus` under the daemon and pathctl answers again; the watchdog kills a
#     SIGSTOPped daemon under a writer on the mounted filesystem, the restarted one adopts the map and the
#     writer sees no error and no mismatch; `systemd-analyze security` into security.txt; the map's name and the
#     bindings file are recorded, and the guest reboots.
#     Boot 2: the same map under the same name, bindings unchanged; then both cables are pulled with a writer
#     blocked on the queueing map, and the guest powers off (vm.sh measures how long that takes).
#   PK_PHASE=san-cables / san-target: pk-vm-san.service's steps.
# The package comes from PK_DEB (a .deb, or a directory holding pathkeeper_*.deb), else from PK_DEB_DIR (the
# CTest default, BUILD/deb). No package: skip (77).
. "$(dirname "$0")/../guest/lib.sh"

self=$(readlink -f "$0")
fs_uuid=5a1e7c0d-0b00-4a00-8000-00000000beef
mount_point=/mnt/pk-san
lun_image=/var/lib/pk-vm-san/lun1.img
# What boot 1 records for boot 2, in the persisted overlay.
boot1_record=/var/lib/pk-vm/boot1-map
watchdog_sec=10

# --- the SAN unit's steps ------------------------------------------------------------------------------------------

san_cables_and_tgtd_dirs() {
    san_cables
    mkdir -p /run/tgtd /var/run/tgtd
}

san_target() {
    wait_until 30 "tgtd management socket" ip netns exec san tgtadm --lld iscsi --op show --mode target
    ip netns exec san tgtadm --lld iscsi --op new --mode target --tid 1 -T "$PK_SAN_IQN"
    ip netns exec san tgtadm --lld iscsi --op new --mode logicalunit --tid 1 --lun 1 -b "$lun_image"
    ip netns exec san tgtadm --lld iscsi --op bind --mode target --tid 1 -I ALL
    wait_until 10 "cable-a to carry traffic" busybox ping -c1 -W1 10.77.1.2
    wait_until 10 "cable-b to carry traffic" busybox ping -c1 -W1 10.77.2.2
}

# --- before systemd -------------------------------------------------------------------------------------------------

install_package() {
    local deb_source=${PK_DEB:-${PK_DEB_DIR:-}} deb=
    if [ -f "$deb_source" ]; then
        deb=$deb_source
    elif [ -d "$deb_source" ]; then
        # shellcheck disable=SC2012  # newest first; package file names have no odd characters
        deb=$(ls -t "$deb_source"/pathkeeper_*.deb 2>/dev/null | head -1 || true)
    fi
    [ -n "$deb" ] || skip "no pathkeeper_*.deb in '${deb_source:-<PK_DEB and PK_DEB_DIR unset>}';" \
        "build one with: scripts/build-deb.sh --nocheck --out BUILD/deb (or set PK_DEB)"
    deb=$(readlink -f "$deb")

    step "apt-get install ./$(basename "$deb") (offline, no systemd running: the package enables its unit)"
    ! dpkg -s pathkeeper >/dev/null 2>&1 || fail "pathkeeper is already installed in the VM image"
    rm -f /var/lib/man-db/auto-update
    # Offline as in e2e_package_install: an empty package-lists directory, so apt resolves against what is
    # installed.
    mkdir -p /tmp/pk-apt-lists/partial
    (cd "$(dirname "$deb")" && DEBIAN_FRONTEND=noninteractive apt-get install -y -o Dpkg::Use-Pty=0 \
        -o Dir::State::Lists=/tmp/pk-apt-lists -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= \
        "./$(basename "$deb")") >"$PK_OUT/apt-install.log" 2>&1 ||
        fail "apt-get install failed:
$(tail -n 30 "$PK_OUT/apt-install.log")"
    log "installed $(dpkg-query -W -f '${Package} ${Version}' pathkeeper)"
    [ -L /etc/systemd/system/sysinit.target.wants/pathkeeperd.service ] ||
        fail "the package did not enable pathkeeperd.service (no sysinit.target.wants link)"
    [ -L /etc/systemd/system/multi-user.target.wants/pathkeeper-shutdown.service ] ||
        fail "the package did not enable pathkeeper-shutdown.service (no multi-user.target.wants link)"
}

prepare() {
    install_package
    step "the admin's switch from multipathd, and the host's services this guest must not run"
    systemctl disable multipathd.service multipathd.socket 2>&1 | sed 's/^/  /' >&2
    # Every service, socket and timer the host image enables is masked (databases, its own iSCSI targets, NTP
    # without a network, timers), except what this boot is about; so are the login prompts, which would only fight
    # the console.
    local link unit keep=" pathkeeperd.service pathkeeper-shutdown.service open-iscsi.service iscsid.service iscsid.socket remote-fs.target "
    for link in /etc/systemd/system/*.wants/*; do
        unit=${link##*/}
        [[ "$keep" == *" $unit "* ]] || ln -sfn /dev/null "/etc/systemd/system/$unit"
    done
    for unit in getty@tty1.service serial-getty@ttyS0.service console-getty.service; do
        ln -sfn /dev/null "/etc/systemd/system/$unit"
    done
    log "masked: $(find /etc/systemd/system -maxdepth 1 -lname /dev/null -printf '%f ')"
    systemctl set-default multi-user.target 2>&1 | sed 's/^/  /' >&2
    # The host may be a container: its marker files would make systemd skip every
    # ConditionVirtualization=!container unit (pathkeeperd's among them) in this VM.
    rm -f /.dockerenv /run/.containerenv
    # Debian's tmpfiles.d/tmp.conf empties /tmp at boot: here that is the host's /tmp under the overlay (a
    # checkout or build tree may live there) and whiting it out costs half a minute under TCG.
    printf 'd /tmp 1777 root root -\nd /var/tmp 1777 root root -\n' >/etc/tmpfiles.d/tmp.conf
    # Coldplug would load drivers for qemu's default devices (VGA, floppy, parallel port, CD-ROM) and CPU
    # features (kvm, cpufreq, crypto): tens of seconds under TCG, none of it storage.
    printf 'blacklist %s\n' bochs floppy parport_pc ppdev ata_piix sr_mod kvm_amd kvm_intel powernow_k8 \
        acpi_cpufreq aesni_intel ghash_clmulni_intel crc32_pclmul pcspkr >/etc/modprobe.d/pk-vm-blacklist.conf

    step "test SAN: a 64 MiB LUN with ext4 (UUID $fs_uuid), served by pk-vm-san.service in netns san"
    mkdir -p "$(dirname "$lun_image")" "$mount_point"
    truncate -s 64M "$lun_image"
    mkfs.ext4 -q -F -U "$fs_uuid" "$lun_image"
    echo "pathkeeper over systemd" >/tmp/pk-vm-stamp
    debugfs -w -R "write /tmp/pk-vm-stamp stamp" "$lun_image" >/dev/null 2>&1
    cat >/etc/systemd/system/pk-vm-san.service <<EOF
[Unit]
Description=Test SAN: tgtd in network namespace san behind two veth cables
DefaultDependencies=no
After=systemd-modules-load.service
Before=iscsid.service open-iscsi.service network.target
# Stopped at shutdown, after open-iscsi (ordered before it) has logged out.
Conflicts=shutdown.target
Before=shutdown.target

[Service]
Type=simple
# tgtd ignores SIGTERM while it serves a target, which would hold the shutdown for the stop timeout.
KillSignal=SIGKILL
Environment=PK_OUT=$PK_OUT
ExecStartPre=/bin/bash $self san-cables
ExecStart=/usr/sbin/ip netns exec san /usr/sbin/tgtd -f
ExecStartPost=/bin/bash $self san-target

[Install]
WantedBy=sysinit.target
EOF
    systemctl enable pk-vm-san.service 2>&1 | sed 's/^/  /' >&2

    step "open-iscsi node records (node.startup = automatic) for both portals; fstab line with _netdev"
    echo "InitiatorName=iqn.2026-11.org.example:pathkeeper-vm" >/etc/iscsi/initiatorname.iscsi
    local portal
    for portal in "${PK_SAN_PORTALS[@]}"; do
        iscsiadm -m node -o new -T "$PK_SAN_IQN" -p "$portal:3260,1" >/dev/null
        iscsiadm -m node -T "$PK_SAN_IQN" -p "$portal:3260,1" -o update -n node.startup -v automatic
    done
    grep -rh '^node.startup' /etc/iscsi/nodes | sort | uniq -c | sed 's/^/  /' >&2
    # A device timeout above systemd's 90 s default: under TCG on a loaded host the boot can reach the LUN later.
    echo "UUID=$fs_uuid $mount_point ext4 _netdev,x-systemd.device-timeout=300s 0 0" >>/etc/fstab
    log "fstab: $(tail -n 1 /etc/fstab)"

    step "the admin's settings: user_friendly_names (a bindings file); WatchdogSec=${watchdog_sec}s (test time only)"
    sed -i 's/^\(  user_friendly_names:\) no$/\1 yes/' /etc/pathkeeper/pathkeeper.yaml
    grep -q '^  user_friendly_names: yes$' /etc/pathkeeper/pathkeeper.yaml ||
        fail "cannot set user_friendly_names in /etc/pathkeeper/pathkeeper.yaml"
    # The package's 30 s would cost the watchdog check 20 s more VM time; the mechanism is the same.
    mkdir -p /etc/systemd/system/pathkeeperd.service.d
    printf '[Service]\nWatchdogSec=%ss\n' "$watchdog_sec" >/etc/systemd/system/pathkeeperd.service.d/pk-vm-watchdog.conf
    log "drop-in pathkeeperd.service.d/pk-vm-watchdog.conf: WatchdogSec=${watchdog_sec}s (the package ships 30s)"
}

# --- after the boot -----------------------------------------------------------------------------------------------

# unit_time UNIT PROPERTY: a unit's monotonic timestamp (seconds since boot, 2 decimals).
unit_time() {
    systemctl show -P "$2" "$1" | awk '{ printf "%.2f", $1 / 1000000 }'
}

failed=0
bad() {
    log "FAIL: $*"
    failed=1
}

# The checks of every boot: system running, no cycle, the map with both paths, the fstab mount, pathctl.
check_boot() {
    step "boot $PK_BOOT of $PK_BOOTS: systemctl is-system-running --wait"
    local state
    state=$(timeout 240 systemctl is-system-running --wait 2>&1 || true)
    log "system state: $state"
    [ "$state" = running ] || bad "the system is '$state', not running; failed units:
$(systemctl --failed --no-legend --plain 2>&1)"

    step "boot figures"
    systemd-analyze time 2>&1 | sed 's/^/  /' >&2 || true
    log "pathkeeperd.service: start $(unit_time pathkeeperd.service ExecMainStartTimestampMonotonic) s," \
        "active $(unit_time pathkeeperd.service ActiveEnterTimestampMonotonic) s;" \
        "open-iscsi.service start $(unit_time open-iscsi.service InactiveExitTimestampMonotonic) s;" \
        "pk-vm-san.service active $(unit_time pk-vm-san.service ActiveEnterTimestampMonotonic) s;" \
        "$mount_point mounted $(unit_time "$(systemd-escape -p --suffix=mount "$mount_point")" ActiveEnterTimestampMonotonic) s"
    journalctl -b -u pathkeeperd --no-pager -o short-monotonic >"$PK_OUT/pathkeeperd.log" 2>&1 || true

    step "no ordering cycle, and systemd-analyze verify default.target clean"
    local cycles
    # By syslog identifier, not _PID=1: what systemd logs before journald runs is imported from the kernel log
    # without a _PID (a cycle is found at the first transaction, that early).
    cycles=$(journalctl -b -t systemd --no-pager 2>&1 | grep -iE 'ordering cycle|deleted to break' || true)
    [ -z "$cycles" ] || bad "systemd found an ordering cycle:
$cycles"
    local verify rc=0
    verify=$(systemd-analyze verify default.target 2>&1) || rc=$?
    [ "$rc" -eq 0 ] && [ -z "$verify" ] || bad "systemd-analyze verify default.target (exit $rc):
$verify"

    step "pathkeeperd active before open-iscsi logged in; the map has both paths"
    [ "$(systemctl is-active pathkeeperd.service)" = active ] || bad "pathkeeperd.service is not active"
    [ "$(systemctl is-enabled pathkeeperd.service)" = enabled ] || bad "pathkeeperd.service is not enabled"
    local daemon_active iscsi_start
    daemon_active=$(systemctl show -P ActiveEnterTimestampMonotonic pathkeeperd.service)
    iscsi_start=$(systemctl show -P InactiveExitTimestampMonotonic open-iscsi.service)
    [ "$daemon_active" -gt 0 ] && [ "$iscsi_start" -gt 0 ] && [ "$daemon_active" -le "$iscsi_start" ] ||
        bad "pathkeeperd became active at $daemon_active us, open-iscsi started at $iscsi_start us"
    local maps
    maps=$(dmsetup table --target multipath 2>/dev/null || true)
    log "multipath maps: ${maps:-none}"
    [ "$(grep -c . <<<"$maps")" -eq 1 ] || bad "expected one multipath map"
    local disks
    disks=$(iscsi_disks | tr '\n' ' ')
    log "iSCSI paths: $disks"
    [ "$(wc -w <<<"$disks")" -eq 2 ] || bad "expected two iSCSI paths"

    step "the fstab mount is on the map"
    local source majmin
    source=$(findmnt -n -o SOURCE "$mount_point" || true)
    log "$mount_point: $(findmnt -n -o SOURCE,FSTYPE,OPTIONS "$mount_point" || echo 'not mounted')"
    if [ -n "$source" ]; then
        majmin=$(lsblk -dn -o MAJ:MIN "$source" | tr -d ' ')
        local dm_uuid
        dm_uuid=$(cat "/sys/dev/block/$majmin/dm/uuid" 2>/dev/null || true)
        [[ "$dm_uuid" == mpath-* ]] || bad "$mount_point is on $source ($majmin), not on a multipath map"
        [ "$(cat "$mount_point/stamp" 2>/dev/null)" = "pathkeeper over systemd" ] ||
            bad "the stamp written before the boot is not on the mounted filesystem"
    else
        bad "$mount_point is not mounted"
    fi

    step "pathctl show topology"
    # The daemon publishes its API once the system bus is up, which comes after it at boot.
    local topology="" deadline=$((SECONDS + 30))
    until topology=$(pathctl show topology 2>&1); do
        topology=
        [ "$SECONDS" -lt "$deadline" ] || break
        sleep 0.5
    done
    if [ -n "$topology" ]; then
        printf '%s\n' "$topology" | sed 's/^/  /' >&2
    else
        bad "pathctl show topology did not answer within 30 s: $(pathctl show topology 2>&1 | tail -n 3)"
    fi

    step "the metrics file in node_exporter's directory (through the unit's sandbox); the alert rules"
    local prom=/var/lib/prometheus/node-exporter/pathkeeper.prom
    deadline=$((SECONDS + 30))
    until grep -qE '^pathkeeper_map_usable_paths\{map="[^"]+"\} 2$' "$prom" 2>/dev/null; do
        [ "$SECONDS" -lt "$deadline" ] || break
        sleep 0.5
    done
    grep -qE '^pathkeeper_map_usable_paths\{map="[^"]+"\} 2$' "$prom" 2>/dev/null ||
        bad "no map with 2 usable paths in $prom: $(grep -E 'usable_paths|^#' "$prom" 2>&1 | tail -n 3);" \
            "journal: $(journalctl -b -u pathkeeperd.service --no-pager | grep -i metrics | tail -n 3)"
    [ -s /usr/share/pathkeeper/prometheus/pathkeeper.rules.yml ] || bad "the package installed no alert rules"

    step "the journal: the map's creation or adoption as a structured entry, explained by the catalog"
    local ids=(MESSAGE_ID=393d2ac8426745708a7975f5f7ac3976 MESSAGE_ID=36c3b25e61bd456d8ef49b5b3c054ebb) fields
    # -a: an export stream carries binary-framed fields, which would make grep print "binary file matches".
    fields=$(journalctl -b -u pathkeeperd.service -o export "${ids[@]}" | grep -aE '^(MAP|WWID)=' | sort -u)
    log "map entry fields: $(tr '\n' ' ' <<<"$fields")"
    if ! grep -q '^MAP=.' <<<"$fields" || ! grep -q '^WWID=.' <<<"$fields"; then
        bad "no map-created/adopted journal entry with MAP= and WWID= fields; the daemon's entries:
$(journalctl -b -u pathkeeperd.service -o export --no-pager | grep -aE '^(MESSAGE_ID|MAP|WWID|MESSAGE)=' | head -n 40)
without -u: $(journalctl -b -o export --no-pager "${ids[@]}" | grep -aE '^(MESSAGE_ID|MAP|_SYSTEMD_UNIT)=' | head)"
    fi
    journalctl -b -u pathkeeperd.service -x --no-pager "${ids[@]}" | grep -q 'Look closer with: pathctl show map' ||
        bad "journalctl -x shows no catalog text for the map entry (catalog not installed or not indexed)"
}

# pathctl_answers_within SECONDS: polls pathctl show topology; true once it answers.
pathctl_answers_within() {
    local deadline=$((SECONDS + $1))
    until pathctl show topology >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.2
    done
}

the_map() { mpath_maps | head -1; }
# Paths dm reports active in a map's status ("MAJ:MIN A"; a group's own state letter is not counted).
active_paths() { dmsetup status "$1" 2>/dev/null | grep -oE '[0-9]+:[0-9]+ A' | wc -l; }

check_dbus_restart() {
    step "systemctl restart dbus under the running daemon; pathctl must answer again"
    local t0 t1
    t0=$(now_s)
    systemctl restart dbus.service || bad "systemctl restart dbus failed"
    t1=$(now_s)
    if pathctl_answers_within 60; then
        log "RESULT: dbus restarted in $(elapsed "$t0" "$t1") s; pathctl answers $(elapsed "$t0" "$(now_s)") s" \
            "after the restart began"
    else
        bad "pathctl show topology did not answer within 60 s of the dbus restart: $(pathctl show topology 2>&1 | tail -n 2)"
    fi
}

check_watchdog() {
    step "watchdog: SIGSTOP pathkeeperd under a writer on $mount_point (WatchdogSec=${watchdog_sec}s by drop-in)"
    require_prober "${1:-}"
    local map uuid minor file=$mount_point/prober.dat result=$PK_OUT/prober-watchdog.json
    read -r map uuid <<<"$(the_map)"
    minor=$(dmsetup info -c --noheadings -o minor "$map")
    # The map holds the mounted ext4: the prober writes a preallocated file on it, O_DIRECT, never the device.
    dd if=/dev/zero of="$file" bs=1M count=2 oflag=direct conv=fsync status=none
    "$PK_PROBER" --device "$file" --seconds 300 --blocks 512 >"$result" 2>"$result.err" &
    local prober=$!
    sleep 3
    local pid0 t_stop t_ready pid1
    pid0=$(systemctl show -P MainPID pathkeeperd.service)
    t_stop=$(now_s)
    log "SIGSTOP to pathkeeperd (pid $pid0), map $map (dm minor $minor)"
    kill -STOP "$pid0"
    new_daemon_ready() {
        pid1=$(systemctl show -P MainPID pathkeeperd.service)
        [ "$pid1" != 0 ] && [ "$pid1" != "$pid0" ] &&
            [ "$(systemctl show -P ActiveState pathkeeperd.service)" = active ]
    }
    if wait_until_quiet 120 new_daemon_ready; then
        t_ready=$(now_s)
        pid1=$(systemctl show -P MainPID pathkeeperd.service)
        log "RESULT: a new pathkeeperd (pid $pid1) is ready $(elapsed "$t_stop" "$t_ready") s after the SIGSTOP" \
            "(WatchdogSec=${watchdog_sec}s)"
    else
        bad "no new pathkeeperd was ready within 120 s of the SIGSTOP"
        kill -CONT "$pid0" 2>/dev/null || true
    fi
    journalctl -b --no-pager -o short-monotonic 2>&1 | grep -E 'pathkeeperd.service: (Watchdog timeout|Main process exited|Scheduled restart)' |
        sed 's/^/  /' >&2 || true
    journalctl -b --no-pager 2>&1 | grep -q 'pathkeeperd.service: Watchdog timeout' ||
        bad "systemd logged no watchdog timeout for pathkeeperd"
    local map1 uuid1 minor1
    read -r map1 uuid1 <<<"$(the_map)"
    minor1=$(dmsetup info -c --noheadings -o minor "$map1" 2>/dev/null || true)
    [ "$map1 $uuid1 $minor1" = "$map $uuid $minor" ] ||
        bad "the map changed across the restart: '$map $uuid $minor' -> '$map1 $uuid1 $minor1'"
    wait_until_quiet 30 eval '[ "$(active_paths "$map")" -eq 2 ]' || bad "the adopted map has not two active paths: $(dmsetup status "$map")"
    pathctl_answers_within 30 || bad "the restarted daemon does not answer pathctl"
    log "after the restart: $(dmsetup status "$map")"
    sleep 2
    kill -INT "$prober" 2>/dev/null || true
    local rc=0
    wait "$prober" || rc=$?
    cat "$result.err" >&2 || true
    log "RESULT: writer during the watchdog restart: $(cat "$result")"
    log "RESULT: writes $(json_field "$result" writes), errors $(json_field "$result" errors)," \
        "mismatches $(json_field "$result" mismatches), longest pause $(json_field "$result" max_gap_ms) ms"
    [ "$rc" -eq 0 ] && [ "$(json_field "$result" errors)" = 0 ] && [ "$(json_field "$result" mismatches)" = 0 ] ||
        bad "the writer saw errors or mismatches across the watchdog restart (exit $rc)"
    rm -f "$file"
}

# wait_until_quiet TIMEOUT_S COMMAND...: like wait_until, but returns 1 on timeout instead of failing.
wait_until_quiet() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@" >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.2
    done
}

check_security() {
    step "systemd-analyze security pathkeeperd.service"
    systemd-analyze security --no-pager pathkeeperd.service >"$PK_OUT/security.txt" 2>&1 || true
    sed 's/^/  /' "$PK_OUT/security.txt" >&2
    log "RESULT: $(grep -i 'overall exposure' "$PK_OUT/security.txt" || echo 'no exposure level')"
}

bindings_file=/var/lib/pathkeeper/bindings

record_map() {
    step "the map's name and the bindings file, for boot 2"
    local map uuid
    read -r map uuid <<<"$(the_map)"
    [ -n "$map" ] || bad "no map to record"
    [[ "$map" == mpath* ]] || bad "map $map has no user-friendly name (user_friendly_names: yes)"
    mkdir -p "$(dirname "$boot1_record")"
    printf '%s %s %s\n' "$map" "$uuid" "$(sha256sum <"$bindings_file" 2>/dev/null | cut -c1-16)" >"$boot1_record"
    log "map $map ($uuid); $bindings_file: $(grep -v '^#' "$bindings_file" 2>/dev/null | tr '\n' ' ' || echo missing)"
    [ -s "$bindings_file" ] || bad "no bindings file $bindings_file"
    sync
}

check_same_map() {
    step "the same map under the same name as in boot 1, bindings unchanged"
    local map uuid map1 uuid1 sum1 sum
    read -r map1 uuid1 sum1 <"$boot1_record" || bad "boot 1 left no record"
    read -r map uuid <<<"$(the_map)"
    sum=$(sha256sum <"$bindings_file" 2>/dev/null | cut -c1-16)
    log "boot 1: $map1 $uuid1 bindings $sum1; boot 2: $map $uuid bindings $sum"
    [ "$map $uuid" = "$map1 $uuid1" ] || bad "the map is '$map $uuid' after the reboot, was '$map1 $uuid1'"
    [ "$sum" = "$sum1" ] || bad "the bindings file changed across the reboot"
}

prepare_poweroff_with_paths_down() {
    step "poweroff with every path down while the map queues, a writer blocked on $mount_point"
    require_prober "${1:-}"
    local map uuid file=$mount_point/blocked.dat
    read -r map uuid <<<"$(the_map)"
    log "map $map: $(dmsetup table "$map" | cut -d' ' -f3-8)"
    dd if=/dev/zero of="$file" bs=256K count=1 oflag=direct conv=fsync status=none
    # An application of its own (a transient service that needs the mount), stopped by the shutdown.
    systemd-run --unit=pk-vm-writer -p RequiresMountsFor="$mount_point" \
        "$PK_PROBER" --device "$file" --seconds 600 --blocks 64 --quiet >/dev/null
    sleep 2
    local disk disks
    disks=$(iscsi_disks)
    pull_cable a
    pull_cable b
    kmsg_mark "both cables pulled"
    for disk in $disks; do
        wait_until_quiet 90 dm_path_is "$disk" F || bad "dm did not fail $disk within 90 s of the pull"
    done
    kmsg_mark "all paths failed, powering off"
    # No more waiting here: the map's no_path_retry countdown runs from now, and the poweroff must start while
    # the map still queues.
    log "all paths failed: $(dmsetup status "$map"); queue_if_no_path: $(map_queues "$map" && echo yes || echo no)"
    log "writer: $(systemctl show -P ActiveState pk-vm-writer.service), $(ps -o stat=,wchan:24= -C pk-io-prober | head -1)"
    [ "$(systemctl is-active pathkeeper-shutdown.service)" = active ] ||
        bad "pathkeeper-shutdown.service is not active: the shutdown would wait for the queue"
    log "powering off now (vm.sh measures the time to qemu's exit)"
}

check() {
    check_boot
    if [ "$PK_BOOT" = 1 ]; then
        check_dbus_restart
        check_watchdog "$@"
        check_security
        record_map
    else
        check_same_map
        [ "$failed" -eq 0 ] && prepare_poweroff_with_paths_down "$@"
    fi
    [ "$failed" -eq 0 ] || fail "see above"
    log "PASS (boot $PK_BOOT of $PK_BOOTS)"
}

# shellcheck disable=SC2034  # lib.sh's pathctl() runs it
PK_PATHCTL=/usr/sbin/pathctl
case "${PK_PHASE:-${1:-}}" in
prepare) prepare ;;
check) check "$@" ;;
san-cables) san_cables_and_tgtd_dirs ;;
san-target) san_target ;;
*) fail "run by tests/vm/vm.sh, which boots systemd for it (PK_PHASE is '${PK_PHASE:-}')" ;;
esac

#!/bin/bash
# Stage-2 init of the test VM for scenarios that boot Debian's systemd (vm.sh picks it for a scenario whose
# header has the line "# vm.sh: boot=systemd").
#
#   systemd-init.sh          PID 1 after switch_root onto the host-root overlay: runs the scenario with
#                            PK_PHASE=prepare (it installs and configures the guest system in the overlay, as
#                            an admin's chroot would), installs pk-vm-check.service, then execs systemd.
#   systemd-init.sh check    ExecStart of pk-vm-check.service, started with multi-user.target: runs the scenario
#                            with PK_PHASE=check, records its exit code, journal and kernel log in /pk-out and
#                            powers the guest off through systemd.
# A scenario with "# vm.sh: boots=N" keeps the overlay on a disk: after a passing check of boot 1..N-1 the guest
# reboots (vm.sh boots it again), and the next boot skips the preparation (a marker in the persisted overlay).
# The scenario reads PK_BOOT (1..N). poweroff-requested and reboot-requested in /pk-out tell vm.sh what comes.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=dumb
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
prepared_marker=/var/lib/pk-vm/prepared

# report_and_power_off RC: what vm.sh collects, then off. Used by both phases.
# Only the output share is synced: a global sync would wait for a filesystem on a map that queues with every
# path down (the scenario may leave one so, to test the poweroff).
report_and_power_off() {
    echo "$1" >/pk-out/exit-code
    dmesg >>/pk-out/dmesg.log 2>/dev/null
    sync -f /pk-out
}

if [ "${1:-}" = check ]; then
    boot=$(cat /pk-out/boot 2>/dev/null || echo 1)
    boots=$(sed -n 's/.*PK_BOOTS=\([0-9]*\).*/\1/p' /pk-out/job.sh)
    # tee through a process substitution, not a pipe: the exit code is the job's own (see init.sh). Appended:
    # the logs of every boot of one run stay in the same files.
    PK_PHASE=check bash /pk-out/job.sh </dev/null > >(tee -a /pk-out/guest.log) 2>&1
    rc=$?
    sleep 0.2
    [ "${boots:-1}" -eq 1 ] || echo "-- boot $boot of $boots --" >>/pk-out/journal.log
    journalctl -b --no-pager -o short-monotonic >>/pk-out/journal.log 2>&1
    if [ "$rc" -eq 0 ] && [ "$boot" -lt "${boots:-1}" ]; then
        dmesg >>/pk-out/dmesg.log 2>/dev/null
        : >/pk-out/reboot-requested
        sync -f /pk-out
        echo "pathkeeper-vm: boot $boot of $boots passed, rebooting through systemd"
        systemctl --no-block reboot
        exit 0
    fi
    report_and_power_off "$rc"
    echo "pathkeeper-vm: guest script exited $rc, powering off through systemd"
    : >/pk-out/poweroff-requested
    sync -f /pk-out
    systemctl --no-block poweroff
    exit 0
fi

mount -t proc proc /proc
mount -t sysfs sysfs /sys
awk '{ print $1 }' /proc/uptime >/pk-out/boot-seconds
if [ -e "$prepared_marker" ]; then
    echo "pathkeeper-vm: boot $(cat /pk-out/boot) at $(cat /pk-out/boot-seconds) s: the overlay was prepared by boot 1; exec /lib/systemd/systemd"
    umount /sys /proc
    exec /lib/systemd/systemd
fi
# A fresh /run for the preparation only: no systemd runs yet, so the package's maintainer scripts enable units
# by symlink as on an image build, and nothing of the host's /run leaks in. systemd mounts its own /run.
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /dev/pts /run/lock
mount -t devpts -o gid=5,mode=620 devpts /dev/pts
ln -sf /proc/self/fd /dev/fd 2>/dev/null || true
hostname pathkeeper-vm
echo pathkeeper-vm >/etc/hostname
# A machine id of our own: systemd, journald and dbus must not share the host's.
dbus-uuidgen >/etc/machine-id

echo "pathkeeper-vm: stage 2 at $(cat /pk-out/boot-seconds) s (guest uptime), kernel $(uname -r); preparing the overlay for systemd"

PK_PHASE=prepare bash /pk-out/job.sh </dev/null > >(tee /pk-out/prepare.log) 2>&1
rc=$?
sleep 0.2
if [ "$rc" -ne 0 ]; then
    cp /pk-out/prepare.log /pk-out/guest.log
    report_and_power_off "$rc"
    echo "pathkeeper-vm: preparation exited $rc, powering off without booting systemd"
    echo o >/proc/sysrq-trigger
    sleep 30
fi

# The check runs once the boot is done. Type=simple: its start job ends at once, so the boot can finish
# (is-system-running would say "starting" while a oneshot's start job is still running).
cat >/etc/systemd/system/pk-vm-check.service <<EOF
[Unit]
Description=pathkeeper VM scenario checks
After=multi-user.target

[Service]
Type=simple
ExecStart=/bin/bash $here/systemd-init.sh check
StandardOutput=journal+console
StandardError=journal+console
EOF
mkdir -p /etc/systemd/system/multi-user.target.wants
ln -sf /etc/systemd/system/pk-vm-check.service /etc/systemd/system/multi-user.target.wants/pk-vm-check.service

mkdir -p "$(dirname "$prepared_marker")"
: >"$prepared_marker"
echo "pathkeeper-vm: exec /lib/systemd/systemd at $(awk '{ print $1 }' /proc/uptime) s"
umount /dev/pts /run /sys /proc
exec /lib/systemd/systemd

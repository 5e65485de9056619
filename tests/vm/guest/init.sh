#!/bin/bash
# Stage-2 init of the pathkeeper test VM (runs as PID 1 after switch_root onto the host-root overlay).
# Sets up a minimal system, runs the job vm.sh wrote into /pk-out/job.sh, records its exit code, powers off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=dumb

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mkdir -p /dev/pts /dev/shm
mount -t devpts -o gid=5,mode=620 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
# Fresh /run: the host's sockets and pid files must not leak into the guest. /tmp stays the overlay (host
# content below, guest writes to the tmpfs upper layer), so a checkout or build tree under /tmp, as CI and
# `git clone . /tmp/x` make, is still visible to the guest.
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/lock /run/udev /run/dbus /run/multipath /run/pathkeeper
mkdir -p /var/lib/iscsi /var/lib/pathkeeper /var/lib/multipath
mount -t configfs configfs /sys/kernel/config 2>/dev/null || true
ln -sf /proc/self/fd /dev/fd 2>/dev/null || true
ln -sf /proc/self/fd/0 /dev/stdin 2>/dev/null || true
ln -sf /proc/self/fd/1 /dev/stdout 2>/dev/null || true
ln -sf /proc/self/fd/2 /dev/stderr 2>/dev/null || true
hostname pathkeeper-vm
echo pathkeeper-vm >/etc/hostname
ip link set lo up
# A machine id of our own, so dbus and udev do not share the host's.
dbus-uuidgen >/etc/machine-id 2>/dev/null || true

awk '{ print $1 }' /proc/uptime >/pk-out/boot-seconds
echo "pathkeeper-vm: booted in $(cat /pk-out/boot-seconds) s (guest uptime), kernel $(uname -r)"

# tee through a process substitution, not a pipe: the exit code is the job's own, and a background process
# the job left behind (a daemon, a process stuck in the kernel) cannot hold the pipe open and keep init
# waiting for an end-of-file that never comes.
bash /pk-out/job.sh </dev/null > >(tee /pk-out/guest.log) 2>&1
rc=$?
sleep 0.2  # let tee copy the last lines
echo "$rc" >/pk-out/exit-code
dmesg >/pk-out/dmesg.log 2>/dev/null
sync
echo "pathkeeper-vm: guest script exited $rc, powering off"
echo o >/proc/sysrq-trigger
sleep 30

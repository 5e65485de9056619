#!/usr/bin/env bash
# pathkeeper's real-kernel test bed (host side).
#
# The host kernel has neither device-mapper nor SCSI, so every real test runs in a qemu guest that boots Debian's
# own kernel on the host's root filesystem: / is exported read-only over 9p and mounted under an overlayfs with a
# tmpfs upper layer by a tiny busybox initramfs. The guest therefore sees the freshly built binaries and every
# apt-installed tool, and can write anywhere without touching the host.
#
#   vm.sh prepare
#       Cache kernel, modules (apt-get download + dpkg -x + depmod -b) and the initramfs under
#       ${PATHKEEPER_VM_CACHE:-$HOME/.cache/pathkeeper-vm}. Idempotent; a second run takes well under a second.
#   vm.sh run [--out DIR] [--timeout SECONDS] [--mem MB] [--quiet] [--require FILE]... GUEST_SCRIPT [ARGS...]
#       Boot the VM and run GUEST_SCRIPT as root inside it (after guest init: proc/sys/dev, fresh tmpfs on
#       /run, modules bind-mounted, hostname, loopback). Exits with the guest script's exit code.
#       DIR (default: a new mktemp directory) is shared writable with the guest as /pk-out ($PK_OUT there); it
#       receives console.log (full guest console), guest.log (the script's output), dmesg.log, exit-code and any
#       logs the script writes. On failure the tails of those logs are printed.
#       GUEST_SCRIPT, the build tree and the source tree must live outside /run: the guest mounts a fresh
#       tmpfs there (/tmp is fine: it is the host's, under the guest's copy-on-write overlay). Environment variables named PK_* and PATHKEEPER_* are passed into the guest.
#       --require FILE exits 77 (skip) at once, without booting, when FILE is not an executable.
#
# Only the guest's own loopback and its private network namespaces are ever used; qemu gets no network device.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${PATHKEEPER_VM_CACHE:-$HOME/.cache/pathkeeper-vm}

# Modules the initramfs loads, in dependency order, to reach a 9p root under an overlay.
initramfs_modules=(virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci
    netfs fscache 9pnet 9pnet_virtio 9p overlay)
# Loaded after those only for a persistent upper layer (a scenario with "# vm.sh: boots=N"): the virtio disk and
# ext4 with its dependencies (modules.dep; crc32c through the crypto API).
initramfs_disk_modules=(virtio_blk crc16 mbcache jbd2 crc32c_generic ext4)

die() {
    echo "vm.sh: $*" >&2
    exit 2
}

kernel_package() {
    if [ -n "${PATHKEEPER_VM_KERNEL_PACKAGE:-}" ]; then
        echo "$PATHKEEPER_VM_KERNEL_PACKAGE"
        return
    fi
    # The versioned image the distribution's meta package currently points at.
    apt-cache depends linux-image-amd64 2>/dev/null |
        awk '/Depends: linux-image-[0-9]/ { print $2; exit }'
}

# The stage-1 init inside the initramfs: load the 9p/overlay modules, assemble the root, hand over to stage 2.
stage1_init() {
    cat <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
fail() { echo "pathkeeper-vm initramfs: $*"; echo o >/proc/sysrq-trigger; sleep 5; }
for m in $(cat /modules/order); do insmod "/modules/$m.ko" || fail "insmod $m"; done
stage2=
rw=tmpfs
for arg in $(cat /proc/cmdline); do
    case "$arg" in pk.stage2=*) stage2=${arg#pk.stage2=} ;; pk.rw=*) rw=${arg#pk.rw=} ;; esac
done
mkdir -p /lower /rw /newroot
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,cache=loose,ro hostroot /lower || fail "mount host root"
if [ "$rw" = tmpfs ]; then
    mount -t tmpfs -o mode=0755 rw /rw
else
    # A persistent upper layer: the overlay's writes survive a reboot of the guest (vm.sh boots it again).
    for m in $(cat /modules/disk-order); do insmod "/modules/$m.ko" || fail "insmod $m"; done
    n=0
    while [ ! -b "/dev/$rw" ] && [ "$n" -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
    mount -t ext4 "/dev/$rw" /rw || fail "mount /dev/$rw"
fi
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /newroot || fail "mount overlay"
kver=$(uname -r)
mkdir -p "/newroot/lib/modules/$kver" /newroot/pk-out
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,cache=loose,ro modules "/newroot/lib/modules/$kver" ||
    fail "mount modules"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 pkout /newroot/pk-out || fail "mount output share"
mount --move /dev /newroot/dev
umount /proc /sys
exec switch_root /newroot /bin/bash "$stage2"
EOF
}

cmd_prepare() {
    local pkg kver kdir stamp
    pkg=$(kernel_package)
    [ -n "$pkg" ] || die "cannot tell which kernel package linux-image-amd64 depends on (apt-get update?)"
    kver=${pkg#linux-image-}
    kdir=$cache/kernel/$kver
    mkdir -p "$cache"
    if [ ! -e "$kdir/.complete" ]; then
        echo "vm.sh: caching kernel $pkg in $kdir"
        rm -rf "$kdir" "$cache/dl"
        mkdir -p "$cache/dl" "$kdir"
        (cd "$cache/dl" && apt-get download -q "$pkg" 2>&1 | grep -v 'unsandboxed' || true)
        local deb
        deb=$(ls "$cache/dl/${pkg}"_*.deb 2>/dev/null | head -1)
        [ -n "$deb" ] || die "apt-get download $pkg failed"
        dpkg -x "$deb" "$kdir/root"
        depmod -b "$kdir/root" "$kver"
        cp "$kdir/root/boot/vmlinuz-$kver" "$kdir/vmlinuz"
        rm -rf "$cache/dl"
        touch "$kdir/.complete"
    fi
    # The initramfs is keyed by the stage-1 init text and its modules so a change to either rebuilds it.
    stamp=$({ stage1_init; echo "${initramfs_modules[*]} / ${initramfs_disk_modules[*]}"; } | sha256sum | cut -c1-12)
    local initrd=$kdir/initramfs-$stamp.cpio.gz
    if [ ! -e "$initrd" ]; then
        echo "vm.sh: building initramfs $initrd"
        local busybox
        busybox=$(command -v busybox) || die "busybox not installed (apt-get install busybox-static)"
        if ldd "$busybox" >/dev/null 2>&1; then
            die "$busybox is dynamically linked; install busybox-static"
        fi
        local work
        work=$(mktemp -d)
        mkdir -p "$work"/{bin,dev,proc,sys,modules}
        cp "$busybox" "$work/bin/busybox"
        stage1_init >"$work/init"
        chmod 755 "$work/init"
        printf '%s\n' "${initramfs_modules[@]}" >"$work/modules/order"
        printf '%s\n' "${initramfs_disk_modules[@]}" >"$work/modules/disk-order"
        local m path
        for m in "${initramfs_modules[@]}" "${initramfs_disk_modules[@]}"; do
            path=$(find "$kdir/root/lib/modules/$kver/kernel" -name "$m.ko" | head -1)
            [ -n "$path" ] || die "module $m.ko not found in $kver"
            cp "$path" "$work/modules/"
        done
        (cd "$work" && find . | cpio -o -H newc --quiet | gzip -1) >"$initrd.tmp"
        mv "$initrd.tmp" "$initrd"
        rm -rf "$work"
        find "$kdir" -maxdepth 1 -name 'initramfs-*.cpio.gz' ! -name "initramfs-$stamp.cpio.gz" -delete
    fi
    printf '%s\n' "$kver" >"$cache/current-kernel"
    ln -sfn "$(basename "$initrd")" "$kdir/initramfs.cpio.gz"
}

print_failure_logs() {
    local out=$1
    echo "----- vm.sh: guest run failed; logs kept in $out -----"
    local f
    for f in "$out"/*.log; do
        [ -e "$f" ] || continue
        case "$(basename "$f")" in console.log | guest.log) continue ;; esac
        echo "----- tail of $f -----"
        tail -n 40 "$f"
    done
    if [ -e "$out/console.log" ]; then
        echo "----- tail of $out/console.log -----"
        tail -n 60 "$out/console.log"
    fi
}

cmd_run() {
    local out="" timeout=600 mem=2048 quiet=0
    while [ $# -gt 0 ]; do
        case "$1" in
        --out) out=$2; shift 2 ;;
        --timeout) timeout=$2; shift 2 ;;
        --mem) mem=$2; shift 2 ;;
        --quiet) quiet=1; shift ;;
        --require)
            # Skip (exit 77, CTest SKIP_RETURN_CODE) without booting when a binary under test is not built yet.
            if [ ! -x "$2" ]; then
                echo "vm.sh: SKIP: $2 is not built"
                exit 77
            fi
            shift 2
            ;;
        --) shift; break ;;
        -*) die "unknown option $1" ;;
        *) break ;;
        esac
    done
    [ $# -ge 1 ] || die "usage: vm.sh run [--out DIR] [--timeout S] [--mem MB] [--quiet] GUEST_SCRIPT [ARGS...]"
    local script
    script=$(realpath "$1")
    shift
    [ -r "$script" ] || die "guest script $script not readable"
    case "$script" in /run/*) die "guest script $script is under /run, which the guest replaces with a fresh tmpfs" ;; esac

    # "# vm.sh: boots=N" (systemd scenarios): the overlay's upper layer is an ext4 disk kept across N boots, and
    # the guest asks for the next boot by writing reboot-requested to the output share before `systemctl
    # reboot` (qemu runs with -no-reboot, so a reboot ends it). The scenario sees PK_BOOT=1..N.
    local boots poweroff_within disk_dir="" rw_args=""
    boots=$(sed -n 's/^# vm\.sh: boots=\([0-9][0-9]*\)$/\1/p' "$script" | head -1)
    boots=${boots:-1}
    # "# vm.sh: poweroff-within=S": the time from the guest's poweroff request (poweroff-requested appears in
    # the output share) to qemu's exit is measured, and the run fails when it exceeds S seconds.
    poweroff_within=$(sed -n 's/^# vm\.sh: poweroff-within=\([0-9][0-9]*\)$/\1/p' "$script" | head -1)
    grep -qx '# vm.sh: boot=systemd' "$script" || boots=1

    cmd_prepare >/dev/null
    local kver kdir
    kver=$(cat "$cache/current-kernel")
    kdir=$cache/kernel/$kver

    if [ -z "$out" ]; then
        out=$(mktemp -d /tmp/pathkeeper-vm.XXXXXX)
    else
        mkdir -p "$out"
        # Results of an earlier run in the same directory must not be mistaken for this run's.
        rm -f "$out"/*.log "$out"/*.json "$out"/*.json.err "$out"/*.txt "$out/exit-code" "$out/job.sh" \
            "$out/boot-seconds" "$out/boot" "$out/reboot-requested" "$out/poweroff-requested" "$out/poweroff-seconds"
    fi
    out=$(realpath "$out")

    # The job file carries the working directory, environment and exact arguments into the guest.
    {
        echo "cd $(printf '%q' "$(pwd)") 2>/dev/null || cd /"
        { env | grep -E '^(PK|PATHKEEPER)_[A-Za-z0-9_]*=' || true; } | while IFS='=' read -r name value; do
            printf 'export %s=%q\n' "$name" "$value"
        done
        echo "export PK_OUT=/pk-out PK_HOST_OUT=$(printf '%q' "$out")"
        # shellcheck disable=SC2016  # expanded in the guest: the boot number changes from boot to boot
        echo 'export PK_BOOT=$(cat /pk-out/boot 2>/dev/null || echo 1) PK_BOOTS='"$boots"
        printf 'exec bash %q' "$script"
        printf ' %q' "$@"
        echo
    } >"$out/job.sh"

    # A scenario whose header says "# vm.sh: boot=systemd" boots Debian's systemd as PID 1
    # (guest/systemd-init.sh); every other one runs under the hand-made init (guest/init.sh).
    local stage2=$here/guest/init.sh boot_args=""
    if grep -qx '# vm.sh: boot=systemd' "$script"; then
        stage2=$here/guest/systemd-init.sh
        boot_args=" systemd.show_status=1"
    fi

    local initrd
    initrd=$(readlink -f "$kdir/initramfs.cpio.gz")
    if [ "$boots" -gt 1 ]; then
        disk_dir=$(mktemp -d "${TMPDIR:-/tmp}/pathkeeper-vm-disk.XXXXXX")
        # shellcheck disable=SC2064  # the directory is known now
        trap "rm -rf '$disk_dir'" EXIT
        # Every boot reads the initramfs again: a copy, so a concurrent `vm.sh prepare` cannot remove it.
        cp "$initrd" "$disk_dir/initramfs.cpio.gz"
        initrd=$disk_dir/initramfs.cpio.gz
        truncate -s 2G "$disk_dir/upper.img"
        mkfs.ext4 -q -F -L pk-vm-upper "$disk_dir/upper.img"
        rw_args=" pk.rw=vda"
    fi

    local started ended status=0 boot=1 deadline poweroff_seen=""
    started=$(date +%s.%N)
    deadline=$(($(date +%s) + timeout))
    while :; do
        echo "$boot" >"$out/boot"
        rm -f "$out/reboot-requested" "$out/poweroff-requested"
        # shellcheck disable=SC2054  # the commas belong to qemu's option syntax
        local qemu=(qemu-system-x86_64 -accel tcg,thread=multi -cpu max -smp 2 -m "$mem"
            -display none -serial stdio -monitor none -no-reboot -nic none
            -kernel "$kdir/vmlinuz" -initrd "$initrd"
            -append "console=ttyS0 quiet panic=-1 sysrq_always_enabled=1 pk.stage2=$stage2$boot_args$rw_args"
            -virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
            -virtfs "local,path=$kdir/root/lib/modules/$kver,mount_tag=modules,security_model=none,readonly=on"
            -virtfs "local,path=$out,mount_tag=pkout,security_model=none")
        [ -z "$disk_dir" ] || qemu+=(-drive "file=$disk_dir/upper.img,format=raw,if=virtio,cache=unsafe")
        local watcher=""
        if [ -n "$poweroff_within" ]; then
            # Polled, not read from the file's time: the host's clock, at the moment the request is visible.
            (
                until [ -e "$out/poweroff-requested" ]; do sleep 0.1; done
                date +%s.%N >"$out/.poweroff-seen"
            ) &
            watcher=$!
            rm -f "$out/.poweroff-seen"
        fi
        local remaining=$((deadline - $(date +%s)))
        [ "$remaining" -gt 0 ] || remaining=1
        if [ "$quiet" = 1 ]; then
            timeout -s KILL "$remaining" "${qemu[@]}" </dev/null 2>&1 | sed -u 's/\r$//' >>"$out/console.log" ||
                status=$?
        else
            timeout -s KILL "$remaining" "${qemu[@]}" </dev/null 2>&1 | sed -u 's/\r$//' | tee -a "$out/console.log" ||
                status=$?
        fi
        ended=$(date +%s.%N)
        if [ -n "$watcher" ]; then
            kill "$watcher" 2>/dev/null || true
            wait "$watcher" 2>/dev/null || true
            if [ -s "$out/.poweroff-seen" ]; then
                poweroff_seen=$(awk -v a="$(cat "$out/.poweroff-seen")" -v b="$ended" 'BEGIN { printf "%.1f", b - a }')
            fi
            rm -f "$out/.poweroff-seen"
        fi
        if [ "$status" -eq 0 ] && [ -e "$out/reboot-requested" ] && [ ! -s "$out/exit-code" ] &&
            [ "$boot" -lt "$boots" ]; then
            printf 'vm.sh: the guest rebooted after %.1f s; boot %s of %s with the same disk\n' \
                "$(awk -v a="$started" -v b="$ended" 'BEGIN { print b - a }')" $((boot + 1)) "$boots"
            boot=$((boot + 1))
            continue
        fi
        break
    done
    if [ -n "$disk_dir" ]; then
        rm -rf "$disk_dir"
        trap - EXIT
    fi
    local rc
    if [ -s "$out/exit-code" ]; then
        rc=$(cat "$out/exit-code")
    else
        if [ "$status" -ne 0 ]; then
            echo "vm.sh: qemu killed after the ${timeout}s timeout or crashed (status $status)" >&2
        elif [ -e "$out/reboot-requested" ]; then
            echo "vm.sh: the guest asked for boot $((boot + 1)) but the scenario declares $boots" >&2
        else
            echo "vm.sh: the guest powered off without reporting an exit code" >&2
        fi
        rc=124
    fi
    if [ -n "$poweroff_within" ]; then
        if [ -z "$poweroff_seen" ]; then
            echo "vm.sh: poweroff: the guest never wrote poweroff-requested" >&2
            [ "$rc" -ne 0 ] || rc=1
        elif awk -v t="$poweroff_seen" -v b="$poweroff_within" 'BEGIN { exit !(t > b) }'; then
            echo "vm.sh: FAIL: poweroff took ${poweroff_seen} s from the guest's request to qemu's exit (bound ${poweroff_within} s)" >&2
            [ "$rc" -ne 0 ] || rc=1
        else
            echo "vm.sh: poweroff took ${poweroff_seen} s from the guest's request to qemu's exit (bound ${poweroff_within} s)"
        fi
        echo "$poweroff_seen" >"$out/poweroff-seconds"
    fi
    printf 'vm.sh: guest script exited %s after %.1f s (logs in %s)\n' "$rc" "$(awk -v a="$started" -v b="$ended" 'BEGIN { print b - a }')" "$out"
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
        print_failure_logs "$out"
    fi
    return "$rc"
}

case "${1:-}" in
prepare) shift; cmd_prepare "$@" ;;
run) shift; cmd_run "$@" ;;
*)
    echo "usage: vm.sh prepare | vm.sh run [--out DIR] [--timeout S] [--mem MB] [--quiet] GUEST_SCRIPT [ARGS...]" >&2
    exit 2
    ;;
esac

#!/usr/bin/env bash
# Installs every build, test and VM test-bed dependency of pathkeeper from Debian's archive.
# Idempotent: packages already present are left alone; safe to run on every CI run.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps.sh: must run as root (it calls apt-get)" >&2
    exit 1
fi

build_packages=(
    build-essential cmake pkg-config ninja-build
    libudev-dev libdevmapper-dev libsystemd-dev
    libsdbus-c++-dev libsdbus-c++-bin
    libyaml-cpp-dev
    libgtest-dev libgmock-dev googletest
    libcli11-dev nlohmann-json3-dev libfmt-dev
    clang libclang-rt-14-dev clang-format
    dbus util-linux
)
vm_packages=(
    qemu-system-x86 busybox-static cpio kmod
    udev open-iscsi tgt targetcli-fb multipath-tools fio sg3-utils fence-agents
    iproute2 python3 dbus jq dmsetup kpartx fdisk mdadm
    prometheus prometheus-node-exporter
)
packaging_packages=(
    debhelper devscripts lintian fakeroot
)

wanted=("${build_packages[@]}" "${vm_packages[@]}" "${packaging_packages[@]}")
missing=()
for pkg in "${wanted[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done

if [ "${#missing[@]}" -eq 0 ]; then
    echo "install-deps.sh: all ${#wanted[@]} packages already installed"
    exit 0
fi

echo "install-deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Services shipped by these packages (multipathd, iscsid, tgt) must not start on the host:
# the host kernel has no device-mapper or SCSI; they only run inside the test VM.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    created_policy=1
fi
cleanup() { if [ "$created_policy" -eq 1 ]; then rm -f "$policy"; fi; }
trap cleanup EXIT

apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"

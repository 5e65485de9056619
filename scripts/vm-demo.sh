#!/usr/bin/env bash
# The pathkeeper demo: on a fresh Debian 12 machine, as root:
#     sudo scripts/vm-demo.sh
# installs the dependencies, builds pathkeeper, boots a VM with the real Linux kernel, builds a two-cable iSCSI
# SAN inside it, starts pathkeeperd, and pulls a cable while an application writes. It shows the topology before,
# during and after, and prints in plain words how long writes paused and how soon the path was used again.
# Nothing leaves the VM: the SAN lives in the VM's private network namespace (10.77.x addresses).
# Options (environment): PATHKEEPER_BUILD_DIR (default: build), PATHKEEPER_VM_CACHE (kernel cache,
#                        default ~/.cache/pathkeeper-vm), PATHKEEPER_DEMO_OUT (logs, default BUILD/vm-demo).
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(pwd)
build=${PATHKEEPER_BUILD_DIR:-$src/build}
case "$build" in /*) ;; *) build=$src/$build ;; esac
out=${PATHKEEPER_DEMO_OUT:-$build/vm-demo}

if [ "$(id -u)" -ne 0 ]; then
    echo "vm-demo.sh: run as root (it installs packages and the VM needs them): sudo $0" >&2
    exit 1
fi
case "$src" in
/run/*)
    echo "vm-demo.sh: the VM mounts a fresh tmpfs on /run; clone pathkeeper somewhere else" >&2
    exit 1
    ;;
esac

echo "== 1/4 installing dependencies"
bash scripts/install-deps.sh

echo "== 2/4 building pathkeeper in $build"
cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
if ! cmake --build "$build" -j"$(nproc)"; then
    echo "vm-demo.sh: the full build failed; building only the I/O prober so the reference demo can still run" >&2
    cmake --build "$build" --target pk-io-prober -j"$(nproc)"
fi

echo "== 3/4 preparing the VM (kernel and initramfs, cached after the first run)"
tests/vm/vm.sh prepare

echo "== 4/4 booting the VM and running the demo (about 3 minutes; full log in $out/console.log)"
export PK_BUILD_DIR=$build PK_SOURCE_DIR=$src
rc=0
tests/vm/vm.sh run --out "$out" --timeout 900 tests/vm/guest/demo.sh "$build" || rc=$?
if [ "$rc" -eq 0 ] && [ -s "$out/demo-figures.txt" ]; then
    echo
    echo "Demo figures ($out/demo-figures.txt):"
    sed 's/^/    /' "$out/demo-figures.txt"
fi
exit "$rc"

#!/usr/bin/env bash
# The whole pathkeeper test suite, from a fresh Debian 12 machine (run as root):
#   installs dependencies, builds with warnings as errors, checks formatting, and runs every CTest label:
#   unit (pure core, config, adaptors on fake sysfs), dbus (real daemon and pathctl on a private bus),
#   and e2e (a qemu VM with the real kernel: dm-multipath, scsi_debug, a two-cable iSCSI SAN).
# Options (environment): PATHKEEPER_BUILD_DIR (default build-test), PATHKEEPER_SKIP_E2E=1 to leave out the VM label,
#                        PATHKEEPER_SANITIZE=1 for an ASan+UBSan build.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(pwd)
build=${PATHKEEPER_BUILD_DIR:-$src/build-test}

bash scripts/install-deps.sh

echo "== formatting (clang-format)"
bash scripts/check-format.sh

sanitize=OFF
[ "${PATHKEEPER_SANITIZE:-0}" = 1 ] && sanitize=ON
echo "== configure ($build, sanitizers $sanitize)"
cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DPATHKEEPER_WERROR=ON -DPATHKEEPER_SANITIZE="$sanitize" -DPATHKEEPER_VM_TESTS=ON
echo "== build"
cmake --build "$build" -j"$(nproc)"

labels='unit|dbus|daemon'
[ "${PATHKEEPER_SKIP_E2E:-0}" = 1 ] || labels="$labels|e2e"
echo "== ctest (labels: $labels)"
cd "$build"
ctest --output-on-failure -L "$labels" -j1

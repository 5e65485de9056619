#!/usr/bin/env bash
# pathkeeper-udev-helper beside Debian's `multipath -u` in one VM boot: the cost of the udev rule's decision per
# SCSI disk event at N scsi_debug disks (find_multipaths on, nothing known yet, no daemon running). Each program
# is timed directly with the disk's udev environment, not through udev. Prints figures; not a pass/fail test.
#
#   bench/udev-helper-vm.sh [--build DIR] [--disks 512] [--calls 100] [--logs DIR] [--timeout S]
#
# udev alone needs many minutes for 512 disks under TCG: the default timeout is 3600 s.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
build=${PK_BUILD_DIR:-$repo/build}
disks=512 calls=100 logs="" timeout=3600
while [ $# -gt 0 ]; do
    case "$1" in
    --build) build=$2; shift 2 ;;
    --disks) disks=$2; shift 2 ;;
    --calls) calls=$2; shift 2 ;;
    --logs) logs=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    -h | --help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "udev-helper-vm.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
build=$(realpath "$build")
[ -x "$build/udev-rules/pathkeeper-udev-helper" ] || { echo "udev-helper-vm.sh: no helper in $build" >&2; exit 2; }
export PK_BUILD_DIR=$build PK_SOURCE_DIR=$repo
# shellcheck source=host_lib.sh
. "$here/host_lib.sh"
PK_UDEV_HELPER=$(stripped_copy "$build" "$build/udev-rules/pathkeeper-udev-helper")
export PK_UDEV_HELPER
logs=${logs:-$(mktemp -d -t pathkeeper-udev-helper-vm.XXXXXX)}
rc=0
"$repo/tests/vm/vm.sh" run --quiet --out "$logs" --timeout "$timeout" "$here/guest/udev_helper_vs_multipath.sh" \
    --disks "$disks" --calls "$calls" || rc=$?
results=$logs/udev-helper-results.tsv
[ -s "$results" ] || { echo "udev-helper-vm.sh: the guest produced no results (exit $rc); see $logs" >&2; exit 1; }
value() { awk -F'\t' -v k="$1" '$1 == k { print $2 }' "$results"; }
echo "udev rule decision per disk event, $(value disks) scsi_debug disks ($(value calls) disks timed, each once per" \
    "round), find_multipaths on, kernel $(value meta.kernel), $(value meta.vcpus) vCPU under $(nproc)-core host" \
    "load $(cut -d' ' -f1 /proc/loadavg); udev took $(value udev_settle_s) s for the disks"
echo
echo "| program | round 1 | round 2 |"
echo "|---|---|---|"
echo "| env -i /bin/true (process start alone) | $(value reference.env_true.ms_per_call) ms | |"
echo "| pathkeeper-udev-helper path | $(value pathkeeper.udev_helper.ms_per_call) ms | $(value pathkeeper.udev_helper.round2.ms_per_call) ms |"
echo "| multipath -u ($(value meta.multipath_tools)) | $(value multipath_tools.multipath_u.ms_per_call) ms | $(value multipath_tools.multipath_u.round2.ms_per_call) ms |"
echo
echo "udev-helper-vm.sh: guest exit $rc, VM logs in $logs" >&2

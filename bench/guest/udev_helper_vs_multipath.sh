#!/bin/bash
# Guest side of bench/udev-helper-vm.sh: the cost of one udev rule decision per SCSI disk event, pathkeeper's
# udev helper beside Debian's `multipath -u`, on the same scsi_debug disks in one VM boot. Each program is run
# directly (not through udev) with the udev environment of the disk (udev_decision_lib.sh). Figures go to
# $PK_OUT/udev-helper-results.tsv as "key<TAB>value"; no thresholds.
# Usage: udev_helper_vs_multipath.sh [--disks 512] [--calls 100]
# shellcheck source-path=SCRIPTDIR source=../../tests/vm/guest/lib.sh
. "$(dirname "$0")/../../tests/vm/guest/lib.sh"
# shellcheck source=udev_decision_lib.sh
. "$(dirname "$0")/udev_decision_lib.sh"

disks=512
calls=100
while [ $# -gt 0 ]; do
    case "$1" in
    --disks) disks=$2; shift 2 ;;
    --calls) calls=$2; shift 2 ;;
    *) fail "udev_helper_vs_multipath.sh: unknown option $1" ;;
    esac
done
results=$PK_OUT/udev-helper-results.tsv
: >"$results"
record() {
    printf '%s\t%s\n' "$1" "$2" >>"$results"
    log "BENCH $1 = $2"
}
helper=$(udev_decision_helper) || fail "pathkeeper-udev-helper is not built in ${PK_BUILD_DIR:-?}"
multipath=$(command -v multipath) || fail "Debian's multipath (multipath-tools) is not installed"

record meta.kernel "$(uname -r)"
record meta.vcpus "$(nproc)"
record meta.multipath_tools "$(dpkg-query -W -f '${Version}' multipath-tools 2>/dev/null || echo unknown)"
load_multipath_modules
start_udev
t0=$(now_s)
scsi_debug_setup add_host=2 vpd_use_hostno=0 num_tgts=1 max_luns=$((disks / 2)) dev_size_mb=16
wait_for_disks "$disks" 3600
record disks "$(disk_count)"
record udev_settle_s "$(elapsed "$t0" "$(now_s)")"

udev_decision_prepare "$calls"
record calls "${#UDEV_DECISION_SAMPLE[@]}"
udev_decision_time reference.env_true.ms_per_call /bin/true
udev_decision_time pathkeeper.udev_helper.ms_per_call "$helper" path
udev_decision_time multipath_tools.multipath_u.ms_per_call "$multipath" -u
# A second round, in the other order, so neither gets the warm caches alone.
udev_decision_time multipath_tools.multipath_u.round2.ms_per_call "$multipath" -u
udev_decision_time pathkeeper.udev_helper.round2.ms_per_call "$helper" path
d=${UDEV_DECISION_SAMPLE[0]}
mapfile -t vars <"$UDEV_DECISION_ENVS/$d"
log "verdicts on $d: helper: $(env -i "${vars[@]}" "$helper" path "$d" 2>/dev/null | tr '\n' ' ')" \
    "multipath -u: exit $(env -i "${vars[@]}" "$multipath" -u "$d" >/dev/null 2>&1; echo $?) (0: a path)"
step "udev helper bench finished"
cat "$results" >&2

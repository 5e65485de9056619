#!/bin/bash
# Guest side of bench/udev-helper-vm.sh: the cost of one udev rule decision per SCSI disk event, pathkeeper's
# udev helper beside Debian's `multipath -u`, on the same scsi_debug disks in one VM boot. Each program is run
# directly (not through udev) with the udev environment of the disk, as udev's IMPORT{program} runs it; both
# with find_multipaths "on" and nothing known yet, neither daemon running. Figures go to
# $PK_OUT/udev-helper-results.tsv as "key<TAB>value"; no thresholds.
# Usage: udev_helper_vs_multipath.sh [--disks 512] [--calls 100]
# shellcheck source-path=SCRIPTDIR source=../../tests/vm/guest/lib.sh
. "$(dirname "$0")/../../tests/vm/guest/lib.sh"

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
helper=${PK_BUILD_DIR:-}/udev-rules/pathkeeper-udev-helper
[ -x "$helper" ] || fail "pathkeeper-udev-helper is not built in ${PK_BUILD_DIR:-?}"
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

mkdir -p /etc/pathkeeper /var/lib/pathkeeper /etc/multipath
printf 'defaults:\n  find_multipaths: "on"\n' >/etc/pathkeeper/pathkeeper.yaml
: >/var/lib/pathkeeper/wwids
: >/etc/multipath/wwids
cat >/etc/multipath.conf <<'CONF'
defaults {
    find_multipaths on
    user_friendly_names no
}
CONF

# Every (disks/calls)-th disk, and udev's properties of each as an environment (what IMPORT{program} passes).
mapfile -t all < <(scsi_disks)
step=$((${#all[@]} / calls))
[ "$step" -ge 1 ] || step=1
envs=$PK_OUT/udev-envs
mkdir -p "$envs"
sample=()
for ((i = 0; i < ${#all[@]} && ${#sample[@]} < calls; i += step)); do
    d=${all[$i]}
    udevadm info --query=property --name="/dev/$d" | grep -E '^[A-Za-z_][A-Za-z0-9_]*=' | sed 's/^ACTION=.*/ACTION=change/' \
        >"$envs/$d"
    grep -q '^ACTION=' "$envs/$d" || echo ACTION=change >>"$envs/$d"
    sample+=("$d")
done
record calls "${#sample[@]}"

run_with_env() {  # run_with_env DISK COMMAND... (COMMAND by its full path: env -i leaves no PATH)
    local d=$1
    shift
    local vars=()
    mapfile -t vars <"$envs/$d"
    env -i "${vars[@]}" "$@" >/dev/null 2>&1 || true
}
time_calls() {  # time_calls KEY COMMAND... (the disk name is appended)
    local key=$1 d start
    shift
    run_with_env "${sample[0]}" "$@" "${sample[0]}"  # first call: the helper builds its WWID index here
    start=${EPOCHREALTIME/./}
    for d in "${sample[@]}"; do run_with_env "$d" "$@" "$d"; done
    record "$key.ms_per_call" "$(awk -v us=$((${EPOCHREALTIME/./} - start)) -v n=${#sample[@]} \
        'BEGIN { printf "%.1f", us / 1000 / n }')"
}
time_calls reference.env_true /bin/true
time_calls pathkeeper.udev_helper "$helper" path
time_calls multipath_tools.multipath_u "$multipath" -u
# A second round, in the other order, so neither gets the warm caches alone.
time_calls multipath_tools.multipath_u.round2 "$multipath" -u
time_calls pathkeeper.udev_helper.round2 "$helper" path
d=${sample[0]}
mapfile -t vars <"$envs/$d"
log "verdicts on $d: helper: $(env -i "${vars[@]}" "$helper" path "$d" 2>/dev/null | tr '\n' ' ')" \
    "multipath -u: exit $(env -i "${vars[@]}" "$multipath" -u "$d" >/dev/null 2>&1; echo $?) (0: a path)"
step "udev helper bench finished"
cat "$results" >&2

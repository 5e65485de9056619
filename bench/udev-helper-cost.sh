#!/usr/bin/env bash
# Host-side cost of pathkeeper-udev-helper per uevent on a fake sysfs tree (no kernel, no udev): the helper runs
# for every SCSI disk uevent, so what it costs with many disks is what discovering a SAN costs. Rows, each for
# the helper under test and, with --baseline, another build of it (e.g. an older commit), in the same run:
#  - discovery: find_multipaths "on", nothing known yet, one "add" event per disk in turn (a new SAN);
#  - change event: one more event on a one-path LUN once all disks are known (asks "another path?");
#  - files opened: sysfs files one such event opens (needs strace; n/a without it).
# Prints figures only: no thresholds, no pass/fail.
#
#   bench/udev-helper-cost.sh [--build BUILD] [--baseline HELPER] [--disks 512] [--events 200]
#
# BUILD (default: $PK_BUILD_DIR or ./build) must hold udev-rules/pathkeeper-udev-helper.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(pwd)
build=${PK_BUILD_DIR:-$src/build}
baseline=""
disks=512
events=200
while [ $# -gt 0 ]; do
    case "$1" in
    --build) build=$2; shift 2 ;;
    --baseline) baseline=$2; shift 2 ;;
    --disks) disks=$2; shift 2 ;;
    --events) events=$2; shift 2 ;;
    -h | --help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "udev-helper-cost.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
helper=$build/udev-rules/pathkeeper-udev-helper
for bin in "$helper" ${baseline:+"$baseline"}; do
    [ -x "$bin" ] || { echo "udev-helper-cost.sh: $bin is not an executable" >&2; exit 2; }
done

work=$(mktemp -d /tmp/pathkeeper-udev-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
sys=$work/sys
luns=$(((disks - 2) / 2))
python3 "$src/tests/udev/fake_san.py" "$sys" "$luns" 2 $((disks - 2 * luns))
mkdir -p "$work/state"
printf 'defaults:\n  find_multipaths: "on"\n' >"$work/pathkeeper.yaml"
names=()
for dir in "$sys"/block/*; do names+=("${dir##*/}"); done

now_ns() { date +%s%N; }
# A helper from before the WWID index has no --run-dir (and would refuse it).
run_dir_option() {  # run_dir_option HELPER RUN_DIR
    if "$1" 2>&1 | grep -q -- --run-dir; then echo "--run-dir=$2"; else echo "--state-dir=$work/state"; fi
}
run() {  # run HELPER RUN_DIR_OPTION KERNEL
    env -i "$1" --sysfs-root "$sys" --state-dir "$work/state" "$2" --config "$work/pathkeeper.yaml" \
        path "$3" >/dev/null 2>&1
}

row() {  # row LABEL WORKLOAD NANOSECONDS EVENTS
    awk -v l="$1" -v w="$2" -v ns="$3" -v n="$4" \
        'BEGIN { printf "| %s | %s | %.2f s | %.2f ms/event |\n", l, w, ns / 1e9, ns / 1e6 / n }'
}

measure() {  # measure LABEL HELPER
    local label=$1 bin=$2 run_dir start end name i opened
    run_dir=$(run_dir_option "$bin" "$work/run-$1")
    start=$(now_ns)
    for name in "${names[@]}"; do run "$bin" "$run_dir" "$name"; done
    end=$(now_ns)
    row "$label" "discovery, ${#names[@]} add events" $((end - start)) "${#names[@]}"
    start=$(now_ns)
    for ((i = 0; i < events; i++)); do run "$bin" "$run_dir" sds0; done
    end=$(now_ns)
    row "$label" "change event on a one-path LUN, x$events" $((end - start)) "$events"
    if command -v strace >/dev/null && strace -f -qq -e trace=none true 2>/dev/null; then
        strace -f -qq -e trace=%file,%desc -o "$work/trace" env -i "$bin" --sysfs-root "$sys" \
            --state-dir "$work/state" "$run_dir" --config "$work/pathkeeper.yaml" path sds0 \
            >/dev/null 2>&1
        opened=$(grep -c "open.*\"$sys/" "$work/trace" || true)
        printf '| %s | sysfs files opened by that event | %d | %d syscalls in all |\n' "$label" "$opened" \
            "$(wc -l <"$work/trace")"
    else
        printf '| %s | sysfs files opened by that event | n/a (no strace) | |\n' "$label"
    fi
}

echo "pathkeeper-udev-helper on a fake sysfs tree of ${#names[@]} disks ($luns LUNs x 2 paths," \
    "$((disks - 2 * luns)) one-path LUNs), find_multipaths on, $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)"
echo
echo "| helper | workload | total | per event |"
echo "|---|---|---|---|"
start=$(now_ns)
for ((i = 0; i < events; i++)); do env -i /bin/true; done
row "reference" "env -i /bin/true, x$events (process start alone)" $(($(now_ns) - start)) "$events"
measure this "$helper"
if [ -n "$baseline" ]; then
    measure baseline "$baseline"
fi

#!/usr/bin/env bash
# pathkeeper vs Debian's multipathd, side by side in ONE VM boot. Not a pass/fail test: it prints what it
# measured. See bench/README.md for what each row means.
#
#   bench/run.sh [--build DIR] [--sizes 64,256,512] [--full] [--smoke] [--skip-iscsi] [--reps N] [--out FILE]
#                [--label NAME] [--logs DIR] [--timeout S] [--detection-reps N] [--detection-only]
#
#   default   the iSCSI cable-pull rows + 64 scsi_debug paths (CI-friendly, ~15-25 min under TCG)
#   --full    adds 256 and 512 paths (udev alone needs 5+ minutes for 512 paths under TCG)
#   --smoke   8 paths, 1 repetition, 5 s idle window, no iSCSI: checks that the bench itself works (~3 min)
#   --detection-only   only the path failure detection rows (no cable pull, no size; ~15 min)
#   --detection-reps N repetitions of each detection row (default 3; 0 skips them)
# The table goes to stdout and, with the machine and the exact command, to bench/results/<UTC date>-<label>.md.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
build=${PK_BUILD_DIR:-$repo/build}
sizes=64 label="" out="" logs="" timeout="" reps=5 idle=30 skip_iscsi=0 sizes_given=0 full=0 smoke=0
detection_reps=3 detection_only=0
command_line="bench/run.sh $*"
while [ $# -gt 0 ]; do
    case "$1" in
    --build) build=$2; shift 2 ;;
    --sizes) sizes=$2; sizes_given=1; shift 2 ;;
    --full) full=1; shift ;;
    --smoke) smoke=1; shift ;;
    --skip-iscsi) skip_iscsi=1; shift ;;
    --reps) reps=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --label) label=$2; shift 2 ;;
    --logs) logs=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --detection-reps) detection_reps=$2; shift 2 ;;
    --detection-only) detection_only=1; shift ;;
    -h | --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
if [ "$smoke" = 1 ]; then
    [ "$sizes_given" = 1 ] || sizes=8
    skip_iscsi=1 reps=1 idle=5
    label=${label:-smoke}
elif [ "$full" = 1 ]; then
    [ "$sizes_given" = 1 ] || sizes=64,256,512
    label=${label:-full}
fi
if [ "$detection_only" = 1 ]; then
    sizes="" label=${label:-detection}
fi
label=${label:-default}
[ "$detection_only" = 1 ] || [[ "$sizes" =~ ^([0-9]+(,[0-9]+)*)?$ ]] ||
    { echo "bench/run.sh: --sizes wants e.g. 64,256,512 (\"\" for none)" >&2; exit 2; }
[[ "$detection_reps" =~ ^[0-9]+$ ]] || { echo "bench/run.sh: --detection-reps wants a number" >&2; exit 2; }

build=$(realpath "$build")
bin() { find "$build" -type f -name "$1" -perm -u+x 2>/dev/null | head -1; }
export PK_BUILD_DIR=$build PK_SOURCE_DIR=$repo
PK_PATHKEEPERD=$(bin pathkeeperd) PK_PATHCTL=$(bin pathctl) PK_PROBER=$(bin pk-io-prober)
export PK_PATHKEEPERD PK_PATHCTL PK_PROBER
[ -n "$PK_PROBER" ] || { echo "bench/run.sh: pk-io-prober not built in $build" >&2; exit 2; }
# shellcheck source=host_lib.sh
. "$here/host_lib.sh"
PK_PATHKEEPERD=$(stripped_copy "$build" "$PK_PATHKEEPERD") PK_PATHCTL=$(stripped_copy "$build" "$PK_PATHCTL")
PK_UDEV_HELPER=$(stripped_copy "$build" "$(bin pathkeeper-udev-helper)")
export PK_UDEV_HELPER
[ -n "$PK_PATHKEEPERD" ] && [ -n "$PK_PATHCTL" ] ||
    echo "bench/run.sh: WARNING: pathkeeperd/pathctl not built in $build; their column will be n/a" >&2

# A generous VM limit: the iSCSI rows take ~6-10 min, each size ~2 min + 1 s per path for udev, more on a busy host.
if [ -z "$timeout" ]; then
    timeout=600
    [ "$skip_iscsi" = 1 ] || [ "$detection_only" = 1 ] || timeout=$((timeout + 1500))
    # Detection rows: per daemon and repetition up to ~5 min when a daemon leaves recovery_tmo at 120 s.
    [ "$detection_reps" = 0 ] || timeout=$((timeout + 300 + 2 * detection_reps * 300))
    IFS=, read -r -a size_list <<<"$sizes"
    for n in "${size_list[@]}"; do timeout=$((timeout + 600 + 6 * n)); done
fi

stamp=$(date -u +%Y-%m-%dT%H%MZ)
logs=${logs:-/tmp/pathkeeper-bench-$stamp-$label}
out=${out:-$repo/bench/results/$(date -u +%Y-%m-%d)-$label.md}
mkdir -p "$(dirname "$out")"

guest_args=(--sizes "$sizes" --reps "$reps" --idle-seconds "$idle" --detection-reps "$detection_reps")
[ "$skip_iscsi" = 0 ] || guest_args+=(--skip-iscsi)
[ "$detection_only" = 0 ] || guest_args+=(--skip-cable-pull)
echo "bench/run.sh: one VM, sizes $sizes, iSCSI rows $([ "$skip_iscsi" = 1 ] && echo skipped || echo included)," \
    "timeout ${timeout}s, logs in $logs" >&2
started=$(date +%s)
rc=0
"$repo/tests/vm/vm.sh" run --quiet --out "$logs" --timeout "$timeout" "$here/guest/bench.sh" "${guest_args[@]}" || rc=$?
minutes=$((($(date +%s) - started + 59) / 60))
[ -s "$logs/bench-results.tsv" ] || { echo "bench/run.sh: the guest produced no results (exit $rc); see $logs" >&2; exit 1; }

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
python3 "$here/format_results.py" "$logs/bench-results.tsv" \
    --command "$command_line" --date "$(date -u '+%Y-%m-%d %H:%M UTC')" --host-cpu "$cpu" \
    --host-cores "$(nproc)" --load "$(cut -d' ' -f1-3 /proc/loadavg)" --minutes "$minutes" \
    --guest-exit "$rc" --logs "$logs" >"$out"
cat "$out"
echo >&2
echo "bench/run.sh: written to $out (guest exit $rc, VM logs in $logs)" >&2

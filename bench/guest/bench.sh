#!/bin/bash
# Guest side of bench/run.sh: Debian's multipathd and pathkeeperd measured on the same workloads in one VM boot.
# Every figure goes to $PK_OUT/bench-results.tsv as "key<TAB>value" (value: a number, or "n/a (reason)");
# the host formats the table. No thresholds: this script reports, it does not judge.
# Usage: bench.sh [--sizes 64,256,512] [--skip-iscsi] [--reps N] [--idle-seconds S] [--down-seconds S]
#                 [--detection-reps N] [--skip-cable-pull]
# --sizes "" measures no size; --detection-reps 0 skips the path failure detection rows.
# shellcheck source-path=SCRIPTDIR source=../../tests/vm/guest/lib.sh
. "$(dirname "$0")/../../tests/vm/guest/lib.sh"
# shellcheck source=udev_decision_lib.sh
. "$(dirname "$0")/udev_decision_lib.sh"
# shellcheck source=bench_lib.sh
. "$(dirname "$0")/bench_lib.sh"

sizes=64
skip_iscsi=0
BENCH_REPS=5
BENCH_IDLE_S=30
down_s=25
detection_reps=3
skip_cable_pull=0
# shellcheck disable=SC2034  # BENCH_* are read by bench_lib.sh
while [ $# -gt 0 ]; do
    case "$1" in
    --sizes) sizes=$2; shift 2 ;;
    --skip-iscsi) skip_iscsi=1; shift ;;
    --reps) BENCH_REPS=$2; shift 2 ;;
    --idle-seconds) BENCH_IDLE_S=$2; shift 2 ;;
    --down-seconds) down_s=$2; shift 2 ;;
    --detection-reps) detection_reps=$2; shift 2 ;;
    --skip-cable-pull) skip_cable_pull=1; shift ;;
    *) fail "bench.sh: unknown option $1" ;;
    esac
done

find_pathkeeper_binaries
bench_record_meta
load_multipath_modules
start_udev
start_system_dbus

# Before the cable-pull rows: those re-log the sessions in with other timeouts, these want open-iscsi's own.
if [ "$detection_reps" -gt 0 ]; then
    bench_detection_rows "$detection_reps" "$((1 - skip_iscsi))"
fi

if [ "$skip_iscsi" = 1 ]; then
    log "iSCSI rows skipped (--skip-iscsi)"
elif [ "$skip_cable_pull" = 1 ]; then
    log "cable-pull rows skipped (--skip-cable-pull)"
else
    bench_iscsi_rows "$down_s"
fi

IFS=, read -r -a size_list <<<"$sizes"
for n in "${size_list[@]}"; do
    bench_size "$n"
done
step "bench finished"
cat "$BENCH_RESULTS" >&2

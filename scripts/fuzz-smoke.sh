#!/usr/bin/env bash
# Fuzz smoke: build the libFuzzer targets (tests/fuzz) with clang in a separate build dir and run each one
# for a bounded time on a temporary copy of its committed seed corpus (the repository is never modified).
#
# Usage: scripts/fuzz-smoke.sh [SECONDS_PER_TARGET]   (default 20)
# Environment:
#   FUZZ_BUILD_DIR   build directory (default: <repo>/build-fuzz)
#   FUZZ_TARGETS     space-separated subset of targets to run (default: every fuzz_* target built)
#   FUZZ_JOBS        build parallelism and targets run at once (default 2)
#   FUZZ_ARTIFACTS   where crash/leak/timeout inputs are kept (default: <build dir>/fuzz-artifacts)
#   FUZZ_KEEP_CORPUS set to 1 to keep the grown temporary corpora (their path is printed)
# Exit status: 0 when every target ran clean; 1 when any target crashed, leaked, timed out or ran out of
# memory (the saved input is printed); 2 on a usage or build error.
set -euo pipefail

seconds=${1:-20}
if ! [[ $seconds =~ ^[0-9]+$ ]] || [[ $seconds -lt 1 ]]; then
    echo "usage: $0 [SECONDS_PER_TARGET]" >&2
    exit 2
fi

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${FUZZ_BUILD_DIR:-$repo/build-fuzz}
jobs=${FUZZ_JOBS:-2}
artifacts=${FUZZ_ARTIFACTS:-$build/fuzz-artifacts}

for tool in clang clang++ cmake; do
    command -v "$tool" >/dev/null || { echo "fuzz-smoke: $tool not found (scripts/install-deps.sh)" >&2; exit 2; }
done
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)

mkdir -p "$build"
# Only the core, the config front end and the importer are needed: no daemon, no unit tests.
if ! CC=clang CXX=clang++ cmake -S "$repo" -B "$build" "${generator[@]}" \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPATHKEEPER_FUZZ=ON -DPATHKEEPER_WERROR=ON \
        -DPATHKEEPER_BUILD_DAEMON=OFF -DPATHKEEPER_BUILD_TESTS=OFF -DPATHKEEPER_VM_TESTS=OFF >"$build/configure.log" 2>&1; then
    cat "$build/configure.log" >&2
    echo "fuzz-smoke: configure failed" >&2
    exit 2
fi
if ! cmake --build "$build" --target pathkeeper_fuzzers -j"$jobs"; then
    echo "fuzz-smoke: build failed" >&2
    exit 2
fi

if [[ -n ${FUZZ_TARGETS:-} ]]; then
    read -r -a targets <<<"$FUZZ_TARGETS"
else
    targets=()
    for binary in "$build"/tests/fuzz/fuzz_*; do
        [[ -x $binary && -f $binary ]] && targets+=("$(basename "$binary")")
    done
fi
if [[ ${#targets[@]} -eq 0 ]]; then
    echo "fuzz-smoke: no fuzz targets were built in $build/tests/fuzz" >&2
    exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/pathkeeper-fuzz.XXXXXX")
cleanup() {
    if [[ ${FUZZ_KEEP_CORPUS:-0} == 1 ]]; then
        echo "fuzz-smoke: grown corpora kept in $work"
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT
mkdir -p "$artifacts"

# Recoverable UBSan reports must stop the run like any other crash.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}

# run_target TARGET: one fuzz run; its summary line goes to $work/TARGET.summary, a failure report to
# $work/TARGET.failed and .report. Targets run FUZZ_JOBS at a time: each gets its full time on one core.
run_target() {
    local target=$1 binary name corpus log status done_line runs saved
    binary=$build/tests/fuzz/$target
    name=${target#fuzz_}
    if [[ ! -x $binary ]]; then
        echo "$target (not built)" >"$work/$target.failed"
        return
    fi
    corpus=$work/$name
    mkdir -p "$corpus" "$artifacts/$name"
    if [[ -d $repo/tests/fuzz/corpus/$name ]]; then
        cp -r "$repo/tests/fuzz/corpus/$name/." "$corpus/"
    fi
    local dict_args=()
    if [[ -f $repo/tests/fuzz/dict/$name.dict ]]; then
        dict_args=(-dict="$repo/tests/fuzz/dict/$name.dict")
    fi
    log=$work/$name.log
    status=0
    "$binary" "$corpus" "${dict_args[@]}" -max_total_time="$seconds" -rss_limit_mb=1024 -timeout=10 \
        -max_len=65536 -print_final_stats=1 -artifact_prefix="$artifacts/$name/" >"$log" 2>&1 || status=$?
    # The last status line ("#N DONE cov: ... ft: ... corp: ... exec/s: ...") and the run count.
    done_line=$(grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE|INITED)' "$log" | tail -n 1 || true)
    runs=$(sed -n 's/^stat::number_of_executed_units:[[:space:]]*//p' "$log" | tail -n 1)
    printf '%-22s runs=%-10s %s\n' "$target" "${runs:-?}" "$done_line" >"$work/$target.summary"
    if [[ $status -ne 0 ]]; then
        saved=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
        {
            echo "fuzz-smoke: $target FAILED (exit $status); log follows"
            tail -n 60 "$log"
            echo "fuzz-smoke: crashing input saved at: ${saved:-<none written, see $artifacts/$name/last-failure.log>}"
            [[ -n $saved ]] && echo "fuzz-smoke: reproduce with: $binary $saved"
        } >"$work/$target.report"
        cp "$log" "$artifacts/$name/last-failure.log"
        echo "$target" >"$work/$target.failed"
    fi
}

for target in "${targets[@]}"; do
    while [[ $(jobs -rp | wc -l) -ge $jobs ]]; do
        wait -n || true
    done
    echo "=== $target: ${seconds}s"
    run_target "$target" &
done
wait

failed=()
summary=()
for target in "${targets[@]}"; do
    [[ -f $work/$target.summary ]] && summary+=("$(cat "$work/$target.summary")")
    [[ -f $work/$target.report ]] && cat "$work/$target.report" >&2
    [[ -f $work/$target.failed ]] && failed+=("$(cat "$work/$target.failed")")
done

echo
echo "=== fuzz smoke summary (${seconds}s per target)"
printf '%s\n' "${summary[@]}"
if [[ ${#failed[@]} -ne 0 ]]; then
    echo "fuzz-smoke: FAILED: ${failed[*]} (inputs under $artifacts)" >&2
    exit 1
fi
echo "fuzz-smoke: all ${#targets[@]} targets ran clean"

#!/usr/bin/env bash
# The whole pathkeeper test suite, from a fresh Debian 12 machine (run as root). .ci/run calls exactly this.
# Stages, in order (each prints its wall-clock time; the summary at the end lists them all):
#   1. dependencies (scripts/install-deps.sh) and clang-format
#   2. fuzz smoke: every libFuzzer target (tests/fuzz) for PATHKEEPER_FUZZ_SECONDS on its committed corpus
#   3. build with warnings as errors; CTest labels unit, dbus, daemon
#   4. the Debian package (scripts/build-deb.sh --nocheck: the tests already ran above; lintian errors fail)
#   5. VM end-to-end tests (label e2e): a qemu VM with the real kernel: dm-multipath, scsi_debug, two-cable
#      iSCSI SANs, the package installed beside open-iscsi
#   6. sanitizers: an ASan+UBSan build of everything (made beside the VM tests, niced); labels unit, dbus,
#      daemon again, and one VM scenario with the sanitized daemon (a sanitizer report in its log fails it).
#      Without the VM stages the sanitizer stage runs after stage 3.
# Options (environment):
#   PATHKEEPER_BUILD_DIR      main build dir (default build-test); the sanitizer build goes to <it>-asan
#   PATHKEEPER_SKIP_E2E=1     leave out the VM stages (package install and e2e)
#   PATHKEEPER_SKIP_SANITIZE=1, PATHKEEPER_SKIP_FUZZ=1, PATHKEEPER_SKIP_PACKAGE=1   leave out that stage
#   PATHKEEPER_FUZZ_SECONDS   seconds per fuzz target (default 15)
#   PATHKEEPER_EXPECTED_SKIPS space-separated CTest test names allowed to skip (exit 77); any other skipped test,
#                             and a label that matches no test, fails the run. The summary lists every skip.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(pwd)
build=${PATHKEEPER_BUILD_DIR:-$src/build-test}
asan_build=${build}-asan
jobs=$(nproc)
skip_e2e=${PATHKEEPER_SKIP_E2E:-0}

stage_names=()
stage_seconds=()
stage_start=0
stage() {
    finish_stage
    stage_names+=("$1")
    stage_start=$SECONDS
    echo
    echo "== $1"
}
finish_stage() {
    if [ "${#stage_names[@]}" -gt "${#stage_seconds[@]}" ]; then
        stage_seconds+=($((SECONDS - stage_start)))
    fi
}
summary() {
    finish_stage
    echo
    echo "== test.sh stages (wall clock)"
    local i
    for i in "${!stage_names[@]}"; do
        printf '  %-58s %5d s\n' "${stage_names[$i]}" "${stage_seconds[$i]:-0}"
    done
    printf '  %-58s %5d s\n' total "$SECONDS"
    echo "== skipped tests: ${#skipped_tests[@]} (expected: ${#expected_skipped_tests[@]})"
    local name
    for name in "${skipped_tests[@]}"; do
        printf '  %s\n' "$name"
    done
}
trap summary EXIT

# A skipped test proves nothing, so skips fail the run unless the test is named in PATHKEEPER_EXPECTED_SKIPS.
read -r -a expected_skips <<<"${PATHKEEPER_EXPECTED_SKIPS:-}"
skipped_tests=()
expected_skipped_tests=()
is_expected_skip() {
    local name
    for name in "${expected_skips[@]}"; do
        [ "$name" = "$1" ] && return 0
    done
    return 1
}
# run_ctest DIR [CTEST_ARGS...]: ctest in DIR; fails when a label selects no test or a test skips unexpectedly.
run_ctest() {
    local dir=$1
    shift
    local junit status=0
    junit=$(cd "$dir" && pwd)/ctest-junit.xml
    rm -f "$junit"
    (cd "$dir" && ctest --no-tests=error --output-junit "$junit" "$@") || status=$?
    local name unexpected=()
    # CTest's JUnit report marks a test that exited with its SKIP_RETURN_CODE as status="notrun".
    while IFS= read -r name; do
        [ -n "$name" ] || continue
        if is_expected_skip "$name"; then
            skipped_tests+=("$name (expected)")
            expected_skipped_tests+=("$name")
        else
            skipped_tests+=("$name (UNEXPECTED)")
            unexpected+=("$name")
        fi
    done < <(sed -n 's/.*<testcase name="\([^"]*\)".*status="notrun".*/\1/p' "$junit" 2>/dev/null)
    if [ "${#unexpected[@]}" -gt 0 ]; then
        echo "test.sh: skipped, but not in PATHKEEPER_EXPECTED_SKIPS: ${unexpected[*]}" >&2
        [ "$status" -ne 0 ] || status=1
    fi
    return "$status"
}

# configure DIR [CMAKE_ARGS...]: a Ninja build with warnings as errors and the VM tests registered.
configure() {
    local dir=$1
    shift
    cmake -S "$src" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPATHKEEPER_WERROR=ON \
        -DPATHKEEPER_VM_TESTS=ON "$@"
}

stage "dependencies"
bash scripts/install-deps.sh

stage "formatting (clang-format)"
bash scripts/check-format.sh

if [ "${PATHKEEPER_SKIP_FUZZ:-0}" != 1 ]; then
    stage "fuzz smoke (${PATHKEEPER_FUZZ_SECONDS:-15} s per target)"
    FUZZ_BUILD_DIR=${build}-fuzz FUZZ_JOBS=$jobs bash scripts/fuzz-smoke.sh "${PATHKEEPER_FUZZ_SECONDS:-15}"
fi

stage "build ($build, -Werror)"
configure "$build" -DPATHKEEPER_SANITIZE=OFF
cmake --build "$build" -j"$jobs"

stage "ctest unit|dbus|daemon"
run_ctest "$build" --output-on-failure -L 'unit|dbus|daemon' -j"$jobs"

sanitize=1
[ "${PATHKEEPER_SKIP_SANITIZE:-0}" != 1 ] || sanitize=0
sanitizer_build() {
    # -O1 with line tables only: about half the compile and link time of -O2 -g on these 2 cores, and still
    # exact file:line frames in every sanitizer report.
    configure "$asan_build" -DPATHKEEPER_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1"
    cmake --build "$asan_build" -j"$jobs"
}
sanitizer_unit_tests() {
    stage "ctest unit|dbus|daemon under ASan+UBSan"
    # Any report fails the test: UBSan is built with -fno-sanitize-recover; leaks are reported at exit.
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        run_ctest "$asan_build" --output-on-failure -L 'unit|dbus|daemon' -j"$jobs"
}

if [ "$sanitize" = 1 ] && [ "$skip_e2e" = 1 ]; then
    stage "sanitizer build ($asan_build, ASan+UBSan, -Werror)"
    sanitizer_build
    sanitizer_unit_tests
fi

if [ "$skip_e2e" != 1 ] && [ "${PATHKEEPER_SKIP_PACKAGE:-0}" != 1 ]; then
    stage "Debian package (scripts/build-deb.sh --nocheck)"
    rm -rf "$build/deb"
    bash scripts/build-deb.sh --nocheck --out "$build/deb"
fi

if [ "$skip_e2e" != 1 ]; then
    # A VM spends most of its time waiting on SAN timeouts: the sanitizer build takes the idle CPU beside the
    # VM tests, at the lowest priority so the guests keep theirs. Its tests run after, on a quiet machine.
    sanitizer_pid=
    sanitizer_log=$build/sanitizer-build.log
    if [ "$sanitize" = 1 ]; then
        (
            renice -n 19 -p "$BASHPID" >/dev/null
            start=$SECONDS
            sanitizer_build
            echo "sanitizer build: $((SECONDS - start)) s"
        ) >"$sanitizer_log" 2>&1 &
        sanitizer_pid=$!
    fi
    stage "ctest e2e (VM)$([ "$sanitize" = 1 ] && echo ", the sanitizer build beside it")"
    e2e_status=0
    run_ctest "$build" --output-on-failure -L e2e -j1 || e2e_status=$?
    if [ -n "$sanitizer_pid" ]; then
        sanitizer_status=0
        wait "$sanitizer_pid" || sanitizer_status=$?
        tail -n 3 "$sanitizer_log"
        if [ "$sanitizer_status" -ne 0 ]; then
            echo "test.sh: the sanitizer build ($asan_build, ASan+UBSan, -Werror) failed:" >&2
            tail -n 60 "$sanitizer_log" >&2
            exit "$sanitizer_status"
        fi
    fi
    [ "$e2e_status" -eq 0 ] || exit "$e2e_status"
    if [ "$sanitize" = 1 ]; then
        sanitizer_unit_tests
        stage "ctest e2e with the ASan+UBSan daemon"
        run_ctest "$asan_build" --output-on-failure -R '^e2e_pathkeeperd_iscsi_cable_pull$' -j1
    fi
fi

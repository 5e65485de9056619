#!/bin/bash
# Tests of pathkeeper-udev-helper: runs the real binary on a fake sysfs tree, a temporary state directory and
# config. Usage: udev_helper_test.sh HELPER CASE   (one CTest test per case; see CMakeLists.txt)
set -u
helper=$1
case_name=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sys=$work/sys
state=$work/state
run=$work/run
conf=$work/pathkeeper.yaml
mkdir -p "$sys/block" "$state"
: >"$conf"

wwid_a=36001405aabbccddeeff0011223344556   # NAA 6 designator of LUN A, as udev's ID_SERIAL spells it
wwid_b=36001405ffeeddccbbaa9988776655443

# fake_disk NAME MAJ:MIN HCTL NAA_HEX [VENDOR] [MODEL]: a SCSI disk whose vpd_pg83 carries one NAA designator.
fake_disk() {
    local name=$1 devt=$2 hctl=$3 naa=$4 vendor=${5:-LIO-ORG} model=${6:-disk0}
    local dev=$sys/devices/platform/host0/session1/target${hctl%:*}/$hctl
    mkdir -p "$dev" "$sys/block/$name"
    echo "$devt" >"$sys/block/$name/dev"
    echo 2097152 >"$sys/block/$name/size"
    ln -s "../../devices/platform/host0/session1/target${hctl%:*}/$hctl" "$sys/block/$name/device"
    printf '%-8s\n' "$vendor" >"$dev/vendor"
    printf '%-16s\n' "$model" >"$dev/model"
    echo 4.0 >"$dev/rev"
    echo running >"$dev/state"
    # page header (00 83 00 14), descriptor header (binary, LU, NAA, 16 bytes), the 16-byte NAA
    printf '\x00\x83\x00\x14\x01\x03\x00\x10' >"$dev/vpd_pg83"
    printf '%s' "$naa" | sed 's/../\\x&/g' | xargs -0 printf >>"$dev/vpd_pg83"
}

run_helper() {  # run_helper [ENV=VALUE...] -- ARGS...
    local envs=()
    while [[ $1 != -- ]]; do envs+=("$1"); shift; done
    shift
    local wrap=()
    if [[ -n ${HELPER_TIMEOUT:-} ]]; then wrap=(timeout "$HELPER_TIMEOUT"); fi
    "${wrap[@]}" env -i "${envs[@]}" "$helper" --sysfs-root "$sys" --state-dir "$state" --run-dir "$run" --config "$conf" "$@" \
        2>"$work/stderr"
    local rc=$?
    if [[ $rc -ne 0 ]]; then echo "helper exited $rc (must always exit 0)"; exit 1; fi
}

expect_line() {  # expect_line OUTPUT LINE
    if ! grep -qxF -- "$2" <<<"$1"; then
        echo "FAIL [$case_name]: expected line '$2' in output:"; echo "$1"; echo "stderr:"; cat "$work/stderr"
        exit 1
    fi
}
expect_no_line_starting() {  # expect_no_line_starting OUTPUT PREFIX
    if grep -q -- "^$2" <<<"$1"; then
        echo "FAIL [$case_name]: unexpected '$2...' in output:"; echo "$1"; exit 1
    fi
}
expect_stderr() {
    if ! grep -qF -- "$1" "$work/stderr"; then
        echo "FAIL [$case_name]: stderr lacks '$1':"; cat "$work/stderr"; exit 1
    fi
}

fake_disk sdb 8:16 2:0:0:1 6001405aabbccddeeff0011223344556
fake_disk sdc 8:32 3:0:0:1 6001405aabbccddeeff0011223344556
fake_disk sdd 8:48 4:0:0:2 6001405ffeeddccbbaa9988776655443

case $case_name in
known_wwid_is_member)
    printf '# known WWIDs\n/%s/\n' "$wwid_a" >"$state/wwids"
    out=$(run_helper -- path sdb)
    expect_line "$out" "DM_MULTIPATH_DEVICE_PATH=1"
    expect_line "$out" "PATHKEEPER_WWID=$wwid_a"
    ;;
unknown_wwid_is_not_member_when_strict)
    printf '/%s/\n' "$wwid_a" >"$state/wwids"
    printf 'defaults:\n  find_multipaths: strict\n' >"$conf"
    out=$(run_helper -- path sdd)
    expect_line "$out" "DM_MULTIPATH_DEVICE_PATH=0"
    expect_line "$out" "PATHKEEPER_WWID=$wwid_b"
    ;;
missing_wwids_file_means_nothing_known)
    printf 'defaults:\n  find_multipaths: strict\n' >"$conf"
    out=$(run_helper -- path sdb)
    expect_line "$out" "DM_MULTIPATH_DEVICE_PATH=0"
    ;;
udev_id_serial_wins_over_sysfs)
    printf '/%s/\n' "$wwid_b" >"$state/wwids"
    out=$(run_helper DEVPATH=/devices/x ID_SERIAL="$wwid_b" SCSI_IDENT_LUN_NAA_REGEXT=x -- path sdb)
    expect_line "$out" "DM_MULTIPATH_DEVICE_PATH=1"
    expect_line "$out" "PATHKEEPER_WWID=$wwid_b"
    ;;
id_serial_with_a_newline_never_adds_a_line)
    printf 'defaults:\n  find_multipaths: greedy\n' >"$conf"
    out=$(run_helper DEVPATH=/devices/x "ID_SERIAL=$wwid_a
DM_MULTIPATH_DEVICE_PATH=1
SYSTEMD_READY=1" -- path sdb)
    [[ $(wc -l <<<"$out") -eq 1 ]] || { echo "FAIL [$case_name]: more than one line:"; echo "$out"; exit 1; }
    expect_line "$out" "DM_MULTIPATH_DEVICE_PATH=0"
    expect_stderr "sdb: not a multipath path: skipped: ID_SERIAL refused: WWID '${wwid_a}\x0aDM_MULTIPATH"
    ;;
id_serial_with_a_space_or_slash_is_refused)
    printf 'defaults:\n  find_multipaths: greedy\n' >"$conf"
    for serial in "3600 a0b8" "3600/a0b8"; do
        out=$(run_helper DEVPATH=/devices/x ID_SERIAL="$serial" -- path sdb)
        expect_line "$out" "DM_MULTIPATH_DEVICE_PATH=0"
        expect_no_line_starting "$out" "PATHKEEPER_WWID="
        expect_stderr "sdb: not a multipath path: skipped: ID_SERIAL refused: WWID '$serial' contains"
    done
    ;;
bad_wwids_file_lines_are_named_with_their_line)
    printf '/%s/\n/3600 a0b8/\n/%s/\n' "$wwid_b" "$wwid_a" >"$state/wwids"
    printf 'defaults:\n  find_multipaths: strict\n' >"$conf"
    out=$(run_helper -- path sdb)
    expect_line "$out" "DM_MULTIPATH_DEVICE_PATH=1"
    expect_stderr "sdb: $state/wwids:2: line ignored: WWID '3600 a0b8' contains whitespace"
    ;;
configured_multipath_is_member)
    printf 'defaults:\n  find_multipaths: strict\nmultipaths:\n  - wwid: "%s"\n    alias: data\n' "$wwid_b" >"$conf"
    out=$(run_helper -- path sdd)
    expect_line "$out" "DM_MULTIPATH_DEVICE_PATH=1"
    ;;
greedy_claims_any_disk)
    printf 'defaults:\n  find_multipaths: greedy\n' >"$conf"
    out=$(run_helper -- path sdd)
    expect_line "$out" "DM_MULTIPATH_DEVICE_PATH=1"
    ;;
find_multipaths_smart_holds_a_lone_path_until_the_daemon_releases_it)
    printf 'defaults:\n  find_multipaths: smart\n' >"$conf"
    out=$(run_helper -- path sdd)   # the only disk of LUN B: held back (claimed, not a member)
    expect_line "$out" "DM_MULTIPATH_DEVICE_PATH=1"
    expect_line "$out" "PATHKEEPER_HELD=1"
    out=$(run_helper -- path sdb)   # LUN A has two disks: a member, not held
    expect_line "$out" "DM_MULTIPATH_DEVICE_PATH=1"
    expect_no_line_starting "$out" "PATHKEEPER_HELD="
    printf '/%s/\n' "$wwid_b" >"$state/released-wwids"   # what the daemon writes at the timeout
    out=$(run_helper -- path sdd)
    expect_line "$out" "DM_MULTIPATH_DEVICE_PATH=0"
    expect_no_line_starting "$out" "PATHKEEPER_HELD="
    ;;
uid_attribute_names_the_property_holding_the_wwid)
    printf 'defaults:\n  find_multipaths: greedy\n  uid_attribute: ID_WWN\n' >"$conf"
    out=$(run_helper DEVPATH=/devices/x ID_SERIAL="$wwid_a" ID_WWN="$wwid_b" -- path sdb)
    expect_line "$out" "PATHKEEPER_WWID=$wwid_b"
    printf 'defaults:\n  find_multipaths: greedy\n  uid_attrs: "sd:ID_SERIAL"\n  uid_attribute: ID_WWN\n' >"$conf"
    out=$(run_helper DEVPATH=/devices/x ID_SERIAL="$wwid_a" ID_WWN="$wwid_b" -- path sdb)
    expect_line "$out" "PATHKEEPER_WWID=$wwid_a"
    ;;
find_multipaths_on_claims_wwid_seen_on_two_disks)
    printf 'defaults:\n  find_multipaths: "on"\n' >"$conf"
    out=$(run_helper -- path sdb)
    expect_line "$out" "DM_MULTIPATH_DEVICE_PATH=1"
    out=$(run_helper -- path sdd)   # the only disk of LUN B
    expect_line "$out" "DM_MULTIPATH_DEVICE_PATH=0"
    ;;
find_multipaths_on_reads_no_other_disk_once_the_index_exists)
    python3 "$here/fake_san.py" "$sys" 255 2 2   # 512 more disks: 255 LUNs with 2 paths, 2 with one
    printf 'defaults:\n  find_multipaths: "on"\n' >"$conf"
    out=$(run_helper -- path sdp0l0)   # the first event that needs the index builds it from one scan
    expect_line "$out" "DM_MULTIPATH_DEVICE_PATH=1"
    # Now any reader of another disk's device number blocks: a scan of the disks would hang.
    fifos=()
    for dir in "$sys"/block/*; do
        case ${dir##*/} in sdp0l7 | sdp1l7 | sds1) ;; *) fifos+=("$dir/dev") ;; esac
    done
    rm "${fifos[@]}" && mkfifo "${fifos[@]}"
    export HELPER_TIMEOUT=20
    out=$(run_helper -- path sdp1l7)
    expect_line "$out" "DM_MULTIPATH_DEVICE_PATH=1"
    expect_line "$out" "PATHKEEPER_WWID=$(printf '36001405%025x' 7)"
    out=$(run_helper -- path sds1)
    expect_line "$out" "DM_MULTIPATH_DEVICE_PATH=0"
    if command -v strace >/dev/null && strace -f -qq -e trace=none true 2>/dev/null; then
        strace -f -qq -e trace=%file,%desc -o "$work/trace" env -i "$helper" --sysfs-root "$sys" \
            --state-dir "$state" --run-dir "$run" --config "$conf" path sdp1l7 >/dev/null 2>&1
        opened=$(grep -c "open.*\"$sys/" "$work/trace")
        if ((opened > 40)); then
            echo "FAIL [$case_name]: $opened files of the fake sysfs opened for one event (at most 40)"; exit 1
        fi
        echo "one event opened $opened files of a sysfs tree of $(ls "$sys/block" | wc -l) disks"
    fi
    ;;
sibling_found_when_id_serial_spells_the_lu_otherwise)
    # The index is built from sysfs (sdb and sdc share an NAA); sdb's udev ID_SERIAL is scsi_id's unit-serial
    # fallback. Answered with that form, looked up in the index's.
    printf 'defaults:\n  find_multipaths: "on"\n' >"$conf"
    out=$(run_helper DEVPATH=/devices/x ID_SERIAL=SLIO-ORG_disk0_0001 ID_WWN=x -- path sdb)
    expect_line "$out" "DM_MULTIPATH_DEVICE_PATH=1"
    expect_line "$out" "PATHKEEPER_WWID=SLIO-ORG_disk0_0001"
    expect_line "$(ls "$run/udev-wwid-index/by-wwid/$wwid_a")" "sdb"
    ;;
index_follows_disk_events_and_removals)
    printf 'defaults:\n  find_multipaths: "on"\n' >"$conf"
    out=$(run_helper -- path sdd)   # LUN B has one disk
    expect_line "$out" "DM_MULTIPATH_DEVICE_PATH=0"
    fake_disk sde 8:64 5:0:0:2 6001405ffeeddccbbaa9988776655443   # a second path of LUN B appears
    out=$(run_helper -- path sdd)   # sysfs is not scanned again: sde counts once its own event ran
    expect_line "$out" "DM_MULTIPATH_DEVICE_PATH=0"
    out=$(run_helper -- path sde)
    expect_line "$out" "DM_MULTIPATH_DEVICE_PATH=1"
    out=$(run_helper -- path sdd)   # the change event the daemon triggers on the first path
    expect_line "$out" "DM_MULTIPATH_DEVICE_PATH=1"
    rm -rf "$sys/block/sde"         # gone from sysfs, remove event not seen yet: no longer counts
    out=$(run_helper -- path sdd)
    expect_line "$out" "DM_MULTIPATH_DEVICE_PATH=0"
    out=$(run_helper -- forget sde)
    [[ -z $out ]] || { echo "FAIL [$case_name]: forget printed '$out'"; exit 1; }
    if [[ -e $run/udev-wwid-index/by-disk/sde || -e $run/udev-wwid-index/by-wwid/$wwid_b/sde ]]; then
        echo "FAIL [$case_name]: sde still in the index"; find "$run"; exit 1
    fi
    expect_line "$(ls "$run/udev-wwid-index/by-wwid/$wwid_b")" "sdd"
    ;;
concurrent_first_events_build_one_index)
    python3 "$here/fake_san.py" "$sys" 24 2
    printf 'defaults:\n  find_multipaths: "on"\n' >"$conf"
    for dir in "$sys"/block/sdp*; do
        name=${dir##*/}
        (run_helper -- path "$name" >"$work/out.$name") &
    done
    wait
    for dir in "$sys"/block/sdp*; do
        expect_line "$(cat "$work/out.${dir##*/}")" "DM_MULTIPATH_DEVICE_PATH=1"
    done
    index=$run/udev-wwid-index
    luns=$(find "$index/by-wwid" -mindepth 1 -maxdepth 1 -type d -name '36001405000*' | wc -l)
    entries=$(find "$index/by-wwid" -mindepth 2 -type f -name 'sdp*' | wc -l)
    links=$(find "$index/by-disk" -type l -name 'sdp*' | wc -l)
    leftovers=$(find "$run" "$index/by-disk" -maxdepth 1 -name '.*' | wc -l)
    if [[ $luns != 24 || $entries != 48 || $links != 48 || $leftovers != 0 ]]; then
        echo "FAIL [$case_name]: $luns LUNs, $entries entries, $links links, $leftovers temp files"; exit 1
    fi
    ;;
blacklisted_wwid_is_never_member)
    printf '/%s/\n' "$wwid_a" >"$state/wwids"
    printf 'defaults:\n  find_multipaths: greedy\nblacklist:\n  wwid:\n    - "^%s$"\n' "$wwid_a" >"$conf"
    out=$(run_helper -- path sdb)
    expect_line "$out" "DM_MULTIPATH_DEVICE_PATH=0"
    expect_stderr "blacklisted"
    ;;
blacklisted_vendor_is_never_member)
    fake_disk sde 8:64 5:0:0:0 6001405ffeeddccbbaa9988776655443 DGC LUNZ   # array management LUN, built-in rule
    printf 'defaults:\n  find_multipaths: greedy\n' >"$conf"
    out=$(run_helper -- path sde)
    expect_line "$out" "DM_MULTIPATH_DEVICE_PATH=0"
    ;;
broken_config_keeps_known_paths)
    printf '/%s/\n' "$wwid_a" >"$state/wwids"
    printf 'defaults:\n  no_such_key: 1\n  : [\n' >"$conf"
    out=$(run_helper -- path sdb)
    expect_line "$out" "DM_MULTIPATH_DEVICE_PATH=1"
    expect_stderr "config ignored"
    ;;
garbage_wwids_file_is_not_fatal)
    head -c 4096 /dev/urandom >"$state/wwids"
    printf 'defaults:\n  find_multipaths: strict\n' >"$conf"
    out=$(run_helper -- path sdb)
    expect_line "$out" "DM_MULTIPATH_DEVICE_PATH=0"
    ;;
disk_without_sysfs_answers_no)
    out=$(run_helper -- path sdz)
    expect_line "$out" "DM_MULTIPATH_DEVICE_PATH=0"
    expect_no_line_starting "$out" "PATHKEEPER_WWID="
    ;;
truncated_vpd_page_answers_no)
    printf '\x00\x83\x00\x40\x01' >"$sys/devices/platform/host0/session1/target4:0:0/4:0:0:2/vpd_pg83"
    printf 'defaults:\n  find_multipaths: greedy\n' >"$conf"
    out=$(run_helper -- path sdd)
    expect_line "$out" "DM_MULTIPATH_DEVICE_PATH=0"
    ;;
bad_arguments_answer_no_and_exit_zero)
    for args in "" "path" "frobnicate sdb" "path ../sdb" "--state-dir" "path sdb extra"; do
        # shellcheck disable=SC2086
        out=$(run_helper -- $args)
        expect_line "$out" "DM_MULTIPATH_DEVICE_PATH=0"
    done
    ;;
map_with_an_active_path_is_usable)
    out=$(run_helper -- --dm-status "2 0 0 0 1 1 A 0 2 0 8:16 F 1 8:32 A 0" map dm-0)
    expect_line "$out" "PATHKEEPER_MAP_USABLE=1"
    ;;
map_with_all_paths_failed_is_not_usable)
    out=$(run_helper -- --dm-status "2 1 0 0 1 1 A 0 2 0 8:16 F 1 8:32 F 3" map dm-0)
    expect_line "$out" "PATHKEEPER_MAP_USABLE=0"
    ;;
map_with_garbage_status_is_not_usable)
    out=$(run_helper -- --dm-status "2 0 0 0 1 1 A 0 2 0 8:16 X" map dm-0)
    expect_line "$out" "PATHKEEPER_MAP_USABLE=0"
    out=$(run_helper -- --dm-status "" map dm-0)
    expect_line "$out" "PATHKEEPER_MAP_USABLE=0"
    ;;
map_that_does_not_exist_is_not_usable)
    out=$(run_helper -- map dm-77)
    expect_line "$out" "PATHKEEPER_MAP_USABLE=0"
    ;;
*)
    echo "unknown case $case_name"; exit 2 ;;
esac
echo "PASS [$case_name]"

#!/bin/bash
# SCSI-3 persistent-reservation fencing through pathkeeper: two cluster nodes on one guest, each an open-iscsi
# iface with its own initiator name logged in to one LIO LUN over both portals (4 disks, one WWID).
#   host A: pathkeeperd's map over A's two disks (reservation_key 0xa1; B's disks blacklisted);
#   host B: a plain dm-multipath map made with dmsetup (one daemon per guest makes one map per WWID).
# Checks:
#   0. the target side alone (sg_persist on the disks): both hosts register, A reserves Write Exclusive
#      Registrants Only, B preempts A: A's writes conflict, B's succeed;
#   1. fence_mpath through pathkeeper-mpathpersist: A and B register (A reserves), every disk shows both keys on
#      two nexuses each; both write; B fences A (off): A's writes fail with a reservation conflict, B's succeed,
#      no 0xa1 left, status off; pathkeeperd keeps A's paths active (a conflict is not a path failure);
#   2. a path that was down while A registered: A's I/O path (cable-l1) is pulled under prober load, A registers
#      (fence_mpath on) through the surviving path, the cable returns: the daemon must register 0xa1 on the
#      returning nexus before reinstating it, or the failback to it meets reservation conflicts.
# Usage: pathkeeperd_reservation_fencing.sh BUILD_DIR
. "$(dirname "$0")/../guest/lib.sh"
. "$(dirname "$0")/../guest/lib_reservation.sh"
require_pathkeeperd "${1:-}"
require_prober "${1:-}"
command -v sg_persist >/dev/null || fail "sg_persist (sg3-utils) is not installed"
fence_mpath=/usr/sbin/fence_mpath
[ -x "$fence_mpath" ] || fail "fence_mpath (fence-agents) is not installed"

pk_on_fail() {
    local disks
    mapfile -t disks < <(iscsi_disks)
    pr_dump "${disks[@]}"
    dmsetup table
    dmsetup status
    dmesg | grep -iE 'reservation|conflict|nexus|Failing|Reinstating' | tail -n 20
}

load_multipath_modules
start_udev
lio_setup --no-login
pr_login_hosts hosta hostb
a1=$(host_disk hosta 1) a2=$(host_disk hosta 2) b1=$(host_disk hostb 1) b2=$(host_disk hostb 2)
[ -n "$a1" ] && [ -n "$a2" ] && [ -n "$b1" ] && [ -n "$b2" ] ||
    fail "expected one disk per host and portal, got hosta '$a1' '$a2', hostb '$b1' '$b2'"
all_disks=("$a1" "$a2" "$b1" "$b2")
[ "$(disk_wwids | wc -l)" -eq 1 ] || fail "expected one WWID, got: $(disk_wwids | tr '\n' ' ')"

# expect_keys WANT DISK...: READ KEYS through every DISK returns exactly WANT (sorted keys, space separated).
expect_keys() {
    local want=$1 d got
    shift
    for d in "$@"; do
        got=$(pr_keys "$d" | sort | tr '\n' ' ' | sed 's/ $//')
        [ "$got" = "$want" ] || fail "READ KEYS through $d ($(disk_host "$d")) returns [$got], expected [$want]"
    done
    log "READ KEYS through $*: [$want]"
}
# expect_reservation WANT DISK...: READ RESERVATION through every DISK returns WANT ("KEY TYPE" or empty).
expect_reservation() {
    local want=$1 d got
    shift
    for d in "$@"; do
        got=$(pr_reservation "$d")
        [ "$got" = "$want" ] || fail "READ RESERVATION through $d ($(disk_host "$d")) returns [$got], expected [$want]"
    done
    log "READ RESERVATION through $*: [${want:-none}]"
}
wero='Write Exclusive, registrants only'
# Writes land past the prober's blocks (its first 2 MiB).
expect_write_ok() {
    local out
    out=$(direct_write "$1" "$2") || fail "$3: O_DIRECT write to $1 failed: $out"
    log "$3: O_DIRECT write to $1: $out"
}
expect_write_conflict() {
    local out since=$2
    out=$(direct_write "$1" 4096) && fail "$3: O_DIRECT write to $1 succeeded, expected a reservation conflict"
    log "$3: O_DIRECT write to $1 refused: $out"
    dmesg | awk -v t="$since" '{ s = $0; sub(/^\[ */, "", s); sub(/\].*/, "", s); if (s + 0 >= t + 0) print }' |
        grep -q 'reservation conflict' || fail "$3: no 'reservation conflict' in the kernel log after the refused write"
    log "$3: kernel log: $(dmesg | grep 'reservation conflict' | tail -n 1)"
}
kernel_now() { awk '{ print $1 }' /proc/uptime; }

step "0. the target side alone: register, reserve, preempt with sg_persist"
t0=$(now_s)
for d in "$a1" "$a2"; do pr_out "$d" -G -S 0xa1 || fail "sg_persist register 0xa1 on $d"; done
for d in "$b1" "$b2"; do pr_out "$d" -G -S 0xb1 || fail "sg_persist register 0xb1 on $d"; done
pr_out "$a1" -R -K 0xa1 -T 5 || fail "sg_persist reserve (0xa1, type 5) through $a1"
pr_dump "$a1"
expect_keys "0xa1 0xa1 0xb1 0xb1" "${all_disks[@]}"
expect_reservation "0xa1 $wero" "${all_disks[@]}"
expect_write_ok "/dev/$a2" 8192 "registrant A"
expect_write_ok "/dev/$b1" 8448 "registrant B"
k=$(kernel_now)
pr_out "$b1" -A -K 0xb1 -S 0xa1 -T 5 || fail "sg_persist preempt-abort 0xa1 by 0xb1 through $b1"
expect_keys "0xb1 0xb1" "${all_disks[@]}"
expect_reservation "0xb1 $wero" "${all_disks[@]}"
expect_write_conflict "/dev/$a1" "$k" "preempted A"
expect_write_ok "/dev/$b2" 8448 "holder B"
pr_out "$b2" -C -K 0xb1 || fail "sg_persist clear by 0xb1 through $b2"
expect_keys "" "${all_disks[@]}"
expect_reservation "" "${all_disks[@]}"
log "target side: register/reserve/preempt/clear behave per SPC-3 ($(elapsed "$t0" "$(now_s)") s)"

[ -n "$PK_MPATHPERSIST" ] && [ -x "$PK_MPATHPERSIST" ] ||
    fail "pathkeeper-mpathpersist is not built in ${PK_BUILD_DIR:-?}: fence_mpath needs it for parts 1 and 2"

step "pathkeeperd makes host A's map; host B's map is made with dmsetup"
start_system_dbus
config=/etc/pathkeeper/pathkeeper.yaml
write_pathkeeper_config "$config" "defaults:
  polling_interval: 2s
  max_polling_interval: 2s
  find_multipaths: greedy
  user_friendly_names: no
  reservation_key: 0xa1
blacklist:
  devnode: [\"^$b1\$\", \"^$b2\$\"]"
"$PK_PATHKEEPERD" --check-config "$config" >&2 || fail "pathkeeperd rejects the test config"
start_pathkeeperd "$config"
wait_until 60 "host A's map" map_count_is 1
map_a=$(mpath_maps | awk '{ print $1 }')
wait_until 30 "$a1 active in $map_a" dm_path_is "$a1" A
wait_until 30 "$a2 active in $map_a" dm_path_is "$a2" A
[ "$(map_groups "$map_a" | tr '\n' ' ')" = "$(<"/sys/block/$a1/dev") $(<"/sys/block/$a2/dev") " ] ||
    fail "host A's map groups are [$(map_groups "$map_a" | tr '\n' ' ')], expected $a1's then $a2's"
sectors=$(blockdev --getsz "/dev/$b1")
# Not "mpath-": that prefix marks the maps a multipath daemon owns.
dmsetup create hostb --uuid hostb-test --table \
    "0 $sectors multipath 0 0 1 1 round-robin 0 2 1 $(<"/sys/block/$b1/dev") 1 $(<"/sys/block/$b2/dev") 1"
wait_until 10 "/dev/mapper/hostb" test -b /dev/mapper/hostb
table_b=$(dmsetup table hostb)
sleep 4 # two check intervals: the daemon must leave a map of blacklisted paths alone
[ "$(dmsetup table hostb)" = "$table_b" ] || fail "host B's map changed: $(dmsetup table hostb), was $table_b"
for d in "$b1" "$b2"; do
    [ "$(path_letter hostb "$(<"/sys/block/$d/dev")")" = A ] ||
        fail "host B's map has $d failed, nothing of B may fail it: $(dmsetup status hostb)"
done
dmsetup table >&2
dmsetup status >&2
dev_a=/dev/mapper/$map_a dev_b=/dev/mapper/hostb

step "1. fence_mpath: both nodes register, A reserves"
rm -rf /run/cluster-a /run/cluster-b
fence() {
    local out rc=0
    out=$(timeout 120 "$fence_mpath" --mpathpersist-path="$PK_MPATHPERSIST" "$@" 2>&1) || rc=$?
    log "fence_mpath $*: rc $rc${out:+: $(echo "$out" | tr '\n' ' ')}"
    return "$rc"
}
t_on=$(now_s)
fence --devices="$dev_a" --key=a1 --store-path=/run/cluster-a -o on || fail "fence_mpath on (A, 0xa1) failed"
fence --devices="$dev_b" --key=b1 --store-path=/run/cluster-b -o on || fail "fence_mpath on (B, 0xb1) failed"
log "both nodes on in $(elapsed "$t_on" "$(now_s)") s"
pr_dump "$a1"
expect_keys "0xa1 0xa1 0xb1 0xb1" "${all_disks[@]}"
expect_reservation "0xa1 $wero" "${all_disks[@]}"
for d in "${all_disks[@]}"; do
    regs=$(pr_registrations "$d" | sort | tr '\n' ';')
    want="0xa1 $(pr_iqn hosta) $(disk_rtpi "$a1");0xa1 $(pr_iqn hosta) $(disk_rtpi "$a2");"
    want+="0xb1 $(pr_iqn hostb) $(disk_rtpi "$b1");0xb1 $(pr_iqn hostb) $(disk_rtpi "$b2");"
    [ "$regs" = "$want" ] || fail "READ FULL STATUS through $d: [$regs], expected [$want]"
done
log "READ FULL STATUS: each key on both of its host's nexuses"
expect_write_ok "$dev_a" 8192 "node A"
expect_write_ok "$dev_b" 8448 "node B"

step "1. B fences A"
k=$(kernel_now)
t_off=$(now_s)
fence --devices="$dev_b" --key=a1 --store-path=/run/cluster-b -o off || fail "fence_mpath off (B fences 0xa1) failed"
log "B fenced A in $(elapsed "$t_off" "$(now_s)") s"
pr_dump "$a1"
expect_keys "0xb1 0xb1" "${all_disks[@]}"
expect_reservation "0xb1 $wero" "${all_disks[@]}"
expect_write_conflict "$dev_a" "$k" "fenced A"
expect_write_ok "$dev_b" 8448 "node B"
status_out=$(timeout 60 "$fence_mpath" --mpathpersist-path="$PK_MPATHPERSIST" --devices="$dev_a,$dev_b" --key=a1 \
    --store-path=/run/cluster-b -o status 2>&1) && status_rc=0 || status_rc=$?
log "fence_mpath status 0xa1: rc $status_rc: $status_out"
[ "$status_rc" -eq 2 ] && [[ "$status_out" == *"Status: OFF"* ]] ||
    fail "fence_mpath status for 0xa1 after fencing: rc $status_rc '$status_out', expected rc 2 'Status: OFF'"
sleep 4 # two check intervals
for d in "$a1" "$a2"; do
    dm_path_is "$d" A || fail "pathkeeperd failed $d after the reservation conflict: $(dmsetup status "$map_a")"
done
log "A's paths stay active after the conflict: $(dmsetup status "$map_a")"

step "2. a path down while A registers must be registered when it returns"
pr_out "$b1" -C -K 0xb1 || fail "sg_persist clear by 0xb1 through $b1"
rm -rf /run/cluster-a /run/cluster-b
expect_keys "" "$a1" "$a2"
prober_out=$PK_OUT/prober-reservation.json
start_prober "$dev_a" 240 "$prober_out"
writes=$(disk_writes "$a1")
sleep 3
[ "$(disk_writes "$a1")" -gt "$writes" ] || fail "the prober's writes do not go through $a1 (the optimized path)"
t_pull=$(now_s)
pull_cable l1
wait_until 60 "dm to fail $a1" dm_path_is "$a1" F
log "dm failed $a1 $(elapsed "$t_pull" "$(now_s)") s after the pull"
fence --devices="$dev_a" --key=a1 --store-path=/run/cluster-a -o on || fail "fence_mpath on (A, 0xa1, $a1 down) failed"
pr_dump "$a2"
pr_nexus_registered "$a2" 0xa1 || fail "0xa1 is not registered on $a2's nexus after fence_mpath on"
expect_reservation "0xa1 $wero" "$a2"
t_restore=$(now_s)
restore_cable l1
wait_until 90 "the iSCSI session of $a1 to log in again" session_logged_in "$a1"
t_login=$(now_s)
wait_until 90 "dm to reinstate $a1" dm_path_is "$a1" A
t_active=$(now_s)
log "$a1: logged in $(elapsed "$t_restore" "$t_login") s, reinstated $(elapsed "$t_restore" "$t_active") s after" \
    "the cable returned"
writes=$(disk_writes "$a1")
sleep 3
log "writes through $a1 in 3 s after reinstatement: $(($(disk_writes "$a1") - writes))"
kill -INT "$PK_PROBER_PID" 2>/dev/null || true
wait_prober "$prober_out" || true
errors=$(json_field "$prober_out" errors)
mismatches=$(json_field "$prober_out" mismatches)
pr_dump "$a1"
missing=()
# What the daemon shows for the returning path (pathctl show paths --json).
path_registration() {
    pathctl show paths --json | python3 -c 'import json, sys
for p in json.load(sys.stdin)["paths"]:
    if p["devnode"] == sys.argv[1]:
        print(p.get("registration") or "none")' "$1"
}
shown=$(path_registration "$a1")
log "pathctl shows $a1 registration: $shown"
[ "$shown" = registered ] || missing+=("pathctl shows $a1's registration as '$shown', expected registered")
pathctl reservation "$map_a" status >&2 || missing+=("pathctl reservation $map_a status failed")
pr_nexus_registered "$a1" 0xa1 ||
    missing+=("pathkeeperd did not register 0xa1 on the returning path $a1 (hosta at relative port $(disk_rtpi "$a1")) before reinstating it")
[ "$errors" = 0 ] && [ "$mismatches" = 0 ] ||
    missing+=("the prober saw $errors write errors and $mismatches mismatches after $a1 returned")
dmesg | grep -q 'reservation conflict' && log "kernel log: $(dmesg | grep -c 'reservation conflict') reservation conflicts in all"
[ "${#missing[@]}" -eq 0 ] || fail "$(printf '%s; ' "${missing[@]}")"
log "RESULT: fencing through pathkeeper-mpathpersist works; the returning path was registered before it carried" \
    "I/O; prober errors $errors, mismatches $mismatches"
log "pathkeeperd reservation fencing passed"

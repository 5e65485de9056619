#!/bin/bash
# md RAID1 across two SAN servers (tgt, vendor IET, whose built-in device entry queues: no_path_retry 12), one
# multipath map per server, pathkeeperd with its stock configuration. A leg whose twin is healthy fails I/O fast,
# so md drops it and writes go on; a leg whose twin is gone queues, so the only copy is never failed:
# 1. both maps fail fast while the mirror is whole; a cable pull on server A under writes (reference stall);
# 2. server B lost (both its cables) under writes: writes pause no longer than the cable pull did (bounded well
#    below the 60 s the device entry would queue), md marks B's leg faulty, 0 errors, 0 mismatches, and A's map
#    queues now;
# 3. server B back: its map's paths return, the admin re-adds the leg (mdadm --re-add, write-intent bitmap), the
#    mirror is whole and its legs identical (md check, mismatch_cnt 0), both maps fail fast again;
# 4. the other leg already degraded (B failed and removed by hand), server A lost for 15 s under writes: A's map
#    queues, writes pause and resume when A returns, 0 errors, 0 mismatches, md never fails A's leg.
. "$(dirname "$0")/../guest/lib.sh"
require_pathkeeperd "${1:-}"
require_prober "${1:-}"
command -v mdadm >/dev/null || fail "mdadm is missing"

load_multipath_modules
modprobe raid1
start_udev
# The package's rules claim the paths before md's incremental assembly could see its superblock on one.
config=/etc/pathkeeper/pathkeeper.yaml
write_pathkeeper_config "$config"
install_pathkeeper_udev_rules
san_setup --size-mb 96
san_second_server --size-mb 96
start_system_dbus
start_pathkeeperd "$config"
wait_until 60 "two maps" map_count_is 2
map_a=$(map_of_disk "$(cable_disk a)")
map_b=$(map_of_disk "$(cable_disk c)")
[ -n "$map_a" ] && [ -n "$map_b" ] && [ "$map_a" != "$map_b" ] || fail "expected one map per server: $(mpath_maps)"
for cable in a b c d; do
    wait_until 30 "the path over cable-$cable active" dm_path_is "$(cable_disk "$cable")" A
done
log "server A: $map_a ($(cable_disk a) $(cable_disk b)); server B: $map_b ($(cable_disk c) $(cable_disk d))"
map_queues "$map_a" || fail "$map_a does not queue before the mirror exists (IET's built-in no_path_retry 12)"

step "md RAID1 over $map_a and $map_b: both legs fail fast"
mdadm --create /dev/md0 --run --level=1 --raid-devices=2 --metadata=1.2 --bitmap=internal --assume-clean \
    "/dev/mapper/$map_a" "/dev/mapper/$map_b" >&2
md_state() { cat /sys/block/md0/md/array_state; }
mdstat() { grep -A2 '^md0' /proc/mdstat | tr -s ' \n' ' '; }
wait_until 30 "$map_a to fail fast (its twin is in sync)" map_fails_io "$map_a"
wait_until 30 "$map_b to fail fast (its twin is in sync)" map_fails_io "$map_b"
pathctl show topology >&2
pathctl show topology | grep -q md0 || fail "show topology does not name md0 as the maps' holder"
pathctl show config --explain "$map_b" | grep -E 'no_path_retry' >&2 || true

step "reference: one cable of server A pulled under writes to md0"
cable_pull_under_load /dev/md0 15
cable_stall=$PULL_STALL_S
[ "$(mdstat | grep -o '\[UU\]')" = "[UU]" ] || fail "a cable pull degraded the mirror: $(mdstat)"

step "server B lost under writes: md drops its leg, writes go on"
result=$PK_OUT/prober-server-loss.json
start_prober /dev/md0 40 "$result"
sleep 5
kmsg_mark "server B lost"
t_lost=$(now_s)
pull_cable c
pull_cable d
leg_b_faulty() { grep -q "$(basename "$(readlink -f "/dev/mapper/$map_b")")\[[0-9]*\](F)" /proc/mdstat; }
wait_until 90 "md to mark $map_b's leg faulty" leg_b_faulty
log "md marked $map_b's leg faulty $(elapsed "$t_lost" "$(now_s)") s after server B was lost: $(mdstat)"
wait_until 30 "$map_a to queue (it holds the only in-sync copy now)" map_queues "$map_a"
pathctl show topology >&2
rc=0
wait_prober "$result" || rc=$?
[ "$rc" -eq 0 ] || fail "writes to md0 failed or mismatched while server B was lost"
loss_stall=$(awk -v g="$(json_field "$result" max_gap_ms)" 'BEGIN { printf "%.1f", g / 1000 }')
log "RESULT: whole-server loss stalled md0's writes ${loss_stall} s; one cable pull ${cable_stall} s;" \
    "writes $(json_field "$result" writes), errors $(json_field "$result" errors), mismatches $(json_field "$result" mismatches)"
# Queueing would have held the writes for the device entry's 12 x 5 s; fail-fast ends with the path failures.
awk -v l="$loss_stall" -v c="$cable_stall" 'BEGIN { exit !(l <= c + 10 && l < 40) }' ||
    fail "the server loss stalled writes ${loss_stall} s, a cable pull ${cable_stall} s"

step "server B returns: its leg re-added, the mirror whole and identical"
restore_cable c
restore_cable d
for cable in c d; do
    wait_until 120 "the path over cable-$cable to return" dm_path_is "$(cable_disk "$cable")" A
done
mdadm /dev/md0 --remove failed >&2 || true
mdadm /dev/md0 --re-add "/dev/mapper/$map_b" >&2
md_whole() { grep -A1 '^md0' /proc/mdstat | grep -q '\[UU\]' && [ "$(cat /sys/block/md0/md/sync_action)" = idle ]; }
wait_until 120 "the mirror to be whole again" md_whole
echo check >/sys/block/md0/md/sync_action
sleep 1
md_idle() { [ "$(cat /sys/block/md0/md/sync_action)" = idle ]; }
wait_until 180 "md's check of both legs" md_idle
[ "$(cat /sys/block/md0/md/mismatch_cnt)" = 0 ] ||
    fail "the legs differ after the resync: mismatch_cnt $(cat /sys/block/md0/md/mismatch_cnt)"
wait_until 30 "$map_a to fail fast again" map_fails_io "$map_a"
wait_until 30 "$map_b to fail fast again" map_fails_io "$map_b"
log "mirror whole: $(mdstat), mismatch_cnt 0; both maps fail fast again"

step "the other leg already degraded: server A lost for 15 s under writes, its map queues"
mdadm /dev/md0 --fail "/dev/mapper/$map_b" --remove "/dev/mapper/$map_b" >&2
wait_until 30 "$map_a to queue (the mirror's only copy)" map_queues "$map_a"
result=$PK_OUT/prober-degraded.json
start_prober /dev/md0 50 "$result"
sleep 5
pull_cable a
pull_cable b
for cable in a b; do
    wait_until 60 "dm to fail the path over cable-$cable" dm_path_is "$(cable_disk "$cable")" F
done
sleep 10
map_queues "$map_a" || fail "$map_a stopped queueing while it holds the only copy"
restore_cable a
restore_cable b
for cable in a b; do
    wait_until 120 "the path over cable-$cable to return" dm_path_is "$(cable_disk "$cable")" A
done
rc=0
wait_prober "$result" || rc=$?
[ "$rc" -eq 0 ] || fail "writes to the degraded md0 failed or mismatched while server A was away"
grep -q '(F)' /proc/mdstat && fail "md failed the only leg: $(mdstat)"
log "RESULT: degraded mirror, server A away: longest pause $(awk -v g="$(json_field "$result" max_gap_ms)" \
    'BEGIN { printf "%.1f", g / 1000 }') s, writes $(json_field "$result" writes), errors" \
    "$(json_field "$result" errors), mismatches $(json_field "$result" mismatches); $(mdstat)"
mdadm --stop /dev/md0 >&2 || true
log "pathkeeperd md mirror passed"

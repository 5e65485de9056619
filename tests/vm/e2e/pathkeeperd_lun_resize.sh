#!/bin/bash
# A LUN grown on the target while a writer runs: rescanning one path holds the map at its size with both paths
# in the table; rescanning the other grows the map in dm, still with both paths; no write error, no mismatch.
# Then the LUN shrinks back: the map keeps its size until `pathctl resize-map` asks for the shrink.
. "$(dirname "$0")/../guest/lib.sh"
require_pathkeeperd "${1:-}"
require_prober

start_one_scsi_debug_map
map=$PK_MAP
mapfile -t disks < <(scsi_disks)
first=${disks[0]}
second=${disks[1]}
wait_until 30 "$first active in dm" dm_path_is "$first" A
wait_until 30 "$second active in dm" dm_path_is "$second" A
map_sectors() { blockdev --getsz "/dev/mapper/$map"; }
# Predicates for wait_until, which runs its command again at each poll.
map_sectors_are() { [ "$(map_sectors)" = "$1" ]; }
disk_sectors_are() { [ "$(<"/sys/block/$1/size")" = "$2" ]; }
pathctl_sectors_are() { [ "$(map_json "$map" size_sectors)" = "$1" ]; }
table_has_both() {
    local table
    table=$(dmsetup table "$map")
    [[ "$table" == *" $(<"/sys/block/$first/dev") "* && "$table" == *" $(<"/sys/block/$second/dev") "* ]]
}
old=$(map_sectors)
log "$map: $old sectors on $first and $second"

result=$PK_OUT/prober.json
start_prober "/dev/mapper/$map" 600 "$result"
sleep 2

step "the LUN grows to 1 GiB on the target; $first is rescanned"
echo 1 >/sys/bus/pseudo/drivers/scsi_debug/virtual_gb
new=$((1024 * 1024 * 2))
echo 1 >"/sys/block/$first/device/rescan"
wait_until 10 "$first to report $new sectors" disk_sectors_are "$first" "$new"
wait_until 20 "the daemon to log the hold" grep -q "held at $old sectors" "$PK_OUT/pathkeeperd.log"
sleep 3
table_has_both || fail "a path left the table while the resize was half seen: $(dmsetup table "$map")"
[ "$(map_sectors)" = "$old" ] || fail "$map changed size before every path agreed: $(map_sectors)"

step "$second is rescanned"
t0=$(now_s)
echo 1 >"/sys/block/$second/device/rescan"
wait_until 20 "$map to grow to $new sectors" map_sectors_are "$new"
log "$map grew $(elapsed "$t0" "$(now_s)") s after the last path was rescanned"
table_has_both || fail "a path left the table when the map grew: $(dmsetup table "$map")"
dm_path_is "$first" A && dm_path_is "$second" A || fail "both paths must stay active: $(dmsetup status "$map")"
wait_until 10 "pathctl to show $new sectors" pathctl_sectors_are "$new"

step "the LUN shrinks back: held until resize-map"
sleep 2
kill -INT "$PK_PROBER_PID" 2>/dev/null || true
rc=0
wait_prober "$result" || rc=$?
echo 0 >/sys/bus/pseudo/drivers/scsi_debug/virtual_gb
echo 1 >"/sys/block/$first/device/rescan"
echo 1 >"/sys/block/$second/device/rescan"
wait_until 10 "$first to report $old sectors" disk_sectors_are "$first" "$old"
wait_until 10 "$second to report $old sectors" disk_sectors_are "$second" "$old"
wait_until 20 "the daemon to log the held shrink" grep -q "less than the map's $new" "$PK_OUT/pathkeeperd.log"
[ "$(map_sectors)" = "$new" ] || fail "$map shrank without resize-map: $(map_sectors)"
pathctl resize-map "$map" || fail "resize-map refused"
wait_until 20 "$map to shrink to $old sectors" map_sectors_are "$old"
table_has_both || fail "a path left the table when the map shrank: $(dmsetup table "$map")"
if pathctl resize-map nosuchmap 2>"$PK_OUT/resize-unknown.err"; then fail "resize-map of an unknown map succeeded"; fi
grep -q NoSuchMap "$PK_OUT/resize-unknown.err" || fail "unknown map: $(cat "$PK_OUT/resize-unknown.err")"

errors=$(json_field "$result" errors)
mismatches=$(json_field "$result" mismatches)
stall=$(awk -v g="$(json_field "$result" max_gap_ms)" 'BEGIN { printf "%.2f", g / 1000 }')
figures="LUN resize under writes: $old -> $new sectors held until both paths were rescanned, grown with both paths; longest write stall ${stall}s; write errors ${errors}; mismatches ${mismatches}"
echo "$figures" >"$PK_OUT/figures.txt"
log "RESULT: $figures"
[ "$rc" -eq 0 ] && [ "$errors" = 0 ] && [ "$mismatches" = 0 ] || fail "write errors or mismatches during the resize"
log "pathkeeperd LUN resize passed"

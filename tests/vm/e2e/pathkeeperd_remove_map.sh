#!/bin/bash
# pathctl remove-map / add-map on a partitioned LUN: a mounted partition makes remove-map fail naming the mount
# point; after umount the partition maps and the map go and no dm device of the WWID is left; the map stays
# removed until add-map; --deferred removes an open map when its last opener closes it.
. "$(dirname "$0")/../guest/lib.sh"
require_pathkeeperd "${1:-}"

start_one_scsi_debug_map
map=$PK_MAP
wwid=$(mpath_maps | awk '{ sub(/^mpath-/, "", $2); print $2; exit }')
mapfile -t disks < <(scsi_disks)

# dm devices whose uuid names the WWID: the map (mpath-WWID) and its partitions (partN-mpath-WWID).
wwid_devices() { dmsetup info -c --noheadings -o name,uuid --separator ' ' 2>/dev/null | awk -v w="mpath-$wwid" 'index($2, w)' || true; }
no_wwid_device() { [ -z "$(wwid_devices)" ]; }
map_node_ready() { map_count_is 1 && [ -b "/dev/mapper/$map" ]; }
partition_maps() { wwid_devices | awk '$2 ~ /^part[0-9]+-mpath-/' | wc -l; }
partition_maps_are() { [ "$(partition_maps)" -eq "$1" ]; }

step "a DOS partition table with two partitions on $map, partition maps by kpartx"
python3 - "/dev/mapper/$map" <<'PY'
import struct, sys
mbr = bytearray(512)
for i, (start, count) in enumerate([(2048, 8192), (10240, 20480)]):
    mbr[446 + 16 * i:446 + 16 * (i + 1)] = struct.pack("<B3sB3sII", 0, b"\0\0\0", 0x83, b"\0\0\0", start, count)
mbr[510:512] = b"\x55\xaa"
with open(sys.argv[1], "r+b", buffering=0) as dev:
    dev.write(mbr)
PY
sync
kpartx -a -p -part "/dev/mapper/$map"
wait_until 20 "two partition maps of $map" partition_maps_are 2
wwid_devices >&2
part1=$(wwid_devices | awk '$2 ~ /^part1-mpath-/ { print $1 }')
mkfs.ext4 -q "/dev/mapper/$part1"
mkdir -p /mnt/pk-part1
mount "/dev/mapper/$part1" /mnt/pk-part1

step "remove-map while a partition is mounted"
rc=0
pathctl remove-map "$map" >"$PK_OUT/remove-mounted.out" 2>"$PK_OUT/remove-mounted.err" || rc=$?
cat "$PK_OUT/remove-mounted.out" "$PK_OUT/remove-mounted.err" >&2
[ "$rc" -ne 0 ] || fail "remove-map of a map with a mounted partition succeeded"
grep -q /mnt/pk-part1 "$PK_OUT/remove-mounted.err" || fail "the refusal does not name the mount point"
[ "$(partition_maps)" -eq 2 ] && dmsetup info "$map" >/dev/null || fail "a refused remove-map removed something"
echo written >/mnt/pk-part1/probe && sync || fail "the mounted partition no longer takes writes"

step "after umount, remove-map removes the partitions and the map"
umount /mnt/pk-part1
pathctl remove-map "$map" || fail "remove-map failed after umount"
wait_until 20 "no dm device of $wwid left" no_wwid_device
sleep 5
no_wwid_device || fail "the map came back without add-map: $(wwid_devices)"
for d in "${disks[@]}"; do
    [ -z "$(map_of_disk "$d")" ] || fail "$d is still in a map"
done

step "add-map brings it back"
pathctl add-map "$wwid" || fail "add-map $wwid failed"
wait_until 30 "$map created again, its node made by udev" map_node_ready

step "remove-map --all, add-map by disk"
pathctl remove-map --all || fail "remove-map --all failed"
wait_until 20 "no dm device of $wwid left" no_wwid_device
pathctl add-map "${disks[0]}" || fail "add-map ${disks[0]} failed"
wait_until 30 "$map created again, its node made by udev" map_node_ready

step "remove-map --deferred while open: the map goes when it is closed"
exec 3<"/dev/mapper/$map"
pathctl remove-map --deferred "$map" || fail "remove-map --deferred failed"
sleep 2
dmsetup info "$map" >/dev/null 2>&1 || fail "a deferred removal removed the map while it was open"
exec 3<&-
wait_until 20 "the map gone once closed" no_wwid_device

step "errors"
if pathctl remove-map nosuchmap 2>"$PK_OUT/remove-unknown.err"; then fail "remove-map of an unknown map succeeded"; fi
grep -q NoSuchMap "$PK_OUT/remove-unknown.err" || fail "unknown map: $(cat "$PK_OUT/remove-unknown.err")"
log "pathkeeperd remove-map passed"

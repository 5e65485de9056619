#!/bin/bash
# Partition maps: an iSCSI LUN already carrying a GPT with two partitions when pathkeeperd starts (as at boot).
# With the package's udev rules and Debian's kpartx rules, the map gets <map>-part1/2 (dm uuid
# part<N>-mpath-<wwid>), the paths' own partitions (sdX1, sdX2) are deleted and never scanned, reloads leave the
# partition maps alone, a partition the admin adds on the map gets its map, writes to a partition map survive a
# cable pull with 0 errors and 0 mismatches, every path failed marks the map unusable for udev and back, a
# reconfigure that gives the map an alias renames its partition maps, and the daemon's removal of the map
# takes them first.
. "$(dirname "$0")/../guest/lib.sh"
require_pathkeeperd "${1:-}"
require_prober "${1:-}"
command -v sfdisk >/dev/null || fail "sfdisk (Debian package fdisk) is missing"
command -v kpartx >/dev/null || fail "kpartx is missing"

load_multipath_modules
start_udev
san_setup --tuned --size-mb 96
mapfile -t paths < <(iscsi_disks)
[ "${#paths[@]}" -eq 2 ] || fail "expected 2 iSCSI paths, got: ${paths[*]}"
wwid=$(disk_wwid "${paths[0]}")

step "the LUN gets a GPT with two partitions before pathkeeperd runs"
printf 'label: gpt\nsize=32MiB, name=data\nsize=32MiB, name=logs\n' | sfdisk --quiet "/dev/${paths[0]}"
blockdev --rereadpt "/dev/${paths[1]}"
udevadm settle --timeout=60 || true
for p in "${paths[@]}"; do
    [ -e "/sys/block/$p/${p}1" ] && [ -e "/sys/block/$p/${p}2" ] || fail "$p does not show its 2 partitions"
done
log "paths before: $(cd /sys/class/block && ls -d sd* | tr '\n' ' ')"

step "pathkeeperd with the package's udev rules: partition maps made, the paths' partitions gone"
# As on a machine without multipath-tools: its dm rule would also keep kpartx off on reloads, hiding ours.
mkdir -p /run/udev/rules.d
ln -sf /dev/null /run/udev/rules.d/56-dm-mpath.rules
ln -sf /dev/null /run/udev/rules.d/60-multipath.rules
install_pathkeeper_udev_rules
start_system_dbus
config=/etc/pathkeeper/pathkeeper.yaml
write_pathkeeper_config "$config" "defaults:
  polling_interval: 2s
  find_multipaths: greedy
  user_friendly_names: yes
  flush_on_last_del: yes"
# A boot's coldplug sees the paths with the rules in place.
udevadm trigger --action=change "/sys/block/${paths[0]}" "/sys/block/${paths[1]}"
udevadm settle --timeout=60 || true
start_pathkeeperd "$config"
wait_until 60 "one map with 2 paths" map_count_is 1
map=$(mpath_maps | awk '{ print $1 }')
partition_maps() { dmsetup ls 2>/dev/null | awk '{ print $1 }' | grep -E "^$1-part[0-9]+$" | sort | tr '\n' ' '; }
partition_maps_are() { [ "$(partition_maps "$1")" = "$2" ]; }
wait_until 60 "kpartx to make $map-part1 and $map-part2" partition_maps_are "$map" "$map-part1 $map-part2 "
for n in 1 2; do
    uuid=$(dmsetup info -c --noheadings -o uuid "$map-part$n")
    [ "$uuid" = "part$n-mpath-$wwid" ] || fail "$map-part$n has dm uuid '$uuid', want part$n-mpath-$wwid"
done
path_partitions_gone() { ! ls -d /sys/class/block/sd*[0-9] >/dev/null 2>&1; }
wait_until 30 "the paths' own partitions to be deleted" path_partitions_gone
[ "$(blockdev --getsize64 "/dev/mapper/$map-part1")" = $((32 * 1024 * 1024)) ] ||
    fail "$map-part1 is not the 32 MiB partition"
log "dm devices: $(dmsetup ls | awk '{ print $1 }' | tr '\n' ' '); block devices: $(cd /sys/class/block && ls | tr '\n' ' ')"

step "a reload of the map's table leaves its partition maps alone"
part_minors() { dmsetup info -c --noheadings -o minor "$map-part1" "$map-part2" | tr '\n' ' '; }
minors_before=$(part_minors)
table_before=$(dmsetup table "$map")
udevadm monitor --udev --subsystem-match=block >"$PK_OUT/udev-reload.log" 2>&1 &
monitor=$!
sleep 1
write_pathkeeper_config "$config" "defaults:
  polling_interval: 2s
  find_multipaths: greedy
  user_friendly_names: yes
  flush_on_last_del: yes
  path_selector: round-robin"
kill -HUP "$PK_PATHKEEPERD_PID"
table_changed() { [ "$(dmsetup table "$map")" != "$table_before" ]; }
wait_until 30 "the reconfigure to reload $map (round-robin)" table_changed
sleep 3
udevadm settle --timeout=30 || true
kill "$monitor" 2>/dev/null || true
wait "$monitor" 2>/dev/null || true
map_minor=$(dmsetup info -c --noheadings -o minor "$map")
grep -q "change *[^ ]*/dm-$map_minor (block)" "$PK_OUT/udev-reload.log" ||
    fail "no change uevent of $map (dm-$map_minor) seen for its reload: $(cat "$PK_OUT/udev-reload.log")"
[ "$(part_minors)" = "$minors_before" ] || fail "partition maps made anew by a reload: $minors_before -> $(part_minors)"
for minor in $minors_before; do
    ! grep -q "change *[^ ]*/dm-$minor (block)" "$PK_OUT/udev-reload.log" ||
        fail "kpartx reloaded partition map dm-$minor on the map's reload: $(cat "$PK_OUT/udev-reload.log")"
done
log "the map's reload: $(grep -c "dm-$map_minor (block)" "$PK_OUT/udev-reload.log") uevent(s) of $map, none of its partitions"

step "a partition added on the map by the admin gets its partition map"
# The kernel does not partition a dm device (the partition maps hold the map open, so sfdisk must not try);
# udev's watch sees sfdisk close the map and sends the change event kpartx's rule acts on.
printf ',16MiB\n' | sfdisk --quiet --no-reread --append "/dev/mapper/$map" >&2
wait_until 60 "kpartx to make $map-part3" partition_maps_are "$map" "$map-part1 $map-part2 $map-part3 "
[ "$(dmsetup info -c --noheadings -o uuid "$map-part3")" = "part3-mpath-$wwid" ] || fail "$map-part3 has a wrong dm uuid"

step "writes to $map-part2 survive a cable pull"
cable_pull_under_load "/dev/mapper/$map-part2" 10
[ "$PULL_ERRORS" = 0 ] && [ "$PULL_MISMATCHES" = 0 ] || fail "writes to the partition map failed"
partition_maps_are "$map" "$map-part1 $map-part2 $map-part3 " || fail "partition maps changed: $(partition_maps "$map")"
path_partitions_gone || fail "a path's partitions came back after the cable pull: $(ls -d /sys/class/block/sd*[0-9])"

step "every path failed, then back: udev marks the map unusable and usable from the kernel's path events"
# Those events carry DM_NR_VALID_PATHS, so the rule decides without the helper; the map's flags follow.
map_udev() { udevadm info --query=property --name="/dev/mapper/$map" 2>/dev/null | grep -x "$1=$2" >/dev/null; }
for p in "${paths[@]}"; do pathctl fail-path "/dev/$p" || fail "pathctl fail-path /dev/$p"; done
wait_until 30 "udev to mark $map unusable" map_udev PATHKEEPER_MAP_USABLE 0
map_udev DM_NOSCAN 1 || fail "$map unusable but not DM_NOSCAN: $(udevadm info --query=property --name="/dev/mapper/$map")"
for p in "${paths[@]}"; do pathctl reinstate-path "/dev/$p" || fail "pathctl reinstate-path /dev/$p"; done
wait_until 30 "udev to mark $map usable" map_udev PATHKEEPER_MAP_USABLE 1
map_udev DM_NOSCAN 1 && fail "$map usable again but still DM_NOSCAN"
udevadm settle --timeout=60 || true
partition_maps_are "$map" "$map-part1 $map-part2 $map-part3 " || fail "partition maps changed: $(partition_maps "$map")"

step "an alias given at a reconfigure renames the partition maps with the map"
write_pathkeeper_config "$config" "defaults:
  polling_interval: 2s
  find_multipaths: greedy
  user_friendly_names: yes
  flush_on_last_del: yes
  path_selector: round-robin
multipaths:
  - wwid: \"$wwid\"
    alias: sanvol"
kill -HUP "$PK_PATHKEEPERD_PID"
wait_until 30 "the map renamed to sanvol" test -e /dev/mapper/sanvol
wait_until 30 "its partition maps renamed" partition_maps_are sanvol "sanvol-part1 sanvol-part2 sanvol-part3 "
[ -z "$(partition_maps "$map")" ] || fail "partition maps left under the old name: $(partition_maps "$map")"
wait_until 30 "/dev/mapper/sanvol-part2 to exist" test -b /dev/mapper/sanvol-part2
log "after the rename: $(dmsetup ls | awk '{ print $1 }' | sort | tr '\n' ' ')"

step "the LUN's paths go away: the daemon removes the map, partition maps first"
for p in "${paths[@]}"; do
    echo 1 >"/sys/block/$p/device/delete"
done
no_dm_of_wwid() { ! dmsetup info -c --noheadings -o uuid 2>/dev/null | grep -q -- "$wwid"; }
wait_until 60 "no dm device of $wwid left" no_dm_of_wwid
pathctl show topology >&2 || true
log "pathkeeperd partitions passed"

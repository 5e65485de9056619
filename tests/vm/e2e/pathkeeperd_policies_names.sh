#!/bin/bash
# pathkeeperd naming and grouping policies on scsi_debug (2 hosts x 4 LUNs): one LUN gets an alias from the YAML
# file, the others the names of the daemon's bindings file (user_friendly_names); one map is multibus (one group
# with both paths), one failover (one path per group); every uuid is mpath-<ID_SERIAL>. Then the alias changes and
# the config is reloaded: the map is renamed in place (same dm minor, no table reload, same event counter) and the
# other maps are untouched.
. "$(dirname "$0")/../guest/lib.sh"
require_pathkeeperd "${1:-}"

load_multipath_modules
start_udev
scsi_debug_setup
wait_for_disks 8
start_system_dbus

mapfile -t wwids < <(disk_wwids)
[ "${#wwids[@]}" -eq 4 ] || fail "expected 4 WWIDs, got: ${wwids[*]}"
config=/etc/pathkeeper/pathkeeper.yaml
bindings=/var/lib/pathkeeper/bindings
# policies_config ALIAS: the test config with ALIAS for the first LUN.
policies_config() {
    write_pathkeeper_config "$config" "defaults:
  polling_interval: 2s
  find_multipaths: greedy
  user_friendly_names: yes
  import_multipath_bindings: no
  path_grouping_policy: group_by_prio
overrides:
  no_path_retry: fail
multipaths:
  - wwid: ${wwids[0]}
    alias: $1
  - wwid: ${wwids[1]}
    path_grouping_policy: multibus
  - wwid: ${wwids[2]}
    path_grouping_policy: failover"
    "$PK_PATHKEEPERD" --check-config "$config" || fail "pathkeeperd rejects the test config"
}
policies_config pk_alias

step "pathkeeperd builds the maps"
t0=$(now_s)
start_pathkeeperd "$config"
wait_until 60 "4 multipath maps" map_count_is 4
log "4 maps after $(elapsed "$t0" "$(now_s)") s"
dmsetup info -c -o name,uuid,minor,events,open >&2
dmsetup table >&2
[ -f "$bindings" ] || fail "the daemon wrote no bindings file at $bindings"
log "bindings file:"
cat "$bindings" >&2

map_name_of() { mpath_maps | awk -v u="mpath-$1" '$2 == u { print $1 }'; }
bound_name() { awk -v w="$1" '$1 !~ /^#/ && $2 == w { print $1 }' "$bindings"; }

step "names, uuids and tables"
for i in 0 1 2 3; do
    w=${wwids[$i]}
    name=$(map_name_of "$w")
    [ -n "$name" ] || fail "no map with uuid mpath-$w; maps: $(mpath_maps)"
    if [ "$i" -eq 0 ]; then
        want=pk_alias
    else
        want=$(bound_name "$w")
        [ -n "$want" ] || fail "the bindings file has no name for $w"
        [[ "$want" =~ ^mpath[a-z]+$ ]] || fail "binding for $w is '$want', not a user-friendly mpathN name"
    fi
    [ "$name" = "$want" ] || fail "map for $w is named $name, expected $want"
    [ -b "/dev/mapper/$name" ] || fail "/dev/mapper/$name does not exist"
    groups=$(map_groups "$name")
    ngroups=$(echo "$groups" | wc -l)
    case $i in
    1)
        [ "$ngroups" -eq 1 ] && [ "$(echo "$groups" | wc -w)" -eq 2 ] ||
            fail "$name (multibus): expected one group with both paths, got: $groups"
        ;;
    *)
        [ "$ngroups" -eq 2 ] && [ "$(echo "$groups" | wc -w)" -eq 2 ] ||
            fail "$name: expected two groups of one path each, got: $groups"
        ;;
    esac
    log "map $name uuid mpath-$w, groups: $(echo "$groups" | tr '\n' '|')"
done
# The bindings file never gives one name twice.
dups=$(awk '$1 !~ /^#/ { print $1 }' "$bindings" | sort | uniq -d)
[ -z "$dups" ] || fail "bindings file gives names twice: $dups"

step "alias change + reconfigure renames the map in place"
snapshot() {
    local n
    for n in $(mpath_maps | awk '{ print $2 }'); do
        printf '%s minor=%s events=%s table=%s\n' "$n" \
            "$(dmsetup info -c --noheadings -o minor -u "$n" | tr -d ' ')" \
            "$(dmsetup info -c --noheadings -o events -u "$n" | tr -d ' ')" \
            "$(dmsetup table -u "$n" | md5sum | cut -c1-12)"
    done
}
before=$(snapshot | sort)
log_lines=$(wc -l <"$PK_OUT/pathkeeperd.log")
log "before: $(echo; echo "$before")"
policies_config pk_renamed
t0=$(now_s)
pathctl reconfigure >&2 || fail "pathctl reconfigure failed"
wait_until 30 "/dev/mapper/pk_renamed" test -b /dev/mapper/pk_renamed
log "renamed after $(elapsed "$t0" "$(now_s)") s"
[ ! -e /dev/mapper/pk_alias ] || fail "/dev/mapper/pk_alias still exists after the rename"
[ "$(map_name_of "${wwids[0]}")" = pk_renamed ] || fail "dm name of mpath-${wwids[0]} is not pk_renamed"
sleep 2
after=$(snapshot | sort)
log "after: $(echo; echo "$after")"
# The kernel's rename raises the renamed map's event counter by one (dm_hash_rename wakes event waiters); any
# other change (a reload, a path failure, a group switch) would show as a different table or a larger count.
renamed_uuid=mpath-${wwids[0]}
expected=$(echo "$before" | awk -v u="$renamed_uuid" '$1 == u { sub(/events=/, "", $3); $3 = "events=" $3 + 1 } { print }')
[ "$expected" = "$after" ] || fail "minor, event counter or table of a map changed beyond the rename's own event:
expected: $expected
after:    $after"
reloads=$(tail -n +"$((log_lines + 1))" "$PK_OUT/pathkeeperd.log" | grep -E ': (reloaded|created|removed)' || true)
[ -z "$reloads" ] || fail "the daemon reloaded, created or removed maps on an alias change: $reloads"
kill -0 "$PK_PATHKEEPERD_PID" || fail "pathkeeperd died"
pathctl_maps_json | grep -q '"pk_renamed"' || fail "pathctl show maps --json does not list pk_renamed"
log "RESULT: 4 maps named and grouped as configured; rename kept every minor and table, no reload, only the kernel rename event"

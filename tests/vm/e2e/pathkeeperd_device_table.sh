#!/bin/bash
# The built-in device table on a real kernel: scsi_debug poses as an HPE Nimble array (INQUIRY vendor "Nimble",
# product "Server"; 1 LUN on 2 hosts, ALUA) and the config file says nothing about policies. The map gets the
# table entry's policy: hardware handler alua, group_by_prio with the optimized path's group first,
# queue_if_no_path from no_path_retry queue; `pathctl show config --explain` names the entry as the origin of
# each of its settings and `pathctl show maps` reports the device and the table's features.
. "$(dirname "$0")/../guest/lib.sh"
require_pathkeeperd "${1:-}"

vendor=Nimble
product=Server
load_multipath_modules
start_udev
scsi_debug_setup add_host=2 vpd_use_hostno=0 num_tgts=1 max_luns=1 dev_size_mb=16 \
    inq_vendor="$vendor" inq_product="$product" inq_rev=1.0
wait_for_disks 2
start_system_dbus
for d in $(scsi_disks); do
    [ "$(cat "/sys/block/$d/device/vendor" | tr -d ' ')" = "$vendor" ] ||
        fail "$d reports vendor '$(cat "/sys/block/$d/device/vendor")', not $vendor: scsi_debug ignored inq_vendor"
    [ "$(cat "/sys/block/$d/device/model" | tr -d ' ')" = "$product" ] ||
        fail "$d reports product '$(cat "/sys/block/$d/device/model")', not $product"
done

config=/etc/pathkeeper/pathkeeper.yaml
write_pathkeeper_config "$config" "defaults:
  polling_interval: 2s
  find_multipaths: greedy
  user_friendly_names: no"
"$PK_PATHKEEPERD" --check-config "$config" || fail "pathkeeperd rejects the test config"

step "pathkeeperd builds the map with the table entry's policy"
start_pathkeeperd "$config"
wait_until 60 "one multipath map" map_count_is 1
name=$(mpath_maps | awk '{ print $1; exit }')
table=$(dmsetup table "$name")
log "table of $name: $table"
pathctl show topology >&2 || fail "pathctl show topology failed"

# dm prints: start len multipath <#features> <features...> <#hw args> <handler...> <#groups> <initial> ...
features=$(echo "$table" | awk '{ f = ""; for (i = 5; i < 5 + $4; i++) f = f " " $i; print f }')
handler=$(echo "$table" | awk '{ i = 5 + $4; h = ""; for (j = i + 1; j <= i + $i; j++) h = h " " $j; print h }')
[[ " $features " == *" queue_if_no_path "* ]] ||
    fail "$name: the entry's no_path_retry queue should queue I/O (features:$features)"
[ "$handler" = " alua" ] || fail "$name: hardware handler is '$handler', expected the entry's alua"
groups=$(map_groups "$name")
[ "$(echo "$groups" | wc -l)" -eq 2 ] || fail "$name: expected 2 path groups (group_by_prio), got: $groups"
optimized=
for d in $(scsi_disks); do
    [ "$(cat "/sys/block/$d/device/access_state")" = active/optimized ] && optimized=$(cat "/sys/block/$d/dev")
done
[ "$(echo "$groups" | head -1)" = "$optimized" ] ||
    fail "$name: first group is '$(echo "$groups" | head -1)', expected the optimized path $optimized"
log "table: features$features, handler$handler, groups $(echo "$groups" | tr '\n' '|') (optimized $optimized first)"

step "pathctl show config --explain names the table entry"
explained=$(pathctl show config --explain "$name") || fail "pathctl show config --explain $name failed"
echo "$explained" >&2
origin="built-in device table: $vendor $product"
for setting in "path_grouping_policy: group_by_prio" "hardware_handler: alua" "prio: alua" \
    "failback: immediate" "no_path_retry: queue"; do
    grep -qxF "$setting  # $origin" <<<"$explained" || fail "--explain does not show '$setting  # $origin'"
done
grep -qxF "path_checker: tur  # built-in" <<<"$explained" ||
    fail "--explain: path_checker should come from the built-in defaults (the entry does not set it)"
# Not piped into grep -q: it exits at the first match and pipefail would see the writer's SIGPIPE.
shown=$(pathctl show config) || fail "pathctl show config failed"
grep -qF "vendor: \"$vendor\"  # built-in device table" <<<"$shown" ||
    fail "pathctl show config does not list the $vendor entry of the built-in device table"

step "pathctl show maps reports the device and the table's features"
maps=$(pathctl_maps_json) || fail "pathctl show maps --json failed"
echo "$maps" >&2
[ "$(echo "$maps" | jq -r --arg m "$name" '.maps[] | select(.name == $m) | .vendor')" = "$vendor" ] ||
    fail "show maps: vendor of $name is not $vendor"
# As dm reports them: "<#args> <handler>", "<#features> <features...>".
[ "$(echo "$maps" | jq -r --arg m "$name" '.maps[] | select(.name == $m) | .hardware_handler')" = "1 alua" ] ||
    fail "show maps: hardware_handler of $name is not 1 alua"
[[ " $(echo "$maps" | jq -r --arg m "$name" '.maps[] | select(.name == $m) | .features') " == *" queue_if_no_path "* ]] ||
    fail "show maps: features of $name lack queue_if_no_path"
[ "$(echo "$maps" | jq -r --arg m "$name" '.maps[] | select(.name == $m) | .no_path_retry')" = queue ] ||
    fail "show maps: no_path_retry of $name is not queue"
stop_pathkeeperd TERM
log "RESULT: scsi_debug as $vendor $product got the built-in table entry's policy"

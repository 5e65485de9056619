#!/bin/bash
# pathctl against the real pathkeeperd (not the test server): the daemon runs on its simulated back end
# (tests/daemon/data/two-luns.yaml: two maps of two iSCSI paths) and publishes on a private system-type bus with
# the shipped bus policy. Every pathctl command is driven once as root, the JSON documents are parsed, the
# kernel-side effect of each mutation is read from the simulated device-mapper, the error paths give their exit
# codes, and an unprivileged caller (uid 65534) may read but not change anything, nor crowd root out with a
# read flood (READ_FLOOD: pathkeeper-read-flood).
# Usage: daemon_integration.sh PATHCTL PATHKEEPERD POLICY_CONF SCENARIO WORKDIR READ_FLOOD
set -u
. "$(dirname "$0")/integration_lib.sh"
pathctl=$(realpath "$1") daemon=$(realpath "$2") policy=$(realpath "$3") scenario=$(realpath "$4") work=$5
flood=$(realpath "$6")


rm -rf "$work" && mkdir -p "$work" && chmod 755 "$work"
# uid 65534 must reach pathctl and the bus socket: work in a world-traversable directory if the build tree is not.
if ! setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$work"; then
    work=$(mktemp -d /tmp/pathkeeper-daemon-test.XXXXXX)
    chmod 755 "$work"
fi
mkdir -p "$work/bin" && chmod 755 "$work/bin"
cp "$pathctl" "$work/bin/" && pathctl=$work/bin/$(basename "$pathctl")
cp "$flood" "$work/bin/" && flood=$work/bin/$(basename "$flood")
socket=$work/system_bus_socket
write_private_system_bus_conf "$work/bus.conf" "$socket" "$policy"
cat >"$work/pathkeeper.yaml" <<'YAML'
defaults:
  polling_interval: 2s
  user_friendly_names: false
overrides:
  path_grouping_policy: failover  # two groups, for switch-group (the LIO built-in groups by priority)
YAML
printf 'defaults:\n  polling_intervall: 2s\n' >"$work/bad.yaml"
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$socket

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done; wait 2>/dev/null; }
trap cleanup EXIT

is_json() { if python3 -c 'import json,sys; json.load(sys.stdin)' <<<"$1" 2>/dev/null; then pass; else fail "$2: not JSON: $1"; fi; }
# eventually SECONDS DESCRIPTION COMMAND...
eventually() {
    local seconds=$1 what=$2 i
    shift 2
    for ((i = 0; i < seconds * 10; i++)); do
        if "$@" >/dev/null 2>&1; then pass; return 0; fi
        sleep 0.1
    done
    fail "$what (not within ${seconds}s)"
}
dm_status() { cat "$work/state/sim/status" 2>/dev/null; }
dm_has() { [[ "$(dm_status)" == *"$1"* ]]; }
path_field() { "$pathctl" show paths --json | python3 -c "import json,sys; print([p for p in json.load(sys.stdin)['paths'] if p['devnode']=='$1'][0]['$2'])"; }
path_field_is() { [ "$(path_field "$1" "$2")" = "$3" ]; }

dbus-daemon --config-file="$work/bus.conf" --nofork --nopidfile 2>"$work/dbus-daemon.log" &
pids+=($!)
for _ in $(seq 50); do [ -S "$socket" ] && break; sleep 0.1; done
[ -S "$socket" ] || { echo "FAIL: dbus-daemon did not start"; exit 1; }

expect 3 "status before the daemon runs" -- "$pathctl" status
contains "$err" "systemctl start pathkeeperd" "advice when the daemon is not running"

"$daemon" --backend sim --sim-scenario "$scenario" --config "$work/pathkeeper.yaml" --state-dir "$work/state" \
    --foreground >"$work/daemon.log" 2>&1 &
daemon_pid=$!
pids+=($daemon_pid)
eventually 20 "the daemon answers with both maps" bash -c "'$pathctl' show maps --json | grep -q 36001405bbbbbbbbbbbbbbbbbbbbbbbb2"
map=36001405aaaaaaaaaaaaaaaaaaaaaaaa1

# ---- Reads, as root and as nobody.
for who in root nobody; do
    run=()
    [ "$who" = root ] || run=(as_nobody)
    expect 0 "$who: status" -- "${run[@]}" "$pathctl" status
    contains "$out" "0.1.0" "$who: status shows the daemon version"
    expect 0 "$who: show topology" -- "${run[@]}" "$pathctl" show topology
    contains "$out" "$map" "$who: topology names the map"
    contains "$out" "10.77.2.1:3260" "$who: topology shows the iSCSI portal"
    expect 0 "$who: show paths" -- "${run[@]}" "$pathctl" show paths
    contains "$out" "sde" "$who: paths lists sde"
    expect 0 "$who: show maps" -- "${run[@]}" "$pathctl" show maps
    expect 0 "$who: show config --explain" -- "${run[@]}" "$pathctl" show config --explain
    contains "$out" "polling_interval: 2s" "$who: config shows the file's polling_interval"
    expect 0 "$who: show config --explain $map" -- "${run[@]}" "$pathctl" show config --explain "$map"
    contains "$out" "map $map (WWID $map)" "$who: the explanation names the map"
    contains "$out" "path_grouping_policy: failover  # overrides ($work/pathkeeper.yaml:5)" \
        "$who: an overrides value names its file:line"
    contains "$out" "no_path_retry: 12  # built-in device table: (LIO-ORG|SUSE) .*" \
        "$who: the LIO-ORG paths get the built-in device table entry"
    expect 0 "$who: show config" -- "${run[@]}" "$pathctl" show config
    contains "$out" "
overrides:
  path_grouping_policy: failover
" "$who: show config prints the overrides section"
    expect 1 "$who: explain an unknown path" -- "${run[@]}" "$pathctl" show config --explain sdzz
    contains "$err" "NoSuchPath" "$who: unknown path is NoSuchPath"
    for cmd in "show topology" "show paths" "show maps" "show config" "status"; do
        # shellcheck disable=SC2086  # the command words are meant to split
        expect 0 "$who: $cmd --json" -- "${run[@]}" "$pathctl" $cmd --json
        is_json "$out" "$who: $cmd --json"
    done
done

# ---- The daemon's own paths replayed offline through the planner.
"$pathctl" show paths --as-plan-input >"$work/paths.yaml"
expect 0 "plan from the daemon's paths" -- env DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent \
    "$pathctl" plan --config "$work/pathkeeper.yaml" --paths "$work/paths.yaml"
contains "$out" "mpath-$map" "plan names the dm uuid"

# ---- Mutations as nobody: refused, nothing changes.
for cmd in "fail-path sdb" "reinstate-path sdb" "switch-group $map 2" "queueing $map disable" \
    "queueing --all disable" "reconfigure" "reconfigure --config $work/pathkeeper.yaml" "wwids add sdb" \
    "wwids reset" "remove-path sdb" "add-path sdb" "remove-map $map" "add-map sdb" "resize-map $map"; do
    # shellcheck disable=SC2086
    expect 1 "nobody: $cmd" -- as_nobody "$pathctl" $cmd
    contains "$err" "AccessDenied" "nobody: $cmd names AccessDenied"
done
if dm_has "8:16 F"; then fail "an unprivileged fail-path reached dm: $(dm_status)"; else pass; fi

# ---- A read flood from an unprivileged user (8 connections x 32 calls in flight): root is still answered, and
# the user's reads wait their turn: every one is answered, none refused.
as_nobody "$flood" --connections 8 --calls 32 --seconds 3 >"$work/flood.out" 2>&1 &
flood_pid=$!
pids+=($flood_pid)
sleep 1
expect 0 "root: status during a read flood" -- "$pathctl" status
expect 0 "root: show topology during a read flood" -- "$pathctl" show topology
contains "$out" "$map" "root's topology during the flood names the map"
wait $flood_pid
flood_out=$(cat "$work/flood.out")
if [[ "$flood_out" =~ answered\ ([1-9][0-9]*)\ refused\ 0\ failed\ 0 ]]; then pass; else
    fail "the flood's reads wait and are answered, none refused or failed: $flood_out"; fi

# ---- More reads in flight than a user may have waiting (40 x 32 > 1024): the excess is refused with Busy, whose
# message names the limit; what waits is answered.
as_nobody "$flood" --connections 40 --calls 32 --seconds 3 >"$work/flood-wide.out" 2>&1 &
flood_pid=$!
pids+=($flood_pid)
sleep 1
expect 0 "root: status during a wide read flood" -- "$pathctl" status
wait $flood_pid
flood_out=$(cat "$work/flood-wide.out")
contains "$flood_out" "org.pathkeeper.PathKeeper1.Error.Busy: GetTopology refused: uid 65534" \
    "the flood's excess is refused with Busy"
contains "$flood_out" "already has 1024 reads waiting (the limit for callers other than root)" \
    "the refusal names the limit"
if [[ "$flood_out" =~ answered\ ([1-9][0-9]*)\ refused\ [1-9][0-9]*\ failed\ 0 ]]; then pass; else
    fail "the wide flood is answered up to the limit, refused beyond it, none fail: $flood_out"; fi

# ---- The reads sd-bus answers itself (ObjectManager.GetManagedObjects, Properties.GetAll and Get) wait in the
# same queue: root is answered during a flood of each, and the flood's reads are answered in their turn.
for method in GetManagedObjects GetAll Get; do
    as_nobody "$flood" --method "$method" --connections 8 --calls 32 --seconds 3 >"$work/flood-$method.out" 2>&1 &
    flood_pid=$!
    pids+=($flood_pid)
    sleep 1
    expect 0 "root: status during a $method flood" -- "$pathctl" status
    expect 0 "root: show topology during a $method flood" -- "$pathctl" show topology
    contains "$out" "$map" "root's topology during the $method flood names the map"
    wait $flood_pid
    flood_out=$(cat "$work/flood-$method.out")
    if [[ "$flood_out" =~ answered\ [1-9][0-9]*\ refused\ 0\ failed\ 0 ]]; then pass; else
        fail "the $method flood waits its turn and is answered, none refused or failed: $flood_out"; fi
done

# A wide flood of one of them is refused beyond the limit with Busy naming it with its interface.
as_nobody "$flood" --method GetAll --connections 40 --calls 32 --seconds 3 >"$work/flood-wide-GetAll.out" 2>&1
contains "$(cat "$work/flood-wide-GetAll.out")" \
    "org.pathkeeper.PathKeeper1.Error.Busy: Properties.GetAll refused: uid 65534 already has 1024 reads waiting" \
    "a wide GetAll flood's excess is refused with Busy naming the method"

# ---- Mutations as root, each followed to the (simulated) kernel, with watch running.
"$pathctl" watch >"$work/watch.out" 2>&1 &
watch_pid=$!
pids+=($watch_pid)
sleep 0.5
eventually 10 "both paths of $map up before the mutations" path_field_is sdb checker_state up
t_fail=$(date +%s%N)
expect 0 "root: fail-path" -- "$pathctl" fail-path /dev/sdb
eventually 5 "dm has sdb failed" dm_has "8:16 F"
# How soon watch shows it is printed, not asserted (timing goals belong to benchmarks): the bound is generous.
eventually 10 "watch printed the failure" grep -q "sdb.*down" "$work/watch.out"
echo "daemon_integration: watch printed the failure $((($(date +%s%N) - t_fail) / 1000000)) ms after fail-path was called (upper bound)"
eventually 5 "show paths reports sdb failed" path_field_is sdb dm_state failed
expect 0 "root: reinstate-path" -- "$pathctl" reinstate-path sdb
eventually 10 "dm has sdb active again" dm_has "8:16 A"
eventually 5 "watch printed the reinstatement" grep -q "sdb.*up" "$work/watch.out"
expect 0 "root: switch-group" -- "$pathctl" switch-group "$map" 2
eventually 5 "dm has switched $map to group 2" grep -q "switch_group 2" "$work/state/sim/ops.log"
expect 1 "switch-group to a group that does not exist" -- "$pathctl" switch-group "$map" 9
expect 1 "fail-path of an unknown path" -- "$pathctl" fail-path sdz
contains "$err" "NoSuchPath" "unknown path is NoSuchPath"
expect 1 "switch-group of an unknown map" -- "$pathctl" switch-group nosuchmap 1
contains "$err" "NoSuchMap" "unknown map is NoSuchMap"
# Queueing control: the message reaches dm, the map shows the administrator's policy until restored.
expect 0 "root: queueing disable" -- "$pathctl" queueing "$map" disable
eventually 5 "dm got fail_if_no_path for $map" grep -q "$map.*fail_if_no_path" "$work/state/sim/ops.log"
expect 0 "maps after queueing disable" -- "$pathctl" show maps --json
contains "$out" '"no_path_retry": "fail"' "the map shows no_path_retry fail"
contains "$out" '"queueing": false' "the map does not queue"
expect 0 "root: queueing restore" -- "$pathctl" queueing --all restore
eventually 5 "dm got queue_if_no_path for $map" grep -q "$map.*queue_if_no_path" "$work/state/sim/ops.log"
expect 1 "queueing of an unknown map" -- "$pathctl" queueing nosuchmap force
contains "$err" "no map named nosuchmap" "the refusal names the map"
contains "$err" "NoSuchMap" "unknown map is NoSuchMap"
expect 1 "SetQueueing with an unknown control" -- busctl --system call org.pathkeeper.PathKeeper1 \
    /org/pathkeeper/PathKeeper1 org.pathkeeper.PathKeeper1.Manager SetQueueing ss "$map" off
contains "$err" "queueing control must be disable, restore or force" "the refusal names the argument"

# resize-map: at the size every path reports there is nothing to do; an unknown map is NoSuchMap.
expect 0 "root: resize-map at the paths' size" -- "$pathctl" resize-map "$map"
contains "$out" "$map: resize to the size of its paths requested" "resize-map says so"
eventually 5 "the daemon logged that the size is already right" grep -q "$map: resize requested; already" \
    "$work/daemon.log"
expect 1 "resize-map of an unknown map" -- "$pathctl" resize-map nosuchmap
contains "$err" "NoSuchMap" "unknown map is NoSuchMap"

# ---- remove-path / add-path: the table loses the path and gets it back; the last path stays.
map_table() { grep "^$map:" "$work/state/sim/tables"; }
table_lacks() { ! map_table | grep -q " $1 "; }
table_has() { map_table | grep -q " $1 "; }
expect 0 "root: remove-path" -- "$pathctl" remove-path /dev/sdc
contains "$out" "sdc: removed from its map" "remove-path says so"
eventually 5 "the table of $map lost sdc (8:32)" table_lacks 8:32
eventually 5 "show paths shows sdc in no map" path_field_is sdc map None
expect 1 "remove-path of the last path" -- "$pathctl" remove-path sdb
contains "$err" "sdb is the last path of $map" "the refusal names the map"
contains "$err" "NotSupported" "the last path is NotSupported"
expect 1 "remove-path of an unknown path" -- "$pathctl" remove-path sdz
contains "$err" "NoSuchPath" "unknown path is NoSuchPath"
expect 0 "root: add-path" -- "$pathctl" add-path sdc
eventually 5 "the table of $map has sdc again" table_has 8:32
eventually 5 "show paths shows sdc in $map" path_field_is sdc map "$map"

# ---- remove-map / add-map: the map leaves dm and stays gone until add-map.
map_in_dm() { grep -q "^$map:" "$work/state/sim/tables"; }
map_not_in_dm() { ! map_in_dm; }
expect 1 "remove-map of an unknown map" -- "$pathctl" remove-map mpathz
contains "$err" "NoSuchMap" "unknown map is NoSuchMap"
expect 0 "root: remove-map" -- "$pathctl" remove-map "$map"
contains "$out" "$map: removed" "remove-map says so"
eventually 5 "$map is gone from dm" map_not_in_dm
eventually 5 "show paths shows sdb in no map" path_field_is sdb map None
expect 0 "an unrelated replan (queueing --all restore)" -- \
    "$pathctl" queueing --all restore
sleep 1
if map_in_dm; then fail "$map came back without add-map"; else pass; fi
expect 0 "root: add-map" -- "$pathctl" add-map sdb
eventually 5 "$map is back in dm" map_in_dm
eventually 5 "show paths shows sdb in $map again" path_field_is sdb map "$map"

# ---- multipath -c's question, asked of the daemon.
expect 0 "is-member of a map's path" -- "$pathctl" is-member sdb
contains "$out" "sdb is a valid multipath device path (map $map)" "is-member names the map"
expect 1 "is-member of an unknown disk" -- "$pathctl" is-member sdz

# ---- The known-WWIDs file: the maps' WWIDs are in it; add / remove reach it, refusals name the reason.
wwids_file=$work/state/wwids
has_wwid() { grep -qx "/$1/" "$wwids_file"; }
lacks_wwid() { ! grep -qx "/$1/" "$wwids_file"; }
eventually 5 "the wwids file lists $map" has_wwid "$map"
expect 0 "root: wwids add" -- "$pathctl" wwids add 36001405cccccccccccccccccccccccc3
eventually 5 "the wwids file gets the added WWID" has_wwid 36001405cccccccccccccccccccccccc3
expect 0 "wwids list" -- "$pathctl" wwids list
contains "$out" "36001405cccccccccccccccccccccccc3" "the list shows the added WWID"
expect 1 "wwids remove of a mapped WWID" -- "$pathctl" wwids remove "$map"
contains "$err" "has map" "the refusal names the map"
contains "$err" "NotSupported" "a mapped WWID is NotSupported"
expect 1 "wwids add of a missing disk" -- "$pathctl" wwids add sdz
contains "$err" "no path named sdz" "a disk name is not taken for a WWID"
expect 0 "root: wwids remove" -- "$pathctl" wwids remove 36001405cccccccccccccccccccccccc3
eventually 5 "the removed WWID leaves the file" lacks_wwid 36001405cccccccccccccccccccccccc3
expect 0 "root: wwids reset" -- "$pathctl" wwids reset
if has_wwid "$map" && [ "$(grep -c '^/' "$wwids_file")" -eq 2 ]; then pass; else
    fail "after reset the file should hold the two maps' WWIDs: $(cat "$wwids_file")"; fi

# ---- Reconfigure: the file, a bad text (refused with its location, nothing applied), a good text.
expect 0 "root: reconfigure" -- "$pathctl" reconfigure
expect 1 "root: reconfigure with a bad file" -- "$pathctl" reconfigure --config "$work/bad.yaml"
contains "$err" "bad.yaml:2:3" "the refusal names file:line:col"
contains "$err" "polling_intervall" "the refusal names the key"
expect 0 "config after the refused reconfigure" -- "$pathctl" show config
contains "$out" "polling_interval: 2s" "the running configuration is unchanged"
printf 'defaults:\n  polling_interval: 3s\n  user_friendly_names: false\noverrides:\n  path_grouping_policy: failover\n' \
    >"$work/good.yaml"
expect 0 "root: reconfigure with a good file" -- "$pathctl" reconfigure --config "$work/good.yaml"
expect 0 "config after the good reconfigure" -- "$pathctl" show config
contains "$out" "polling_interval: 3s" "the new configuration is applied"

# ---- Usage errors, then the daemon going away.
expect 2 "an unknown command" -- "$pathctl" frobnicate
expect 2 "fail-path without a path" -- "$pathctl" fail-path
if kill -0 $daemon_pid; then pass; else fail "the daemon died: $(tail -n 20 "$work/daemon.log")"; fi
kill $daemon_pid
wait $daemon_pid
code=$?
if [ $code -eq 0 ]; then pass; else fail "the daemon exited $code on SIGTERM"; fi
for _ in $(seq 20); do kill -0 $watch_pid 2>/dev/null || break; sleep 0.1; done
wait $watch_pid
code=$?
if [ $code -eq 3 ]; then pass; else fail "watch exited $code when the daemon left, want 3"; fi
expect 3 "status after the daemon left" -- "$pathctl" status

# ---- A daemon still making its first maps answers: udev never finishes its work on one map at start-up
# (tests/daemon/data/udev-stuck-at-start.yaml), so the daemon is not ready for 30 s, yet pathctl is answered.
"$daemon" --backend sim --sim-scenario "$(dirname "$0")/../daemon/data/udev-stuck-at-start.yaml" \
    --config "$work/pathkeeper.yaml" --state-dir "$work/state-start" --startup-udev-wait 30 --foreground \
    >"$work/daemon-start.log" 2>&1 &
daemon_pid=$!
pids+=($daemon_pid)
eventually 20 "the starting daemon answers with its paths" bash -c "'$pathctl' show paths | grep -q sde"
expect 0 "root: status while the first maps are made" -- "$pathctl" status
if grep -q "ready:" "$work/daemon-start.log"; then
    fail "the daemon was ready before udev finished: $(cat "$work/daemon-start.log")"
else pass; fi
kill $daemon_pid
wait $daemon_pid
code=$?
if [ $code -eq 0 ]; then pass; else fail "the starting daemon exited $code on SIGTERM"; fi

echo "$checks checks passed, $failures failed"
[ "$failures" -eq 0 ]

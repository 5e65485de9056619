#!/bin/bash
# End-to-end D-Bus test: a private system-type dbus-daemon (socket in the build dir, our bus policy file
# included), the real DbusService in pathkeeper-dbus-test-server over a fake back end, and the real pathctl
# as root and as an unprivileged uid (setpriv). Usage: dbus_integration.sh PATHCTL SERVER POLICY_CONF WORKDIR
set -u
. "$(dirname "$0")/integration_lib.sh"
pathctl=$1 server=$2 policy=$3 work=$4


rm -rf "$work" && mkdir -p "$work" && chmod 755 "$work"
# The unprivileged half runs binaries and reaches the bus socket as uid 65534, which cannot traverse a build
# tree inside a private (0700) directory, as a CI checkout under a mktemp directory may be. Then the bus, its
# socket and copies of the binaries live in a fresh world-traversable directory instead.
if ! setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$work"; then
    work=$(mktemp -d /tmp/pathkeeper-dbus-test.XXXXXX)
    chmod 755 "$work"
    echo "dbus_integration: build tree not reachable by uid 65534; working in $work"
fi
mkdir -p "$work/bin" && chmod 755 "$work/bin"
cp "$pathctl" "$server" "$work/bin/"
pathctl=$work/bin/$(basename "$pathctl") server=$work/bin/$(basename "$server")
socket=$work/system_bus_socket
write_private_system_bus_conf "$work/bus.conf" "$socket" "$policy"
cat >"$work/pathkeeper.yaml" <<'YAML'
defaults:
  polling_interval: 5s
YAML
chmod 644 "$work/pathkeeper.yaml"
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$socket

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done; wait 2>/dev/null; }
trap cleanup EXIT



# ---- No daemon (and no bus at all): exit 3 with advice.
expect 3 "status without a bus" -- "$pathctl" status
contains "$err" "systemctl start pathkeeperd" "advice when no bus"

dbus-daemon --config-file="$work/bus.conf" --nofork --nopidfile &
pids+=($!)
for _ in $(seq 50); do [ -S "$socket" ] && break; sleep 0.1; done
[ -S "$socket" ] || { echo "FAIL: dbus-daemon did not start"; exit 1; }

expect 3 "status with a bus but no daemon" -- "$pathctl" status
contains "$err" "not reachable" "message with no daemon"
expect 3 "show topology with no daemon" -- "$pathctl" show topology

# ---- The policy refuses the name to anyone but root.
as_nobody "$server" --config "$work/pathkeeper.yaml" >"$work/nobody-server.log" 2>&1
if [ $? -ne 0 ] && grep -q "AccessDenied" "$work/nobody-server.log"; then pass; else
    fail "an unprivileged server could own org.pathkeeper.PathKeeper1: $(cat "$work/nobody-server.log")"; fi

"$server" --config "$work/pathkeeper.yaml" --ready "$work/ready" >"$work/server.log" 2>&1 &
server_pid=$!
pids+=($server_pid)
for _ in $(seq 50); do [ -e "$work/ready" ] && break; sleep 0.1; done
[ -e "$work/ready" ] || { echo "FAIL: test server did not start: $(cat "$work/server.log")"; exit 1; }

# ---- Reads, as root and as nobody.
for who in root nobody; do
    run=()
    [ $who = nobody ] && run=(as_nobody)
    expect 0 "$who: status" -- "${run[@]}" "$pathctl" status
    contains "$out" "paths:  5 (1 failed)" "$who: status counts"
    expect 0 "$who: show topology" -- "${run[@]}" "$pathctl" show topology
    contains "$out" "mpatha (36001405b1f0c0de0000000000000001) dm-0 LIO-ORG,disk01" "$who: topology header"
    contains "$out" "| \`- 2:0:0:1 sdb 8:16 active up 10.77.1.1:3260" "$who: topology path line"
    expect 0 "$who: show paths" -- "${run[@]}" "$pathctl" show paths
    contains "$out" "sde  8:64  3:0:0:2  mpathb  1    failed   down" "$who: paths table"
    expect 0 "$who: show maps" -- "${run[@]}" "$pathctl" show maps
    contains "$out" "mpathb  36001405b1f0c0de0000000000000002  dm-1  10G   1/2" "$who: maps table"
    expect 0 "$who: show config" -- "${run[@]}" "$pathctl" show config
    contains "$out" "polling_interval: 5s" "$who: config text"
    expect 0 "$who: show config --explain" -- "${run[@]}" "$pathctl" show config --explain
    contains "$out" "built-in default" "$who: explained config"
    expect 0 "$who: show config --explain mpatha" -- "${run[@]}" "$pathctl" show config --explain mpatha
    contains "$out" "map mpatha (WWID 36001405b1f0c0de0000000000000001)" "$who: explained map named"
    contains "$out" "path_grouping_policy: group_by_prio  # built-in device table: (LIO-ORG|SUSE) .*" \
        "$who: explained map shows the built-in device table entry"
    expect 0 "$who: show config --explain /dev/sdb" -- "${run[@]}" "$pathctl" show config --explain /dev/sdb
    contains "$out" "of path sdb: map mpatha" "$who: a path stands for its map"
    expect 0 "$who: show config --explain mpatha --json" -- "${run[@]}" "$pathctl" show config --explain mpatha --json
    if python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["target"]=="mpatha" and d["explain"]' <<<"$out"
    then pass; else fail "$who: show config --explain mpatha --json: $out"; fi
    expect 1 "$who: explain an unknown map" -- "${run[@]}" "$pathctl" show config --explain nosuchmap
    contains "$err" "NoSuchMap" "$who: unknown map is NoSuchMap"
    contains "$err" "nosuchmap" "$who: unknown map is named"
    expect 1 "$who: explain an unknown path" -- "${run[@]}" "$pathctl" show config --explain /dev/sdq
    contains "$err" "NoSuchPath" "$who: unknown path is NoSuchPath"
    contains "$err" "/dev/sdq" "$who: unknown path is named"
    expect 1 "$who: ExplainConfig with an empty target" -- "${run[@]}" busctl --system call \
        org.pathkeeper.PathKeeper1 /org/pathkeeper/PathKeeper1 org.pathkeeper.PathKeeper1.Manager ExplainConfig s ""
    contains "$err" "explain target must be" "$who: an empty target is an invalid argument"
    for show in topology paths maps config; do
        expect 0 "$who: show $show --json" -- "${run[@]}" "$pathctl" show $show --json
        if python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["schema_version"]==1' <<<"$out"; then pass; else
            fail "$who: show $show --json is not a schema_version 1 document"; fi
    done
    expect 0 "$who: status --json" -- "${run[@]}" "$pathctl" status --json
    expect 0 "$who: wwids list" -- "${run[@]}" "$pathctl" wwids list
    expect 0 "$who: show paths --as-plan-input" -- "${run[@]}" "$pathctl" show paths --as-plan-input
    contains "$out" 'dev: "sdb"' "$who: plan input"
done

# ---- A support case replays offline: the daemon's paths through the planner, no bus needed.
"$pathctl" show paths --as-plan-input >"$work/paths.yaml"
expect 0 "plan from the daemon's own paths" -- env DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent \
    "$pathctl" plan --config "$work/pathkeeper.yaml" --paths "$work/paths.yaml"
contains "$out" "mpath-36001405b1f0c0de0000000000000001" "plan names the dm uuid"
contains "$out" "multipath 1 queue_if_no_path" "plan prints the table"

# ---- Mutations as nobody: AccessDenied, exit 1, nothing changed.
for cmd in "fail-path sdb" "reinstate-path sdb" "switch-group mpatha 2" "reconfigure" \
           "reconfigure --config $work/pathkeeper.yaml" "wwids add sdb" "wwids remove sdb" "wwids reset" \
           "remove-path sdb" "add-path sdb" "remove-map mpatha" "remove-map --all" "add-map sdb" "resize-map mpatha"; do
    # shellcheck disable=SC2086
    expect 1 "nobody: $cmd" -- as_nobody "$pathctl" $cmd
    contains "$err" "(AccessDenied)" "nobody: $cmd names AccessDenied"
done
expect 0 "state after refused mutations" -- "$pathctl" show paths --json
contains "$out" '"dm_state": "active"' "sdb untouched"
if python3 -c 'import json,sys; d=json.load(sys.stdin); p=[p for p in d["paths"] if p["devnode"]=="sdb"][0]; assert p["checker_state"]=="up"' <<<"$out"; then pass; else fail "nobody changed sdb"; fi

# ---- Mutations as root, with watch and a bus monitor running: each event is printed within one second.
dbus-monitor --system "type='signal',sender='org.pathkeeper.PathKeeper1'" >"$work/monitor.out" 2>&1 &
pids+=($!)
"$pathctl" watch >"$work/watch.out" 2>&1 &
watch_pid=$!
pids+=($watch_pid)
setpriv --reuid=65534 --regid=65534 --clear-groups "$pathctl" watch --json >"$work/watch-nobody.out" 2>&1 &
watch_nobody_pid=$!
pids+=($watch_nobody_pid)
sleep 0.5
expect 0 "root: fail-path" -- "$pathctl" fail-path /dev/sdb
contains "$out" "sdb: failed" "fail-path message"
sleep 1
contains "$(cat "$work/watch.out")" "path sdb (mpatha): up -> down: failed by administrator" "watch saw the failure within 1 s"
contains "$(cat "$work/watch.out")" "map mpatha: changed" "watch saw the map change"
contains "$(cat "$work/watch-nobody.out")" '"new_state":"down"' "an unprivileged watch receives the signals"
kill -INT $watch_nobody_pid
expect 0 "root: show paths after fail" -- "$pathctl" show paths
contains "$out" "sdb  8:16  2:0:0:1  mpatha  1    failed   down" "sdb is failed"
expect 0 "root: status after fail" -- "$pathctl" status
contains "$out" "paths:  5 (2 failed)" "failed count follows"
monitor=$(cat "$work/monitor.out")
contains "$monitor" "member=PropertiesChanged" "PropertiesChanged emitted"
contains "$monitor" "path=/org/pathkeeper/PathKeeper1/paths/sdb; interface=org.freedesktop.DBus.Properties; member=PropertiesChanged" "PropertiesChanged on sdb"
contains "$monitor" '"CheckerState"' "CheckerState in PropertiesChanged"
contains "$monitor" "member=PathStateChanged" "PathStateChanged emitted"
expect 0 "root: reinstate-path" -- "$pathctl" reinstate-path sdb
sleep 1
contains "$(cat "$work/watch.out")" "path sdb (mpatha): down -> up: reinstated by administrator" "watch saw the reinstatement within 1 s"
expect 0 "root: switch-group" -- "$pathctl" switch-group mpatha 2
expect 0 "root: topology after switch" -- "$pathctl" show topology
contains "$out" "prio=10 status=active" "group 2 active"
expect 0 "root: reconfigure" -- "$pathctl" reconfigure
contains "$out" "configuration applied" "reconfigure message"
expect 0 "root: reconfigure --config" -- "$pathctl" reconfigure --config "$work/pathkeeper.yaml"
# A path disappears and comes back: its object goes and returns, watch reports the map change.
kill -USR1 $server_pid
sleep 1
expect 0 "busctl tree without sde" -- busctl --system tree org.pathkeeper.PathKeeper1
if [[ "$out" != */paths/sde* ]]; then pass; else fail "sde object still there after unplug"; fi
contains "$(cat "$work/monitor.out")" "member=InterfacesRemoved" "InterfacesRemoved emitted"
expect 0 "maps after unplug" -- "$pathctl" show maps
contains "$out" "mpathb  36001405b1f0c0de0000000000000002  dm-1  10G   1/1" "mpathb lost its path"
kill -USR2 $server_pid
sleep 1
expect 0 "busctl tree with sde back" -- busctl --system tree org.pathkeeper.PathKeeper1
contains "$out" "/org/pathkeeper/PathKeeper1/paths/sde" "sde object back"
contains "$(cat "$work/monitor.out")" "member=InterfacesAdded" "InterfacesAdded emitted"
contains "$(cat "$work/watch.out")" "map mpathb: changed" "watch saw mpathb change"
kill -INT $watch_pid
wait $watch_pid
if [ $? -eq 0 ]; then pass; else fail "watch did not exit 0 on Ctrl-C"; fi

# ---- Error paths as root: named errors, exit 1.
expect 1 "fail-path unknown" -- "$pathctl" fail-path sdz
contains "$err" "no path named sdz (NoSuchPath)" "NoSuchPath"
expect 1 "remove-path unknown" -- "$pathctl" remove-path sdz
contains "$err" "no path named sdz (NoSuchPath)" "NoSuchPath on remove-path"
expect 1 "remove-path of a path in no map" -- "$pathctl" remove-path sda
contains "$err" "(NotSupported)" "NotSupported on remove-path"
expect 1 "add-path garbage" -- "$pathctl" add-path 'sd b;rm'
contains "$err" "(InvalidArgument)" "InvalidArgument for add-path garbage"
expect 1 "reinstate-path unknown" -- "$pathctl" reinstate-path sdz
contains "$err" "(NoSuchPath)" "NoSuchPath on reinstate"
expect 1 "fail-path of a path in no map" -- "$pathctl" fail-path sda
contains "$err" "(NotSupported)" "NotSupported"
expect 1 "switch-group unknown map" -- "$pathctl" switch-group mpathz 1
contains "$err" "no map named mpathz (NoSuchMap)" "NoSuchMap"
expect 1 "switch-group unknown group" -- "$pathctl" switch-group mpatha 3
contains "$err" "(NoSuchGroup)" "NoSuchGroup"
expect 1 "fail-path garbage" -- "$pathctl" fail-path 'sd b;rm'
contains "$err" "(InvalidArgument)" "InvalidArgument for garbage"
expect 1 "fail-path oversized" -- "$pathctl" fail-path "$(printf 'x%.0s' $(seq 300))"
contains "$err" "(InvalidArgument)" "InvalidArgument for oversized"
printf 'defaults:\n  polling_interval: 5s\n  no_such_option: 1\n' >"$work/bad.yaml"
expect 1 "reconfigure with an invalid file" -- "$pathctl" reconfigure --config "$work/bad.yaml"
contains "$err" "$work/bad.yaml:3:3" "file:line:col of the bad key"
contains "$err" "(InvalidConfig)" "InvalidConfig"
expect 0 "config unchanged after invalid reconfigure" -- "$pathctl" show config
if [[ "$out" != *no_such_option* ]]; then pass; else fail "invalid config was applied"; fi
expect 2 "usage error" -- "$pathctl" switch-group mpatha
head -c 1100000 /dev/zero | tr '\0' '#' >"$work/huge.yaml"
expect 1 "oversized configuration text" -- "$pathctl" reconfigure --config "$work/huge.yaml"
contains "$err" "larger than 1 MiB" "oversized LoadConfig refused"

# ---- The known-WWIDs list (multipath -a / -w / -W).
expect 0 "wwids add a WWID" -- "$pathctl" wwids add 36001405b1f0c0de0000000000000009
contains "$out" "36001405b1f0c0de0000000000000009: known" "wwids add says so"
expect 0 "wwids add a path" -- "$pathctl" wwids add /dev/sdb
expect 0 "wwids list" -- "$pathctl" wwids list
if [ "$out" = $'36001405b1f0c0de0000000000000009\n36001405b1f0c0de0000000000000001' ]; then pass; else
    fail "wwids list after two adds: $out"; fi
expect 0 "wwids list --json" -- "$pathctl" wwids list --json
if python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["schema_version"]==1 and len(d["known_wwids"])==2' <<<"$out"; then pass; else
    fail "wwids list --json: $out"; fi
expect 1 "wwids remove an unlisted WWID" -- "$pathctl" wwids remove 36001405b1f0c0de0000000000000002
contains "$err" "is not in the known-WWIDs list (NotSupported)" "unlisted WWID named"
expect 1 "wwids add garbage" -- "$pathctl" wwids add 'a b'
contains "$err" "\"a b\" is neither a known path nor a WWID" "bad WWID named"
contains "$err" "(InvalidArgument)" "InvalidArgument for a bad WWID"
expect 1 "wwids add oversized" -- "$pathctl" wwids add "$(printf 'x%.0s' $(seq 300))"
contains "$err" "300 bytes long" "oversized target refused"
expect 0 "wwids remove" -- "$pathctl" wwids remove 36001405b1f0c0de0000000000000009
expect 0 "wwids reset" -- "$pathctl" wwids reset
expect 0 "wwids list after reset" -- "$pathctl" wwids list
if [ "$out" = $'36001405b1f0c0de0000000000000001\n36001405b1f0c0de0000000000000002' ]; then pass; else
    fail "wwids list after reset (the two maps' WWIDs): $out"; fi
expect 2 "wwids without a subcommand" -- "$pathctl" wwids

# ---- A good D-Bus citizen: busctl sees one object per map and per path.
expect 0 "busctl tree" -- busctl --system tree org.pathkeeper.PathKeeper1
for obj in maps/mpatha maps/mpathb paths/sda paths/sdb paths/sdc paths/sdd paths/sde; do
    contains "$out" "/org/pathkeeper/PathKeeper1/$obj" "busctl tree lists $obj"
done
expect 0 "busctl get-property" -- busctl --system get-property org.pathkeeper.PathKeeper1 \
    /org/pathkeeper/PathKeeper1/paths/sdb org.pathkeeper.PathKeeper1.Path CheckerState
contains "$out" 's "up"' "path property"
expect 0 "busctl get-property Holder" -- busctl --system get-property org.pathkeeper.PathKeeper1 \
    /org/pathkeeper/PathKeeper1/maps/mpathb org.pathkeeper.PathKeeper1.Map Holder
contains "$out" '"Verdict" s "queue"' "map Holder property carries the verdict"
contains "$out" '"Device" s "md0"' "map Holder property names the holder"
expect 0 "busctl get-property Holder of a map nothing holds" -- busctl --system get-property \
    org.pathkeeper.PathKeeper1 /org/pathkeeper/PathKeeper1/maps/mpatha org.pathkeeper.PathKeeper1.Map Holder
contains "$out" 'a{sv} 0' "an empty Holder when nothing is stacked on the map"
expect 0 "GetManagedObjects" -- busctl --system call org.pathkeeper.PathKeeper1 /org/pathkeeper/PathKeeper1 \
    org.freedesktop.DBus.ObjectManager GetManagedObjects
contains "$out" "/org/pathkeeper/PathKeeper1/maps/mpatha" "ObjectManager lists maps"
expect 0 "GetMaps" -- busctl --system call org.pathkeeper.PathKeeper1 /org/pathkeeper/PathKeeper1 \
    org.pathkeeper.PathKeeper1.Manager GetMaps
contains "$out" 'a(sssssssstsssbua(usisas)a{sv}) 2 "mpatha"' "GetMaps answers both maps, in order"
# `show maps --json` comes from GetMaps, `show topology --json` from GetTopology: the same maps either way.
maps_json=$("$pathctl" show maps --json) topology_json=$("$pathctl" show topology --json)
if python3 -c 'import json,sys; assert json.loads(sys.argv[1])["maps"] == json.loads(sys.argv[2])["maps"]' \
    "$maps_json" "$topology_json"; then pass; else fail "show maps --json differs from the topology's maps"; fi
expect 0 "GetPaths" -- busctl --system call org.pathkeeper.PathKeeper1 /org/pathkeeper/PathKeeper1 \
    org.pathkeeper.PathKeeper1.Manager GetPaths
contains "$out" 'a(ssssussssssssuistssssa{sv}) ' "GetPaths answers the path structs"
# `show paths --json` comes from GetPaths: the same paths as the topology's.
paths_json=$("$pathctl" show paths --json)
if python3 -c 'import json,sys; assert json.loads(sys.argv[1])["paths"] == json.loads(sys.argv[2])["paths"]' \
    "$paths_json" "$topology_json"; then pass; else fail "show paths --json differs from the topology's paths"; fi

# ---- remove-map / add-map (multipath -f / -F, multipathd's del map / add map).
expect 1 "remove-map unknown" -- "$pathctl" remove-map mpathz
contains "$err" "no map named mpathz (NoSuchMap)" "NoSuchMap on remove-map"
expect 1 "remove-map garbage" -- "$pathctl" remove-map 'a/b'
contains "$err" "(InvalidArgument)" "InvalidArgument for a bad map name"
expect 1 "remove-map of a map in use" -- "$pathctl" remove-map mpathb
contains "$err" "mpathb is in use: mounted on /srv/data (Busy)" "Busy names the holder"
expect 2 "remove-map with a name and --all" -- "$pathctl" remove-map mpatha --all
expect 2 "remove-map with neither" -- "$pathctl" remove-map
expect 1 "remove-map --all with a map in use" -- "$pathctl" remove-map --all
contains "$out" "mpatha: removed" "remove-map --all removes what it can"
contains "$err" "mpathb is in use: mounted on /srv/data (Busy)" "remove-map --all reports the refusal"
expect 0 "maps after remove-map --all" -- "$pathctl" show maps
if [[ "$out" != *mpatha* && "$out" == *mpathb* ]]; then pass; else fail "maps after remove-map --all: $out"; fi
expect 0 "add-map by disk" -- "$pathctl" add-map /dev/sdb
contains "$out" "/dev/sdb: map planned again" "add-map says so"
expect 0 "maps after add-map" -- "$pathctl" show maps
contains "$out" "mpatha" "mpatha is back"
expect 0 "remove-map --deferred of a map in use" -- "$pathctl" remove-map --deferred mpathb
contains "$out" "mpathb: removal deferred" "deferred removal said so"
expect 0 "add-map by WWID" -- "$pathctl" add-map 36001405b1f0c0de0000000000000002
expect 1 "add-map of an unknown WWID" -- "$pathctl" add-map 36001405b1f0c0de0000000000000077
contains "$err" "(NoSuchMap)" "NoSuchMap on add-map"
expect 1 "add-map of a disk that is not multipathed" -- "$pathctl" add-map sda
contains "$err" "is not multipathed (NotSupported)" "NotSupported on add-map"
expect 0 "remove-map by WWID" -- "$pathctl" remove-map 36001405b1f0c0de0000000000000001
contains "$out" "removed" "remove-map takes the WWID for a name"
expect 0 "add-map again" -- "$pathctl" add-map 36001405b1f0c0de0000000000000001

# ---- The daemon goes away: watch notices, later commands exit 3.
"$pathctl" watch >"$work/watch2.out" 2>&1 &
watch_pid=$!
sleep 0.5
kill $server_pid
wait $server_pid 2>/dev/null
for _ in $(seq 20); do kill -0 $watch_pid 2>/dev/null || break; sleep 0.1; done
wait $watch_pid
code=$?
if [ $code -eq 3 ]; then pass; else fail "watch exit $code when the daemon left, want 3"; fi
expect 3 "status after the daemon left" -- "$pathctl" status

# ---- Benchmark (printed, not asserted): 512 paths, show paths --json.
"$server" --paths 512 --ready "$work/ready512" >"$work/server512.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -e "$work/ready512" ] && break; sleep 0.1; done
start=$(date +%s%N)
for _ in 1 2 3 4 5; do "$pathctl" show paths --json >/dev/null; done
end=$(date +%s%N)
echo "benchmark: pathctl show paths --json with 512 paths: $(((end - start) / 5000000)) ms per run (mean of 5)"

echo "$checks checks passed, $failures failed"
[ "$failures" -eq 0 ]

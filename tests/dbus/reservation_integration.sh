#!/bin/bash
# pathctl reservation against the real pathkeeperd on its simulated back end, whose simulated target answers
# persistent reservation commands (each path a nexus of its WWID's logical unit). The first map has a fixed
# reservation_key, the second none: register through both paths and see both paths' registration states follow,
# reserve, status (keys, holder, per-path states, human and JSON), a preempt of a key nobody registered (a
# reservation conflict), a preempt-abort, unregister (the states follow again), and the refusals
# (no key, unknown map, an unprivileged caller).
# Usage: reservation_integration.sh PATHCTL PATHKEEPERD POLICY_CONF SCENARIO WORKDIR
set -u
. "$(dirname "$0")/integration_lib.sh"
pathctl=$(realpath "$1") daemon=$(realpath "$2") policy=$(realpath "$3") scenario=$(realpath "$4") work=$5

rm -rf "$work" && mkdir -p "$work" && chmod 755 "$work"
if ! setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$work"; then
    work=$(mktemp -d /tmp/pathkeeper-reservation-test.XXXXXX)
    chmod 755 "$work"
fi
mkdir -p "$work/bin" && chmod 755 "$work/bin"
cp "$pathctl" "$work/bin/" && pathctl=$work/bin/$(basename "$pathctl")
socket=$work/system_bus_socket
write_private_system_bus_conf "$work/bus.conf" "$socket" "$policy"
map=36001405aaaaaaaaaaaaaaaaaaaaaaaa1
plain=36001405bbbbbbbbbbbbbbbbbbbbbbbb2
cat >"$work/pathkeeper.yaml" <<YAML
defaults:
  polling_interval: 1s
  user_friendly_names: false
multipaths:
  - wwid: "$map"
    reservation_key: "0xabc"
YAML
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$socket

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done; wait 2>/dev/null; }
trap cleanup EXIT

eventually() {
    local seconds=$1 what=$2 i
    shift 2
    for ((i = 0; i < seconds * 10; i++)); do
        if "$@" >/dev/null 2>&1; then pass; return 0; fi
        sleep 0.1
    done
    fail "$what (not within ${seconds}s)"
}
path_field() { "$pathctl" show paths --json | python3 -c "import json,sys; print([p for p in json.load(sys.stdin)['paths'] if p['devnode']=='$1'][0]['$2'])"; }
path_field_is() { [ "$(path_field "$1" "$2")" = "$3" ]; }
json_field() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval('d' + sys.argv[1]))" "$2" <<<"$1"; }

dbus-daemon --config-file="$work/bus.conf" --nofork --nopidfile 2>"$work/dbus-daemon.log" &
pids+=($!)
for _ in $(seq 50); do [ -S "$socket" ] && break; sleep 0.1; done
[ -S "$socket" ] || { echo "FAIL: dbus-daemon did not start"; exit 1; }

"$daemon" --backend sim --sim-scenario "$scenario" --config "$work/pathkeeper.yaml" --state-dir "$work/state" \
    --foreground >"$work/daemon.log" 2>&1 &
daemon_pid=$!
pids+=($daemon_pid)
eventually 20 "the daemon answers with both maps" bash -c "'$pathctl' show maps --json | grep -q $plain"

# Nothing registered yet: the daemon registers nothing on its own (it never undoes a fence).
eventually 10 "sdb: key not listed by the target" path_field_is sdb registration host-unregistered
eventually 10 "sdc: key not listed by the target" path_field_is sdc registration host-unregistered
path_field_is sdd registration None && pass || fail "sdd (map without a key) shows a registration"
expect 0 "show paths" -- "$pathctl" show paths
contains "$out" "REGISTRATION" "show paths has the registration column"

expect 0 "register" -- "$pathctl" reservation "$map" register
contains "$out" "key 0xabc through sdb, sdc: done" "register goes through both paths"
eventually 10 "sdb registered after register" path_field_is sdb registration registered
eventually 10 "sdc registered after register" path_field_is sdc registration registered
expect 0 "register again (idempotent)" -- "$pathctl" reservation "$map" register

expect 0 "reserve" -- "$pathctl" reservation "$map" reserve
contains "$out" "write-exclusive-registrants-only with key 0xabc" "reserve uses the default type and key"
expect 0 "status" -- "$pathctl" reservation "$map" status
contains "$out" "key:          0xabc (registered)" "status: our key is registered"
contains "$out" "keys:         0xabc (2 paths)" "status: one registration per path"
contains "$out" "reservation:  0xabc write-exclusive-registrants-only" "status: we hold the reservation"
contains "$out" "sdc  active  registered" "status: per-path states"
expect 0 "status --json" -- "$pathctl" reservation "$map" status --json
[ "$(json_field "$out" "['reservation']['holder']")" = 0xabc ] && pass || fail "JSON holder: $out"
[ "$(json_field "$out" "['registered']")" = True ] && pass || fail "JSON registered: $out"
[ "$(json_field "$out" "['paths'][1]['registration']")" = registered ] && pass || fail "JSON path states: $out"

expect 1 "preempt-abort of a key nobody registered" -- "$pathctl" reservation "$map" preempt-abort --victim 0x999
contains "$err" "(ReservationConflict)" "a conflict has its own error name"
# Preempting our own key through sdb removes sdc's registration (the sending nexus keeps its own); the re-sync
# after the command finds the key still listed and registers sdc again.
expect 0 "preempt-abort of our own key" -- "$pathctl" reservation "$map" preempt-abort --victim 0xabc
contains "$out" "through sdb: done" "preempt-abort goes through one path"
eventually 10 "sdc registered again after the preempt" path_field_is sdc registration registered
expect 0 "unregister" -- "$pathctl" reservation "$map" unregister
eventually 10 "sdb unregistered" path_field_is sdb registration host-unregistered
eventually 10 "sdc unregistered" path_field_is sdc registration host-unregistered
expect 0 "status after unregister" -- "$pathctl" reservation "$map" status
contains "$out" "0xabc (not registered)" "status: our key is gone"
contains "$out" "keys:         none registered" "status: no registration left"

expect 1 "a map without a key and no --key" -- "$pathctl" reservation "$plain" status
contains "$err" "no reservation_key configured" "the refusal says why"
contains "$err" "(InvalidArgument)" "no key is an invalid argument"
expect 0 "a map without a key, with --key" -- "$pathctl" reservation "$plain" register --key 0x5
eventually 10 "sdd stays without a registration state" path_field_is sdd registration None
expect 1 "an unknown map" -- "$pathctl" reservation nosuchmap status
contains "$err" "(NoSuchMap)" "an unknown map is NoSuchMap"
expect 1 "a bad key" -- "$pathctl" reservation "$map" register --key 0xnothex
contains "$err" "(InvalidArgument)" "a bad key is an invalid argument"
expect 1 "nobody may not" -- as_nobody "$pathctl" reservation "$map" status
contains "$err" "(AccessDenied)" "an unprivileged caller is refused"

# reservation_key: file: the key given at register is recorded for the WWID in the keys file (the sync of a
# returning path reads it from there), and unregister removes it.
cat >>"$work/pathkeeper.yaml" <<YAML
  - wwid: "$plain"
    reservation_key: file
YAML
expect 0 "reconfigure with a keys-file map" -- "$pathctl" reconfigure
keys_file=$work/state/prkeys
expect 0 "register a keys-file map" -- "$pathctl" reservation "$plain" register --key 0x77
grep -Eq "^0x0{14}77 $plain\$" "$keys_file" && pass || fail "keys file after register: $(cat "$keys_file" 2>&1)"
eventually 10 "sdd registered (key from the keys file)" path_field_is sdd registration registered
expect 0 "status of a keys-file map without --key" -- "$pathctl" reservation "$plain" status
contains "$out" "key:          0x77 (registered)" "status takes the key from the keys file"
expect 0 "unregister a keys-file map" -- "$pathctl" reservation "$plain" unregister
grep -q "$plain" "$keys_file" && fail "keys file still has $plain after unregister: $(cat "$keys_file")" || pass

if kill -0 $daemon_pid; then pass; else fail "the daemon died: $(tail -n 20 "$work/daemon.log")"; fi
[ "$failures" -eq 0 ] || tail -n 30 "$work/daemon.log"
echo "$checks checks passed, $failures failed"
[ "$failures" -eq 0 ]

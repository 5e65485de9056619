# Sourced by the D-Bus integration tests (dbus_integration.sh, daemon_integration.sh) and bench/host-cli-latency.sh:
# a private system-type bus, and the tests' check helpers.
# write_private_system_bus_conf CONF_FILE SOCKET POLICY_FILE: a dbus-daemon configuration of type system listening on
# SOCKET, with the distribution's restrictive system-bus defaults and POLICY_FILE (our bus policy) included, so the
# policy is tested as the real system bus applies it.
write_private_system_bus_conf() {
    cat >"$1" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$2</listen>
  <auth>EXTERNAL</auth>
  <!-- The distribution's system bus defaults: nothing may be owned or called unless a policy file says so. -->
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
  </policy>
  <policy user="root">
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Monitoring"/>
  </policy>
  <include>$3</include>
</busconfig>
CONF
}

# Check helpers. They count into $checks and $failures; expect() keeps the command's output in $out and $err
# (its stderr goes through $work/stderr).
failures=0
checks=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { checks=$((checks + 1)); }
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
# expect CODE DESCRIPTION -- COMMAND...: runs COMMAND and checks its exit code.
expect() {
    local want=$1 what=$2
    shift 3
    out=$("$@" 2>"$work/stderr")
    local got=$?
    err=$(cat "$work/stderr")
    if [ "$got" -ne "$want" ]; then fail "$what: exit $got, want $want; stdout: $out; stderr: $err"; else pass; fi
}
# contains HAYSTACK NEEDLE DESCRIPTION
contains() { if [[ "$1" == *"$2"* ]]; then pass; else fail "$3: '$2' not in: $1"; fi; }

#!/bin/bash
# The Debian package, installed as an admin would install it:
#   1. two-cable iSCSI SAN up first, with an ext4 on its LUN, so the paths exist before the package (blkid reports
#      ext4 on both, nothing marks them);
#   2. `apt-get install ./pathkeeper_*.deb open-iscsi` (no network in the VM: every dependency must already be
#      installed); its postinst reloads the udev rules and replays the SCSI disks, after which both
#      paths carry DM_MULTIPATH_DEVICE_PATH=1, SYSTEMD_READY=0, ID_FS_TYPE=none and `udevadm test` shows
#      56-pathkeeper.rules at work;
#   3. `systemd-analyze verify` accepts the installed unit;
#   4. pathkeeperd started exactly as the installed unit starts it (Environment=, ExecStartPre=, ExecStart=,
#      a NOTIFY_SOCKET for Type=notify, WATCHDOG_USEC from WatchdogSec=) with the installed binaries, conffile
#      and D-Bus policy: READY=1 comes with the map in place, the installed pathctl shows the map with both
#      paths, /dev/mapper/<name> and /dev/disk/by-id/dm-uuid-mpath-<WWID> exist, ExecReload (SIGHUP) keeps it
#      serving;
#   5. beside a running multipathd the same command refuses to start and says why.
# The package comes from PK_DEB (a .deb, or a directory holding pathkeeper_*.deb), else from PK_DEB_DIR (the
# CTest default, BUILD/deb, where scripts/test.sh builds it). No package: skip (77).
. "$(dirname "$0")/../guest/lib.sh"

deb_source=${PK_DEB:-${PK_DEB_DIR:-}}
deb=
if [ -f "$deb_source" ]; then
    deb=$deb_source
elif [ -d "$deb_source" ]; then
    # shellcheck disable=SC2012  # newest first; package file names have no odd characters
    deb=$(ls -t "$deb_source"/pathkeeper_*.deb 2>/dev/null | head -1 || true)
fi
[ -n "$deb" ] || skip "no pathkeeper_*.deb in '${deb_source:-<PK_DEB and PK_DEB_DIR unset>}';" \
    "build one with: scripts/build-deb.sh --nocheck --out BUILD/deb (or set PK_DEB)"
deb=$(readlink -f "$deb")
log "package under test: $deb ($(dpkg-deb -f "$deb" Package Version Architecture | tr '\n' ' '))"
! dpkg -s pathkeeper >/dev/null 2>&1 || fail "pathkeeper is already installed in the VM image; the test needs a clean one"

unit=/lib/systemd/system/pathkeeperd.service
map_wwid=

# --- udev helpers ------------------------------------------------------------------------------------------------

# udev_properties DISK: what `udevadm info` says about it (the rules' verdict in the udev database), into
# UDEV_PROPS; one udevadm call per check (each costs about a second under TCG).
udev_properties() { UDEV_PROPS=$(udevadm info --query=property --name="/dev/$1" 2>/dev/null); }
udev_property() { sed -n "s/^$1=//p" <<<"$UDEV_PROPS"; }
udev_marks() {
    echo "DM_MULTIPATH_DEVICE_PATH='$(udev_property DM_MULTIPATH_DEVICE_PATH)'" \
        "SYSTEMD_READY='$(udev_property SYSTEMD_READY)' ID_FS_TYPE='$(udev_property ID_FS_TYPE)'" \
        "PATHKEEPER_WWID='$(udev_property PATHKEEPER_WWID)'"
}

# A path is claimed for multipath when the three marks the rules set are all there.
path_is_claimed() {
    udev_properties "$1"
    grep -qx DM_MULTIPATH_DEVICE_PATH=1 <<<"$UDEV_PROPS" && grep -qx SYSTEMD_READY=0 <<<"$UDEV_PROPS" &&
        grep -qx ID_FS_TYPE=none <<<"$UDEV_PROPS"
}

# --- the installed unit, emulated (no systemd in the guest) -------------------------------------------------------

# unit_values KEY: every value of KEY= in the installed unit's [Service] section, one per line, in order.
unit_values() {
    awk -v key="$1" '
        /^\[/ { service = ($0 == "[Service]") }
        service && index($0, key "=") == 1 { print substr($0, length(key) + 2) }' "$unit"
}

# unit_command LINE: the command of an Exec*= line without systemd's prefix characters (-, +, @, !, :), as
# words in UNIT_ARGV. Specifiers (%) and variable expansion ($) are not emulated: such a unit fails the test
# rather than being started differently from systemd.
unit_command() {
    local line=$1
    UNIT_PREFIX=
    while [[ $line == [-+@!:]* ]]; do
        UNIT_PREFIX+=${line:0:1}
        line=${line:1}
    done
    [[ $line != *%* && $line != *\$* ]] || fail "cannot emulate '$line' (specifiers or variables) without systemd"
    eval "UNIT_ARGV=($line)"
}

# The unit's environment: Environment= (systemd quoting is close enough to the shell's for our unit) and
# EnvironmentFile= (a leading '-' means optional), plus what systemd itself hands a Type=notify service.
unit_environment() {
    UNIT_ENV=()
    local line file
    while IFS= read -r line; do
        local words=()
        eval "words=($line)"
        UNIT_ENV+=("${words[@]}")
    done < <(unit_values Environment)
    while IFS= read -r file; do
        local optional=0
        [[ $file != -* ]] || { optional=1; file=${file:1}; }
        if [ -f "$file" ]; then
            while IFS= read -r line; do
                [[ -z $line || $line == \#* ]] || UNIT_ENV+=("$line")
            done <"$file"
        elif [ "$optional" = 0 ]; then
            fail "EnvironmentFile=$file does not exist"
        fi
    done < <(unit_values EnvironmentFile)
    UNIT_ENV+=(NOTIFY_SOCKET=/run/pk-notify.sock)
    local watchdog
    watchdog=$(unit_values WatchdogSec | tail -1)
    if [ -n "$watchdog" ]; then
        local usec
        usec=$(systemd-analyze timespan "$watchdog" | sed -n 's/^ *μs: *//p')
        [ -n "$usec" ] || fail "cannot convert WatchdogSec=$watchdog"
        UNIT_ENV+=("WATCHDOG_USEC=$usec")
    fi
}

# A notification socket like systemd's: every datagram the daemon sends is appended to $PK_OUT/notify.log.
start_notify_listener() {
    rm -f /run/pk-notify.sock "$PK_OUT/notify.log"
    python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/run/pk-notify.sock")
with open(sys.argv[1], "a") as out:
    while True:
        out.write(s.recv(4096).decode(errors="replace").replace("\n", " ") + "\n")
        out.flush()
' "$PK_OUT/notify.log" &
    PK_PIDS+=($!)
    wait_until 10 "notify socket" test -S /run/pk-notify.sock
}

notified() { grep -q "$1" "$PK_OUT/notify.log" 2>/dev/null; }

# run_exec_start_pre: ExecStartPre= lines, honouring '-' (failure ignored).
run_exec_start_pre() {
    local line
    while IFS= read -r line; do
        unit_command "$line"
        log "ExecStartPre: ${UNIT_ARGV[*]}"
        if ! env "${UNIT_ENV[@]}" "${UNIT_ARGV[@]}" </dev/null >>"$PK_OUT/pathkeeperd.log" 2>&1; then
            [[ $UNIT_PREFIX == *-* ]] || fail "ExecStartPre failed: $line"
            log "ExecStartPre failed (ignored: '-' prefix)"
        fi
    done < <(unit_values ExecStartPre)
}

exec_start_argv() {
    local lines
    lines=$(unit_values ExecStart)
    [ "$(printf '%s\n' "$lines" | grep -c .)" -eq 1 ] || fail "expected one ExecStart= in $unit, got: $lines"
    unit_command "$lines"
    [ "${UNIT_ARGV[0]}" = /usr/sbin/pathkeeperd ] || fail "ExecStart= runs ${UNIT_ARGV[0]}, not /usr/sbin/pathkeeperd"
}

# --- 1. the SAN, before the package ----------------------------------------------------------------------------

step "two-cable iSCSI SAN, before pathkeeper is installed"
load_multipath_modules
start_udev
san_setup
mapfile -t paths < <(iscsi_disks)
[ "${#paths[@]}" -eq 2 ] || fail "expected 2 iSCSI paths, got: ${paths[*]}"
map_wwid=$(disk_wwid "${paths[0]}")
[ "$(disk_wwid "${paths[1]}")" = "$map_wwid" ] || fail "the two paths report different WWIDs"
# The LUN already holds a filesystem, as a LUN handed to a new host usually does: before the package, blkid
# reports it on both paths (so a mount, LVM or mdadm could grab a path instead of the map).
mkfs.ext4 -q -F -L pk_data "/dev/${paths[0]}"
udevadm trigger --action=change --settle "/sys/block/${paths[0]}" "/sys/block/${paths[1]}"
for d in "${paths[@]}"; do
    udev_properties "$d"
    log "before install: $d $(udev_marks)"
    [ "$(udev_property DM_MULTIPATH_DEVICE_PATH)" != 1 ] ||
        fail "$d is already claimed for multipath before pathkeeper is installed: the test proves nothing"
    [ "$(udev_property ID_FS_TYPE)" = ext4 ] || fail "blkid does not report the LUN's ext4 on $d before install"
done

# --- 2. install ----------------------------------------------------------------------------------------------

step "apt-get install ./$(basename "$deb") open-iscsi (offline)"
# The VM image's man-db would rebuild its index on the package's man pages: seconds under TCG, and not ours.
rm -f /var/lib/man-db/auto-update
t0=$(now_s)
# No --no-download: apt 2.6 then rejects a package file ("Internal Error, Pathname to install is not absolute").
# Offline instead by construction: apt gets an empty package-lists directory, so it resolves the package's
# dependencies against what is installed and nothing else (no candidate could be downloaded; the VM has no
# network device anyway). That also spares it parsing the image's lists over 9p (tens of seconds under TCG).
mkdir -p /tmp/pk-apt-lists/partial
(cd "$(dirname "$deb")" && DEBIAN_FRONTEND=noninteractive apt-get install -y -o Dpkg::Use-Pty=0 \
    -o Dir::State::Lists=/tmp/pk-apt-lists -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= \
    "./$(basename "$deb")" open-iscsi) >"$PK_OUT/apt-install.log" 2>&1 ||
    fail "apt-get install failed:
$(tail -n 30 "$PK_OUT/apt-install.log")"
log "installed in $(elapsed "$t0" "$(now_s)") s: $(dpkg-query -W -f '${Package} ${Version} ${Status}' pathkeeper)," \
    "beside open-iscsi $(dpkg-query -W -f '${Version}' open-iscsi)"
for f in /usr/sbin/pathkeeperd /usr/sbin/pathctl /usr/sbin/pathkeeper-mpathpersist \
    /usr/libexec/pathkeeper/pathkeeper-udev-helper \
    /lib/udev/rules.d/56-pathkeeper.rules /lib/udev/rules.d/60-pathkeeper.rules /lib/udev/rules.d/56-dm-pathkeeper.rules \
    "$unit" \
    /usr/share/dbus-1/system.d/org.pathkeeper.PathKeeper1.conf /etc/pathkeeper/pathkeeper.yaml; do
    [ -e "$f" ] || fail "the package did not install $f"
done
/usr/sbin/pathkeeper-mpathpersist --help >/dev/null || fail "the installed pathkeeper-mpathpersist --help fails"
grep -qx /etc/pathkeeper/pathkeeper.yaml /var/lib/dpkg/info/pathkeeper.conffiles ||
    fail "/etc/pathkeeper/pathkeeper.yaml is not a conffile"
[ -d /var/lib/pathkeeper ] || fail "the package did not create /var/lib/pathkeeper"
[ -L /etc/systemd/system/sysinit.target.wants/pathkeeperd.service ] ||
    fail "the package did not enable pathkeeperd.service (no sysinit.target.wants link)"
/usr/sbin/pathkeeperd --check-config /etc/pathkeeper/pathkeeper.yaml >&2 ||
    fail "the installed daemon rejects the installed conffile"

step "postinst replayed the paths: both are claimed for multipath"
udevadm settle --timeout=60 || true
for d in "${paths[@]}"; do
    path_is_claimed "$d" || fail "udevadm info $d after install: $(udev_marks); expected" \
        "DM_MULTIPATH_DEVICE_PATH='1' SYSTEMD_READY='0' ID_FS_TYPE='none'"
    [ "$(udev_property PATHKEEPER_WWID)" = "$map_wwid" ] || fail "$d: PATHKEEPER_WWID is not $map_wwid: $(udev_marks)"
    [ -z "$(udev_property ID_FS_UUID)" ] || fail "$d: blkid still probes the path (ID_FS_UUID is set)"
    log "after install: $d $(udev_marks)"
done

step "udevadm test ${paths[0]}: 56-pathkeeper.rules decides"
udevadm test --action=change "/sys/block/${paths[0]}" >"$PK_OUT/udevadm-test.log" 2>&1 ||
    fail "udevadm test failed; see udevadm-test.log"
grep -E '56-pathkeeper\.rules' "$PK_OUT/udevadm-test.log" >&2 ||
    fail "udevadm test does not show 56-pathkeeper.rules being applied"
grep -q 'pathkeeper-udev-helper path' "$PK_OUT/udevadm-test.log" ||
    fail "udevadm test does not show the rule running pathkeeper-udev-helper"
for property in DM_MULTIPATH_DEVICE_PATH=1 SYSTEMD_READY=0 ID_FS_TYPE=none "PATHKEEPER_WWID=$map_wwid"; do
    grep -qx "$property" "$PK_OUT/udevadm-test.log" || fail "udevadm test result lacks $property"
done
log "udevadm test: the rule imported the helper's verdict and set all three marks"

# --- 3. the unit ---------------------------------------------------------------------------------------------

step "systemd-analyze verify $unit"
systemd-analyze verify "$unit" >"$PK_OUT/systemd-analyze-verify.log" 2>&1 ||
    fail "systemd-analyze verify rejects the unit:
$(cat "$PK_OUT/systemd-analyze-verify.log")"
! grep -i pathkeeperd "$PK_OUT/systemd-analyze-verify.log" >&2 || fail "systemd-analyze verify warns about the unit"
log "systemd-analyze verify: no complaint"

# --- 4. the daemon, started as the unit starts it -------------------------------------------------------------

step "pathkeeperd started as pathkeeperd.service would start it"
# lib.sh's system bus with the installed policy: start_system_dbus copies the policy it finds in a source tree to
# /etc/dbus-1/system.d; hand it the package's, then drop that copy so only /usr/share/dbus-1/system.d applies.
installed_policy=/usr/share/dbus-1/system.d/org.pathkeeper.PathKeeper1.conf
mkdir -p /tmp/pk-installed/lib/api
cp "$installed_policy" /tmp/pk-installed/lib/api/
PK_SOURCE_DIR=/tmp/pk-installed start_system_dbus
rm -f /etc/dbus-1/system.d/org.pathkeeper.PathKeeper1.conf
dbus-send --system --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.ReloadConfig >/dev/null ||
    fail "cannot reload the system bus configuration"
unit_environment
start_notify_listener
run_exec_start_pre
exec_start_argv
log "ExecStart: ${UNIT_ARGV[*]} (env: ${UNIT_ENV[*]})"
t0=$(now_s)
# systemd runs the service with stdin from /dev/null, in its own session, stdout/stderr to the journal.
setsid env "${UNIT_ENV[@]}" "${UNIT_ARGV[@]}" </dev/null >>"$PK_OUT/pathkeeperd.log" 2>&1 &
PK_PATHKEEPERD_PID=$!
PK_PIDS+=("$PK_PATHKEEPERD_PID")
daemon_ready() {
    kill -0 "$PK_PATHKEEPERD_PID" 2>/dev/null || fail "pathkeeperd exited at start:
$(tail -n 30 "$PK_OUT/pathkeeperd.log")"
    notified READY=1
}
wait_until 60 "pathkeeperd to send READY=1" daemon_ready
log "READY=1 after $(elapsed "$t0" "$(now_s)") s: $(grep READY=1 "$PK_OUT/notify.log" | head -1)"
# Type=notify promises the maps are there when READY=1 arrives (systemctl start returns then).
map_line=$(mpath_maps | awk -v u="mpath-$map_wwid" '$2 == u')
[ -n "$map_line" ] || fail "READY=1 was sent before the map for $map_wwid existed; maps: $(mpath_maps)"
map_name=${map_line%% *}
log "map $map_name (dm uuid mpath-$map_wwid) exists at READY=1"

# shellcheck disable=SC2034  # lib.sh's pathctl() runs $PK_PATHCTL: the installed one from here on
PK_PATHCTL=/usr/sbin/pathctl
wait_until 30 "installed pathctl to reach the daemon over the system bus" pathctl show topology
both_paths_in_topology() {
    local topology
    topology=$(pathctl show topology 2>/dev/null) || return 1
    [[ $topology == *"$map_name"* ]] && grep -qw "${paths[0]}" <<<"$topology" && grep -qw "${paths[1]}" <<<"$topology"
}
wait_until 30 "pathctl show topology to list $map_name with ${paths[*]}" both_paths_in_topology
pathctl show topology | tee "$PK_OUT/topology.txt" >&2
for d in "${paths[@]}"; do
    [ "$(map_of_disk "$d")" = "$map_name" ] || fail "$d is not in $map_name's dm table"
done
wait_until 30 "/dev/mapper/$map_name" test -b "/dev/mapper/$map_name"
wait_until 30 "/dev/disk/by-id/dm-uuid-mpath-$map_wwid" test -b "/dev/disk/by-id/dm-uuid-mpath-$map_wwid"
[ "$(readlink -f "/dev/disk/by-id/dm-uuid-mpath-$map_wwid")" = "$(readlink -f "/dev/mapper/$map_name")" ] ||
    fail "dm-uuid-mpath-$map_wwid and /dev/mapper/$map_name point at different devices:" \
        "$(ls -l "/dev/disk/by-id/dm-uuid-mpath-$map_wwid" "/dev/mapper/$map_name" 2>&1)"
log "/dev/mapper/$map_name and /dev/disk/by-id/dm-uuid-mpath-$map_wwid -> $(readlink -f "/dev/mapper/$map_name")"

step "ExecReload (SIGHUP) keeps the daemon serving"
reload=$(unit_values ExecReload)
[[ $reload == *"kill -HUP \$MAINPID"* ]] || fail "ExecReload= is '$reload', expected kill -HUP \$MAINPID"
kill -HUP "$PK_PATHKEEPERD_PID"
sleep 1
kill -0 "$PK_PATHKEEPERD_PID" 2>/dev/null || fail "pathkeeperd died on SIGHUP"
wait_until 30 "pathctl to answer after the reload" both_paths_in_topology
log "still serving after SIGHUP; notifications so far: $(tr '\n' '|' <"$PK_OUT/notify.log")"

stop_pathkeeperd TERM
notified STOPPING=1 || fail "pathkeeperd did not send STOPPING=1 on SIGTERM"
[ -n "$(mpath_maps | awk -v u="mpath-$map_wwid" '$2 == u')" ] || fail "SIGTERM removed the map"

# --- 5. never beside multipathd ----------------------------------------------------------------------------------

step "with multipathd running, the unit's command refuses to start"
start_multipathd
wait_until 60 "multipathd to answer on its socket" multipathd show daemon
rc=0
timeout 60 setsid env "${UNIT_ENV[@]}" "${UNIT_ARGV[@]}" </dev/null >"$PK_OUT/pathkeeperd-beside-multipathd.log" 2>&1 ||
    rc=$?
cat "$PK_OUT/pathkeeperd-beside-multipathd.log" >&2
[ "$rc" -ne 0 ] || fail "pathkeeperd started (exit 0) while multipathd runs"
[ "$rc" -ne 124 ] || fail "pathkeeperd kept running beside multipathd (killed by timeout)"
grep -qi 'multipathd is running' "$PK_OUT/pathkeeperd-beside-multipathd.log" ||
    fail "pathkeeperd refused (exit $rc) without saying that multipathd is running"
log "refused with exit $rc and says why"

log "package install scenario passed"

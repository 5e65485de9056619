#!/usr/bin/env bash
# Boot to storage under systemd, pathkeeperd vs Debian's multipathd: the systemd-booted VM of e2e_systemd_boot
# booted five times on one persistent overlay: pathkeeperd enabled as the package enables it (the first, cold
# boot, shown apart), then multipathd, pathkeeperd, pathkeeperd, multipathd (the other daemon masked). Prints, per
# daemon, from udev's coldplug trigger to: the daemon active, the multipath map created, the fstab _netdev mount
# done. Not a pass/fail test. See bench/README.md.
#
#   bench/systemd-boot.sh [--deb FILE|DIR] [--build DIR] [--out FILE] [--logs DIR] [--timeout S]
#
# The package defaults to BUILD/deb (scripts/build-deb.sh --nocheck --out BUILD/deb). The table goes to stdout
# and, with the machine and the exact command, to bench/results/<UTC date>-systemd-boot.md.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
build=${PK_BUILD_DIR:-$repo/build}
deb="" out="" logs="" timeout=3000
command_line="bench/systemd-boot.sh $*"
while [ $# -gt 0 ]; do
    case "$1" in
    --deb) deb=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --logs) logs=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    -h | --help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/systemd-boot.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
export PK_DEB_DIR=${deb:-$build/deb}
unset PK_DEB
export PK_SOURCE_DIR=$repo
stamp=$(date -u +%Y-%m-%dT%H%MZ)
logs=${logs:-/tmp/pathkeeper-bench-$stamp-systemd-boot}
out=${out:-$repo/bench/results/$(date -u +%Y-%m-%d)-systemd-boot.md}
mkdir -p "$(dirname "$out")"

echo "bench/systemd-boot.sh: five systemd boots (pathkeeperd first, then multipathd and pathkeeperd A-B-B-A), package from $PK_DEB_DIR," \
    "logs in $logs" >&2
started=$(date +%s)
rc=0
"$repo/tests/vm/vm.sh" run --quiet --out "$logs" --timeout "$timeout" "$here/guest/systemd_boot.sh" || rc=$?
minutes=$((($(date +%s) - started + 59) / 60))
tsv=$logs/bench-systemd-boot.tsv
[ -s "$tsv" ] || { echo "bench/systemd-boot.sh: the guest produced no results (exit $rc); see $logs" >&2; exit 1; }

# The TSV has daemon, key, value, boot. Boot 1 (cold, first after installation) is shown apart; the others give
# each daemon's mean and its single values.
figures() {
    awk -F'\t' -v d="$1" -v k="$2" -v first="$3" '
        $1 == d && $2 == k && (first ? $4 == 1 : $4 > 1) { n++; v[n] = $3; if ($3 ~ /^[0-9.]+$/) sum += $3; else text = 1 }
        END {
            if (n == 0) { print "n/a"; exit }
            list = v[1]; for (i = 2; i <= n; i++) list = list " / " v[i]
            if (text || n == 1) print list; else printf "%.2f (%s)\n", sum / n, list
        }' "$tsv"
}
row() {
    printf '| %s | %s | %s | %s |\n' "$1" "$(figures multipathd "$2" 0)" "$(figures pathkeeperd "$2" 0)" \
        "$(figures pathkeeperd "$2" 1)"
}
{
    echo "# Boot to storage under systemd: multipathd vs pathkeeper"
    echo
    echo "- command: \`$command_line\`"
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); host: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)," \
        "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); VM run $minutes min (guest exit $rc)"
    echo "- one VM (qemu TCG, 2 vCPUs), five boots on one persistent overlay: boot 1 pathkeeperd, the first boot after" \
        "the package's installation (cold caches, shown apart), then multipathd, pathkeeperd, pathkeeperd, multipathd" \
        "(A-B-B-A, so the host's drift weighs on both). pathkeeperd: package defaults but user_friendly_names yes;" \
        "multipathd 0.9.4: user_friendly_names yes, find_multipaths greedy. Seconds from" \
        "systemd-udev-trigger.service's start, lower is better; mean (single boots)"
    echo
    echo "| from udev trigger to | multipathd | pathkeeper | pathkeeper, first boot |"
    echo "|---|---|---|---|"
    row "daemon active" daemon_active_s
    row "multipath map created (udev)" map_ready_s
    row "fstab \`_netdev\` mount done" mount_done_s
    row "userspace boot done (is-system-running)" userspace_s
    row "system state" system_state
} >"$out"
cat "$out"
echo >&2
echo "bench/systemd-boot.sh: written to $out (guest exit $rc, VM logs in $logs)" >&2

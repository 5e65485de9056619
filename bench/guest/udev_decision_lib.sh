#!/bin/bash
# The udev rule's decision per SCSI disk event, timed outside udev: each program runs with a disk's udev
# environment, as udev's IMPORT{program} runs it, with find_multipaths "on" and nothing known yet, no daemon
# running. Sourced by the guest benches after lib.sh; the caller defines record KEY VALUE.

# udev_decision_prepare CALLS: both programs' configuration (find_multipaths on, no WWID known) and the udev
# environment of every (disks/CALLS)-th disk; sets UDEV_DECISION_SAMPLE (disk names).
udev_decision_prepare() {
    local calls=$1 all step i d
    mkdir -p /etc/pathkeeper /var/lib/pathkeeper /etc/multipath
    printf 'defaults:\n  find_multipaths: "on"\n' >/etc/pathkeeper/pathkeeper.yaml
    : >/var/lib/pathkeeper/wwids
    : >/etc/multipath/wwids
    cat >/etc/multipath.conf <<'CONF'
defaults {
    find_multipaths on
    user_friendly_names no
}
CONF
    mapfile -t all < <(scsi_disks)
    step=$((${#all[@]} / calls))
    [ "$step" -ge 1 ] || step=1
    UDEV_DECISION_ENVS=$PK_OUT/udev-envs
    rm -rf "$UDEV_DECISION_ENVS"
    mkdir -p "$UDEV_DECISION_ENVS"
    UDEV_DECISION_SAMPLE=()
    for ((i = 0; i < ${#all[@]} && ${#UDEV_DECISION_SAMPLE[@]} < calls; i += step)); do
        d=${all[$i]}
        udevadm info --query=property --name="/dev/$d" | grep -E '^[A-Za-z_][A-Za-z0-9_]*=' |
            sed 's/^ACTION=.*/ACTION=change/' >"$UDEV_DECISION_ENVS/$d"
        grep -q '^ACTION=' "$UDEV_DECISION_ENVS/$d" || echo ACTION=change >>"$UDEV_DECISION_ENVS/$d"
        UDEV_DECISION_SAMPLE+=("$d")
    done
}

# udev_decision_run DISK COMMAND...: COMMAND by its full path (env -i leaves no PATH), the disk name appended.
udev_decision_run() {
    local d=$1 vars=()
    shift
    mapfile -t vars <"$UDEV_DECISION_ENVS/$d"
    env -i "${vars[@]}" "$@" "$d" >/dev/null 2>&1 || true
}

# udev_decision_time KEY COMMAND...: records KEY, milliseconds per call over the sample (also left in
# UDEV_DECISION_MS), after one untimed call (the helper builds its WWID index there).
udev_decision_time() {
    local key=$1 d start
    shift
    udev_decision_run "${UDEV_DECISION_SAMPLE[0]}" "$@"
    start=${EPOCHREALTIME/./}
    for d in "${UDEV_DECISION_SAMPLE[@]}"; do udev_decision_run "$d" "$@"; done
    UDEV_DECISION_MS=$(awk -v us=$((${EPOCHREALTIME/./} - start)) -v n=${#UDEV_DECISION_SAMPLE[@]} \
        'BEGIN { printf "%.1f", us / 1000 / n }')
    record "$key" "$UDEV_DECISION_MS"
}

# udev_decision_helper: the helper the host stripped (PK_UDEV_HELPER, as the package installs it), else the
# build tree's.
udev_decision_helper() {
    local helper=${PK_UDEV_HELPER:-${PK_BUILD_DIR:-}/udev-rules/pathkeeper-udev-helper}
    [ -x "$helper" ] || return 1
    echo "$helper"
}

#!/usr/bin/env bash
# Fails when a file of the pure policy core includes an OS, kernel, D-Bus, udev, device-mapper,
# YAML or clock header. The core gets events and the current time passed in; it never reaches out.
set -u
dir=${1:?usage: check_core_purity.sh LIB_CORE_DIR}
forbidden='^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]((libudev|libdevmapper|systemd/|sdbus-c\+\+|yaml-cpp|scsi/|linux/|sys/|unistd|fcntl|poll|dirent|pthread|thread|ctime|time\.h|fstream|filesystem|cstdio|stdio\.h|iostream|random|mutex|future|atomic|csignal|signal\.h|dlfcn|errno\.h|cerrno)[^>"]*)[>"]'
status=0
shopt -s nullglob
files=("$dir"/*.hpp "$dir"/*.cpp)
if [ "${#files[@]}" -eq 0 ]; then
    echo "check_core_purity: no sources found in $dir" >&2
    exit 1
fi
for f in "${files[@]}"; do
    if grep -nE "$forbidden" "$f"; then
        echo "check_core_purity: $f includes a header the pure core must not use" >&2
        status=1
    fi
done
# std::chrono types are fine (durations are data); reading a clock is not: time is passed in.
if grep -nE '(steady_clock|system_clock|high_resolution_clock)::now|\btime\(|gettimeofday|clock_gettime' "${files[@]}"; then
    echo "check_core_purity: the core reads a clock; pass the time in instead" >&2
    status=1
fi
[ "$status" -eq 0 ] && echo "check_core_purity: ${#files[@]} files clean"
exit "$status"

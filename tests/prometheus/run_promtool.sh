#!/usr/bin/env bash
# Runs promtool (found by CMake at configure time, passed as $1) with the remaining arguments. A missing
# promtool fails the test: the alerting rules ship in the package and must not go out unchecked.
set -u
promtool=${1:-}
shift || true
if [ -z "$promtool" ] || [[ $promtool == *-NOTFOUND ]] || [ ! -x "$promtool" ]; then
    echo "promtool not found: install Debian's prometheus package (scripts/install-deps.sh does), then re-run cmake" >&2
    exit 1
fi
exec "$promtool" "$@"

#!/usr/bin/env bash
# promtool check metrics over the daemon's metrics text: the exposition parses and passes promtool's lint
# (counter and unit naming, HELP on every family). $1: promtool as CMake found it, $2: the program that renders
# the fixed sample. A missing promtool fails the test, as for the rules.
set -u
promtool=${1:-}
render=${2:-}
if [ -z "$promtool" ] || [[ $promtool == *-NOTFOUND ]] || [ ! -x "$promtool" ]; then
    echo "promtool not found: install Debian's prometheus package (scripts/install-deps.sh does), then re-run cmake" >&2
    exit 1
fi
status=0
for variant in sample empty; do
    text=$("$render" "$variant") || { echo "rendering the $variant metrics failed" >&2; exit 1; }
    if ! grep -q '^pathkeeper_build_info{' <<<"$text"; then
        echo "the $variant metrics have no pathkeeper_build_info sample" >&2
        status=1
    fi
    # promtool prints its complaints and exits non-zero on any of them.
    if ! out=$("$promtool" check metrics <<<"$text" 2>&1); then
        echo "promtool check metrics rejects the $variant metrics:" >&2
        echo "$out" >&2
        status=1
    fi
done
exit $status

#!/bin/bash
# Builds the Debian package pathkeeper_<version>_<arch>.deb into ./dist and checks it with lintian.
#
# The source tree is copied to a temporary directory (build outputs and git metadata left out),
# packaging/debian becomes debian/, and `dpkg-buildpackage -us -uc -b` builds it; the unit and
# private-bus tests run during the build (debian/rules, override_dh_auto_test).
# Fails when the build, the tests or lintian (errors; warnings are shown) fail.
#
# Usage: scripts/build-deb.sh [--no-lintian] [--keep]
#   --keep        keep the temporary build directory (its path is printed)
# Environment: DEB_BUILD_OPTIONS is passed through (e.g. "nocheck parallel=2").
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
dist=$repo/dist
run_lintian=yes
keep=no
for arg in "$@"; do
    case $arg in
        --no-lintian) run_lintian=no ;;
        --keep) keep=yes ;;
        -h | --help) sed -n '2,13p' "$0"; exit 0 ;;
        *) echo "build-deb.sh: unknown argument $arg" >&2; exit 2 ;;
    esac
done

for tool in dpkg-buildpackage dh dpkg-parsechangelog tar; do
    command -v "$tool" >/dev/null || { echo "build-deb.sh: $tool not found (apt install devscripts debhelper)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/pathkeeper-deb.XXXXXX)
# The private-bus tests run pathctl as "nobody", which must reach the bus socket inside the build tree.
chmod 0755 "$work"
cleanup() { if [[ $keep == no ]]; then rm -rf "$work"; else echo "build-deb.sh: kept $work"; fi; }
trap cleanup EXIT

src=$work/pathkeeper
mkdir -p "$src"
# Only what the build needs: no build trees, test output, editor or git state.
tar -C "$repo" \
    --exclude='./.git' --exclude='./build*' --exclude='./dist' --exclude='./Testing' --exclude='./.cache' \
    --exclude='./obj-*' --exclude='./debian' --exclude='*.swp' --exclude='compile_commands.json' \
    -cf - . | tar -C "$src" -xf -
cp -r "$repo/packaging/debian" "$src/debian"
chmod +x "$src/debian/rules"

version=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
echo "build-deb.sh: building pathkeeper $version for $arch in $src"

(cd "$src" && dpkg-buildpackage -us -uc -b)

deb=$work/pathkeeper_${version}_${arch}.deb
[[ -f $deb ]] || { echo "build-deb.sh: $deb was not produced" >&2; exit 1; }
mkdir -p "$dist"
cp "$deb" "$dist/"
changes=$work/pathkeeper_${version}_${arch}.changes
echo "build-deb.sh: wrote $dist/$(basename "$deb")"
dpkg-deb --contents "$dist/$(basename "$deb")"

if [[ $run_lintian == yes ]]; then
    if ! command -v lintian >/dev/null; then
        echo "build-deb.sh: lintian not installed, skipping the check" >&2
        exit 0
    fi
    # lintian exits non-zero on errors (its default --fail-on error); warnings are printed only.
    echo "build-deb.sh: lintian"
    lintian --info --display-info --fail-on error "$changes"
    echo "build-deb.sh: lintian reports no errors"
fi

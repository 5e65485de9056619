#!/bin/bash
# Builds the Debian package pathkeeper_<version>_<arch>.deb (into ./dist, or --out DIR) and checks it with lintian.
#
# The source tree is copied to a temporary directory (build outputs and git metadata left out),
# packaging/debian becomes debian/, and `dpkg-buildpackage -us -uc -b` builds it; the unit and
# private-bus tests run during the build (debian/rules, override_dh_auto_test).
# Fails when the build, the tests or lintian (errors; warnings are shown) fail.
#
# The checkout itself is never written to (except the output directory when it lies inside it).
#
# Usage: scripts/build-deb.sh [--out DIR] [--nocheck] [--no-lintian] [--keep]
#   --out DIR     where the .deb, .changes, .buildinfo and lintian.txt go (default: <checkout>/dist)
#   --nocheck     skip the test suites during the package build (DEB_BUILD_OPTIONS+=nocheck), for CI runs
#                 that have already run them; by default they run
#   --no-lintian  skip the lintian check
#   --keep        keep the temporary build directory (its path is printed)
# Environment: DEB_BUILD_OPTIONS is passed through (e.g. "parallel=2"); parallel=$(nproc) is the default.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
dist=$repo/dist
run_lintian=yes
keep=no
nocheck=no
while [ $# -gt 0 ]; do
    case $1 in
        --out)
            [ $# -ge 2 ] || { echo "build-deb.sh: --out needs a directory" >&2; exit 2; }
            dist=$2
            shift
            ;;
        --out=*) dist=${1#--out=} ;;
        --nocheck) nocheck=yes ;;
        --no-lintian) run_lintian=no ;;
        --keep) keep=yes ;;
        -h | --help) sed -n '2,17p' "$0"; exit 0 ;;
        *) echo "build-deb.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
mkdir -p "$dist"
dist=$(cd "$dist" && pwd)

build_options=${DEB_BUILD_OPTIONS:-}
[[ $nocheck == no || " $build_options " == *" nocheck "* ]] || build_options="$build_options nocheck"
[[ $build_options == *parallel=* ]] || build_options="$build_options parallel=$(nproc)"
export DEB_BUILD_OPTIONS=${build_options# }

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
echo "build-deb.sh: building pathkeeper $version for $arch in $src (DEB_BUILD_OPTIONS='$DEB_BUILD_OPTIONS')"
started=$SECONDS

(cd "$src" && dpkg-buildpackage -us -uc -b)

deb=$work/pathkeeper_${version}_${arch}.deb
[[ -f $deb ]] || { echo "build-deb.sh: $deb was not produced" >&2; exit 1; }
# The .changes file names every artefact (.deb, -dbgsym .ddeb, .buildinfo): copy them all so lintian can check
# the copy.
cp "$work"/pathkeeper*_"${version}"_*.*deb "$work/pathkeeper_${version}_${arch}.changes" \
    "$work/pathkeeper_${version}_${arch}.buildinfo" "$dist/"
changes=$dist/pathkeeper_${version}_${arch}.changes
echo "build-deb.sh: wrote $dist/$(basename "$deb") in $((SECONDS - started)) s"
dpkg-deb --contents "$dist/$(basename "$deb")"

if [[ $run_lintian == yes ]]; then
    if ! command -v lintian >/dev/null; then
        echo "build-deb.sh: lintian not installed (apt install lintian, or pass --no-lintian)" >&2
        exit 1
    fi
    # lintian exits non-zero on errors (its default --fail-on error); warnings are printed only.
    echo "build-deb.sh: lintian"
    rc=0
    lintian --info --display-info --fail-on error "$changes" >"$dist/lintian.txt" 2>&1 || rc=$?
    cat "$dist/lintian.txt"
    if [[ $rc -ne 0 ]]; then
        echo "build-deb.sh: lintian reports errors (exit $rc; report in $dist/lintian.txt)" >&2
        exit 1
    fi
    echo "build-deb.sh: lintian reports no errors (report in $dist/lintian.txt)"
fi

#!/usr/bin/env bash
# Fails when a tracked C++ file is not clang-format clean (style: .clang-format at the repo root).
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' '*.h' 2>/dev/null || true)
if [ "${#files[@]}" -eq 0 ]; then
    mapfile -t files < <(find lib daemon cli tests -name '*.cpp' -o -name '*.hpp' | sort)
fi
bad=0
for f in "${files[@]}"; do
    if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
        echo "not clang-format clean: $f (fix: clang-format -i $f)"
        bad=1
    fi
done
[ "$bad" -eq 0 ] && echo "clang-format: ${#files[@]} files clean"
exit "$bad"

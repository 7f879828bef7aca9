#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds the libFuzzer targets of tests/fuzz with clang (-Dfuzz=true) and runs each for a bounded time, starting from
# its seed corpus in the repository. New inputs the fuzzer finds go to BUILDDIR/fuzz-corpus (never into the source
# tree); a crash leaves its input in BUILDDIR/fuzz-artifacts and makes this script fail.
#
#   tools/fuzz.sh [SECONDS]     fuzz each target for SECONDS (default 60)
#   SBX_FUZZ_BUILDDIR=DIR       build directory (default build-fuzz)
#
# A crash found: add the input to tests/fuzz/corpus-config/ (meson test --suite fuzz replays it) and a regression
# test to tests/unit/test-config.c, then fix it.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
secs=${1:-60}
case "$secs" in
'' | *[!0-9]*)
    echo "fuzz.sh: SECONDS must be a number, not '$secs'" >&2
    exit 2
    ;;
esac
dir=${SBX_FUZZ_BUILDDIR:-build-fuzz}

if [ -d "$dir" ]; then
    meson setup --reconfigure "$dir" -Dfuzz=true >/dev/null
else
    CC=clang meson setup "$dir" -Dwerror=true -Dfuzz=true >/dev/null
fi
ninja -C "$dir" tests/fuzz/fuzz-config

for target in config; do
    mkdir -p "$dir/fuzz-corpus/$target" "$dir/fuzz-artifacts"
    echo "== fuzz-$target for $secs s"
    if ! "$dir/tests/fuzz/fuzz-$target" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$dir/fuzz-artifacts/$target-" "$dir/fuzz-corpus/$target" "tests/fuzz/corpus-$target" \
        2>"$dir/fuzz-$target.log"; then
        tail -n 60 "$dir/fuzz-$target.log" >&2
        echo "fuzz.sh: fuzz-$target failed; the input is in $dir/fuzz-artifacts/" >&2
        exit 1
    fi
    grep -E '^stat::number_of_executed_units|^Done' "$dir/fuzz-$target.log" || true
done
echo "== fuzzing found nothing"

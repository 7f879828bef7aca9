#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Registered by meson in place of tests that cannot be built, so that a suite never disappears without a word:
#   sbx-missing.sh skip MESSAGE   a dependency is missing (MESSAGE names its Debian package): skip (77), or fail under
#                                 SBX_MUST_WORK=1, as CI runs
#   sbx-missing.sh fail MESSAGE   the tree itself is wrong (a listed test without its source, a source nobody lists)
case "$1" in
skip)
    if [ "${SBX_MUST_WORK:-0}" = 1 ]; then
        echo "FAIL (SBX_MUST_WORK=1 forbids skipping): $2" >&2
        exit 1
    fi
    echo "SKIP: $2" >&2
    exit 77
    ;;
fail)
    echo "FAIL: $2" >&2
    exit 1
    ;;
*)
    echo "usage: sbx-missing.sh skip|fail MESSAGE" >&2
    exit 2
    ;;
esac

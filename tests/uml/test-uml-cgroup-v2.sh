#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The pam_sandbox/cgroup root tests again, on pure cgroup v2, and the helper's own tests on the guest's kernel, which
# is Debian 12's 6.1 (older than this host's: its mount API cannot clone a mount that is not attached yet, for one).
# Boots Debian's user-mode-linux kernel with the host's filesystem as its read-only root (docs/ARCHITECTURE.md, "Tests") and runs
# tests/uml/guest-init.sh as its init. The guest writes each test's log into a directory of ours, mounted through
# hostfs; the results come back on the console.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/harness.sh"
[ "$(id -u)" = 0 ] || sbx_skip "needs root (the tests inside the guest do)"
command -v linux.uml >/dev/null || sbx_skip "needs linux.uml (Debian package user-mode-linux)"
# One line: env.sh is read by the guest's /bin/sh, which knows no $'...' quoting.
default_tests="test-pam-session test-cgroup-limits test-cgroup-sessions"
default_tests+=" test-shell-basic test-hardening-proc test-hardening-filter test-shell-network"
tests=${SBX_UML_ONLY:-$default_tests}
out=$(mktemp -d /tmp/sbx-uml.XXXXXX)
# SBX_UML_KEEP=1 keeps the guest's logs for a look after a failure.
[ -n "${SBX_UML_KEEP:-}" ] && echo "# logs kept in $out" || trap 'rm -rf "$out"' EXIT
{
    for v in $(compgen -e | grep '^SBX_'); do
        printf 'export %s=%q\n' "$v" "${!v}"
    done
    printf 'export SBX_UML_TESTS=%q\n' "$tests"
} >"$out/env.sh"
console=$(timeout -k 10 840 env LD_PRELOAD="$SBX_UML_PRELOAD" linux.uml mem=768M root=/dev/root rootfstype=hostfs rootflags=/ ro \
    init="$here/guest-init.sh" sbx_out="$out" con0=fd:0,fd:1 con=null quiet </dev/null 2>&1)
echo "$console" | grep '^UML-' | sed 's/^/# /'
fail=0
for t in $tests; do
    rc=$(echo "$console" | sed -n "s/^UML-RESULT $t \([0-9]*\).*/\1/p" | tr -d '\r')
    sed 's/^/#   /' "$out/$t.log" 2>/dev/null
    if [ "$rc" = 0 ]; then
        echo "ok - $t on pure cgroup v2"
    else
        echo "not ok - $t on pure cgroup v2 (status '${rc:-none}')"
        [ -z "$rc" ] && [ "$fail" = 0 ] && echo "$console" | tail -n 40 | sed 's/^/# console: /'
        fail=1
    fi
done
echo "$console" | grep -q '^UML-CONTROLLERS .*memory.*pids' || { echo "not ok - the guest had no memory/pids controllers"; fail=1; }
exit $fail

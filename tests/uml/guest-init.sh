#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# init of the user-mode-linux guest (pure cgroup v2), started by tests/uml/run-uml.sh with the host's filesystem as its
# read-only root. Mounts what the tests need, runs the pam_sandbox/cgroup root tests, prints one "UML-RESULT name rc"
# line per test on the console, powers off. Its parameters come from /run-independent files: $1 is the host directory
# (made writable through a hostfs mount) holding env.sh.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs -o mode=0755 tmpfs /run
# The guest gets a fresh /tmp; a source or build tree that lives under the host's /tmp stays reachable through a bind
# of the host's /tmp made first (read-only, like the rest of the host).
mkdir -p /run/host-tmp
mount --bind /tmp /run/host-tmp
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mount -t devtmpfs devtmpfs /dev 2>/dev/null || true
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts 2>/dev/null || true
mount -t tmpfs tmpfs /dev/shm 2>/dev/null || true
out=$(sed -n 's/.*sbx_out=\([^ ]*\).*/\1/p' /proc/cmdline)
mkdir -p /run/out
mount -t hostfs -o "$out" none /run/out
. /run/out/env.sh
for d in "$SBX_SRCDIR" "$SBX_BUILDDIR"; do
    case "$d" in
    /tmp/*)
        mkdir -p "$d"
        mount --bind "/run/host-tmp/${d#/tmp/}" "$d"
        ;;
    esac
done
echo "UML-CONTROLLERS $(cat /sys/fs/cgroup/cgroup.controllers)"
for t in $SBX_UML_TESTS; do
    # A test is named by its file in tests/integration/, or by the full path of a script (bench/pam-v2.sh).
    case $t in
    /*) script=$t t=$(basename "$t" .sh) ;;
    *) script=$SBX_SRCDIR/tests/integration/$t.sh ;;
    esac
    # A test that hangs is cut off and reported (status 124) rather than stopping the whole guest.
    SBX_MUST_WORK=1 timeout -k 5 240 bash "$script" </dev/null >/run/out/$t.log 2>&1
    echo "UML-RESULT $t $?"
done
poweroff -f

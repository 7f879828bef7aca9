#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The systemd backend, for real: boots Debian's user-mode-linux kernel with the host's filesystem as a read-only root;
# tests/uml/systemd-init.sh makes a writable overlay, writes users, keys, PAM, sshd and sandbox-shell configuration
# into it and execs systemd as PID 1 (pure cgroup v2) with dbus, logind, sshd and tests/uml/systemd-agent.sh, which logs
# in over ssh and with su and asserts what an administrator would check (docs/ARCHITECTURE.md, "Cgroups").
# systemd never runs on this host: only inside the guest.
# SBX_UML_SHELL=/bin/sh gives the sandboxed user a plain shell, which checks the PAM and systemd side alone (when run
# by hand from a build directory's environment, build/tests/sbx-env.sh).
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/harness.sh"
[ "$(id -u)" = 0 ] || sbx_skip "needs root (the guest's tests run as its root)"
command -v linux.uml >/dev/null || sbx_skip "needs linux.uml (Debian package user-mode-linux)"
for f in /lib/systemd/systemd /usr/bin/dbus-daemon /usr/sbin/sshd /sbin/insmod /bin/busybox \
    /lib/x86_64-linux-gnu/security/pam_systemd.so; do
    [ -e "$f" ] || sbx_skip "needs $f (packages systemd, dbus, openssh-server, kmod, busybox-static, libpam-systemd)"
done
ls /usr/lib/uml/modules/*/kernel/fs/overlayfs/overlay.ko >/dev/null 2>&1 ||
    sbx_skip "needs the overlay module of user-mode-linux (/usr/lib/uml/modules)"
grep -q '^#define HAVE_SYSTEMD 1' "$SBX_BUILDDIR/config.h" ||
    sbx_skip "sandbox-shell was built without systemd support (meson -Dsystemd=enabled, package libsystemd-dev)"

out=$(mktemp -d /tmp/sbx-uml-sd.XXXXXX)
trap 'rm -rf "$out"' EXIT
chmod 0755 "$out"
# The guest runs what a host that installed sandbox-shell runs: the build as `meson install` lays it out (the helper
# in /usr/bin with its file capabilities, the PAM module in the multiarch security directory, the user@.service
# drop-in and its program), copied into the guest's root.
DESTDIR=$out/stage meson install -C "$SBX_BUILDDIR" --no-rebuild --quiet >"$out/install.log" 2>&1 || {
    echo "not ok - meson install for the guest: $(tail -n 5 "$out/install.log")"
    exit 1
}
for v in SBX_SRCDIR SBX_BUILDDIR SBX_HELPER SBX_PAM_MODULE SBX_HELPER_CAPS SBX_UML_SHELL; do
    printf 'export %s=%q\n' "$v" "${!v:-}"
done >"$out/env.sh"

# About 17 s to a ready guest on an idle machine and a minute for the whole run, several times that on a busy one; the
# bound (below the suite's timeout) only stops a guest that hangs.
console=$(timeout -k 10 800 env LD_PRELOAD="$SBX_UML_PRELOAD" linux.uml mem=768M root=/dev/root rootfstype=hostfs rootflags=/ ro \
    init="$here/systemd-init.sh" sbx_out="$out" con0=fd:0,fd:1 con=null quiet systemd.show_status=0 \
    </dev/null 2>&1)
rc=$?
echo "$console" | grep -E '^UML-' | sed 's/^/# /'
sed 's/^/# /' "$out/journal.log" 2>/dev/null | tail -n 60 >&2
if [ ! -s "$out/agent.log" ]; then
    echo "$console" | tail -n 40 | sed 's/^/# console: /'
    echo "not ok - the guest ran no agent (linux.uml status $rc)"
    exit 1
fi
cat "$out/agent.log"
status=$(cat "$out/status" 2>/dev/null)
if [ "$status" != 0 ]; then
    echo "# the agent did not finish cleanly (status '${status:-none}', linux.uml status $rc)"
    exit 1
fi
grep -q '^not ok' "$out/agent.log" && exit 1
exit 0

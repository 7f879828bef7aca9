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
. "$here/systemd-guest.sh"
sbx_systemd_guest_prereqs
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
sbx_systemd_guest_env "$out"
sbx_systemd_guest_run "$out"

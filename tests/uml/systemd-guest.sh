# SPDX-License-Identifier: LGPL-2.1-or-later
# The systemd guest, shared by tests/uml/test-uml-systemd.sh and tests/package/test-package.sh (source it after
# tests/lib/harness.sh): Debian's user-mode-linux kernel boots with the host's filesystem as a read-only root;
# tests/uml/systemd-init.sh makes a writable overlay over it, writes the test's users, keys, PAM, sshd and
# sandbox-shell configuration into it and execs systemd as PID 1 (pure cgroup v2) with dbus, logind, sshd and the
# agent named in env.sh. systemd never runs on this host: only inside the guest.

# Skips unless this host can run the guest.
sbx_systemd_guest_prereqs() {
    local f
    [ "$(id -u)" = 0 ] || sbx_skip "needs root (the guest's tests run as its root)"
    command -v linux.uml >/dev/null || sbx_skip "needs linux.uml (Debian package user-mode-linux)"
    for f in /lib/systemd/systemd /usr/bin/dbus-daemon /usr/sbin/sshd /sbin/insmod /bin/busybox \
        /lib/x86_64-linux-gnu/security/pam_systemd.so; do
        [ -e "$f" ] || sbx_skip "needs $f (packages systemd, dbus, openssh-server, kmod, busybox-static, libpam-systemd)"
    done
    ls /usr/lib/uml/modules/*/kernel/fs/overlayfs/overlay.ko >/dev/null 2>&1 ||
        sbx_skip "needs the overlay module of user-mode-linux (/usr/lib/uml/modules)"
}

# Writes OUT/env.sh with the variables the guest's init and agents read, among them those named after OUT.
sbx_systemd_guest_env() { # OUT [VAR...]
    local out=$1 v
    shift
    for v in SBX_SRCDIR SBX_BUILDDIR SBX_HELPER SBX_PAM_MODULE SBX_HELPER_CAPS SBX_UML_SHELL "$@"; do
        printf 'export %s=%q\n' "$v" "${!v:-}"
    done >"$out/env.sh"
}

# Boots the guest with OUT (made by the caller, 0755, holding env.sh) as its /sbx-out, prints the agent's TAP lines
# and returns non-zero when the agent failed, did not finish, or never ran.
sbx_systemd_guest_run() { # OUT
    local out=$1 console rc status
    # About 17 s to a ready guest on an idle machine and a minute for the whole run, several times that on a busy
    # one; the bound (below the suite's timeout) only stops a guest that hangs.
    console=$(timeout -k 10 800 env LD_PRELOAD="$SBX_UML_PRELOAD" linux.uml mem=768M root=/dev/root \
        rootfstype=hostfs rootflags=/ ro init="$SBX_SRCDIR/tests/uml/systemd-init.sh" sbx_out="$out" \
        con0=fd:0,fd:1 con=null quiet systemd.show_status=0 </dev/null 2>&1)
    rc=$?
    echo "$console" | grep -E '^UML-' | sed 's/^/# /'
    sed 's/^/# /' "$out/journal.log" 2>/dev/null | tail -n 60 >&2
    if [ ! -s "$out/agent.log" ]; then
        echo "$console" | tail -n 40 | sed 's/^/# console: /'
        echo "not ok - the guest ran no agent (linux.uml status $rc)"
        return 1
    fi
    cat "$out/agent.log"
    status=$(cat "$out/status" 2>/dev/null)
    if [ "$status" != 0 ]; then
        echo "# the agent did not finish cleanly (status '${status:-none}', linux.uml status $rc)"
        return 1
    fi
    ! grep -q '^not ok' "$out/agent.log"
}

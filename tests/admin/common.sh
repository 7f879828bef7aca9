# SPDX-License-Identifier: LGPL-2.1-or-later
# Setup shared by the admin tests (sandbox-shellctl doctor, list, kill, mkrootfs): the harness's private namespaces, a
# sandboxed and a plain user, a busybox rootfs, the policy, PAM service files for sshd, login, su and su-l, and an
# sshd configuration in the private /etc that includes the project's sshd snippet, the user-manager drop-in: an
# installation doctor finds clean.
# Source it from a tests/admin/test-*.sh, then call sbx_admin_setup "$@".

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/harness.sh"
. "$here/../lib/sshd.sh"

CTL=${SBX_CTL:?SBX_CTL not set}

# The cgroup tree of these tests has a name of its own: `list` must show this test's sessions, not those of other
# suites running at the same time (on a hybrid host %c is "/" in the v2 hierarchy, shared by every test).
SBX_ADMIN_CGNAME=sandbox-shell-admin-$RANDOM$RANDOM

# sbx_admin_policy [EXTRA LINES]: the policy; sandboxed users are the group 'sandboxed'.
sbx_admin_policy() {
    sbx_write_conf "Sandbox no
CgroupRoot %c/$SBX_ADMIN_CGNAME

Match Group sandboxed
    Sandbox yes
    RootDirectory ${SBX_ADMIN_ROOTFS:-$SBX_WS/rootfs}
    Shell ${SBX_ADMIN_SHELL:-/bin/sh}
    Hostname box-%u
    TasksMax 200
    MemoryMax 512M
${1:-}"
}

# sbx_admin_sshd_config [EXTRA LINES]: /etc/ssh/sshd_config of the private /etc, with the project's snippet included.
sbx_admin_sshd_config() {
    mkdir -p /etc/ssh/sshd_config.d /run/sshd
    rm -f /etc/ssh/sshd_config.d/*.conf
    cp "$SBX_SRCDIR/etc/sshd_config.d/sandbox-shell.conf" /etc/ssh/sshd_config.d/sandbox-shell.conf
    cat >/etc/ssh/sshd_config <<CFG
Include /etc/ssh/sshd_config.d/*.conf
KbdInteractiveAuthentication no
UsePAM yes
X11Forwarding yes
PrintMotd no
Subsystem sftp /usr/lib/openssh/sftp-server
${1:-}
CFG
}

# The drop-in sandbox-shell installs for systemd's user manager, in the private /etc (systemd is installed here, so
# /lib/systemd/system/user@.service exists, but the machine's /usr and /lib are never written), with the program it
# names: the build's user-manager-allowed, installed root-owned in the workspace.
SBX_ADMIN_DROPIN=/etc/systemd/system/user@.service.d/sandbox-shell.conf
sbx_admin_user_manager_dropin() {
    local dropin=${1:-$SBX_ADMIN_DROPIN} program=${2:-$SBX_ADMIN_UMA}
    mkdir -p "$(dirname "$dropin")"
    rm -f "$dropin"
    printf '[Service]\nExecCondition=+%s %%i\n' "$program" >"$dropin"
}

sbx_admin_setup() {
    sbx_enter_private_ns "$@"
    sbx_add_user sbxuser1 3001
    sbx_add_user sbxuser2 3002
    sbx_add_user plainuser 3100 /bin/sh
    sbx_add_group sandboxed 3200 sbxuser1 sbxuser2
    sbx_make_rootfs "$SBX_WS/rootfs"
    sbx_admin_policy
    local s
    for s in sshd login su su-l; do
        sbx_pam_service "$s"
    done
    sbx_admin_sshd_config
    SBX_ADMIN_UMA=$SBX_WS/libexec/sandbox-shell/user-manager-allowed
    install -D -m 0755 -o root -g root "${SBX_USER_MANAGER_ALLOWED:?SBX_USER_MANAGER_ALLOWED not set}" "$SBX_ADMIN_UMA"
    sbx_admin_user_manager_dropin
    # The cgroup trees the sessions of these tests make (CgroupRoot %c/$SBX_ADMIN_CGNAME): removed at exit, after
    # every process still in them is killed (sbx_at_exit runs the hooks in reverse order).
    mapfile -t SBX_ADMIN_CG_DIRS < <(sbx_cgroup_dirs_below_self "$SBX_ADMIN_CGNAME")
    sbx_at_exit 'sbx_cleanup_cgroup_dirs "${SBX_ADMIN_CG_DIRS[@]}"'
    sbx_at_exit sbx_admin_kill_leftovers
}

# Kills whatever process is still in the test's cgroup tree (a failed test's sessions), by the pids listed there.
sbx_admin_kill_leftovers() {
    local pid i
    for ((i = 0; i < 50; i++)); do
        pid=$(cat $(find "${SBX_ADMIN_CG_DIRS[@]}" -name cgroup.procs 2>/dev/null) /dev/null 2>/dev/null | sort -u)
        [ -z "$pid" ] && return 0
        kill -KILL $pid 2>/dev/null
        sleep 0.1
    done
}

# sbx_admin_user_cgroups USER: USER's cgroup directories that exist now in the test's trees, in every hierarchy (one
# per line).
sbx_admin_user_cgroups() { sbx_user_dirs "$1" "${SBX_ADMIN_CG_DIRS[@]}"; }

# ctl ARGS...: sandbox-shellctl with the test's helper.
ctl() { "$CTL" "$@"; }

# sbx_doctor [ARGS...]: runs doctor with the test's helper; output in $out, status in $rc.
sbx_doctor() {
    out=$("$CTL" doctor --helper "$SBX_SHELL" "$@" 2>&1)
    rc=$?
}

# sbx_assert_doctor_finds WHAT PATTERN: doctor exits 1 and prints a finding matching PATTERN, with its fix.
sbx_assert_doctor_finds() {
    local what=$1 pattern=$2
    sbx_doctor
    [ "$rc" = 1 ] || sbx_fail "$what: doctor exited $rc, expected 1; output: $out"
    sbx_assert_match "$what" "$pattern" "$out"
    printf '%s\n' "$out" | grep -A1 -E -- "$pattern" | grep -q '^  fix: ' ||
        sbx_fail "$what: the finding has no fix line: $out"
}

sbx_assert_doctor_clean() {
    local what=$1
    sbx_doctor
    [ "$rc" = 0 ] || sbx_fail "$what: doctor exited $rc, expected 0; output: $out"
    sbx_assert_match "$what" '^No findings' "$out"
}

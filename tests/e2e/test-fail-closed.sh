#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Fail closed: whenever the sandbox cannot be set up, the login is refused with a message that says why, no command of
# the user runs, and nothing is left behind. Through ssh (what the client sees) and su (where PAM's messages print).
. "$(dirname "$0")/common.sh"
sbx_e2e_setup "$@"
sbx_syslog_start
sbx_sshd_start
sbx_ssh_authorize sbxuser1
marker=/home/sbxuser1/ran

# refused WHAT PATTERN: ssh and su as sbxuser1 are refused, print PATTERN, and run nothing.
refused() {
    local what=$1 pattern=$2 out rc
    rm -f "$marker"
    out=$(sbx_ssh sbxuser1 "touch $marker; echo RAN" 2>&1)
    rc=$?
    [ "$rc" -ne 0 ] || sbx_fail "$what: ssh login succeeded: $out"
    sbx_assert_no_match "$what: ssh ran no command" 'RAN' "$out"
    [ -z "$pattern" ] || sbx_assert_match "$what: ssh client is told why" "$pattern" "$out"
    out=$(su - sbxuser1 -c "touch $marker; echo RAN" </dev/null 2>&1)
    rc=$?
    [ "$rc" -ne 0 ] || sbx_fail "$what: su succeeded: $out"
    sbx_assert_no_match "$what: su ran no command" 'RAN' "$out"
    sbx_assert_match "$what: su tells why" "${3:-$pattern}" "$out"
    [ ! -e "$marker" ] || sbx_fail "$what: a command of the user ran"
    sbx_e2e_assert_clean sbxuser1 "$what"
}

# The helper without its file capabilities (installed without setcap).
setcap -r "$SBX_SHELL"
refused "helper without file capabilities" 'refusing login: missing capabilities cap_'
setcap "$SBX_HELPER_CAPS+ei" "$SBX_SHELL"

# set_shell SHELL: sbxuser1's passwd login shell.
set_shell() { sed -i "s|^\(sbxuser1:[^:]*:[^:]*:[^:]*:[^:]*:[^:]*:\).*\$|\1$1|" /etc/passwd; }
shell_msg="login shell of 'sbxuser1' is '%s', not the sandbox helper '$SBX_SHELL' \(.*; the administrator must run: usermod -s $SBX_SHELL sbxuser1\)"
# A user the policy sandboxes whose passwd shell is another program: every service refuses the session, naming the
# fix; the program never runs (it would run unsandboxed).
set_shell /bin/sh
: >"$SBX_SYSLOG"
refused "passwd shell /bin/sh" '' "$(printf "$shell_msg" /bin/sh)"
sbx_assert_match "sshd's refusal is logged with the fix" \
    "Refusing the session of sandboxed user 'sbxuser1': the login shell of 'sbxuser1' is '/bin/sh', not the sandbox helper .*usermod -s $SBX_SHELL sbxuser1" \
    "$(cat "$SBX_SYSLOG")"
sbx_tmux_init sbx-fail-closed
tm new-session -d -x 400 -y 30 "bash -c 'login -f sbxuser1; echo LOGIN-EXIT=\$?; sleep 600'"
expect "$(printf "$shell_msg" /bin/sh)" "console login with passwd shell /bin/sh: refused with the fix"
expect '^LOGIN-EXIT=[1-9][0-9]*$' "... and login fails"
tm kill-server
[ ! -e "$marker" ] || sbx_fail "a command of the user ran"
sbx_e2e_assert_clean sbxuser1 "passwd shell /bin/sh, console login"
# sudo -i: its session for the target user goes through the same kind of stack (pam_sandbox in /etc/pam.d/sudo-i,
# the service sudo -i uses, and sudo).
command -v sudo >/dev/null || sbx_fail "needs sudo (run tools/test.sh, which installs it)"
sbx_pam_service sudo
sbx_pam_service sudo-i
out=$(sudo -i -u sbxuser1 sh -c "touch $marker; echo RAN" </dev/null 2>&1)
sbx_assert_no_match "passwd shell /bin/sh: sudo -i runs nothing" '^RAN$' "$out"
sbx_assert_match "... and tells why" "$(printf "$shell_msg" /bin/sh)" "$out"
[ ! -e "$marker" ] || sbx_fail "a command of the user ran"
# A link in a place the user can write, pointing at the helper: refused too (it could be pointed elsewhere between
# the check and the exec).
ln -s "$SBX_SHELL" /home/sbxuser1/sh-link
chown -h sbxuser1 /home/sbxuser1/sh-link
set_shell /home/sbxuser1/sh-link
refused "passwd shell: a link in the user's home" '' "$(printf "$shell_msg" /home/sbxuser1/sh-link)"
rm /home/sbxuser1/sh-link
# Positive control: root's link to the helper in a root-only directory is the helper.
mkdir -m 0755 "$SBX_WS/alias"
ln -s "$SBX_SHELL" "$SBX_WS/alias/sandbox-shell"
set_shell "$SBX_WS/alias/sandbox-shell"
sbx_assert_eq "passwd shell: root's link to the helper logs in" 1 "$(sbx_ssh sbxuser1 'echo $$')"
set_shell "$SBX_SHELL"
sbx_assert_eq "passwd shell: the helper itself logs in" 1 "$(su - sbxuser1 -c 'echo $$' </dev/null 2>&1)"
sbx_assert_eq "passwd shell: the helper itself, through sudo -i" 1 "$(sudo -i -u sbxuser1 echo '$$' </dev/null 2>&1)"

# An invalid config: sshd's client sees only the refusal (PAM's message goes to sshd's log), su prints it.
sbx_e2e_policy "    MemoryMax lots"
refused "invalid config" '' 'configuration is invalid'
sbx_assert_match "the config error is logged with file:line" 'sandbox-shell.conf:[0-9]+: MemoryMax' "$(cat "$SBX_SYSLOG")"

# A missing rootfs.
SBX_E2E_ROOTFS=$SBX_WS/no-such-rootfs sbx_e2e_policy
refused "missing rootfs" "$SBX_WS/no-such-rootfs"

# An unsafe rootfs: a directory in its chain writable by the group.
sbx_e2e_policy
chmod g+w "$SBX_WS/rootfs"
refused "group-writable rootfs" "$SBX_WS/rootfs"
chmod g-w "$SBX_WS/rootfs"

# A rootfs owned by the user.
chown sbxuser1 "$SBX_WS/rootfs"
refused "rootfs owned by the user" "$SBX_WS/rootfs"
chown root "$SBX_WS/rootfs"

# A limit the host cannot apply: the io controller is hidden in this test's private mount namespace (unmounting the
# blkio hierarchy here touches nothing outside), so IOWeight has nowhere to go.
if mountpoint -q /sys/fs/cgroup/blkio; then
    umount /sys/fs/cgroup/blkio
    sbx_e2e_policy "    IOWeight 200"
    refused "IOWeight without the blkio controller" '' "blkio"
elif [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] && ! grep -qw io /sys/fs/cgroup/cgroup.controllers; then
    sbx_e2e_policy "    IOWeight 200"
    refused "IOWeight without the io controller" '' "io"
else
    sbx_fail "cannot make a host on which IOWeight cannot be applied"
fi

# And with everything right again, the login works (the refusals above were not the test's own doing).
sbx_e2e_policy
sbx_assert_eq "a valid setup logs in" 1 "$(sbx_ssh sbxuser1 'echo $$')"

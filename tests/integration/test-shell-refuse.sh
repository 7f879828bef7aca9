#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every refusal: one line naming the cause, a non-zero exit, the command not run, nothing left behind. Without the
# session's grant; a rootfs chain with a group-writable, user-owned or symlinked component; a missing rootfs; a user
# the policy does not sandbox; arguments other than none or -c CMD; a missing bind target. And a shell missing from
# the rootfs ends with 127 naming it.
. "$(dirname "$0")/shell-common.sh"
sbx_shell_setup "$@"

cmd=(-c 'touch ~/ran')

sbx_shell_expect_refusal "without the session's capability grant" \
    '^sandbox-shell: refusing login: missing capabilities cap_sys_admin,cap_setpcap,cap_net_admin,cap_sys_chroot,cap_sys_ptrace: this shell must be started through a pam_sandbox session' \
    --no-grant -- "${cmd[@]}"

# The capabilities come only from P(inh) & F(inh): the build tree's helper, without file capabilities, refuses too.
out=$(env -i "$SBX_LAUNCH" sbxshell "$SBX_HELPER" -c 'touch ~/ran' 2>&1)
rc=$?
[ "$rc" != 0 ] || sbx_fail "the helper without file capabilities exited 0"
sbx_assert_match "a helper without file capabilities refuses" '^sandbox-shell: refusing login: missing capabilities' "$out"
[ ! -e /home/sbxshell/ran ] || sbx_fail "the helper without file capabilities ran the command"

mkdir -p "$SBX_WS/gw"
cp -a "$SBX_WS/rootfs" "$SBX_WS/gw/rootfs"
chmod 0775 "$SBX_WS/gw"
sbx_shell_policy "" "$SBX_WS/gw/rootfs"
sbx_shell_expect_refusal "a group-writable directory in the rootfs chain" \
    "^sandbox-shell: refusing login: RootDirectory '$SBX_WS/gw/rootfs': unsafe permissions on '$SBX_WS/gw': mode 0775 is group-writable$" \
    -- "${cmd[@]}"

chmod 0755 "$SBX_WS/gw"
chmod 0757 "$SBX_WS/gw/rootfs"
sbx_shell_expect_refusal "a world-writable rootfs" \
    "unsafe permissions on '$SBX_WS/gw/rootfs': mode 0757 is world-writable$" -- "${cmd[@]}"

chmod 0755 "$SBX_WS/gw/rootfs"
chown sbxshell "$SBX_WS/gw/rootfs"
sbx_shell_expect_refusal "a rootfs owned by the user" \
    "unsafe ownership of '$SBX_WS/gw/rootfs': owned by uid 3901, not root$" -- "${cmd[@]}"

ln -s rootfs "$SBX_WS/link"
sbx_shell_policy "" "$SBX_WS/link"
sbx_shell_expect_refusal "a symbolic link in the rootfs chain" \
    "RootDirectory '$SBX_WS/link': '$SBX_WS/link' is a symbolic link" -- "${cmd[@]}"

sbx_shell_policy "" "$SBX_WS/missing/rootfs"
sbx_shell_expect_refusal "a missing rootfs" \
    "^sandbox-shell: refusing login: RootDirectory '$SBX_WS/missing/rootfs': '$SBX_WS/missing': No such file or directory$" \
    -- "${cmd[@]}"

sbx_shell_policy "    Bind /etc /srv/etc"
sbx_shell_expect_refusal "a bind target missing from the rootfs" \
    "Bind target '/srv/etc' does not exist in the rootfs" -- "${cmd[@]}"

mkdir -p /home/sbxshell/real "$SBX_WS/rootfs/srv"
ln -s /etc /home/sbxshell/link
chown -h sbxshell /home/sbxshell/real /home/sbxshell/link
sbx_shell_policy "    Bind %h/link /srv"
sbx_shell_expect_refusal "a bind source through a symbolic link the user planted" \
    "Bind source '/home/sbxshell/link': a component is a symbolic link \\(not followed\\)" -- "${cmd[@]}"

sbx_shell_policy "    Shell /bin/nosuchshell"
out=$(sbx_shell_run -- -c 'true' 2>&1)
sbx_assert_eq "a shell missing from the rootfs: exit status" 127 "$?"
sbx_assert_eq "a shell missing from the rootfs: message" \
    "sandbox-shell: execute the shell '/bin/nosuchshell' in the sandbox: No such file or directory" "$out"
sbx_shell_assert_clean "after the failed exec"

sbx_shell_policy
SBX_USER=plainuser sbx_shell_expect_refusal "a user the policy does not sandbox" \
    "^sandbox-shell: refusing login: user 'plainuser' is not sandboxed by the policy \\(Sandbox no\\)$" \
    -- -c 'touch /home/plainuser/ran'
[ ! -e /home/plainuser/ran ] || sbx_fail "the unsandboxed user's command ran"

sbx_shell_expect_refusal "an unknown option" "unsupported arguments starting at '-x'" -- -x
sbx_shell_expect_refusal "-c without a command" "unsupported arguments starting at '-c'" -- -c
sbx_shell_expect_refusal "-c with extra arguments" "unsupported arguments starting at '-c'" -- -c 'touch ~/ran' extra
sbx_shell_expect_refusal "a script path" "unsupported arguments starting at '/tmp/x'" -- /tmp/x

printf 'Bogus line\n' >/etc/sandbox-shell/sandbox-shell.conf.d/00-bad.conf
sbx_shell_expect_refusal "an invalid config" "^sandbox-shell: refusing login: .*00-bad.conf:1: " -- "${cmd[@]}"
rm /etc/sandbox-shell/sandbox-shell.conf.d/00-bad.conf

# And the policy as written works: the refusals above were the cases, not the setup.
sbx_assert_eq "the valid policy runs the command" 1 "$(sbx_shell_run -- -c 'echo $$')"
sbx_shell_assert_clean "at the end"

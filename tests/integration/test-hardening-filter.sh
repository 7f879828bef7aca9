#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The syscall filter inside a real sandbox: the shell runs under it (Seccomp: 2), the mount family, new user
# namespaces, TIOCSTI, TIOCLINUX and keyctl fail with EPERM; `SystemCallFilter !NAME` lets a default entry through
# (which shows that the filter, not the kernel, refused it before); `SystemCallFilter NAME` denies one more; an
# unknown name refuses the config with file:line.
. "$(dirname "$0")/shell-common.sh"
sbx_shell_setup "$@"
[ -x "${SBX_PROBE:-}" ] || sbx_fail "SBX_PROBE (tests/lib/sbx-probe) is not set"
install -m 0755 -o 0 -g 0 "$SBX_PROBE" "$SBX_WS/rootfs/bin/sbx-probe"

out=$(sbx_shell_run -- -c 'grep -E "^(Seccomp|NoNewPrivs):" /proc/$$/status')
sbx_assert_eq "the shell runs under a seccomp filter, with no_new_privs" "NoNewPrivs:	1
Seccomp:	2" "$out"

out=$(sbx_shell_run -- -c 'mount -t tmpfs none /tmp 2>&1; umount /tmp 2>&1; unshare -U true 2>&1; unshare -m true 2>&1
    unshare -U -m true 2>&1; sbx-probe userns')
sbx_assert_eq "mount, umount, unshare -U, unshare -m fail with EPERM" "mount: permission denied (are you root?)
umount: can't unmount /tmp: Operation not permitted
unshare: unshare(0x10000000): Operation not permitted
unshare: unshare(0x20000): Operation not permitted
unshare: unshare(0x10020000): Operation not permitted
userns: Operation not permitted" "$out"

out=$(sbx_shell_run -- -c 'sbx-probe tiocsti; sbx-probe tioclinux; sbx-probe keyctl')
sbx_assert_eq "TIOCSTI, TIOCLINUX and keyctl fail with EPERM" "TIOCSTI: Operation not permitted
TIOCLINUX: Operation not permitted
keyctl: Operation not permitted" "$out"
sbx_shell_assert_clean

# The same calls with their entries removed by the policy: what the kernel answers without the filter.
sbx_shell_policy "    SystemCallFilter !keyctl !userns
    SystemCallFilter !TIOCSTI !TIOCLINUX"
out=$(sbx_shell_run -- -c 'sbx-probe keyctl; sbx-probe userns; sbx-probe tiocsti; sbx-probe tioclinux; mount -t tmpfs none /tmp 2>&1')
sbx_assert_eq "with !keyctl !userns !TIOCSTI !TIOCLINUX those reach the kernel; mount is still denied" "keyctl: ok
userns: ok
TIOCSTI: ok
TIOCLINUX: Inappropriate ioctl for device
mount: permission denied (are you root?)" "$out"

# An added entry: setpriority, which busybox's renice uses (lowering one's own priority needs no privilege).
sbx_shell_policy "    SystemCallFilter setpriority"
out=$(sbx_shell_run -- -c 'renice -n 5 $$ 2>&1; echo rc=$?')
sbx_assert_match "an added entry (setpriority) is denied" "Operation not permitted" "$out"
sbx_assert_match "renice failed" "rc=1$" "$out"
sbx_shell_assert_clean "after the added entry"

# A Match block's rule beats a global one for the same name (the first mention wins, as for every keyword).
sbx_write_conf "Sandbox no
SystemCallFilter !keyctl setpriority
Match User sbxshell
    SystemCallFilter keyctl !setpriority
    Sandbox yes
    RootDirectory $SBX_WS/rootfs
    Shell /bin/sh"
out=$(sbx_shell_run -- -c 'sbx-probe keyctl; renice -n 5 $$ 2>&1; echo rc=$?')
sbx_assert_eq "the Match block's keyctl and !setpriority win over the global lines" "keyctl: Operation not permitted
rc=0" "$out"

# An unknown name is a config error with its place, and no sandbox is made.
sbx_shell_policy "    SystemCallFilter mount nosuchcall"
sbx_shell_expect_refusal "an unknown system call name" \
    "^sandbox-shell: refusing login: /etc/sandbox-shell/sandbox-shell.conf:4: SystemCallFilter: unknown system call 'nosuchcall'$" \
    -- -c 'touch ~/ran'
sbx_shell_policy "    SystemCallFilter ~keyctl"
sbx_shell_expect_refusal "systemd's ~ syntax" \
    "SystemCallFilter: '~keyctl': a bare name is denied; write '!keyctl' to allow it$" -- -c 'touch ~/ran'

sbx_shell_assert_clean "at the end"

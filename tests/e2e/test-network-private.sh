#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Network private through a real SSH login, on a host and an internet of the test's own (tests/lib/netprivate.sh):
# `ssh host cmd` reaches the internet by address and by name, and not the LAN, the host's own address, the host's
# sshd on its loopback or its abstract socket; an interactive session's stack runs in the session's cgroup (it counts
# against the session's limits) and is gone with the session, after a logout and after the helper is SIGKILLed, with
# nothing of the user left. Positive controls: the host reaches every probe (sbx_np_controls), and a plain user's
# login reaches the LAN.
here=$(dirname "$0")
. "$here/common.sh"
. "$here/../lib/netprivate.sh"
sbx_np_enter "$@"
sbx_e2e_setup "$@"
sbx_syslog_start
sbx_np_setup "$SBX_WS/rootfs"
sbx_np_controls
sbx_e2e_policy "    Network private"
sbx_sshd_start
sbx_ssh_authorize sbxuser1
sbx_ssh_authorize plainuser

sbx_assert_eq "control: a plain user's login reaches the LAN" "10.1.2.3:7: ok HELLO-7" \
    "$(sbx_ssh plainuser "$SBX_NETFILTER connect 10.1.2.3 7")"
out=$(sbx_ssh sbxuser1 'sbx-netfilter connect 203.0.113.1 7; sbx-netfilter resolve internet.test
    sbx-netfilter udp 203.0.113.1 7') || sbx_fail "ssh failed: $(tail -5 "$SBX_SSH_DIR/sshd.log")"
sbx_assert_lines "a sandboxed login reaches the internet, by address and by name, over TCP and UDP" "$out" \
    '^203\.0\.113\.1:7: ok HELLO-7$' '^internet\.test: 203\.0\.113\.1$' '^203\.0\.113\.1:7/udp: ok ping$'
out=$(sbx_ssh sbxuser1 "sbx-netfilter connect 10.1.2.3 7; sbx-netfilter connect 198.18.0.2 9
    sbx-netfilter connect 127.0.0.1 $SBX_SSH_PORT; sbx-netfilter connect-abstract sbx-host-secret")
sbx_assert_lines "... and none of the LAN, the host's address, the host's sshd, its abstract socket" "$out" \
    '^10\.1\.2\.3:7: No route to host$' '^198\.18\.0\.2:9: No route to host$' \
    "^127\\.0\\.0\\.1:$SBX_SSH_PORT: Connection refused\$" '^@sbx-host-secret: Connection refused$'
sbx_e2e_assert_clean sbxuser1 "after the ssh commands"

# An interactive session (a terminal), left running: its stack sits in the session's cgroup beside the helper.
sbx_ssh sbxuser1 -tt 'sleep 60' </dev/null >/dev/null 2>&1 &
client=$!
sbx_wait_for "pgrep -u sbxuser1 -f sandbox-shell-netstack >/dev/null && pgrep -u sbxuser1 -x sleep >/dev/null" 100 ||
    sbx_fail "the session did not start: $(tail -5 "$SBX_SSH_DIR/sshd.log")"
stack=$(pgrep -u sbxuser1 -f sandbox-shell-netstack)
helper=$(ps -o ppid= -p "$stack" | tr -d ' ')
sbx_assert_eq "the stack's parent is the helper" sandbox-shell "$(cat "/proc/$helper/comm")"
sbx_assert_eq "the stack is in the session's cgroups, the helper's" "$(cat "/proc/$helper/cgroup")" \
    "$(cat "/proc/$stack/cgroup")"
leaf=$(sed -n 's/^[0-9]*:pids://p' "/proc/$stack/cgroup")
sbx_assert_match "... a session leaf of sbxuser1" '/sbxuser1/session-' "$leaf"
sbx_assert_match "... whose pids controller counts it" "^$stack\$" "$(cat "$(sbx_cgroup_mount pids)$leaf/cgroup.procs")"
kill -9 "$helper"
sbx_wait_for "! kill -0 $stack 2>/dev/null" 50 || sbx_fail "the stack outlived the helper killed with SIGKILL"
echo "ok - the stack ends when the helper is SIGKILLed"
wait "$client" 2>/dev/null
sbx_e2e_assert_clean sbxuser1 "after the helper was SIGKILLed"

# A logout: nothing left either.
sbx_ssh sbxuser1 'sbx-netfilter connect 203.0.113.1 8' >/dev/null
sbx_e2e_assert_clean sbxuser1 "after a logout"

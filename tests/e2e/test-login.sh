#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A console login (shadow's login, PAM service "login") on a pty: the shell is PID 1 in the sandbox.
. "$(dirname "$0")/common.sh"
sbx_e2e_setup "$@"
command -v tmux >/dev/null || sbx_skip "needs tmux"
export TMUX_TMPDIR=$SBX_WS/tmux
mkdir -p "$TMUX_TMPDIR"
sock=sbx-login
tm() { tmux -L "$sock" "$@"; }
sbx_at_exit "tmux -L $sock kill-server 2>/dev/null"
screen() { tm capture-pane -p -S -200; }

# login -f: root starts a login for a user that is already authenticated (as getty/agetty do after autologin).
tm new-session -d -x 100 -y 30 "bash -c 'login -f sbxuser5; echo LOGIN-EXIT=\$?; sleep 600'"
sbx_wait_for "screen | grep -Eq '\\\$ ?\$'" 150 || sbx_fail "no prompt after login: $(screen)"
tm send-keys 'echo PID=$$ HOST=$(hostname)' Enter
sbx_wait_for "screen | grep -q '^PID=1 HOST=box-sbxuser5$'" 100 || sbx_fail "console login is not PID 1 in the sandbox: $(screen)"
echo "ok - console login: the shell is PID 1 in the sandbox"
tm send-keys 'exit 4' Enter
sbx_wait_for "screen | grep -q 'LOGIN-EXIT='" 100 || sbx_fail "login did not end: $(screen)"
echo "ok - login ended"
sbx_e2e_assert_clean sbxuser5

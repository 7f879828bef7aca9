#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A console login (shadow's login, PAM service "login") on a pty: the shell is PID 1 in the sandbox.
. "$(dirname "$0")/common.sh"
sbx_e2e_setup "$@"
sbx_tmux_init sbx-login
SBX_TMUX_HISTORY=200

# login -f: root starts a login for a user that is already authenticated (as getty/agetty do after autologin).
tm new-session -d -x 100 -y 30 "bash -c 'login -f sbxuser5; echo LOGIN-EXIT=\$?; sleep 600'"
expect '\$ ?$' "a prompt after login"
send 'echo PID=$$ HOST=$(hostname)' Enter
expect '^PID=1 HOST=box-sbxuser5$' "console login: the shell is PID 1 in the sandbox"
send 'exit 4' Enter
# shadow's login exits 0 when the session ends, whatever the shell's status.
expect '^LOGIN-EXIT=0$' "login ended"
sbx_e2e_assert_clean sbxuser5

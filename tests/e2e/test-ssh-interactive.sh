#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# An interactive ssh login under a real pty (tmux): the prompt's shell is PID 1, `tty` names a device, job control
# (&, Ctrl-Z, fg) and Ctrl-C work, and `exit 3` gives the client 3.
. "$(dirname "$0")/common.sh"
sbx_e2e_setup "$@"
sbx_tmux_init sbx-e2e
SBX_TMUX_HISTORY=200
sbx_sshd_start
sbx_ssh_authorize sbxuser4
mapfile -t opts < <(sbx_ssh_opts)

printf '%q ' ssh "${opts[@]}" -tt -p "$SBX_SSH_PORT" sbxuser4@127.0.0.1 >"$SBX_WS/ssh-cmd"
tm new-session -d -x 120 -y 40 "bash -c '$(cat "$SBX_WS/ssh-cmd"); echo CLIENT-EXIT=\$?; sleep 600'"
expect '\$ ?$' "a prompt appears"
send 'echo PID=$$' Enter
expect '^PID=1$' "the interactive shell is PID 1"
send 'tty' Enter
expect '^/dev/(pts/[0-9]+|console)$' "tty names the terminal"
send 'stty size' Enter
expect '^40 120$' "the terminal size reaches the sandbox"
tm resize-window -x 100 -y 30
sleep 0.5
send 'stty size' Enter
expect '^30 100$' "a window resize reaches the sandbox"

send 'sleep 300' Enter
sleep 1
send C-c
send 'echo AFTER-CTRL-C' Enter
expect '^AFTER-CTRL-C$' "Ctrl-C interrupts the foreground job and the shell survives"

send 'sleep 301' Enter
sleep 1
send C-z
expect 'Stopped|stopped' "Ctrl-Z stops the foreground job"
send 'jobs' Enter
expect 'sleep 301' "jobs lists the stopped job"
send 'fg' Enter
sleep 1
send C-c
send 'echo FG-DONE' Enter
expect '^FG-DONE$' "fg resumes it and Ctrl-C ends it"

send 'sleep 302 &' Enter
send 'echo BG-STARTED' Enter
expect '^BG-STARTED$' "a background job runs while the prompt is back"
send 'exit 3' Enter
expect 'CLIENT-EXIT=3' "exit 3 gives the client 3"

sbx_e2e_assert_clean sbxuser4 "after logout with a background job"

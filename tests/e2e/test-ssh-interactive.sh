#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# An interactive ssh login under a real pty (tmux): the prompt's shell is PID 1, `tty` names a device, job control
# (&, Ctrl-Z, fg) and Ctrl-C work, `exit 3` gives the client 3, and Ctrl-D at the empty prompt ends the login.
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

# Job control, checked where the screen cannot lie: the kernel's state of the job's process (S running, T stopped,
# gone), and lines the shell computes, never the typed command line (the history keeps every step's lines, and busy
# box sh sets $? to 130 on a Ctrl-C at an idle prompt too).
send 'sleep 300' Enter
expect_proc sbxuser4 'sleep 300' S "the foreground job runs"
send C-c
expect_proc sbxuser4 'sleep 300' '' "Ctrl-C ends the foreground job"
send 'echo AFTER-CTRL-C=$((6 * 7))' Enter
expect '^AFTER-CTRL-C=42$' "... and the shell survives"

send 'sleep 301' Enter
expect_proc sbxuser4 'sleep 301' S "a second foreground job runs"
send C-z
expect_proc sbxuser4 'sleep 301' T "Ctrl-Z stops the foreground job"
expect '\[1\]\+ +Stopped +sleep 301$' "... and the shell reports it stopped"
send 'jobs >/tmp/jobs; sed "s/^/JOB:/" /tmp/jobs' Enter
expect '^JOB:\[1\]\+ +Stopped +sleep 301$' "jobs lists the stopped job"
send 'fg' Enter
expect '^sleep 301$' "fg names the job it resumes"
expect_proc sbxuser4 'sleep 301' S "fg resumes it"
send C-c
expect_proc sbxuser4 'sleep 301' '' "Ctrl-C ends the resumed job"
send 'echo FG-STATUS=$?' Enter
expect '^FG-STATUS=130$' "... which the shell saw die of SIGINT"

send 'sleep 302 &' Enter
expect_proc sbxuser4 'sleep 302' S "a background job runs"
send 'echo SLEEPING=$(ps -o comm | grep -c "^sleep")' Enter
expect '^SLEEPING=1$' "... while the prompt is back"
send 'exit 3' Enter
expect '^CLIENT-EXIT=3$' "exit 3 gives the client 3"

sbx_e2e_assert_clean sbxuser4 "after logout with a background job"

# A second login, ended by Ctrl-D at the empty prompt: the shell ends as on any terminal, the client getting the
# status of its last command.
tm_restart
tm new-session -d -x 120 -y 40 "bash -c '$(cat "$SBX_WS/ssh-cmd"); echo CLIENT-EXIT=\$?; sleep 600'"
expect '\$ ?$' "a prompt appears for the second login"
send 'echo READY-$((2 + 3)); (exit 5)' Enter
expect '^READY-5$' "the shell is back at its prompt"
sleep 0.5
send C-d
expect '^CLIENT-EXIT=5$' "Ctrl-D at the empty prompt ends the login with the status of the shell's last command"
sbx_e2e_assert_clean sbxuser4 "after logout by Ctrl-D"

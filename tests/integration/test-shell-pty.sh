#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Interactive use under a real pty (tmux): a login shell as PID 1 with job control (&, Ctrl-Z, jobs, fg), Ctrl-C,
# `tty` naming a device, the window size and its changes, full-screen programs (busybox vi, less), the exit status;
# and Ctrl-C reaching a PID 1 that has no SIGINT handler (`-c 'sleep 300'`).
. "$(dirname "$0")/shell-common.sh"
sbx_shell_setup "$@"
sbx_tmux_init sbx-shell # screen: the visible screen only (steps start with `clear`)
SBX_TMUX_WAIT=100

# start ARGS...: a new tmux session running the helper; the pane prints EXIT=<status> when it ends.
start() {
    tm_restart
    sbx_shell_cmd "$@"
    tm new-session -d -x 120 -y 40 "$(printf '%q ' "${SBX_CMD[@]}"); echo EXIT=\$?; sleep 600"
}

start --argv0 -sandbox-shell --
expect '\$ ?$' "a prompt appears"
send 'echo PID=$$ ARGV0=$0' Enter
expect '^PID=1 ARGV0=-sh$' "the interactive login shell is PID 1"
send 'tty' Enter
expect '^/dev/pts/0$' "tty names the sandbox's own terminal"
send 'stty size' Enter
expect '^40 120$' "the terminal size reaches the sandbox"
tm resize-window -x 100 -y 30
sleep 0.5
send 'stty size' Enter
expect '^30 100$' "a window resize reaches the sandbox"

# Job control, checked where the screen cannot lie: the kernel's state of the job's process (S running, T stopped,
# gone), and lines the shell computes, never the typed command line (busybox sh sets $? to 130 on a Ctrl-C at an idle
# prompt too, so a status alone proves nothing).
send 'sleep 300' Enter
expect_proc sbxshell 'sleep 300' S "the foreground job runs"
send C-c
expect_proc sbxshell 'sleep 300' '' "Ctrl-C ends the foreground job"
send 'clear; echo AFTER-CTRL-C=$((6 * 7))' Enter
expect '^AFTER-CTRL-C=42$' "... and the shell survives"

send 'sleep 301' Enter
expect_proc sbxshell 'sleep 301' S "a second foreground job runs"
send C-z
expect_proc sbxshell 'sleep 301' T "Ctrl-Z stops the foreground job"
expect '\[1\]\+ +Stopped +sleep 301$' "... and the shell reports it stopped"
send 'clear; jobs >/tmp/jobs; sed "s/^/JOB:/" /tmp/jobs' Enter
expect '^JOB:\[1\]\+ +Stopped +sleep 301$' "jobs lists the stopped job"
send 'clear; fg' Enter
expect '^sleep 301$' "fg names the job it resumes"
expect_proc sbxshell 'sleep 301' S "fg resumes it"
send C-c
expect_proc sbxshell 'sleep 301' '' "Ctrl-C ends the resumed job"
send 'st=$?; clear; echo FG-STATUS=$st' Enter
expect '^FG-STATUS=130$' "... which the shell saw die of SIGINT"

send 'sleep 302 &' Enter
expect_proc sbxshell 'sleep 302' S "a background job runs"
send 'clear; echo SLEEPING=$(ps -o comm | grep -c "^sleep")' Enter
expect '^SLEEPING=1$' "... while the prompt is back"

send 'clear; vi ~/notes' Enter
expect '^~ *$' "vi draws its screen"
expect '^- /home/sbxshell/notes ' "vi shows the file name in its status line"
send 'i' 'hello from vi'
sleep 0.3
send Escape
sleep 0.5 # a lone ESC, not the start of an escape sequence
send ':wq' Enter
sleep 1 # vi discards what is typed ahead while it exits
send 'clear; echo VI-DONE=$((2 + 2))' Enter
expect '^VI-DONE=4$' "vi exits"
sbx_assert_eq "vi wrote the file in the home" "hello from vi" "$(cat /home/sbxshell/notes)"

send 'clear; seq 1 200 | less' Enter
expect '^1$' "less shows the first page"
send 'G'
expect '^200$' "less scrolls to the end"
send 'q'
send 'clear; echo LESS-DONE=$((3 + 3))' Enter
expect '^LESS-DONE=6$' "less exits"

send 'exit 3' Enter
expect '^EXIT=3$' "exit 3 gives the session 3"
sbx_shell_assert_clean "after logout with a background job"

# PID 1 without a SIGINT handler: the terminal's SIGINT reaches the helper too, which ends PID 1.
start -- -c 'echo READY; sleep 300'
expect '^READY$' "the command runs"
sleep 0.3
send C-c
expect '(^|\^C)EXIT=130$' "Ctrl-C ends a PID 1 that has no handler: 130"
sbx_shell_assert_clean "after Ctrl-C"

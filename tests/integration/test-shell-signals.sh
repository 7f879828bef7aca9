#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Signals between the session and the sandbox: SIGHUP and SIGTERM sent to the helper (the session's process) reach
# the shell; when PID 1 has no handler for them (a PID 1 would ignore them) the helper ends it as the signal's default
# action would, and exits 128+N; SIGKILL of the shell gives 137; killing the helper kills the whole sandbox.
. "$(dirname "$0")/shell-common.sh"
sbx_shell_setup "$@"

# start_bg SCRIPT: the helper in the background; waits until the script wrote ~/ready. Sets $pid (the helper) and
# $pid1 (the sandbox's PID 1 as this namespace sees it).
start_bg() {
    rm -f /home/sbxshell/ready /home/sbxshell/got
    sbx_shell_cmd -- -c "$1"
    "${SBX_CMD[@]}" &
    pid=$! # env execs sbx-launch, which execs the helper
    sbx_wait_for "[ -e /home/sbxshell/ready ]" 100 || sbx_fail "the sandbox did not start"
    pid1=$(pgrep -P "$pid")
    [ -n "$pid1" ] || sbx_fail "no PID 1 below the helper"
}

finish() { # finish WHAT EXPECTED-STATUS
    wait "$pid"
    sbx_assert_eq "$1: the helper's exit status" "$2" "$?"
    sbx_shell_assert_clean "$1"
}

start_bg 'trap "echo HUP >~/got; exit 5" HUP; echo >~/ready; while :; do sleep 0.1; done'
kill -HUP "$pid"
finish "SIGHUP to the helper, shell with a handler" 5
sbx_assert_eq "the shell's SIGHUP handler ran" HUP "$(cat /home/sbxshell/got)"

start_bg 'trap "echo TERM >~/got; exit 6" TERM; echo >~/ready; while :; do sleep 0.1; done'
kill -TERM "$pid"
finish "SIGTERM to the helper, shell with a handler" 6
sbx_assert_eq "the shell's SIGTERM handler ran" TERM "$(cat /home/sbxshell/got)"

start_bg 'echo >~/ready; while :; do sleep 0.1; done'
kill -HUP "$pid"
finish "SIGHUP to the helper, shell without a handler" 129

start_bg 'echo >~/ready; while :; do sleep 0.1; done'
kill -TERM "$pid"
finish "SIGTERM to the helper, shell without a handler" 143

start_bg 'trap "" HUP; echo >~/ready; while [ ! -e ~/stop ]; do sleep 0.1; done; exit 4'
kill -HUP "$pid"
sleep 0.5
kill -0 "$pid1" 2>/dev/null || sbx_fail "a shell that ignores SIGHUP was ended by it"
echo "ok - a shell that ignores SIGHUP keeps running"
touch /home/sbxshell/stop
finish "a shell that ignores SIGHUP" 4
rm -f /home/sbxshell/stop

start_bg 'echo >~/ready; while :; do sleep 0.1; done'
kill -KILL "$pid1"
finish "SIGKILL of the shell" 137

start_bg 'sleep 1000 & echo >~/ready; while :; do sleep 0.1; done'
kill -KILL "$pid"
wait "$pid"
sbx_assert_eq "the helper killed: its status" 137 "$?"
sbx_shell_assert_clean "after the helper was killed (PID 1 follows through PR_SET_PDEATHSIG)"

start_bg 'trap "echo CONT >>~/got" CONT; echo >~/ready; while [ ! -e ~/got ]; do sleep 0.1; done; exit 9'
kill -CONT "$pid"
finish "SIGCONT to the helper" 9
sbx_assert_eq "SIGCONT reached the shell" CONT "$(cat /home/sbxshell/got)"

# A signal the caller ignores is not ignored in the sandbox (an ignored disposition survives exec; PID 1 resets the
# ones /proc/self/status lists), and no signal is blocked there.
outside=$(trap '' USR1 INT QUIT TERM PIPE; grep '^SigIgn:' /proc/self/status | tr -d '\t')
[ "$outside" != "SigIgn:0000000000000000" ] || sbx_fail "the caller's ignored signals did not take ('$outside')"
sbx_shell_cmd -- -c 'grep -E "^Sig(Ign|Blk):" /proc/self/status | tr -d "\t" | tr "\n" " "'
inside=$(trap '' USR1 INT QUIT TERM PIPE; "${SBX_CMD[@]}")
sbx_assert_eq "ignored and blocked signals in the sandbox (caller: $outside)" \
    "SigBlk:0000000000000000 SigIgn:0000000000000000 " "$inside"
sbx_shell_assert_clean "the signal dispositions check"

#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Session time limits over real ssh logins. RuntimeMaxSec 3 (TimeoutStopSec 2): a session whose shell ignores SIGHUP
# and sleeps ends within 3 s + the grace, with a warning line on its terminal and nothing left, and its usage line says
# end=runtime-max; the same without a terminal. IdleTimeoutSec 2: an interactive session left alone ends (end=idle),
# one that types every second lives on past 6 s, and `ssh host 'sleep 5'` (no terminal) completes. Positive control:
# a user without limits keeps the same sleeping session.
. "$(dirname "$0")/common.sh"
sbx_e2e_setup "$@"
sbx_e2e_policy "
Match User sbxuser1
    RuntimeMaxSec 3
    TimeoutStopSec 2
Match User sbxuser2
    IdleTimeoutSec 2"
sbx_syslog_start
sbx_tmux_init sbx-time
sbx_sshd_start
for u in sbxuser1 sbxuser2 sbxuser3; do sbx_ssh_authorize "$u"; done
mapfile -t opts < <(sbx_ssh_opts)

# tty_session USER [COMMAND]: ssh -tt in a tmux window; the client's exit is printed as CLIENT-EXIT=N.
tty_session() {
    tm_restart
    printf '%q ' ssh "${opts[@]}" -tt -p "$SBX_SSH_PORT" "$1@127.0.0.1" ${2:+"$2"} >"$SBX_WS/ssh-cmd"
    tm new-session -d -x 150 -y 40 "bash -c '$(cat "$SBX_WS/ssh-cmd"); echo CLIENT-EXIT=\$?; sleep 600'"
}
close_line() {
    sbx_wait_for "grep -q 'session closed: user=$1 ' '$SBX_SYSLOG'" 100 || true
    grep "session closed: user=$1 " "$SBX_SYSLOG" | tail -1
}

# --- RuntimeMaxSec, with a terminal ---
start=$(date +%s)
tty_session sbxuser1 'trap "" HUP; echo STARTED; sleep 100'
expect '^STARTED' "the limited session starts"
expect 'warning: this session ends in [0-9]+s \(RuntimeMaxSec 3s\)' "the warning line is on its terminal"
SBX_TMUX_WAIT=150 expect 'CLIENT-EXIT=' "the session ends although its shell ignores SIGHUP"
took=$(($(date +%s) - start))
[ "$took" -le 9 ] || sbx_fail "the session lasted ${took}s, more than RuntimeMaxSec 3s + TimeoutStopSec 2s (+ login)"
echo "ok - it ended after ${took}s (3s + 2s grace + the login)"
expect 'RuntimeMaxSec\): it ends now' "a line says why it ends"
sbx_assert_match "the usage line says why it ended" ' end=runtime-max ' "$(close_line sbxuser1)"
sbx_assert_eq "nothing of it is left: no sleep 100" "" "$(pgrep -u sbxuser1 -a sleep || true)"
sbx_e2e_assert_clean sbxuser1 "after the runtime limit"

# --- the same without a terminal: the warning goes to standard error ---
: >"$SBX_SYSLOG"
out=$(sbx_ssh sbxuser1 'trap "" HUP; sleep 100; echo NOT-ENDED' 2>&1 </dev/null)
sbx_assert_match "without a terminal the warning goes to stderr" 'warning: this session ends in' "$out"
sbx_assert_no_match "and the session was ended" 'NOT-ENDED' "$out"
sbx_assert_match "its usage line says end=runtime-max" ' end=runtime-max ' "$(close_line sbxuser1)"

# Positive control: without the limit the same command outlives 3 s + the grace.
out=$(sbx_ssh sbxuser3 'trap "" HUP; sleep 6; echo NOT-ENDED' 2>&1 </dev/null)
sbx_assert_eq "control: without RuntimeMaxSec the session runs to its end" NOT-ENDED "$out"
sbx_assert_match "control: its usage line says end=logout" ' end=logout ' "$(close_line sbxuser3)"

# --- IdleTimeoutSec ---
: >"$SBX_SYSLOG"
tty_session sbxuser2
expect '\$ ?$' "an idle-limited interactive session starts"
expect 'no input for [0-9]+s: this session ends in [0-9]+s unless a key is pressed' "a warning comes before the end"
expect 'CLIENT-EXIT=' "the session left alone ends"
sbx_assert_match "its usage line says end=idle" ' end=idle ' "$(close_line sbxuser2)"
sbx_e2e_assert_clean sbxuser2 "after the idle timeout"

tty_session sbxuser2
expect '\$ ?$' "a second interactive session starts"
for i in 1 2 3 4 5 6 7; do
    send "echo tick$i" Enter
    sleep 1
done
send 'echo STILL-HERE' Enter
expect '^STILL-HERE' "a session typed into every second lives on past 6 s"
sbx_assert_no_match "it was not ended" 'CLIENT-EXIT=' "$(screen)"
send 'exit' Enter
expect 'CLIENT-EXIT=0' "it ends when the shell exits"

out=$(sbx_ssh sbxuser2 'sleep 5; echo DONE' </dev/null 2>&1)
sbx_assert_eq "without a terminal the idle timeout does not apply" DONE "$out"
sbx_e2e_assert_clean sbxuser2

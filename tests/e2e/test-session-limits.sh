#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Per-session limits under the user's: with SessionTasksMax 20 and TasksMax 100, a fork bomb in one session stops at
# 20 while a second session of the same user still starts and forks; with SessionMemoryMax 64M and MemoryMax 512M,
# one session's 200M allocation is OOM-killed while another session allocates 100M. The usage line carries the
# session's figures and the user's. Positive control: the second session forks past what the first could.
. "$(dirname "$0")/common.sh"
sbx_e2e_setup "$@"
sbx_e2e_policy "
Match User sbxuser1
    TasksMax 100
    SessionTasksMax 20
    SessionMemoryMax 64M"
sbx_syslog_start
sbx_sshd_start
sbx_ssh_authorize sbxuser1

# The first session forks until it cannot (each child sleeps) and holds; the count is taken from the host.
sbx_ssh sbxuser1 '(n=0; while [ $n -lt 60 ]; do sleep 20 & n=$((n+1)); done) 2>/dev/null; echo STARTED; sleep 10' \
    >"$SBX_WS/first" 2>&1 </dev/null &
first=$!
sbx_wait_for "grep -q STARTED '$SBX_WS/first'" 200 || sbx_fail "the first session did not start: $(cat "$SBX_WS/first")"
n1=$(pgrep -u sbxuser1 -fc '^sleep 20$' || true)
[ "$n1" -gt 5 ] && [ "$n1" -lt 20 ] || sbx_fail "the first session has $n1 children, not between 5 and SessionTasksMax 20"
echo "ok - a fork bomb in one session stops below SessionTasksMax 20 ($n1 children)"
sbx_ssh sbxuser1 '(n=0; while [ $n -lt 25 ]; do sleep 7 & n=$((n+1)); done) 2>/dev/null; echo SECOND; sleep 3' \
    >"$SBX_WS/second" 2>&1 </dev/null &
second=$!
sbx_wait_for "grep -q SECOND '$SBX_WS/second'" 200 || sbx_fail "a second session did not start: $(cat "$SBX_WS/second")"
n2=$(pgrep -u sbxuser1 -fc '^sleep 7$' || true)
[ "$n2" -gt 5 ] && [ $((n1 + n2)) -gt 20 ] ||
    sbx_fail "the second session forked $n2 (with the first's $n1: not past 20, so the user's limit stopped them)"
echo "ok - control: a second session still starts and forks ($n2), past 20 for the user as a whole"
wait $second
wait $first
# The ssh clients are gone; sshd logs each close a moment later. Both lines are in before the log is read and cleared
# (a late one would be read as the next session's).
sbx_sshd_settle sbxuser1
line=$(grep "session closed: user=sbxuser1 " "$SBX_SYSLOG" | head -1)
sbx_assert_match "the usage line counts the session's tasks-limit hits" ' tasks_max_hits=[1-9]' "$line"
sbx_assert_match "and carries the user's figures" ' user_peak_memory_bytes=[0-9n]' "$line"

: >"$SBX_SYSLOG"
# tail keeps a whole "line" in memory, and /dev/zero has no newline: it holds all it reads.
out=$(sbx_ssh sbxuser1 'head -c 200000000 /dev/zero | tail >/dev/null && echo SURVIVED' 2>&1 </dev/null)
sbx_assert_no_match "a 200M allocation in one session does not survive SessionMemoryMax 64M" SURVIVED "$out"
sbx_wait_for "grep -q 'session closed: user=sbxuser1 ' '$SBX_SYSLOG'" 100 || true
sbx_assert_match "its usage line counts the OOM kill" ' oom_kills=[1-9]' "$(grep 'session closed: user=sbxuser1 ' "$SBX_SYSLOG")"
out=$(sbx_ssh sbxuser1 'head -c 30000000 /dev/zero | tail >/dev/null && echo SURVIVED' 2>&1 </dev/null)
sbx_assert_eq "control: a 30M allocation in a session is fine" SURVIVED "$out"
sbx_e2e_assert_clean sbxuser1

#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# su - user and su user -c cmd from root: the target user's shell is PID 1 in the sandbox, in the user's cgroup; with
# no command it reads su's stdin to its end.
. "$(dirname "$0")/common.sh"
sbx_e2e_setup "$@"

out=$(su - sbxuser3 -c 'echo $$; hostname; id -un' </dev/null 2>&1) || sbx_fail "su - failed: $out"
sbx_assert_eq "su - sbxuser3 -c: PID 1, hostname, user" "1
box-sbxuser3
sbxuser3" "$out"

out=$(su sbxuser3 -c 'echo $$; pwd' </dev/null 2>&1) || sbx_fail "su failed: $out"
sbx_assert_eq "su sbxuser3 -c: PID 1 in the home" "1
/home/sbxuser3" "$out"

su sbxuser3 -c 'exit 5' </dev/null
sbx_assert_eq "su passes the exit status" 5 "$?"

# Without a terminal and without -c, the login shell reads su's stdin and ends at its end, su giving the status of the
# shell's last command.
out=$(printf 'echo PIPED=$$ $(id -un)\n(exit 6)\n' | su - sbxuser3 2>&1)
rc=$?
sbx_assert_eq "su - with a pipe as stdin: the shell runs what it reads, as PID 1" "PIPED=1 sbxuser3" "$out"
sbx_assert_eq "... and ends at the pipe's end with the status of its last command" 6 "$rc"

# While a session runs, it is in the user's cgroup (a leaf below it).
su - sbxuser3 -c 'sleep 30' </dev/null &
supid=$!
sbx_wait_for "pgrep -u sbxuser3 -x sleep >/dev/null" 100 || sbx_fail "the sleep did not start"
sleeper=$(pgrep -u sbxuser3 -x sleep)
sbx_assert_match "the session's process is in the user's cgroup" '/sandbox-shell/sbxuser3/' "$(cat /proc/"$sleeper"/cgroup)"
kill -TERM "$supid" 2>/dev/null || true
wait "$supid" 2>/dev/null || true

sbx_e2e_assert_clean sbxuser3

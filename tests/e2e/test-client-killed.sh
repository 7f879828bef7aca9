#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The client is killed in the middle of a session while a background job runs (ignoring SIGHUP, so it survives the hangup of
# the shell): sshd ends the session, and everything of it is gone afterwards.
. "$(dirname "$0")/common.sh"
sbx_e2e_setup "$@"
sbx_sshd_start
sbx_ssh_authorize sbxuser1

sbx_ssh sbxuser1 -tt '(trap "" HUP; exec sleep 1000) >/dev/null 2>&1 & touch ~/.started; sleep 1000' </dev/null >/dev/null 2>&1 &
client=$!
sbx_wait_for "[ -e /home/sbxuser1/.started ]" 150 || sbx_fail "the session did not start"
sbx_wait_for '[ "$(pgrep -u sbxuser1 -x sleep | wc -l)" = 2 ]' 100 || true
sbx_assert_eq "two sleeps run in the sandbox" 2 "$(pgrep -u sbxuser1 -x sleep | wc -l)"
# The ssh process itself (the background job is a subshell running the sbx_ssh function).
sshpid=$(pgrep -P "$client" -x ssh)
[ -n "$sshpid" ] || sbx_fail "no ssh client process found"
kill -9 "$sshpid"
wait "$client" 2>/dev/null || true
echo "ok - client killed"
sbx_e2e_assert_clean sbxuser1 "after the client was killed"

#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# MaxSessions 5 against 20 ssh logins started at once: exactly 5 get a session while they hold, the other 15 are
# refused at PAM open with a message naming the limit and the number open. A session whose sshd was killed (no
# close) stops counting. Positive control: a user without the cap gets all of its sessions.
. "$(dirname "$0")/common.sh"
sbx_e2e_setup "$@"
sbx_e2e_policy "
Match User sbxuser1
    MaxSessions 5"
sbx_sshd_start "MaxStartups 100
MaxSessions 100"
sbx_ssh_authorize sbxuser1
sbx_ssh_authorize sbxuser2
mkdir -p "$SBX_WS/out"

# logins USER N: N logins at once, each holding its session 12 s; their output in $SBX_WS/out/USER-I.
logins() {
    local i pids=()
    for i in $(seq 1 "$2"); do
        sbx_ssh "$1" 'echo IN-SESSION; sleep 12' >"$SBX_WS/out/$1-$i" 2>&1 </dev/null &
        pids+=($!)
    done
    wait "${pids[@]}"
}
logins sbxuser1 20
sbx_assert_eq "exactly 5 of 20 logins at once got a session" 5 "$(cat "$SBX_WS"/out/sbxuser1-* | grep -c IN-SESSION)"
sbx_assert_eq "the 15 others were refused, naming the limit and the number open" 15 \
    "$(grep -l "login refused: 'sbxuser1' has 5 sessions open, as many as MaxSessions allows (5)" \
        "$SBX_WS"/out/sbxuser1-* | wc -l)"
sbx_e2e_assert_clean sbxuser1

logins sbxuser2 8
sbx_assert_eq "control: without MaxSessions all 8 logins get a session" 8 \
    "$(cat "$SBX_WS"/out/sbxuser2-* | grep -c IN-SESSION)"

# A session whose sshd dies without its close no longer counts once it is gone.
for i in 1 2 3 4 5; do
    sbx_ssh sbxuser1 'echo IN-SESSION; sleep 60' >"$SBX_WS/out/hold-$i" 2>&1 </dev/null &
done
sbx_wait_for "[ \$(cat '$SBX_WS'/out/hold-* | grep -c IN-SESSION) -eq 5 ]" 200 || sbx_fail "5 sessions did not start"
out=$(sbx_ssh sbxuser1 'echo IN-SESSION' 2>&1 </dev/null)
sbx_assert_match "a sixth is refused while 5 are open" 'as many as MaxSessions allows \(5\)' "$out"
# The session processes of sshd for sbxuser1 (the privileged half opened the session): kill one of them hard.
victim=$(pgrep -f 'sshd: sbxuser1 \[priv\]' | head -1)
[ -n "$victim" ] || sbx_fail "no sshd session process of sbxuser1: $(pgrep -a sshd)"
kill -9 "$victim"
sbx_wait_for "! kill -0 $victim 2>/dev/null" 50 || true
out=$(sbx_ssh sbxuser1 'echo IN-SESSION' 2>&1 </dev/null)
sbx_assert_eq "after its sshd was killed, a new session is allowed" IN-SESSION "$out"
pkill -u sbxuser1 || true
pkill -f 'sshd: sbxuser1' || true
wait
sbx_e2e_assert_clean sbxuser1 "at the end"
